package central

import (
	"context"
	"database/sql"
	"fmt"
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
// (one branch of a UNION ALL): with the kinds joined by OR the optimiser
// may scan the whole table, which grows with every registration.
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
	// An account sharing several keys with the batch comes once per key.
	type account struct {
		source string
		id     uint64
	}
	seen := map[account]bool{}
	return sqlutil.Each(ctx, tx, q, args, func(rows *sql.Rows) error {
		var pr keysync.Profile
		var acc account
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
		f.addSimilar(p)
		return nil
	})
}

// similarQuery builds loadSimilar's query; it is empty without keys.
func similarQuery(keys [len(blockColumns)][]any) (string, []any) {
	var branches []string
	var args []any
	for i, col := range blockColumns {
		if len(keys[i]) > 0 {
			branches = append(branches, similarSelect+`a.`+col+` IN (`+sqlutil.Placeholders(len(keys[i]))+`)`)
			args = append(args, keys[i]...)
		}
	}
	return strings.Join(branches, " UNION ALL "), args
}

// similarSelect is one branch of loadSimilar's query, up to the condition.
const similarSelect = `SELECT a.source, a.account_id, a.first_norm, a.last_norm, a.first_name, a.last_name, a.birth_date, a.postcode, a.city_norm, a.address_key, ` +
	`COALESCE(a.key_name, ''), COALESCE(a.key_place, ''), COALESCE(a.key_birth, ''), COALESCE(a.key_first_place, ''), ` + personColumns +
	` FROM accounts a JOIN persons p ON p.number = a.number WHERE `

// selective drops the keys of a column shared by more than MaxBlock
// accounts, counted through the column's index.
func selective(ctx context.Context, tx *sql.Tx, col string, keys []any) ([]any, error) {
	if len(keys) == 0 {
		return keys, nil
	}
	common := map[string]bool{}
	q := `SELECT ` + col + ` FROM accounts WHERE ` + col + ` IN (` + sqlutil.Placeholders(len(keys)) + `) GROUP BY ` + col + ` HAVING COUNT(*) > ?`
	err := sqlutil.Each(ctx, tx, q, append(keys[:len(keys):len(keys)], keysync.MaxBlock), func(rows *sql.Rows) error {
		var k string
		err := rows.Scan(&k)
		common[k] = true
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("count blocking keys: %w", err)
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
