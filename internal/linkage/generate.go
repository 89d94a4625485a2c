package linkage

import (
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"keysync/internal/gazetteer"
	"keysync/sync/match"
)

// Registrations are spread over these nine years.
var (
	spanStart = time.Date(2016, 3, 1, 0, 0, 0, 0, time.UTC)
	spanSecs  = int64(9 * 365 * 24 * 3600)
)

// householdWeights are the shares of household kinds among generated
// households (KindSingle also stands in for a namesake when there is no
// earlier person to share a name with).
var householdWeights = []weighted{
	{KindSingle, 68}, {KindCoupleMailbox, 9}, {KindCouple, 12}, {KindParentChild, 3}, {KindTwin, 1}, {KindNamesake, 7},
}

// repeatWeights are the shares of repeat kinds among second and third
// registrations, before kinds that do not apply to a person (no umlaut to
// vary, no nickname, no Gmail address, not a woman who marries) are
// redrawn among those that do.
var repeatWeights = []weighted{
	{KindExact, 30}, {KindOtherEmail, 14}, {KindGmailVariant, 12}, {KindTypoFirst, 6}, {KindTypoLast, 6},
	{KindUmlaut, 15}, {KindSwapped, 3}, {KindNickname, 7}, {KindMarried, 12}, {KindMoved, 12}, {KindBirthTypo, 2},
}

// registrationsPerPerson: 68 % register on one portal, 24 % on two, 8 % on
// all three.
var registrationsPerPerson = []weighted{{"1", 68}, {"2", 24}, {"3", 8}}

// Noise rates, in percent of registrations.
const (
	emptyEmailPct  = 3  // no e-mail address (accounts created by the office)
	titleShownPct  = 70 // a person's title in the title field
	titleInNamePct = 10 // a person's title typed into the first-name field
	upperPct       = 2  // surname in capitals
	lowerPct       = 2  // both names in lower case
	spacesPct      = 2  // stray spaces around or inside names
	zipPrefixPct   = 6  // postcode written with "A-"/"D-"
	suffixPct      = 30 // parent or child adds "jun."/"sen."
	familyMailPct  = 15 // twins or parent and child using one family mailbox
	alikeTwinsPct  = 50 // twins with alike names (Michael and Michaela)
	sameMailPct    = 60 // a repeat with changed names or address keeps the e-mail address
	mailCasePct    = 10 // an unchanged address typed with capitals
	marriedMovePct = 50 // a marriage comes with a move
	marriedMailPct = 60 // a marriage comes with a new e-mail address
	commonLastPct  = 8  // surname among the most frequent (Gruber, Huber, Müller ...)
	otherListedPct = 25 // a rarer surname from otherLastNames, else a compound one
)

type weighted struct {
	name   string
	weight int
}

// Generate returns n labelled registrations of German and Austrian members
// on the three portals, in arrival order; the same seed gives the same
// registrations. See the package documentation for what they contain.
func Generate(seed int64, n int) Dataset {
	g := &generator{
		rng:    rand.New(rand.NewPCG(uint64(seed), 0x6c696e6b616765)),
		emails: map[string]bool{},
	}
	for len(g.regs) < n {
		g.household(n - len(g.regs))
	}
	slices.SortStableFunc(g.regs, func(a, b Registration) int { return a.Registered.Compare(b.Registered) })
	next := map[string]uint64{}
	nth := map[int]int{}
	for i := range g.regs {
		r := &g.regs[i]
		r.Seq = i
		next[r.Portal]++
		r.AccountID = next[r.Portal]
		r.Nth = nth[r.PersonID]
		nth[r.PersonID]++
	}
	return Dataset{Seed: seed, Registrations: g.regs, Persons: len(g.persons), Households: g.households}
}

type generator struct {
	rng        *rand.Rand
	regs       []Registration
	persons    []*person
	households int
	dwellings  int
	emails     map[string]bool // normalised addresses in use
}

