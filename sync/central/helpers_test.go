package central_test

import (
	"strconv"
	"testing"
	"time"

	"keysync/internal/centraltest"
	keysync "keysync/sync"
	"keysync/sync/central"
)

// now is the store's clock in every test.
var now = centraltest.Now

const (
	source      = "amicas"
	numberStart = 1000
	hhStart     = 500
	peStart     = 7000
)

// numbering is the product's default shape, with sequences that do not
// start at 1 so that a start value that is ignored shows.
func numbering(tb testing.TB) central.Numbering {
	tb.Helper()
	return centraltest.Numbering(tb, numberStart, hhStart, peStart)
}

// fixture is one central database.
type fixture struct {
	*centraltest.Central
}

// mustCentral creates an empty central database and a store on it with its
// own pool; the schema is not there yet.
func mustCentral(tb testing.TB, num central.Numbering) *fixture {
	tb.Helper()
	return &fixture{centraltest.NewEmpty(tb, num)}
}

// mustStore is mustCentral with the default numbering and the schema
// migrated.
func mustStore(tb testing.TB) *fixture {
	tb.Helper()
	return &fixture{centraltest.New(tb, numbering(tb))}
}

func (f *fixture) mustAssign(tb testing.TB, cands ...keysync.Candidate) []keysync.Outcome {
	tb.Helper()
	out, err := f.Store.Assign(tb.Context(), source, cands, false)
	if err != nil {
		tb.Fatalf("Assign: %v", err)
	}
	if got, want := len(out), len(cands); got != want {
		tb.Fatalf("Assign returned %d outcomes for %d candidates", got, want)
	}
	return out
}

// person is a persons row.
type person struct {
	Number, HH, PE, Origin string
}

func (f *fixture) mustPerson(tb testing.TB, num string) person {
	tb.Helper()
	p := person{Number: num}
	err := f.DB.QueryRowContext(tb.Context(), "SELECT COALESCE(hh_id, ''), COALESCE(pe_id, ''), origin FROM persons WHERE number = ?", num).Scan(&p.HH, &p.PE, &p.Origin)
	if err != nil {
		tb.Fatalf("read person %s: %v", num, err)
	}
	return p
}

// account builds a confirmed registration; id also makes the names and the
// e-mail address unique unless the test sets them.
func account(id uint64, edit ...func(*keysync.Account)) keysync.Account {
	a := keysync.Account{
		Source: source, ID: id, Active: true,
		Username: "user" + strconv.FormatUint(id, 10), Email: "user" + strconv.FormatUint(id, 10) + "@example.at",
		FirstName: "Vorname" + strconv.FormatUint(id, 10), LastName: "Nachname" + strconv.FormatUint(id, 10),
		Registered: now.Add(-time.Hour),
	}
	for _, e := range edit {
		e(&a)
	}
	return a
}

func cand(a keysync.Account) keysync.Candidate {
	return keysync.Candidate{Account: a, Profile: keysync.NewProfile(a, "AT")}
}

func cands(accounts ...keysync.Account) []keysync.Candidate {
	out := make([]keysync.Candidate, len(accounts))
	for i, a := range accounts {
		out[i] = cand(a)
	}
	return out
}

// conflictKinds lists the kinds of an outcome's conflicts.
func conflictKinds(o keysync.Outcome) []keysync.ConflictKind {
	var out []keysync.ConflictKind
	for _, c := range o.Conflicts {
		out = append(out, c.Kind)
	}
	return out
}
