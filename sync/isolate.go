package keysync

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
)

// refusal is one item a database refused on its own, with the error.
type refusal[T any] struct {
	item T
	err  error
}

// isolate runs do on items. When do fails with ErrRowRefused, some item's
// values were refused and nothing of the call took effect (a transaction
// rolled back, a statement refused whole); isolate then runs do on each
// half, in order, down to single items, so the items that fail alone are
// found with a few calls more (about two per level of halving for each
// such item) and everything else goes through. done holds the items that
// went through, results what do returned for them, in the same order.
// Any other error ends it: an outage is retried whole by the caller.
func isolate[T, R any](items []T, do func([]T) ([]R, error)) (done []T, results []R, refused []refusal[T], err error) {
	if len(items) == 0 {
		return nil, nil, nil, nil
	}
	res, err := do(items)
	switch {
	case err == nil:
		return items, res, nil, nil
	case !errors.Is(err, ErrRowRefused):
		return nil, nil, nil, err
	case len(items) == 1:
		return nil, nil, []refusal[T]{{items[0], err}}, nil
	}
	half := len(items) / 2
	for _, part := range [][]T{items[:half], items[half:]} {
		d, r, ref, err := isolate(part, do)
		done, results, refused = append(done, d...), append(results, r...), append(refused, ref...)
		if err != nil {
			return done, results, refused, err
		}
	}
	return done, results, refused, nil
}

// assign is Store.Assign in which a row whose values the central database
// refuses costs that row alone: the batch goes through without it, and it
// comes back as a skipped outcome with its ConflictRowRefused.
func (e *Engine) assign(ctx context.Context, name string, cands []Candidate) ([]Outcome, error) {
	_, outcomes, refused, err := isolate(cands, func(part []Candidate) ([]Outcome, error) {
		return e.Store.Assign(ctx, name, part, e.DryRun)
	})
	if err != nil {
		return nil, err
	}
	for _, r := range refused {
		o, err := e.refused(ctx, r.item.Account, "the central database", r.err)
		if err != nil {
			return nil, err
		}
		outcomes = append(outcomes, o)
	}
	return outcomes, nil
}

// refused records the conflict of a row a database refused and returns
// its outcome: skipped, with the refusal as its error. A dry run records
// nothing.
func (e *Engine) refused(ctx context.Context, a Account, where string, err error) (Outcome, error) {
	cf := RefusedConflict(a, where, err)
	o := Outcome{Account: a, Action: ActionSkip, Err: fmt.Errorf("%s refused the row: %w", where, err)}
	if e.DryRun {
		o.Conflicts = []RecordedConflict{{Conflict: cf}}
		return o, nil
	}
	rec, rerr := e.Store.RecordConflicts(ctx, []Conflict{cf})
	if rerr != nil {
		return o, fmt.Errorf("%s: record refused row: %w", a.Source, rerr)
	}
	o.Conflicts = rec
	return o, nil
}

// refusedWrites records the conflicts of the writes the portal refused,
// counts them as skipped rows and logs them, as decide does for the
// central database's refusals.
func (e *Engine) refusedWrites(ctx context.Context, log *slog.Logger, c *writeReport, ids []refusal[uint64], want map[uint64]Outcome) error {
	for _, r := range ids {
		o, err := e.refused(ctx, want[r.item].Account, "the portal", r.err)
		if err != nil {
			return err
		}
		c.Skipped++
		log.Warn("row skipped", LogUID, r.item, LogErr, o.Err.Error())
		for _, cf := range o.Conflicts {
			c.Conflicts++
			c.conflicts[r.item] = append(c.conflicts[r.item], cf)
			LogConflict(log, cf)
		}
	}
	return nil
}