// person is the truth about one member.
type person struct {
	id, household int
	kind          string // household kind
	woman         bool
	first, last   string // as the person writes them
	title         string
	birth         time.Time
	home          dwelling
	email         string // the address the person registers with
	suffix        string // "jun." or "sen." for parent and child
	married       bool
}

// dwelling is a postal address with its Austrian unit.
type dwelling struct {
	id                 int
	at                 bool
	street, house      string
	block, stair, door string
	zip, city          string
}

func (g *generator) pct(p int) bool { return g.rng.IntN(100) < p }

func (g *generator) pick(list []string) string { return list[g.rng.IntN(len(list))] }

func (g *generator) choose(ws []weighted, ok func(string) bool) string {
	total := 0
	for _, w := range ws {
		if ok == nil || ok(w.name) {
			total += w.weight
		}
	}
	r := g.rng.IntN(total)
	for _, w := range ws {
		if ok != nil && !ok(w.name) {
			continue
		}
		if r < w.weight {
			return w.name
		}
		r -= w.weight
	}
	return ws[len(ws)-1].name
}

// household generates one household and its members' registrations,
// using at most room registrations.
func (g *generator) household(room int) {
	kind := g.choose(householdWeights, nil)
	if kind == KindNamesake && len(g.persons) == 0 {
		kind = KindSingle
	}
	size := 1
	if kind != KindSingle && kind != KindNamesake {
		size = 2
	}
	if size > room {
		kind, size = KindSingle, 1
	}
	counts := make([]int, size)
	total := 0
	for i := range counts {
		counts[i], _ = strconv.Atoi(g.choose(registrationsPerPerson, nil))
		total += counts[i]
	}
	// Fit the last household into n by dropping later registrations.
	for i := size - 1; total > room && i >= 0; i-- {
		for counts[i] > 1 && total > room {
			counts[i]--
			total--
		}
	}
	g.households++
	hh := g.households
	var members []*person
	switch kind {
	case KindSingle:
		members = []*person{g.newPerson(hh, kind, g.rng.IntN(2) == 0, g.birth(1940, 2006))}
	case KindNamesake:
		model := g.persons[g.rng.IntN(len(g.persons))]
		p := g.newPerson(hh, kind, model.woman, g.birth(1940, 2006))
		p.first, p.last = model.first, model.last
		p.email = g.personalEmail(p)
		members = []*person{p}
	case KindCoupleMailbox, KindCouple:
		a := g.newPerson(hh, kind, g.rng.IntN(2) == 0, g.birth(1940, 2000))
		b := g.newPerson(hh, kind, !a.woman, a.birth.AddDate(g.rng.IntN(13)-6, 0, g.rng.IntN(365)))
		b.home = a.home
		if g.pct(70) {
			b.last = a.last
		}
		b.email = g.personalEmail(b)
		if kind == KindCoupleMailbox {
			shared := g.sharedEmail(a, b)
			a.email, b.email = shared, shared
		}
		members = []*person{a, b}
	case KindParentChild:
		pn := parentNames[g.rng.IntN(len(parentNames))]
		parent := g.newPerson(hh, kind, pn.woman, g.birth(1940, 1975))
		child := g.newPerson(hh, kind, pn.woman, parent.birth.AddDate(25+g.rng.IntN(11), g.rng.IntN(12), g.rng.IntN(28)))
		parent.first, child.first = pn.name, pn.name
		child.last, child.home = parent.last, parent.home
		parent.suffix, child.suffix = "sen.", "jun."
		parent.email, child.email = g.personalEmail(parent), g.personalEmail(child)
		if g.pct(familyMailPct) {
			shared := g.sharedEmail(parent, child)
			parent.email, child.email = shared, shared
		}
		members = []*person{parent, child}
	case KindTwin:
		pair := twinNames[g.rng.IntN(len(twinNames))]
		birth := g.birth(1975, 2006)
		a := g.newPerson(hh, kind, isWoman(pair[0]), birth)
		b := g.newPerson(hh, kind, isWoman(pair[1]), birth)
		if g.pct(alikeTwinsPct) {
			// Otherwise any two names of the right sexes.
			a.first, b.first = pair[0], pair[1]
		}
		b.last, b.home = a.last, a.home
		a.email, b.email = g.personalEmail(a), g.personalEmail(b)
		if g.pct(familyMailPct) {
			shared := g.sharedEmail(a, b)
			a.email, b.email = shared, shared
		}
		members = []*person{a, b}
	}
	for i, p := range members {
		g.register(p, counts[i])
	}
}

