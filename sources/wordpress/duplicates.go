package wordpress

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"

	"keysync/internal/sqlutil"
	"keysync/sync/reconcile"
)

var _ reconcile.DuplicateFinder = (*Source)(nil)

// Duplicates implements reconcile.DuplicateFinder: one GROUP BY over the meta
// rows of the number key, which the meta_key index selects, joined to the
// users so that meta of removed users does not count; on multisite, users
// flagged deleted do not count either. Values compare trimmed, as keysync
// reads them.
func (s *Source) Duplicates(ctx context.Context, after string, limit int) ([]reconcile.Duplicate, error) {
	q := `SELECT TRIM(m.meta_value) AS v, COUNT(DISTINCT m.user_id), SUBSTRING_INDEX(GROUP_CONCAT(DISTINCT m.user_id ORDER BY m.user_id), ',', ` +
		fmt.Sprint(reconcile.DuplicateIDs) + `) FROM ` + s.usermeta + ` m JOIN ` + s.users + ` u ON u.ID = m.user_id WHERE m.meta_key = ? AND TRIM(m.meta_value) > ?`
	if s.multisite {
		q += ` AND u.deleted = 0`
	}
	q += ` GROUP BY v HAVING COUNT(DISTINCT m.user_id) > 1 ORDER BY v LIMIT ?`
	var out []reconcile.Duplicate
	err := sqlutil.Each(ctx, s.db, q, []any{s.cfg.NumberKey, after, limit}, func(rows *sql.Rows) error {
		d, err := scanDuplicate(rows.Scan)
		out = append(out, d)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("find duplicate numbers: %w", err)
	}
	return out, nil
}

// scanDuplicate reads a duplicate number from a row of three columns: the
// number, how many rows hold it, and their ids as GROUP_CONCAT lists them.
func scanDuplicate(scan func(dest ...any) error) (reconcile.Duplicate, error) {
	var d reconcile.Duplicate
	var ids string
	if err := scan(&d.Number, &d.Rows, &ids); err != nil {
		return d, err
	}
	var err error
	d.IDs, err = parseIDList(ids)
	return d, err
}

// parseIDList reads a comma-separated list of row ids, as GROUP_CONCAT
// returns them.
func parseIDList(s string) ([]uint64, error) {
	var out []uint64
	for _, f := range strings.Split(s, ",") {
		if f == "" {
			continue
		}
		id, err := strconv.ParseUint(f, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("row id list %q: %w", s, err)
		}
		out = append(out, id)
	}
	return out, nil
}
