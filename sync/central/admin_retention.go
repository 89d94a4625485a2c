package central

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"keysync/internal/sqlutil"
)

// Retention (KEYSYNC_FORGET_AFTER): persons whose accounts have all been
// off their portals for longer than the retention are forgotten (Forget).

// ForgetDue returns the numbers of the persons due for forgetting under a
// retention of keep: persons whose accounts are all deleted or gone, the
// last of them for longer than keep, oldest first.
func (s *Store) ForgetDue(ctx context.Context, keep time.Duration) ([]string, error) {
	var out []string
	err := sqlutil.Each(ctx, s.db, dueSQL+` ORDER BY off_since, a.number`, []any{s.now().Add(-keep)}, func(rows *sql.Rows) error {
		var n string
		var since time.Time
		err := rows.Scan(&n, &since)
		out = append(out, n)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("find persons due for forgetting: %w", err)
	}
	return out, nil
}

// dueSQL selects the active persons whose accounts are all off their
// portals since before its argument, with that time.
const dueSQL = `SELECT a.number, MAX(COALESCE(a.deleted_at, a.status_changed_at, a.linked_at)) AS off_since
 FROM accounts a JOIN persons p ON p.number = a.number WHERE p.status = 'active'
 GROUP BY a.number HAVING SUM(a.status IN ('active', 'inactive')) = 0 AND off_since < ?`

// Erasure is what `keysync status` says of erasure: the persons forgotten
// and, under a retention, those due.
type Erasure struct {
	Forgotten int `json:"forgotten"`
	Due       int `json:"due"`
}

// Erasures counts the forgotten persons and, when keep is not 0, those due
// under that retention.
func (s *Store) Erasures(ctx context.Context, keep time.Duration) (Erasure, error) {
	var e Erasure
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM persons WHERE status = 'forgotten'`).Scan(&e.Forgotten); err != nil {
		return e, fmt.Errorf("count forgotten persons: %w", err)
	}
	if keep == 0 {
		return e, nil
	}
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM (`+dueSQL+`) due`, s.now().Add(-keep)).Scan(&e.Due); err != nil {
		return e, fmt.Errorf("count persons due for forgetting: %w", err)
	}
	return e, nil
}
