package reconcile

import (
	"cmp"
	"context"
	"fmt"
	"slices"

	keysync "keysync/sync"
)

// plan is what one step of a reconciliation found and means to do.
type plan struct {
	cands    []keysync.Candidate
	writes   []keysync.Write
	whys     []writeWhy // parallel to writes
	rewrites []keysync.Rewrite
	persons  []string // the person's number, parallel to rewrites
	// conflicts are drift conflicts to record: every finding without
	// repair, and repairs the portal refused.
	conflicts []keysync.Conflict
	rec       Reconciled
	drift     []found // drift of central state, counted repaired once committed
}

// writeWhy says why a row gets a write-back, for the history.
type writeWhy struct {
	outcome keysync.Outcome // the person's values, as Store.Written records them
	missing bool            // a value keysync never managed to write
	removed bool            // the number was written once and then removed
}

type found struct {
	drift Drift
	id    uint64
}

// field is one of keysync's three columns of a row.
type field struct {
	name, label string // "number", "customer number"
	row, link   string
}

func fieldsOf(a keysync.Account, l Link) [3]field {
	return [3]field{
		{"number", "customer number", a.Number, l.Number},
		{"hh", "Wibisoft household id", a.HH, l.HH},
		{"pe", "Wibisoft person id", a.PE, l.PE},
	}
}

// found counts one finding and logs it with attrs saying what was seen.
func (w *walk) found(d Drift, id uint64, attrs ...any) {
	w.rep.Found[d]++
	w.log.Info("drift found", append([]any{LogDrift, string(d), keysync.LogUID, id}, attrs...)...)
}

// step handles one batch of ids: the rows and links of the batch and the
// open conflicts of its id range.
func (w *walk) step(batch []pair, open []OpenConflict) error {
	ctx := w.work
	if err := w.confirmGone(ctx, batch); err != nil {
		return err
	}
	pl := w.plan(batch)
	if err := w.profile(ctx, &pl); err != nil {
		return err
	}
	var still []keysync.RecordedConflict
	if len(pl.cands) > 0 {
		adopted, err := w.adopt(ctx, &pl)
		if err != nil {
			return err
		}
		still = append(still, adopted...)
	}
	if err := w.writeBack(ctx, &pl); err != nil {
		return err
	}
	if err := w.rewrite(ctx, &pl); err != nil {
		return err
	}
	pl.rec.Resolve = gone(batch, open, still, pl.conflicts)
	return w.record(ctx, &pl)
}

// plan compares each id of the batch: a row without a link may carry a
// number keysync does not know, a link without a row is gone, a row and
// its link are compared (compare).
func (w *walk) plan(batch []pair) plan {
	var pl plan
	for _, p := range batch {
		switch {
		case p.link == nil && len(p.row.Ambiguous) > 0:
			w.rep.Rows++
			pl.conflicts = append(pl.conflicts, keysync.AmbiguousConflict(*p.row))
		case p.link == nil:
			w.rep.Rows++
			if p.row.Number != "" {
				w.found(DriftUnknownNumber, p.row.ID, keysync.LogValue, p.row.Number)
				pl.cands = append(pl.cands, keysync.Candidate{Account: *p.row})
			}
		case p.row == nil:
			w.rep.Links++
			if p.link.Status != keysync.StatusGone {
				w.found(DriftGone, p.link.AccountID, keysync.LogNumber, p.link.Number, LogFrom, p.link.Status)
				pl.rec.Status = append(pl.rec.Status, StatusChange{AccountID: p.link.AccountID, Number: p.link.Number, From: p.link.Status, To: keysync.StatusGone})
				pl.drift = append(pl.drift, found{DriftGone, p.link.AccountID})
			}
		case p.link.Forgotten:
			w.rep.Rows++
			w.rep.Links++
			w.forgotten(&pl, *p.row, *p.link)
		default:
			w.rep.Rows++
			w.rep.Links++
			w.compare(&pl, *p.row, *p.link)
		}
	}
	return pl
}

