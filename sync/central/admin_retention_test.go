package central_test

import (
	"slices"
	"testing"
	"time"

	keysync "keysync/sync"
	"keysync/sync/central"
)

// TestStore_ForgetDue: a person is due once every account of it is deleted
// or gone for longer than the retention; one live account keeps it.
func TestStore_ForgetDue(t *testing.T) {
	t.Parallel()
	f := mustStore(t)
	out := f.mustAssign(t, cand(member(1)), cand(account(2)), cand(account(3)))
	f.mustAssign(t, cand(member(1, deleted)), cand(account(2, deleted)))
	f.mustAssign(t, cand(account(4, func(a *keysync.Account) {
		a.Email, a.FirstName, a.LastName = "user2@example.at", "Vorname2", "Nachname2"
	})))
	if due, err := f.Store.ForgetDue(t.Context(), 24*time.Hour); err != nil || len(due) != 0 {
		t.Fatalf("ForgetDue right after the deletion=%v, %v, want none", due, err)
	}
	f.Store.Now = func() time.Time { return now.Add(25 * time.Hour) }
	due, err := f.Store.ForgetDue(t.Context(), 24*time.Hour)
	if err != nil || !slices.Equal(due, []string{out[0].Number}) {
		t.Fatalf("ForgetDue a day later=%v, %v, want only %s (%s has a live account, %s is active)", due, err, out[0].Number, out[1].Number, out[2].Number)
	}
	e, err := f.Store.Erasures(t.Context(), 24*time.Hour)
	if err != nil || e != (central.Erasure{Due: 1}) {
		t.Fatalf("Erasures=%+v, %v, want 1 due", e, err)
	}
	if _, err := f.Store.Forget(t.Context(), central.Forgetting{Number: out[0].Number, By: "retention"}); err != nil {
		t.Fatal(err)
	}
	if e, err := f.Store.Erasures(t.Context(), 24*time.Hour); err != nil || e != (central.Erasure{Forgotten: 1}) {
		t.Fatalf("Erasures after the forget=%+v, %v, want 1 forgotten, none due", e, err)
	}
}
