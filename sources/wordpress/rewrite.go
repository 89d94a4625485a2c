package wordpress

import (
	"context"
	"fmt"
	"time"

	"keysync/internal/sqlutil"
	keysync "keysync/sync"
)

// Rewrite implements keysync.Source: each meta value is replaced only where
// it still holds the old value, under the site's write lock, so it never
// races keysync's own inserts. Rewrites are rare (merges, repairs).
func (s *Source) Rewrite(ctx context.Context, rewrites []keysync.Rewrite) ([]keysync.Written, error) {
	if len(rewrites) == 0 {
		return nil, nil
	}
	conn, release, err := s.lockedConn(ctx)
	if err != nil {
		return nil, err
	}
	defer release()
	changed := map[uint64]bool{}
	for _, r := range rewrites {
		for _, c := range []struct{ key, old, new string }{
			{s.cfg.NumberKey, r.Old.Number, r.New.Number}, {s.cfg.HHKey, r.Old.HH, r.New.HH}, {s.cfg.PEKey, r.Old.PE, r.New.PE},
		} {
			if c.new == "" || c.new == c.old {
				continue
			}
			res, err := conn.ExecContext(ctx, `UPDATE `+s.usermeta+` SET meta_value = ? WHERE user_id = ? AND meta_key = ? AND TRIM(COALESCE(meta_value, '')) = ?`, c.new, r.ID, c.key, c.old)
			if err != nil {
				return nil, sqlutil.MarkData(fmt.Errorf("rewrite user %d: %w", r.ID, err), keysync.ErrRowRefused)
			}
			if n, _ := res.RowsAffected(); n > 0 {
				changed[r.ID] = true
			}
		}
	}
	ids := make([]uint64, len(rewrites))
	for i, r := range rewrites {
		ids[i] = r.ID
	}
	accts, err := s.Accounts(ctx, ids, time.Now())
	if err != nil {
		return nil, fmt.Errorf("read back: %w", err)
	}
	byID := map[uint64]keysync.Account{}
	for _, a := range accts {
		byID[a.ID] = a
	}
	out := make([]keysync.Written, len(rewrites))
	for i, r := range rewrites {
		a, ok := byID[r.ID]
		out[i] = keysync.Written{ID: r.ID, Found: ok, Number: a.Number, HH: a.HH, PE: a.PE}
	}
	release()
	for id := range changed {
		s.afterWrite(ctx, id)
	}
	return out, nil
}