// gone returns the open conflicts of rows the walk saw whose finding did
// not come up again (neither among the decisions' conflicts, still, nor
// the conflicts of the drift found, drift): the drift is gone. A conflict of an id the walk did
// not see at all may belong to a row registered meanwhile; it stays.
func gone(batch []pair, open []OpenConflict, still []keysync.RecordedConflict, drift []keysync.Conflict) []OpenConflict {
	type key struct {
		kind  keysync.ConflictKind
		id    uint64
		value string
	}
	// The open conflicts hold their values as the store keeps them; the
	// findings are compared in the same form.
	stillOpen := map[key]bool{}
	for _, cf := range still {
		stillOpen[key{cf.Kind, cf.AccountID, cf.StoredValue()}] = true
	}
	for _, cf := range drift {
		stillOpen[key{cf.Kind, cf.AccountID, cf.StoredValue()}] = true
	}
	var out []OpenConflict
	for _, oc := range open {
		if seen(batch, oc.AccountID) && !stillOpen[key{oc.Kind, oc.AccountID, oc.Value}] {
			out = append(out, oc)
		}
	}
	return out
}

// record stores the step's findings centrally, its conflicts in the
// transaction of its other findings (one commit per step), and then
// counts and logs them.
func (w *walk) record(ctx context.Context, pl *plan) error {
	pl.rec.Conflicts = pl.conflicts
	if pl.rec.empty() {
		return nil
	}
	recorded, err := w.r.Store.Reconcile(ctx, w.name, pl.rec)
	if err != nil {
		return fmt.Errorf("record reconciliation: %w", err)
	}
	for _, cf := range recorded {
		w.rep.conflict(cf)
		keysync.LogConflict(w.log, cf)
	}
	for _, f := range pl.drift {
		w.rep.Repaired[f.drift]++
	}
	for _, r := range pl.rec.Repairs {
		w.log.Info("value restored", keysync.LogUID, r.AccountID, LogField, r.Field, LogOld, r.Old, keysync.LogValue, r.New, keysync.LogNumber, r.Number)
	}
	for _, sc := range pl.rec.Status {
		w.log.Info("account status recorded", keysync.LogUID, sc.AccountID, keysync.LogNumber, sc.Number, LogFrom, sc.From, LogTo, sc.To)
	}
	for _, oc := range pl.rec.Resolve {
		w.rep.Resolved++
		w.log.Info("conflict resolved: drift gone", keysync.LogKind, string(oc.Kind), keysync.LogUID, oc.AccountID, keysync.LogValue, oc.Value)
	}
	return nil
}

// seen reports whether the batch, in id order, holds the id.
func seen(batch []pair, id uint64) bool {
	i, ok := slices.BinarySearchFunc(batch, id, func(p pair, id uint64) int { return cmp.Compare(p.id(), id) })
	return ok && i < len(batch)
}

// profile completes the rows with unknown numbers for a decision: read
// whole when the walk read them lean, and normalised.
func (w *walk) profile(ctx context.Context, pl *plan) error {
	if len(pl.cands) == 0 {
		return nil
	}
	if w.lean {
		ids := make([]uint64, len(pl.cands))
		for i, c := range pl.cands {
			ids[i] = c.Account.ID
		}
		whole, err := w.p.Source.Accounts(ctx, ids, w.r.now())
		if err != nil {
			return fmt.Errorf("read rows with unknown numbers: %w", err)
		}
		pl.cands = pl.cands[:0]
		for _, a := range whole {
			// A row gone or emptied meanwhile has nothing to decide.
			if a.Number != "" {
				a.Source = w.name
				pl.cands = append(pl.cands, keysync.Candidate{Account: a})
			}
		}
	}
	for i := range pl.cands {
		pl.cands[i].Profile = keysync.NewProfile(pl.cands[i].Account, w.p.Country)
	}
	return nil
}

// confirmGone looks up the rows of links the portal pages did not show
// before taking them for gone: a row registered and linked while the walk
// was under way, or a row the pages leave out, is not gone.
func (w *walk) confirmGone(ctx context.Context, batch []pair) error {
	var ids []uint64
	at := map[uint64]int{}
	for i, p := range batch {
		if p.row == nil && p.link.Status != keysync.StatusGone {
			ids = append(ids, p.link.AccountID)
			at[p.link.AccountID] = i
		}
	}
	if len(ids) == 0 {
		return nil
	}
	rows, err := w.p.Source.Accounts(ctx, ids, w.r.now())
	if err != nil {
		return fmt.Errorf("look up rows of links: %w", err)
	}
	for _, a := range rows {
		if i, ok := at[a.ID]; ok {
			a.Source = w.name
			batch[i].row = &a
		}
	}
	return nil
}

// forgotten reports the row of a forgotten person's account that is not
// deleted or still carries a number; nothing of it is recorded, written
// or restored.
func (w *walk) forgotten(pl *plan, a keysync.Account, l Link) {
	if c, ok := keysync.ForgottenConflict(a, l.Number); ok {
		w.found(DriftForgotten, a.ID, keysync.LogNumber, l.Number, LogTo, a.Status())
		pl.conflicts = append(pl.conflicts, c)
	}
}

