package central

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"slices"

	"keysync/internal/sqlutil"
	keysync "keysync/sync"
	"keysync/sync/reconcile"
)

// Links implements reconcile.Store: a range of the accounts primary
// key, each with its copy of the person's Wibisoft ids (schema version 4).
// Accounts whose copy is missing or belongs to another number are joined to
// their person, and their copy is renewed, so that the next walk need not.
func (s *Store) Links(ctx context.Context, source string, after uint64, limit int) ([]reconcile.Link, error) {
	return s.links(ctx, source, after, math.MaxUint64, limit)
}

// LinksBetween implements reconcile.RangeStore.
func (s *Store) LinksBetween(ctx context.Context, source string, after, upTo uint64, limit int) ([]reconcile.Link, error) {
	return s.links(ctx, source, after, upTo, limit)
}

func (s *Store) links(ctx context.Context, source string, after, upTo uint64, limit int) ([]reconcile.Link, error) {
	where, args := `source = ? AND account_id > ?`, []any{source, after}
	if upTo != math.MaxUint64 {
		where, args = where+` AND account_id <= ?`, append(args, upTo)
	}
	q := `SELECT account_id, number, status, written_at IS NOT NULL, copied_from <=> number,
 COALESCE(hh_id_copy, ''), COALESCE(pe_id_copy, ''), forgotten_at IS NOT NULL FROM accounts
 WHERE ` + where + ` ORDER BY account_id LIMIT ?`
	out, stale, err := s.readLinks(ctx, q, append(args, limit), limit)
	if err != nil || len(stale) == 0 {
		return out, err
	}
	ids := append([]any{source}, sqlutil.Args(stale)...)
	in := sqlutil.Placeholders(len(stale))
	if err := s.copyIDs(ctx, source, stale); err != nil {
		return nil, fmt.Errorf("copy persons' ids to accounts: %w", err)
	}
	fresh, _, err := s.readLinks(ctx, `SELECT a.account_id, a.number, a.status, a.written_at IS NOT NULL, 1,
 COALESCE(p.hh_id, ''), COALESCE(p.pe_id, ''), a.forgotten_at IS NOT NULL FROM accounts a LEFT JOIN persons p ON p.number = a.number
 WHERE a.source = ? AND a.account_id IN (`+in+`) ORDER BY a.account_id`, ids, len(stale))
	if err != nil {
		return nil, err
	}
	// Both lists are in id order: replace the stale links by the fresh.
	merged := out[:0]
	j := 0
	for _, l := range out {
		for j < len(fresh) && fresh[j].AccountID < l.AccountID {
			j++
		}
		if _, isStale := slices.BinarySearch(stale, l.AccountID); !isStale {
			merged = append(merged, l)
		} else if j < len(fresh) && fresh[j].AccountID == l.AccountID {
			merged = append(merged, fresh[j])
		}
	}
	return merged, nil
}

