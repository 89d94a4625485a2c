package central

import (
	"context"
	"errors"
	"math/rand/v2"
	"time"

	"keysync/internal/sqlutil"
)

// maxAttempts bounds how often a transaction is run after deadlocks: two
// writers that keep choosing each other as victims are a bug to see, not
// to hide.
const maxAttempts = 5

// retry runs a transaction's function until it succeeds, fails for a reason
// other than a deadlock or lock wait timeout (sqlutil.IsRetryable) or a
// sequence moved by a transaction on another Galera node, or has
// run maxAttempts times. InnoDB rolls the victim back whole, so running the
// same function again is safe: every write-path transaction decides from
// what it reads inside itself. The waits grow and carry jitter so that two
// victims do not meet again at once. Retries are counted in Store.Retries.
func (s *Store) retry(ctx context.Context, fn func() error) error {
	wait := 5 * time.Millisecond
	for attempt := 1; ; attempt++ {
		err := fn()
		if err == nil || attempt == maxAttempts || !retryable(err) {
			return err
		}
		s.Retries.Add(1)
		t := time.NewTimer(wait/2 + rand.N(wait))
		select {
		case <-ctx.Done():
			t.Stop()
			return err
		case <-t.C:
		}
		wait *= 2
	}
}

func retryable(err error) bool {
	return sqlutil.IsRetryable(err) || errors.Is(err, errSequenceMoved)
}
