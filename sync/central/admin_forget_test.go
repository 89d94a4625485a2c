package central_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"keysync/internal/centraltest"
	keysync "keysync/sync"
	"keysync/sync/central"
)

// member is a registration with every field keysync keeps, all values
// unique to it, so that a dump shows whether any of them is left.
func member(id uint64, edit ...func(*keysync.Account)) keysync.Account {
	return account(id, append([]func(*keysync.Account){func(a *keysync.Account) {
		a.Username, a.Email, a.FirstName, a.LastName = "zenzi", "zenzi.quappendorf@example.at", "Zenzi", "Quappendorf"
		a.Salutation, a.Title, a.BirthDate = "Frau", "Mag.", "1971-03-29"
		a.Street, a.Zip, a.City, a.Country = "Xaverigasse 17", "3950", "Gmünd", "AT"
		a.Phone, a.Mobile, a.Company, a.Groups = "+43 2852 998877", "+43 676 5544332", "Quappendorf KG", []string{"Premiumclub"}
	}}, edit...)...)
}

// memberValues are the values of member and of the edits the tests make.
var memberValues = []string{"zenzi", "Zenzi", "Quappendorf", "quappendorf", "ZENZI", "1971-03-29", "Xaverigasse", "3950", "Gmünd",
	"gmund", "2852", "998877", "5544332", "Premiumclub", "Mag.", "Zwettl", "3910", "Ottilie", "qupntrf"}

func deleted(a *keysync.Account) { a.Active, a.Deleted = false, true }

// wantNoValues fails when the dump of the central database holds a value
// of the forgotten member.
func wantNoValues(t *testing.T, f *fixture, when string) {
	t.Helper()
	dump := centraltest.Dump(t, f.DB)
	for _, v := range memberValues {
		for _, line := range strings.Split(dump, "\n") {
			if strings.Contains(strings.ToLower(line), strings.ToLower(v)) {
				t.Errorf("%s: the central database still holds %q: %s", when, v, line)
			}
		}
	}
}

// mustForgettable registers the member on two accounts and a second person
// that an admin merges into her (a shared mailbox resolved as a merge),
// moves her town on one account, deletes every account and returns her
// number and the merged one.
func mustForgettable(t *testing.T, f *fixture) (number, merged string) {
	t.Helper()
	out := f.mustAssign(t, cand(member(1)))
	number = out[0].Number
	later := now.Add(time.Hour)
	f.mustAssign(t, cand(member(2, func(a *keysync.Account) { a.City, a.Zip, a.Changed = "Zwettl", "3910", later })))
	out = f.mustAssign(t, cand(member(3, func(a *keysync.Account) { a.FirstName, a.Username = "Ottilie", "otti" })))
	merged = out[0].Number
	if merged == number || len(out[0].Conflicts) == 0 {
		t.Fatalf("the third registration got %s with conflicts %v, want a new number and a shared_email conflict", merged, conflictKinds(out[0]))
	}
	var id uint64
	if err := f.DB.QueryRowContext(t.Context(), "SELECT id FROM conflicts WHERE kind = 'shared_email'").Scan(&id); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Store.Resolve(t.Context(), central.Resolution{ID: id, As: central.ResolveMerge, Into: number, By: "admin", Note: "Zenzi and her sister"}); err != nil {
		t.Fatalf("Resolve: %v", err)
	}
	if got := f.MustCount(t, "field_changes", "number = ?", number); got == 0 {
		t.Fatal("no field history to forget")
	}
	f.mustAssign(t, cand(member(1, deleted)), cand(member(2, deleted, func(a *keysync.Account) { a.City, a.Zip = "Zwettl", "3910" })),
		cand(member(3, deleted, func(a *keysync.Account) { a.FirstName, a.Username = "Ottilie", "otti" })))
	return number, merged
}

