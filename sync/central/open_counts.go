package central

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"maps"
	"slices"

	"keysync/internal/sqlutil"
)

// The open conflicts are counted per source, kind and rule in the table
// open_conflicts, kept in the transaction that opens or closes a
// conflict: counting a million open conflicts row by row made every idle
// pass slow, while reading the counts costs a few rows. Conflicts are
// opened by insertConflicts only and closed by closeOpen only; code that
// changes a conflict's status any other way leaves the counts wrong
// (TestOpenCounts_FollowTheConflicts compares them after every way).

// group is one counter of open conflicts.
type group struct{ source, kind, rule string }

// openCounts are the changes of the counters of one transaction.
type openCounts map[group]int

// apply adds the changes to the counters, in the order of their keys so
// that two transactions never lock two counters in opposite orders.
func (oc openCounts) apply(ctx context.Context, tx *sql.Tx) error {
	keys := slices.SortedFunc(maps.Keys(oc), func(a, b group) int {
		return cmp.Or(cmp.Compare(a.source, b.source), cmp.Compare(a.kind, b.kind), cmp.Compare(a.rule, b.rule))
	})
	for _, g := range keys {
		if oc[g] == 0 {
			continue
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO open_conflicts (source, kind, rule, open) VALUES (?, ?, ?, ?)
 ON DUPLICATE KEY UPDATE open = open + VALUES(open)`, g.source, g.kind, g.rule, oc[g]); err != nil {
			return fmt.Errorf("count open conflicts: %w", err)
		}
	}
	return nil
}

// closeOpen closes those of the conflicts ids that are still open, setting
// set (assignments with their args, besides open_key = NULL), and takes
// them off the counts. It returns the ids it closed.
func closeOpen(ctx context.Context, tx *sql.Tx, ids []uint64, set string, args ...any) ([]uint64, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	in := sqlutil.Args(ids)
	oc := openCounts{}
	var closed []any
	err := sqlutil.Each(ctx, tx, `SELECT id, source, kind, rule FROM conflicts WHERE status = 'open' AND id IN (`+sqlutil.Placeholders(len(ids))+`) ORDER BY id FOR UPDATE`, in,
		func(rows *sql.Rows) error {
			var id uint64
			var g group
			err := rows.Scan(&id, &g.source, &g.kind, &g.rule)
			closed = append(closed, id)
			oc[g]--
			return err
		})
	if err != nil || len(closed) == 0 {
		return nil, err
	}
	q := `UPDATE conflicts SET ` + set + `, open_key = NULL WHERE id IN (` + sqlutil.Placeholders(len(closed)) + `)`
	if _, err := tx.ExecContext(ctx, q, append(args, closed...)...); err != nil {
		return nil, fmt.Errorf("close conflicts: %w", err)
	}
	out := make([]uint64, len(closed))
	for i, id := range closed {
		out[i] = id.(uint64)
	}
	return out, oc.apply(ctx, tx)
}

// CheckOpenCounts compares the kept counts of open conflicts with the
// conflicts, and names each group whose count differs.
func (s *Store) CheckOpenCounts(ctx context.Context) ([]string, error) {
	var bad []string
	err := sqlutil.Each(ctx, s.db, `SELECT g.source, g.kind, g.rule, g.kept, g.counted FROM (
 SELECT source, kind, rule, SUM(kept) AS kept, SUM(counted) AS counted FROM (
  SELECT source, kind, rule, open AS kept, 0 AS counted FROM open_conflicts
  UNION ALL SELECT source, kind, rule, 0, COUNT(*) FROM conflicts WHERE status = 'open' GROUP BY source, kind, rule) u
 GROUP BY source, kind, rule) g WHERE g.kept <> g.counted ORDER BY 1, 2, 3`, nil, func(rows *sql.Rows) error {
		var g group
		var kept, counted int
		if err := rows.Scan(&g.source, &g.kind, &g.rule, &kept, &counted); err != nil {
			return err
		}
		bad = append(bad, fmt.Sprintf("%s %s %q: %d counted as open, %d open", g.source, g.kind, g.rule, kept, counted))
		return nil
	})
	if isNoSuchTable(err) {
		return nil, ErrSchemaOutdated
	}
	if err != nil {
		return nil, fmt.Errorf("check open conflict counts: %w", err)
	}
	return bad, nil
}

// RebuildOpenCounts counts the open conflicts anew, for conflicts changed
// past keysync (SQL typed by hand).
func (s *Store) RebuildOpenCounts(ctx context.Context) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit
	for _, q := range []string{`DELETE FROM open_conflicts`, `INSERT INTO open_conflicts (source, kind, rule, open)
 SELECT source, kind, rule, COUNT(*) FROM conflicts WHERE status = 'open' GROUP BY source, kind, rule`} {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("rebuild open conflict counts: %w", err)
		}
	}
	return tx.Commit()
}
