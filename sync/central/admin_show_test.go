package central_test

import (
	"errors"
	"slices"
	"testing"
	"time"

	keysync "keysync/sync"
	"keysync/sync/central"
)

func TestStore_PersonAndHistory(t *testing.T) {
	t.Parallel()
	f := mustStore(t)
	at := func(d time.Duration) { f.Store.Now = func() time.Time { return now.Add(d) } }
	anna, franz, id := sharedMailbox(t, f)
	at(time.Hour)
	if err := f.Store.Written(t.Context(), source, []keysync.Outcome{{Account: account(1), Number: anna}}); err != nil {
		t.Fatal(err)
	}
	at(2 * time.Hour)
	f.mustResolve(t, central.Resolution{ID: id, As: central.ResolveMerge, By: "alice"})
	f.EditAccounts(t, `UPDATE accounts SET status = 'deleted', deleted_at = ?, written_at = ? WHERE account_id = 2`, now.Add(3*time.Hour), now.Add(30*time.Minute))

	p, err := f.Store.Person(t.Context(), anna)
	if err != nil {
		t.Fatal(err)
	}
	if p.Status != "active" || len(p.Accounts) != 2 || !slices.Equal(p.Merged, []string{franz}) || p.HH == "" || p.PE == "" {
		t.Fatalf("person=%+v", p)
	}
	if a := p.Accounts[1]; a.Account != "amicas:2" || a.Status != "deleted" || a.DeletedAt == nil || !a.PendingWrite {
		t.Errorf("moved, deleted account=%+v", a)
	}
	h, err := f.Store.History(t.Context(), p)
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for i, e := range h {
		kinds = append(kinds, e.Kind+" "+e.Account)
		if i > 0 && e.At.After(h[i-1].At) {
			t.Errorf("history not newest first at %d: %v after %v", i, e.At, h[i-1].At)
		}
	}
	for _, want := range []string{"deleted amicas:2", "merged ", "account_moved amicas:2", "conflict_resolved amicas:2",
		"written amicas:1", "written amicas:2", "assigned amicas:1", "assigned amicas:2", "conflict amicas:2"} {
		if !slices.Contains(kinds, want) {
			t.Errorf("history lacks %q: %v", want, kinds)
		}
	}
	if kinds[0] != "deleted amicas:2" || kinds[len(kinds)-1] == "deleted amicas:2" {
		t.Errorf("history order: %v", kinds)
	}
	// The write-back recorded as an event is not listed twice.
	if n := countOf(kinds, "written amicas:1"); n != 1 {
		t.Errorf("written amicas:1 listed %d times", n)
	}

	retired, err := f.Store.Person(t.Context(), franz)
	if err != nil || retired.Status != "retired" || retired.MergedInto != anna {
		t.Errorf("retired person=%+v, %v", retired, err)
	}
	if _, err := f.Store.Person(t.Context(), "999999999"); !errors.Is(err, central.ErrNotFound) {
		t.Errorf("unknown number: %v, want ErrNotFound", err)
	}
	byMail, err := f.Store.PersonsByEmail(t.Context(), "familie@example.at")
	if err != nil || len(byMail) != 1 || byMail[0].Number != anna {
		t.Errorf("by e-mail after the merge=%v, %v; want only %s", byMail, err, anna)
	}
	acct, err := f.Store.Account(t.Context(), source, 2)
	if err != nil || acct.Number != anna {
		t.Errorf("Account(amicas:2)=%+v, %v", acct, err)
	}
}

func countOf(list []string, v string) int {
	n := 0
	for _, x := range list {
		if x == v {
			n++
		}
	}
	return n
}
