package typo3

import (
	"context"
	"database/sql"
	"fmt"

	"keysync/internal/sqlutil"
	"keysync/sync/reconcile"
)

var _ reconcile.DuplicateFinder = (*Source)(nil)

// Duplicates implements reconcile.DuplicateFinder. One query groups the
// number column, which the poll index tx_keysync_pending leads with, so
// MariaDB reads the index in order instead of the table, and keeps the
// numbers on more than one row; then the rows of each such number are
// read through the same index. Listing every group's uids in the grouping
// query (GROUP_CONCAT) made it half again as expensive, for the few groups
// that are kept. Soft-deleted rows do not count. Numbers compare as the
// column's collation says (usually case-insensitive, trailing spaces
// ignored), in both queries.
func (s *Source) Duplicates(ctx context.Context, after string, limit int) ([]reconcile.Duplicate, error) {
	pids, args := s.pidFilter([]any{after})
	q := `SELECT ` + s.num + `, COUNT(*) FROM ` + s.table + ` WHERE ` + s.num + ` > ? AND deleted = 0` + pids +
		` GROUP BY ` + s.num + ` HAVING COUNT(*) > 1 ORDER BY ` + s.num + ` LIMIT ?`
	var out []reconcile.Duplicate
	err := sqlutil.Each(ctx, s.db, q, append(args, limit), func(rows *sql.Rows) error {
		var d reconcile.Duplicate
		err := rows.Scan(&d.Number, &d.Rows)
		out = append(out, d)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("find duplicate numbers in %s: %w", s.cfg.Table, err)
	}
	q = `SELECT uid FROM ` + s.table + ` WHERE ` + s.num + ` = ? AND deleted = 0` + pids + ` ORDER BY uid LIMIT ` + fmt.Sprint(reconcile.DuplicateIDs)
	for i := range out {
		d := &out[i]
		_, args := s.pidFilter([]any{d.Number})
		err := sqlutil.Each(ctx, s.db, q, args, func(rows *sql.Rows) error {
			var uid uint64
			err := rows.Scan(&uid)
			d.IDs = append(d.IDs, uid)
			return err
		})
		if err != nil {
			return nil, fmt.Errorf("read the rows of duplicate number %q in %s: %w", d.Number, s.cfg.Table, err)
		}
		if len(d.IDs) < reconcile.DuplicateIDs {
			d.Rows = len(d.IDs) // rows changed since the grouping
		}
	}
	return out, nil
}
