package keysync

import (
	"math"
	"reflect"
	"slices"
	"strings"
	"testing"

	"keysync/internal/testdb"
)

// mapFacts is Facts backed by maps, as a test writes them down.
type mapFacts struct {
	linked     map[string]Person // by AccountKey
	byEmail    map[string][]Person
	byNumber   map[string]Person
	byPE       map[string]Person
	households map[string]string
	similar    []Person // returned for any blocking key
	rewrite    map[string]bool
	refused    map[string]string // AccountKey -> fingerprint
	// namesakes by "first last"; a pair not listed is borne by one
	// account among MinNamePopulation.
	namesakes map[string]float64
}

func (f mapFacts) Namesakes(first, last string) float64 {
	if n, ok := f.namesakes[first+" "+last]; ok {
		return n
	}
	return Namesakes(1, 1, 0)
}

func (f mapFacts) Similar(Blocks) []Person { return f.similar }

func (f mapFacts) RewriteDue(source string, id uint64) bool { return f.rewrite[AccountKey(source, id)] }

func (f mapFacts) Refused(source string, id uint64, fp string) bool {
	got, ok := f.refused[AccountKey(source, id)]
	return ok && got == fp
}

func (f mapFacts) Linked(source string, id uint64) (Person, bool) {
	p, ok := f.linked[AccountKey(source, id)]
	return p, ok
}
func (f mapFacts) ByEmail(email string) []Person { return f.byEmail[email] }
func (f mapFacts) ByNumber(n string) (Person, bool) {
	p, ok := f.byNumber[n]
	return p, ok
}
func (f mapFacts) PEOwner(pe string) (Person, bool) {
	p, ok := f.byPE[pe]
	return p, ok
}
func (f mapFacts) HouseholdOrigin(hh string) (known, imported bool) {
	for _, h := range f.households {
		if h == hh {
			return true, false
		}
	}
	return false, false
}
func (f mapFacts) Household(key string) (string, bool) {
	hh, ok := f.households[key]
	return hh, ok
}

