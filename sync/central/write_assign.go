package central

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"keysync/internal/sqlutil"
	"keysync/internal/text"
	keysync "keysync/sync"
	"keysync/sync/reconcile"
)

// Assign implements keysync.Store. See the interface for the contract. A
// batch whose transaction lost a deadlock is decided again from scratch;
// one whose rows' values the server refused (a value too long, a duplicate
// key) fails with keysync.ErrRowRefused, so that the engine can find the
// row.
func (s *Store) Assign(ctx context.Context, source string, cands []keysync.Candidate, dry bool) (outcomes []keysync.Outcome, err error) {
	if len(cands) == 0 {
		return nil, nil
	}
	err = s.retry(ctx, func() (err error) {
		outcomes, err = s.assign(ctx, source, cands, dry)
		return err
	})
	return outcomes, sqlutil.MarkData(err, keysync.ErrRowRefused)
}

func (s *Store) assign(ctx context.Context, source string, cands []keysync.Candidate, dry bool) ([]keysync.Outcome, error) {
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelReadCommitted})
	if err != nil {
		return nil, fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit
	as, err := s.startAssign(ctx, tx, source, cands)
	if err != nil {
		return nil, err
	}
	outcomes := make([]keysync.Outcome, 0, len(cands))
	for _, c := range cands {
		o, err := as.decide(ctx, c)
		if err != nil {
			return nil, err
		}
		outcomes = append(outcomes, o)
	}
	as.st.Decide = as.lap()
	if err := as.write(ctx, outcomes); err != nil {
		return nil, err
	}
	if dry {
		return outcomes, tx.Rollback()
	}
	if err := as.commit(ctx); err != nil {
		return nil, err
	}
	return outcomes, nil
}

// assignment is one Assign under way: its transaction, the sequences it
// locked, what the decisions know, and what they write.
type assignment struct {
	s              *Store
	tx             *sql.Tx
	source         string
	cust, hhs, pes *allocator
	f              *facts
	b              *batch
	now            time.Time
	st             AssignStats
	lap            func() time.Duration
	// rec are the records of the persons the batch touches; moves the
	// status changes of linked accounts it read.
	rec   *records
	moves []reconcile.StatusChange
}

// startAssign locks the sequences, which serialises allocation, and loads
// what the decisions of the batch need to know.
func (s *Store) startAssign(ctx context.Context, tx *sql.Tx, source string, cands []keysync.Candidate) (*assignment, error) {
	as := &assignment{s: s, tx: tx, source: source, st: AssignStats{Accounts: len(cands)}, lap: stopwatch()}
	var err error
	as.cust, as.hhs, as.pes, err = s.lockSequences(ctx, tx, len(cands))
	if err != nil {
		return nil, err
	}
	as.st.Lock = as.lap()
	as.f, err = loadFacts(ctx, tx, source, cands)
	if err != nil {
		return nil, err
	}
	as.f.population = int(max(as.cust.next, s.num.NumberStart) - s.num.NumberStart)
	as.st.Facts, as.st.Candidates = as.lap(), len(as.f.accounts)
	as.holdBack(cands)
	as.now, as.b = s.now(), newBatch()
	as.rec = newRecords(s, tx, as.now)
	if err := as.prefetchRecords(ctx, cands); err != nil {
		return nil, err
	}
	return as, nil
}

// holdBack keeps the ids that rows of this batch carry and nobody holds
// yet from the allocators, so a row later in the batch can still adopt its
// own number, household id and person id.
func (as *assignment) holdBack(cands []keysync.Candidate) {
	for _, c := range cands {
		a := c.Account
		if _, taken := as.f.byNumber[a.Number]; a.Number != "" && !taken {
			holdBack(as.cust, a.Number)
		}
		if _, taken := as.f.byPE[a.PE]; a.PE != "" && !taken {
			holdBack(as.pes, a.PE)
		}
		if a.HH != "" && !as.f.Known(a.HH) {
			holdBack(as.hhs, a.HH)
		}
	}
}

