package typo3

import (
	"context"
	"database/sql"
	"fmt"

	keysync "keysync/sync"
	"keysync/sync/sqlutil"
)

var _ keysync.DuplicateFinder = (*Source)(nil)

// Duplicates implements keysync.DuplicateFinder: one GROUP BY on the number
// column, which the poll index tx_keysync_pending leads with, so MariaDB
// reads the index in order instead of the table. Soft-deleted rows do not
// count. Numbers compare as the column's collation says (usually
// case-insensitive, trailing spaces ignored).
func (s *Source) Duplicates(ctx context.Context, after string, limit int) ([]keysync.Duplicate, error) {
	pids, args := s.pidFilter([]any{after})
	q := `SELECT ` + s.num + `, COUNT(*), SUBSTRING_INDEX(GROUP_CONCAT(uid ORDER BY uid), ',', ` + fmt.Sprint(keysync.DuplicateIDs) + `) FROM ` + s.table +
		` WHERE ` + s.num + ` > ? AND deleted = 0` + pids + ` GROUP BY ` + s.num + ` HAVING COUNT(*) > 1 ORDER BY ` + s.num + ` LIMIT ?`
	var out []keysync.Duplicate
	err := sqlutil.Each(ctx, s.db, q, append(args, limit), func(rows *sql.Rows) error {
		d, err := keysync.ScanDuplicate(rows.Scan)
		out = append(out, d)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("find duplicate numbers in %s: %w", s.cfg.Table, err)
	}
	return out, nil
}
