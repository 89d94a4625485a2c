package wordpress

import (
	"context"
	"fmt"
	"time"
)

// Backlog counts the active users without a number. WordPress has no
// column that says "numbered", so this reads every row of the users table
// and probes usermeta by its user_id index once per user: on a site with
// 100,000 users a few hundred milliseconds. The daemon therefore counts at
// most once a minute, never per poll. It detects multisite itself rather
// than relying on Check, so that it can run beside the poll loop.
func (s *Source) Backlog(ctx context.Context, now time.Time) (int64, error) {
	var flags int
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? AND LOWER(COLUMN_NAME) IN ('spam', 'deleted')`,
		s.cfg.UsersTable).Scan(&flags); err != nil {
		return 0, fmt.Errorf("inspect %s: %w", s.cfg.UsersTable, err)
	}
	q := `SELECT COUNT(*) FROM ` + s.users + ` u WHERE u.user_status = 0`
	if flags == 2 {
		q += ` AND u.spam = 0 AND u.deleted = 0`
	}
	q += ` AND NOT EXISTS (SELECT 1 FROM ` + s.usermeta + ` m WHERE m.user_id = u.ID AND m.meta_key = ? AND TRIM(m.meta_value) <> '')`
	var n int64
	if err := s.db.QueryRowContext(ctx, q, s.cfg.NumberKey).Scan(&n); err != nil {
		return 0, fmt.Errorf("count backlog of %s: %w", s.cfg.UsersTable, err)
	}
	return n, nil
}
