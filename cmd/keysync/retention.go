package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"keysync/config"
	keysync "keysync/sync"
	"keysync/sync/central"
)

// forgetDue forgets the persons due under the retention keep
// (KEYSYNC_FORGET_AFTER), one INFO line "person forgotten" with the number
// only for each. A person that can no longer be forgotten (an account came
// back meanwhile, another daemon forgot it first) is skipped with its
// reason. It runs after a reconciliation of every source that failed
// nowhere, so the accounts' statuses it goes by are fresh.
func forgetDue(ctx context.Context, store *central.Store, keep time.Duration, log *slog.Logger) ([]string, error) {
	if keep == 0 {
		return nil, nil
	}
	due, err := store.ForgetDue(ctx, keep)
	if err != nil {
		return nil, err
	}
	by := "keysync retention (KEYSYNC_FORGET_AFTER=" + config.FormatRetention(keep) + ")"
	var done []string
	for _, n := range due {
		if ctx.Err() != nil {
			return done, ctx.Err()
		}
		_, err := store.Forget(ctx, central.Forgetting{Number: n, By: by})
		switch {
		case errors.Is(err, central.ErrCannotForget):
			log.Info("person not forgotten", keysync.LogNumber, n, "reason", err.Error())
			continue
		case err != nil:
			return done, fmt.Errorf("forget %s: %w", n, err)
		}
		log.Info("person forgotten", keysync.LogNumber, n, "by", by)
		done = append(done, n)
	}
	return done, nil
}