func isWoman(first string) bool { return slices.Contains(womenNames, first) }

// newPerson draws a member with a name, birth date, home and e-mail address.
func (g *generator) newPerson(hh int, kind string, woman bool, birth time.Time) *person {
	p := &person{id: len(g.persons) + 1, household: hh, kind: kind, woman: woman, birth: birth}
	if woman {
		p.first = g.pick(womenNames)
	} else {
		p.first = g.pick(menNames)
	}
	p.last = g.lastName()
	if g.pct(12) {
		p.title = g.pick(titles)
	}
	p.home = g.dwelling(g.pct(70))
	p.email = g.personalEmail(p)
	g.persons = append(g.persons, p)
	return p
}

func (g *generator) lastName() string {
	if g.pct(commonLastPct) {
		return g.pick(commonLastNames)
	}
	if g.pct(5) {
		return g.pick(commonLastNames) + "-" + g.rareLastName()
	}
	return g.rareLastName()
}

// rareLastName draws from the long tail of surnames: the listed ones with
// umlauts, ß and names of the neighbours, or one compounded the way
// Alpine farm and place names are (Ober+huber, Stein+leitner,
// Mühl+bacher).
func (g *generator) rareLastName() string {
	if g.pct(otherListedPct) {
		return g.pick(otherLastNames)
	}
	return g.pick(surnameStems) + g.pick(surnameEndings)
}

// birth draws a date between the first day of from and the last of to,
// favouring the middle years as a membership does.
func (g *generator) birth(from, to int) time.Time {
	start := time.Date(from, 1, 1, 0, 0, 0, 0, time.UTC)
	days := int(time.Date(to, 12, 31, 0, 0, 0, 0, time.UTC).Sub(start).Hours() / 24)
	d := (g.rng.IntN(days+1) + g.rng.IntN(days+1)) / 2
	return start.AddDate(0, 0, d)
}

// dwelling draws a new address, Austrian (with Stiege and Top in towns) or
// German.
func (g *generator) dwelling(at bool) dwelling {
	g.dwellings++
	d := dwelling{id: g.dwellings, at: at}
	house := 1 + g.rng.IntN(g.rng.IntN(120)+1)
	d.house = strconv.Itoa(house)
	if g.pct(8) {
		d.house += string(rune('a' + g.rng.IntN(4)))
	}
	if at {
		d.street = g.pick(gazetteer.ATStreets)
		place := gazetteer.ATPlaces[g.rng.IntN(len(gazetteer.ATPlaces))]
		d.zip, d.city = place[0], place[1]
		urban := place[0] < "2000" || slices.Contains([]string{"Graz", "Linz", "Salzburg", "Innsbruck"}, place[1])
		if (urban && g.pct(80)) || (!urban && g.pct(20)) {
			d.door = strconv.Itoa(1 + g.rng.IntN(40))
			if g.pct(55) {
				d.stair = strconv.Itoa(1 + g.rng.IntN(6))
				if g.pct(6) {
					d.block = string(rune('A' + g.rng.IntN(3)))
				}
			}
		}
	} else {
		d.street = g.pick(gazetteer.DEStreets)
		place := gazetteer.DEPlaces[g.rng.IntN(len(gazetteer.DEPlaces))]
		d.zip, d.city = place[0], place[1]
	}
	return d
}

// mailName spells a name as it appears in e-mail addresses.
func mailName(s string) string {
	return strings.ReplaceAll(match.Name(s), " ", "")
}

