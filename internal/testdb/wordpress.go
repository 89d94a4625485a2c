package testdb

import (
	"context"
	"database/sql"
	"fmt"
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
	if err := CreateWordPressDB(tb.Context(), db, schema, prefix); err != nil {
		tb.Fatal(err)
	}
}

// CreateWordPressDB is CreateWordPress for programs without a testing.TB,
// such as the demo.
func CreateWordPressDB(ctx context.Context, db *sql.DB, schema, prefix string) error {
	switch schema {
	case WordPressSingle, WordPressMultisite:
	default:
		return fmt.Errorf("testdb: %q is not a WordPress schema", schema)
	}
	if err := validWordPressPrefix(prefix); err != "" {
		return fmt.Errorf("testdb: WordPress table prefix %q: %s", prefix, err)
	}
	ddl, err := schemaDDL(schema)
	if err != nil {
		return err
	}
	script := wpTable.ReplaceAllString(ddl, "CREATE TABLE `"+prefix+"${1}` (")

	conn, err := db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("testdb: %s: %w", schema, err)
	}
	defer conn.Close()
	var mode string
	if err := conn.QueryRowContext(ctx, "SELECT @@SESSION.sql_mode").Scan(&mode); err != nil {
		return fmt.Errorf("testdb: %s: read sql_mode: %w", schema, err)
	}
	if _, err := conn.ExecContext(ctx, "SET SESSION sql_mode = ''"); err != nil {
		return fmt.Errorf("testdb: %s: clear sql_mode: %w", schema, err)
	}
	if err := runScript(ctx, conn, schema, script); err != nil {
		return err
	}
	// The connection goes back to the pool; it must not keep wpdb's mode.
	if _, err := conn.ExecContext(ctx, "SET SESSION sql_mode = ?", mode); err != nil {
		return fmt.Errorf("testdb: %s: restore sql_mode: %w", schema, err)
	}
	return nil
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
