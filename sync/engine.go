package keysync

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"
)

// Portal is a source together with what the engine needs to know about it.
type Portal struct {
	Source Source
	// Country is the source's default country (ISO alpha-2) for rows that
	// name none.
	Country string
}

// Engine runs passes: it reads new and pending accounts of each portal,
// lets the store decide and commit them, and writes the numbers back.
type Engine struct {
	Store     Store
	BatchSize int
	DryRun    bool
	Logger    *slog.Logger
	// Now is the clock used for the TYPO3 starttime/endtime window.
	Now func() time.Time
	// Beat, if set, is called after every batch with the source's name:
	// the daemon's watchdog takes it as a sign of life.
	Beat func(source string)
}

func (e *Engine) beat(source string) {
	if e.Beat != nil {
		e.Beat(source)
	}
}

// Counts sums up what one pass did for one source.
type Counts struct {
	Assigned  int `json:"assigned"`
	Adopted   int `json:"adopted"`
	Linked    int `json:"linked"`
	Written   int `json:"written"`
	Conflicts int `json:"conflicts"`
	Skipped   int `json:"skipped"`
	Errors    int `json:"errors"`
}

// Add adds other to c.
func (c *Counts) Add(o Counts) {
	c.Assigned += o.Assigned
	c.Adopted += o.Adopted
	c.Linked += o.Linked
	c.Written += o.Written
	c.Conflicts += o.Conflicts
	c.Skipped += o.Skipped
	c.Errors += o.Errors
}

func (e *Engine) now() time.Time {
	if e.Now != nil {
		return e.Now()
	}
	return time.Now()
}

func (e *Engine) batchSize() int {
	if e.BatchSize <= 0 {
		return 500
	}
	return e.BatchSize
}

// Pass runs one pass over one portal: first the rows the sweep has not seen
// (so numbers typed into new rows are adopted), then every confirmed row
// still without a number (double opt-in rows confirmed since, write-backs a
// crash interrupted). It stops at the first error and returns what it did so
// far; the caller retries.
//
// Each batch runs to its end even when ctx is cancelled between its steps:
// cancel stops the pass between batches. Pass callers use that for a clean
// shutdown; a hard stop cancels batchCtx as well.
//
// The sweep is a three-stage pipeline: while one batch is written back to
// the portal, the next is decided centrally and the one after it is read
// and normalised. The central decision is committed before its write-back
// in any case, and the watermark moves past a batch only after its
// write-back, so a crash at any point leaves nothing that the next pass does
// not finish.
func (e *Engine) Pass(ctx, batchCtx context.Context, p Portal) (Counts, error) {
	var total Counts
	name := p.Source.Name()
	log := e.logger().With(LogSource, name)

	after, err := e.Store.Watermark(batchCtx, name)
	if err != nil {
		return total, fmt.Errorf("%s: %w", name, err)
	}
	swept := after

	reads, stopReading := e.read(batchCtx, p, after)
	defer stopReading()
	var inflight chan stageResult
	wait := func() error {
		if inflight == nil {
			return nil
		}
		r := <-inflight
		inflight = nil
		total.Add(r.counts)
		return r.err
	}
	for ctx.Err() == nil {
		rb, ok := <-reads
		if !ok {
			break
		}
		if rb.err != nil {
			return total, errors.Join(fmt.Errorf("%s: read new rows: %w", name, rb.err), wait())
		}
		e.beat(name)
		d, err := e.decide(batchCtx, log, p, rb.cands)
		total.Add(d.counts)
		if err != nil {
			return total, errors.Join(err, wait())
		}
		if err := wait(); err != nil {
			return total, err
		}
		inflight = make(chan stageResult, 1)
		go func(d decided, last uint64, done chan<- stageResult) {
			c, err := e.write(batchCtx, log, p, d)
			if err == nil && !e.DryRun {
				if werr := e.Store.AdvanceWatermark(batchCtx, name, last); werr != nil {
					err = fmt.Errorf("%s: %w", name, werr)
				}
			}
			done <- stageResult{c, err}
		}(d, rb.last, inflight)
	}
	if err := wait(); err != nil {
		return total, err
	}

	// Pending rows above the old watermark were just handled by the sweep
	// (confirmed ones were written, others are not pending yet), so only
	// rows at or below it are looked at again; in a dry run that also keeps
	// the sweep's rows from being counted twice.
	var pendingAfter uint64
	for ctx.Err() == nil && pendingAfter < swept {
		rows, err := p.Source.Pending(batchCtx, pendingAfter, e.batchSize(), e.now())
		if err != nil {
			return total, fmt.Errorf("%s: read pending rows: %w", name, err)
		}
		full := len(rows) == e.batchSize()
		for i, a := range rows {
			if a.ID > swept {
				rows, full = rows[:i], false
				break
			}
		}
		if len(rows) == 0 {
			break
		}
		e.beat(name)
		d, err := e.decide(batchCtx, log, p, e.prepare(p, rows))
		total.Add(d.counts)
		if err != nil {
			return total, err
		}
		c, err := e.write(batchCtx, log, p, d)
		total.Add(c)
		if err != nil {
			return total, err
		}
		pendingAfter = rows[len(rows)-1].ID
		if !full {
			break
		}
	}

	// Rows the central store asked to rewrite: accounts moved by a merge,
	// values an admin repaired.
	var rewriteAfter uint64
	for ctx.Err() == nil {
		ids, err := e.Store.PendingWrites(batchCtx, name, rewriteAfter, e.batchSize())
		if err != nil {
			return total, fmt.Errorf("%s: %w", name, err)
		}
		if len(ids) == 0 {
			break
		}
		rows, err := p.Source.Accounts(batchCtx, ids, e.now())
		if err != nil {
			return total, fmt.Errorf("%s: read rows to rewrite: %w", name, err)
		}
		e.beat(name)
		d, err := e.decide(batchCtx, log, p, e.prepare(p, rows))
		total.Add(d.counts)
		if err != nil {
			return total, err
		}
		c, err := e.write(batchCtx, log, p, d)
		total.Add(c)
		if err != nil {
			return total, err
		}
		rewriteAfter = ids[len(ids)-1]
		if len(ids) < e.batchSize() {
			break
		}
	}
	return total, ctx.Err()
}

