package typo3

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"time"

	keysync "keysync/sync"
	"keysync/sync/sqlutil"
)

var _ keysync.KeySweeper = (*Source)(nil)

// SweepKeys implements keysync.KeySweeper: the state and keysync's three
// columns of the rows above after, in uid order, and nothing else, so that
// a reconciliation reads a few dozen bytes per row instead of the whole row
// and its group titles. The server evaluates the state (the same condition
// as Pending's), so each row is six short columns; the values of a page
// share one string.
func (s *Source) SweepKeys(ctx context.Context, after uint64, limit int, now time.Time) ([]keysync.Account, error) {
	t := now.Unix()
	pids, args := s.pidFilter([]any{t, t, after})
	q := `SELECT uid, deleted <> 0, deleted = 0 AND disable = 0 AND starttime <= ? AND (endtime = 0 OR endtime > ?), ` +
		`COALESCE(` + s.num + `, ''), COALESCE(` + s.hh + `, ''), COALESCE(` + s.pe + `, '') FROM ` +
		s.table + ` WHERE uid > ?` + pids + ` ORDER BY uid LIMIT ?`
	rows, err := s.db.QueryContext(ctx, q, append(args, limit)...)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", s.cfg.Table, err)
	}
	defer rows.Close()
	out := make([]keysync.Account, 0, limit)
	refs := make([][3]sqlutil.TextRef, 0, limit)
	var page sqlutil.TextPage
	// Scanned into variables declared once: scanning into an Account of
	// the loop would allocate every row's.
	var (
		uid             uint64
		deleted, active bool
		num, hh, pe     sql.RawBytes
	)
	for rows.Next() {
		if err := rows.Scan(&uid, &deleted, &active, &num, &hh, &pe); err != nil {
			return nil, fmt.Errorf("read fe_users row: %w", err)
		}
		out = append(out, keysync.Account{Source: s.cfg.Name, ID: uid, Deleted: deleted, Active: active})
		refs = append(refs, [3]sqlutil.TextRef{page.Add(bytes.TrimSpace(num)), page.Add(bytes.TrimSpace(hh)), page.Add(bytes.TrimSpace(pe))})
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read %s: %w", s.cfg.Table, err)
	}
	page.Done()
	for i, r := range refs {
		out[i].Number, out[i].HH, out[i].PE = page.Text(r[0]), page.Text(r[1]), page.Text(r[2])
	}
	return out, nil
}
