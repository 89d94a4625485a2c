package keysync

import (
	"context"
	"fmt"
	"log/slog"
)

// write writes one decided batch back to the portal and records it:
// first the values new rows lack, then the rewrites the central store asked
// for. A row whose values the portal refuses costs that row alone
// (isolate, refusedWrites).
func (e *Engine) write(ctx context.Context, log *slog.Logger, p Portal, d decided) (writeReport, error) {
	c := writeReport{after: map[uint64]Written{}, conflicts: map[uint64][]RecordedConflict{}}
	if e.DryRun {
		logDryRun(log, d)
		return c, nil
	}
	if err := e.writeNew(ctx, log, p, d, &c); err != nil {
		return c, err
	}
	return c, e.rewriteAsked(ctx, log, p, d, &c)
}

// writeReport is what writing one decided batch back did: the counts, and
// per row what it holds afterwards and the conflicts the write-back found,
// which AssignAccount answers with.
type writeReport struct {
	Counts
	// after holds, by id, what the rows written or rewritten hold now; a
	// row that vanished holds Found false.
	after map[uint64]Written
	// conflicts are those the write-back recorded, by id: a column someone
	// else filled first, a value the portal refused.
	conflicts map[uint64][]RecordedConflict
}

// logDryRun says what a dry run would have written.
func logDryRun(log *slog.Logger, d decided) {
	for _, w := range d.writes {
		log.Info("would write number", LogUID, w.ID, LogNumber, w.Number, LogHH, w.HH, LogPE, w.PE, LogDryRun, true)
	}
	for _, r := range d.rewrites {
		log.Info("would rewrite number", LogUID, r.ID, LogOld, r.Old.Number, LogNumber, r.New.Number, LogHH, r.New.HH, LogPE, r.New.PE, LogDryRun, true)
	}
}

// writeNew fills the values the rows lack and records the write-backs.
func (e *Engine) writeNew(ctx context.Context, log *slog.Logger, p Portal, d decided, c *writeReport) error {
	if len(d.writes) == 0 {
		return nil
	}
	name := p.Source.Name()
	writes, written, refused, err := isolate(d.writes, func(part []Write) ([]Written, error) {
		return p.Source.WriteBack(ctx, part)
	})
	if err != nil {
		return fmt.Errorf("%s: write back: %w", name, err)
	}
	if err := e.refusedWrites(ctx, log, c, refusedIDs(refused, func(w Write) uint64 { return w.ID }), d.want); err != nil {
		return err
	}
	done, err := e.verify(ctx, log, name, c, writes, written, d.want, logWritten)
	if err != nil {
		return err
	}
	if err := e.Store.Written(ctx, name, done); err != nil {
		return fmt.Errorf("%s: record write-back: %w", name, err)
	}
	return nil
}

// rewriteAsked replaces the values the central store asked to rewrite
// and clears the requests, also of rows that hold the values already.
func (e *Engine) rewriteAsked(ctx context.Context, log *slog.Logger, p Portal, d decided, c *writeReport) error {
	if len(d.rewrites) == 0 && len(d.settled) == 0 {
		return nil
	}
	name := p.Source.Name()
	rewrites, written, refused, err := isolate(d.rewrites, func(part []Rewrite) ([]Written, error) {
		return p.Source.Rewrite(ctx, part)
	})
	if err != nil {
		return fmt.Errorf("%s: rewrite: %w", name, err)
	}
	if err := e.refusedWrites(ctx, log, c, refusedIDs(refused, func(r Rewrite) uint64 { return r.ID }), d.want); err != nil {
		return err
	}
	wants := make([]Write, len(rewrites))
	for i, r := range rewrites {
		wants[i] = r.New
		wants[i].ID = r.ID
	}
	done, err := e.verify(ctx, log, name, c, wants, written, d.want, logRewritten)
	if err != nil {
		return err
	}
	for _, o := range d.settled {
		log.Info("number rewritten", LogUID, o.Account.ID, LogOld, o.Account.Number, LogNumber, o.Number, LogHH, o.HH, LogPE, o.PE,
			LogReason, o.Reason+" (the row held the values already)")
	}
	if err := e.Store.Rewritten(ctx, name, append(done, d.settled...)); err != nil {
		return fmt.Errorf("%s: record rewrite: %w", name, err)
	}
	return nil
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
func (e *Engine) verify(ctx context.Context, log *slog.Logger, name string, c *writeReport, wants []Write, written []Written, outcomes map[uint64]Outcome, logDone func(*slog.Logger, Write, Outcome)) ([]Outcome, error) {
	var done []Outcome
	var mismatches []Conflict
	for i, got := range written {
		w, o := wants[i], outcomes[got.ID]
		c.after[got.ID] = got
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
			c.conflicts[cf.AccountID] = append(c.conflicts[cf.AccountID], cf)
			LogConflict(log, cf)
		}
	}
	return done, nil
}

// refusedIDs turns refused writes into the ids of their rows.
func refusedIDs[T any](refused []refusal[T], id func(T) uint64) []refusal[uint64] {
	out := make([]refusal[uint64], len(refused))
	for i, r := range refused {
		out[i] = refusal[uint64]{id(r.item), r.err}
	}
	return out
}
