package typo3_test

import (
	"database/sql"
	"testing"
	"time"

	"keysync/internal/testdb"
	"keysync/sources/typo3"
	keysync "keysync/sync"
)

// schemas are the fe_users tables every database test runs against.
var schemas = []string{testdb.Typo3V12, testdb.Typo3V13, testdb.Typo3Upgraded}

// now is the clock of every test: the starttime/endtime window is judged
// against it, never against the wall clock.
var now = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

// Widths of the default templates: {seq:8}{check}, {seq:7}, {seq:8}.
const (
	numberLen = 9
	hhLen     = 7
	peLen     = 8
)

// portal is one TYPO3 database with its fe_users table and a source on it.
type portal struct {
	dsn string
	db  *sql.DB // the test's own pool, for fixtures and assertions
	src *typo3.Source
}

// mustPortal creates a database with the fe_users table of schema and opens
// a source on it through its own pool, as the daemon would. keysync's
// columns are not there yet.
func mustPortal(tb testing.TB, schema string, cfg typo3.Config) *portal {
	tb.Helper()
	var dsn string
	var db *sql.DB
	if schema == testdb.Typo3Upgraded {
		dsn, db = testdb.NewWithCollation(tb, "typo3", "utf8mb3", "utf8mb3_general_ci")
	} else {
		dsn, db = testdb.New(tb, "typo3")
	}
	testdb.CreateFeUsers(tb, db, schema)
	return &portal{dsn: dsn, db: db, src: mustOpen(tb, dsn, cfg)}
}

// mustOpen opens another source on the portal database with its own pool.
// Empty config fields get the test defaults.
func mustOpen(tb testing.TB, dsn string, cfg typo3.Config) *typo3.Source {
	tb.Helper()
	if cfg.Name == "" {
		cfg.Name = "amicas"
	}
	if cfg.NumberLen == 0 {
		cfg.NumberLen, cfg.HHLen, cfg.PELen = numberLen, hhLen, peLen
	}
	cfg.DSN = dsn
	src, err := typo3.Open(cfg)
	if err != nil {
		tb.Fatalf("open source: %v", err)
	}
	tb.Cleanup(func() { src.Close() })
	return src
}

// mustMigrated is mustPortal with keysync's columns and index in place and
// the source checked, as after `keysync migrate` and start-up.
func mustMigrated(tb testing.TB, schema string, cfg typo3.Config) *portal {
	tb.Helper()
	p := mustPortal(tb, schema, cfg)
	mustMigrate(tb, p.src)
	mustCheck(tb, p.src)
	return p
}

func mustMigrate(tb testing.TB, src *typo3.Source) []string {
	tb.Helper()
	stmts, err := src.Migrate(tb.Context())
	if err != nil {
		tb.Fatalf("Migrate: %v", err)
	}
	return stmts
}

func mustCheck(tb testing.TB, src *typo3.Source) {
	tb.Helper()
	if err := src.Check(tb.Context()); err != nil {
		tb.Fatalf("Check: %v", err)
	}
}

func mustPending(tb testing.TB, src *typo3.Source, after uint64, limit int) []keysync.Account {
	tb.Helper()
	rows, err := src.Pending(tb.Context(), after, limit, now)
	if err != nil {
		tb.Fatalf("Pending(%d, %d): %v", after, limit, err)
	}
	return rows
}

func mustSweep(tb testing.TB, src *typo3.Source, after uint64, limit int) []keysync.Account {
	tb.Helper()
	rows, err := src.Sweep(tb.Context(), after, limit, now)
	if err != nil {
		tb.Fatalf("Sweep(%d, %d): %v", after, limit, err)
	}
	return rows
}

// mustKeysyncValues sets keysync's three columns of one row directly, as an
// earlier write-back or an admin would have.
func mustKeysyncValues(tb testing.TB, db *sql.DB, uid uint64, num, hh, pe string) {
	tb.Helper()
	testdb.MustExec(tb, db, "UPDATE fe_users SET "+typo3.DefaultNumberColumn+" = ?, "+typo3.DefaultHHColumn+" = ?, "+typo3.DefaultPEColumn+" = ? WHERE uid = ?", num, hh, pe, uid)
}

// row is what the table holds in keysync's columns and tstamp.
type row struct {
	Number, HH, PE string
	Tstamp         int64
}

func mustRow(tb testing.TB, db *sql.DB, uid uint64) row {
	tb.Helper()
	var r row
	err := db.QueryRowContext(tb.Context(), "SELECT "+typo3.DefaultNumberColumn+", "+typo3.DefaultHHColumn+", "+typo3.DefaultPEColumn+", tstamp FROM fe_users WHERE uid = ?", uid).
		Scan(&r.Number, &r.HH, &r.PE, &r.Tstamp)
	if err != nil {
		tb.Fatalf("read row %d: %v", uid, err)
	}
	return r
}

// columnInfo is information_schema's view of one column.
type columnInfo struct {
	Type, Nullable, Collation string
}

func mustColumn(tb testing.TB, db *sql.DB, name string) (columnInfo, bool) {
	tb.Helper()
	var c columnInfo
	err := db.QueryRowContext(tb.Context(), `SELECT COLUMN_TYPE, IS_NULLABLE, COALESCE(COLLATION_NAME, '') FROM information_schema.COLUMNS
		WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'fe_users' AND COLUMN_NAME = ?`, name).Scan(&c.Type, &c.Nullable, &c.Collation)
	if err == sql.ErrNoRows {
		return c, false
	}
	if err != nil {
		tb.Fatalf("read column %s: %v", name, err)
	}
	return c, true
}

func mustIndexColumns(tb testing.TB, db *sql.DB, index string) []string {
	tb.Helper()
	rows, err := db.QueryContext(tb.Context(), `SELECT COLUMN_NAME FROM information_schema.STATISTICS
		WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'fe_users' AND INDEX_NAME = ? ORDER BY SEQ_IN_INDEX`, index)
	if err != nil {
		tb.Fatalf("read index %s: %v", index, err)
	}
	defer rows.Close()
	var cols []string
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			tb.Fatalf("read index %s: %v", index, err)
		}
		cols = append(cols, c)
	}
	if err := rows.Err(); err != nil {
		tb.Fatalf("read index %s: %v", index, err)
	}
	return cols
}

func mustTableCollation(tb testing.TB, db *sql.DB) string {
	tb.Helper()
	var c string
	if err := db.QueryRowContext(tb.Context(), `SELECT TABLE_COLLATION FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'fe_users'`).Scan(&c); err != nil {
		tb.Fatalf("read table collation: %v", err)
	}
	return c
}

func uids(accounts []keysync.Account) []uint64 {
	out := make([]uint64, len(accounts))
	for i, a := range accounts {
		out[i] = a.ID
	}
	return out
}
