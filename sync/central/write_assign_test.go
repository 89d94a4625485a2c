package central_test

import (
	"errors"
	"reflect"
	"slices"
	"testing"

	"keysync/internal/testdb"
	keysync "keysync/sync"
	"keysync/sync/central"
	"keysync/sync/number"
)

func TestStore_AssignNewPersons(t *testing.T) {
	t.Parallel()
	f := mustStore(t)
	out := f.mustAssign(t, cands(account(1), account(2), account(3))...)

	hhs, pes := map[string]bool{}, map[string]bool{}
	for i, o := range out {
		if got, want := o.Action, keysync.ActionNew; got != want {
			t.Fatalf("account %d: Action=%v, want %v", o.Account.ID, got, want)
		}
		// Consecutive from the configured start, in candidate order.
		if got, want := o.Number, f.Number(t, numberStart+uint64(i)); got != want {
			t.Errorf("account %d: Number=%q, want %q", o.Account.ID, got, want)
		}
		if err := f.Num.Number.Validate(o.Number); err != nil {
			t.Errorf("account %d: Number %q does not validate: %v", o.Account.ID, o.Number, err)
		}
		if o.HH == "" || o.PE == "" || hhs[o.HH] || pes[o.PE] {
			t.Errorf("account %d: HH=%q PE=%q, want fresh, unique ids", o.Account.ID, o.HH, o.PE)
		}
		hhs[o.HH], pes[o.PE] = true, true
		if len(o.Conflicts) != 0 || o.Err != nil {
			t.Errorf("account %d: Conflicts=%v Err=%v, want none", o.Account.ID, o.Conflicts, o.Err)
		}
		if got, want := f.mustPerson(t, o.Number), (person{o.Number, o.HH, o.PE, "assigned"}); got != want {
			t.Errorf("persons row=%+v, want %+v", got, want)
		}
		if got := f.Linked(t, source, o.Account.ID); got != o.Number {
			t.Errorf("account %d linked to %q, want %q", o.Account.ID, got, o.Number)
		}
		if w, ok := o.Write(); !ok || w != (keysync.Write{ID: o.Account.ID, Number: o.Number, HH: o.HH, PE: o.PE}) {
			t.Errorf("account %d: Write=%+v, %v, want all three values", o.Account.ID, w, ok)
		}
	}
	if got, want := out[0].PE, "00007000"; got != want {
		t.Errorf("first PE=%q, want %q", got, want)
	}
	if got, want := out[0].HH, "0000500"; got != want {
		t.Errorf("first HH=%q, want %q", got, want)
	}
	for name, want := range map[string]uint64{"customer": numberStart + 3, "household": hhStart + 3, "person": peStart + 3} {
		if got := f.MustSequence(t, name); got != want {
			t.Errorf("sequence %s=%d, want %d", name, got, want)
		}
	}
	for table, want := range map[string]int{"persons": 3, "accounts": 3, "households": 3, "conflicts": 0} {
		if got := f.MustCount(t, table, ""); got != want {
			t.Errorf("%s rows=%d, want %d", table, got, want)
		}
	}
	if got, want := f.MustCount(t, "events", "kind = 'assigned' AND source = ?", source), 3; got != want {
		t.Errorf("assigned events=%d, want %d", got, want)
	}
}

func TestStore_AssignAdoptsNumber(t *testing.T) {
	t.Parallel()
	f := mustStore(t)
	typed := f.Number(t, 5000)
	letter := f.Number(t, 5001)
	out := f.mustAssign(t, cands(
		account(1, func(a *keysync.Account) { a.Number = typed }),
		// Not confirmed yet, but the number in the row is adopted all the same.
		account(2, func(a *keysync.Account) { a.Number = letter; a.Active = false }),
	)...)

	for i, want := range []string{typed, letter} {
		o := out[i]
		if o.Action != keysync.ActionAdopt || o.Number != want {
			t.Errorf("account %d: Action=%v Number=%q, want adopt %q", o.Account.ID, o.Action, o.Number, want)
		}
		if got := f.mustPerson(t, want).Origin; got != "adopted" {
			t.Errorf("person %s origin=%q, want adopted", want, got)
		}
		if got := f.Linked(t, source, o.Account.ID); got != want {
			t.Errorf("account %d linked to %q, want %q", o.Account.ID, got, want)
		}
		// The number is already in the row; only the Wibisoft ids go there.
		if w, ok := o.Write(); !ok || w.Number != "" || w.HH != o.HH || w.PE != o.PE {
			t.Errorf("account %d: Write=%+v, %v, want the ids only", o.Account.ID, w, ok)
		}
	}
	if got, want := f.MustCount(t, "accounts", "account_id = 2 AND status = 'inactive'"), 1; got != want {
		t.Errorf("inactive accounts=%d, want %d", got, want)
	}
	if got, want := f.MustSequence(t, "customer"), uint64(numberStart); got != want {
		t.Errorf("customer sequence=%d, want %d: adoption allocates nothing", got, want)
	}
}

