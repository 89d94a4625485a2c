package central_test

import (
	"context"
	"database/sql"
	"strconv"
	"testing"
	"time"

	"keysync/internal/testdb"
	keysync "keysync/sync"
	"keysync/sync/central"
	"keysync/sync/number"
)

// now is the store's clock in every test.
var now = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

const (
	source      = "amicas"
	numberStart = 1000
	hhStart     = 500
	peStart     = 7000
)

func mustTemplate(tb testing.TB, text string) *number.Template {
	tb.Helper()
	alg, err := number.Lookup("damm")
	if err != nil {
		tb.Fatal(err)
	}
	t, err := number.ParseTemplate(text, alg)
	if err != nil {
		tb.Fatalf("template %q: %v", text, err)
	}
	return t
}

// numbering is the product's default shape, with sequences that do not
// start at 1 so that a start value that is ignored shows.
func numbering(tb testing.TB) central.Numbering {
	tb.Helper()
	return central.Numbering{
		Number:      mustTemplate(tb, "{seq:8}{check}"),
		Household:   mustTemplate(tb, "{seq:7}"),
		Person:      mustTemplate(tb, "{seq:8}"),
		NumberStart: numberStart, HHStart: hhStart, PEStart: peStart,
	}
}

// fixture is one central database.
type fixture struct {
	dsn   string
	db    *sql.DB // the test's own pool, for assertions
	num   central.Numbering
	store *central.Store
}

// mustCentral creates an empty central database and a store on it with its
// own pool; the schema is not there yet.
func mustCentral(tb testing.TB, num central.Numbering) *fixture {
	tb.Helper()
	dsn, db := testdb.New(tb, "central")
	f := &fixture{dsn: dsn, db: db, num: num}
	f.store = f.open(tb)
	return f
}

// mustStore is mustCentral with the default numbering and the schema
// migrated.
func mustStore(tb testing.TB) *fixture {
	tb.Helper()
	f := mustCentral(tb, numbering(tb))
	if _, err := f.store.Migrate(tb.Context()); err != nil {
		tb.Fatalf("Migrate: %v", err)
	}
	checkSumsAtEnd(tb, f.store)
	return f
}

// editAccounts changes accounts past the store, as an admin with SQL
// would, and then rebuilds the stored checksums as such an admin must.
func (f *fixture) editAccounts(tb testing.TB, q string, args ...any) {
	tb.Helper()
	testdb.MustExec(tb, f.db, q, args...)
	if err := f.store.RebuildSums(tb.Context()); err != nil {
		tb.Fatalf("RebuildSums: %v", err)
	}
}

// checkSumsAtEnd checks, when the test ends, that every write of accounts
// kept the stored checksums.
func checkSumsAtEnd(tb testing.TB, s *central.Store) {
	tb.Cleanup(func() { assertSums(tb, context.Background(), s) })
}

func assertSums(tb testing.TB, ctx context.Context, s *central.Store) {
	tb.Helper()
	bad, err := s.CheckSums(ctx)
	if err != nil {
		tb.Errorf("CheckSums: %v", err)
	}
	for _, b := range bad {
		tb.Errorf("stored checksum out of step: %s", b)
	}
}

// open opens another store on the same database with its own pool, like a
// second daemon.
func (f *fixture) open(tb testing.TB) *central.Store {
	tb.Helper()
	s, err := central.Open(f.dsn, f.num)
	if err != nil {
		tb.Fatalf("central.Open: %v", err)
	}
	s.Now = func() time.Time { return now }
	s.Actor = "test"
	tb.Cleanup(func() { s.Close() })
	return s
}

// number formats the customer number of a sequence value.
func (f *fixture) number(tb testing.TB, seq uint64) string {
	tb.Helper()
	s, err := f.num.Number.Format(seq, "")
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

func (f *fixture) mustAssign(tb testing.TB, cands ...keysync.Candidate) []keysync.Outcome {
	tb.Helper()
	out, err := f.store.Assign(tb.Context(), source, cands, false)
	if err != nil {
		tb.Fatalf("Assign: %v", err)
	}
	if got, want := len(out), len(cands); got != want {
		tb.Fatalf("Assign returned %d outcomes for %d candidates", got, want)
	}
	return out
}

// mustCount returns SELECT COUNT(*) FROM table [WHERE ...].
func (f *fixture) mustCount(tb testing.TB, table, where string, args ...any) int {
	tb.Helper()
	q := "SELECT COUNT(*) FROM " + table
	if where != "" {
		q += " WHERE " + where
	}
	var n int
	if err := f.db.QueryRowContext(tb.Context(), q, args...).Scan(&n); err != nil {
		tb.Fatalf("%s: %v", q, err)
	}
	return n
}

func (f *fixture) mustSequence(tb testing.TB, name string) uint64 {
	tb.Helper()
	var v uint64
	if err := f.db.QueryRowContext(tb.Context(), "SELECT next_value FROM sequences WHERE name = ?", name).Scan(&v); err != nil {
		tb.Fatalf("read sequence %s: %v", name, err)
	}
	return v
}

// linkedNumber returns the number an account is linked to, or "".
func (f *fixture) linkedNumber(tb testing.TB, id uint64) string {
	tb.Helper()
	var n string
	err := f.db.QueryRowContext(tb.Context(), "SELECT number FROM accounts WHERE source = ? AND account_id = ?", source, id).Scan(&n)
	if err == sql.ErrNoRows {
		return ""
	}
	if err != nil {
		tb.Fatalf("read link of %d: %v", id, err)
	}
	return n
}

// person is a persons row.
type person struct {
	Number, HH, PE, Origin string
}

func (f *fixture) mustPerson(tb testing.TB, num string) person {
	tb.Helper()
	p := person{Number: num}
	err := f.db.QueryRowContext(tb.Context(), "SELECT COALESCE(hh_id, ''), COALESCE(pe_id, ''), origin FROM persons WHERE number = ?", num).Scan(&p.HH, &p.PE, &p.Origin)
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