// personalEmail returns an unused address built from the person's name.
func (g *generator) personalEmail(p *person) string {
	f, l := mailName(p.first), mailName(p.last)
	if f == "" {
		f = "x"
	}
	if l == "" {
		l = "y"
	}
	yy := strconv.Itoa(p.birth.Year() % 100)
	if len(yy) == 1 {
		yy = "0" + yy
	}
	var local string
	switch r := g.rng.IntN(100); {
	case r < 35:
		local = f + "." + l
	case r < 47:
		local = f[:1] + "." + l
	case r < 57:
		local = f + l
	case r < 65:
		local = l + "." + f
	case r < 70:
		local = f + "_" + l
	case r < 82:
		local = f + "." + l + yy
	case r < 87:
		local = l + yy
	default:
		local = l + "." + f[:1]
	}
	return g.unique(local, g.provider(p.home.at))
}

// sharedEmail returns an unused household mailbox for two persons, or the
// first one's own address, which the other uses as well.
func (g *generator) sharedEmail(a, b *person) string {
	if g.pct(50) {
		return a.email
	}
	l := mailName(a.last)
	var local string
	kinds := 4
	if mailName(a.first) == mailName(b.first) {
		kinds = 2 // "hansundhans@" is nobody's mailbox
	}
	switch g.rng.IntN(kinds) {
	case 0:
		local = "familie." + l
	case 1:
		local = l + ".familie"
	case 2:
		local = mailName(a.first) + "." + mailName(b.first) + "." + l
	default:
		local = mailName(a.first) + "und" + mailName(b.first)
	}
	return g.unique(local, g.provider(a.home.at))
}

// otherEmail returns a second, unused address of a person: at work or at
// another provider.
func (g *generator) otherEmail(p *person, last string) string {
	f, l := mailName(p.first), mailName(last)
	if g.pct(35) {
		return g.unique(f+"."+l, g.pick(workDomains))
	}
	locals := []string{f + "." + l, f + l, l + "." + f, f[:min(1, len(f))] + l, f + "." + l + strconv.Itoa(1+g.rng.IntN(99))}
	return g.unique(g.pick(locals), g.provider(p.home.at))
}

func (g *generator) provider(at bool) string {
	if at {
		return g.pick(atProviders)
	}
	return g.pick(deProviders)
}

// unique returns local@domain, or with a number added to the local part,
// so that no two persons share an address unless they mean to.
func (g *generator) unique(local, domain string) string {
	for i := 0; ; i++ {
		l := local
		if i > 0 {
			l += strconv.Itoa(i + 1)
		}
		addr := l + "@" + domain
		if key := match.Email(addr); !g.emails[key] {
			g.emails[key] = true
			return addr
		}
	}
}

// register writes k registrations of p on distinct portals.
func (g *generator) register(p *person, k int) {
	portals := g.portalOrder(k)
	t := g.rng.Int64N(spanSecs)
	state := *p // what the person currently writes
	for i, portal := range portals {
		if i > 0 {
			t += 86400 + g.rng.Int64N(4*365*86400)
		}
		at := spanStart.Add(time.Duration(t) * time.Second)
		kind := p.kind
		if i > 0 {
			kind = g.choose(repeatWeights, func(k string) bool { return g.applies(k, &state, at) })
		}
		g.regs = append(g.regs, g.write(p, &state, i, kind, portal, at))
	}
}

// portalOrder draws k distinct portals by weight.
func (g *generator) portalOrder(k int) []string {
	var ws []weighted
	for _, p := range Portals {
		ws = append(ws, weighted{p.Name, int(p.Weight * 100)})
	}
	var out []string
	for range k {
		name := g.choose(ws, func(n string) bool { return !slices.Contains(out, n) })
		out = append(out, name)
	}
	return out
}

