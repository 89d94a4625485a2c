package main

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"keysync/internal/testdb"
)

// arrivals inserts generated registrations into a site's portals while
// daemons run: perTick users every tick, the portals in turn.
type arrivals struct {
	cancel context.CancelFunc
	wg     sync.WaitGroup
	n      atomic.Int64
	err    error
}

func (s *site) startArrivals(seed int64, tick time.Duration, perTick int) *arrivals {
	ctx, cancel := context.WithCancel(context.Background())
	a := &arrivals{cancel: cancel}
	var names []string
	for name := range s.portals {
		names = append(names, name)
	}
	a.wg.Add(1)
	go func() {
		defer a.wg.Done()
		t := time.NewTicker(tick)
		defer t.Stop()
		for i := 0; ; i++ {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			users := testdb.GenerateFeUsers(seed*1_000_000+int64(i), perTick)
			if _, err := testdb.InsertFeUsersDB(ctx, s.portals[names[i%len(names)]], users); err != nil {
				if ctx.Err() == nil {
					a.err = err
				}
				return
			}
			a.n.Add(int64(perTick))
		}
	}()
	return a
}

// stop ends the arrivals and returns how many registrations arrived; a
// failed insert fails the test.
func (a *arrivals) stop(s *site) int {
	s.t.Helper()
	a.cancel()
	a.wg.Wait()
	if a.err != nil {
		s.t.Fatalf("registrations: %v", a.err)
	}
	return int(a.n.Load())
}

// assertNumbering checks the numbering invariants on a site after daemons
// raced on it: assertConsistent (every confirmed row has a valid number,
// the one its account is linked to, of an active person with its Wibisoft
// ids), no sequence value given to two persons, none skipped (the values
// handed out run without a gap up to where the sequence stands), and no
// PE-ID twice.
func (s *site) assertNumbering() {
	s.t.Helper()
	s.assertConsistent(true)
	var persons, seqs, lo, hi, next, pes, distinctPEs int
	q := `SELECT COUNT(*), COUNT(DISTINCT seq), COALESCE(MIN(seq), 0), COALESCE(MAX(seq), 0), COUNT(pe_id), COUNT(DISTINCT pe_id)
 FROM persons WHERE origin = 'assigned'`
	if err := s.central.QueryRow(q).Scan(&persons, &seqs, &lo, &hi, &pes, &distinctPEs); err != nil {
		s.t.Fatal(err)
	}
	if err := s.central.QueryRow(`SELECT next_value FROM sequences WHERE name = 'customer'`).Scan(&next); err != nil {
		s.t.Fatal(err)
	}
	if persons == 0 {
		s.t.Fatal("no person was numbered")
	}
	if seqs != persons {
		s.t.Errorf("%d persons hold %d sequence values: a number was given twice", persons, seqs)
	}
	if hi-lo+1 != seqs || next != hi+1 {
		s.t.Errorf("sequence values %d..%d, %d of them, sequence at %d: a number is missing", lo, hi, seqs, next)
	}
	if distinctPEs != pes {
		s.t.Errorf("%d persons hold %d PE-IDs: a PE-ID was given twice", pes, distinctPEs)
	}
}