func TestStore_AllocatorSkipsAdoptedNumbers(t *testing.T) {
	t.Parallel()
	for _, sameBatch := range []bool{false, true} {
		name := "separate batches"
		if sameBatch {
			name = "same batch"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			f := mustStore(t)
			// The number the third allocation would produce.
			third := f.Number(t, numberStart+2)
			adopter := account(100, func(a *keysync.Account) { a.Number = third })
			news := []keysync.Account{account(1), account(2), account(3), account(4), account(5)}

			var out []keysync.Outcome
			if sameBatch {
				out = f.mustAssign(t, cands(append([]keysync.Account{adopter}, news...)...)...)
			} else {
				out = append(f.mustAssign(t, cand(adopter)), f.mustAssign(t, cands(news...)...)...)
			}
			if out[0].Action != keysync.ActionAdopt || out[0].Number != third {
				t.Fatalf("adopter: Action=%v Number=%q, want adopt %q", out[0].Action, out[0].Number, third)
			}
			var got []string
			for _, o := range out[1:] {
				if o.Action != keysync.ActionNew {
					t.Fatalf("account %d: Action=%v, want new", o.Account.ID, o.Action)
				}
				got = append(got, o.Number)
			}
			want := []string{f.Number(t, numberStart), f.Number(t, numberStart+1), f.Number(t, numberStart+3), f.Number(t, numberStart+4), f.Number(t, numberStart+5)}
			if !slices.Equal(got, want) {
				t.Errorf("new numbers=%q, want %q (skipping the adopted %q)", got, want, third)
			}
			if got, want := f.MustCount(t, "persons", ""), 6; got != want {
				t.Errorf("persons=%d, want %d", got, want)
			}
			if got, want := f.MustCount(t, "(SELECT number FROM accounts GROUP BY number HAVING COUNT(*) > 1) d", ""), 0; got != want {
				t.Errorf("numbers linked to more than one account=%d, want %d", got, want)
			}
			if got, want := f.MustSequence(t, "customer"), uint64(numberStart+6); got != want {
				t.Errorf("customer sequence=%d, want %d", got, want)
			}
		})
	}
}

func TestStore_AssignInvalidNumber(t *testing.T) {
	t.Parallel()
	f := mustStore(t)
	good := f.Number(t, 1234)
	wrongCheck := good[:len(good)-1] + string('0'+(good[len(good)-1]-'0'+1)%10)
	out := f.mustAssign(t, cands(
		account(1, func(a *keysync.Account) { a.Number = wrongCheck }),
		account(2, func(a *keysync.Account) { a.Number = "AB-12" }),
	)...)

	for i, o := range out {
		if got, want := o.Action, keysync.ActionConflict; got != want {
			t.Errorf("account %d: Action=%v, want %v", o.Account.ID, got, want)
		}
		if got, want := conflictKinds(o), []keysync.ConflictKind{keysync.ConflictInvalidNumber}; !slices.Equal(got, want) {
			t.Errorf("account %d: conflicts=%v, want %v", o.Account.ID, got, want)
		}
		if o.Number != "" || o.Conflicts[0].Known {
			t.Errorf("account %d: Number=%q Known=%v, want no number, a new conflict", o.Account.ID, o.Number, o.Conflicts[0].Known)
		}
		if _, ok := o.Write(); ok {
			t.Errorf("account %d: a conflict writes something back", o.Account.ID)
		}
		if got, want := o.Conflicts[0].Value, []string{wrongCheck, "AB-12"}[i]; got != want {
			t.Errorf("account %d: conflict value=%q, want %q", o.Account.ID, got, want)
		}
	}
	for table, want := range map[string]int{"persons": 0, "accounts": 0, "households": 0, "conflicts": 2} {
		if got := f.MustCount(t, table, ""); got != want {
			t.Errorf("%s rows=%d, want %d", table, got, want)
		}
	}
	if got, want := f.MustCount(t, "conflicts", "kind = 'invalid_number' AND status = 'open' AND source = ? AND account_id = 1 AND value = ?", source, wrongCheck), 1; got != want {
		t.Errorf("stored invalid_number conflicts of account 1=%d, want %d", got, want)
	}
	if got, want := f.MustSequence(t, "customer"), uint64(numberStart); got != want {
		t.Errorf("customer sequence=%d, want %d", got, want)
	}
}