type stageResult struct {
	counts Counts
	err    error
}

func (e *Engine) logger() *slog.Logger {
	if e.Logger != nil {
		return e.Logger
	}
	return slog.Default()
}

// decided is one batch after its central transaction: what to write back.
type decided struct {
	counts   Counts
	writes   []Write
	rewrites []Rewrite
	settled  []Outcome // rewrites asked for whose rows already hold the values
	want     map[uint64]Outcome
}

// readBatch is one page of the sweep, normalised for a decision.
type readBatch struct {
	cands []Candidate
	last  uint64 // highest id of the page, for the watermark
	err   error
}

// read pages through the rows above after in a goroutine of its own, one
// page ahead of the decisions. stop ends it and waits for it.
func (e *Engine) read(ctx context.Context, p Portal, after uint64) (<-chan readBatch, func()) {
	ctx, cancel := context.WithCancel(ctx)
	out := make(chan readBatch, 1)
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer close(out)
		for {
			rows, err := p.Source.Sweep(ctx, after, e.batchSize(), e.now())
			rb := readBatch{err: err}
			if err == nil {
				if len(rows) == 0 {
					return
				}
				after = rows[len(rows)-1].ID
				rb.cands, rb.last = e.prepare(p, rows), after
			}
			select {
			case out <- rb:
			case <-ctx.Done():
				return
			}
			if err != nil || len(rows) < e.batchSize() {
				return
			}
		}
	}()
	return out, func() {
		cancel()
		<-done
	}
}

// prepare keeps the rows that need a decision and normalises them.
func (e *Engine) prepare(p Portal, rows []Account) []Candidate {
	name := p.Source.Name()
	cands := make([]Candidate, 0, len(rows))
	for _, a := range rows {
		a.Source = name
		if !a.Active && a.Number == "" {
			continue // not confirmed and nothing to adopt: leave it alone
		}
		cands = append(cands, Candidate{Account: a, Profile: NewProfile(a, p.Country)})
	}
	return cands
}

// decide lets the store decide one batch and commit the decisions.
func (e *Engine) decide(ctx context.Context, log *slog.Logger, p Portal, cands []Candidate) (decided, error) {
	var d decided
	name := p.Source.Name()
	if len(cands) == 0 {
		return d, nil
	}
	outcomes, err := e.Store.Assign(ctx, name, cands, e.DryRun)
	if err != nil {
		return d, fmt.Errorf("%s: decide batch: %w", name, err)
	}

	c := &d.counts
	d.want = map[uint64]Outcome{}
	for _, o := range outcomes {
		uid := o.Account.ID
		switch o.Action {
		case ActionNew:
			c.Assigned++
		case ActionAdopt:
			c.Adopted++
		case ActionLink:
			c.Linked++
		case ActionSkip:
			if o.Err != nil {
				c.Skipped++
				log.Warn("row skipped", LogUID, uid, LogErr, o.Err.Error())
			}
		}
		for _, cf := range o.Conflicts {
			c.Conflicts++
			LogConflict(log, cf)
		}
		if r, ok := o.Rewrites(); ok {
			d.rewrites = append(d.rewrites, r)
			d.want[uid] = o
		} else if o.Rewrite {
			// Asked for, but the row holds the values already (a pass that
			// died after writing): only the request is left to clear.
			d.settled = append(d.settled, o)
		} else if w, ok := o.Write(); ok {
			d.writes = append(d.writes, w)
			d.want[uid] = o
		}
	}
	return d, nil
}