// applies reports whether a repeat kind can happen to the person.
func (g *generator) applies(kind string, s *person, at time.Time) bool {
	switch kind {
	case KindGmailVariant:
		return strings.HasSuffix(s.email, "@gmail.com")
	case KindUmlaut:
		return hasUmlaut(s.last) || hasUmlaut(s.first)
	case KindNickname:
		return len(nicknames[s.first]) > 0
	case KindMarried:
		age := at.Year() - s.birth.Year()
		return s.woman && !s.married && (s.kind == KindSingle || s.kind == KindNamesake) && age >= 20 && age < 60
	case KindTypoFirst:
		return len([]rune(s.first)) >= 4
	case KindTypoLast:
		return len([]rune(s.last)) >= 4
	}
	return true
}

func hasUmlaut(s string) bool { return strings.ContainsAny(s, "äöüÄÖÜß") }

// write renders the nth registration of p, whose current state is s.
// Married and moved change the state the person's later registrations
// start from.
func (g *generator) write(p, s *person, nth int, kind, portal string, at time.Time) Registration {
	pt := Portals[slices.IndexFunc(Portals, func(x Portal) bool { return x.Name == portal })]
	r := Registration{Portal: portal, Registered: at, PersonID: p.id, HouseholdID: p.household, Kind: kind, Household: p.kind}
	first, last := s.first, s.last
	birthShown := g.rng.Float64() < pt.Birth
	addressShown := g.rng.Float64() < pt.Address

	mail := MailSame
	if nth == 0 {
		mail = MailOwn
		if g.sharesMailbox(p) {
			mail = MailShared
		}
	}
	switch kind {
	case KindOtherEmail:
		mail = MailOther
	case KindGmailVariant:
		mail = MailVariant
	case KindTypoFirst:
		first = g.typo(first)
	case KindTypoLast:
		last = g.typo(last)
	case KindUmlaut:
		if hasUmlaut(last) && (!hasUmlaut(first) || g.pct(80)) {
			last = g.umlautVariant(last)
		} else {
			first = g.umlautVariant(first)
		}
	case KindSwapped:
		first, last = last, first
	case KindNickname:
		first = g.pick(nicknames[s.first])
	case KindMarried:
		s.married = true
		old := s.last
		for s.last == old {
			s.last = g.lastName()
		}
		if g.pct(25) && !strings.Contains(s.last, "-") {
			s.last += "-" + old
		}
		last = s.last
		if g.pct(marriedMovePct) {
			s.home = g.dwelling(s.home.at)
			addressShown = true
			r.Tags = append(r.Tags, "moved")
		}
		if g.pct(marriedMailPct) {
			s.email = g.otherEmail(s, s.last)
			mail = MailOther
			r.Tags = append(r.Tags, "new_email")
		}
	case KindMoved:
		s.home = g.dwelling(s.home.at && g.pct(95) || !s.home.at && g.pct(5))
		addressShown = true
	case KindBirthTypo:
		birthShown = true
	}
	if nth > 0 && kind != KindExact && kind != KindMarried && mail == MailSame && !g.pct(sameMailPct) {
		mail = MailOther
	}

	email := s.email
	switch mail {
	case MailSame:
		if g.pct(mailCasePct) {
			email = capitalizeMail(email)
		}
	case MailVariant:
		email = g.gmailVariant(email)
	case MailOther:
		if kind != KindMarried {
			email = g.otherEmail(s, s.last)
		}
	}
	if g.pct(emptyEmailPct) {
		email, mail = "", MailNone
	}
	r.Email, r.Mail = email, mail

	// Names as typed.
	if s.suffix != "" && g.pct(suffixPct) {
		if g.pct(70) {
			last += " " + s.suffix
		} else {
			first += " " + s.suffix
		}
		r.Tags = append(r.Tags, "suffix")
	}
	if s.title != "" {
		switch {
		case g.pct(titleInNamePct):
			first = s.title + " " + first
			r.Tags = append(r.Tags, "title_in_name")
		case g.pct(titleShownPct):
			r.Title = s.title
		}
	}
	switch {
	case g.pct(upperPct):
		last = strings.ToUpper(last)
		r.Tags = append(r.Tags, "upper")
	case g.pct(lowerPct):
		first, last = strings.ToLower(first), strings.ToLower(last)
		r.Tags = append(r.Tags, "lower")
	}
	if g.pct(spacesPct) {
		first, last = first+" ", " "+strings.ReplaceAll(last, "-", " - ")
		r.Tags = append(r.Tags, "spaces")
	}
	r.FirstName, r.LastName = first, last

	if birthShown {
		b := s.birth
		date := b.Format(time.DateOnly)
		if kind == KindBirthTypo {
			date = g.birthTypo(b)
		}
		r.BirthDate = date
	} else {
		r.Tags = append(r.Tags, "no_birth")
	}
	if addressShown {
		g.address(&r, s.home)
	} else {
		r.Tags = append(r.Tags, "no_address")
	}
	return r
}

