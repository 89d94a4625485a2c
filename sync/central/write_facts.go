package central

import (
	"database/sql"
	"slices"

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
	// stored is what the central store recorded of the linked accounts.
	stored map[uint64]storedAccount
	// refused holds the fingerprints of the open row_refused conflicts of
	// the batch's accounts.
	refused map[uint64][]string
	// firsts and lasts count the accounts bearing each first name and
	// surname of the batch and its candidates, among population accounts
	// in all (write_names.go).
	firsts, lasts map[string]int
	population    int
	// imported holds the household ids of the batch's rows that a
	// Wibisoft import brought (a batch of an import only).
	imported map[string]bool
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
func (f *facts) Refused(source string, id uint64, fingerprint string) bool {
	return source == f.source && slices.Contains(f.refused[id], fingerprint)
}
func (f *facts) ByNumber(n string) (keysync.Person, bool) {
	p, ok := f.byNumber[n]
	return p, ok
}
func (f *facts) HouseholdOrigin(hh string) (known, imported bool) {
	return f.Known(hh), f.imported[hh]
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
	f.countNames(c.Profile)
	if c.Account.Source == keysync.WibisoftSource && p.HH != "" {
		f.imported[p.HH] = true
	}
}

// survivorColumns are personColumns of the survivor s when p was merged
// into s, else of p itself.
const survivorColumns = `COALESCE(s.number, p.number), COALESCE(s.hh_id, p.hh_id, ''), COALESCE(s.pe_id, p.pe_id, ''), ` +
	`COALESCE(s.first_norm, p.first_norm), COALESCE(s.last_norm, p.last_norm), COALESCE(s.email_norm, p.email_norm), ` +
	`COALESCE(s.birth_date, p.birth_date), COALESCE(s.household_key, p.household_key), COALESCE(s.forgotten_at, p.forgotten_at) IS NOT NULL`

const personColumns = `p.number, COALESCE(p.hh_id, ''), COALESCE(p.pe_id, ''), p.first_norm, p.last_norm, p.email_norm, p.birth_date, p.household_key, p.forgotten_at IS NOT NULL`

func scanPerson(rows *sql.Rows, extra ...any) (keysync.Person, error) {
	var p keysync.Person
	dest := append(extra, &p.Number, &p.HH, &p.PE, &p.Profile.FirstName, &p.Profile.LastName, &p.Profile.Email, &p.Profile.BirthDate, &p.Profile.Household, &p.Forgotten)
	err := rows.Scan(dest...)
	return p, err
}
