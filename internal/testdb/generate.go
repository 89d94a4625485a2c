package testdb

import (
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // Europe/Vienna on machines without zoneinfo

	"keysync/sync/match"
)

// Registrations of GenerateFeUsers are spread over these nine years.
const (
	generateBase = 1456790400 // 2016-03-01 00:00:00 UTC
	generateSpan = 9 * 365 * 24 * 3600
)

// GenerateFeUsers returns n confirmed registrations (deleted=0, disable=0) of
// a German and Austrian portal, the same for the same seed: names with
// umlauts and common surnames, unique usernames and e-mails on the usual
// providers (a few users without e-mail, a few with capitals in it), street
// addresses in Austrian and German styles, postcodes with their cities,
// countries spelled as people type them, academic titles, and crdate/tstamp
// growing with the index from a fixed date. Generating 100,000 users takes a
// fraction of a second.
func GenerateFeUsers(seed int64, n int) []FeUser {
	g := generator{
		rng:       rand.New(rand.NewPCG(uint64(seed), 0x6b657973796e63)),
		usernames: make(map[string]struct{}, n),
		emails:    make(map[string]struct{}, n),
		next:      make(map[string]int),
	}
	hashes := make([]string, 16)
	for i := range hashes {
		hashes[i] = g.passwordHash(i)
	}
	users := make([]FeUser, n)
	step := int64(generateSpan)
	if n > 0 {
		step = generateSpan / int64(n)
	}
	for i := range users {
		u := &users[i]
		first := pick(g.rng, firstNameList)
		last := g.lastName()
		at := g.rng.IntN(10) < 7
		u.FirstName, u.LastName = first.raw, last.raw
		if g.rng.IntN(10) < 7 {
			u.Name = first.raw + " " + last.raw
		}
		u.Title = g.title()
		u.Email = g.email(first.mail, last.mail, at)
		u.Username = g.username(first, last, u.Email)
		u.Password = hashes[g.rng.IntN(len(hashes))]
		u.Address = g.address(at)
		if at {
			place := atPlaces[g.rng.IntN(len(atPlaces))]
			u.Zip, u.City = place[0], place[1]
			u.Country = atCountries[g.rng.IntN(len(atCountries))]
		} else {
			place := dePlaces[g.rng.IntN(len(dePlaces))]
			u.Zip, u.City = place[0], place[1]
			u.Country = deCountries[g.rng.IntN(len(deCountries))]
		}
		u.Usergroup = usergroups[g.rng.IntN(len(usergroups))]
		u.Pid = 5
		if g.rng.IntN(10) == 0 {
			u.Pid = 27
		}
		u.Crdate = generateBase + int64(i)*step + g.rng.Int64N(step+1)
		u.Tstamp = u.Crdate
		if g.rng.IntN(10) < 4 {
			u.Tstamp += g.rng.Int64N(3 * 365 * 24 * 3600)
		}
	}
	addPersonData(users, seed)
	return users
}

// vienna is the time zone femanager's date_of_birth is midnight in, for
// the generated portals.
var vienna = mustLocation("Europe/Vienna")

func mustLocation(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic("testdb: " + err.Error())
	}
	return loc
}

// addPersonData fills what femanager and a typical profile form add, from
// a random source of its own so that the rest of a seed's users stay as
// they were: a birth date for half the users (midnight in Vienna, as
// femanager stores it; ages 16 to 95), a gender by first name (femanager's
// 0 male, 1 female, a few 2 diverse), a phone number for six in ten, a
// company for one in twenty.
func addPersonData(users []FeUser, seed int64) {
	rng := rand.New(rand.NewPCG(uint64(seed), 0x62697274686461))
	for i := range users {
		u := &users[i]
		if rng.IntN(2) == 0 {
			age := 16 + rng.IntN(80)
			born := time.Date(2025-age, time.Month(1+rng.IntN(12)), 1+rng.IntN(28), 0, 0, 0, 0, vienna)
			u.DateOfBirth = born.Unix()
		}
		u.Gender = femanagerGender(u.FirstName)
		if rng.IntN(50) == 0 {
			u.Gender = 2
		}
		if rng.IntN(10) < 6 {
			u.Telephone = phoneNumber(rng, u.Country)
		}
		if rng.IntN(20) == 0 {
			u.Company = companies[rng.IntN(len(companies))]
		}
	}
}

// firstMen is where the men start in firstNames.
var firstMen = slices.Index(firstNames, "Lukas")

