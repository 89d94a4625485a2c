package typo3

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"slices"
	"sync"
	"time"

	"keysync/internal/sqlutil"
	keysync "keysync/sync"
	"keysync/sync/reconcile"
)

var (
	_ reconcile.KeySweeper  = (*Source)(nil)
	_ reconcile.RangeSummer = (*Source)(nil)
)

// SweepKeys implements reconcile.KeySweeper: the state and keysync's three
// columns of the rows above after, in uid order, and nothing else, so that
// a reconciliation reads a few dozen bytes per row instead of the whole row
// and its group titles. The server evaluates the state (the same condition
// as Pending's), so each row is six short columns; the values of a page
// share one string.
func (s *Source) SweepKeys(ctx context.Context, after uint64, limit int, now time.Time) ([]keysync.Account, error) {
	return s.sweepKeys(ctx, after, math.MaxUint64, limit, now)
}

// SweepKeysBetween implements reconcile.RangeSummer.
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
		deleted, active sql.NullBool // NULL where a site's schema allows NULL flags
		num, hh, pe     sql.RawBytes
	)
	for rows.Next() {
		if err := rows.Scan(&uid, &deleted, &active, &num, &hh, &pe); err != nil {
			return nil, fmt.Errorf("read fe_users row: %w", err)
		}
		out = append(out, keysync.Account{Source: s.cfg.Name, ID: uid, Deleted: deleted.Bool, Active: active.Bool})
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

// sumParts is how many queries compute the checksums of the rows with a
// number, each over its own part of the uids, at the same time: the
// portal's server spends a core per query, and the checksum is nearly all
// of a reconciliation's time.
const sumParts = 2

// rowSumSQL returns the queries of RowSums (see reconcile.RangeSum). The
// first sums, per range of uids from ? (below a second ? when bounded), the
// rows with a number: their count and the BIT_XOR of the CRC32 of
// "uid|state|number|hh|pe|number", the state (1 active, 2 inactive, 3
// deleted) evaluated as SweepKeys does (the number comes twice because
// the central side puts there the number its copy of the ids was made
// for). Its condition on the number is not one the poll index could
// serve: reading nearly every row through it would cost a lookup each.
// The second counts the rows without a number, through the poll index.
//
// Values are hashed as stored, while the walk trims them: a row whose
// values carry spaces differs from its account and its range is walked,
// finding nothing. Trimming every value on the server cost more than such
// rare rows do.
func (s *Source) rowSumSQL(bounded bool) (sums, blanks string) {
	pids, _ := s.pidFilter(nil)
	upper := ""
	if bounded {
		upper = ` AND uid < ?`
	}
	sums = `SELECT uid DIV ?, COUNT(*), BIT_XOR(CRC32(CONCAT_WS('|', uid, ` +
		`IF(deleted <> 0, 3, IF(` + activeSQL + `, 1, 2)), ` +
		s.num + `, COALESCE(` + s.hh + `, ''), COALESCE(` + s.pe + `, ''), ` + s.num + `))) FROM ` + s.table +
		` WHERE uid >= ?` + upper + ` AND ` + s.num + ` <> ''` + pids + ` GROUP BY 1 ORDER BY 1`
	blanks = `SELECT uid DIV ?, COUNT(*) FROM ` + s.table + ` WHERE uid > 0 AND (` + s.num + ` = '' OR ` + s.num + ` IS NULL)` + pids +
		` GROUP BY 1 ORDER BY 1`
	return sums, blanks
}

// RowSums implements reconcile.RangeSummer: grouped queries over the table,
// computed by the portal's server, the sums in sumParts parts of the uids
// split at range boundaries, all at the same time.
func (s *Source) RowSums(ctx context.Context, size uint64, now time.Time) ([]reconcile.RangeSum, error) {
	var lo, hi uint64
	if err := s.db.QueryRowContext(ctx, `SELECT COALESCE(MIN(uid), 1), COALESCE(MAX(uid), 0) FROM `+s.table+` WHERE uid > 0`).Scan(&lo, &hi); err != nil {
		return nil, fmt.Errorf("read the uids of %s: %w", s.cfg.Table, err)
	}
	starts := splitRanges(lo, hi, size, sumParts)
	t := now.Unix()
	parts := make([][]reconcile.RangeSum, len(starts))
	errs := make([]error, len(starts)+1)
	var blanks []reconcile.RangeSum
	var wg sync.WaitGroup
	for i := range parts {
		wg.Go(func() {
			args := []any{size, t, t, starts[i]}
			last := i == len(starts)-1
			if !last {
				args = append(args, starts[i+1])
			}
			_, args = s.pidFilter(args)
			sumQ, _ := s.rowSumSQL(!last)
			errs[i] = sqlutil.Each(ctx, s.db, sumQ, args, func(rows *sql.Rows) error {
				var r reconcile.RangeSum
				err := rows.Scan(&r.Range, &r.Count, &r.Xor)
				r.All = r.Count
				parts[i] = append(parts[i], r)
				return err
			})
			if errs[i] != nil {
				errs[i] = fmt.Errorf("sum %s: %w", s.cfg.Table, errs[i])
			}
		})
	}
	wg.Go(func() {
		_, blankQ := s.rowSumSQL(false)
		_, args := s.pidFilter([]any{size})
		err := sqlutil.Each(ctx, s.db, blankQ, args, func(rows *sql.Rows) error {
			var r reconcile.RangeSum
			err := rows.Scan(&r.Range, &r.Blank)
			r.All = r.Blank
			blanks = append(blanks, r)
			return err
		})
		if err != nil {
			errs[len(parts)] = fmt.Errorf("count rows without a number in %s: %w", s.cfg.Table, err)
		}
	})
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	// The parts follow each other and each is in range order, as are the
	// counts of rows without a number: merge those in.
	sums := slices.Concat(parts...)
	out := make([]reconcile.RangeSum, 0, len(sums)+len(blanks))
	i, j := 0, 0
	for i < len(sums) || j < len(blanks) {
		switch {
		case j == len(blanks) || (i < len(sums) && sums[i].Range < blanks[j].Range):
			out = append(out, sums[i])
			i++
		case i == len(sums) || blanks[j].Range < sums[i].Range:
			out = append(out, blanks[j])
			j++
		default:
			r := sums[i]
			r.Blank = blanks[j].Blank
			r.All += r.Blank
			out = append(out, r)
			i++
			j++
		}
	}
	return out, nil
}

// splitRanges splits the uids lo..hi into at most n parts of whole ranges
// of size, as the uid each part starts at: part i is [starts[i],
// starts[i+1]), the last has no end. The first starts at 1 (uid 0 is never
// a user).
func splitRanges(lo, hi, size uint64, n int) []uint64 {
	starts := []uint64{1}
	if hi >= lo && n > 1 {
		first, last := lo/size, hi/size
		step := (last - first + 1) / uint64(n)
		for k := uint64(1); step > 0 && k < uint64(n); k++ {
			starts = append(starts, (first+k*step)*size)
		}
	}
	return starts
}