func TestStore_AssignNumberInSecondRow(t *testing.T) {
	t.Parallel()
	f := mustStore(t)
	anna := account(1, func(a *keysync.Account) { a.FirstName, a.LastName = "Anna", "Gruber" })
	n := f.mustAssign(t, cand(anna))[0].Number

	out := f.mustAssign(t, cands(
		// Another person typed Anna's number.
		account(2, func(a *keysync.Account) { a.FirstName, a.LastName, a.Number = "Berta", "Huber", n }),
		// Anna herself, registered again under another address.
		account(3, func(a *keysync.Account) { a.FirstName, a.LastName, a.Number = "Anna", "Gruber", n }),
	)...)

	taken := out[0]
	if taken.Action != keysync.ActionConflict || !slices.Equal(conflictKinds(taken), []keysync.ConflictKind{keysync.ConflictNumberTaken}) {
		t.Fatalf("other person: Action=%v conflicts=%v, want a number_taken conflict", taken.Action, conflictKinds(taken))
	}
	if got, want := taken.Conflicts[0].Number, n; got != want {
		t.Errorf("number_taken names number %q, want %q", got, want)
	}
	if got := f.Linked(t, source, 2); got != "" {
		t.Errorf("account 2 linked to %q, want no link", got)
	}

	same := out[1]
	if same.Action != keysync.ActionLink || same.Number != n || len(same.Conflicts) != 0 {
		t.Fatalf("same person: Action=%v Number=%q conflicts=%v, want link to %q", same.Action, same.Number, conflictKinds(same), n)
	}
	if got := f.Linked(t, source, 3); got != n {
		t.Errorf("account 3 linked to %q, want %q", got, n)
	}
	if got, want := f.MustCount(t, "persons", ""), 1; got != want {
		t.Errorf("persons=%d, want %d", got, want)
	}
	if got, want := f.MustCount(t, "events", "kind = 'linked' AND account_id = 3 AND number = ?", n), 1; got != want {
		t.Errorf("linked events=%d, want %d", got, want)
	}
}

func TestStore_AssignKeepsLinked(t *testing.T) {
	t.Parallel()
	f := mustStore(t)
	first := f.mustAssign(t, cand(account(1)))[0]
	events := f.MustCount(t, "events", "")

	again := f.mustAssign(t, cand(account(1)))[0]
	if again.Action != keysync.ActionKeep || again.Number != first.Number || again.HH != first.HH || again.PE != first.PE {
		t.Fatalf("second Assign=%v %q %q %q, want keep %q %q %q", again.Action, again.Number, again.HH, again.PE, first.Number, first.HH, first.PE)
	}
	if w, ok := again.Write(); !ok || w.Number != first.Number {
		t.Errorf("Write=%+v, %v: a kept account whose row is still empty is written again", w, ok)
	}
	written := account(1, func(a *keysync.Account) { a.Number, a.HH, a.PE = first.Number, first.HH, first.PE })
	if w, ok := f.mustAssign(t, cand(written))[0].Write(); ok {
		t.Errorf("Write=%+v for a complete row, want nothing", w)
	}

	// A row that now carries another number keeps its person and reports it.
	edited := account(1, func(a *keysync.Account) { a.Number = f.Number(t, 4711) })
	o := f.mustAssign(t, cand(edited))[0]
	if o.Action != keysync.ActionKeep || o.Number != first.Number || !slices.Equal(conflictKinds(o), []keysync.ConflictKind{keysync.ConflictNumberMismatch}) {
		t.Errorf("edited row: Action=%v Number=%q conflicts=%v, want keep %q with number_mismatch", o.Action, o.Number, conflictKinds(o), first.Number)
	}

	if got, want := f.MustCount(t, "persons", ""), 1; got != want {
		t.Errorf("persons=%d, want %d", got, want)
	}
	if got, want := f.MustCount(t, "events", "kind <> 'conflict'"), events; got != want {
		t.Errorf("events other than conflicts=%d, want %d: keeping changes nothing", got, want)
	}
	if got, want := f.MustSequence(t, "customer"), uint64(numberStart+1); got != want {
		t.Errorf("customer sequence=%d, want %d", got, want)
	}
}