// sharesMailbox reports whether p's address is also another household
// member's.
func (g *generator) sharesMailbox(p *person) bool {
	for _, q := range g.persons {
		if q.household == p.household && q != p && q.email == p.email {
			return true
		}
	}
	return false
}

// typo substitutes one letter by a neighbouring key or transposes two
// adjacent letters, never the first letter, so that the normalised name
// changes.
func (g *generator) typo(s string) string {
	rs := []rune(s)
	for range 50 {
		out := slices.Clone(rs)
		if g.rng.IntN(2) == 0 && len(rs) >= 3 {
			i := 1 + g.rng.IntN(len(rs)-2)
			if !unicode.IsLetter(out[i]) || !unicode.IsLetter(out[i+1]) {
				continue
			}
			out[i], out[i+1] = out[i+1], out[i]
		} else {
			i := 1 + g.rng.IntN(len(rs)-1)
			keys := []rune(qwertz[unicode.ToLower(out[i])])
			if len(keys) == 0 {
				continue
			}
			c := keys[g.rng.IntN(len(keys))]
			if unicode.IsUpper(out[i]) {
				c = unicode.ToUpper(c)
			}
			out[i] = c
		}
		if t := string(out); match.Name(t) != match.Name(s) {
			return t
		}
	}
	return s + "e"
}

// umlautVariant writes umlauts as ae/oe/ue or without dots, and ß as ss.
func (g *generator) umlautVariant(s string) string {
	if g.pct(50) {
		return strings.NewReplacer("ä", "ae", "ö", "oe", "ü", "ue", "Ä", "Ae", "Ö", "Oe", "Ü", "Ue", "ß", "ss").Replace(s)
	}
	return strings.NewReplacer("ä", "a", "ö", "o", "ü", "u", "Ä", "A", "Ö", "O", "Ü", "U", "ß", "ss").Replace(s)
}

// birthTypo returns the date with one typing error: day and month
// swapped, a day or a year digit off by one, or the year's last two
// digits transposed.
func (g *generator) birthTypo(b time.Time) string {
	y, m, d := b.Year(), int(b.Month()), b.Day()
	for {
		switch g.rng.IntN(4) {
		case 0:
			if d <= 12 && d != m {
				m, d = d, m
			} else {
				continue
			}
		case 1:
			if d < 28 {
				d++
			} else {
				d--
			}
		case 2:
			if y%10 < 9 {
				y++
			} else {
				y--
			}
		case 3:
			t, o := y/10%10, y%10
			if t == o {
				continue
			}
			y = y/100*100 + o*10 + t
		}
		return time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC).Format(time.DateOnly)
	}
}

// gmailVariant writes a Gmail address with other dots, a +tag or the
// googlemail.com domain: the same mailbox.
func (g *generator) gmailVariant(addr string) string {
	local, _, _ := strings.Cut(addr, "@")
	domain := "gmail.com"
	plain := strings.ReplaceAll(local, ".", "")
	for {
		out := local
		switch g.rng.IntN(4) {
		case 0:
			if out == plain {
				i := 1 + g.rng.IntN(max(1, len(plain)-1))
				out = plain[:i] + "." + plain[i:]
			} else {
				out = plain
			}
		case 1:
			out += "+" + g.pick([]string{"verein", "amicas", "club", "news", "mitglied"})
		case 2:
			domain = "googlemail.com"
		case 3:
			out = strings.ToUpper(out[:1]) + out[1:] + "+" + g.pick([]string{"verein", "web"})
		}
		if v := out + "@" + domain; v != addr {
			return v
		}
	}
}

