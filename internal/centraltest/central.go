// Package centraltest sets up, for the tests of every package, a central
// store the way keysync runs it: a fresh MariaDB database with the schema
// migrated, the product's default numbering, and the check that every
// write of accounts kept the stored checksums. It also gives the TYPO3
// portals and the engine that tests of whole passes need.
//
// It is apart from internal/testdb because it imports the central store,
// which testdb must not: the central store's own tests use testdb.
package centraltest

import (
	"context"
	"database/sql"
	"errors"
	"testing"
	"time"

	"keysync/internal/testdb"
	"keysync/sync/central"
)

// Now is the clock of the stores, engines and rows of every test.
var Now = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

// Numbering is the product's default shape ({seq:8}{check}, {seq:7},
// {seq:8}) with the given sequence starts; tests that start them above 1
// show a start value that is ignored.
func Numbering(tb testing.TB, numberStart, hhStart, peStart uint64) central.Numbering {
	tb.Helper()
	return central.Numbering{
		Number:      testdb.MustTemplate(tb, "{seq:8}{check}"),
		Household:   testdb.MustTemplate(tb, "{seq:7}"),
		Person:      testdb.MustTemplate(tb, "{seq:8}"),
		NumberStart: numberStart, HHStart: hhStart, PEStart: peStart,
	}
}

// Central is one central database and a store on it.
type Central struct {
	DSN   string
	DB    *sql.DB // the test's own pool, for fixtures and assertions
	Num   central.Numbering
	Store *central.Store
}

// NewEmpty creates an empty central database, without the schema, and a
// store on it with its own pool.
func NewEmpty(tb testing.TB, num central.Numbering) *Central {
	tb.Helper()
	dsn, db := testdb.New(tb, "central")
	c := &Central{DSN: dsn, DB: db, Num: num}
	c.Store = c.Open(tb)
	return c
}

// New is NewEmpty with the schema migrated. When the test ends, the
// stored checksums must agree with the accounts.
func New(tb testing.TB, num central.Numbering) *Central {
	tb.Helper()
	c := NewEmpty(tb, num)
	if _, err := c.Store.Migrate(tb.Context()); err != nil {
		tb.Fatalf("central Migrate: %v", err)
	}
	CheckSumsAtEnd(tb, c.Store)
	return c
}

// Open opens another store on the same database with its own pool, like a
// second daemon, on the test clock.
func (c *Central) Open(tb testing.TB) *central.Store {
	tb.Helper()
	s, err := central.Open(c.DSN, c.Num)
	if err != nil {
		tb.Fatalf("central.Open: %v", err)
	}
	s.Now = func() time.Time { return Now }
	s.Actor = "test"
	tb.Cleanup(func() { s.Close() })
	return s
}

// CheckSums fails the test unless the stored checksums agree with the
// accounts.
func CheckSums(tb testing.TB, ctx context.Context, s *central.Store) {
	tb.Helper()
	bad, err := s.CheckSums(ctx)
	reportSums(tb, bad, err)
}

// CheckSumsAtEnd checks, when the test ends (after its processes stopped),
// that every write of accounts kept the stored checksums, whatever ran at
// once or was killed. A database never migrated has none to check.
// The kept counts of open conflicts must agree with the conflicts too.
func CheckSumsAtEnd(tb testing.TB, s *central.Store) {
	tb.Cleanup(func() {
		bad, err := s.CheckSums(context.Background())
		if errors.Is(err, central.ErrSchemaOutdated) {
			return
		}
		reportSums(tb, bad, err)
		CheckOpenCounts(tb, s)
	})
}

// CheckOpenCounts fails the test unless the kept counts of open conflicts
// agree with the conflicts.
func CheckOpenCounts(tb testing.TB, s *central.Store) {
	tb.Helper()
	bad, err := s.CheckOpenCounts(context.Background())
	if err != nil {
		tb.Errorf("CheckOpenCounts: %v", err)
	}
	for _, b := range bad {
		tb.Errorf("open conflict count out of step: %s", b)
	}
}

func reportSums(tb testing.TB, bad []string, err error) {
	tb.Helper()
	if err != nil {
		tb.Errorf("CheckSums: %v", err)
	}
	for _, b := range bad {
		tb.Errorf("stored checksum out of step: %s", b)
	}
}

// EditAccounts changes central accounts past keysync, as an admin with SQL
// would, and then rebuilds the stored checksums as such an admin must.
func EditAccounts(tb testing.TB, db *sql.DB, q string, args ...any) {
	tb.Helper()
	testdb.MustExec(tb, db, q, args...)
	if err := central.New(db, central.Numbering{}).RebuildSums(tb.Context()); err != nil {
		tb.Fatalf("RebuildSums: %v", err)
	}
}

// EditAccounts is EditAccounts on this database.
func (c *Central) EditAccounts(tb testing.TB, q string, args ...any) {
	tb.Helper()
	EditAccounts(tb, c.DB, q, args...)
}

// MustCount returns SELECT COUNT(*) FROM table [WHERE where].
func MustCount(tb testing.TB, db *sql.DB, table, where string, args ...any) int {
	tb.Helper()
	q := "SELECT COUNT(*) FROM " + table
	if where != "" {
		q += " WHERE " + where
	}
	var n int
	if err := db.QueryRowContext(tb.Context(), q, args...).Scan(&n); err != nil {
		tb.Fatalf("%s: %v", q, err)
	}
	return n
}

// MustCount is MustCount on this database.
func (c *Central) MustCount(tb testing.TB, table, where string, args ...any) int {
	tb.Helper()
	return MustCount(tb, c.DB, table, where, args...)
}

// MustSequence returns the next value of a sequence: "customer",
// "household" or "person".
func (c *Central) MustSequence(tb testing.TB, name string) uint64 {
	tb.Helper()
	var v uint64
	if err := c.DB.QueryRowContext(tb.Context(), "SELECT next_value FROM sequences WHERE name = ?", name).Scan(&v); err != nil {
		tb.Fatalf("read sequence %s: %v", name, err)
	}
	return v
}

// Linked returns the number the central store links an account to, or "".
func (c *Central) Linked(tb testing.TB, source string, id uint64) string {
	tb.Helper()
	var n string
	err := c.DB.QueryRowContext(tb.Context(), "SELECT number FROM accounts WHERE source = ? AND account_id = ?", source, id).Scan(&n)
	if err == sql.ErrNoRows {
		return ""
	}
	if err != nil {
		tb.Fatalf("read link %s:%d: %v", source, id, err)
	}
	return n
}

// Number formats the customer number of a sequence value.
func (c *Central) Number(tb testing.TB, seq uint64) string {
	tb.Helper()
	s, err := c.Num.Number.Format(seq, "")
	if err != nil {
		tb.Fatal(err)
	}
	return s
}