func TestDecide(t *testing.T) {
	t.Parallel()
	tmpl := testdb.MustTemplate(t, "{seq:8}{check}")
	num := func(seq uint64) string {
		s, err := tmpl.Format(seq, "")
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	n1, n2, free := num(1), num(2), num(77)
	bad := n1[:len(n1)-1] + string('0'+(n1[len(n1)-1]-'0'+1)%10)

	// Hans Müller is person n1 in household 0000001, at Hauptstraße 10/4/15.
	hansAcc := Account{Source: "web", ID: 1, Active: true, Email: "hans.mueller@example.at", FirstName: "Hans", LastName: "Müller", BirthDate: "1970-05-01",
		Street: "Hauptstraße 10/4/15", Zip: "1010", City: "Wien"}
	hansProf := NewProfile(hansAcc, "AT")
	hans := Person{Number: n1, HH: "0000001", PE: "00000001", Profile: hansProf}
	// Eva Berger is person n2, with a Wibisoft PE.
	evaAcc := Account{Source: "web", ID: 2, Active: true, Email: "eva@example.at", FirstName: "Eva", LastName: "Berger"}
	eva := Person{Number: n2, HH: "0000002", PE: "00000002", Profile: NewProfile(evaAcc, "AT")}

	facts := mapFacts{
		linked:     map[string]Person{AccountKey("web", 1): hans, AccountKey("web", 2): eva},
		byEmail:    map[string][]Person{hansProf.Email: {hans}, eva.Profile.Email: {eva}},
		byNumber:   map[string]Person{n1: hans, n2: eva},
		byPE:       map[string]Person{"00000001": hans, "00000002": eva},
		households: map[string]string{hansProf.Household: "0000001", "": "0000099"},
	}
	// reg is a new registration on another portal.
	reg := func(edit func(*Account)) Account {
		a := Account{Source: "club", ID: 10, Active: true, Email: "someone@example.at", FirstName: "Karl", LastName: "Gruber"}
		edit(&a)
		return a
	}
	conflict := func(kind ConflictKind, value, number string) Conflict {
		return Conflict{Kind: kind, Source: "club", AccountID: 10, Value: value, Number: number}
	}

	cases := []struct {
		name      string
		account   Account
		action    Action
		person    Person // Number, HH and PE; the profile is not compared
		conflicts []Conflict
	}{
		{name: "linked: keep", account: hansAcc, action: ActionKeep, person: hans},
		{name: "linked with its number in the row: keep", account: with(hansAcc, func(a *Account) { a.Number = n1 }), action: ActionKeep, person: hans},
		{name: "linked with another number in the row: keep and report",
			account: with(hansAcc, func(a *Account) { a.Number = free }), action: ActionKeep, person: hans,
			conflicts: []Conflict{{Kind: ConflictNumberMismatch, Source: "web", AccountID: 1, Value: free, Number: n1}}},
		{name: "linked even when no longer confirmed", account: with(hansAcc, func(a *Account) { a.Active = false }), action: ActionKeep, person: hans},
		{name: "linked on another portal only: not this account",
			account: with(hansAcc, func(a *Account) { a.Source = "club"; a.Email = "" }), action: ActionNew, person: Person{HH: "0000001"}},

		{name: "wrong check digit", account: reg(func(a *Account) { a.Number = bad }), action: ActionConflict,
			conflicts: []Conflict{conflict(ConflictInvalidNumber, bad, "")}},
		{name: "malformed number", account: reg(func(a *Account) { a.Number = "K-12" }), action: ActionConflict,
			conflicts: []Conflict{conflict(ConflictInvalidNumber, "K-12", "")}},
		{name: "another person's number", account: reg(func(a *Account) { a.Number = n1 }), action: ActionConflict,
			conflicts: []Conflict{conflict(ConflictNumberTaken, n1, n1)}},
		{name: "own number, other birth date", account: reg(func(a *Account) { a.Number, a.FirstName, a.LastName, a.BirthDate = n1, "Hans", "Müller", "1971-05-01" }),
			action: ActionConflict, conflicts: []Conflict{conflict(ConflictNumberTaken, n1, n1)}},
		{name: "number with the first name only", account: reg(func(a *Account) { a.Number, a.FirstName, a.LastName = n1, "Hans", "" }),
			action: ActionConflict, conflicts: []Conflict{conflict(ConflictNumberTaken, n1, n1)}},
		{name: "own number: link", account: reg(func(a *Account) { a.Number, a.FirstName, a.LastName = n1, "Johann", "Mueller" }),
			action: ActionLink, person: hans},
		{name: "own number without birth date: link", account: reg(func(a *Account) { a.Number, a.FirstName, a.LastName, a.BirthDate = n1, "Hans", "Müller", "" }),
			action: ActionLink, person: hans},
		{name: "free number: adopt", account: reg(func(a *Account) { a.Number = free }), action: ActionAdopt, person: Person{Number: free}},
		{name: "free number in an unconfirmed row: adopt", account: reg(func(a *Account) { a.Number, a.Active = free, false }), action: ActionAdopt, person: Person{Number: free}},
		{name: "free number with Wibisoft ids: adopt them", account: reg(func(a *Account) { a.Number, a.HH, a.PE = free, "0000300", "00000300" }),
			action: ActionAdopt, person: Person{Number: free, HH: "0000300", PE: "00000300"}},
		{name: "free number with a taken PE", account: reg(func(a *Account) { a.Number, a.PE = free, "00000002" }),
			action: ActionAdopt, person: Person{Number: free}, conflicts: []Conflict{conflict(ConflictPETaken, "00000002", n2)}},

		{name: "unconfirmed without number: skip", account: reg(func(a *Account) { a.Active = false }), action: ActionSkip},
		{name: "unconfirmed, same e-mail and name: skip", account: reg(func(a *Account) {
			a.Active, a.Email, a.FirstName, a.LastName = false, "hans.mueller@example.at", "Hans", "Müller"
		}), action: ActionSkip},

		{name: "same e-mail and name: link", account: reg(func(a *Account) { a.Email, a.FirstName, a.LastName = "hans.mueller@example.at", "Hans", "Müller" }),
			action: ActionLink, person: hans},
		{name: "same e-mail in capitals, Johann for Hans, Mueller for Müller: link", account: reg(func(a *Account) {
			a.Email, a.FirstName, a.LastName = " Hans.Mueller@Example.AT", "Johann", "Mueller"
		}), action: ActionLink, person: hans},
		{name: "same e-mail and name, same birth date: link", account: reg(func(a *Account) {
			a.Email, a.FirstName, a.LastName, a.BirthDate = "hans.mueller@example.at", "Hans", "Müller", "1970-05-01"
		}), action: ActionLink, person: hans},
		{name: "same e-mail and name with jun.: new in the same household", account: reg(func(a *Account) {
			a.Email, a.FirstName, a.LastName = "hans.mueller@example.at", "Hans", "Müller jun."
		}), action: ActionNew, person: Person{HH: "0000001"},
			conflicts: []Conflict{conflict(ConflictSharedEmail, "hans.mueller@example.at", n1)}},
		{name: "same e-mail and name at the same dwelling, no birth date: new in the same household", account: reg(func(a *Account) {
			a.Email, a.FirstName, a.LastName = "hans.mueller@example.at", "Hans", "Müller"
			a.Street, a.Zip, a.City = "Hauptstr. 10 Stg. 4 Top 15", "1010", "Wien"
		}), action: ActionNew, person: Person{HH: "0000001"},
			conflicts: []Conflict{conflict(ConflictSharedEmail, "hans.mueller@example.at", n1)}},
		{name: "same e-mail, name, dwelling and birth date: link", account: reg(func(a *Account) {
			a.Email, a.FirstName, a.LastName, a.BirthDate = "hans.mueller@example.at", "Hans", "Müller", "1970-05-01"
			a.Street, a.Zip, a.City = "Hauptstr. 10 Stg. 4 Top 15", "1010", "Wien"
		}), action: ActionLink, person: hans},
		{name: "same e-mail, other first name: new in the same household", account: reg(func(a *Account) {
			a.Email, a.FirstName, a.LastName = "hans.mueller@example.at", "Maria", "Müller"
		}), action: ActionNew, person: Person{HH: "0000001"},
			conflicts: []Conflict{conflict(ConflictSharedEmail, "hans.mueller@example.at", n1)}},
		{name: "same e-mail and name, contradicting birth date: new in the same household", account: reg(func(a *Account) {
			a.Email, a.FirstName, a.LastName, a.BirthDate = "hans.mueller@example.at", "Hans", "Müller", "1999-01-01"
		}), action: ActionNew, person: Person{HH: "0000001"},
			conflicts: []Conflict{conflict(ConflictSharedEmail, "hans.mueller@example.at", n1)}},
		{name: "same e-mail, no first name on either side: never merged", account: reg(func(a *Account) {
			a.Email, a.FirstName, a.LastName = "eva@example.at", "", "Berger"
		}), action: ActionNew, person: Person{HH: "0000002"},
			conflicts: []Conflict{conflict(ConflictSharedEmail, "eva@example.at", n2)}},
		{name: "shared e-mail, household id in the row wins", account: reg(func(a *Account) {
			a.Email, a.FirstName, a.HH = "hans.mueller@example.at", "Maria", "0000300"
		}), action: ActionNew, person: Person{HH: "0000300"},
			conflicts: []Conflict{conflict(ConflictSharedEmail, "hans.mueller@example.at", n1)}},

		{name: "new person", account: reg(func(*Account) {}), action: ActionNew},
		{name: "new person without e-mail", account: reg(func(a *Account) { a.Email = "" }), action: ActionNew},
		{name: "new person with a free PE", account: reg(func(a *Account) { a.PE = "00000300" }), action: ActionNew, person: Person{PE: "00000300"}},
		{name: "new person with a taken PE", account: reg(func(a *Account) { a.PE = "00000001" }), action: ActionNew,
			conflicts: []Conflict{conflict(ConflictPETaken, "00000001", n1)}},
		{name: "same dwelling and surname, written differently: join the household", account: reg(func(a *Account) {
			a.FirstName, a.LastName, a.Street, a.Zip, a.City = "Anna", "Mueller", "Hauptstr. 10 Stiege 4 Top 15", "1010", "Wien"
		}), action: ActionNew, person: Person{HH: "0000001"}},
		{name: "same house, other Top: own household", account: reg(func(a *Account) {
			a.FirstName, a.LastName, a.Street, a.Zip, a.City = "Anna", "Müller", "Hauptstraße 10/4/16", "1010", "Wien"
		}), action: ActionNew},
		{name: "same dwelling, other surname: own household", account: reg(func(a *Account) {
			a.FirstName, a.LastName, a.Street, a.Zip, a.City = "Anna", "Huber", "Hauptstraße 10/4/15", "1010", "Wien"
		}), action: ActionNew},
		{name: "no address: never joins by the empty key", account: reg(func(a *Account) { a.Street = "" }), action: ActionNew},
		{name: "household id in the row beats the address", account: reg(func(a *Account) {
			a.LastName, a.Street, a.Zip, a.City, a.HH = "Müller", "Hauptstraße 10/4/15", "1010", "Wien", "0000300"
		}), action: ActionNew, person: Person{HH: "0000300"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := NewProfile(tc.account, "AT")
			d := Decide(tc.account, p, facts, Rules{Number: tmpl, Thresholds: DefaultThresholds})
			if got, want := d.Action, tc.action; got != want {
				t.Fatalf("Action=%v, want %v (decision %+v)", got, want, d)
			}
			got := Person{Number: d.Person.Number, HH: d.Person.HH, PE: d.Person.PE}
			want := Person{Number: tc.person.Number, HH: tc.person.HH, PE: tc.person.PE}
			if got != want {
				t.Errorf("person=%+v, want %+v", got, want)
			}
			if !reflect.DeepEqual(d.Profile, p) {
				t.Errorf("Profile=%+v, want the account's %+v", d.Profile, p)
			}
			if got, want := len(d.Conflicts), len(tc.conflicts); got != want {
				t.Fatalf("conflicts=%+v, want %+v", d.Conflicts, tc.conflicts)
			}
			for i, c := range d.Conflicts {
				if c.Detail == "" {
					t.Errorf("conflict %s has no detail", c.Kind)
				}
				if review := c.Kind == ConflictSharedEmail || c.Kind == ConflictSuspectedDuplicate; review != (c.Rule != "") {
					t.Errorf("conflict %s has rule %q", c.Kind, c.Rule)
				}
				c.Detail, c.Rule = "", ""
				if c != tc.conflicts[i] {
					t.Errorf("conflict %d=%+v, want %+v", i, c, tc.conflicts[i])
				}
			}
		})
	}
}

func with(a Account, edit func(*Account)) Account {
	edit(&a)
	return a
}

// TestDecideFuzzy covers rule 5: every account of a candidate is scored,
// and a score at or above Same reuses the number only with the same birth
// date, the same first name and no contradicting generation marker.
func TestDecideFuzzy(t *testing.T) {
	t.Parallel()
	tmpl := testdb.MustTemplate(t, "{seq:8}{check}")
	num := func(seq uint64) string {
		s, err := tmpl.Format(seq, "")
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	n1, n2, n3, n4 := num(1), num(2), num(3), num(4)
	acc, person := namedAccount, personOf
	// Leopold Steinbichler registered in Wien and, after moving, in Graz;
	// Michaela Gruber has a twin brother; Josef Huber sen. a son; Ingrid
	// Mittersteiner gave no address.
	facts := mapFacts{similar: []Person{
		person(n1, acc("Leopold", "Steinbichler", "1970-05-01", "Hauptstraße 10/4/15", "1010", "Wien")),
		person(n2, acc("Michaela", "Gruber", "1990-02-03", "Lindenweg 1", "4020", "Linz")),
		person(n1, acc("Leopold", "Steinbichler", "1970-05-01", "Annenstraße 5/2", "8020", "Graz")),
		person(n3, acc("Josef", "Huber sen.", "1950-01-01", "Dorfstraße 2", "4020", "Linz")),
		person(n4, acc("Ingrid", "Mittersteiner", "1961-03-14", "", "", "")),
	}}
	cases := []struct {
		name    string
		account Account
		action  Action
		number  string // the linked or suspected person
	}{
		{"the account in Graz speaks for the person who moved", acc("Leopold", "Steinbichler", "1970-05-01", "Annenstr. 5/2", "8020", "Graz"), ActionLink, n1},
		{"names swapped", acc("Steinbichler", "Leopold", "1970-05-01", "Annenstr. 5/2", "8020", "Graz"), ActionLink, n1},
		{"moved again: same name and birth date elsewhere, for review", acc("Leopold", "Steinbichler", "1970-05-01", "Bahnhofstraße 1", "5020", "Salzburg"), ActionNew, n1},
		{"no birth date: for review", acc("Leopold", "Steinbichler", "", "Annenstr. 5/2", "8020", "Graz"), ActionNew, n1},
		{"twin with a similar first name: for review", acc("Michael", "Gruber", "1990-02-03", "Lindenweg 1", "4020", "Linz"), ActionNew, n2},
		{"jun. against sen. with one birth date: for review", acc("Josef", "Huber jun.", "1950-01-01", "Dorfstraße 2", "4020", "Linz"), ActionNew, n3},
		{"marker on one side only: the same person", acc("Josef", "Huber", "1950-01-01", "Dorfstraße 2", "4020", "Linz"), ActionLink, n3},
		{"surname mistyped at the same address: the same person", acc("Leopold", "Steinbichlr", "1970-05-01", "Annenstr. 5/2", "8020", "Graz"), ActionLink, n1},
		{"alike surname, same first name and birth date, nothing else: for review", acc("Ingrid", "Aumittersteiner", "1961-03-14", "", "", ""), ActionNew, n4},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			a := tc.account
			a.Source, a.ID = "club", 10
			d := Decide(a, NewProfile(a, "AT"), facts, Rules{Number: tmpl, Thresholds: DefaultThresholds})
			if d.Action != tc.action {
				t.Fatalf("Action=%v, want %v (decision %+v)", d.Action, tc.action, d)
			}
			switch tc.action {
			case ActionLink:
				if d.Person.Number != tc.number || len(d.Conflicts) != 0 {
					t.Errorf("linked %q with %+v, want %q", d.Person.Number, d.Conflicts, tc.number)
				}
			default:
				if len(d.Conflicts) != 1 || d.Conflicts[0].Kind != ConflictSuspectedDuplicate || d.Conflicts[0].Number != tc.number {
					t.Errorf("conflicts=%+v, want a suspected duplicate of %q", d.Conflicts, tc.number)
				}
			}
		})
	}
}

