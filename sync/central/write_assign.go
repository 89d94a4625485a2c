package central

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"keysync/internal/text"
	keysync "keysync/sync"
)

// batch collects everything one Assign transaction writes.
type batch struct {
	households insert
	reserved   insert
	persons    insert
	accounts   insert
	events     insert
	conflicts  []keysync.Conflict
}

func newBatch() *batch {
	return &batch{
		households: insert{verb: "INSERT", table: "households", cols: []string{"hh_id", "match_key", "created_at"}},
		reserved:   insert{verb: "INSERT IGNORE", table: "reserved", cols: []string{"seq_name", "value"}},
		persons: insert{verb: "INSERT", table: "persons", cols: []string{
			"number", "seq", "pe_id", "hh_id", "origin", "first_name", "last_name", "email",
			"first_norm", "last_norm", "email_norm", "birth_date", "household_key", "created_at", "updated_at"}},
		accounts: insert{verb: "INSERT", table: "accounts", cols: []string{
			"source", "account_id", "number", "status", "username", "email", "first_name", "last_name",
			"email_norm", "first_norm", "last_norm", "birth_date", "street", "zip", "city", "country",
			"postcode", "city_norm", "address_key", "key_name", "key_place", "key_birth", "key_first_place",
			"groups_list", "registered_at", "linked_at", "hh_id_copy", "pe_id_copy", "copied_from"}},
		events: eventInsert(),
	}
}

func eventInsert() insert {
	return insert{verb: "INSERT", table: "events", cols: []string{"at", "actor", "kind", "number", "source", "account_id", "old_value", "new_value", "detail"}}
}

// account adds the account row of c, linked to person. The row takes a
// copy of the person's Wibisoft ids when person has them (schema version
// 4); a person with only a number leaves the copy to Written or the next
// reconciliation.
func (b *batch) account(c keysync.Candidate, person keysync.Person, now time.Time) {
	a, p := c.Account, c.Profile
	number := person.Number
	var hhCopy, peCopy, copiedFrom any
	if person.HH != "" && person.PE != "" {
		hhCopy, peCopy, copiedFrom = text.Clip(person.HH, 64), text.Clip(person.PE, 64), text.Clip(number, 64)
	}
	var registered any
	if !a.Registered.IsZero() {
		registered = a.Registered.UTC()
	}
	b.accounts.add(a.Source, a.ID, number, string(a.Status()), text.Clip(a.Username, 255), text.Clip(a.Email, 320),
		text.Clip(a.FirstName, 255), text.Clip(a.LastName, 255), text.Clip(p.Email, 320), text.Clip(p.FirstName, 255), text.Clip(p.LastName, 255),
		text.Clip(a.BirthDate, 10), text.Clip(a.Street, 255), text.Clip(a.Zip, 32), text.Clip(a.City, 255), text.Clip(a.Country, 64),
		text.Clip(p.Postcode, 16), text.Clip(p.City, 255), text.Clip(p.Address, 512),
		nullIf(text.Clip(p.Blocks.Name, 64)), nullIf(text.Clip(p.Blocks.Place, 64)), nullIf(text.Clip(p.Blocks.Birth, 64)), nullIf(text.Clip(p.Blocks.FirstPlace, 64)),
		groupsJSON(a.Groups), registered, now, hhCopy, peCopy, copiedFrom)
}

// groupsJSON stores memberships as a JSON array, so titles may contain
// commas and billing can ask MariaDB with JSON_CONTAINS.
func groupsJSON(groups []string) any {
	if len(groups) == 0 {
		return nil
	}
	b, _ := json.Marshal(groups)
	return string(b)
}

func (b *batch) event(s *Store, now time.Time, kind, number, source string, id uint64, oldValue, newValue, detail string) {
	b.events.add(now, s.Actor, kind, nullIf(number), nullIf(source), id, nullIf(text.Clip(oldValue, 255)), nullIf(text.Clip(newValue, 255)), nullIf(detail))
}

