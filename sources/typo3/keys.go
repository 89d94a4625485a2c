package typo3

import (
	"context"
	"fmt"
	"strings"
	"time"

	keysync "keysync/sync"
)

var _ keysync.KeySweeper = (*Source)(nil)

// SweepKeys implements keysync.KeySweeper: the state columns and keysync's
// three columns of the rows above after, in uid order, and nothing else, so
// that a reconciliation reads a few dozen bytes per row instead of the
// whole row and its group titles.
func (s *Source) SweepKeys(ctx context.Context, after uint64, limit int, now time.Time) ([]keysync.Account, error) {
	pids, args := s.pidFilter([]any{after})
	q := `SELECT uid, deleted, disable, starttime, endtime, COALESCE(` + s.num + `, ''), COALESCE(` + s.hh + `, ''), COALESCE(` + s.pe + `, '') FROM ` +
		s.table + ` WHERE uid > ?` + pids + ` ORDER BY uid LIMIT ?`
	rows, err := s.db.QueryContext(ctx, q, append(args, limit)...)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", s.cfg.Table, err)
	}
	defer rows.Close()
	out := make([]keysync.Account, 0, limit)
	t := now.Unix()
	for rows.Next() {
		var a keysync.Account
		var deleted, disable int
		var starttime, endtime int64
		if err := rows.Scan(&a.ID, &deleted, &disable, &starttime, &endtime, &a.Number, &a.HH, &a.PE); err != nil {
			return nil, fmt.Errorf("read fe_users row: %w", err)
		}
		a.Source = s.cfg.Name
		a.Deleted = deleted != 0
		a.Active = deleted == 0 && disable == 0 && starttime <= t && (endtime == 0 || endtime > t)
		a.Number, a.HH, a.PE = strings.TrimSpace(a.Number), strings.TrimSpace(a.HH), strings.TrimSpace(a.PE)
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read %s: %w", s.cfg.Table, err)
	}
	return out, nil
}