// TestStore_ForgetRemovesEveryValue: after a forget, no table of the
// central database holds a value of the person or of the number merged
// into it; the numbers, the Wibisoft ids and the accounts with their status
// stay, with one history event.
func TestStore_ForgetRemovesEveryValue(t *testing.T) {
	t.Parallel()
	f := mustStore(t)
	number, merged := mustForgettable(t, f)
	before := f.mustPerson(t, number)

	dry, err := f.Store.Forget(t.Context(), central.Forgetting{Number: number, By: "dpo", DryRun: true})
	if err != nil || !dry.DryRun || dry.Events == 0 || dry.FieldChanges == 0 {
		t.Fatalf("dry run=%+v, %v, want counts and nothing changed", dry, err)
	}
	if f.MustCount(t, "persons", "first_name = 'Zenzi'") == 0 {
		t.Fatal("the dry run changed the person")
	}
	res, err := f.Store.Forget(t.Context(), central.Forgetting{Number: number, By: "dpo", Note: "request of 1 June"})
	if err != nil {
		t.Fatalf("Forget: %v", err)
	}
	if !slices.Equal(res.Merged, []string{merged}) || len(res.Accounts) != 3 {
		t.Errorf("Forget=%+v, want %s merged and three accounts kept", res, merged)
	}
	wantNoValues(t, f, "after the forget")

	if after := f.mustPerson(t, number); after != before {
		t.Errorf("person ids %+v, want %+v kept", after, before)
	}
	for n, status := range map[string]string{number: "forgotten", merged: "retired"} {
		if got := f.MustCount(t, "persons", "number = ? AND status = ? AND forgotten_at IS NOT NULL", n, status); got != 1 {
			t.Errorf("%s is not %s and forgotten", n, status)
		}
	}
	if got := f.MustCount(t, "accounts", "number = ? AND status = 'deleted' AND forgotten_at IS NOT NULL", number); got != 3 {
		t.Errorf("%d accounts kept as deleted, want 3", got)
	}
	if got := f.MustCount(t, "events", ""); got != 1 {
		t.Errorf("%d events left, want the one forgotten event", got)
	}
	if got := f.MustCount(t, "events", "kind = 'forgotten' AND number = ? AND actor = 'dpo' AND detail LIKE '%request of 1 June%'", number); got != 1 {
		t.Error("no forgotten event with the admin and the note")
	}
	if got := f.MustCount(t, "conflicts", "status = 'open'"); got != 0 {
		t.Errorf("%d conflicts left open", got)
	}
	centraltest.CheckSums(t, t.Context(), f.Store)
	centraltest.CheckOpenCounts(t, f.Store)

	_, err = f.Store.Forget(t.Context(), central.Forgetting{Number: number, By: "dpo"})
	if !errors.Is(err, central.ErrCannotForget) || !strings.Contains(err.Error(), "forgotten already") {
		t.Errorf("second Forget=%v, want ErrCannotForget: forgotten already", err)
	}
	_, err = f.Store.Forget(t.Context(), central.Forgetting{Number: merged, By: "dpo"})
	if !errors.Is(err, central.ErrCannotForget) {
		t.Errorf("Forget of the merged number=%v, want ErrCannotForget", err)
	}
}

// TestStore_ForgetRefusesLiveAccounts: a person with an account still
// active or inactive in its portal is not forgotten, and the refusal names
// the accounts.
func TestStore_ForgetRefusesLiveAccounts(t *testing.T) {
	t.Parallel()
	f := mustStore(t)
	number := f.mustAssign(t, cand(member(1)), cand(member(2)))[0].Number
	f.mustAssign(t, cand(member(2, func(a *keysync.Account) { a.Active = false })))
	_, err := f.Store.Forget(t.Context(), central.Forgetting{Number: number, By: "dpo"})
	if !errors.Is(err, central.ErrCannotForget) || !strings.Contains(err.Error(), "amicas:1 (active), amicas:2 (inactive)") {
		t.Fatalf("Forget=%v, want ErrCannotForget naming amicas:1 (active), amicas:2 (inactive)", err)
	}
	if f.MustCount(t, "persons", "number = ? AND first_name = 'Zenzi' AND status = 'active'", number) != 1 {
		t.Error("a refused forget changed the person")
	}
	if _, err := f.Store.Forget(t.Context(), central.Forgetting{Number: "999999999", By: "dpo"}); !errors.Is(err, central.ErrNotFound) {
		t.Errorf("Forget of an unknown number=%v, want ErrNotFound", err)
	}
}

// TestStore_ForgottenNumberNeverReused: an adopted number above the
// sequence, forgotten, is skipped when the sequence reaches it; typed into
// a new row it is a conflict, not an adoption; the forgotten account's row
// active again is reported and not read.
func TestStore_ForgottenNumberNeverReused(t *testing.T) {
	t.Parallel()
	f := mustStore(t)
	adopted := f.Number(t, numberStart+2)
	out := f.mustAssign(t, cand(member(1, func(a *keysync.Account) { a.Number = adopted })))
	if out[0].Action != keysync.ActionAdopt {
		t.Fatalf("first registration: %v, want adopt", out[0].Action)
	}
	f.mustAssign(t, cand(member(1, deleted, func(a *keysync.Account) { a.Number = adopted })))
	if _, err := f.Store.Forget(t.Context(), central.Forgetting{Number: adopted, By: "dpo"}); err != nil {
		t.Fatal(err)
	}
	var fresh []keysync.Candidate
	for id := uint64(10); id < 15; id++ {
		fresh = append(fresh, cand(account(id)))
	}
	for _, o := range f.mustAssign(t, fresh...) {
		if o.Number == adopted || o.Action != keysync.ActionNew {
			t.Errorf("account %d: %v %s, want a new number other than %s", o.Account.ID, o.Action, o.Number, adopted)
		}
	}
	if seq := f.MustSequence(t, "customer"); seq <= numberStart+2 {
		t.Fatalf("the sequence is at %d, want past %d", seq, numberStart+2)
	}

	typed := f.mustAssign(t, cand(member(20, func(a *keysync.Account) { a.Number = adopted })))[0]
	if typed.Action != keysync.ActionConflict || !slices.Equal(conflictKinds(typed), []keysync.ConflictKind{keysync.ConflictNumberTaken}) {
		t.Errorf("a new row typing %s: %v %v, want a number_taken conflict", adopted, typed.Action, conflictKinds(typed))
	}
	back := f.mustAssign(t, cand(member(1, func(a *keysync.Account) { a.Number = adopted })))[0]
	if back.Action != keysync.ActionConflict || !slices.Equal(conflictKinds(back), []keysync.ConflictKind{keysync.ConflictForgottenAccount}) {
		t.Errorf("the forgotten row active again: %v %v, want a forgotten_account conflict", back.Action, conflictKinds(back))
	}
	gone := f.mustAssign(t, cand(member(1, deleted)))[0]
	if gone.Action != keysync.ActionSkip || len(gone.Conflicts) != 0 {
		t.Errorf("the forgotten row deleted without its number: %v %v, want skipped", gone.Action, conflictKinds(gone))
	}
	// Only the new registration holds the values now.
	if got := f.MustCount(t, "accounts", "first_name = 'Zenzi'"); got != 0 {
		t.Errorf("%d accounts hold the member's name; a conflict keeps nothing", got)
	}
	if got := f.MustCount(t, "accounts", "account_id = 1 AND status = 'deleted' AND first_name = '' AND data_hash IS NULL"); got != 1 {
		t.Error("the forgotten account was read again")
	}
	wantNoValues(t, f, "after the rows came back")
}

