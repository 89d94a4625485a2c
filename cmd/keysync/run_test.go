package main

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"

	"keysync/internal/centraltest"
	keysync "keysync/sync"
)

// TestPollLoop_Waits: between rounds the loop waits the poll interval
// while the source works; after failures it waits the poll interval, then
// twice as long each time up to the maximum; after a success the next
// failure starts over. The waits are recorded, not slept.
func TestPollLoop_Waits(t *testing.T) {
	c := centraltest.New(t, centraltest.Numbering(t, 1, 1, 1))
	src := &switchedSource{name: "amicas", down: true}
	const interval, most = 300 * time.Millisecond, time.Second
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var waits []time.Duration
	l := &pollLoop{engine: &keysync.Engine{Store: c.Store, Now: func() time.Time { return centraltest.Now }},
		portal: keysync.Portal{Source: src}, hard: t.Context(), interval: interval, backoffMax: most,
		lock: newSourceLock(c.Store.DB(), "amicas"), beat: func() {}, log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		now: func() time.Time { return centraltest.Now },
		wait: func(ctx context.Context, d time.Duration) bool {
			waits = append(waits, d)
			switch len(waits) {
			case 5: // five failures
				src.set(false)
			case 7: // two good rounds
				src.set(true)
			case 9: // two failures again
				cancel()
			}
			return ctx.Err() == nil
		}}
	l.run(ctx, func() {})
	want := []time.Duration{interval, 2 * interval, most, most, most, interval, interval, interval, 2 * interval}
	if !slices.Equal(waits, want) {
		t.Errorf("waits = %v, want %v", waits, want)
	}
}

// TestPollLoop_IntervalFromRoundStart: the poll interval counts from the
// start of a good round, so a round that took part of it waits the rest,
// and one that took longer than the interval is followed at once.
func TestPollLoop_IntervalFromRoundStart(t *testing.T) {
	c := centraltest.New(t, centraltest.Numbering(t, 1, 1, 1))
	const interval = 300 * time.Millisecond
	for _, tc := range []struct {
		round, want time.Duration
	}{{0, interval}, {100 * time.Millisecond, 200 * time.Millisecond}, {interval, 0}, {time.Second, 0}} {
		ctx, cancel := context.WithCancel(t.Context())
		clock, calls := centraltest.Now, 0
		var waits []time.Duration
		l := &pollLoop{engine: &keysync.Engine{Store: c.Store, Now: func() time.Time { return centraltest.Now }},
			portal: keysync.Portal{Source: &switchedSource{name: "amicas"}}, hard: t.Context(), interval: interval, backoffMax: time.Second,
			lock: newSourceLock(c.Store.DB(), "amicas"), beat: func() {}, log: slog.New(slog.NewTextHandler(io.Discard, nil)),
			// Each round reads the clock when it begins and when it ends:
			// every second reading is tc.round later.
			now: func() time.Time {
				calls++
				if calls%2 == 0 {
					clock = clock.Add(tc.round)
				}
				return clock
			},
			wait: func(ctx context.Context, d time.Duration) bool {
				waits = append(waits, d)
				if len(waits) == 2 {
					cancel()
				}
				return ctx.Err() == nil
			}}
		l.run(ctx, func() {})
		if want := []time.Duration{tc.want, tc.want}; !slices.Equal(waits, want) {
			t.Errorf("rounds of %s: waits = %v, want %v", tc.round, waits, want)
		}
		cancel()
	}
}

// TestSourceLock_OnePerCentralDatabase: only one process works a source
// of a central database, while the same source name in another central
// database on the same server (another installation) is worked at the
// same time.
func TestSourceLock_OnePerCentralDatabase(t *testing.T) {
	num := centraltest.Numbering(t, 1, 1, 1)
	first, other := centraltest.New(t, num), centraltest.New(t, num)
	for _, tc := range []struct {
		name string
		lock *sourceLock
		want bool
	}{
		{"first", newSourceLock(first.Store.DB(), "amicas"), true},
		{"second on the same database", newSourceLock(first.Store.DB(), "amicas"), false},
		{"another source", newSourceLock(first.Store.DB(), "club"), true},
		{"another central database", newSourceLock(other.Store.DB(), "amicas"), true},
	} {
		held, err := tc.lock.ensure(t.Context())
		if err != nil || held != tc.want {
			t.Errorf("%s: held=%v err=%v, want held=%v", tc.name, held, err, tc.want)
		}
		t.Cleanup(tc.lock.close)
	}
}

// switchedSource is a portal that is down or up as the test says, and
// holds no rows.
type switchedSource struct {
	keysync.Source
	name string

	mu   sync.Mutex
	down bool
}

var errPortalDown = errors.New("portal down")

func (s *switchedSource) Name() string { return s.name }

func (s *switchedSource) set(down bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.down = down
}

func (s *switchedSource) err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.down {
		return errPortalDown
	}
	return nil
}

func (s *switchedSource) Check(context.Context) error { return s.err() }

func (s *switchedSource) Sweep(context.Context, uint64, int, time.Time) ([]keysync.Account, error) {
	return nil, s.err()
}
