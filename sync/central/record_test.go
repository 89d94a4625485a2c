package central_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"keysync/internal/testdb"
	keysync "keysync/sync"
	"keysync/sync/central"
)

// recordFixture is a person with an account on amicas and one on club, and
// helpers to read its record and history.
type recordFixture struct {
	*fixture
	number string
}

// at is the portal's time of a change: minutes after now.
func at(minutes int) time.Time { return now.Add(time.Duration(minutes) * time.Minute) }

func erika(source string, id uint64, changed time.Time, edit ...func(*keysync.Account)) keysync.Account {
	a := account(id, func(a *keysync.Account) {
		a.Source, a.FirstName, a.LastName, a.Email, a.Changed = source, "Erika", "Muster", "erika.muster@example.at", changed
	})
	for _, e := range edit {
		e(&a)
	}
	return a
}

func (f *fixture) assignIn(tb testing.TB, source string, accts ...keysync.Account) []keysync.Outcome {
	tb.Helper()
	out, err := f.Store.Assign(tb.Context(), source, cands(accts...), false)
	if err != nil {
		tb.Fatalf("Assign on %s: %v", source, err)
	}
	return out
}

func (f *fixture) mustRecord(tb testing.TB, number string) central.PersonView {
	tb.Helper()
	p, err := f.Store.Person(tb.Context(), number)
	if err != nil {
		tb.Fatal(err)
	}
	return p
}

// want checks one field of the record: its value and the account it came
// from.
func (r *recordFixture) want(tb testing.TB, field keysync.Field, value, account string) {
	tb.Helper()
	p := r.mustRecord(tb, r.number)
	for _, v := range p.Record {
		if v.Field == field {
			if v.Value != value || v.Account != account {
				tb.Errorf("%s = %q from %q, want %q from %q", field, v.Value, v.Account, value, account)
			}
			return
		}
	}
	if value != "" {
		tb.Errorf("%s missing from the record %+v, want %q from %q", field, p.Record, value, account)
	}
}

func phone(v string) func(*keysync.Account) { return func(a *keysync.Account) { a.Phone = v } }
func city(v string) func(*keysync.Account)  { return func(a *keysync.Account) { a.City = v } }

