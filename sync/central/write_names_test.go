package central_test

import (
	"testing"

	keysync "keysync/sync"
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
