package linkage

import (
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"keysync/sync/match"
)

// big is the data set most tests look at, generated once.
var big = sync.OnceValue(func() Dataset { return Generate(1, 20000) })

func TestGenerateDeterministic(t *testing.T) {
	t.Parallel()
	a, b := Generate(42, 3000), Generate(42, 3000)
	if !reflect.DeepEqual(a, b) {
		t.Fatal("the same seed gave different data sets")
	}
	c := Generate(43, 3000)
	if reflect.DeepEqual(a.Registrations, c.Registrations) {
		t.Fatal("different seeds gave the same registrations")
	}
}

func TestGenerateSize(t *testing.T) {
	t.Parallel()
	for _, n := range []int{0, 1, 2, 3, 5, 17, 1000} {
		d := Generate(int64(n), n)
		if len(d.Registrations) != n {
			t.Errorf("Generate(_, %d) gave %d registrations", n, len(d.Registrations))
		}
	}
}

// persons groups registrations by person, in arrival order.
func persons(d Dataset) map[int][]Registration {
	m := map[int][]Registration{}
	for _, r := range d.Registrations {
		m[r.PersonID] = append(m[r.PersonID], r)
	}
	return m
}

func TestArrivalOrder(t *testing.T) {
	t.Parallel()
	d := big()
	next := map[string]uint64{}
	for i, r := range d.Registrations {
		if r.Seq != i {
			t.Fatalf("registration %d has Seq %d", i, r.Seq)
		}
		if i > 0 && r.Registered.Before(d.Registrations[i-1].Registered) {
			t.Fatalf("registration %d arrives before %d", i, i-1)
		}
		next[r.Portal]++
		if r.AccountID != next[r.Portal] {
			t.Fatalf("%s: account id %d, want %d", r.Key(), r.AccountID, next[r.Portal])
		}
		if PortalCountry(r.Portal) == "" {
			t.Fatalf("%s: unknown portal", r.Key())
		}
		a := r.Account()
		if a.Source != r.Portal || a.ID != r.AccountID || !a.Active || a.Number != "" || a.Email != r.Email {
			t.Fatalf("%s: Account() = %+v", r.Key(), a)
		}
	}
}

func TestLabelsPerPerson(t *testing.T) {
	t.Parallel()
	d := big()
	ps := persons(d)
	if len(ps) != d.Persons {
		t.Errorf("%d persons registered, Dataset.Persons = %d", len(ps), d.Persons)
	}
	for id, regs := range ps {
		if len(regs) > 3 {
			t.Errorf("person %d has %d registrations", id, len(regs))
		}
		var portals []string
		for i, r := range regs {
			if r.Nth != i {
				t.Errorf("%s: Nth %d, want %d", r.Key(), r.Nth, i)
			}
			if slices.Contains(portals, r.Portal) {
				t.Errorf("person %d registers twice on %s", id, r.Portal)
			}
			portals = append(portals, r.Portal)
			if r.HouseholdID != regs[0].HouseholdID || r.Household != regs[0].Household {
				t.Errorf("%s: household %d/%s, first registration %d/%s", r.Key(), r.HouseholdID, r.Household, regs[0].HouseholdID, regs[0].Household)
			}
			first := slices.Contains(FirstKinds, r.Kind)
			if first != (i == 0) || !first && !slices.Contains(RepeatKinds, r.Kind) {
				t.Errorf("%s: kind %s at Nth %d", r.Key(), r.Kind, i)
			}
			if i == 0 && r.Kind != r.Household {
				t.Errorf("%s: first registration of kind %s in a %s household", r.Key(), r.Kind, r.Household)
			}
			if (r.Email == "") != (r.Mail == MailNone) {
				t.Errorf("%s: e-mail %q with Mail %s", r.Key(), r.Email, r.Mail)
			}
			if r.BirthDate != "" {
				if _, err := time.Parse(time.DateOnly, r.BirthDate); err != nil {
					t.Errorf("%s: birth date %q: %v", r.Key(), r.BirthDate, err)
				}
			}
			if (r.DwellingID == 0) != (r.Street == "") || (r.Street == "") != (r.Zip == "") {
				t.Errorf("%s: dwelling %d with street %q, zip %q", r.Key(), r.DwellingID, r.Street, r.Zip)
			}
		}
	}
}