func TestStore_AssignDryRun(t *testing.T) {
	t.Parallel()
	f := mustStore(t)
	batch := cands(account(1), account(2), account(3, func(a *keysync.Account) { a.Number = "nonsense" }))

	dry, err := f.Store.Assign(t.Context(), source, batch, true)
	if err != nil {
		t.Fatalf("dry Assign: %v", err)
	}
	if dry[0].Number != f.Number(t, numberStart) || dry[2].Action != keysync.ActionConflict {
		t.Errorf("dry outcomes=%+v, want the decisions a real run makes", dry)
	}
	for table, want := range map[string]int{"persons": 0, "accounts": 0, "households": 0, "events": 0, "conflicts": 0} {
		if got := f.MustCount(t, table, ""); got != want {
			t.Errorf("%s rows after a dry run=%d, want %d", table, got, want)
		}
	}
	for name, want := range map[string]uint64{"customer": numberStart, "household": hhStart, "person": peStart} {
		if got := f.MustSequence(t, name); got != want {
			t.Errorf("sequence %s after a dry run=%d, want %d", name, got, want)
		}
	}

	// The real run hands out the very numbers the dry run showed.
	real := f.mustAssign(t, batch...)
	for i := range real {
		if real[i].Number != dry[i].Number || real[i].Action != dry[i].Action {
			t.Errorf("account %d: real %v %q, dry %v %q", real[i].Account.ID, real[i].Action, real[i].Number, dry[i].Action, dry[i].Number)
		}
	}
}

func TestStore_AssignExhausted(t *testing.T) {
	t.Parallel()
	num := numbering(t)
	num.Number, num.NumberStart = testdb.MustTemplate(t, "{seq:2}{check}"), 98
	f := mustCentral(t, num)
	if _, err := f.Store.Migrate(t.Context()); err != nil {
		t.Fatalf("Migrate: %v", err)
	}

	_, err := f.Store.Assign(t.Context(), source, cands(account(1), account(2), account(3)), false)
	if !errors.Is(err, central.ErrExhausted) {
		t.Fatalf("Assign of three with two numbers left=%v, want ErrExhausted", err)
	}
	for table, want := range map[string]int{"persons": 0, "accounts": 0, "households": 0, "events": 0} {
		if got := f.MustCount(t, table, ""); got != want {
			t.Errorf("%s rows after the failed batch=%d, want %d", table, got, want)
		}
	}
	if got, want := f.MustSequence(t, "customer"), uint64(98); got != want {
		t.Errorf("customer sequence=%d, want %d", got, want)
	}

	out := f.mustAssign(t, cands(account(1), account(2))...)
	if got, want := []string{out[0].Number, out[1].Number}, []string{f.Number(t, 98), f.Number(t, 99)}; !slices.Equal(got, want) {
		t.Errorf("last numbers=%q, want %q", got, want)
	}
	if _, err := f.Store.Assign(t.Context(), source, cands(account(3)), false); !errors.Is(err, central.ErrExhausted) {
		t.Errorf("Assign after the last number=%v, want ErrExhausted", err)
	}
}