// capitalizeMail writes the first letter of each part of the local part in
// capitals and sometimes the domain too, as people type.
func capitalizeMail(addr string) string {
	b := []rune(addr)
	up := true
	for i, c := range b {
		if c == '@' {
			break
		}
		if up {
			b[i] = unicode.ToUpper(c)
		}
		up = c == '.' || c == '_'
	}
	return string(b)
}

// address writes the dwelling into the registration in one of the usual
// notations.
func (g *generator) address(r *Registration, d dwelling) {
	r.DwellingID = d.id
	street := g.streetName(d.street)
	r.Street = street + " " + g.houseAndUnit(d)
	r.Zip = d.zip
	if g.pct(zipPrefixPct) {
		if d.at {
			r.Zip = "A-" + d.zip
		} else {
			r.Zip = "D-" + d.zip
		}
		r.Tags = append(r.Tags, "zip_prefix")
	}
	r.City = d.city
	if strings.HasPrefix(d.city, "St. ") && g.pct(40) {
		r.City = "Sankt " + strings.TrimPrefix(d.city, "St. ")
	}
	if d.at {
		r.Country = g.pick(atCountries)
	} else {
		r.Country = g.pick(deCountries)
	}
}

// streetName abbreviates or respells Straße and Platz and writes Sankt as
// St., as members do.
func (g *generator) streetName(s string) string {
	r := g.rng.IntN(100)
	switch {
	case strings.HasSuffix(s, "straße") && r < 25:
		return strings.TrimSuffix(s, "straße") + "str."
	case strings.HasSuffix(s, "straße") && r < 35:
		return strings.TrimSuffix(s, "straße") + "strasse"
	case strings.HasSuffix(s, " Straße") && r < 25:
		return strings.TrimSuffix(s, " Straße") + " Str."
	case strings.HasSuffix(s, " Straße") && r < 35:
		return strings.TrimSuffix(s, " Straße") + "straße"
	case strings.HasSuffix(s, "platz") && r < 20:
		return strings.TrimSuffix(s, "platz") + "pl."
	case strings.HasPrefix(s, "Sankt-") && r < 50:
		return "St.-" + strings.TrimPrefix(s, "Sankt-")
	}
	return s
}

// houseAndUnit writes the house number with Stiege and Top in one of the
// Austrian notations: 10/4/15, 10/Stiege 4/Top 15, 10 Stg. 4 Top 15 ...
func (g *generator) houseAndUnit(d dwelling) string {
	h := d.house
	if len(h) > 1 && h[len(h)-1] >= 'a' && g.pct(30) {
		h = h[:len(h)-1] + " " + strings.ToUpper(h[len(h)-1:])
	}
	switch {
	case d.door == "":
		return h
	case d.stair == "":
		return h + g.pick([]string{"/" + d.door, "/" + d.door, "/Top " + d.door, " Top " + d.door, ", Top " + d.door, "/" + pad(d.door)})
	case d.block != "":
		return h + g.pick([]string{
			"/" + d.block + "/" + d.stair + "/" + d.door,
			"/" + d.block + "/Stiege " + d.stair + "/Top " + d.door,
			" Block " + d.block + " Stg. " + d.stair + " Top " + d.door,
		})
	}
	return h + g.pick([]string{
		"/" + d.stair + "/" + d.door, "/" + d.stair + "/" + d.door,
		"/Stiege " + d.stair + "/Top " + d.door,
		" Stg. " + d.stair + " Top " + d.door,
		"/Stg. " + d.stair + "/Top " + d.door,
		", Stiege " + d.stair + ", Top " + d.door,
		"/" + d.stair + "/" + pad(d.door),
	})
}

func pad(n string) string {
	if len(n) == 1 {
		return "0" + n
	}
	return n
}