// decide decides one candidate and adds what the decision writes to the
// batch. Only an exhausted sequence or a cancelled context fail the batch.
func (as *assignment) decide(ctx context.Context, c keysync.Candidate) (keysync.Outcome, error) {
	d := keysync.Decide(c.Account, c.Profile, as.f, as.s.rules())
	o := keysync.Outcome{Account: c.Account, Action: d.Action, By: d.By}
	switch d.Action {
	case keysync.ActionKeep:
		o.Number, o.HH, o.PE = d.Person.Number, d.Person.HH, d.Person.PE
		o.Rewrite, o.Reason = d.Rewrite, d.Reason
		changed, err := as.refresh(ctx, c, d.Person)
		if err != nil {
			return o, err
		}
		o.Changed = changed
	case keysync.ActionLink:
		o.Number, o.HH, o.PE = d.Person.Number, d.Person.HH, d.Person.PE
		o.Rewrite, o.Reason = d.Rewrite, d.Reason
		if err := as.link(ctx, c, d.Person); err != nil {
			return o, err
		}
	case keysync.ActionAdopt, keysync.ActionNew:
		p, err := as.newPerson(ctx, c, d)
		if errors.Is(err, ErrExhausted) || errors.Is(err, context.Canceled) {
			return o, err
		}
		if err != nil {
			// A row that cannot be numbered (say, a country the template
			// cannot express) is skipped and reported; the batch goes on.
			o.Action, o.Err = keysync.ActionSkip, err
			break
		}
		o.Number, o.HH, o.PE = p.Number, p.HH, p.PE
	}
	for _, cf := range d.Conflicts {
		as.b.conflicts = append(as.b.conflicts, cf)
		o.Conflicts = append(o.Conflicts, keysync.RecordedConflict{Conflict: cf})
	}
	return o, nil
}

// link links the candidate's account to an existing person.
func (as *assignment) link(ctx context.Context, c keysync.Candidate, p keysync.Person) error {
	changed, err := as.linkRecord(ctx, c, p.Number)
	if err != nil {
		return err
	}
	note := as.b.account(c, p, as.now, changed)
	as.b.event(as.s, as.now, "linked", p.Number, as.source, c.Account.ID, "", p.Number, withNote(linkReason(c.Account, p), note))
	as.f.add(p, c)
	return nil
}

// write stores the sequences' positions and everything the decisions
// created, keeping the accounts' checksums, and says of each outcome's
// conflicts whether it was open already.
func (as *assignment) write(ctx context.Context, outcomes []keysync.Outcome) error {
	tx, b := as.tx, as.b
	for _, a := range []*allocator{as.cust, as.hhs, as.pes} {
		if err := a.save(ctx, tx); err != nil {
			return err
		}
	}
	as.fillRecords()
	for _, in := range []*insert{&b.reserved, &b.households, &b.persons} {
		if err := in.exec(ctx, tx); err != nil {
			return err
		}
	}
	sums := newAccountSums(tx)
	if err := sums.insertAccounts(ctx, &b.accounts); err != nil {
		return err
	}
	if err := as.writeMasterData(ctx, sums); err != nil {
		return err
	}
	known, err := as.s.insertConflicts(ctx, tx, &b.events, b.conflicts, as.now)
	if err != nil {
		return err
	}
	if err := b.events.exec(ctx, tx); err != nil {
		return err
	}
	if err := sums.flush(ctx); err != nil {
		return err
	}
	for i := range outcomes {
		for j := range outcomes[i].Conflicts {
			outcomes[i].Conflicts[j].Known = known[openKey(outcomes[i].Conflicts[j].Conflict)]
		}
	}
	return nil
}

// commit records the persons the batch changed in the change feed, last,
// commits the batch and reports where its time went.
func (as *assignment) commit(ctx context.Context) error {
	if err := feedChanges(ctx, as.tx, as.rec.changed()); err != nil {
		return err
	}
	as.st.Write = as.lap()
	if err := as.tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	as.st.Commit = as.lap()
	if as.s.Observe != nil {
		as.s.Observe(as.st)
	}
	return nil
}

// stopwatch returns a function that returns the time since it was last
// called (or since stopwatch).
func stopwatch() func() time.Duration {
	last := time.Now()
	return func() time.Duration {
		now := time.Now()
		d := now.Sub(last)
		last = now
		return d
	}
}

// holdBack keeps an id's sequence value from the allocator for this batch,
// when the id has the template's shape.
func holdBack(a *allocator, id string) {
	if v, _, err := a.tmpl.Parse(id); err == nil {
		a.reserve(v)
	}
}