func TestLabelsPerHousehold(t *testing.T) {
	t.Parallel()
	d := big()
	members := map[int][][]Registration{}
	for _, regs := range persons(d) {
		members[regs[0].HouseholdID] = append(members[regs[0].HouseholdID], regs)
	}
	if len(members) != d.Households {
		t.Errorf("%d households registered, Dataset.Households = %d", len(members), d.Households)
	}
	for hh, ms := range members {
		kind := ms[0][0].Household
		want := 2
		if kind == KindSingle || kind == KindNamesake {
			want = 1
		}
		if len(ms) != want {
			t.Errorf("household %d (%s) has %d persons, want %d", hh, kind, len(ms), want)
			continue
		}
		if want == 1 {
			continue
		}
		a, b := ms[0][0], ms[1][0]
		if a.DwellingID != 0 && b.DwellingID != 0 && a.DwellingID != b.DwellingID {
			t.Errorf("household %d (%s): first registrations at dwellings %d and %d", hh, kind, a.DwellingID, b.DwellingID)
		}
		switch kind {
		case KindTwin:
			if a.BirthDate != "" && b.BirthDate != "" && a.BirthDate != b.BirthDate {
				t.Errorf("twins %s and %s born %s and %s", a.Key(), b.Key(), a.BirthDate, b.BirthDate)
			}
			if plainName(a.FirstName) == plainName(b.FirstName) {
				t.Errorf("twins %s and %s have the same first name", a.Key(), b.Key())
			}
		case KindParentChild:
			if plainName(a.FirstName) != plainName(b.FirstName) || plainName(a.LastName) != plainName(b.LastName) {
				t.Errorf("parent and child %s and %s: %q %q and %q %q", a.Key(), b.Key(), a.FirstName, a.LastName, b.FirstName, b.LastName)
			}
			if a.BirthDate != "" && b.BirthDate != "" {
				ya, _ := strconv.Atoi(a.BirthDate[:4])
				yb, _ := strconv.Atoi(b.BirthDate[:4])
				if gap := max(ya-yb, yb-ya); gap < 24 || gap > 37 {
					t.Errorf("parent and child %s and %s born %s and %s", a.Key(), b.Key(), a.BirthDate, b.BirthDate)
				}
			}
		case KindCoupleMailbox:
			if a.Mail == MailShared && b.Mail == MailShared && match.Email(a.Email) != match.Email(b.Email) {
				t.Errorf("couple %s and %s share no mailbox: %q, %q", a.Key(), b.Key(), a.Email, b.Email)
			}
		}
	}
}

// plainName is a name as typed, without titles, "jun."/"sen.", case and
// spacing.
func plainName(s string) string {
	skip := map[string]bool{"jun.": true, "sen.": true, "-": true}
	for _, t := range titles {
		for _, w := range strings.Fields(strings.ReplaceAll(t, "-", " ")) {
			skip[strings.ToLower(w)] = true
		}
	}
	var out []string
	for _, t := range strings.Fields(strings.ReplaceAll(strings.ToLower(s), "-", " ")) {
		if !skip[t] {
			out = append(out, t)
		}
	}
	return strings.Join(out, " ")
}

