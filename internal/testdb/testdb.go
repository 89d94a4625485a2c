// Package testdb gives tests of keysync a real MariaDB: a fresh database per
// test, the TYPO3 and WordPress user tables as those products create them, and
// realistic registrations to fill them.
//
// The server comes from KEYSYNC_TEST_DSN, a DSN with root rights and no
// database, such as root@tcp(127.0.0.1:3306)/. `make test` starts a throwaway
// server through .ci/with-mariadb and sets it. Every database a test creates is
// named ks_<prefix>_<random hex> and dropped when the test ends, unless
// KEYSYNC_TEST_KEEP=1 keeps it for a look after a failure.
//
// Helpers call tb.Fatal, so call them from the test's own goroutine.
package testdb

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/go-sql-driver/mysql"
)

// Environment variables read by this package.
const (
	EnvDSN  = "KEYSYNC_TEST_DSN"
	EnvKeep = "KEYSYNC_TEST_KEEP"
)

// Default character set and collation of a database made by New.
const (
	DefaultCharset   = "utf8mb4"
	DefaultCollation = "utf8mb4_unicode_ci"
)

const noServer = "no test database: run `make test` (starts a throwaway MariaDB) or set KEYSYNC_TEST_DSN=root@tcp(127.0.0.1:3306)/"

// ServerDSN returns KEYSYNC_TEST_DSN. Without it the test fails, because a
// suite that silently skips its database tests proves nothing; only under
// `go test -short` outside CI does it skip instead.
func ServerDSN(tb testing.TB) string {
	tb.Helper()
	if dsn := os.Getenv(EnvDSN); dsn != "" {
		return dsn
	}
	if ci := InCI(tb); testing.Short() && !ci {
		tb.Skip(noServer)
		return ""
	}
	tb.Fatal(noServer)
	return ""
}

// InCI reports whether the tests run in CI: CI set to a true value, as CI
// services do. There a check that cannot run must fail rather than skip.
// A CI value that is no boolean ends the test: read as false it would turn
// every such failure back into a silent skip.
func InCI(tb testing.TB) bool {
	tb.Helper()
	v, ok := os.LookupEnv("CI")
	if !ok || v == "" {
		return false
	}
	ci, err := strconv.ParseBool(v)
	if err != nil {
		tb.Fatalf("CI=%q is not a boolean (true, false, 1, 0): the tests cannot tell whether a missing tool or database must fail", v)
		return false
	}
	return ci
}

// New creates a fresh utf8mb4 / utf8mb4_unicode_ci database and returns its
// DSN and an open pool on it. Both go away when the test ends.
func New(tb testing.TB, prefix string) (dsn string, db *sql.DB) {
	tb.Helper()
	return NewWithCollation(tb, prefix, "", "")
}

// NewWithCollation is New with the database's default character set and
// collation chosen by the test; empty values mean utf8mb4 and
// utf8mb4_unicode_ci. The prefix is folded to lower-case letters, digits and
// underscores, so t.Name() works as a prefix.
func NewWithCollation(tb testing.TB, prefix, charset, collation string) (dsn string, db *sql.DB) {
	tb.Helper()
	if charset == "" {
		charset = DefaultCharset
	}
	if collation == "" {
		collation = DefaultCollation
	}
	if !isWord(charset) || !isWord(collation) {
		tb.Fatalf("testdb: bad charset %q or collation %q", charset, collation)
		return "", nil
	}

	cfg, err := mysql.ParseDSN(ServerDSN(tb))
	if err != nil {
		tb.Fatalf("testdb: parse %s: %v", EnvDSN, err)
		return "", nil
	}
	cfg.DBName = ""
	admin := openPool(tb, cfg)
	defer admin.Close()

	name := dbName(prefix)
	ctx := tb.Context()
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE `"+name+"` CHARACTER SET "+charset+" COLLATE "+collation); err != nil {
		tb.Fatalf("testdb: create database %s: %v", name, err)
		return "", nil
	}

	cfg.DBName = name
	if err := cfg.Apply(mysql.Charset("utf8mb4", "")); err != nil {
		tb.Fatalf("testdb: set charset: %v", err)
		return "", nil
	}
	dsn = cfg.FormatDSN()
	db = openPool(tb, cfg)

	tb.Cleanup(func() {
		db.Close()
		if keep, _ := strconv.ParseBool(os.Getenv(EnvKeep)); keep {
			tb.Logf("testdb: keeping database %s (%s is set)", name, EnvKeep)
			return
		}
		cfg.DBName = ""
		admin, err := sql.Open("mysql", cfg.FormatDSN())
		if err == nil {
			defer admin.Close()
			_, err = admin.ExecContext(context.Background(), "DROP DATABASE IF EXISTS `"+name+"`")
		}
		if err != nil {
			tb.Errorf("testdb: drop database %s: %v", name, err)
		}
	})
	return dsn, db
}

// MustExec runs one statement and fails the test if it errors.
func MustExec(tb testing.TB, db *sql.DB, query string, args ...any) {
	tb.Helper()
	if _, err := db.ExecContext(tb.Context(), query, args...); err != nil {
		tb.Fatalf("testdb: exec %s: %v", abbrev(query), err)
	}
}

// openPool opens and pings a pool for cfg. Errors name only the server
// address, never the password.
func openPool(tb testing.TB, cfg *mysql.Config) *sql.DB {
	tb.Helper()
	connector, err := mysql.NewConnector(cfg)
	if err != nil {
		tb.Fatalf("testdb: %s: %v", EnvDSN, err)
		return nil
	}
	db := sql.OpenDB(connector)
	if err := db.PingContext(tb.Context()); err != nil {
		db.Close()
		tb.Fatalf("testdb: connect to %s %s as %s: %v", cfg.Net, cfg.Addr, cfg.User, err)
		return nil
	}
	return db
}

var nonWord = regexp.MustCompile(`[^a-z0-9_]+`)

// dbName returns ks_<prefix>_<8 random hex digits>, short enough for
// MariaDB's 64-character limit.
func dbName(prefix string) string {
	p := nonWord.ReplaceAllString(strings.ToLower(prefix), "_")
	p = strings.Trim(p, "_")
	if len(p) > 40 {
		p = p[:40]
	}
	if p == "" {
		p = "test"
	}
	var b [4]byte
	_, _ = rand.Read(b[:])
	return "ks_" + p + "_" + hex.EncodeToString(b[:])
}

var word = regexp.MustCompile(`^[A-Za-z0-9_]+$`)

func isWord(s string) bool { return word.MatchString(s) }

// abbrev shortens a statement for an error message.
func abbrev(query string) string {
	q := strings.Join(strings.Fields(query), " ")
	if len(q) > 120 {
		q = q[:120] + "..."
	}
	return q
}

// execer is what *sql.DB and *sql.Conn have in common.
type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}
