package centraltest

import (
	"database/sql"
	"testing"

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
	dsn, db := testdb.New(tb, name)
	testdb.CreateFeUsers(tb, db, testdb.Typo3V13)
	src, err := typo3.Open(typo3.Config{Name: name, DSN: dsn,
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
