package centraltest

import (
	"database/sql"
	"strings"
	"testing"
)

// Dump returns every value of every table of the database db is connected
// to, as text: one line per row, "table: value|value|...". Erasure tests
// look for a forgotten person's values in it, wherever they might hide.
func Dump(tb testing.TB, db *sql.DB) string {
	tb.Helper()
	ctx := tb.Context()
	rows, err := db.QueryContext(ctx, `SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE() ORDER BY 1`)
	if err != nil {
		tb.Fatalf("list tables: %v", err)
	}
	var tables []string
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			tb.Fatalf("list tables: %v", err)
		}
		tables = append(tables, t)
	}
	rows.Close()
	if len(tables) == 0 {
		tb.Fatal("dump: the database has no tables")
	}
	var b strings.Builder
	for _, t := range tables {
		dumpTable(tb, db, t, &b)
	}
	return b.String()
}

func dumpTable(tb testing.TB, db *sql.DB, table string, b *strings.Builder) {
	tb.Helper()
	rows, err := db.QueryContext(tb.Context(), "SELECT * FROM `"+table+"`")
	if err != nil {
		tb.Fatalf("dump %s: %v", table, err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		tb.Fatalf("dump %s: %v", table, err)
	}
	vals := make([]sql.RawBytes, len(cols))
	dest := make([]any, len(cols))
	for i := range vals {
		dest[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			tb.Fatalf("dump %s: %v", table, err)
		}
		b.WriteString(table + ": ")
		for i, v := range vals {
			if i > 0 {
				b.WriteByte('|')
			}
			b.Write(v)
		}
		b.WriteByte('\n')
	}
	if err := rows.Err(); err != nil {
		tb.Fatalf("dump %s: %v", table, err)
	}
}