// compare plans what a linked row needs: its state recorded centrally,
// missing values written, edited ones reported or restored.
func (w *walk) compare(pl *plan, a keysync.Account, l Link) {
	if want := a.Status(); l.Status != want {
		d := DriftInactive
		switch want {
		case keysync.StatusActive:
			d = DriftReactivated
		case keysync.StatusDeleted:
			d = DriftDeleted
		}
		w.found(d, a.ID, keysync.LogNumber, l.Number, LogFrom, l.Status, LogTo, want)
		pl.rec.Status = append(pl.rec.Status, StatusChange{AccountID: a.ID, Number: l.Number, From: l.Status, To: want})
		pl.drift = append(pl.drift, found{d, a.ID})
	}

	if len(a.Ambiguous) > 0 {
		// Which of the row's values counts is unclear: nothing is
		// compared, written or restored until the extra rows are gone.
		pl.conflicts = append(pl.conflicts, keysync.AmbiguousConflict(a))
		return
	}
	wr := keysync.Write{ID: a.ID}
	rw := keysync.Rewrite{ID: a.ID}
	why := writeWhy{outcome: keysync.Outcome{Account: a, Action: keysync.ActionKeep, Number: l.Number, HH: l.HH, PE: l.PE}}
	var edited, wibisoft bool
	for _, f := range fieldsOf(a, l) {
		switch {
		case f.link == "" || f.row == f.link:
			continue
		case f.row == "" && (f.name != "number" || !l.Written):
			why.missing = true
		case f.row == "":
			why.removed = true
			w.found(DriftNumberRemoved, a.ID, keysync.LogNumber, l.Number)
			if !w.repair {
				pl.conflicts = append(pl.conflicts, keysync.Conflict{Kind: keysync.ConflictNumberMismatch, Source: w.name, AccountID: a.ID, Number: l.Number,
					Detail: "the number keysync wrote into the row was removed"})
			}
		default:
			if f.name == "number" {
				edited = true
			} else {
				wibisoft = true
			}
			if !w.repair {
				pl.conflicts = append(pl.conflicts, mismatch(w.name, a.ID, f, l.Number))
			}
			setField(&rw.Old, f.name, f.row)
			setField(&rw.New, f.name, f.link)
		}
		if f.row == "" {
			setField(&wr, f.name, f.link)
		}
	}
	if edited {
		w.found(DriftNumberEdited, a.ID, keysync.LogValue, a.Number, keysync.LogNumber, l.Number)
	}
	if wibisoft {
		w.found(DriftWibisoft, a.ID, keysync.LogNumber, l.Number, keysync.LogHH, a.HH, keysync.LogPE, a.PE, LogWantHH, l.HH, LogWantPE, l.PE)
	}
	if why.missing {
		w.found(DriftMissingWriteBack, a.ID, keysync.LogNumber, l.Number, keysync.LogHH, a.HH, keysync.LogPE, a.PE)
	}
	if !w.repair {
		return
	}
	if wr.Number != "" || wr.HH != "" || wr.PE != "" {
		pl.writes = append(pl.writes, wr)
		pl.whys = append(pl.whys, why)
	}
	if edited || wibisoft {
		pl.rewrites = append(pl.rewrites, rw)
		pl.persons = append(pl.persons, l.Number)
	}
}

// mismatch is the conflict of a linked row holding another value than the
// person's. A number keeps the wording (and so the open conflict) of the
// poll's decision.
func mismatch(source string, id uint64, f field, number string) keysync.Conflict {
	if f.name == "number" {
		return keysync.Conflict{Kind: keysync.ConflictNumberMismatch, Source: source, AccountID: id, Value: f.row, Number: number,
			Detail: "the row carries another number than the person it is linked to"}
	}
	return keysync.Conflict{Kind: keysync.ConflictWibisoftMismatch, Source: source, AccountID: id, Value: f.row, Number: number,
		Detail: fmt.Sprintf("the row carries %s %q, the person has %q", f.label, f.row, f.link)}
}

func setField(w *keysync.Write, name, v string) {
	switch name {
	case "number":
		w.Number = v
	case "hh":
		w.HH = v
	case "pe":
		w.PE = v
	}
}

func getField(w keysync.Written, name string) string {
	switch name {
	case "number":
		return w.Number
	case "hh":
		return w.HH
	default:
		return w.PE
	}
}