// copyIDs renews the accounts' copies of their persons' Wibisoft ids.
func (s *Store) copyIDs(ctx context.Context, source string, ids []uint64) error {
	args := make([]any, 0, len(ids)+1)
	args = append(args, source)
	for _, id := range ids {
		args = append(args, id)
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit
	sums := newAccountSums(tx)
	err = sums.rewrite(ctx, source, ids, func() error {
		_, err := tx.ExecContext(ctx, `UPDATE accounts a LEFT JOIN persons p ON p.number = a.number
 SET a.hh_id_copy = p.hh_id, a.pe_id_copy = p.pe_id, a.copied_from = a.number
 WHERE a.source = ? AND a.account_id IN (`+sqlutil.Placeholders(len(ids))+`)`, args...)
		return err
	})
	if err != nil {
		return err
	}
	if err := sums.flush(ctx); err != nil {
		return err
	}
	return tx.Commit()
}

// linkSumSQL sums a source's accounts per id range for a reconciliation
// (see reconcile.RangeSum): the canonical string of an account is that of
// the portal row it expects, "id|status|number|hh|pe|copied_from" (the
// status by its ENUM index, as the portal writes the state), with the
// copy of the person's ids and the number the copy was made for, which the
// portal's string repeats the row's number in place of: a copy made for
// another number (stale: the walk renews it) or none (NULL, which
// CONCAT_WS leaves out) can never give the portal's string. Gone accounts
// expect no row: they are counted, not hashed.
const linkSumSQL = `SELECT account_id DIV ?, ` + sumColumns + ` FROM accounts WHERE source = ? GROUP BY 1 ORDER BY 1`

// LinkSums implements reconcile.RangeStore. Sums of ranges of sumRange ids
// are read from account_sums, which every write of accounts keeps; sums of
// other ranges are computed from the accounts.
func (s *Store) LinkSums(ctx context.Context, source string, size uint64) ([]reconcile.RangeSum, error) {
	q, args := linkSumSQL, []any{size, source}
	if size == sumRange {
		q, args = storedSumsSQL, []any{source}
	}
	var out []reconcile.RangeSum
	err := sqlutil.Each(ctx, s.db, q, args, func(rows *sql.Rows) error {
		var r reconcile.RangeSum
		err := rows.Scan(&r.Range, &r.All, &r.Gone, &r.Xor)
		r.Count = r.All - r.Gone
		out = append(out, r)
		return err
	})
	if err != nil {
		if isNoSuchColumn(err) || isNoSuchTable(err) {
			return nil, ErrSchemaOutdated
		}
		return nil, fmt.Errorf("sum accounts: %w", err)
	}
	return out, nil
}

// ConflictRanges implements reconcile.RangeStore.
func (s *Store) ConflictRanges(ctx context.Context, source string, kinds []keysync.ConflictKind, size uint64) ([]uint64, error) {
	if len(kinds) == 0 {
		return nil, nil
	}
	args := []any{size, source}
	for _, k := range kinds {
		args = append(args, string(k))
	}
	var out []uint64
	err := sqlutil.Each(ctx, s.db, `SELECT DISTINCT account_id DIV ? FROM conflicts WHERE source = ? AND status = 'open' AND kind IN (`+
		sqlutil.Placeholders(len(kinds))+`) ORDER BY 1`, args, func(rows *sql.Rows) error {
		var r uint64
		err := rows.Scan(&r)
		out = append(out, r)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("find ranges of open conflicts: %w", err)
	}
	return out, nil
}

// readLinks runs a query returning links (account id, number, status,
// written, copy current, hh, pe, forgotten) and returns them with the ids of those
// whose copy is not current.
func (s *Store) readLinks(ctx context.Context, q string, args []any, size int) ([]reconcile.Link, []uint64, error) {
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		if isNoSuchTable(err) || isNoSuchColumn(err) {
			return nil, nil, ErrSchemaOutdated
		}
		return nil, nil, fmt.Errorf("read links: %w", err)
	}
	defer rows.Close()
	// The values of a page share one string (sqlutil.TextPage), and the
	// row is scanned into variables declared once: a walk reads a million
	// links, allocations per value would dominate it.
	out := make([]reconcile.Link, 0, size)
	refs := make([][3]sqlutil.TextRef, 0, size)
	var stale []uint64
	var page sqlutil.TextPage
	var (
		id                     uint64
		written, current       bool
		forgotten              bool
		number, status, hh, pe sql.RawBytes
	)
	for rows.Next() {
		if err := rows.Scan(&id, &number, &status, &written, &current, &hh, &pe, &forgotten); err != nil {
			return nil, nil, fmt.Errorf("read links: %w", err)
		}
		if !current {
			stale = append(stale, id)
		}
		out = append(out, reconcile.Link{AccountID: id, Status: statusOf(status), Written: written, Forgotten: forgotten})
		refs = append(refs, [3]sqlutil.TextRef{page.Add(number), page.Add(hh), page.Add(pe)})
	}
	if err := rows.Err(); err != nil {
		return nil, nil, fmt.Errorf("read links: %w", err)
	}
	page.Done()
	for i, r := range refs {
		out[i].Number, out[i].HH, out[i].PE = page.Text(r[0]), page.Text(r[1]), page.Text(r[2])
	}
	return out, stale, nil
}

// statusOf returns the status constant an accounts.status value
// names, without a string of its own per row.
func statusOf(b []byte) keysync.AccountStatus {
	for _, s := range keysync.AccountStatuses {
		if string(b) == string(s) {
			return s
		}
	}
	return keysync.AccountStatus(b)
}

// LinkedTo implements reconcile.Store.
func (s *Store) LinkedTo(ctx context.Context, source string, numbers []string) ([]reconcile.Link, error) {
	if len(numbers) == 0 {
		return nil, nil
	}
	args := make([]any, 0, len(numbers)+1)
	args = append(args, source)
	for _, n := range numbers {
		args = append(args, n)
	}
	var out []reconcile.Link
	err := sqlutil.Each(ctx, s.db, `SELECT account_id, number FROM accounts WHERE source = ? AND number IN (`+sqlutil.Placeholders(len(numbers))+`) ORDER BY account_id`, args, func(rows *sql.Rows) error {
		var l reconcile.Link
		err := rows.Scan(&l.AccountID, &l.Number)
		out = append(out, l)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("read links of numbers: %w", err)
	}
	return out, nil
}

// OpenConflictPage implements reconcile.Store. The order is that of
// the conflicts' (source, account_id) index, which holds the id as well.
func (s *Store) OpenConflictPage(ctx context.Context, source string, kinds []keysync.ConflictKind, afterAccount, afterID uint64, limit int) ([]reconcile.OpenConflict, error) {
	return s.openConflicts(ctx, source, kinds, afterAccount, afterID, math.MaxUint64, limit)
}

// OpenConflictsBetween implements reconcile.RangeStore.
func (s *Store) OpenConflictsBetween(ctx context.Context, source string, kinds []keysync.ConflictKind, afterAccount, afterID, upTo uint64, limit int) ([]reconcile.OpenConflict, error) {
	return s.openConflicts(ctx, source, kinds, afterAccount, afterID, upTo, limit)
}

func (s *Store) openConflicts(ctx context.Context, source string, kinds []keysync.ConflictKind, afterAccount, afterID, upTo uint64, limit int) ([]reconcile.OpenConflict, error) {
	if len(kinds) == 0 {
		return nil, nil
	}
	args := []any{source, afterAccount, afterAccount, afterID}
	bound := ""
	if upTo != math.MaxUint64 {
		bound = " AND account_id <= ?"
		args = append(args, upTo)
	}
	for _, k := range kinds {
		args = append(args, string(k))
	}
	args = append(args, limit)
	var out []reconcile.OpenConflict
	err := sqlutil.Each(ctx, s.db, `SELECT id, kind, account_id, value FROM conflicts
 WHERE source = ? AND (account_id > ? OR (account_id = ? AND id > ?))`+bound+` AND status = 'open' AND kind IN (`+sqlutil.Placeholders(len(kinds))+`)
 ORDER BY account_id, id LIMIT ?`, args, func(rows *sql.Rows) error {
		var c reconcile.OpenConflict
		var kind string
		err := rows.Scan(&c.ID, &kind, &c.AccountID, &c.Value)
		c.Kind = keysync.ConflictKind(kind)
		out = append(out, c)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("read open conflicts: %w", err)
	}
	return out, nil
}