func TestScore(t *testing.T) {
	t.Parallel()
	prof := func(first, last, birth, street, zip, city string) Profile {
		return NewProfile(Account{FirstName: first, LastName: last, BirthDate: birth, Street: street, Zip: zip, City: city}, "AT")
	}
	base := prof("Leopold", "Steinbichler", "1970-05-01", "Hauptstraße 10", "1010", "Wien")
	score := func(p Profile) float64 {
		s, _ := Score(base, p)
		return s
	}
	th := DefaultThresholds
	if s := score(prof("Leopold", "Steinbichlre", "1970-05-01", "Hauptstraße 10", "1010", "Wien")); s < th.Same {
		t.Errorf("a typo in a long surname scores %.3f, want at least %.2f", s, th.Same)
	}
	if s := score(prof("Leopold", "Steinbichler", "1970-05-01", "Bahnhofstraße 1", "5020", "Salzburg")); s < th.Review || s >= th.Same {
		t.Errorf("a move scores %.3f, want a review (%.2f to %.2f)", s, th.Review, th.Same)
	}
	// Surnames below the cut count as different, however close.
	mayer := prof("Leopold", "Mayer", "", "Hauptstraße 10", "1010", "Wien")
	if s, _ := Score(mayer, prof("Leopold", "Maier", "", "Hauptstraße 10", "1010", "Wien")); s >= th.Same {
		t.Errorf("Mayer and Maier score %.3f, want below %.2f", s, th.Same)
	}
	if s, why := Score(prof("Leopold", "Mayer", "", "", "", ""), prof("Leopold", "Mayer", "", "", "", "")); s != 0 {
		t.Errorf("names alone score %.3f (%s), want 0", s, why)
	}
}