// femanagerGender is femanager's code for a first name of the generator's
// list: women first, then men.
func femanagerGender(first string) int {
	for i, n := range firstNames {
		if n == first {
			if i < firstMen {
				return 1
			}
			return 0
		}
	}
	return 0
}

// phoneNumber writes a number the way members type them: with or without
// the country code, spaces, slashes or dashes.
func phoneNumber(rng *rand.Rand, country string) string {
	cc, mobile := "43", "664"
	if c, _ := match.Country(country); c == "DE" {
		cc, mobile = "49", "151"
	}
	n := strconv.Itoa(1000000 + rng.IntN(9000000))
	switch rng.IntN(4) {
	case 0:
		return "+" + cc + " " + mobile + " " + n
	case 1:
		return "0" + mobile + "/" + n
	case 2:
		return "0" + mobile + "-" + n[:3] + " " + n[3:]
	}
	return "+" + cc + mobile + n
}

type generator struct {
	rng       *rand.Rand
	usernames map[string]struct{}
	emails    map[string]struct{}
	next      map[string]int // next suffix to try per taken base
}

// name is a name as written and as spelled in e-mail addresses.
type name struct{ raw, mail string }

func names(list []string) []name {
	out := make([]name, len(list))
	for i, s := range list {
		out[i] = name{s, mailReplacer.Replace(strings.ToLower(s))}
	}
	return out
}

var (
	firstNameList  = names(firstNames)
	commonLastList = names(commonLastNames)
	otherLastList  = names(otherLastNames)
)

func pick(rng *rand.Rand, list []name) name { return list[rng.IntN(len(list))] }

func (g *generator) lastName() name {
	if g.rng.IntN(10) < 7 {
		return pick(g.rng, commonLastList)
	}
	if g.rng.IntN(20) == 0 {
		// Double-barrelled names.
		a, b := pick(g.rng, commonLastList), pick(g.rng, otherLastList)
		return name{a.raw + "-" + b.raw, a.mail + "-" + b.mail}
	}
	return pick(g.rng, otherLastList)
}

func (g *generator) title() string {
	switch r := g.rng.IntN(100); {
	case r < 7:
		return "Mag."
	case r < 11:
		return "Dr."
	case r < 13:
		return "DI"
	case r < 14:
		return "Ing."
	case r < 15:
		return "Mag.a"
	}
	return ""
}

// email returns a unique address, or "" for the few who left it empty.
func (g *generator) email(f, l string, at bool) string {
	r := g.rng.IntN(100)
	if r < 2 {
		return ""
	}
	var local string
	switch g.rng.IntN(8) {
	case 0, 1, 2:
		local = f + "." + l
	case 3:
		local = f[:1] + "." + l
	case 4:
		local = f + l
	case 5:
		local = l + "." + f
	case 6:
		// A two-digit year of birth, 1950 to 2005.
		y := (50 + g.rng.IntN(56)) % 100
		local = f + "." + l + string(rune('0'+y/10)) + string(rune('0'+y%10))
	default:
		local = f + "_" + l
	}
	if r < 5 {
		// Typed with capitals, as people do.
		local = capitalize(local)
	}
	providers := deProviders
	if at {
		providers = atProviders
	}
	domain := providers[g.rng.IntN(len(providers))]
	return g.unique(g.emails, local, "@"+domain)
}

// username returns a unique login: the e-mail address for about half the
// users, otherwise a name-based login, a few of them with umlauts.
func (g *generator) username(first, last name, email string) string {
	if email != "" && g.rng.IntN(2) == 0 {
		return g.unique(g.usernames, email, "")
	}
	var base string
	switch g.rng.IntN(20) {
	case 0:
		base = strings.ToLower(first.raw) + "." + strings.ToLower(last.raw)
	case 1, 2, 3, 4, 5, 6:
		base = first.mail[:1] + last.mail
	case 7, 8, 9, 10, 11, 12:
		base = first.mail + "." + last.mail
	default:
		base = first.mail + last.mail[:1] + strconv.Itoa(1+g.rng.IntN(99))
	}
	return g.unique(g.usernames, base, "")
}

