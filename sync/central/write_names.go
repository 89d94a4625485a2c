package central

import (
	"context"
	"database/sql"
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

// loadNameCounts counts the accounts bearing the first names and surnames
// of the batch and of its fuzzy candidates, each through its index. All
// accounts are counted as the persons numbered so far (population, set
// from the locked sequence): counting the accounts themselves would read
// them all.
func (f *facts) loadNameCounts(ctx context.Context, tx *sql.Tx, k batchKeys) error {
	firsts, lasts := slices.Clone(k.firsts), slices.Clone(k.lasts)
	for _, a := range f.accounts {
		firsts, lasts = append(firsts, a.Profile.FirstName), append(lasts, a.Profile.LastName)
	}
	for _, c := range []struct {
		col    string
		names  []string
		counts map[string]int
	}{{"first_norm", firsts, f.firsts}, {"last_norm", lasts, f.lasts}} {
		if err := countValues(ctx, tx, c.col, c.names, c.counts); err != nil {
			return err
		}
	}
	return nil
}

// countValues counts the accounts per value of col among values.
func countValues(ctx context.Context, tx *sql.Tx, col string, values []string, counts map[string]int) error {
	var args []any
	for _, v := range values {
		if v != "" && !slices.Contains(args, any(v)) {
			args = append(args, v)
		}
	}
	if len(args) == 0 {
		return nil
	}
	return sqlutil.Each(ctx, tx, `SELECT `+col+`, COUNT(*) FROM accounts WHERE `+col+` IN (`+sqlutil.Placeholders(len(args))+`) GROUP BY `+col, args,
		func(rows *sql.Rows) error {
			var v string
			var n int
			err := rows.Scan(&v, &n)
			counts[v] = n
			return err
		})
}
