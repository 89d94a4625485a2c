package central

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"

	"keysync/internal/sqlutil"
)

// insert collects the rows of one table for a multi-row INSERT, so a batch
// of hundreds of accounts costs a handful of statements.
type insert struct {
	verb  string // "INSERT" or "INSERT IGNORE"
	table string
	cols  []string
	rows  [][]any
}

func (in *insert) add(values ...any) {
	if len(values) != len(in.cols) {
		panic(fmt.Sprintf("central: %s insert with %d values for %d columns", in.table, len(values), len(in.cols)))
	}
	in.rows = append(in.rows, values)
}

const insertChunk = 1000

func (in *insert) exec(ctx context.Context, tx *sql.Tx) error {
	_, err := in.execCount(ctx, tx)
	return err
}

// execCount inserts the rows and returns how many the server inserted
// (fewer than added when INSERT IGNORE left some out).
func (in *insert) execCount(ctx context.Context, tx *sql.Tx) (int, error) {
	n := 0
	for start := 0; start < len(in.rows); start += insertChunk {
		chunk := in.rows[start:min(start+insertChunk, len(in.rows))]
		q := in.verb + ` INTO ` + in.table + ` (` + strings.Join(in.cols, ", ") + `) VALUES ` + sqlutil.Rows(len(chunk), len(in.cols))
		args := make([]any, 0, len(chunk)*len(in.cols))
		for _, r := range chunk {
			args = append(args, r...)
		}
		res, err := tx.ExecContext(ctx, q, args...)
		if err != nil {
			return n, fmt.Errorf("insert %s: %w", in.table, err)
		}
		if k, err := res.RowsAffected(); err == nil {
			n += int(k)
		}
	}
	return n, nil
}

// nullIf returns nil for the empty string, so optional columns hold NULL.
func nullIf(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// update collects rows for one multi-row UPDATE through a derived table of
// the values, keyed by keys: a batch of changed rows costs one statement.
type update struct {
	table      string
	keys, cols []string
	rows       [][]any
}

func (u *update) add(values ...any) {
	if len(values) != len(u.keys)+len(u.cols) {
		panic(fmt.Sprintf("central: %s update with %d values for %d columns", u.table, len(values), len(u.keys)+len(u.cols)))
	}
	u.rows = append(u.rows, values)
}

const updateChunk = 500

func (u *update) exec(ctx context.Context, tx *sql.Tx) error {
	names := append(slices.Clone(u.keys), u.cols...)
	first := make([]string, len(names))
	for i, n := range names {
		first[i] = "? AS " + n
	}
	var on, set []string
	for _, k := range u.keys {
		on = append(on, "t."+k+" = v."+k)
	}
	for _, c := range u.cols {
		set = append(set, "t."+c+" = v."+c)
	}
	more := " UNION ALL SELECT " + sqlutil.Placeholders(len(names))
	for start := 0; start < len(u.rows); start += updateChunk {
		chunk := u.rows[start:min(start+updateChunk, len(u.rows))]
		q := `UPDATE ` + u.table + ` t JOIN (SELECT ` + strings.Join(first, ", ") + strings.Repeat(more, len(chunk)-1) +
			`) v ON ` + strings.Join(on, " AND ") + ` SET ` + strings.Join(set, ", ")
		args := make([]any, 0, len(chunk)*len(names))
		for _, r := range chunk {
			args = append(args, r...)
		}
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			return fmt.Errorf("update %s: %w", u.table, err)
		}
	}
	return nil
}