// write writes one decided batch back to the portal and records it:
// first the values new rows lack, then the rewrites the central store asked
// for.
func (e *Engine) write(ctx context.Context, log *slog.Logger, p Portal, d decided) (Counts, error) {
	var c Counts
	name := p.Source.Name()
	if e.DryRun {
		for _, w := range d.writes {
			log.Info("would write number", LogUID, w.ID, LogNumber, w.Number, LogHH, w.HH, LogPE, w.PE, LogDryRun, true)
		}
		for _, r := range d.rewrites {
			log.Info("would rewrite number", LogUID, r.ID, "old", r.Old.Number, LogNumber, r.New.Number, LogHH, r.New.HH, LogPE, r.New.PE, LogDryRun, true)
		}
		return c, nil
	}
	if len(d.writes) > 0 {
		written, err := p.Source.WriteBack(ctx, d.writes)
		if err != nil {
			return c, fmt.Errorf("%s: write back: %w", name, err)
		}
		done, err := e.verify(ctx, log, name, &c, d.writes, written, d.want, "number written")
		if err != nil {
			return c, err
		}
		if err := e.Store.Written(ctx, name, done); err != nil {
			return c, fmt.Errorf("%s: record write-back: %w", name, err)
		}
	}
	if len(d.rewrites) > 0 || len(d.settled) > 0 {
		var written []Written
		var err error
		if len(d.rewrites) > 0 {
			written, err = p.Source.Rewrite(ctx, d.rewrites)
		}
		if err != nil {
			return c, fmt.Errorf("%s: rewrite: %w", name, err)
		}
		wants := make([]Write, len(d.rewrites))
		for i, r := range d.rewrites {
			wants[i] = r.New
			wants[i].ID = r.ID
		}
		done, err := e.verify(ctx, log, name, &c, wants, written, d.want, "number rewritten")
		if err != nil {
			return c, err
		}
		if err := e.Store.Rewritten(ctx, name, append(done, d.settled...)); err != nil {
			return c, fmt.Errorf("%s: record rewrite: %w", name, err)
		}
	}
	return c, nil
}

// verify compares what the rows hold after a write with what keysync
// wanted there: a difference means someone else filled the column first,
// a conflict. It returns the outcomes that were written in full.
func (e *Engine) verify(ctx context.Context, log *slog.Logger, name string, c *Counts, wants []Write, written []Written, outcomes map[uint64]Outcome, msg string) ([]Outcome, error) {
	var done []Outcome
	var mismatches []Conflict
	for i, got := range written {
		w, o := wants[i], outcomes[got.ID]
		if !got.Found {
			c.Skipped++
			log.Warn("row vanished before write-back", LogUID, got.ID, LogNumber, o.Number)
			continue
		}
		mismatch := false
		for _, col := range []struct{ kind, want, got string }{{"number", w.Number, got.Number}, {"hh", w.HH, got.HH}, {"pe", w.PE, got.PE}} {
			if col.want != "" && col.want != col.got {
				mismatch = true
				mismatches = append(mismatches, Conflict{Kind: ConflictWriteBack, Source: name, AccountID: got.ID, Value: col.got, Number: o.Number,
					Detail: fmt.Sprintf("the %s column was changed by someone else before keysync could write %q", col.kind, col.want)})
			}
		}
		if w.Number != "" && got.Number == w.Number {
			c.Written++
			log.Info(msg, LogUID, got.ID, LogNumber, w.Number, LogHH, o.HH, LogPE, o.PE)
		}
		if !mismatch {
			done = append(done, o)
		}
	}
	if len(mismatches) > 0 {
		recorded, err := e.Store.RecordConflicts(ctx, mismatches)
		if err != nil {
			return nil, fmt.Errorf("%s: record conflicts: %w", name, err)
		}
		for _, cf := range recorded {
			c.Conflicts++
			LogConflict(log, cf)
		}
	}
	return done, nil
}
