package typo3

import (
	"context"
	"fmt"
	"strings"
	"time"

	keysync "keysync/sync"
)

// Backlog counts the confirmed accounts still without a number: the rows
// Pending returns. It reads the table's shape itself rather than relying on
// Check, so that it can run beside the poll loop. Over tx_keysync_pending it
// visits only rows without a number that are neither deleted nor disabled,
// so it costs the same on a table of a thousand or a million rows; without
// the index it scans the table.
func (s *Source) Backlog(ctx context.Context, now time.Time) (int64, error) {
	sc, err := s.Inspect(ctx)
	if err != nil {
		return 0, err
	}
	col, ok := sc.Columns[strings.ToLower(s.cfg.NumberColumn)]
	if !ok {
		return 0, fmt.Errorf("%w: %s", keysync.ErrSchema, strings.Join(s.Problems(sc), "; "))
	}
	empty := s.num + ` = ''`
	if col.nullable {
		empty = `(` + s.num + ` = '' OR ` + s.num + ` IS NULL)`
	}
	from := s.table
	if s.HasPendingIndex(sc) {
		from += ` FORCE INDEX (` + PendingIndex + `)`
	}
	t := now.Unix()
	pids, args := s.pidFilter([]any{t, t})
	var n int64
	q := `SELECT COUNT(*) FROM ` + from + ` WHERE ` + empty + ` AND deleted = 0 AND disable = 0 AND starttime <= ? AND (endtime = 0 OR endtime > ?)` + pids
	if err := s.db.QueryRowContext(ctx, q, args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("count backlog of %s: %w", s.cfg.Table, err)
	}
	return n, nil
}