// TestEmailsBelongToOnePerson checks that an address is used by one person,
// or by the members of one household sharing a mailbox.
func TestEmailsBelongToOnePerson(t *testing.T) {
	t.Parallel()
	d := big()
	users := map[string]map[int]int{} // address -> person -> household
	for _, r := range d.Registrations {
		k := match.Email(r.Email)
		if k == "" {
			continue
		}
		if users[k] == nil {
			users[k] = map[int]int{}
		}
		users[k][r.PersonID] = r.HouseholdID
	}
	for addr, ps := range users {
		hh := -1
		for _, h := range ps {
			if hh >= 0 && h != hh {
				t.Errorf("%s is used by persons of different households: %v", addr, ps)
			}
			hh = h
		}
	}
	for id, regs := range persons(d) {
		for i, r := range regs {
			k := match.Email(r.Email)
			switch r.Mail {
			case MailOther:
				for _, e := range regs[:i] {
					if match.Email(e.Email) == k {
						t.Errorf("person %d: %s has Mail other but the address of %s", id, r.Key(), e.Key())
					}
				}
			case MailVariant:
				if !strings.HasSuffix(k, "@gmail.com") {
					t.Errorf("%s: Gmail variant %q", r.Key(), r.Email)
				}
			case MailShared:
				if len(users[k]) < 2 && len(persons(d)) > 0 && !sharesWithAbsent(d, r) {
					t.Errorf("%s: shared mailbox %q used by one person", r.Key(), r.Email)
				}
			}
			if r.Mail == MailSame || r.Mail == MailVariant {
				known := false
				for _, e := range regs[:i] {
					if match.Email(e.Email) == k {
						known = true
					}
				}
				// The earlier registrations may have been left empty or used
				// another address.
				if !known && allUseMain(regs[:i]) {
					t.Errorf("person %d: %s has Mail %s but no earlier registration has %q", id, r.Key(), r.Mail, r.Email)
				}
			}
		}
	}
}

// sharesWithAbsent reports a shared mailbox whose other user has not used it
// on any registration (empty e-mail there).
func sharesWithAbsent(d Dataset, r Registration) bool {
	for _, o := range d.Registrations {
		if o.HouseholdID == r.HouseholdID && o.PersonID != r.PersonID && (o.Mail == MailNone || o.Mail == MailOther) {
			return true
		}
	}
	return false
}

func allUseMain(regs []Registration) bool {
	for _, e := range regs {
		if e.Mail == MailNone || e.Mail == MailOther {
			return false
		}
	}
	return len(regs) > 0
}

// TestRepeatKinds checks that each repeat differs from the person's first
// registration the way its kind says.
func TestRepeatKinds(t *testing.T) {
	t.Parallel()
	d := big()
	fold := strings.NewReplacer("ä", "a", "ö", "o", "ü", "u", "ae", "a", "oe", "o", "ue", "u", "ß", "ss")
	for id, regs := range persons(d) {
		first := regs[0]
		married := false
		dwelling := first.DwellingID
		for _, r := range regs[1:] {
			f0, l0 := plainName(first.FirstName), plainName(first.LastName)
			f, l := plainName(r.FirstName), plainName(r.LastName)
			bad := false
			switch r.Kind {
			case KindExact, KindOtherEmail, KindGmailVariant:
				bad = !married && (f != f0 || l != l0)
			case KindTypoFirst:
				bad = match.DamerauLevenshtein(f, f0) != 1 || !married && l != l0
			case KindTypoLast:
				bad = f != f0 || !married && match.DamerauLevenshtein(l, l0) != 1
			case KindUmlaut:
				bad = f == f0 && l == l0 || fold.Replace(f) != fold.Replace(f0) || !married && fold.Replace(l) != fold.Replace(l0)
			case KindSwapped:
				bad = f != l0 && !married || l != f0
			case KindNickname:
				bad = f == f0 || match.FirstName(f) != match.FirstName(f0)
			case KindMarried:
				bad = f != f0 || l == l0 || married
				married = true
			case KindMoved:
				bad = r.DwellingID == 0 || r.DwellingID == dwelling
			case KindBirthTypo:
				bad = r.BirthDate == ""
				for _, e := range regs {
					if e.BirthDate != "" && e.Kind != KindBirthTypo && e.BirthDate == r.BirthDate {
						bad = true
					}
				}
			}
			if bad {
				t.Errorf("person %d: %s of kind %s: %q %q (first %q %q)", id, r.Key(), r.Kind, r.FirstName, r.LastName, first.FirstName, first.LastName)
			}
			if r.DwellingID != 0 {
				dwelling = r.DwellingID
			}
		}
	}
}

