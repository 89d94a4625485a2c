package keysync

import (
	"context"
	"fmt"
	"log/slog"
)

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
			log.Info("would rewrite number", LogUID, r.ID, LogOld, r.Old.Number, LogNumber, r.New.Number, LogHH, r.New.HH, LogPE, r.New.PE, LogDryRun, true)
		}
		return c, nil
	}
	if len(d.writes) > 0 {
		written, err := p.Source.WriteBack(ctx, d.writes)
		if err != nil {
			return c, fmt.Errorf("%s: write back: %w", name, err)
		}
		done, err := e.verify(ctx, log, name, &c, d.writes, written, d.want, logWritten)
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
		done, err := e.verify(ctx, log, name, &c, wants, written, d.want, logRewritten)
		if err != nil {
			return c, err
		}
		for _, o := range d.settled {
			log.Info("number rewritten", LogUID, o.Account.ID, LogOld, o.Account.Number, LogNumber, o.Number, LogHH, o.HH, LogPE, o.PE,
				LogReason, o.Reason+" (the row held the values already)")
		}
		if err := e.Store.Rewritten(ctx, name, append(done, d.settled...)); err != nil {
			return c, fmt.Errorf("%s: record rewrite: %w", name, err)
		}
	}
	return c, nil
}

// logWritten logs a write-back that the store records as a "written" event:
// "number written", or "wibisoft ids written" when the row had its number.
func logWritten(log *slog.Logger, w Write, o Outcome) {
	msg := "number written"
	if w.Number == "" {
		msg = "wibisoft ids written"
	}
	log.Info(msg, LogUID, o.Account.ID, LogNumber, o.Number, LogHH, o.HH, LogPE, o.PE)
}

// logRewritten logs a rewrite that the store records as a "rewritten"
// event: the old number, the new values and why.
func logRewritten(log *slog.Logger, _ Write, o Outcome) {
	log.Info("number rewritten", LogUID, o.Account.ID, LogOld, o.Account.Number, LogNumber, o.Number, LogHH, o.HH, LogPE, o.PE, LogReason, o.Reason)
}

// verify compares what the rows hold after a write with what keysync
// wanted there: a difference means someone else filled the column first,
// a conflict. It returns the outcomes that were written in full, each
// logged with logDone as the store will record it.
func (e *Engine) verify(ctx context.Context, log *slog.Logger, name string, c *Counts, wants []Write, written []Written, outcomes map[uint64]Outcome, logDone func(*slog.Logger, Write, Outcome)) ([]Outcome, error) {
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
		}
		if !mismatch {
			logDone(log, w, o)
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
