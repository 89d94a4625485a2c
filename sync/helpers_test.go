package keysync_test

import (
	"context"
	"database/sql"
	"io"
	"log/slog"
	"testing"
	"time"

	"keysync/internal/testdb"
	"keysync/sources/typo3"
	keysync "keysync/sync"
	"keysync/sync/central"
	"keysync/sync/number"
)

// now is the clock of the engine and the store in every test.
var now = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

const numberStart = 1000

// rig is a central database, the store and an engine on it, and the
// portals the engine works.
type rig struct {
	central *sql.DB // the test's own pool, for assertions
	num     central.Numbering
	store   *central.Store
	engine  *keysync.Engine
}

// portal is one TYPO3 v13 portal database with keysync's columns.
type portal struct {
	db     *sql.DB // the test's own pool, for fixtures and assertions
	src    *typo3.Source
	portal keysync.Portal
}

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

// editAccounts changes central accounts past the store, as an admin with
// SQL would, and then rebuilds the stored checksums as such an admin must.
func (r *rig) editAccounts(tb testing.TB, q string, args ...any) {
	tb.Helper()
	testdb.MustExec(tb, r.central, q, args...)
	if err := r.store.RebuildSums(tb.Context()); err != nil {
		tb.Fatalf("RebuildSums: %v", err)
	}
}

// mustRig creates and migrates a central database and returns an engine on
// it that logs to log (nil: nowhere).
func mustRig(tb testing.TB, log io.Writer) *rig {
	tb.Helper()
	dsn, db := testdb.New(tb, "central")
	num := central.Numbering{
		Number: mustTemplate(tb, "{seq:8}{check}"), Household: mustTemplate(tb, "{seq:7}"), Person: mustTemplate(tb, "{seq:8}"),
		NumberStart: numberStart, HHStart: 1, PEStart: 1,
	}
	store, err := central.Open(dsn, num)
	if err != nil {
		tb.Fatalf("central.Open: %v", err)
	}
	tb.Cleanup(func() { store.Close() })
	store.Now, store.Actor = func() time.Time { return now }, "test"
	if _, err := store.Migrate(tb.Context()); err != nil {
		tb.Fatalf("central Migrate: %v", err)
	}
	// When the test ends, every write of accounts must have kept the
	// stored checksums.
	tb.Cleanup(func() {
		bad, err := store.CheckSums(context.Background())
		if err != nil {
			tb.Errorf("CheckSums: %v", err)
		}
		for _, b := range bad {
			tb.Errorf("stored checksum out of step: %s", b)
		}
	})
	if log == nil {
		log = io.Discard
	}
	return &rig{central: db, num: num, store: store, engine: &keysync.Engine{
		Store: store, BatchSize: 500, Logger: slog.New(slog.NewJSONHandler(log, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Now: func() time.Time { return now },
	}}
}

// mustPortal creates a TYPO3 v13 portal with keysync's columns, checked as
// at start-up.
func (r *rig) mustPortal(tb testing.TB, name string) *portal {
	tb.Helper()
	dsn, db := testdb.New(tb, name)
	testdb.CreateFeUsers(tb, db, testdb.Typo3V13)
	src, err := typo3.Open(typo3.Config{Name: name, DSN: dsn,
		NumberLen: r.num.Number.MaxLen(), HHLen: r.num.Household.MaxLen(), PELen: r.num.Person.MaxLen()})
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
	return &portal{db: db, src: src, portal: keysync.Portal{Source: src, Country: "AT"}}
}

// mustPass runs one pass and fails the test on an error.
func (r *rig) mustPass(tb testing.TB, p keysync.Portal) keysync.Counts {
	tb.Helper()
	c, err := r.engine.Pass(tb.Context(), tb.Context(), p)
	if err != nil {
		tb.Fatalf("Pass over %s: %v", p.Source.Name(), err)
	}
	return c
}

func (r *rig) mustCount(tb testing.TB, table, where string, args ...any) int {
	tb.Helper()
	return mustCount(tb, r.central, table, where, args...)
}

func mustCount(tb testing.TB, db *sql.DB, table, where string, args ...any) int {
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

func (r *rig) mustSequence(tb testing.TB) uint64 {
	tb.Helper()
	var v uint64
	if err := r.central.QueryRowContext(tb.Context(), "SELECT next_value FROM sequences WHERE name = 'customer'").Scan(&v); err != nil {
		tb.Fatalf("read sequence: %v", err)
	}
	return v
}

// linked returns the number the central store links an account to, or "".
func (r *rig) linked(tb testing.TB, source string, id uint64) string {
	tb.Helper()
	var n string
	err := r.central.QueryRowContext(tb.Context(), "SELECT number FROM accounts WHERE source = ? AND account_id = ?", source, id).Scan(&n)
	if err == sql.ErrNoRows {
		return ""
	}
	if err != nil {
		tb.Fatalf("read link %s:%d: %v", source, id, err)
	}
	return n
}

// ids is what a portal row holds in keysync's columns.
type ids struct{ Number, HH, PE string }

// mustRows reads keysync's columns of every row of a portal.
func (p *portal) mustRows(tb testing.TB) map[uint64]ids {
	tb.Helper()
	rows, err := p.db.QueryContext(tb.Context(), "SELECT uid, tx_keysync_customer_number, tx_keysync_wibisoft_hh_id, tx_keysync_wibisoft_pe_id FROM fe_users")
	if err != nil {
		tb.Fatalf("read fe_users: %v", err)
	}
	defer rows.Close()
	out := map[uint64]ids{}
	for rows.Next() {
		var uid uint64
		var v ids
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

func (p *portal) mustRow(tb testing.TB, uid uint64) ids {
	tb.Helper()
	v, ok := p.mustRows(tb)[uid]
	if !ok {
		tb.Fatalf("row %d is gone", uid)
	}
	return v
}

// hookSource lets a test act between the engine's decision and the
// write-back: fail it, or change the portal row first.
type hookSource struct {
	keysync.Source
	beforeWriteBack func(ctx context.Context, writes []keysync.Write) error
}

func (h *hookSource) WriteBack(ctx context.Context, writes []keysync.Write) ([]keysync.Written, error) {
	if h.beforeWriteBack != nil {
		if err := h.beforeWriteBack(ctx, writes); err != nil {
			return nil, err
		}
	}
	return h.Source.WriteBack(ctx, writes)
}

func user(name, first, last, email string) testdb.FeUser {
	return testdb.FeUser{Pid: 5, Username: name, FirstName: first, LastName: last, Email: email, Crdate: now.Unix() - 3600, Tstamp: now.Unix() - 3600}
}
