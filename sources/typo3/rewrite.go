package typo3

import (
	"context"
	"fmt"
	"strings"
	"time"

	"keysync/internal/sqlutil"
	keysync "keysync/sync"
)

// Accounts implements keysync.Source.
func (s *Source) Accounts(ctx context.Context, ids []uint64, now time.Time) ([]keysync.Account, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	return s.query(ctx, ` WHERE uid IN (`+sqlutil.Placeholders(len(ids))+`) ORDER BY uid`, sqlutil.Args(ids), now)
}

// Rewrite implements keysync.Source: one UPDATE per row and column, each
// guarded by the old value, in one transaction. Rewrites are rare (merges,
// repairs), so clarity beats batching here. tstamp is left alone.
func (s *Source) Rewrite(ctx context.Context, rewrites []keysync.Rewrite) ([]keysync.Written, error) {
	if len(rewrites) == 0 {
		return nil, nil
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit
	for _, r := range rewrites {
		for _, c := range []struct{ col, old, new string }{
			{s.num, r.Old.Number, r.New.Number}, {s.hh, r.Old.HH, r.New.HH}, {s.pe, r.Old.PE, r.New.PE},
		} {
			if c.new == "" || c.new == c.old {
				continue
			}
			q := `UPDATE ` + s.table + ` SET ` + c.col + ` = ? WHERE uid = ? AND COALESCE(` + c.col + `, '') = ?`
			if _, err := tx.ExecContext(ctx, q, c.new, r.ID, c.old); err != nil {
				return nil, sqlutil.MarkData(fmt.Errorf("rewrite uid %d: %w", r.ID, err), keysync.ErrRowRefused)
			}
		}
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("commit: %w", err)
	}
	ids := make([]any, len(rewrites))
	for i, r := range rewrites {
		ids[i] = r.ID
	}
	return s.readBack(ctx, ids, func(i int) uint64 { return rewrites[i].ID }, len(rewrites))
}

// readBack reports what the rows hold, in the order of the request.
func (s *Source) readBack(ctx context.Context, ids []any, idAt func(int) uint64, n int) ([]keysync.Written, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT uid, COALESCE(`+s.num+`, ''), COALESCE(`+s.hh+`, ''), COALESCE(`+s.pe+`, '') FROM `+s.table+` WHERE uid IN (`+sqlutil.Placeholders(len(ids))+`)`, ids...)
	if err != nil {
		return nil, fmt.Errorf("read back: %w", err)
	}
	defer rows.Close()
	found := map[uint64]keysync.Written{}
	for rows.Next() {
		var w keysync.Written
		if err := rows.Scan(&w.ID, &w.Number, &w.HH, &w.PE); err != nil {
			return nil, fmt.Errorf("read back: %w", err)
		}
		w.Found = true
		found[w.ID] = w
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read back: %w", err)
	}
	out := make([]keysync.Written, n)
	for i := range out {
		got, ok := found[idAt(i)]
		if !ok {
			got = keysync.Written{ID: idAt(i)}
		}
		got.Number, got.HH, got.PE = strings.TrimSpace(got.Number), strings.TrimSpace(got.HH), strings.TrimSpace(got.PE)
		out[i] = got
	}
	return out, nil
}
