package central_test

import (
	"database/sql"
	"fmt"
	"testing"

	keysync "keysync/sync"
	"keysync/sync/central"
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

// TestStore_FuzzyCandidatesReadThroughIndexes: the candidates of a batch
// are read through the blocking-key indexes, never by scanning accounts,
// which grows with every registration (a rollout would slow down with
// each batch). The table is filled the way a rollout leaves it: many
// accounts, keys of every kind, each shared by ten accounts (the most a
// key may have before it is skipped as too common).
func TestStore_FuzzyCandidatesReadThroughIndexes(t *testing.T) {
	t.Parallel()
	f := mustStore(t)
	const accounts = 60000
	_, err := f.DB.ExecContext(t.Context(), `INSERT INTO persons (number, origin, created_at, updated_at)
		SELECT CONCAT('P', seq), 'assigned', NOW(6), NOW(6) FROM seq_1_to_`+fmt.Sprint(accounts))
	if err != nil {
		t.Fatal(err)
	}
	f.EditAccounts(t, `INSERT INTO accounts (source, account_id, number, status, first_norm, last_norm,
			key_name, key_place, key_birth, key_first_place, linked_at)
		SELECT 'amicas', seq, CONCAT('P', seq), 'active', 'anna', 'gruber',
			CONCAT('n', seq % 6000), CONCAT('p', seq % 6000), CONCAT('b', seq % 6000), CONCAT('f', seq % 6000), NOW(6)
		FROM seq_1_to_`+fmt.Sprint(accounts))
	if _, err := f.DB.ExecContext(t.Context(), `ANALYZE TABLE accounts, persons`); err != nil {
		t.Fatal(err)
	}
	// A batch of 500 registrations brings up to 500 keys of each kind.
	var keys [4][]string
	for i, kind := range []string{"n", "p", "b", "f"} {
		for k := range 500 {
			keys[i] = append(keys[i], fmt.Sprintf("%s%d", kind, k*7))
		}
	}
	q, args := central.SimilarQuery(keys)
	rows, err := f.DB.QueryContext(t.Context(), "EXPLAIN "+q, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	for rows.Next() {
		vals := make([]sql.NullString, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		plan := map[string]string{}
		for i, c := range cols {
			plan[c] = vals[i].String
		}
		if plan["table"] == "a" && (plan["type"] == "ALL" || plan["type"] == "index") {
			t.Errorf("fuzzy candidates are read by scanning accounts: %v", plan)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
}

// TestStore_EachSuspectedPersonIsAConflict: a registration that resembles
// two persons by name alone is stored with one conflict per person, so an
// admin decides pair by pair; the same finding is still stored once.
func TestStore_EachSuspectedPersonIsAConflict(t *testing.T) {
	t.Parallel()
	f := mustStore(t)
	leopold := func(id uint64) keysync.Account {
		return account(id, func(a *keysync.Account) {
			a.FirstName, a.LastName, a.Email = "Leopold", "Steinbichler", fmt.Sprintf("leopold%d@example.at", id)
			a.Street, a.Zip, a.City = "", "", ""
		})
	}
	f.mustAssign(t, cand(leopold(1)))
	f.mustAssign(t, cand(leopold(2)))
	out := f.mustAssign(t, cand(leopold(3)))[0]
	var named []string
	for _, c := range out.Conflicts {
		if c.Kind != keysync.ConflictSuspectedDuplicate || c.Known {
			t.Errorf("conflict %+v, want a new suspected duplicate", c)
		}
		named = append(named, c.Number)
	}
	if len(named) != 2 || named[0] == named[1] {
		t.Fatalf("registration 3 names %q, want both earlier persons", named)
	}
	if got := f.MustCount(t, "conflicts", "source = ? AND account_id = 3 AND kind = 'suspected_duplicate' AND status = 'open'", source); got != 2 {
		t.Errorf("%d open conflicts stored for registration 3, want 2", got)
	}
}

// TestStore_FuzzyLinkCarriesThePersonsIDs: a registration linked through
// a fuzzy candidate gets its person's Wibisoft ids, whether the candidate
// account holds a copy of them or not (linked by an older keysync, or
// moved by a merge).
func TestStore_FuzzyLinkCarriesThePersonsIDs(t *testing.T) {
	t.Parallel()
	for _, copies := range []bool{true, false} {
		t.Run(fmt.Sprintf("copy %v", copies), func(t *testing.T) {
			t.Parallel()
			f := mustStore(t)
			leo := func(id uint64, email string) keysync.Account {
				return account(id, func(a *keysync.Account) {
					a.FirstName, a.LastName, a.Email, a.BirthDate = "Leopold", "Steinbichler", email, "1970-05-01"
					a.Street, a.Zip, a.City, a.Country = "Hauptstraße 10/4/15", "4020", "Linz", "AT"
				})
			}
			first := f.mustAssign(t, cand(leo(1, "leo@example.at")))[0]
			if !copies {
				f.EditAccounts(t, "UPDATE accounts SET hh_id_copy = NULL, pe_id_copy = NULL, copied_from = NULL")
			}
			again := f.mustAssign(t, cand(leo(2, "l.steinbichler@example.at")))[0]
			if again.Action != keysync.ActionLink || again.Number != first.Number {
				t.Fatalf("second registration: %v %s, want a link to %s", again.Action, again.Number, first.Number)
			}
			if again.HH != first.HH || again.PE != first.PE || again.HH == "" || again.PE == "" {
				t.Errorf("linked with HH/PE %q/%q, want the person's %q/%q", again.HH, again.PE, first.HH, first.PE)
			}
		})
	}
}
