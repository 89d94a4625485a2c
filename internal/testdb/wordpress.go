package testdb

import (
	"database/sql"
	"regexp"
	"testing"
)

// Schemas of the WordPress user tables for CreateWordPress.
const (
	// WordPressSingle is <prefix>users and <prefix>usermeta of a single site.
	WordPressSingle = "wordpress-single"
	// WordPressMultisite adds spam and deleted to <prefix>users and creates
	// <prefix>signups, where pending sign-ups wait.
	WordPressMultisite = "wordpress-multisite"
)

// maxTableName is MariaDB's limit on identifiers.
const maxTableName = 64

var wpTable = regexp.MustCompile(`(?m)^CREATE TABLE wp_(\w+) \(`)

// CreateWordPress creates the WordPress user tables of the given schema with
// the table prefix (such as "wp_"), exactly as wp-admin/includes/schema.php
// does. Like wpdb it runs with an empty sql_mode, which the zero-date defaults
// of user_registered need on strict servers.
func CreateWordPress(tb testing.TB, db *sql.DB, schema, prefix string) {
	tb.Helper()
	switch schema {
	case WordPressSingle, WordPressMultisite:
	default:
		tb.Fatalf("testdb: %q is not a WordPress schema", schema)
		return
	}
	if err := validWordPressPrefix(prefix); err != "" {
		tb.Fatalf("testdb: WordPress table prefix %q: %s", prefix, err)
		return
	}
	script := wpTable.ReplaceAllString(schemaScript(tb, schema), "CREATE TABLE `"+prefix+"${1}` (")

	ctx := tb.Context()
	conn, err := db.Conn(ctx)
	if err != nil {
		tb.Fatalf("testdb: %s: %v", schema, err)
		return
	}
	defer conn.Close()
	var mode string
	if err := conn.QueryRowContext(ctx, "SELECT @@SESSION.sql_mode").Scan(&mode); err != nil {
		tb.Fatalf("testdb: %s: read sql_mode: %v", schema, err)
		return
	}
	if _, err := conn.ExecContext(ctx, "SET SESSION sql_mode = ''"); err != nil {
		tb.Fatalf("testdb: %s: clear sql_mode: %v", schema, err)
		return
	}
	execScript(tb, ctx, conn, schema, script)
	// The connection goes back to the pool; it must not keep wpdb's mode.
	if _, err := conn.ExecContext(ctx, "SET SESSION sql_mode = ?", mode); err != nil {
		tb.Fatalf("testdb: %s: restore sql_mode: %v", schema, err)
	}
}

// validWordPressPrefix applies WordPress's own rule for $table_prefix
// (letters, digits and underscores) and MariaDB's identifier length. It
// returns what is wrong, or "".
func validWordPressPrefix(prefix string) string {
	switch {
	case prefix == "":
		return "empty"
	case !isWord(prefix):
		return "only letters, digits and underscores are allowed"
	case len(prefix)+len("usermeta") > maxTableName:
		return "too long"
	}
	return ""
}
