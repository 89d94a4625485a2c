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

var _ keysync.Facts = (*facts)(nil)

// facts is what one Assign batch knows of the central state: loaded in a few
// queries for the whole batch after the sequences are locked, and extended
// with every person the batch creates.
type facts struct {
	source   string
	linked   map[uint64]keysync.Person
	byEmail  map[string][]keysync.Person
	byNumber map[string]keysync.Person
	byPE     map[string]keysync.Person
	// Households: those of the batch's addresses and row ids, and those
	// it opens.
	keysync.Households
	// accounts holds the fuzzy candidates, one entry per account with its
	// own profile and its person; similar indexes them by blocking key, one
	// map per kind of key in the order of blockColumns.
	accounts []keysync.Person
	similar  [len(blockColumns)]map[string][]int
	rewrite  map[uint64]bool // accounts with pending_write
}

func (f *facts) Linked(source string, id uint64) (keysync.Person, bool) {
	if source != f.source {
		return keysync.Person{}, false
	}
	p, ok := f.linked[id]
	return p, ok
}
func (f *facts) ByEmail(email string) []keysync.Person { return f.byEmail[email] }
func (f *facts) RewriteDue(source string, id uint64) bool {
	return source == f.source && f.rewrite[id]
}
func (f *facts) ByNumber(n string) (keysync.Person, bool) {
	p, ok := f.byNumber[n]
	return p, ok
}
func (f *facts) PEOwner(pe string) (keysync.Person, bool) {
	p, ok := f.byPE[pe]
	return p, ok
}

// Similar returns every account under the blocking keys once, each with
// its own profile; Decide scores them all and takes each person's best.
func (f *facts) Similar(b keysync.Blocks) []keysync.Person {
	var found []int
	for kind, k := range blockValues(b) {
		if k == "" {
			continue
		}
		for _, i := range f.similar[kind][k] {
			if !slices.Contains(found, i) {
				found = append(found, i)
			}
		}
	}
	out := make([]keysync.Person, len(found))
	for j, i := range found {
		out[j] = f.accounts[i]
	}
	return out
}

// addSimilar records a fuzzy candidate under its blocking keys.
func (f *facts) addSimilar(p keysync.Person) {
	f.accounts = append(f.accounts, p)
	for kind, k := range blockValues(p.Profile.Blocks) {
		if k != "" {
			f.similar[kind][k] = append(f.similar[kind][k], len(f.accounts)-1)
		}
	}
}

// add records a person the batch created or linked, so that later rows of
// the same batch find it.
func (f *facts) add(p keysync.Person, c keysync.Candidate) {
	f.linked[c.Account.ID] = p
	if c.Profile.Email != "" {
		withProfile := p
		withProfile.Profile = c.Profile
		f.byEmail[c.Profile.Email] = append(f.byEmail[c.Profile.Email], withProfile)
	}
	if _, ok := f.byNumber[p.Number]; !ok {
		f.byNumber[p.Number] = p
	}
	if p.PE != "" {
		f.byPE[p.PE] = p
	}
	withProfile := p
	withProfile.Profile = c.Profile
	f.addSimilar(withProfile)
	f.Add(c.Profile.Household, p.HH)
}

// survivorColumns are personColumns of the survivor s when p was merged
// into s, else of p itself.
const survivorColumns = `COALESCE(s.number, p.number), COALESCE(s.hh_id, p.hh_id, ''), COALESCE(s.pe_id, p.pe_id, ''), ` +
	`COALESCE(s.first_norm, p.first_norm), COALESCE(s.last_norm, p.last_norm), COALESCE(s.email_norm, p.email_norm), ` +
	`COALESCE(s.birth_date, p.birth_date), COALESCE(s.household_key, p.household_key)`

const personColumns = `p.number, COALESCE(p.hh_id, ''), COALESCE(p.pe_id, ''), p.first_norm, p.last_norm, p.email_norm, p.birth_date, p.household_key`

func scanPerson(rows *sql.Rows, extra ...any) (keysync.Person, error) {
	var p keysync.Person
	dest := append(extra, &p.Number, &p.HH, &p.PE, &p.Profile.FirstName, &p.Profile.LastName, &p.Profile.Email, &p.Profile.BirthDate, &p.Profile.Household)
	err := rows.Scan(dest...)
	return p, err
}

