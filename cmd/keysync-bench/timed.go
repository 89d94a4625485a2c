package main

import (
	"context"
	"time"

	keysync "keysync/sync"
	"keysync/sync/central"
)

// split is where the time of a rollout went, by the engine's calls into the
// portal and the central store. What is left is the engine's own work:
// normalising profiles, building the write-backs, logging.
type split struct {
	Sweep     time.Duration // Source.Sweep: reading new rows
	Pending   time.Duration // Source.Pending: reading confirmed rows without a number
	Assigning time.Duration // Store.Assign: deciding and allocating in one central transaction
	WriteBack time.Duration // Source.WriteBack: the compare-and-set UPDATE and the read-back
	Written   time.Duration // Store.Written: marking accounts written, history events
	Conflicts time.Duration // Store.RecordConflicts
	Watermark time.Duration // Store.Watermark and AdvanceWatermark

	// Inside Assign (central.AssignStats, summed over the batches).
	Assign central.AssignStats
}

// observe adds one Assign transaction's figures.
func (s *split) observe(st central.AssignStats) {
	a := &s.Assign
	a.Accounts += st.Accounts
	a.Candidates += st.Candidates
	a.Lock += st.Lock
	a.Facts += st.Facts
	a.Decide += st.Decide
	a.Write += st.Write
	a.Commit += st.Commit
}

func timeInto(d *time.Duration) func() {
	start := time.Now()
	return func() { *d += time.Since(start) }
}

// timedStore times every call the engine makes into the central store.
// With marks, at[i] is when the first marks[i] accounts had been decided,
// counted from start.
type timedStore struct {
	keysync.Store
	s       *split
	marks   []int
	start   time.Time
	decided int
	at      []time.Duration
}

var _ keysync.Store = (*timedStore)(nil)

func (t *timedStore) Assign(ctx context.Context, source string, cands []keysync.Candidate, dry bool) ([]keysync.Outcome, error) {
	defer timeInto(&t.s.Assigning)()
	out, err := t.Store.Assign(ctx, source, cands, dry)
	if err == nil && !dry {
		t.decided += len(out)
		for len(t.at) < len(t.marks) && t.decided >= t.marks[len(t.at)] {
			t.at = append(t.at, time.Since(t.start))
		}
	}
	return out, err
}

func (t *timedStore) Written(ctx context.Context, source string, written []keysync.Outcome) error {
	defer timeInto(&t.s.Written)()
	return t.Store.Written(ctx, source, written)
}

func (t *timedStore) RecordConflicts(ctx context.Context, cs []keysync.Conflict) ([]keysync.RecordedConflict, error) {
	defer timeInto(&t.s.Conflicts)()
	return t.Store.RecordConflicts(ctx, cs)
}

func (t *timedStore) Watermark(ctx context.Context, source string) (uint64, error) {
	defer timeInto(&t.s.Watermark)()
	return t.Store.Watermark(ctx, source)
}

func (t *timedStore) AdvanceWatermark(ctx context.Context, source string, id uint64) error {
	defer timeInto(&t.s.Watermark)()
	return t.Store.AdvanceWatermark(ctx, source, id)
}

// timedSource times every call the engine makes into a portal.
type timedSource struct {
	keysync.Source
	s *split
}

var _ keysync.Source = (*timedSource)(nil)

func (t *timedSource) Sweep(ctx context.Context, after uint64, limit int, now time.Time) ([]keysync.Account, error) {
	defer timeInto(&t.s.Sweep)()
	return t.Source.Sweep(ctx, after, limit, now)
}

func (t *timedSource) Pending(ctx context.Context, after uint64, limit int, now time.Time) ([]keysync.Account, error) {
	defer timeInto(&t.s.Pending)()
	return t.Source.Pending(ctx, after, limit, now)
}

func (t *timedSource) WriteBack(ctx context.Context, writes []keysync.Write) ([]keysync.Written, error) {
	defer timeInto(&t.s.WriteBack)()
	return t.Source.WriteBack(ctx, writes)
}
