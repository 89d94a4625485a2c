package wordpress

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"keysync/internal/sqlutil"
	keysync "keysync/sync"
	"keysync/sync/reconcile"
)

var _ reconcile.KeySweeper = (*Source)(nil)

// SweepKeys implements reconcile.KeySweeper: the users above after in ID
// order with their state and only keysync's three meta values, the first
// row of each key counting as for get_user_meta.
func (s *Source) SweepKeys(ctx context.Context, after uint64, limit int, now time.Time) ([]keysync.Account, error) {
	q := `SELECT ID, user_status, 0, 0 FROM ` + s.users + ` WHERE ID > ? ORDER BY ID LIMIT ?`
	if s.multisite {
		q = `SELECT ID, user_status, spam, deleted FROM ` + s.users + ` WHERE ID > ? ORDER BY ID LIMIT ?`
	}
	rows, err := s.db.QueryContext(ctx, q, after, limit)
	if err != nil {
		return nil, fmt.Errorf("read users: %w", err)
	}
	out := make([]keysync.Account, 0, limit)
	byID := map[uint64]int{}
	for rows.Next() {
		var a keysync.Account
		var status, spam, deleted int64
		if err := rows.Scan(&a.ID, &status, &spam, &deleted); err != nil {
			rows.Close()
			return nil, fmt.Errorf("read users row: %w", err)
		}
		a.Source = s.cfg.Name
		a.Active = status == 0 && spam == 0 && deleted == 0
		a.Deleted = deleted != 0
		byID[a.ID] = len(out)
		out = append(out, a)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read users: %w", err)
	}
	if len(out) == 0 {
		return out, nil
	}
	args := make([]any, 0, len(out)+3)
	for _, a := range out {
		args = append(args, a.ID)
	}
	args = append(args, s.cfg.NumberKey, s.cfg.HHKey, s.cfg.PEKey)
	meta, err := s.db.QueryContext(ctx, `SELECT user_id, meta_key, meta_value FROM `+s.usermeta+` WHERE user_id IN (`+
		sqlutil.Placeholders(len(out))+`) AND meta_key IN (?, ?, ?) ORDER BY umeta_id`, args...)
	if err != nil {
		return nil, fmt.Errorf("read user meta: %w", err)
	}
	defer meta.Close()
	first := newMetaRows(s.cfg.NumberKey, s.cfg.HHKey, s.cfg.PEKey)
	for meta.Next() {
		var id uint64
		var key string
		var value sql.NullString
		if err := meta.Scan(&id, &key, &value); err != nil {
			return nil, fmt.Errorf("read user meta: %w", err)
		}
		i, ok := byID[id]
		if !ok || !first.add(id, key, value.String) {
			continue
		}
		v := strings.TrimSpace(value.String)
		switch key {
		case s.cfg.NumberKey:
			out[i].Number = v
		case s.cfg.HHKey:
			out[i].HH = v
		case s.cfg.PEKey:
			out[i].PE = v
		}
	}
	if err := meta.Err(); err != nil {
		return nil, fmt.Errorf("read user meta: %w", err)
	}
	for id, amb := range first.ambiguous() {
		out[byID[id]].Ambiguous = amb
	}
	return out, nil
}