func TestBlockingKeys(t *testing.T) {
	t.Parallel()
	p := NewProfile(Account{FirstName: "Leopold", LastName: "Steinbichler", BirthDate: "1970-05-01", Zip: "1010"}, "AT")
	b := p.Blocks
	if b.Name == "" || b.Place == "" || b.Birth == "" || b.FirstPlace == "" {
		t.Fatalf("Blocks=%+v, want all four keys", b)
	}
	swapped := NewProfile(Account{FirstName: "Steinbichler", LastName: "Leopold"}, "AT").Blocks
	if swapped.Name != b.Name {
		t.Errorf("swapped names: %q, want %q", swapped.Name, b.Name)
	}
	typo := NewProfile(Account{FirstName: "Leopold", LastName: "Steinbicher", Zip: "1010"}, "AT").Blocks
	if typo.FirstPlace != b.FirstPlace || typo.Place == b.Place {
		t.Errorf("surname typo: %+v, want only the first-name key shared with %+v", typo, b)
	}
	keys := b.Keys()
	if len(keys) != 4 || keys[0] != "n:"+b.Name || keys[3] != "f:"+b.FirstPlace {
		t.Errorf("Keys()=%q", keys)
	}
	if k := (Blocks{}).Keys(); len(k) != 0 {
		t.Errorf("empty Keys()=%q", k)
	}
}

