package typo3

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"math"
	"time"

	keysync "keysync/sync"
	"keysync/sync/sqlutil"
)

var (
	_ keysync.KeySweeper  = (*Source)(nil)
	_ keysync.RangeSummer = (*Source)(nil)
)

// SweepKeys implements keysync.KeySweeper: the state and keysync's three
// columns of the rows above after, in uid order, and nothing else, so that
// a reconciliation reads a few dozen bytes per row instead of the whole row
// and its group titles. The server evaluates the state (the same condition
// as Pending's), so each row is six short columns; the values of a page
// share one string.
func (s *Source) SweepKeys(ctx context.Context, after uint64, limit int, now time.Time) ([]keysync.Account, error) {
	return s.sweepKeys(ctx, after, math.MaxUint64, limit, now)
}

// SweepKeysBetween implements keysync.RangeSummer.
func (s *Source) SweepKeysBetween(ctx context.Context, after, upTo uint64, limit int, now time.Time) ([]keysync.Account, error) {
	return s.sweepKeys(ctx, after, upTo, limit, now)
}

// activeSQL is the condition of an active member (Pending's): not
// deleted, not disabled, within its starttime/endtime window. Its two
// placeholders take the current Unix time.
const activeSQL = `deleted = 0 AND disable = 0 AND starttime <= ? AND (endtime = 0 OR endtime > ?)`

func (s *Source) sweepKeys(ctx context.Context, after, upTo uint64, limit int, now time.Time) ([]keysync.Account, error) {
	t := now.Unix()
	bound := ""
	args := []any{t, t, after}
	if upTo != math.MaxUint64 {
		bound = ` AND uid <= ?`
		args = append(args, upTo)
	}
	pids, args := s.pidFilter(args)
	q := `SELECT uid, deleted <> 0, ` + activeSQL + `, ` +
		`COALESCE(` + s.num + `, ''), COALESCE(` + s.hh + `, ''), COALESCE(` + s.pe + `, '') FROM ` +
		s.table + ` WHERE uid > ?` + bound + pids + ` ORDER BY uid LIMIT ?`
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

// rowSumSQL returns the query of RowSums (see keysync.RangeSum): per range
// of uids, the rows, and over the rows with a number the BIT_XOR of the
// CRC32 of "uid|state|number|hh|pe", the state evaluated as SweepKeys
// does and the values trimmed as it trims them, so that a row the walk
// would find in agreement with its account has the account's string.
// Placeholders: the range size, the current Unix time twice, the PIDs,
// the range size.
func (s *Source) rowSumSQL() string {
	pids, _ := s.pidFilter(nil)
	return `SELECT k_range, COUNT(*), SUM(k_num <> ''), BIT_XOR(IF(k_num <> '', CRC32(CONCAT_WS('|', uid, k_state, k_num, k_hh, k_pe)), 0)), SUM(k_num = '')` +
		` FROM (SELECT uid DIV ? AS k_range, uid, CASE WHEN ` + activeSQL + ` THEN 'active' WHEN deleted <> 0 THEN 'deleted' ELSE 'inactive' END AS k_state,` +
		` TRIM(COALESCE(` + s.num + `, '')) AS k_num, TRIM(COALESCE(` + s.hh + `, '')) AS k_hh, TRIM(COALESCE(` + s.pe + `, '')) AS k_pe` +
		` FROM ` + s.table + ` WHERE uid > 0` + pids + `) k GROUP BY k_range ORDER BY k_range`
}

// RowSums implements keysync.RangeSummer: one grouped query over the
// table, computed by the portal's server.
func (s *Source) RowSums(ctx context.Context, size uint64, now time.Time) ([]keysync.RangeSum, error) {
	t := now.Unix()
	q := s.rowSumSQL()
	_, args := s.pidFilter([]any{size, t, t})
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("sum %s: %w", s.cfg.Table, err)
	}
	defer rows.Close()
	var out []keysync.RangeSum
	for rows.Next() {
		var r keysync.RangeSum
		if err := rows.Scan(&r.Range, &r.All, &r.Count, &r.Xor, &r.Blank); err != nil {
			return nil, fmt.Errorf("sum %s: %w", s.cfg.Table, err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sum %s: %w", s.cfg.Table, err)
	}
	return out, nil
}
