package central

import (
	"context"
	"database/sql"
	"fmt"

	"keysync/internal/sqlutil"
	"keysync/internal/text"
)

// OpenConflictIDs returns up to limit ids of the open conflicts the filter
// selects (Open is implied), oldest first from after the id after: a
// filtered set is worked through page by page while resolving it closes
// what the pages before held.
func (s *Store) OpenConflictIDs(ctx context.Context, f ConflictFilter, after uint64, limit int) ([]uint64, error) {
	f.Open, f.Below, f.Limit, f.Offset = true, 0, 0, 0
	where, args := f.where()
	q := `SELECT c.id FROM conflicts c`
	if f.Number != "" {
		q += ` LEFT JOIN accounts a ON a.source = c.source AND a.account_id = c.account_id`
	}
	q += where + fmt.Sprintf(` AND c.id > ? ORDER BY c.id LIMIT %d`, limit)
	var ids []uint64
	err := sqlutil.Each(ctx, s.db, q, append(args, after), func(rows *sql.Rows) error {
		var id uint64
		err := rows.Scan(&id)
		ids = append(ids, id)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("read open conflicts: %w", err)
	}
	return ids, nil
}

// CountOpenConflicts counts the open conflicts the filter selects (Open is
// implied): the preview of a resolution of a filtered set.
func (s *Store) CountOpenConflicts(ctx context.Context, f ConflictFilter) (int, error) {
	f.Open, f.Below, f.Limit, f.Offset = true, 0, 0, 0
	where, args := f.where()
	q := `SELECT COUNT(*) FROM conflicts c`
	if f.Number != "" {
		q += ` LEFT JOIN accounts a ON a.source = c.source AND a.account_id = c.account_id`
	}
	var n int
	if err := s.db.QueryRowContext(ctx, q+where, args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("count open conflicts: %w", err)
	}
	return n, nil
}

// IgnoreConflicts closes the conflicts of ids that are still open as
// ignored, in one transaction, each with its history event naming by and
// the note, and returns those it closed. Ignoring changes nothing else, so
// unlike Resolve it needs no sequence lock and takes a page at a time.
func (s *Store) IgnoreConflicts(ctx context.Context, ids []uint64, by, note string) ([]uint64, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	var closed []uint64
	err := s.retry(ctx, func() (err error) {
		closed, err = s.ignoreConflicts(ctx, ids, by, note)
		return err
	})
	return closed, err
}

func (s *Store) ignoreConflicts(ctx context.Context, ids []uint64, by, note string) ([]uint64, error) {
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelReadCommitted})
	if err != nil {
		return nil, fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit
	args := sqlutil.Args(ids)
	var open []ConflictView
	err = sqlutil.Each(ctx, tx, `SELECT `+conflictColumns+` WHERE c.status = 'open' AND c.id IN (`+sqlutil.Placeholders(len(ids))+`) ORDER BY c.id FOR UPDATE`, args,
		func(rows *sql.Rows) error {
			c, err := scanConflict(rows)
			open = append(open, c)
			return err
		})
	if err != nil || len(open) == 0 {
		return nil, err
	}
	now := s.now()
	ids = make([]uint64, len(open))
	events := eventInsert()
	for i, c := range open {
		ids[i] = c.ID
		d := fmt.Sprintf("conflict #%d (%s) ignored as ignore by %s", c.ID, c.Kind, by)
		if note != "" {
			d += ": " + note
		}
		addEvent(&events, now, by, "conflict_resolved", c.AccountNumber, c.Source, c.AccountID, c.Kind, ResolveIgnore, d)
	}
	closed, err := closeOpen(ctx, tx, ids, `status = 'ignored', resolution = ?, resolved_by = ?, resolved_at = ?, note = ?`,
		ResolveIgnore, text.Clip(by, 128), now, nullIf(note))
	if err != nil {
		return nil, err
	}
	if err := events.exec(ctx, tx); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("commit: %w", err)
	}
	return closed, nil
}
