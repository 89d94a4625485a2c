package keysync

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
)

// pass is one Pass over one portal under way.
type pass struct {
	e    *Engine
	p    Portal
	name string
	log  *slog.Logger
	// ctx stops the pass between batches; batchCtx bounds the work inside
	// one (see Pass).
	ctx, batchCtx context.Context
	total         Counts
}

// sweep handles the rows above the watermark, through the pipeline Pass
// describes: the read stage runs one page ahead (read), the write-back of
// a batch runs while the next is decided (writeBehind).
func (ps *pass) sweep(after uint64) error {
	reads, stopReading := ps.e.read(ps.batchCtx, ps.p, after)
	defer stopReading()
	var inflight chan stageResult
	wait := func() error {
		if inflight == nil {
			return nil
		}
		r := <-inflight
		inflight = nil
		ps.total.Add(r.counts)
		return r.err
	}
	for ps.ctx.Err() == nil {
		rb, ok := <-reads
		if !ok {
			break
		}
		if rb.err != nil {
			return errors.Join(fmt.Errorf("%s: read new rows: %w", ps.name, rb.err), wait())
		}
		ps.e.beat(ps.name)
		d, err := ps.e.decide(ps.batchCtx, ps.log, ps.p, rb.cands)
		ps.total.Add(d.counts)
		if err != nil {
			return errors.Join(err, wait())
		}
		if err := wait(); err != nil {
			return err
		}
		inflight = ps.writeBehind(d, rb.last)
	}
	return wait()
}

// writeBehind writes a decided batch back in a goroutine of its own and
// then moves the watermark past it: never before its write-back, so that a
// crash leaves nothing the next pass does not finish.
func (ps *pass) writeBehind(d decided, last uint64) chan stageResult {
	done := make(chan stageResult, 1)
	go func() {
		r, err := ps.e.write(ps.batchCtx, ps.log, ps.p, d)
		if err == nil && !ps.e.DryRun {
			if werr := ps.e.Store.AdvanceWatermark(ps.batchCtx, ps.name, last); werr != nil {
				err = fmt.Errorf("%s: %w", ps.name, werr)
			}
		}
		done <- stageResult{r.Counts, err}
	}()
	return done
}

// pending handles the confirmed rows still without a number at or below
// the watermark the sweep started from: double opt-in rows confirmed
// since, write-backs a crash interrupted. Rows above it were just handled
// by the sweep (confirmed ones were written, others are not pending yet);
// in a dry run that also keeps the sweep's rows from being counted twice.
func (ps *pass) pending(swept uint64) error {
	var after uint64
	for ps.ctx.Err() == nil && after < swept {
		rows, full, err := ps.pendingPage(after, swept)
		if err != nil || len(rows) == 0 {
			return err
		}
		if err := ps.handle(rows); err != nil {
			return err
		}
		after = rows[len(rows)-1].ID
		if !full {
			break
		}
	}
	return nil
}

// pendingPage reads the pending rows above after, up to swept; full says
// that more may follow.
func (ps *pass) pendingPage(after, swept uint64) (rows []Account, full bool, err error) {
	rows, err = ps.p.Source.Pending(ps.batchCtx, after, ps.e.batchSize(), ps.e.now())
	if err != nil {
		return nil, false, fmt.Errorf("%s: read pending rows: %w", ps.name, err)
	}
	full = len(rows) == ps.e.batchSize()
	for i, a := range rows {
		if a.ID > swept {
			return rows[:i], false, nil
		}
	}
	return rows, full, nil
}

// rewrites handles the rows the central store asked to rewrite: accounts
// moved by a merge, values an admin repaired.
func (ps *pass) rewrites() error {
	var after uint64
	for ps.ctx.Err() == nil {
		ids, err := ps.e.Store.PendingWrites(ps.batchCtx, ps.name, after, ps.e.batchSize())
		if err != nil {
			return fmt.Errorf("%s: %w", ps.name, err)
		}
		if len(ids) == 0 {
			return nil
		}
		rows, err := ps.p.Source.Accounts(ps.batchCtx, ids, ps.e.now())
		if err != nil {
			return fmt.Errorf("%s: read rows to rewrite: %w", ps.name, err)
		}
		if err := ps.handle(rows); err != nil {
			return err
		}
		after = ids[len(ids)-1]
		if len(ids) < ps.e.batchSize() {
			return nil
		}
	}
	return nil
}

// handle decides one page of rows and writes it back.
func (ps *pass) handle(rows []Account) error {
	ps.e.beat(ps.name)
	d, r, err := ps.e.handle(ps.batchCtx, ps.log, ps.p, rows)
	ps.total.Add(d.counts)
	ps.total.Add(r.Counts)
	return err
}

// handle decides the rows that need a decision and writes them back: the
// step a pass takes for each page of pending rows and rewrites, and
// AssignAccount for its one row.
func (e *Engine) handle(ctx context.Context, log *slog.Logger, p Portal, rows []Account) (decided, writeReport, error) {
	d, err := e.decide(ctx, log, p, e.prepare(p, rows))
	if err != nil {
		return d, writeReport{}, err
	}
	r, err := e.write(ctx, log, p, d)
	return d, r, err
}

type stageResult struct {
	counts Counts
	err    error
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