// TestStore_ForgetCancelledBeforeCommit: a forget whose context ends while
// it waits for its last lock, everything else done, leaves the whole
// record; the next forget finishes.
func TestStore_ForgetCancelledBeforeCommit(t *testing.T) {
	t.Parallel()
	f := mustStore(t)
	number, _ := mustForgettable(t, f)
	dumpBefore := centraltest.Dump(t, f.DB)

	// Another transaction holds the stored checksums, which a forget
	// writes last, just before its commit.
	blocker, err := f.DB.BeginTx(t.Context(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer blocker.Rollback() //nolint:errcheck // test cleanup
	if _, err := blocker.ExecContext(t.Context(), "SELECT * FROM account_sums FOR UPDATE"); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() {
		_, err := f.Store.Forget(ctx, central.Forgetting{Number: number, By: "dpo"})
		done <- err
	}()
	waitForStatement(t, f, "INSERT INTO account_sums")
	cancel()
	if err := <-done; err == nil {
		t.Fatal("a cancelled Forget returned no error")
	}
	if err := blocker.Rollback(); err != nil {
		t.Fatal(err)
	}
	if after := centraltest.Dump(t, f.DB); after != dumpBefore {
		t.Errorf("a cancelled forget changed the central database:\nbefore:\n%s\nafter:\n%s", dumpBefore, after)
	}
	if _, err := f.Store.Forget(t.Context(), central.Forgetting{Number: number, By: "dpo"}); err != nil {
		t.Fatalf("Forget after the cancelled one: %v", err)
	}
	wantNoValues(t, f, "after the second forget")
	centraltest.CheckSums(t, t.Context(), f.Store)
}

// waitForStatement waits until a connection of the test's database waits
// on a statement starting with prefix.
func waitForStatement(t *testing.T, f *fixture, prefix string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		var n int
		if err := f.DB.QueryRowContext(t.Context(), `SELECT COUNT(*) FROM information_schema.processlist
 WHERE db = DATABASE() AND info LIKE CONCAT(?, '%')`, prefix).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n > 0 {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("no statement %q waited", prefix)
}

// TestFeed_ForgetGivesTheNumbersAPosition: a forget gives the person and
// the number merged into it a position in its transaction, and the feed
// then carries each as the number and the status forgotten, nothing else.
func TestFeed_ForgetGivesTheNumbersAPosition(t *testing.T) {
	t.Parallel()
	f := mustStore(t)
	number, merged := mustForgettable(t, f)
	feed := f.Store.Feed()
	head := mustHead(t, feed)
	if _, err := f.Store.Forget(t.Context(), central.Forgetting{Number: number, By: "dpo"}); err != nil {
		t.Fatal(err)
	}
	if got, want := mustChanges(t, feed, head), sorted(number, merged); !slices.Equal(got, want) {
		t.Fatalf("changes after the forget: %v, want %v", got, want)
	}
	for _, p := range mustPersonRecords(t, feed, nil) {
		want := keysync.PersonRecord{Number: p.Number, Status: keysync.PersonForgotten, Fields: map[keysync.Field]string{}, Changed: p.Changed}
		if p.Active() || p.Status != keysync.PersonForgotten || p.HH != "" || p.PE != "" || len(p.Fields) != 0 || !p.Registered.IsZero() || p.MergedInto != "" {
			t.Errorf("feed record %+v, want %+v", p, want)
		}
	}
}
