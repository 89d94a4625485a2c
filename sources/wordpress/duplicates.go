package wordpress

import (
	"context"
	"fmt"

	keysync "keysync/sync"
)

var _ keysync.DuplicateFinder = (*Source)(nil)

// Duplicates implements keysync.DuplicateFinder: one GROUP BY over the meta
// rows of the number key, which the meta_key index selects, joined to the
// users so that meta of removed users does not count; on multisite, users
// flagged deleted do not count either. Values compare trimmed, as keysync
// reads them.
func (s *Source) Duplicates(ctx context.Context, after string, limit int) ([]keysync.Duplicate, error) {
	q := `SELECT TRIM(m.meta_value) AS v, COUNT(DISTINCT m.user_id), SUBSTRING_INDEX(GROUP_CONCAT(DISTINCT m.user_id ORDER BY m.user_id), ',', ` +
		fmt.Sprint(keysync.DuplicateIDs) + `) FROM ` + s.usermeta + ` m JOIN ` + s.users + ` u ON u.ID = m.user_id WHERE m.meta_key = ? AND TRIM(m.meta_value) > ?`
	if s.multisite {
		q += ` AND u.deleted = 0`
	}
	q += ` GROUP BY v HAVING COUNT(DISTINCT m.user_id) > 1 ORDER BY v LIMIT ?`
	rows, err := s.db.QueryContext(ctx, q, s.cfg.NumberKey, after, limit)
	if err != nil {
		return nil, fmt.Errorf("find duplicate numbers: %w", err)
	}
	defer rows.Close()
	var out []keysync.Duplicate
	for rows.Next() {
		var d keysync.Duplicate
		var ids string
		if err := rows.Scan(&d.Number, &d.Rows, &ids); err != nil {
			return nil, fmt.Errorf("find duplicate numbers: %w", err)
		}
		if d.IDs, err = keysync.ParseIDList(ids); err != nil {
			return nil, fmt.Errorf("find duplicate numbers: %w", err)
		}
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("find duplicate numbers: %w", err)
	}
	return out, nil
}