// TestDecideByEmailFamily covers rule 3 with a mailbox that several
// people use: a family mailbox by its name links only when both sides give
// the same birth date, and no other account of the person under the
// address may contradict.
func TestDecideByEmailFamily(t *testing.T) {
	t.Parallel()
	tmpl := testdb.MustTemplate(t, "{seq:8}{check}")
	n1, n2 := "000000018", "000000029"
	acc := func(email, first, last, birth, street string) Account {
		a := Account{Source: "web", ID: 1, Active: true, Email: email, FirstName: first, LastName: last, BirthDate: birth, Street: street}
		if street != "" {
			a.Zip, a.City = "1010", "Wien"
		}
		return a
	}
	person := func(number string, a Account) Person {
		return Person{Number: number, HH: "HH" + number, PE: "PE" + number, Profile: NewProfile(a, "AT")}
	}
	// Alois Mitterschmid uses the family mailbox; Josef Wimmer gave his
	// birth date on one portal and none at home on another, which his son
	// of the same name, who gives none either, must not inherit.
	alois := person(n1, acc("familie.mitterschmid@aon.at", "Alois", "Mitterschmid", "1950-02-03", ""))
	josefBorn := person(n2, acc("josef.wimmer@a1.net", "Josef", "Wimmer", "1964-10-27", ""))
	josefHome := person(n2, acc("josef.wimmer@a1.net", "Josef", "Wimmer", "", "Hauptplatz 69"))
	facts := mapFacts{byEmail: map[string][]Person{
		alois.Profile.Email:     {alois},
		josefBorn.Profile.Email: {josefBorn, josefHome},
	}}
	cases := []struct {
		name    string
		account Account
		action  Action
		kind    ConflictKind // of the conflict naming the person, for New
		number  string
	}{
		{"family mailbox, same names and birth date: link", acc("familie.mitterschmid@aon.at", "Alois", "Mitterschmid", "1950-02-03", ""), ActionLink, "", n1},
		{"family mailbox, no birth date: review", acc("Familie.Mitterschmid@aon.at", "Alois", "Mitterschmid", "", ""), ActionNew, ConflictSharedEmail, n1},
		{"personal mailbox, no birth date elsewhere: link", acc("josef.wimmer@a1.net", "Josef", "Wimmer", "", "Bahnhofstraße 1"), ActionLink, "", n2},
		{"personal mailbox, same birth date: link", acc("josef.wimmer@a1.net", "Josef", "Wimmer", "1964-10-27", ""), ActionLink, "", n2},
		{"one account agrees, another has the same home and a birth date on one side: review",
			acc("josef.wimmer@a1.net", "Josef", "Wimmer", "1993-05-01", "Hauptplatz 69"), ActionNew, ConflictSharedEmail, n2},
		{"one account agrees, another has another birth date: review",
			acc("josef.wimmer@a1.net", "Josef", "Wimmer", "1993-05-01", ""), ActionNew, ConflictSharedEmail, n2},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			a := tc.account
			a.Source, a.ID = "club", 10
			d := Decide(a, NewProfile(a, "AT"), facts, Rules{Number: tmpl, Thresholds: DefaultThresholds})
			if d.Action != tc.action {
				t.Fatalf("Action=%v, want %v (decision %+v)", d.Action, tc.action, d)
			}
			if tc.action == ActionLink {
				if d.Person.Number != tc.number || len(d.Conflicts) != 0 {
					t.Errorf("linked %q with %+v, want %q", d.Person.Number, d.Conflicts, tc.number)
				}
				return
			}
			if len(d.Conflicts) != 1 || d.Conflicts[0].Kind != tc.kind || d.Conflicts[0].Number != tc.number {
				t.Errorf("conflicts=%+v, want %s naming %q", d.Conflicts, tc.kind, tc.number)
			}
		})
	}
}