// loadFacts reads, for one batch, the existing links of its accounts, the
// persons sharing their e-mail addresses, the owners of the numbers and
// Wibisoft ids found in the rows, and the households of their addresses.
func loadFacts(ctx context.Context, tx *sql.Tx, source string, cands []keysync.Candidate) (*facts, error) {
	f := &facts{
		source:   source,
		linked:   map[uint64]keysync.Person{},
		byEmail:  map[string][]keysync.Person{},
		byNumber: map[string]keysync.Person{},
		byPE:     map[string]keysync.Person{},
		rewrite:  map[uint64]bool{},
	}
	for i := range f.similar {
		f.similar[i] = map[string][]int{}
	}
	var ids, emails, numbers, pes, hkeys, hhs []any
	var blocks [len(blockColumns)][]any
	for _, c := range cands {
		ids = append(ids, c.Account.ID)
		if c.Profile.Email != "" {
			emails = append(emails, c.Profile.Email)
		}
		if c.Account.Number != "" {
			numbers = append(numbers, c.Account.Number)
		}
		if c.Account.PE != "" {
			pes = append(pes, c.Account.PE)
		}
		if c.Account.HH != "" {
			hhs = append(hhs, c.Account.HH)
		}
		if c.Profile.Household != "" {
			hkeys = append(hkeys, c.Profile.Household)
		}
		for i, k := range blockValues(c.Profile.Blocks) {
			if k != "" {
				blocks[i] = append(blocks[i], k)
			}
		}
	}

	if len(ids) > 0 {
		q := `SELECT a.account_id, a.pending_write, ` + personColumns + ` FROM accounts a JOIN persons p ON p.number = a.number WHERE a.source = ? AND a.account_id IN (` + sqlutil.Placeholders(len(ids)) + `)`
		err := sqlutil.Each(ctx, tx, q, append([]any{source}, ids...), func(rows *sql.Rows) error {
			var id uint64
			var rewrite bool
			p, err := scanPerson(rows, &id, &rewrite)
			f.linked[id] = p
			f.rewrite[id] = rewrite
			return err
		})
		if err != nil {
			return nil, fmt.Errorf("load links: %w", err)
		}
	}
	if len(emails) > 0 {
		// The profile of a candidate under an e-mail address is that of the
		// account carrying the address: a person may use other names
		// elsewhere, and parent and child sharing the mailbox differ in
		// their birth date, generation marker or household.
		q := `SELECT a.first_norm, a.last_norm, a.birth_date, a.first_name, a.last_name, a.address_key, ` + personColumns + ` FROM accounts a JOIN persons p ON p.number = a.number WHERE a.email_norm IN (` + sqlutil.Placeholders(len(emails)) + `) ORDER BY p.created_at, p.number`
		err := sqlutil.Each(ctx, tx, q, emails, func(rows *sql.Rows) error {
			var first, last, birth, rawFirst, rawLast, addr string
			p, err := scanPerson(rows, &first, &last, &birth, &rawFirst, &rawLast, &addr)
			p.Profile.FirstName, p.Profile.LastName, p.Profile.BirthDate = first, last, birth
			p.Profile.Generation = keysync.Generation(rawFirst, rawLast)
			p.Profile.Household = keysync.HouseholdKeyOf(addr, last)
			f.byEmail[p.Profile.Email] = append(f.byEmail[p.Profile.Email], p)
			// A shared mailbox puts a new person into this household,
			// whose row exists already.
			f.Add("", p.HH)
			return err
		})
		if err != nil {
			return nil, fmt.Errorf("load e-mail matches: %w", err)
		}
	}
	if len(numbers) > 0 {
		// A retired number (merged away) stands for its survivor: the
		// survivor is returned under the retired number.
		q := `SELECT p.number, ` + survivorColumns + ` FROM persons p LEFT JOIN persons s ON s.number = p.merged_into AND p.status = 'retired' WHERE p.number IN (` + sqlutil.Placeholders(len(numbers)) + `)`
		err := sqlutil.Each(ctx, tx, q, numbers, func(rows *sql.Rows) error {
			var asked string
			p, err := scanPerson(rows, &asked)
			f.byNumber[asked] = p
			return err
		})
		if err != nil {
			return nil, fmt.Errorf("load numbers: %w", err)
		}
	}
	if len(pes) > 0 {
		q := `SELECT ` + personColumns + ` FROM persons p WHERE p.pe_id IN (` + sqlutil.Placeholders(len(pes)) + `)`
		err := sqlutil.Each(ctx, tx, q, pes, func(rows *sql.Rows) error {
			p, err := scanPerson(rows)
			f.byPE[p.PE] = p
			return err
		})
		if err != nil {
			return nil, fmt.Errorf("load person ids: %w", err)
		}
	}
	if len(hkeys)+len(hhs) > 0 {
		var where []string
		if len(hkeys) > 0 {
			where = append(where, `match_key IN (`+sqlutil.Placeholders(len(hkeys))+`)`)
		}
		if len(hhs) > 0 {
			where = append(where, `hh_id IN (`+sqlutil.Placeholders(len(hhs))+`)`)
		}
		q := `SELECT hh_id, match_key FROM households WHERE ` + strings.Join(where, " OR ") + ` ORDER BY created_at, hh_id`
		err := sqlutil.Each(ctx, tx, q, append(hkeys, hhs...), func(rows *sql.Rows) error {
			var hh, key string
			if err := rows.Scan(&hh, &key); err != nil {
				return err
			}
			f.Add(key, hh)
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("load households: %w", err)
		}
	}
	if err := f.loadSimilar(ctx, tx, blocks); err != nil {
		return nil, fmt.Errorf("load fuzzy candidates: %w", err)
	}
	return f, nil
}

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
func (f *facts) loadSimilar(ctx context.Context, tx *sql.Tx, keys [len(blockColumns)][]any) error {
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
