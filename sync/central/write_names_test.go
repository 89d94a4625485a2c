package central_test

import (
	"maps"
	"testing"
	"time"

	keysync "keysync/sync"
	"keysync/sync/central"
)

// TestStore_NamesAreWorthTheirFrequency: names that are all there is to
// compare send a registration to review only when the central store says
// they are rare. Thirty Marias and thirty Grubers among the accounts make
// a Maria Gruber common (30 x 30 / 10,000 accounts at least: 0.09, 3.5
// bits); Ilse Zauninthaler, borne once, is rare (13 bits). Counted from
// the accounts of earlier batches and of the same batch alike.
func TestStore_NamesAreWorthTheirFrequency(t *testing.T) {
	t.Parallel()
	f := mustStore(t)
	var crowd []keysync.Account
	for i := range uint64(30) {
		crowd = append(crowd, account(100+i, func(a *keysync.Account) { a.FirstName = "Maria" }),
			account(200+i, func(a *keysync.Account) { a.LastName = "Gruber" }))
	}
	maria := account(1, func(a *keysync.Account) { a.FirstName, a.LastName = "Maria", "Gruber" })
	ilse := account(2, func(a *keysync.Account) { a.FirstName, a.LastName = "Ilse", "Zauninthaler" })
	f.mustAssign(t, cands(append(crowd, maria, ilse)...)...)

	again := func(id uint64, first, last string) keysync.Outcome {
		return f.mustAssign(t, cand(account(id, func(a *keysync.Account) { a.FirstName, a.LastName = first, last })))[0]
	}
	if o := again(3, "Maria", "Gruber"); o.Action != keysync.ActionNew || len(o.Conflicts) != 0 {
		t.Errorf("a second Maria Gruber, nothing else to compare: %v with %+v, want new without review", o.Action, o.Conflicts)
	}
	o := again(4, "Ilse", "Zauninthaler")
	if o.Action != keysync.ActionNew || len(o.Conflicts) != 1 || o.Conflicts[0].Rule != keysync.RuleNamesOnly {
		t.Fatalf("a second Ilse Zauninthaler: %v with %+v, want new with a names_only review", o.Action, o.Conflicts)
	}
	// Within one batch the first Ilse Winkelhofer is counted as she is
	// numbered, and the Marias of the batch before as they were stored.
	both := f.mustAssign(t, cands(
		account(5, func(a *keysync.Account) { a.FirstName, a.LastName = "Ilse", "Winkelhofer" }),
		account(6, func(a *keysync.Account) { a.FirstName, a.LastName = "Ilse", "Winkelhofer" }),
		account(7, func(a *keysync.Account) { a.FirstName, a.LastName = "Maria", "Gruber" }))...)
	if len(both[1].Conflicts) != 1 || len(both[2].Conflicts) != 0 {
		t.Errorf("same batch: Ilse %+v, want one review; Maria %+v, want none", both[1].Conflicts, both[2].Conflicts)
	}
}

// TestStore_NameCountsAreKept: the counts the store keeps of each first
// name and surname are those of the accounts, after registrations, a
// rename on a portal, a merge and an erasure alike; a name nobody bears any
// more leaves no row.
func TestStore_NameCountsAreKept(t *testing.T) {
	t.Parallel()
	f := mustStore(t)
	counts := func(q string) map[string]int {
		t.Helper()
		out := map[string]int{}
		rows, err := f.DB.QueryContext(t.Context(), q)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			var k string
			var n int
			if err := rows.Scan(&k, &n); err != nil {
				t.Fatal(err)
			}
			out[k] = n
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		return out
	}
	mustKept := func(when string) {
		t.Helper()
		got := counts(`SELECT CONCAT(kind, ':', value), accounts FROM name_counts`)
		want := counts(`SELECT CONCAT('f:', first_norm), COUNT(*) FROM accounts WHERE first_norm <> '' GROUP BY first_norm
			UNION ALL SELECT CONCAT('l:', last_norm), COUNT(*) FROM accounts WHERE last_norm <> '' GROUP BY last_norm`)
		if !maps.Equal(got, want) {
			t.Errorf("%s: name_counts %v, the accounts give %v", when, got, want)
		}
	}
	number, _ := mustForgettable(t, f)
	f.mustAssign(t, cands(
		account(10, func(a *keysync.Account) { a.FirstName, a.LastName = "Maria", "Gruber" }),
		account(11, func(a *keysync.Account) { a.FirstName, a.LastName = "Maria", "Huber" }))...)
	mustKept("after registrations and a merge")
	f.mustAssign(t, cand(account(11, func(a *keysync.Account) {
		a.FirstName, a.LastName, a.Changed = "Marianne", "Huber-Gruber", now.Add(2*time.Hour)
	})))
	mustKept("after a rename")
	if _, err := f.Store.Forget(t.Context(), central.Forgetting{Number: number, By: "dpo"}); err != nil {
		t.Fatal(err)
	}
	mustKept("after an erasure")
	if n := f.MustCount(t, "name_counts", "value IN ('zenzi', 'ottilie', 'maria')"); n != 1 {
		t.Errorf("%d rows for zenzi, ottilie and maria, want maria's alone", n)
	}
}