// TestDecideNames covers rule 5b: below the review score, names that
// agree with nothing contradicting go to review, naming the person with the
// strongest evidence; another birth date or jun./sen. keeps two people
// apart.
func TestDecideNames(t *testing.T) {
	t.Parallel()
	tmpl := testdb.MustTemplate(t, "{seq:8}{check}")
	n1, n2, n3, n4 := "000000018", "000000029", "000000030", "000000041"
	acc, person := namedAccount, personOf
	// Registered on a portal that asks for names only: Leopold
	// Steinbichler; Theresia Kranzl, born 1980, in Graz; Josef Huber sen.;
	// and a second, later Leopold Steinbichler.
	facts := mapFacts{similar: []Person{
		person(n1, acc("Leopold", "Steinbichler", "", "", "", "")),
		person(n2, acc("Theresia", "Kranzl", "1980-04-05", "Annenstraße 5/2", "8020", "Graz")),
		person(n3, acc("Josef", "Huber sen.", "", "", "", "")),
		person(n4, acc("Leopold", "Steinbichler", "", "Hauptstraße 10", "4020", "Linz")),
	}}
	cases := []struct {
		name    string
		account Account
		numbers []string // the suspected persons, in the order named
	}{
		{"same names, nothing else: both, the later one first", acc("Leopold", "Steinbichler", "", "", "", ""), []string{n4, n1}},
		{"nickname", acc("Poldi", "Steinbichler", "", "", "", ""), []string{n4, n1}},
		{"names swapped", acc("Steinbichler", "Leopold", "", "", "", ""), []string{n4, n1}},
		{"same names, another address, no birth date: moved?", acc("Theresia", "Kranzl", "", "Bahnhofstraße 1", "5020", "Salzburg"), []string{n2}},
		{"same first name and birth date, another surname: married?", acc("Theresia", "Berger-Kranzl", "1980-04-05", "", "", ""), []string{n2}},
		{"a typo in the surname, nothing else to compare", acc("Leopold", "Steinbichlre", "", "", "", ""), []string{n4, n1}},
		{"another birth date: two people", acc("Theresia", "Kranzl", "1999-04-05", "Bahnhofstraße 1", "5020", "Salzburg"), nil},
		{"jun. against sen.: two people", acc("Josef", "Huber jun.", "", "", "", ""), nil},
		{"marker on one side only: review", acc("Josef", "Huber", "", "", "", ""), []string{n3}},
		{"another first name: nobody", acc("Maria", "Steinbichler", "", "", "", ""), nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			a := tc.account
			a.Source, a.ID = "club", 10
			d := Decide(a, NewProfile(a, "AT"), facts, Rules{Number: tmpl, Thresholds: DefaultThresholds})
			if d.Action != ActionNew {
				t.Fatalf("Action=%v, want new (decision %+v)", d.Action, d)
			}
			var named []string
			for _, c := range d.Conflicts {
				if c.Kind != ConflictSuspectedDuplicate {
					t.Errorf("conflict %+v, want only suspected duplicates", c)
				}
				named = append(named, c.Number)
			}
			if !slices.Equal(named, tc.numbers) {
				t.Errorf("suspected duplicates of %q, want %q (conflicts %+v)", named, tc.numbers, d.Conflicts)
			}
		})
	}
}