// withNote appends what account() cut to an event's detail.
func withNote(detail, note string) string {
	if note == "" {
		return detail
	}
	return detail + "; " + note
}

func linkReason(a keysync.Account, p keysync.Person) string {
	switch {
	case a.Number != "" && a.Number != p.Number:
		return "the row carries " + a.Number + ", a number retired and merged into this person"
	case a.Number != "":
		return "the row carries this person's number"
	}
	return "same e-mail address and name"
}

// newPerson completes an Adopt or New decision: the number (allocated or
// adopted), the Wibisoft person id and the household.
func (as *assignment) newPerson(ctx context.Context, c keysync.Candidate, d keysync.Decision) (keysync.Person, error) {
	p := d.Person
	p.Profile = c.Profile
	seq, err := as.number(ctx, &p, d.Action == keysync.ActionAdopt)
	if err != nil {
		return p, err
	}
	if err := as.personID(ctx, &p); err != nil {
		return p, err
	}
	if err := as.household(ctx, &p); err != nil {
		return p, err
	}
	as.addPerson(c, p, seq, d.Action == keysync.ActionAdopt)
	return p, nil
}

// number allocates the new person's number, or reserves the adopted one;
// seq is its sequence value, nil for an adopted number of another shape.
func (as *assignment) number(ctx context.Context, p *keysync.Person, adopted bool) (seq any, err error) {
	if adopted {
		if v, ok := as.b.reserve(as.cust, p.Number); ok {
			seq = v
		}
		return seq, nil
	}
	n, v, err := as.cust.Next(ctx, as.tx, p.Profile.Country)
	if err != nil {
		return nil, fmt.Errorf("allocate number: %w", err)
	}
	p.Number = n
	return v, nil
}

// personID allocates the Wibisoft person id, or reserves the one the row
// carries.
func (as *assignment) personID(ctx context.Context, p *keysync.Person) error {
	if p.PE != "" {
		as.b.reserve(as.pes, p.PE)
		return nil
	}
	pe, _, err := as.pes.Next(ctx, as.tx, p.Profile.Country)
	if err != nil {
		return fmt.Errorf("allocate Wibisoft person id: %w", err)
	}
	p.PE = pe
	return nil
}

// household opens a new household for a person the decision found none
// for, and records a household id from the row that keysync does not know
// yet; a known household is joined as it is.
func (as *assignment) household(ctx context.Context, p *keysync.Person) error {
	key := text.Clip(p.Profile.Household, 512)
	switch {
	case p.HH == "":
		hh, _, err := as.hhs.Next(ctx, as.tx, p.Profile.Country)
		if err != nil {
			return fmt.Errorf("allocate Wibisoft household id: %w", err)
		}
		p.HH = hh
		as.b.households.add(p.HH, key, as.now)
	case !as.f.Known(p.HH):
		as.b.reserve(as.hhs, p.HH)
		as.b.households.add(text.Clip(p.HH, 64), key, as.now)
	}
	return nil
}

// addPerson adds the new person, its account and the history event to the
// batch, and to what later rows of the batch know.
func (as *assignment) addPerson(c keysync.Candidate, p keysync.Person, seq any, adopted bool) {
	origin := "assigned"
	if adopted {
		origin = "adopted"
	}
	a, pr, now := c.Account, c.Profile, as.now
	as.b.persons.add(text.Clip(p.Number, 64), seq, text.Clip(p.PE, 64), text.Clip(p.HH, 64), origin,
		text.Clip(a.FirstName, 255), text.Clip(a.LastName, 255), text.Clip(a.Email, 320),
		text.Clip(pr.FirstName, 255), text.Clip(pr.LastName, 255), text.Clip(pr.Email, 320),
		text.Clip(pr.BirthDate, 10), text.Clip(pr.Household, 512), now, now, nil, nil)
	note := as.b.account(c, p, now, as.createRecord(c, p.Number))
	as.b.event(as.s, now, origin, p.Number, a.Source, a.ID, "", p.Number, withNote("hh="+p.HH+" pe="+p.PE, note))
	as.f.add(p, c)
}

// rules are what the decisions of an Assign measure rows against.
func (s *Store) rules() keysync.Rules {
	return keysync.Rules{Number: s.num.Number, Thresholds: s.Thresholds,
		HHLen: keysync.WibisoftIDLen(s.num.Household), PELen: keysync.WibisoftIDLen(s.num.Person)}
}
