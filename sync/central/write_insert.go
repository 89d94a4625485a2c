package central

import (
	"context"
	"database/sql"
	"fmt"
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

// nullIf returns nil for the empty string, so optional columns hold NULL.
func nullIf(s string) any {
	if s == "" {
		return nil
	}
	return s
}
