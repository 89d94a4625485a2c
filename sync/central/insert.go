package central

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"unicode/utf8"

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
	for start := 0; start < len(in.rows); start += insertChunk {
		chunk := in.rows[start:min(start+insertChunk, len(in.rows))]
		q := in.verb + ` INTO ` + in.table + ` (` + strings.Join(in.cols, ", ") + `) VALUES ` + sqlutil.Rows(len(chunk), len(in.cols))
		args := make([]any, 0, len(chunk)*len(in.cols))
		for _, r := range chunk {
			args = append(args, r...)
		}
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			return fmt.Errorf("insert %s: %w", in.table, err)
		}
	}
	return nil
}

// clip makes a portal value fit a central column: valid UTF-8, at most n
// characters. Portal columns can be longer than ours (WordPress meta values
// are longtext); one overlong value must never fail a whole batch.
func clip(s string, n int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n])
}

// nullIf returns nil for the empty string, so optional columns hold NULL.
func nullIf(s string) any {
	if s == "" {
		return nil
	}
	return s
}
