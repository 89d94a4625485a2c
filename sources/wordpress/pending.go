package wordpress

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	keysync "keysync/sync"
)

// waiting remembers users without a number: BuddyPress sign-ups waiting for
// activation (user_status 2), users marked spam or deleted on multisite,
// and active users a pass could not number yet. WordPress has no indexed column that
// says "activated since", so instead of scanning every user on every poll,
// Pending looks only at these, by primary key. The set is filled by one scan
// when Pending first runs in a process, and then by Sweep. That scan takes
// the inactive users and also every user without a number: a user activated
// while no keysync process was running is active by now, and only the
// missing number still shows that it waits.
type waiting struct {
	mu     sync.Mutex
	loaded bool
	ids    map[uint64]struct{}
}

func (w *waiting) add(ids ...uint64) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.ids == nil {
		w.ids = map[uint64]struct{}{}
	}
	for _, id := range ids {
		w.ids[id] = struct{}{}
	}
}

func (w *waiting) remove(ids ...uint64) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, id := range ids {
		delete(w.ids, id)
	}
}

// after returns up to limit remembered ids above after, in order.
func (w *waiting) after(after uint64, limit int) []uint64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	var out []uint64
	for id := range w.ids {
		if id > after {
			out = append(out, id)
		}
	}
	slices.Sort(out)
	if len(out) > limit {
		out = out[:limit]
	}
	return out
}

// remember notes the accounts of a sweep without a number: inactive ones
// until they are activated, and active ones until the number is there, so
// that a row the pass could not number (a conflict, a row the database
// refused) is looked at again by the next pass, as TYPO3's poll index
// does. A row numbered by the pass is read once more and forgotten.
func (s *Source) remember(accts []keysync.Account) {
	var ids []uint64
	for _, a := range accts {
		if a.Number == "" {
			ids = append(ids, a.ID)
		}
	}
	if len(ids) > 0 {
		s.waiting.add(ids...)
	}
}

// loadWaiting scans the inactive users and the users without a number once
// per process.
func (s *Source) loadWaiting(ctx context.Context) error {
	s.waiting.mu.Lock()
	loaded := s.waiting.loaded
	s.waiting.mu.Unlock()
	if loaded {
		return nil
	}
	q := `SELECT u.ID FROM ` + s.users + ` u WHERE u.user_status <> 0`
	if s.multisite {
		q += ` OR u.spam <> 0 OR u.deleted <> 0`
	}
	q += ` OR NOT EXISTS (SELECT 1 FROM ` + s.usermeta + ` m WHERE m.user_id = u.ID AND m.meta_key = ? AND TRIM(m.meta_value) <> '')`
	rows, err := s.db.QueryContext(ctx, q, s.cfg.NumberKey)
	if err != nil {
		return fmt.Errorf("read inactive users: %w", err)
	}
	defer rows.Close()
	var ids []uint64
	for rows.Next() {
		var id uint64
		if err := rows.Scan(&id); err != nil {
			return fmt.Errorf("read inactive users: %w", err)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read inactive users: %w", err)
	}
	s.waiting.add(ids...)
	s.waiting.mu.Lock()
	s.waiting.loaded = true
	s.waiting.mu.Unlock()
	return nil
}

// Pending implements keysync.Source: the remembered inactive users that are
// active now and still have no number. Users that got a number or were
// removed are forgotten.
func (s *Source) Pending(ctx context.Context, after uint64, limit int, now time.Time) ([]keysync.Account, error) {
	if err := s.loadWaiting(ctx); err != nil {
		return nil, err
	}
	var out []keysync.Account
	for len(out) < limit {
		ids := s.waiting.after(after, limit)
		if len(ids) == 0 {
			break
		}
		accts, err := s.Accounts(ctx, ids, now)
		if err != nil {
			return nil, err
		}
		found := map[uint64]bool{}
		for _, a := range accts {
			found[a.ID] = true
			switch {
			case a.Number != "":
				s.waiting.remove(a.ID)
			case a.Active:
				out = append(out, a)
			}
		}
		for _, id := range ids {
			if !found[id] {
				s.waiting.remove(id)
			}
		}
		after = ids[len(ids)-1]
	}
	if len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}
