package keysync

import (
	"context"
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
	// Changed counts linked accounts whose master data or status changed.
	Changed int `json:"changed"`
}

// Add adds other to c.
func (c *Counts) Add(o Counts) {
	c.Assigned += o.Assigned
	c.Adopted += o.Adopted
	c.Linked += o.Linked
	c.Changed += o.Changed
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
// crash interrupted), the rows the central store asked to rewrite, and
// last, for a ChangeSource, the rows changed since the last pass, whose
// master data and status reach the central record. It stops at the first
// error and returns what it did so far; the caller retries.
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
	name := p.Source.Name()
	watermark, err := e.Store.Watermark(batchCtx, name)
	if err != nil {
		return Counts{}, fmt.Errorf("%s: %w", name, err)
	}
	ps := &pass{e: e, p: p, name: name, log: e.logger().With(LogSource, name), ctx: ctx, batchCtx: batchCtx}
	cursor, changes, err := ps.changeStart(watermark)
	if err != nil {
		return ps.total, err
	}
	if err := ps.sweep(watermark); err != nil {
		return ps.total, err
	}
	if err := ps.pending(watermark); err != nil {
		return ps.total, err
	}
	if err := ps.rewrites(); err != nil {
		return ps.total, err
	}
	if changes {
		if err := ps.changes(cursor); err != nil {
			return ps.total, err
		}
	}
	return ps.total, ctx.Err()
}

func (e *Engine) logger() *slog.Logger { return loggerOr(e.Logger) }

// loggerOr returns l, or the default logger when l is nil.
func loggerOr(l *slog.Logger) *slog.Logger {
	if l != nil {
		return l
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
	outcomes []Outcome // every decision, in the store's order
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

// logDecision logs a decision that the store recorded as an event of the
// history, with the person's values (in a dry run, what it would record).
func (e *Engine) logDecision(log *slog.Logger, msg string, o Outcome) {
	if e.DryRun {
		log.Info(msg, LogUID, o.Account.ID, LogNumber, o.Number, LogHH, o.HH, LogPE, o.PE, LogDryRun, true)
		return
	}
	log.Info(msg, LogUID, o.Account.ID, LogNumber, o.Number, LogHH, o.HH, LogPE, o.PE)
}

// decide lets the store decide one batch and commit the decisions.
func (e *Engine) decide(ctx context.Context, log *slog.Logger, p Portal, cands []Candidate) (decided, error) {
	var d decided
	name := p.Source.Name()
	if len(cands) == 0 {
		return d, nil
	}
	outcomes, err := e.assign(ctx, name, cands)
	if err != nil {
		return d, fmt.Errorf("%s: decide batch: %w", name, err)
	}

	c := &d.counts
	d.want, d.outcomes = map[uint64]Outcome{}, outcomes
	for _, o := range outcomes {
		uid := o.Account.ID
		if o.Changed {
			c.Changed++
		}
		switch o.Action {
		case ActionNew:
			c.Assigned++
			e.logDecision(log, "number assigned", o)
		case ActionAdopt:
			c.Adopted++
			e.logDecision(log, "number adopted", o)
		case ActionLink:
			c.Linked++
			e.logDecision(log, "account linked", o)
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
