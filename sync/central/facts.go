package central

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	keysync "keysync/sync"
	"keysync/sync/sqlutil"
)

var _ keysync.Facts = (*facts)(nil)

// facts is what one Assign batch knows of the central state: loaded in a few
// queries for the whole batch after the sequences are locked, and extended
// with every person the batch creates.
type facts struct {
	source     string
	linked     map[uint64]keysync.Person
	byEmail    map[string][]keysync.Person
	byNumber   map[string]keysync.Person
	byPE       map[string]keysync.Person
	households map[string]string // household key -> hh id
	hhIDs      map[string]bool
	similar    map[string][]keysync.Person // "n:"/"p:"/"b:" + blocking key -> persons
	rewrite    map[uint64]bool             // accounts with pending_write
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
func (f *facts) Similar(b keysync.Blocks) []keysync.Person {
	var out []keysync.Person
	seen := map[string]bool{}
	for _, k := range blockKeys(b) {
		for _, p := range f.similar[k] {
			// A person found under several keys, or through several of their
			// accounts, is one candidate; the first account found speaks.
			if !seen[p.Number] {
				seen[p.Number] = true
				out = append(out, p)
			}
		}
	}
	return out
}

// blockKeys lists a profile's blocking keys, tagged by kind so that equal
// strings of different kinds never meet.
func blockKeys(b keysync.Blocks) []string {
	var out []string
	for _, k := range []struct{ tag, key string }{{"n:", b.Name}, {"p:", b.Place}, {"b:", b.Birth}} {
		if k.key != "" {
			out = append(out, k.tag+k.key)
		}
	}
	return out
}

func (f *facts) Household(key string) (string, bool) {
	hh, ok := f.households[key]
	return hh, ok
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
	for _, k := range blockKeys(c.Profile.Blocks) {
		f.similar[k] = append(f.similar[k], withProfile)
	}
	if p.HH != "" {
		f.hhIDs[p.HH] = true
		if c.Profile.Household != "" {
			if _, ok := f.households[c.Profile.Household]; !ok {
				f.households[c.Profile.Household] = p.HH
			}
		}
	}
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
		source:     source,
		linked:     map[uint64]keysync.Person{},
		byEmail:    map[string][]keysync.Person{},
		byNumber:   map[string]keysync.Person{},
		byPE:       map[string]keysync.Person{},
		households: map[string]string{},
		hhIDs:      map[string]bool{},
		similar:    map[string][]keysync.Person{},
		rewrite:    map[uint64]bool{},
	}
	var ids, emails, numbers, pes, hkeys, hhs, kName, kPlace, kBirth []any
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
		if b := c.Profile.Blocks; b.Name != "" {
			kName = append(kName, b.Name)
		}
		if b := c.Profile.Blocks; b.Place != "" {
			kPlace = append(kPlace, b.Place)
		}
		if b := c.Profile.Blocks; b.Birth != "" {
			kBirth = append(kBirth, b.Birth)
		}
	}

	if len(ids) > 0 {
		q := `SELECT a.account_id, a.pending_write, ` + personColumns + ` FROM accounts a JOIN persons p ON p.number = a.number WHERE a.source = ? AND a.account_id IN (` + sqlutil.Placeholders(len(ids)) + `)`
		err := query(ctx, tx, q, append([]any{source}, ids...), func(rows *sql.Rows) error {
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
		// account carrying the address: a person may use other names elsewhere.
		q := `SELECT a.first_norm, a.last_norm, a.birth_date, ` + personColumns + ` FROM accounts a JOIN persons p ON p.number = a.number WHERE a.email_norm IN (` + sqlutil.Placeholders(len(emails)) + `) ORDER BY p.created_at, p.number`
		err := query(ctx, tx, q, emails, func(rows *sql.Rows) error {
			var first, last, birth string
			p, err := scanPerson(rows, &first, &last, &birth)
			p.Profile.FirstName, p.Profile.LastName, p.Profile.BirthDate = first, last, birth
			f.byEmail[p.Profile.Email] = append(f.byEmail[p.Profile.Email], p)
			if p.HH != "" {
				// A shared mailbox puts a new person into this household,
				// whose row exists already.
				f.hhIDs[p.HH] = true
			}
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
		err := query(ctx, tx, q, numbers, func(rows *sql.Rows) error {
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
		err := query(ctx, tx, q, pes, func(rows *sql.Rows) error {
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
		err := query(ctx, tx, q, append(hkeys, hhs...), func(rows *sql.Rows) error {
			var hh, key string
			if err := rows.Scan(&hh, &key); err != nil {
				return err
			}
			f.hhIDs[hh] = true
			if _, ok := f.households[key]; !ok && key != "" {
				f.households[key] = hh
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("load households: %w", err)
		}
	}
	if err := f.loadSimilar(ctx, tx, kName, kPlace, kBirth); err != nil {
		return nil, fmt.Errorf("load fuzzy candidates: %w", err)
	}
	return f, nil
}

// loadSimilar reads the accounts sharing a blocking key with the batch,
// each with its own profile (names, birth date, address) and its person.
func (f *facts) loadSimilar(ctx context.Context, tx *sql.Tx, kName, kPlace, kBirth []any) error {
	var where []string
	var args []any
	for _, k := range []struct {
		col  string
		keys []any
	}{{"key_name", kName}, {"key_place", kPlace}, {"key_birth", kBirth}} {
		if len(k.keys) > 0 {
			where = append(where, `a.`+k.col+` IN (`+sqlutil.Placeholders(len(k.keys))+`)`)
			args = append(args, k.keys...)
		}
	}
	if len(where) == 0 {
		return nil
	}
	q := `SELECT a.first_norm, a.last_norm, a.birth_date, a.postcode, a.city_norm, a.address_key, ` +
		`COALESCE(a.key_name, ''), COALESCE(a.key_place, ''), COALESCE(a.key_birth, ''), ` + personColumns +
		` FROM accounts a JOIN persons p ON p.number = a.number WHERE ` + strings.Join(where, " OR ") + ` ORDER BY p.created_at, p.number`
	return query(ctx, tx, q, args, func(rows *sql.Rows) error {
		var pr keysync.Profile
		var b keysync.Blocks
		p, err := scanPerson(rows, &pr.FirstName, &pr.LastName, &pr.BirthDate, &pr.Postcode, &pr.City, &pr.Address, &b.Name, &b.Place, &b.Birth)
		if err != nil {
			return err
		}
		pr.Email, pr.Household = p.Profile.Email, p.Profile.Household
		p.Profile = pr
		for _, k := range blockKeys(b) {
			f.similar[k] = append(f.similar[k], p)
		}
		return nil
	})
}

func query(ctx context.Context, tx *sql.Tx, q string, args []any, each func(*sql.Rows) error) error {
	rows, err := tx.QueryContext(ctx, q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := each(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}
