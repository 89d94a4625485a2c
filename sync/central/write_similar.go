package central

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"

	"keysync/internal/sqlutil"
	keysync "keysync/sync"
)

// blockColumns are the accounts columns holding the blocking keys, in the
// order of blockValues.
var blockColumns = [...]string{"key_name", "key_place", "key_birth", "key_first_place"}

// blockValues lists a profile's blocking keys in the order of blockColumns.
func blockValues(b keysync.Blocks) [len(blockColumns)]string {
	return [...]string{b.Name, b.Place, b.Birth, b.FirstPlace}
}

// loadSimilar reads the accounts sharing a blocking key with the batch,
// each with its own profile (names, birth date, address, generation
// marker) and its person. Each kind of key is read through its own index
// (one branch of a UNION ALL, FORCE INDEX): with the kinds joined by OR,
// or left to the optimiser's choice, the whole table may be scanned, which
// grows with every registration.
//
// A key shared by more than keysync.MaxBlock accounts finds nobody: the
// keys known to be that common (common_keys) are not read at all, and a
// key found to have become that common is added to them, so the accounts
// read per key stay bounded however large the store grows.
func (f *facts) loadSimilar(ctx context.Context, tx *sql.Tx, k batchKeys) error {
	keys := k.blocks
	for i, col := range blockColumns {
		var err error
		if keys[i], err = selective(ctx, tx, col, keys[i]); err != nil {
			return err
		}
	}
	q, args := similarQuery(keys)
	if q == "" {
		return nil
	}
	asked := [len(blockColumns)]map[string]int{}
	for i := range keys {
		asked[i] = map[string]int{}
		for _, v := range keys[i] {
			asked[i][v.(string)] = 0
		}
	}
	// An account sharing several keys with the batch comes once per key.
	seen := map[accountKey]bool{}
	var found []keysync.Person
	err := sqlutil.Each(ctx, tx, q, args, func(rows *sql.Rows) error {
		var pr keysync.Profile
		var acc accountKey
		var rawFirst, rawLast string
		b := &pr.Blocks
		p, err := scanPerson(rows, &acc.source, &acc.id, &pr.FirstName, &pr.LastName, &rawFirst, &rawLast, &pr.BirthDate, &pr.Postcode, &pr.City, &pr.Address,
			&b.Name, &b.Place, &b.Birth, &b.FirstPlace)
		if err != nil || seen[acc] {
			return err
		}
		seen[acc] = true
		pr.Generation = keysync.Generation(rawFirst, rawLast)
		pr.Email, pr.Household = p.Profile.Email, p.Profile.Household
		p.Profile = pr
		for i, v := range blockValues(pr.Blocks) {
			if n, ok := asked[i][v]; ok {
				asked[i][v] = n + 1
			}
		}
		found = append(found, p)
		return nil
	})
	if err != nil {
		return err
	}
	// An account counts as found when it shares a key with the batch that
	// is not too common.
	for _, p := range found {
		for i, v := range blockValues(p.Profile.Blocks) {
			if n, ok := asked[i][v]; ok && n <= keysync.MaxBlock {
				f.addSimilar(p)
				break
			}
		}
	}
	return addCommonKeys(ctx, tx, asked)
}

// addCommonKeys records the keys read that turned out shared by more than
// keysync.MaxBlock accounts, in key order.
func addCommonKeys(ctx context.Context, tx *sql.Tx, counts [len(blockColumns)]map[string]int) error {
	var args []any
	for i, col := range blockColumns {
		var common []string
		for v, n := range counts[i] {
			if n > keysync.MaxBlock {
				common = append(common, v)
			}
		}
		slices.Sort(common)
		for _, v := range common {
			args = append(args, col, v)
		}
	}
	if len(args) == 0 {
		return nil
	}
	if _, err := tx.ExecContext(ctx, `INSERT IGNORE INTO common_keys (col, value) VALUES `+sqlutil.Rows(len(args)/2, 2), args...); err != nil {
		return fmt.Errorf("record common blocking keys: %w", err)
	}
	return nil
}

// similarQuery builds loadSimilar's query; it is empty without keys.
func similarQuery(keys [len(blockColumns)][]any) (string, []any) {
	var branches []string
	var args []any
	for i, col := range blockColumns {
		if len(keys[i]) > 0 {
			branches = append(branches, similarSelect+`accounts a FORCE INDEX (`+col+`) JOIN persons p ON p.number = a.number WHERE a.`+col+` IN (`+sqlutil.Placeholders(len(keys[i]))+`)`)
			args = append(args, keys[i]...)
		}
	}
	return strings.Join(branches, " UNION ALL "), args
}

// similarSelect is one branch of loadSimilar's query, up to its table.
// Each branch names its key's index: a batch's list of hundreds of keys
// made the optimiser scan a table it deemed small, a cost that grew with
// every registration of a rollout.
const similarSelect = `SELECT a.source, a.account_id, a.first_norm, a.last_norm, a.first_name, a.last_name, a.birth_date, a.postcode, a.city_norm, a.address_key, ` +
	`COALESCE(a.key_name, ''), COALESCE(a.key_place, ''), COALESCE(a.key_birth, ''), COALESCE(a.key_first_place, ''), ` + personColumns + ` FROM `

// selective drops the keys of a column known to be shared by more than
// keysync.MaxBlock accounts (common_keys).
func selective(ctx context.Context, tx *sql.Tx, col string, keys []any) ([]any, error) {
	if len(keys) == 0 {
		return keys, nil
	}
	common := map[string]bool{}
	q := `SELECT value FROM common_keys WHERE col = ? AND value IN (` + sqlutil.Placeholders(len(keys)) + `)`
	err := sqlutil.Each(ctx, tx, q, append([]any{col}, keys...), func(rows *sql.Rows) error {
		var k string
		err := rows.Scan(&k)
		common[k] = true
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("read common blocking keys: %w", err)
	}
	if len(common) == 0 {
		return keys, nil
	}
	out := keys[:0:0]
	for _, k := range keys {
		if !common[k.(string)] {
			out = append(out, k)
		}
	}
	return out, nil
}