// Assign implements keysync.Store. See the interface for the contract.
func (s *Store) Assign(ctx context.Context, source string, cands []keysync.Candidate, dry bool) ([]keysync.Outcome, error) {
	if len(cands) == 0 {
		return nil, nil
	}
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelReadCommitted})
	if err != nil {
		return nil, fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit

	st := AssignStats{Accounts: len(cands)}
	lap := stopwatch()
	cust, hhs, pes, err := s.lockSequences(ctx, tx, len(cands))
	if err != nil {
		return nil, err
	}
	st.Lock = lap()
	f, err := loadFacts(ctx, tx, source, cands)
	if err != nil {
		return nil, err
	}
	st.Facts, st.Candidates = lap(), len(f.accounts)
	// Ids that rows of this batch carry and nobody holds yet are kept from
	// the allocators, so a row later in the batch can still adopt its own
	// number, household id and person id.
	for _, c := range cands {
		a := c.Account
		if _, taken := f.byNumber[a.Number]; a.Number != "" && !taken {
			holdBack(cust, a.Number)
		}
		if _, taken := f.byPE[a.PE]; a.PE != "" && !taken {
			holdBack(pes, a.PE)
		}
		if a.HH != "" && !f.Known(a.HH) {
			holdBack(hhs, a.HH)
		}
	}
	now := s.now()
	b := newBatch()
	outcomes := make([]keysync.Outcome, 0, len(cands))
	for _, c := range cands {
		d := keysync.Decide(c.Account, c.Profile, f, s.num.Number, s.Thresholds)
		o := keysync.Outcome{Account: c.Account, Action: d.Action}
		switch d.Action {
		case keysync.ActionKeep:
			o.Number, o.HH, o.PE = d.Person.Number, d.Person.HH, d.Person.PE
			o.Rewrite = d.Rewrite
		case keysync.ActionLink:
			o.Number, o.HH, o.PE = d.Person.Number, d.Person.HH, d.Person.PE
			o.Rewrite = d.Rewrite
			b.account(c, d.Person, now)
			b.event(s, now, "linked", d.Person.Number, source, c.Account.ID, "", d.Person.Number, linkReason(c.Account))
			f.add(d.Person, c)
		case keysync.ActionAdopt, keysync.ActionNew:
			p, err := s.newPerson(ctx, tx, b, f, c, d, cust, hhs, pes, now)
			if errors.Is(err, ErrExhausted) || errors.Is(err, context.Canceled) {
				return nil, err
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
			b.conflicts = append(b.conflicts, cf)
			o.Conflicts = append(o.Conflicts, keysync.RecordedConflict{Conflict: cf})
		}
		outcomes = append(outcomes, o)
	}

	st.Decide = lap()
	for _, a := range []*allocator{cust, hhs, pes} {
		if err := a.save(ctx, tx); err != nil {
			return nil, err
		}
	}
	for _, in := range []*insert{&b.reserved, &b.households, &b.persons} {
		if err := in.exec(ctx, tx); err != nil {
			return nil, err
		}
	}
	sums := newAccountSums(tx)
	if err := sums.insertAccounts(ctx, &b.accounts); err != nil {
		return nil, err
	}
	known, err := s.insertConflicts(ctx, tx, &b.events, b.conflicts, now)
	if err != nil {
		return nil, err
	}
	if err := b.events.exec(ctx, tx); err != nil {
		return nil, err
	}
	if err := sums.flush(ctx); err != nil {
		return nil, err
	}
	for i := range outcomes {
		for j := range outcomes[i].Conflicts {
			outcomes[i].Conflicts[j].Known = known[openKey(outcomes[i].Conflicts[j].Conflict)]
		}
	}
	if dry {
		return outcomes, tx.Rollback()
	}
	st.Write = lap()
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("commit: %w", err)
	}
	st.Commit = lap()
	if s.Observe != nil {
		s.Observe(st)
	}
	return outcomes, nil
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

// reserve records an adopted id's sequence value, when the id has the
// template's shape, so that the allocator never hands it out.
func (b *batch) reserve(a *allocator, id string) (uint64, bool) {
	v, _, err := a.tmpl.Parse(id)
	if err != nil {
		return 0, false
	}
	a.reserve(v)
	b.reserved.add(a.name, v)
	return v, true
}

func linkReason(a keysync.Account) string {
	if a.Number != "" {
		return "the row carries this person's number"
	}
	return "same e-mail address and name"
}

// newPerson completes an Adopt or New decision: the number (allocated or
// adopted), the Wibisoft person id and the household.
func (s *Store) newPerson(ctx context.Context, tx *sql.Tx, b *batch, f *facts, c keysync.Candidate, d keysync.Decision, cust, hhs, pes *allocator, now time.Time) (keysync.Person, error) {
	p := d.Person
	p.Profile = c.Profile
	country := c.Profile.Country
	var seq any
	origin, kind := "assigned", "assigned"
	if d.Action == keysync.ActionAdopt {
		origin, kind = "adopted", "adopted"
		if v, ok := b.reserve(cust, p.Number); ok {
			seq = v
		}
	} else {
		n, v, err := cust.Next(ctx, tx, country)
		if err != nil {
			return p, fmt.Errorf("allocate number: %w", err)
		}
		p.Number, seq = n, v
	}
	if p.PE != "" {
		b.reserve(pes, p.PE)
	} else {
		pe, _, err := pes.Next(ctx, tx, country)
		if err != nil {
			return p, fmt.Errorf("allocate Wibisoft person id: %w", err)
		}
		p.PE = pe
	}
	switch {
	case p.HH == "":
		hh, _, err := hhs.Next(ctx, tx, country)
		if err != nil {
			return p, fmt.Errorf("allocate Wibisoft household id: %w", err)
		}
		p.HH = hh
		b.households.add(p.HH, text.Clip(c.Profile.Household, 512), now)
	case !f.Known(p.HH):
		// A household id found in the row that keysync does not know yet.
		b.reserve(hhs, p.HH)
		b.households.add(text.Clip(p.HH, 64), text.Clip(c.Profile.Household, 512), now)
	}
	a := c.Account
	b.persons.add(text.Clip(p.Number, 64), seq, text.Clip(p.PE, 64), text.Clip(p.HH, 64), origin,
		text.Clip(a.FirstName, 255), text.Clip(a.LastName, 255), text.Clip(a.Email, 320),
		text.Clip(c.Profile.FirstName, 255), text.Clip(c.Profile.LastName, 255), text.Clip(c.Profile.Email, 320),
		text.Clip(c.Profile.BirthDate, 10), text.Clip(c.Profile.Household, 512), now, now)
	b.account(c, p, now)
	b.event(s, now, kind, p.Number, a.Source, a.ID, "", p.Number, "hh="+p.HH+" pe="+p.PE)
	f.add(p, c)
	return p, nil
}
