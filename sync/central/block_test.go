package central_test

import (
	"fmt"
	"testing"

	keysync "keysync/sync"
)

// TestStore_CommonBlockingKeysAreSkipped: a blocking key shared by more
// accounts than anyone could review (two dozen Maria Hubers in one
// postcode) finds no candidates, so the work per registration stays
// bounded; a rarer key still does.
func TestStore_CommonBlockingKeysAreSkipped(t *testing.T) {
	t.Parallel()
	f := mustStore(t)
	maria := func(id uint64, street string) keysync.Account {
		return account(id, func(a *keysync.Account) {
			a.FirstName, a.LastName, a.Email = "Maria", "Huber", fmt.Sprintf("maria%d@example.at", id)
			a.Street, a.Zip, a.City, a.Country = street, "1010", "Wien", "AT"
		})
	}
	var many []keysync.Account
	for i := uint64(1); i <= 25; i++ {
		many = append(many, maria(i, fmt.Sprintf("Hauptstraße %d", i)))
	}
	f.mustAssign(t, cands(many...)...)

	// The same Maria again at the first address: the name keys are too
	// common now, so nothing is suspected; a rare name at one address is.
	out := f.mustAssign(t, cand(maria(100, "Hauptstraße 1")))[0]
	if len(out.Conflicts) != 0 {
		t.Errorf("common key raised %v", conflictKinds(out))
	}
	rare := func(id uint64) keysync.Account {
		return account(id, func(a *keysync.Account) {
			a.FirstName, a.LastName, a.Email = "Walburga", "Zwettler", fmt.Sprintf("wz%d@example.at", id)
			a.Street, a.Zip, a.City, a.Country = "Lindenweg 4", "3910", "Zwettl", "AT"
		})
	}
	f.mustAssign(t, cand(rare(200)))
	out = f.mustAssign(t, cand(rare(201)))[0]
	if kinds := conflictKinds(out); len(kinds) != 1 || kinds[0] != keysync.ConflictSuspectedDuplicate {
		t.Errorf("rare name at one address: conflicts %v, want suspected_duplicate", kinds)
	}
}
