package main

import (
	keysync "keysync/sync"
	"keysync/sync/number"
)

var _ keysync.Facts = (*memFacts)(nil)

// memFacts is keysync.Facts held in maps: what the central store knows,
// without SQL. It mirrors the store's rules: e-mail candidates carry the
// profile of the account with that address, fuzzy candidates are all
// accounts under a blocking key, each with its own profile, and every new
// or linked account is added so later registrations find it.
type memFacts struct {
	tmpl     *number.Template
	linked   map[string]keysync.Person // by account key
	byEmail  map[string][]keysync.Person
	byNumber map[string]keysync.Person
	byPE     map[string]keysync.Person
	keysync.Households
	// accounts holds every account with its person and own profile;
	// similar indexes them by tagged blocking key (Blocks.Keys).
	accounts []keysync.Person
	similar  map[string][]int
	seq      uint64
	// firsts and lasts count the accounts by normalised first name and
	// surname, for Namesakes.
	firsts, lasts map[string]int
}

func newMemFacts(tmpl *number.Template) *memFacts {
	return &memFacts{
		tmpl:     tmpl,
		linked:   map[string]keysync.Person{},
		byEmail:  map[string][]keysync.Person{},
		byNumber: map[string]keysync.Person{},
		byPE:     map[string]keysync.Person{},
		similar:  map[string][]int{},
		firsts:   map[string]int{},
		lasts:    map[string]int{},
	}
}

// Namesakes implements keysync.Facts from the accounts added so far.
func (f *memFacts) Namesakes(first, last string) float64 {
	return keysync.Namesakes(f.firsts[first], f.lasts[last], len(f.accounts))
}

func (f *memFacts) Linked(source string, id uint64) (keysync.Person, bool) {
	p, ok := f.linked[keysync.AccountKey(source, id)]
	return p, ok
}

func (f *memFacts) ByEmail(email string) []keysync.Person { return f.byEmail[email] }

func (f *memFacts) ByNumber(n string) (keysync.Person, bool) {
	p, ok := f.byNumber[n]
	return p, ok
}

// HouseholdOrigin: the matching figures import nothing from Wibisoft.
func (f *memFacts) HouseholdOrigin(string) (known, imported bool) { return false, false }

func (f *memFacts) PEOwner(pe string) (keysync.Person, bool) {
	p, ok := f.byPE[pe]
	return p, ok
}

// Similar returns every account under the blocking keys once, each with
// its own profile; Decide scores them all and takes each person's best.
func (f *memFacts) Similar(b keysync.Blocks) []keysync.Person {
	var out []keysync.Person
	seen := map[int]bool{}
	for _, k := range b.Keys() {
		if len(f.similar[k]) > keysync.MaxBlock {
			continue // too common, as in the central store
		}
		for _, i := range f.similar[k] {
			if !seen[i] {
				seen[i] = true
				out = append(out, f.accounts[i])
			}
		}
	}
	return out
}

// create completes a New decision as the store does: the next number, a
// person id and, unless the decision found one, a new household.
func (f *memFacts) create(d keysync.Decision, a keysync.Account, p keysync.Profile) (keysync.Person, error) {
	person := d.Person
	person.Profile = p
	f.seq++
	n, err := f.tmpl.Format(f.seq, p.Country)
	if err != nil {
		return person, err
	}
	person.Number = n
	person.PE = n
	if person.HH == "" {
		person.HH = "HH" + n
	}
	f.add(person, a, p)
	return person, nil
}

// add records an account of a person, so that later registrations find it.
func (f *memFacts) add(person keysync.Person, a keysync.Account, p keysync.Profile) {
	f.linked[a.Key()] = person
	withProfile := person
	withProfile.Profile = p
	if p.Email != "" {
		f.byEmail[p.Email] = append(f.byEmail[p.Email], withProfile)
	}
	if _, ok := f.byNumber[person.Number]; !ok {
		f.byNumber[person.Number] = person
	}
	if person.PE != "" {
		f.byPE[person.PE] = person
	}
	f.accounts = append(f.accounts, withProfile)
	f.firsts[p.FirstName]++
	f.lasts[p.LastName]++
	for _, k := range p.Blocks.Keys() {
		f.similar[k] = append(f.similar[k], len(f.accounts)-1)
	}
	f.Add(p.Household, person.HH)
}
