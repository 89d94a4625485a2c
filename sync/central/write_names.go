package central

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"

	"keysync/internal/sqlutil"
	keysync "keysync/sync"
)

// Namesakes implements keysync.Facts from the accounts counted for the
// batch (loadNameCounts) and those the batch added.
func (f *facts) Namesakes(first, last string) float64 {
	return keysync.Namesakes(f.firsts[first], f.lasts[last], f.population)
}

// countNames counts an account the batch linked or created.
func (f *facts) countNames(p keysync.Profile) {
	f.firsts[p.FirstName]++
	f.lasts[p.LastName]++
	f.population++
}

// loadNameCounts reads how many accounts bear the first names and
// surnames of the batch and of its fuzzy candidates, from the counts the
// store keeps (name_counts): counting the accounts themselves would read
// every account bearing a common name. All accounts are counted as the
// persons numbered so far (population, set from the locked sequence).
func (f *facts) loadNameCounts(ctx context.Context, tx *sql.Tx, k batchKeys) error {
	firsts, lasts := slices.Clone(k.firsts), slices.Clone(k.lasts)
	for _, a := range f.accounts {
		firsts, lasts = append(firsts, a.Profile.FirstName), append(lasts, a.Profile.LastName)
	}
	for _, c := range []struct {
		kind   string
		names  []string
		counts map[string]int
	}{{nameFirst, firsts, f.firsts}, {nameLast, lasts, f.lasts}} {
		if err := countValues(ctx, tx, c.kind, c.names, c.counts); err != nil {
			return err
		}
	}
	return nil
}

// The kinds of name_counts.
const (
	nameFirst = "f"
	nameLast  = "l"
)

// countValues reads the kept counts of one kind of name among values.
func countValues(ctx context.Context, tx *sql.Tx, kind string, values []string, counts map[string]int) error {
	args := []any{kind}
	seen := make(map[string]bool, len(values))
	for _, v := range values {
		if v != "" && !seen[v] {
			seen[v] = true
			args = append(args, v)
		}
	}
	if len(args) == 1 {
		return nil
	}
	return sqlutil.Each(ctx, tx, `SELECT value, accounts FROM name_counts WHERE kind = ? AND value IN (`+sqlutil.Placeholders(len(args)-1)+`)`, args,
		func(rows *sql.Rows) error {
			var v string
			var n int
			err := rows.Scan(&v, &n)
			counts[v] = n
			return err
		})
}

// nameKey is one row of name_counts.
type nameKey struct{ kind, value string }

// flushNameCounts adds a transaction's changes to the kept name counts,
// in key order, so that two transactions lock the rows they share in the
// same order, and removes the names it left without an account.
func flushNameCounts(ctx context.Context, tx *sql.Tx, diff map[nameKey]int64) error {
	keys := make([]nameKey, 0, len(diff))
	for k, d := range diff {
		if d != 0 && k.value != "" {
			keys = append(keys, k)
		}
	}
	slices.SortFunc(keys, func(x, y nameKey) int { return cmp.Or(cmp.Compare(x.kind, y.kind), cmp.Compare(x.value, y.value)) })
	const chunk = 500
	for start := 0; start < len(keys); start += chunk {
		part := keys[start:min(start+chunk, len(keys))]
		args := make([]any, 0, 3*len(part))
		for _, k := range part {
			args = append(args, k.kind, k.value, diff[k])
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO name_counts (kind, value, accounts) VALUES `+sqlutil.Rows(len(part), 3)+
			` ON DUPLICATE KEY UPDATE accounts = accounts + VALUES(accounts)`, args...); err != nil {
			return fmt.Errorf("keep the name counts: %w", err)
		}
	}
	// A name nobody bears any more leaves no trace: erasure forgets it.
	for _, kind := range []string{nameFirst, nameLast} {
		gone := []any{kind}
		for _, k := range keys {
			if k.kind == kind && diff[k] < 0 {
				gone = append(gone, k.value)
			}
		}
		if len(gone) == 1 {
			continue
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM name_counts WHERE kind = ? AND value IN (`+sqlutil.Placeholders(len(gone)-1)+`) AND accounts <= 0`, gone...); err != nil {
			return fmt.Errorf("keep the name counts: %w", err)
		}
	}
	clear(diff)
	return nil
}
