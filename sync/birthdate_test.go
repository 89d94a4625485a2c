package keysync_test

import (
	"testing"
	"time"

	"keysync/internal/centraltest"
	"keysync/internal/testdb"
	keysync "keysync/sync"
)

// TestMatching_FemanagerBirthDates: femanager's date_of_birth reaches the
// profile the decisions compare, and the rules that use birth dates act on
// it. Father and son of one name share a mailbox: their birth dates make
// them two persons (rule 3 sees a contradiction; without birth dates the
// mailbox and the names would make them one). The same woman registering
// on a second portal under another address of hers is recognised by name,
// birth date and place (rule 5 needs the same birth date to reuse her
// number).
func TestMatching_FemanagerBirthDates(t *testing.T) {
	t.Parallel()
	r := mustRig(t, nil)
	a := r.Femanager(t, "amicas")
	b := r.Femanager(t, "club")
	born := func(y int, m time.Month, d int) int64 { return centraltest.BornIn(t, y, m, d) }
	father := user("franz.sen", "Franz", "Huber", "franz.huber@gmx.at")
	father.DateOfBirth, father.Address, father.Zip, father.City = born(1950, 3, 1), "Hauptstraße 3", "4020", "Linz"
	son := user("franz.jun", "Franz", "Huber", "franz.huber@gmx.at")
	son.DateOfBirth, son.Address, son.Zip, son.City = born(1982, 7, 12), "Hauptstraße 3", "4020", "Linz"
	maria := user("maria", "Maria", "Leitner", "maria.leitner@aon.at")
	maria.DateOfBirth, maria.Address, maria.Zip, maria.City = born(1971, 11, 30), "Bahnhofstraße 12", "4020", "Linz"
	ids := testdb.InsertFeUsers(t, a.DB, []testdb.FeUser{father, son, maria})

	r.MustPass(t, a.Portal)
	var birth string
	if err := r.DB.QueryRowContext(t.Context(), "SELECT birth_date FROM accounts WHERE source = 'amicas' AND account_id = ?", ids[0]).Scan(&birth); err != nil {
		t.Fatal(err)
	}
	if birth != "1950-03-01" {
		t.Errorf("the father's account records birth date %q, want 1950-03-01", birth)
	}
	rows := a.MustRows(t)
	if rows[ids[0]].Number == rows[ids[1]].Number {
		t.Errorf("father and son got one number %s: their birth dates were not compared", rows[ids[0]].Number)
	}
	if n := r.MustCount(t, "conflicts", "kind = ?", string(keysync.ConflictSharedEmail)); n != 1 {
		t.Errorf("%d shared_email conflicts, want 1 for the family mailbox", n)
	}

	again := user("m.leitner", "Maria", "Leitner", "m.leitner@chello.at")
	again.DateOfBirth, again.Address, again.Zip, again.City = born(1971, 11, 30), "Bahnhofstraße 12", "4020", "Linz"
	other := testdb.InsertFeUsers(t, b.DB, []testdb.FeUser{again})
	r.MustPass(t, b.Portal)
	if got, want := b.MustRow(t, other[0]).Number, rows[ids[2]].Number; got != want {
		t.Errorf("Maria on club got %s, want her number %s from amicas (same names, birth date and dwelling)", got, want)
	}
}
