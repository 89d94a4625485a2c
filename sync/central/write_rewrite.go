package central

import (
	"context"
	"fmt"

	keysync "keysync/sync"
)

// PendingWrites implements keysync.Store: the accounts flagged
// pending_write (by a merge or a repair), through the (source,
// pending_write) index.
func (s *Store) PendingWrites(ctx context.Context, source string, after uint64, limit int) ([]uint64, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT account_id FROM accounts WHERE source = ? AND pending_write = 1 AND account_id > ? ORDER BY account_id LIMIT ?`, source, after, limit)
	if err != nil {
		if isNoSuchTable(err) {
			return nil, ErrSchemaOutdated
		}
		return nil, fmt.Errorf("read pending rewrites: %w", err)
	}
	defer rows.Close()
	var ids []uint64
	for rows.Next() {
		var id uint64
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("read pending rewrites: %w", err)
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// Rewritten implements keysync.Store: it clears pending_write where the
// account still links the number that was written (a merge in between
// flags it again), stamps written_at, and records a "rewritten" event with
// the old and the new value.
func (s *Store) Rewritten(ctx context.Context, source string, done []keysync.Outcome) error {
	if len(done) == 0 {
		return nil
	}
	return s.retry(ctx, func() error { return s.rewritten(ctx, source, done) })
}

func (s *Store) rewritten(ctx context.Context, source string, done []keysync.Outcome) error {
	now := s.now()
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit
	events := eventInsert()
	for _, o := range done {
		if _, err := tx.ExecContext(ctx, `UPDATE accounts SET pending_write = 0, written_at = ? WHERE source = ? AND account_id = ? AND number = ?`,
			now, source, o.Account.ID, o.Number); err != nil {
			return fmt.Errorf("clear pending rewrite: %w", err)
		}
		addEvent(&events, now, s.Actor, "rewritten", o.Number, source, o.Account.ID, o.Account.Number, o.Number, rewriteDetail(o))
	}
	if err := events.exec(ctx, tx); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// rewriteDetail says in the history why a row's values were replaced and
// what it holds now.
func rewriteDetail(o keysync.Outcome) string {
	ids := "hh=" + o.HH + " pe=" + o.PE
	if o.Reason == "" {
		return ids
	}
	return o.Reason + "; " + ids
}
