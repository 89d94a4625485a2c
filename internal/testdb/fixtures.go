package testdb

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// The functions in this file are the fixtures without a testing.TB: they
// return errors, so that programs such as keysync-demo and keysync-bench
// build the same tables and rows as the tests. The TB helpers call them.

// FeUsersDDL returns the DDL script of a TYPO3 schema (Typo3V12, Typo3V13 or
// Typo3Upgraded): fe_users and a small fe_groups, statements ending with ";"
// at the end of a line.
func FeUsersDDL(schema string) (string, error) {
	switch schema {
	case Typo3V12, Typo3V13, Typo3Upgraded, Typo3Femanager:
	default:
		return "", fmt.Errorf("testdb: %q is not a TYPO3 schema", schema)
	}
	return schemaDDL(schema)
}

// CreateFeUsersDB creates fe_users and fe_groups with the DDL of the given
// TYPO3 schema in db's database.
func CreateFeUsersDB(ctx context.Context, db *sql.DB, schema string) error {
	script, err := FeUsersDDL(schema)
	if err != nil {
		return err
	}
	return runScript(ctx, db, schema, script)
}

// schemaDDL returns the DDL of any named schema.
func schemaDDL(schema string) (string, error) {
	b, err := schemaFS.ReadFile("schema/" + schema + ".sql")
	if err != nil {
		return "", fmt.Errorf("testdb: unknown schema %q", schema)
	}
	return string(b), nil
}

// runScript runs the statements of a schema script one by one (the DSNs do
// not allow several statements in one call). Statements end with ";" at the
// end of a line; lines starting with "--" are comments.
func runScript(ctx context.Context, db execer, name, script string) error {
	var stmt strings.Builder
	for line := range strings.Lines(script) {
		trimmed := strings.TrimSpace(line)
		if trimmed == "" || strings.HasPrefix(trimmed, "--") {
			continue
		}
		stmt.WriteString(line)
		if !strings.HasSuffix(trimmed, ";") {
			continue
		}
		q := strings.TrimSuffix(strings.TrimSpace(stmt.String()), ";")
		stmt.Reset()
		if _, err := db.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("testdb: %s: %s: %w", name, abbrev(q), err)
		}
	}
	if rest := strings.TrimSpace(stmt.String()); rest != "" {
		return fmt.Errorf("testdb: %s: statement without final semicolon: %s", name, abbrev(rest))
	}
	return nil
}

// InsertFeUsersDB inserts the users into fe_users and returns their uids in
// order. Rows go in multi-row INSERTs of up to 1000; a run of rows without a
// UID gets consecutive uids from AUTO_INCREMENT, as MariaDB's default
// innodb_autoinc_lock_mode guarantees for such inserts. Runs with and without
// UIDs are inserted separately so that the uids can be told apart.
func InsertFeUsersDB(ctx context.Context, db *sql.DB, users []FeUser) ([]uint64, error) {
	uids := make([]uint64, 0, len(users))
	args := make([]any, 0, insertChunk*(feUserColumnCount+2))
	var femanager bool
	if err := db.QueryRowContext(ctx, `SELECT COUNT(*) > 0 FROM information_schema.COLUMNS
 WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'fe_users' AND COLUMN_NAME = 'date_of_birth'`).Scan(&femanager); err != nil {
		return nil, fmt.Errorf("testdb: inspect fe_users: %w", err)
	}
	columns, row := feUserColumns, "(?"+strings.Repeat(",?", feUserColumnCount-1)+")"
	if femanager {
		columns, row = columns+femanagerColumns, "(?"+strings.Repeat(",?", feUserColumnCount+1)+")"
	}
	var q strings.Builder
	for start := 0; start < len(users); {
		auto := users[start].UID == 0
		end := start + 1
		for end < len(users) && end-start < insertChunk && (users[end].UID == 0) == auto {
			end++
		}
		chunk := users[start:end]

		q.Reset()
		q.WriteString("INSERT INTO fe_users (" + columns + ") VALUES ")
		args = args[:0]
		for i := range chunk {
			if i > 0 {
				q.WriteByte(',')
			}
			q.WriteString(row)
			args = chunk[i].values(args, femanager)
		}
		res, err := db.ExecContext(ctx, q.String(), args...)
		if err != nil {
			return nil, fmt.Errorf("testdb: insert fe_users rows %d-%d: %w", start, end-1, err)
		}
		if n, err := res.RowsAffected(); err != nil || n != int64(len(chunk)) {
			return nil, fmt.Errorf("testdb: insert fe_users rows %d-%d: %d rows affected (%v), want %d", start, end-1, n, err, len(chunk))
		}
		if auto {
			first, err := res.LastInsertId()
			if err != nil {
				return nil, fmt.Errorf("testdb: insert fe_users: last insert id: %w", err)
			}
			for i := range chunk {
				uids = append(uids, uint64(first)+uint64(i))
			}
		} else {
			for i := range chunk {
				uids = append(uids, chunk[i].UID)
			}
		}
		start = end
	}
	return uids, nil
}
