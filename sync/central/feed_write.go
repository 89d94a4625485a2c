package central

import (
	"context"
	"database/sql"
	"fmt"
	"slices"

	"keysync/internal/sqlutil"
)

// The write side of the change feed (keysync.ChangeFeed, see feed.go).
//
// Every transaction that changes what a sink shows of a person (a new
// person, a value of the record, an account's status, a merge) gives each
// such person a position in changes, in that transaction. Positions come
// from the one-row counter change_head, taken by the last statement
// before the commit: its row lock makes a second transaction wait until
// the first committed, so positions become visible in the order they were
// handed out, and a reader that saw position n never sees a lower one
// appear later. AUTO_INCREMENT would not do: its values are handed out
// when a row is inserted, and transactions commit in another order. The
// lock is held from the counter's update to the commit, which is a single
// insert.

// feedChanges records the persons' numbers at new positions. Call it last
// before the commit; nothing happens without numbers.
func feedChanges(ctx context.Context, tx *sql.Tx, numbers []string) error {
	numbers = slices.Compact(slices.Sorted(slices.Values(numbers)))
	if len(numbers) == 0 {
		return nil
	}
	last, err := takePositions(ctx, tx, len(numbers))
	if err != nil {
		return err
	}
	first := last - uint64(len(numbers)) + 1
	const chunk = 1000
	for start := 0; start < len(numbers); start += chunk {
		part := numbers[start:min(start+chunk, len(numbers))]
		args := make([]any, 0, 2*len(part))
		for i, n := range part {
			args = append(args, first+uint64(start+i), n)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO changes (pos, number) VALUES `+sqlutil.Rows(len(part), 2), args...); err != nil {
			return fmt.Errorf("record changes: %w", err)
		}
	}
	return nil
}

// takePositions moves the counter on by k and returns the last of the k
// positions, locking the counter until the commit.
func takePositions(ctx context.Context, tx *sql.Tx, k int) (uint64, error) {
	if _, err := tx.ExecContext(ctx, `UPDATE change_head SET pos = LAST_INSERT_ID(pos + ?) WHERE id = 1`, k); err != nil {
		return 0, fmt.Errorf("take change positions: %w", err)
	}
	var last uint64
	if err := tx.QueryRowContext(ctx, `SELECT LAST_INSERT_ID()`).Scan(&last); err != nil {
		return 0, fmt.Errorf("take change positions: %w", err)
	}
	if last < uint64(k) {
		return 0, fmt.Errorf("take change positions: the counter change_head has no row 1: run keysync migrate")
	}
	return last, nil
}

// changed lists the persons whose records this transaction loaded or
// created: each was loaded because an account of theirs changed, was
// linked, moved or was merged, so what a sink shows of them may differ.
func (r *records) changed() []string {
	out := make([]string, 0, len(r.states))
	for n := range r.states {
		out = append(out, n)
	}
	return out
}
