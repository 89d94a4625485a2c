package central_test

import (
	"slices"
	"testing"

	keysync "keysync/sync"
)

// TestStore_AssignRecognisesFromStoredProfiles checks that what the
// decision compares survives the central store: the generation marker and
// the household of the account under an e-mail address, and the fuzzy
// candidates found under each blocking key, each account with its own
// profile. Every case runs with the earlier rows in a former batch (read
// back from the tables) and in the same batch (known from the batch).
func TestStore_AssignRecognisesFromStoredProfiles(t *testing.T) {
	t.Parallel()
	withAcc := func(id uint64, edit func(*keysync.Account)) keysync.Account { return account(id, edit) }
	// Thomas Unterberger sen. and his son, one family mailbox.
	father := withAcc(1, func(a *keysync.Account) {
		a.FirstName, a.LastName, a.Email, a.BirthDate = "Thomas", "Unterberger sen.", "familie.unterberger@example.at", "1961-03-04"
	})
	son := withAcc(2, func(a *keysync.Account) {
		a.FirstName, a.LastName, a.Email = "Thomas", "Unterberger", "familie.unterberger@example.at"
	})
	// Anna Gruber with a birth date; one registration without it at her
	// dwelling (the daughter of the same name, or Anna herself), one without
	// birth date and address (Anna, as far as anyone can tell).
	anna := withAcc(3, func(a *keysync.Account) {
		a.FirstName, a.LastName, a.Email, a.BirthDate = "Anna", "Gruber", "gruber@example.at", "1980-01-02"
		a.Street, a.Zip, a.City = "Hauptstraße 10/4/15", "1010", "Wien"
	})
	annaHome := withAcc(4, func(a *keysync.Account) {
		a.FirstName, a.LastName, a.Email = "Anna", "Gruber", "gruber@example.at"
		a.Street, a.Zip, a.City = "Hauptstr. 10 Stg. 4 Top 15", "1010", "Wien"
	})
	annaBare := withAcc(5, func(a *keysync.Account) {
		a.FirstName, a.LastName, a.Email = "Anna", "Gruber", "gruber@example.at"
	})
	// Leopold Steinbichler moved to Graz and registered again there with
	// the same e-mail address; a third registration in Graz mistypes the
	// surname and is found only under first name and postcode.
	leo := withAcc(6, func(a *keysync.Account) {
		a.FirstName, a.LastName, a.Email = "Leopold", "Steinbichler", "leo@example.at"
		a.Street, a.Zip, a.City = "Ringstraße 3", "1010", "Wien"
	})
	leoGraz := withAcc(7, func(a *keysync.Account) {
		a.FirstName, a.LastName, a.Email = "Leopold", "Steinbichler", "leo@example.at"
		a.Street, a.Zip, a.City = "Annenstraße 5/2", "8020", "Graz"
	})
	leoTypo := withAcc(8, func(a *keysync.Account) {
		a.FirstName, a.LastName, a.Email = "Leopold", "Steinbicher", "l.steinbicher@example.at"
		a.Street, a.Zip, a.City = "Annenstraße 5/2", "8020", "Graz"
	})
	pl, pt := cand(leoGraz).Profile.Blocks, cand(leoTypo).Profile.Blocks
	if pl.Name == pt.Name || pl.Place == pt.Place || pt.Birth != "" || pl.FirstPlace != pt.FirstPlace {
		t.Fatalf("the typo must share only the first-name key: %+v, %+v", pl, pt)
	}

	earlier := cands(father, anna, leo, leoGraz)
	later := cands(son, annaHome, annaBare, leoTypo)
	for _, sameBatch := range []bool{false, true} {
		name := "separate batches"
		if sameBatch {
			name = "same batch"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			f := mustStore(t)
			var out []keysync.Outcome
			if sameBatch {
				out = f.mustAssign(t, append(slices.Clone(earlier), later...)...)
			} else {
				out = append(f.mustAssign(t, earlier...), f.mustAssign(t, later...)...)
			}
			byID := map[uint64]keysync.Outcome{}
			for _, o := range out {
				byID[o.Account.ID] = o
			}
			want := func(id uint64, action keysync.Action, number string, kinds ...keysync.ConflictKind) {
				t.Helper()
				o := byID[id]
				if o.Action != action || (number != "" && o.Number != number) || !slices.Equal(conflictKinds(o), kinds) {
					t.Errorf("account %d: %v %q %v, want %v %q %v", id, o.Action, o.Number, conflictKinds(o), action, number, kinds)
				}
			}
			want(7, keysync.ActionLink, byID[6].Number)
			// One-sided "sen.": two people, one mailbox.
			want(2, keysync.ActionNew, "", keysync.ConflictSharedEmail)
			if byID[2].HH != byID[1].HH {
				t.Errorf("son: household %q, want his father's %q", byID[2].HH, byID[1].HH)
			}
			// Same dwelling, a birth date on one side only: two people.
			want(4, keysync.ActionNew, "", keysync.ConflictSharedEmail)
			// Nothing but the names and the mailbox: the same person.
			want(5, keysync.ActionLink, byID[3].Number)
			// Found through the Graz account only, named for review.
			want(8, keysync.ActionNew, "", keysync.ConflictSuspectedDuplicate)
			if o := byID[8]; len(o.Conflicts) == 1 && o.Conflicts[0].Number != byID[6].Number {
				t.Errorf("typo: suspected duplicate of %q, want %q", o.Conflicts[0].Number, byID[6].Number)
			}
			if got, want := f.MustCount(t, "accounts", "key_first_place IS NOT NULL"), 5; got != want {
				t.Errorf("accounts with a first-name key=%d, want %d (all with a postcode)", got, want)
			}
		})
	}
}