func TestStore_AssignSkipsUnformattableRow(t *testing.T) {
	t.Parallel()
	num := numbering(t)
	num.Number = testdb.MustTemplate(t, "{country}{seq:7}{check}")
	f := mustCentral(t, num)
	if _, err := f.Store.Migrate(t.Context()); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	nowhere := account(2)
	batch := []keysync.Candidate{
		cand(account(1)),
		// No country in the row and none configured for the portal.
		{Account: nowhere, Profile: keysync.NewProfile(nowhere, "")},
		cand(account(3)),
	}
	out := f.mustAssign(t, batch...)
	if out[1].Action != keysync.ActionSkip || !errors.Is(out[1].Err, number.ErrCountry) {
		t.Errorf("row without country: Action=%v Err=%v, want skip with ErrCountry", out[1].Action, out[1].Err)
	}
	at := func(seq uint64) string {
		s, err := num.Number.Format(seq, "AT")
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	if got, want := []string{out[0].Number, out[2].Number}, []string{at(numberStart), at(numberStart + 1)}; !slices.Equal(got, want) {
		t.Errorf("numbers around the skipped row=%q, want %q", got, want)
	}
	if got, want := f.MustCount(t, "accounts", ""), 2; got != want {
		t.Errorf("accounts=%d, want %d", got, want)
	}
}

func TestStore_ConflictsStoredOnce(t *testing.T) {
	t.Parallel()
	f := mustStore(t)
	bad := account(1, func(a *keysync.Account) { a.Number = "12345" })
	for i, wantKnown := range []bool{false, true, true} {
		o := f.mustAssign(t, cand(bad))[0]
		if len(o.Conflicts) != 1 || o.Conflicts[0].Known != wantKnown {
			t.Fatalf("Assign %d: conflicts=%+v, want one with Known=%v", i, o.Conflicts, wantKnown)
		}
	}
	if got, want := f.MustCount(t, "conflicts", ""), 1; got != want {
		t.Errorf("stored conflicts=%d, want %d", got, want)
	}
	if got, want := f.MustCount(t, "events", "kind = 'conflict'"), 1; got != want {
		t.Errorf("conflict events=%d, want %d", got, want)
	}

	// Another value in the same row is a new finding.
	other := account(1, func(a *keysync.Account) { a.Number = "54321" })
	if o := f.mustAssign(t, cand(other))[0]; o.Conflicts[0].Known {
		t.Errorf("conflict about another value is Known")
	}

	wb := keysync.Conflict{Kind: keysync.ConflictWriteBack, Source: source, AccountID: 9, Value: "ADMIN-1", Number: f.Number(t, 1), Detail: "filled by someone else"}
	got, err := f.Store.RecordConflicts(t.Context(), []keysync.Conflict{wb, wb})
	if err != nil {
		t.Fatalf("RecordConflicts: %v", err)
	}
	if want := []keysync.RecordedConflict{{Conflict: wb}, {Conflict: wb}}; !reflect.DeepEqual(got, want) {
		t.Errorf("RecordConflicts=%+v, want %+v", got, want)
	}
	got, err = f.Store.RecordConflicts(t.Context(), []keysync.Conflict{wb})
	if err != nil {
		t.Fatalf("RecordConflicts: %v", err)
	}
	if want := []keysync.RecordedConflict{{Conflict: wb, Known: true}}; !reflect.DeepEqual(got, want) {
		t.Errorf("second RecordConflicts=%+v, want %+v", got, want)
	}
	if got, want := f.MustCount(t, "conflicts", "kind = 'writeback_mismatch'"), 1; got != want {
		t.Errorf("stored writeback_mismatch conflicts=%d, want %d", got, want)
	}
}

func TestStore_AssignHouseholds(t *testing.T) {
	t.Parallel()
	f := mustStore(t)
	at := func(id uint64, first, last, street string) keysync.Account {
		return account(id, func(a *keysync.Account) {
			a.FirstName, a.LastName, a.Street, a.Zip, a.City, a.Country = first, last, street, "1010", "Wien", "Österreich"
		})
	}
	first := f.mustAssign(t, cands(
		at(1, "Anna", "Müller", "Hauptstraße 10/4/15"),
		// Same dwelling and surname, written differently, same batch.
		at(2, "Fritz", "Mueller", "Hauptstr. 10 Stg. 4 / Top 15"),
	)...)
	second := f.mustAssign(t, cands(
		at(3, "Karl", "Müller", "Hauptstr. 10 Stiege 4 Top 15"),
		at(4, "Eva", "Müller", "Hauptstraße 10/4/16"),
		at(5, "Otto", "Huber", "Hauptstraße 10/4/15"),
	)...)

	hh := first[0].HH
	for _, o := range []keysync.Outcome{first[1], second[0]} {
		if o.HH != hh {
			t.Errorf("account %d: HH=%q, want the household %q of the same dwelling and surname", o.Account.ID, o.HH, hh)
		}
	}
	for _, o := range second[1:] {
		if o.HH == hh {
			t.Errorf("account %d: HH=%q joined a household of another Top or surname", o.Account.ID, o.HH)
		}
	}
	pes := map[string]bool{}
	for _, o := range append(first, second...) {
		if o.Action != keysync.ActionNew || pes[o.PE] {
			t.Errorf("account %d: Action=%v PE=%q, want a new person with an own PE", o.Account.ID, o.Action, o.PE)
		}
		pes[o.PE] = true
	}
	if got, want := f.MustCount(t, "households", ""), 3; got != want {
		t.Errorf("households=%d, want %d", got, want)
	}
	if got, want := f.MustCount(t, "persons", "hh_id = ?", hh), 3; got != want {
		t.Errorf("persons in household %s=%d, want %d", hh, got, want)
	}
}

func TestStore_AssignAdoptsWibisoftIDs(t *testing.T) {
	t.Parallel()
	f := mustStore(t)
	// Wibisoft numbered this person already; its PE lies in the range the
	// PE sequence is about to hand out.
	known := account(1, func(a *keysync.Account) { a.HH, a.PE = "0000042", "00007001" })
	out := f.mustAssign(t, cand(known))[0]
	if out.Action != keysync.ActionNew || out.HH != "0000042" || out.PE != "00007001" {
		t.Fatalf("Action=%v HH=%q PE=%q, want new with the row's ids", out.Action, out.HH, out.PE)
	}
	if got, want := f.mustPerson(t, out.Number), (person{out.Number, "0000042", "00007001", "assigned"}); got != want {
		t.Errorf("persons row=%+v, want %+v", got, want)
	}
	if got, want := f.MustCount(t, "households", "hh_id = '0000042'"), 1; got != want {
		t.Errorf("households row of the adopted id=%d, want %d", got, want)
	}
	if got, want := f.MustCount(t, "reserved", "seq_name = 'household' AND value = 42"), 1; got != want {
		t.Errorf("households row of the adopted id=%d, want %d", got, want)
	}
	if w, ok := out.Write(); !ok || w != (keysync.Write{ID: 1, Number: out.Number}) {
		t.Errorf("Write=%+v, %v, want the number only", w, ok)
	}

	next := f.mustAssign(t, cands(
		// Copied the PE of account 1.
		account(2, func(a *keysync.Account) { a.PE = "00007001" }),
		// Same household id as account 1.
		account(3, func(a *keysync.Account) { a.HH = "0000042" }),
		account(4),
	)...)
	taken := next[0]
	if !slices.Equal(conflictKinds(taken), []keysync.ConflictKind{keysync.ConflictPETaken}) || taken.Conflicts[0].Number != out.Number {
		t.Errorf("copied PE: conflicts=%+v, want pe_taken naming %q", taken.Conflicts, out.Number)
	}
	if taken.Action != keysync.ActionNew || taken.PE == "00007001" || taken.PE == "" {
		t.Errorf("copied PE: Action=%v PE=%q, want a new person with its own PE", taken.Action, taken.PE)
	}
	if next[1].HH != "0000042" {
		t.Errorf("row with a known HH: HH=%q, want 0000042", next[1].HH)
	}
	var got []string
	for _, o := range next {
		got = append(got, o.PE)
	}
	if want := []string{"00007000", "00007002", "00007003"}; !slices.Equal(got, want) {
		t.Errorf("allocated PEs=%q, want %q (skipping the adopted 00007001)", got, want)
	}
	if got, want := f.MustCount(t, "households", "hh_id = '0000042'"), 1; got != want {
		t.Errorf("households rows of 0000042=%d, want %d", got, want)
	}
}

func TestStore_Written(t *testing.T) {
	t.Parallel()
	f := mustStore(t)
	out := f.mustAssign(t, cands(account(1), account(2))...)
	if err := f.Store.Written(t.Context(), source, out[:1]); err != nil {
		t.Fatalf("Written: %v", err)
	}
	if got, want := f.MustCount(t, "accounts", "written_at IS NOT NULL"), 1; got != want {
		t.Errorf("accounts marked written=%d, want %d", got, want)
	}
	if got, want := f.MustCount(t, "events", "kind = 'written' AND account_id = 1 AND new_value = ?", out[0].Number), 1; got != want {
		t.Errorf("written events=%d, want %d", got, want)
	}
	if err := f.Store.Written(t.Context(), source, nil); err != nil {
		t.Errorf("Written(nil): %v", err)
	}
}

func TestStore_AssignSharedEmail(t *testing.T) {
	t.Parallel()
	for _, sameBatch := range []bool{false, true} {
		name := "separate batches"
		if sameBatch {
			name = "same batch"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			f := mustStore(t)
			hans := account(1, func(a *keysync.Account) {
				a.FirstName, a.LastName, a.Email = "Hans", "Müller", "hans.mueller@example.at"
				a.Street, a.Zip, a.City = "Hauptstraße 10/4/15", "1010", "Wien"
			})
			// Hans's mailbox, another first name, no address given.
			maria := account(2, func(a *keysync.Account) {
				a.FirstName, a.LastName, a.Email = "Maria", "Müller", "Hans.Mueller@example.at"
			})
			// Same mailbox and the same person by name (Johann is Hans).
			johann := account(3, func(a *keysync.Account) {
				a.FirstName, a.LastName, a.Email = "Johann", "Mueller", "hans.mueller@example.at"
			})
			var out []keysync.Outcome
			if sameBatch {
				out = f.mustAssign(t, cands(hans, maria, johann)...)
			} else {
				out = append(f.mustAssign(t, cand(hans)), f.mustAssign(t, cands(maria, johann)...)...)
			}

			h, m, j := out[0], out[1], out[2]
			if m.Action != keysync.ActionNew || m.Number == h.Number || m.HH != h.HH || m.PE == h.PE {
				t.Errorf("Maria: Action=%v Number=%q HH=%q PE=%q, want a new number in Hans's household %q", m.Action, m.Number, m.HH, m.PE, h.HH)
			}
			if got, want := conflictKinds(m), []keysync.ConflictKind{keysync.ConflictSharedEmail}; !slices.Equal(got, want) {
				t.Errorf("Maria: conflicts=%v, want %v", got, want)
			}
			if j.Action != keysync.ActionLink || j.Number != h.Number {
				t.Errorf("Johann: Action=%v Number=%q, want a link to Hans's %q", j.Action, j.Number, h.Number)
			}
			if got, want := f.MustCount(t, "households", ""), 1; got != want {
				t.Errorf("households=%d, want %d", got, want)
			}
		})
	}
}