// TestAddressNotations checks that every notation of a dwelling parses to
// the same address (the country aside: a German address without country
// on a portal defaulting to Austria is taken for Austrian).
func TestAddressNotations(t *testing.T) {
	t.Parallel()
	d := big()
	keys := map[int]string{}
	for _, r := range d.Registrations {
		if r.DwellingID == 0 {
			continue
		}
		a := match.ParseAddress(r.Street, r.Zip, r.City, r.Country, PortalCountry(r.Portal))
		k := strings.Join([]string{a.Postcode, a.Street, a.House, a.Block, a.Stair, a.Door}, "|")
		if prev, ok := keys[r.DwellingID]; ok && prev != k {
			t.Errorf("%s: %q %q parses to %s, earlier to %s", r.Key(), r.Street, r.Zip, k, prev)
		}
		keys[r.DwellingID] = k
	}
}

// TestCoverage checks that every scenario occurs often enough to measure
// and that the documented proportions hold.
func TestCoverage(t *testing.T) {
	t.Parallel()
	d := big()
	n := float64(len(d.Registrations))
	kinds, mails, tags := map[string]int{}, map[string]int{}, map[string]int{}
	var noBirth, noAddress, noEmail, stiege, slashes int
	threeParts := regexp.MustCompile(`\d+[a-z]?/\d+/\d+`)
	for _, r := range d.Registrations {
		kinds[r.Kind]++
		mails[r.Mail]++
		for _, tg := range r.Tags {
			tags[tg]++
		}
		if r.BirthDate == "" {
			noBirth++
		}
		if r.Street == "" {
			noAddress++
		}
		if r.Email == "" {
			noEmail++
		}
		if strings.Contains(r.Street, "Stiege") || strings.Contains(r.Street, "Stg.") {
			stiege++
		}
		if threeParts.MatchString(r.Street) {
			slashes++
		}
	}
	for _, k := range append(slices.Clone(FirstKinds), RepeatKinds...) {
		if kinds[k] < 100 {
			t.Errorf("kind %s occurs %d times in %d registrations", k, kinds[k], len(d.Registrations))
		}
	}
	for _, m := range []string{MailOwn, MailShared, MailSame, MailVariant, MailOther, MailNone} {
		if mails[m] < 100 {
			t.Errorf("Mail %s occurs %d times", m, mails[m])
		}
	}
	for _, tg := range []string{"suffix", "title_in_name", "upper", "lower", "spaces", "zip_prefix", "moved", "new_email"} {
		if tags[tg] < 20 {
			t.Errorf("tag %s occurs %d times", tg, tags[tg])
		}
	}
	for _, c := range []struct {
		what   string
		count  int
		lo, hi float64
	}{
		{"no birth date", noBirth, 0.42, 0.58},
		{"no address", noAddress, 0.23, 0.36},
		{"no e-mail", noEmail, 0.02, 0.045},
		{"Stiege/Stg. notation", stiege, 0.01, 0.2},
		{"10/4/15 notation", slashes, 0.01, 0.2},
	} {
		if share := float64(c.count) / n; share < c.lo || share > c.hi {
			t.Errorf("%s: %.3f of registrations, want %.2f-%.2f", c.what, share, c.lo, c.hi)
		}
	}
	multi := 0
	for _, regs := range persons(d) {
		if len(regs) > 1 {
			multi++
		}
	}
	if share := float64(multi) / float64(d.Persons); share < 0.25 || share > 0.4 {
		t.Errorf("%.3f of persons register more than once, want about a third", share)
	}
}

func TestPortalCountry(t *testing.T) {
	t.Parallel()
	for _, p := range Portals {
		if PortalCountry(p.Name) != p.Country {
			t.Errorf("PortalCountry(%q) = %q", p.Name, PortalCountry(p.Name))
		}
	}
	if PortalCountry("nowhere") != "" {
		t.Error("PortalCountry of an unknown portal is not empty")
	}
}
