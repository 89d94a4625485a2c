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
// shutdown; a hard stop cancels the context given to the batch as well.
func (e *Engine) Pass(ctx, batchCtx context.Context, p Portal) (Counts, error) {
	var total Counts
	name := p.Source.Name()
	log := e.logger().With(LogSource, name)

	after, err := e.Store.Watermark(batchCtx, name)
	if err != nil {
		return total, fmt.Errorf("%s: %w", name, err)
	}
	swept := after
	for ctx.Err() == nil {
		rows, err := p.Source.Sweep(batchCtx, after, e.batchSize(), e.now())
		if err != nil {
			return total, fmt.Errorf("%s: read new rows: %w", name, err)
		}
		if len(rows) == 0 {
			break
		}
		c, err := e.batch(batchCtx, log, p, rows)
		total.Add(c)
		if err != nil {
			return total, err
		}
		after = rows[len(rows)-1].ID
		if !e.DryRun {
			if err := e.Store.AdvanceWatermark(batchCtx, name, after); err != nil {
				return total, fmt.Errorf("%s: %w", name, err)
			}
		}
		if len(rows) < e.batchSize() {
			break
		}
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
		c, err := e.batch(batchCtx, log, p, rows)
		total.Add(c)
		if err != nil {
			return total, err
		}
		pendingAfter = rows[len(rows)-1].ID
		if !full {
			break
		}
	}
	return total, ctx.Err()
}

func (e *Engine) logger() *slog.Logger {
	if e.Logger != nil {
		return e.Logger
	}
	return slog.Default()
}

// batch decides one batch of rows, commits the decisions centrally, then
// writes back.
func (e *Engine) batch(ctx context.Context, log *slog.Logger, p Portal, rows []Account) (Counts, error) {
	var c Counts
	name := p.Source.Name()
	cands := make([]Candidate, 0, len(rows))
	for _, a := range rows {
		a.Source = name
		if !a.Active && a.Number == "" {
			continue // not confirmed and nothing to adopt: leave it alone
		}
		cands = append(cands, Candidate{Account: a, Profile: NewProfile(a, p.Country)})
	}
	if len(cands) == 0 {
		return c, nil
	}
	outcomes, err := e.Store.Assign(ctx, name, cands, e.DryRun)
	if err != nil {
		return c, fmt.Errorf("%s: decide batch: %w", name, err)
	}

	var writes []Write
	wantByID := map[uint64]Outcome{}
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
			logConflict(log, cf)
		}
		if w, ok := o.Write(); ok {
			writes = append(writes, w)
			wantByID[uid] = o
		}
	}
	if e.DryRun {
		for _, w := range writes {
			log.Info("would write number", LogUID, w.ID, LogNumber, w.Number, LogHH, w.HH, LogPE, w.PE, LogDryRun, true)
		}
		return c, nil
	}
	if len(writes) == 0 {
		return c, nil
	}
	written, err := p.Source.WriteBack(ctx, writes)
	if err != nil {
		return c, fmt.Errorf("%s: write back: %w", name, err)
	}
	var done []Outcome
	var mismatches []Conflict
	for i, got := range written {
		w, o := writes[i], wantByID[written[i].ID]
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
					Detail: fmt.Sprintf("the %s column was filled by someone else before keysync could write %q", col.kind, col.want)})
			}
		}
		if w.Number != "" && got.Number == w.Number {
			c.Written++
			log.Info("number written", LogUID, got.ID, LogNumber, w.Number, LogHH, o.HH, LogPE, o.PE)
		}
		if !mismatch {
			done = append(done, o)
		}
	}
	if len(mismatches) > 0 {
		recorded, err := e.Store.RecordConflicts(ctx, mismatches)
		if err != nil {
			return c, fmt.Errorf("%s: record conflicts: %w", name, err)
		}
		for _, cf := range recorded {
			c.Conflicts++
			logConflict(log, cf)
		}
	}
	if err := e.Store.Written(ctx, name, done); err != nil {
		return c, fmt.Errorf("%s: record write-back: %w", name, err)
	}
	return c, nil
}

func logConflict(log *slog.Logger, cf RecordedConflict) {
	level := slog.LevelWarn
	msg := "conflict recorded"
	if cf.Known {
		level, msg = slog.LevelDebug, "conflict still open"
	}
	log.Log(context.Background(), level, msg, LogKind, string(cf.Kind), LogUID, cf.AccountID, LogValue, cf.Value, LogNumber, cf.Number, "detail", cf.Detail)
}