// namedAccount is a confirmed registration with names, birth date and
// address, for the fuzzy rules.
func namedAccount(first, last, birth, street, zip, city string) Account {
	return Account{Source: "web", ID: 1, Active: true, FirstName: first, LastName: last, BirthDate: birth, Street: street, Zip: zip, City: city}
}

// personOf is the person with this number whose account is a.
func personOf(number string, a Account) Person {
	return Person{Number: number, HH: "HH" + number, PE: "PE" + number, Profile: NewProfile(a, "AT")}
}

// TestDecideNames_Frequency: where names are all there is to compare,
// they are worth what their frequency in the central store says. Two
// Maria Grubers share nothing; two Ilse Zauninthalers share a lot.
func TestDecideNames_Frequency(t *testing.T) {
	t.Parallel()
	tmpl := testdb.MustTemplate(t, "{seq:8}{check}")
	n1, n2 := "000000018", "000000029"
	acc, person := namedAccount, personOf
	facts := mapFacts{
		similar: []Person{
			person(n1, acc("Maria", "Gruber", "", "", "", "")),
			person(n2, acc("Ilse", "Zauninthaler", "", "", "", "")),
		},
		// Among 100,000 accounts, 3,000 Marias and 300 Grubers, one Ilse
		// Zauninthaler.
		namesakes: map[string]float64{"maria gruber": Namesakes(3000, 300, 100000), "ilse zauninthaler": Namesakes(40, 1, 100000)},
	}
	cases := []struct {
		name    string
		account Account
		numbers []string
	}{
		{"common names, nothing else: no review", acc("Maria", "Gruber", "", "", "", ""), nil},
		{"common names, another address: no review", acc("Maria", "Gruber", "", "Hauptstraße 1", "1010", "Wien"), nil},
		{"rare names, nothing else: review", acc("Ilse", "Zauninthaler", "", "", "", ""), []string{n2}},
		{"rare names with a typo: review", acc("Ilse", "Zauninthalr", "", "", "", ""), []string{n2}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			a := tc.account
			a.Source, a.ID = "club", 10
			d := Decide(a, NewProfile(a, "AT"), facts, Rules{Number: tmpl, Thresholds: DefaultThresholds})
			var named []string
			for _, c := range d.Conflicts {
				named = append(named, c.Number)
				if !strings.Contains(c.Detail, "bits") {
					t.Errorf("detail %q does not say what the names tell", c.Detail)
				}
			}
			if d.Action != ActionNew || !slices.Equal(named, tc.numbers) {
				t.Errorf("action %v naming %q, want new naming %q (conflicts %+v)", d.Action, named, tc.numbers, d.Conflicts)
			}
		})
	}
	if bits := -math.Log2(Namesakes(3000, 300, 100000)); bits > -3 || bits < -3.3 {
		t.Errorf("Maria Gruber among 100,000: %.2f bits, want about -3.2", bits)
	}
}