// TestRecord_MostRecentChangeWins: when a person's accounts disagree, the
// most recent change wins field by field, by the portal's time of the
// change, whatever order keysync reads them in; an empty value in one
// account never erases the other's; a value emptied where it came from
// falls back to the other account's, or is a change to empty where it was
// the only one. Every change of the person's value is history; the first
// values of a new person are not.
func TestRecord_MostRecentChangeWins(t *testing.T) {
	t.Parallel()
	r := &recordFixture{fixture: mustStore(t)}
	out := r.assignIn(t, "amicas", erika("amicas", 1, at(0), phone("0664 1111111"), city("Wien")))
	r.number = out[0].Number
	// club: the same e-mail and names link her; no phone there, and she
	// gave another town later.
	if o := r.assignIn(t, "club", erika("club", 2, at(10), city("Graz")))[0]; o.Action != keysync.ActionLink || o.Number != r.number {
		t.Fatalf("club account: %v %s, want linked to %s", o.Action, o.Number, r.number)
	}
	r.want(t, keysync.FieldPhone, "0664 1111111", "amicas:1")
	r.want(t, keysync.FieldCity, "Graz", "club:2")

	// amicas changes the town later; then club's older change is read
	// after it: the later one stays.
	r.assignIn(t, "amicas", erika("amicas", 1, at(20), phone("0664 1111111"), city("Linz")))
	r.assignIn(t, "club", erika("club", 2, at(15), city("Salzburg")))
	r.want(t, keysync.FieldCity, "Linz", "amicas:1")

	// amicas empties the phone, the only one: a change to empty.
	r.assignIn(t, "amicas", erika("amicas", 1, at(30), city("Linz")))
	r.want(t, keysync.FieldPhone, "", "amicas:1")
	// Both get a phone, club's later; club empties it: amicas's comes back.
	r.assignIn(t, "amicas", erika("amicas", 1, at(40), city("Linz"), phone("111")))
	r.assignIn(t, "club", erika("club", 2, at(50), city("Salzburg"), phone("222")))
	r.want(t, keysync.FieldPhone, "222", "club:2")
	r.assignIn(t, "club", erika("club", 2, at(60), city("Salzburg")))
	r.want(t, keysync.FieldPhone, "111", "amicas:1")
	// An account reading the same values again changes nothing.
	r.assignIn(t, "club", erika("club", 2, at(70), city("Salzburg")))

	p := r.mustRecord(t, r.number)
	h, err := r.Store.FieldHistory(t.Context(), p)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for i := len(h) - 1; i >= 0; i-- {
		c := h[i]
		got = append(got, string(c.Field)+": "+c.Old+" -> "+c.New+" ("+c.Account+" "+c.Changed.Format("15:04")+")")
	}
	want := []string{
		"city: Wien -> Graz (club:2 12:10)",
		"city: Graz -> Linz (amicas:1 12:20)",
		"phone: 0664 1111111 ->  (amicas:1 12:30)",
		"phone:  -> 111 (amicas:1 12:40)",
		"phone: 111 -> 222 (club:2 12:50)",
		"phone: 222 -> 111 (amicas:1 13:00)",
	}
	if !slices.Equal(got, want) {
		t.Errorf("history, oldest first:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestRecord_KeepsMatchingColumns: a changed e-mail address reaches the
// person's and the account's columns that matching reads, so the next
// registration with the new address finds the person.
func TestRecord_KeepsMatchingColumns(t *testing.T) {
	t.Parallel()
	f := mustStore(t)
	num := f.assignIn(t, "amicas", erika("amicas", 1, at(0)))[0].Number
	f.assignIn(t, "amicas", erika("amicas", 1, at(5), func(a *keysync.Account) { a.Email = "Erika.Neu@Example.at"; a.BirthDate = "1970-01-02" }))
	var email, norm, birth, accountNorm string
	if err := f.DB.QueryRowContext(t.Context(), "SELECT p.email, p.email_norm, p.birth_date, a.email_norm FROM persons p JOIN accounts a ON a.number = p.number WHERE p.number = ?", num).
		Scan(&email, &norm, &birth, &accountNorm); err != nil {
		t.Fatal(err)
	}
	if email != "Erika.Neu@Example.at" || norm != "erika.neu@example.at" || accountNorm != norm || birth != "1970-01-02" {
		t.Errorf("person %q %q %q, account %q", email, norm, birth, accountNorm)
	}
	o := f.assignIn(t, "club", erika("club", 9, at(9), func(a *keysync.Account) { a.Email = "erika.neu@example.at"; a.BirthDate = "1970-01-02" }))[0]
	if o.Action != keysync.ActionLink || o.Number != num {
		t.Errorf("a registration with the new address: %v %s, want linked to %s", o.Action, o.Number, num)
	}
}

// TestRecord_StatusAndMemberships: memberships list each portal's groups
// of the accounts that are not deleted; an account read as deleted moves
// to deleted, with its event, and its groups leave the record.
func TestRecord_StatusAndMemberships(t *testing.T) {
	t.Parallel()
	r := &recordFixture{fixture: mustStore(t)}
	groups := func(g ...string) func(*keysync.Account) { return func(a *keysync.Account) { a.Groups = g } }
	r.number = r.assignIn(t, "amicas", erika("amicas", 1, at(0), groups("Premium", "Vorstand")))[0].Number
	r.assignIn(t, "club", erika("club", 2, at(1), groups("Mitglieder")))
	r.want(t, keysync.FieldMemberships, "amicas: Premium, Vorstand; club: Mitglieder", "club:2")

	r.assignIn(t, "amicas", erika("amicas", 1, at(2), groups("Premium", "Vorstand"), func(a *keysync.Account) { a.Active, a.Deleted = false, true }))
	r.want(t, keysync.FieldMemberships, "club: Mitglieder", "amicas:1")
	if got := r.MustCount(t, "accounts", "source = 'amicas' AND status = 'deleted' AND deleted_at IS NOT NULL"); got != 1 {
		t.Errorf("amicas:1 not marked deleted")
	}
	if got := r.MustCount(t, "events", "kind = 'account_deleted' AND source = 'amicas'"); got != 1 {
		t.Errorf("%d account_deleted events, want 1", got)
	}
}

// TestRecord_FirstReadAfterUpgrade: an account linked before schema
// version 6 has no stored hash and its person no record: the first read
// seeds the record and sets where each value comes from, and records no
// history, not even for the values the old columns did not keep.
func TestRecord_FirstReadAfterUpgrade(t *testing.T) {
	t.Parallel()
	r := &recordFixture{fixture: mustStore(t)}
	r.number = r.assignIn(t, "amicas", erika("amicas", 1, at(0)))[0].Number
	testdb.MustExec(t, r.DB, "UPDATE accounts SET data_hash = NULL, data_changed_at = NULL")
	testdb.MustExec(t, r.DB, "UPDATE persons SET record = NULL")
	r.want(t, keysync.FieldFirstName, "Erika", "")

	r.assignIn(t, "amicas", erika("amicas", 1, at(5), phone("0664 2")))
	r.want(t, keysync.FieldFirstName, "Erika", "amicas:1")
	r.want(t, keysync.FieldPhone, "0664 2", "amicas:1")
	if n := r.MustCount(t, "field_changes", ""); n != 0 {
		t.Errorf("%d history rows for the first read after the upgrade, want none", n)
	}
	r.assignIn(t, "amicas", erika("amicas", 1, at(6), phone("0664 3")))
	if n := r.MustCount(t, "field_changes", "field = 'phone'"); n != 1 {
		t.Errorf("%d history rows for a change after it, want 1", n)
	}
}

// TestRecord_Merge: a merge gives the survivor, field by field, the more
// recent of the two values, and its history says so in the admin's name;
// the retired person's record stays as it was.
func TestRecord_Merge(t *testing.T) {
	t.Parallel()
	f := mustStore(t)
	first, second, id := sharedMailbox(t, f)
	f.mustAssign(t, cands(
		account(1, func(a *keysync.Account) {
			a.Email, a.FirstName, a.LastName, a.City, a.Changed = "familie@example.at", "Anna", "Gruber", "Wien", at(10)
		}),
		account(2, func(a *keysync.Account) {
			a.Email, a.FirstName, a.LastName, a.City, a.Phone, a.Changed = "familie@example.at", "Franz", "Gruber", "Graz", "0664 9", at(20)
		}),
	)...)
	f.mustResolve(t, central.Resolution{ID: id, As: central.ResolveMerge, Into: first, By: "alice"})
	r := &recordFixture{fixture: f, number: first}
	r.want(t, keysync.FieldCity, "Graz", "amicas:2")
	r.want(t, keysync.FieldPhone, "0664 9", "amicas:2")
	// Both first names date from the numbering: the survivor's stays.
	r.want(t, keysync.FieldFirstName, "Anna", "amicas:1")
	p := f.mustRecord(t, first)
	h, err := f.Store.FieldHistory(t.Context(), p)
	if err != nil {
		t.Fatal(err)
	}
	byField := map[keysync.Field]central.FieldChange{}
	for _, c := range h {
		if _, seen := byField[c.Field]; !seen {
			byField[c.Field] = c // newest first
		}
	}
	if c := byField[keysync.FieldCity]; c.Old != "Wien" || c.New != "Graz" || c.Actor != "alice" {
		t.Errorf("merge history of city: %+v", c)
	}
	loser := f.mustRecord(t, second)
	if loser.Status != "retired" || loser.Value(keysync.FieldCity) != "Graz" || loser.Value(keysync.FieldFirstName) != "Franz" {
		t.Errorf("retired person's record changed: %+v", loser.Record)
	}
}
