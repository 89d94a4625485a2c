package reconcile

import (
	"context"
	"fmt"

	keysync "keysync/sync"
)

// adopt sends rows carrying a number keysync does not know the normal way:
// the store decides them like a poll would (adopt when valid and free,
// link when it is the person's own number, else a conflict) and commits the
// links. It returns the conflicts the decisions left open.
func (w *walk) adopt(ctx context.Context, pl *plan) ([]keysync.RecordedConflict, error) {
	outcomes, err := w.r.Store.Assign(ctx, w.name, pl.cands, false)
	if err != nil {
		return nil, fmt.Errorf("decide unknown numbers: %w", err)
	}
	var open []keysync.RecordedConflict
	for _, o := range outcomes {
		uid := o.Account.ID
		for _, cf := range o.Conflicts {
			w.rep.conflict(cf)
			keysync.LogConflict(w.log, cf)
			open = append(open, cf)
		}
		switch o.Action {
		case keysync.ActionAdopt, keysync.ActionLink:
			w.rep.Repaired[DriftUnknownNumber]++
			msg := "number adopted"
			if o.Action == keysync.ActionLink {
				msg = "account linked to the number's person"
			}
			w.log.Info(msg, keysync.LogUID, uid, keysync.LogNumber, o.Number, keysync.LogHH, o.HH, keysync.LogPE, o.PE)
		case keysync.ActionSkip:
			if o.Err != nil {
				w.rep.Skipped++
				w.log.Warn("row skipped", keysync.LogUID, uid, keysync.LogErr, o.Err.Error())
			}
		}
		wr, ok := o.Write()
		if !ok {
			continue
		}
		w.found(DriftMissingWriteBack, uid, keysync.LogNumber, o.Number, keysync.LogHH, o.Account.HH, keysync.LogPE, o.Account.PE)
		if w.repair {
			pl.writes = append(pl.writes, wr)
			pl.whys = append(pl.whys, writeWhy{outcome: o, missing: true})
		}
	}
	return open, nil
}

// writeBack writes missing and removed values (compare-and-set on empty
// columns) and records them.
func (w *walk) writeBack(ctx context.Context, pl *plan) error {
	if len(pl.writes) == 0 {
		return nil
	}
	w.wrote = true
	written, err := w.p.Source.WriteBack(ctx, pl.writes)
	if err != nil {
		return fmt.Errorf("write back: %w", err)
	}
	var done []keysync.Outcome
	for i, got := range written {
		wr, why := pl.writes[i], pl.whys[i]
		o := why.outcome
		if !got.Found {
			w.rep.Skipped++
			w.log.Warn("row vanished before write-back", keysync.LogUID, got.ID, keysync.LogNumber, o.Number)
			continue
		}
		ok := true
		for _, f := range [...]struct{ name, want, got string }{{"number", wr.Number, got.Number}, {"hh", wr.HH, got.HH}, {"pe", wr.PE, got.PE}} {
			if f.want != "" && f.want != f.got {
				ok = false
				pl.conflicts = append(pl.conflicts, keysync.Conflict{Kind: keysync.ConflictWriteBack, Source: w.name, AccountID: got.ID, Value: f.got, Number: o.Number,
					Detail: fmt.Sprintf("the %s column was filled by someone else before keysync could write %q", f.name, f.want)})
			}
		}
		if !ok {
			continue
		}
		if why.removed {
			w.rep.Repaired[DriftNumberRemoved]++
			pl.rec.Repairs = append(pl.rec.Repairs, Repair{AccountID: got.ID, Number: o.Number, Field: "number", New: wr.Number})
		}
		if why.missing {
			w.rep.Repaired[DriftMissingWriteBack]++
			w.log.Info("values written", keysync.LogUID, got.ID, keysync.LogNumber, o.Number, keysync.LogHH, o.HH, keysync.LogPE, o.PE)
			done = append(done, o)
		}
	}
	if err := w.r.Store.Written(ctx, w.name, done); err != nil {
		return fmt.Errorf("record write-back: %w", err)
	}
	return nil
}

// rewrite restores edited values to the person's, each only where the
// column still holds the value the walk saw; a value changed meanwhile
// becomes a conflict instead.
func (w *walk) rewrite(ctx context.Context, pl *plan) error {
	if len(pl.rewrites) == 0 {
		return nil
	}
	w.wrote = true
	written, err := w.p.Source.Rewrite(ctx, pl.rewrites)
	if err != nil {
		return fmt.Errorf("restore values: %w", err)
	}
	for i, got := range written {
		rw, number := pl.rewrites[i], pl.persons[i]
		if !got.Found {
			w.rep.Skipped++
			w.log.Warn("row vanished before repair", keysync.LogUID, got.ID, keysync.LogNumber, rw.New.Number)
			continue
		}
		restored := map[Drift]bool{}
		failed := map[Drift]bool{}
		for _, f := range [...]field{
			{"number", "customer number", rw.Old.Number, rw.New.Number},
			{"hh", "Wibisoft household id", rw.Old.HH, rw.New.HH},
			{"pe", "Wibisoft person id", rw.Old.PE, rw.New.PE},
		} {
			if f.link == "" {
				continue
			}
			d := DriftWibisoft
			if f.name == "number" {
				d = DriftNumberEdited
			}
			now := getField(got, f.name)
			if now == f.link {
				restored[d] = true
				pl.rec.Repairs = append(pl.rec.Repairs, Repair{AccountID: got.ID, Number: number, Field: f.name, Old: f.row, New: f.link})
				continue
			}
			failed[d] = true
			f.row = now
			pl.conflicts = append(pl.conflicts, mismatch(w.name, got.ID, f, number))
		}
		for d := range restored {
			if !failed[d] {
				w.rep.Repaired[d]++
			}
		}
	}
	return nil
}
