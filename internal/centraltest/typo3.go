package centraltest

import (
	"database/sql"
	"testing"
	"time"

	"keysync/internal/testdb"
	"keysync/sources/typo3"
	keysync "keysync/sync"
)

// Portal is one TYPO3 v13 portal database with keysync's columns.
type Portal struct {
	DB     *sql.DB // the test's own pool, for fixtures and assertions
	Source *typo3.Source
	Portal keysync.Portal // the source with the country AT
}

// Typo3 creates a TYPO3 v13 portal with keysync's columns as wide as the
// central numbering needs, checked as at start-up.
func (c *Central) Typo3(tb testing.TB, name string) *Portal {
	tb.Helper()
	return c.Typo3Schema(tb, name, testdb.Typo3V13)
}

// Femanager is Typo3 with femanager's columns (testdb.Typo3Femanager),
// whose date_of_birth the source reads as midnight in Vienna.
func (c *Central) Femanager(tb testing.TB, name string) *Portal {
	tb.Helper()
	return c.Typo3Schema(tb, name, testdb.Typo3Femanager)
}

// Typo3Schema is Typo3 with the fe_users table of a testdb schema.
func (c *Central) Typo3Schema(tb testing.TB, name, schema string) *Portal {
	tb.Helper()
	dsn, db := testdb.New(tb, name)
	testdb.CreateFeUsers(tb, db, schema)
	vienna, err := time.LoadLocation("Europe/Vienna")
	if err != nil {
		tb.Fatal(err)
	}
	src, err := typo3.Open(typo3.Config{Name: name, DSN: dsn, Location: vienna,
		NumberLen: c.Num.Number.MaxLen(), HHLen: c.Num.Household.MaxLen(), PELen: c.Num.Person.MaxLen()})
	if err != nil {
		tb.Fatalf("typo3.Open: %v", err)
	}
	tb.Cleanup(func() { src.Close() })
	if _, err := src.Migrate(tb.Context()); err != nil {
		tb.Fatalf("typo3 Migrate: %v", err)
	}
	if err := src.Check(tb.Context()); err != nil {
		tb.Fatalf("typo3 Check: %v", err)
	}
	return &Portal{DB: db, Source: src, Portal: keysync.Portal{Source: src, Country: "AT"}}
}

// User is a confirmed fe_users row registered an hour before Now.
func User(username, first, last, email string) testdb.FeUser {
	return testdb.FeUser{Pid: 5, Username: username, FirstName: first, LastName: last, Email: email,
		Crdate: Now.Unix() - 3600, Tstamp: Now.Unix() - 3600}
}

// IDs is what a portal row holds in keysync's columns.
type IDs struct{ Number, HH, PE string }

// MustRows reads keysync's columns of every row of the portal.
func (p *Portal) MustRows(tb testing.TB) map[uint64]IDs {
	tb.Helper()
	rows, err := p.DB.QueryContext(tb.Context(), "SELECT uid, tx_keysync_customer_number, tx_keysync_wibisoft_hh_id, tx_keysync_wibisoft_pe_id FROM fe_users")
	if err != nil {
		tb.Fatalf("read fe_users: %v", err)
	}
	defer rows.Close()
	out := map[uint64]IDs{}
	for rows.Next() {
		var uid uint64
		var v IDs
		if err := rows.Scan(&uid, &v.Number, &v.HH, &v.PE); err != nil {
			tb.Fatalf("read fe_users: %v", err)
		}
		out[uid] = v
	}
	if err := rows.Err(); err != nil {
		tb.Fatalf("read fe_users: %v", err)
	}
	return out
}

// MustRow reads keysync's columns of one row, which must exist.
func (p *Portal) MustRow(tb testing.TB, uid uint64) IDs {
	tb.Helper()
	v, ok := p.MustRows(tb)[uid]
	if !ok {
		tb.Fatalf("row %d is gone", uid)
	}
	return v
}

// BornIn returns femanager's date_of_birth of a day: midnight in Vienna.
func BornIn(tb testing.TB, year int, month time.Month, day int) int64 {
	tb.Helper()
	vienna, err := time.LoadLocation("Europe/Vienna")
	if err != nil {
		tb.Fatal(err)
	}
	return time.Date(year, month, day, 0, 0, 0, 0, vienna).Unix()
}