// unique returns base+suffix, or base+N+suffix with the smallest free N from
// 2, so that no two results are equal under MariaDB's case- and
// accent-insensitive collations.
func (g *generator) unique(taken map[string]struct{}, base, suffix string) string {
	if s := base + suffix; claim(taken, s) {
		return s
	}
	bkey := foldKey(base, false) + "\x00" + suffix
	n := max(g.next[bkey], 2)
	for {
		s := base + strconv.Itoa(n) + suffix
		n++
		if claim(taken, s) {
			g.next[bkey] = n
			return s
		}
	}
}

// claim records s as taken unless it, or a string equal to it under the
// collations, already is.
func claim(taken map[string]struct{}, s string) bool {
	key := foldKey(s, false)
	if _, ok := taken[key]; ok {
		return false
	}
	// utf8mb3_general_ci takes ß for s, utf8mb4_unicode_ci for ss.
	if strings.Contains(s, "ß") {
		general := foldKey(s, true)
		if _, ok := taken[general]; ok {
			return false
		}
		taken[general] = struct{}{}
	}
	taken[key] = struct{}{}
	return true
}

func (g *generator) address(at bool) string {
	var street string
	if at {
		street = atStreets[g.rng.IntN(len(atStreets))]
	} else {
		street = deStreets[g.rng.IntN(len(deStreets))]
	}
	no := strconv.Itoa(1 + g.rng.IntN(g.rng.IntN(150)+1))
	switch r := g.rng.IntN(100); {
	case r < 1:
		// Long, with a company in front.
		return "c/o " + companies[g.rng.IntN(len(companies))] + ", " + street + " " + no + "/Stiege " +
			strconv.Itoa(1+g.rng.IntN(4)) + "/Top " + strconv.Itoa(1+g.rng.IntN(40))
	case r < 2:
		// Typed into the address textarea on two lines.
		return street + " " + no + "\nHintereingang"
	case r < 10:
		return street + " " + no + string(rune('a'+g.rng.IntN(4)))
	case at && r < 35:
		return street + " " + no + "/" + strconv.Itoa(1+g.rng.IntN(6)) + "/" + strconv.Itoa(1+g.rng.IntN(30))
	case at && r < 50:
		return street + " " + no + "/" + strconv.Itoa(1+g.rng.IntN(30))
	case at && r < 53:
		return street + " " + no + "/Stiege " + strconv.Itoa(1+g.rng.IntN(4)) + "/Top " + strconv.Itoa(1+g.rng.IntN(40))
	}
	return street + " " + no
}

func (g *generator) passwordHash(i int) string {
	const b64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	random := func(n int) string {
		b := make([]byte, n)
		for j := range b {
			b[j] = b64[g.rng.IntN(len(b64))]
		}
		return string(b)
	}
	if i%4 == 3 {
		return "$2y$12$" + strings.NewReplacer("+", ".").Replace(random(53))
	}
	return "$argon2i$v=19$m=65536,t=16,p=1$" + random(22) + "$" + random(43)
}

// mailReplacer spells names the way they appear in e-mail addresses.
var mailReplacer = strings.NewReplacer(
	"ä", "ae", "ö", "oe", "ü", "ue", "Ä", "ae", "Ö", "oe", "Ü", "ue", "ß", "ss",
	"é", "e", "è", "e", "ë", "e", "á", "a", "ó", "o", "í", "i", "ú", "u", "ř", "r",
	"č", "c", "ć", "c", "š", "s", "ž", "z", "ı", "i", "ş", "s", "ğ", "g",
	" ", "", "'", "",
)

// foldReplacer folds letters that MariaDB's *_unicode_ci collations treat as
// equal to their base letter.
var foldReplacer = strings.NewReplacer(
	"ä", "a", "ö", "o", "ü", "u", "ß", "ss", "é", "e", "è", "e", "ë", "e",
	"á", "a", "ó", "o", "í", "i", "ú", "u", "ř", "r", "č", "c", "ć", "c", "š", "s", "ž", "z", "ı", "i", "ş", "s", "ğ", "g",
)

// foldKey returns the key under which s is unique; general folds ß to s as
// *_general_ci does.
func foldKey(s string, general bool) string {
	s = strings.ToLower(s)
	if isASCII(s) {
		return s
	}
	if general {
		s = strings.ReplaceAll(s, "ß", "s")
	}
	return foldReplacer.Replace(s)
}

func capitalize(local string) string {
	b := []byte(local)
	up := true
	for i, c := range b {
		if up && c >= 'a' && c <= 'z' {
			b[i] = c - 'a' + 'A'
		}
		up = c == '.' || c == '_'
	}
	return string(b)
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}