// TestStore_AssignAdopterAfterAllocation: a row later in a batch that
// carries a free number keeps it; the allocator skips it for the new
// persons before it, and no number is handed out twice.
func TestStore_AssignAdopterAfterAllocation(t *testing.T) {
	t.Parallel()
	f := mustStore(t)
	third := f.Number(t, numberStart+2)
	out := f.mustAssign(t, cands(account(1), account(2), account(3), account(100, func(a *keysync.Account) { a.Number = third }))...)

	if got := out[2].Number; got == third || got != f.Number(t, numberStart+3) {
		t.Fatalf("third new number=%q, want the next free one after %q", got, third)
	}
	adopter := out[3]
	if adopter.Action != keysync.ActionAdopt || adopter.Number != third || len(adopter.Conflicts) != 0 {
		t.Errorf("adopter: Action=%v number=%q conflicts=%v, want it to adopt %q", adopter.Action, adopter.Number, conflictKinds(adopter), third)
	}
	if got, want := f.MustCount(t, "accounts", "number = ?", third), 1; got != want {
		t.Errorf("accounts holding %s=%d, want %d", third, got, want)
	}
}

// TestStore_AssignObserved: a committed Assign reports where its time went,
// for the bench; a dry run commits nothing and reports nothing.
func TestStore_AssignObserved(t *testing.T) {
	t.Parallel()
	f := mustStore(t)
	var seen []central.AssignStats
	f.Store.Observe = func(st central.AssignStats) { seen = append(seen, st) }
	f.mustAssign(t, cand(account(1)))
	if _, err := f.Store.Assign(t.Context(), source, cands(account(2), account(3)), true); err != nil {
		t.Fatal(err)
	}
	f.mustAssign(t, cands(account(2), account(3))...)
	if len(seen) != 2 {
		t.Fatalf("observed %d transactions, want 2 (the dry run is not one)", len(seen))
	}
	st := seen[1]
	if st.Accounts != 2 || st.Candidates != 1 || st.Facts <= 0 || st.Write <= 0 || st.Commit <= 0 {
		t.Errorf("second batch: %+v, want 2 accounts, the first account as fuzzy candidate, and time in each step", st)
	}
}
