package keysync

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"keysync/sync/match"
)

// Thresholds are the two cut-offs of the fuzzy decision (rule 5), on the
// score of Score. At or above Same a candidate is the same person, but only
// when both carry the same birth date and the same first name: without a
// birth date, a sibling at the same address with a similar first name (Anna
// and Anne Gruber) scores as high as a typo, and twins share the birth date
// (Michael and Michaela Gruber). Between Review and Same, and for a Same-score
// without that agreement, the registration gets a new number and a
// suspected_duplicate conflict. Below Review it is a new person.
type Thresholds struct {
	Same   float64
	Review float64
	// NamesBits is the evidence in bits that names must carry where they
	// are all there is to compare (rule 5b, namesBits).
	NamesBits float64
}

// DefaultThresholds follow the German record-linkage practice the reference
// describes (EpiLink: match at 0.95, possible match from 0.6), with review
// raised to 0.8: another address costs little (weightMoved), so a rare name
// with the same birth date at a new address still reaches review, while
// common names (Maria Huber) in the same town with nothing more in common
// stay below it; such pairs are too common among members to send each one
// to an admin.
var DefaultThresholds = Thresholds{Same: 0.95, Review: 0.8, NamesBits: DefaultNamesBits}

// DefaultNamesBits asks names that are all the evidence to be expected by
// chance on at most one account in 2^DefaultNamesBits of the store.
const DefaultNamesBits = 4.0

// Validate reports thresholds that cannot work.
func (t Thresholds) Validate() error {
	if !(t.Review > 0 && t.Review <= t.Same && t.Same <= 1) {
		return fmt.Errorf("need 0 < review (%.3f) <= same (%.3f) <= 1", t.Review, t.Same)
	}
	return nil
}

// Field weights in bits, log2((1-e)/f) with f the share of people sharing a
// value by chance and e the rate of recording errors (reference/matching.md).
// Common names are shared far more often, so they weigh less.
var (
	weightFirst       = math.Log2((1 - 0.01) / 0.000235)
	weightFirstCommon = math.Log2((1 - 0.01) / 0.01)
	weightLast        = math.Log2((1 - 0.008) / 0.0000271)
	weightLastCommon  = math.Log2((1 - 0.008) / 0.005)
	weightDay         = math.Log2((1 - 0.005) * 30)
	weightMonth       = math.Log2((1 - 0.002) * 12)
	weightYear        = math.Log2((1 - 0.004) / 0.0286)
	weightPostcode    = math.Log2((1 - 0.04) / 0.01)
	weightCity        = math.Log2((1 - 0.04) / 0.01)
	// A dwelling (street, house, Stiege, Top) is shared by few people, so
	// the same one is strong evidence.
	weightAddress = math.Log2((1 - 0.04) / 0.000003)
	// weightMoved is what a differing postcode, town or dwelling weighs
	// instead of its agreement weight: people move, and about one repeat
	// registration in seven comes from a new address, so another address
	// says little against "same person". log2(1/0.15) is about 2.7 bits.
	weightMoved = math.Log2(1 / 0.15)
)

// lastNameCut is the Jaro-Winkler below which two surnames count as
// different. Common surnames differ in one letter (Mayer and Maier 0.89,
// Eder and Eger 0.85), and their bearers are different people far more
// often than one of them mistyped the name; a typo in a longer surname
// stays above the cut (Gruber and Grubre 0.97, Wagner and Wanger 0.96).
const lastNameCut = 0.9

// Score compares two profiles the way EpiLink does: each field present in
// both contributes its weight times its similarity (Jaro-Winkler for names,
// cut to 0 below 0.8 and for surnames below lastNameCut; equality for birth
// date parts, postcode, town and dwelling), divided by the weights of the
// fields compared; a differing postcode, town or dwelling counts with
// weightMoved only. Names are also compared swapped. The second result
// names the evidence for conflict reports.
//
// Names alone are no evidence: two accounts that share nothing but a name
// (many portals ask for no more) score 0, since Maria Huber is a common
// name and a false suspicion costs an admin's time on every registration.
func Score(a, b Profile) (float64, string) {
	if !comparableBeyondNames(a, b) {
		return 0, "only names to compare"
	}
	straight, sn := score(a, b, a.FirstName, a.LastName)
	swapped, sw := score(a, b, a.LastName, a.FirstName)
	if swapped > straight {
		return swapped, "names swapped; " + sw
	}
	return straight, sn
}

func score(a, b Profile, first, last string) (float64, string) {
	// Relatives share the address and the surname; different first names
	// (after nicknames are folded) make them different people, however much
	// else agrees.
	if first != "" && b.FirstName != "" && nameSimilarity(first, b.FirstName) == 0 {
		return 0, "first names differ"
	}
	var sum, total float64
	var evidence []byte // "first name 0.93, birth year 1.00"
	add := func(name string, weight, sim float64) {
		sum += weight * sim
		total += weight
		if len(evidence) > 0 {
			evidence = append(evidence, ", "...)
		}
		evidence = strconv.AppendFloat(append(append(evidence, name...), ' '), sim, 'f', 2, 64)
	}
	if first != "" && b.FirstName != "" {
		add("first name", nameWeight(b.FirstName, weightFirst, weightFirstCommon, commonFirst), nameSimilarity(first, b.FirstName))
	}
	if last != "" && b.LastName != "" {
		add("last name", nameWeight(b.LastName, weightLast, weightLastCommon, commonLast), lastNameSimilarity(last, b.LastName))
	}
	if len(a.BirthDate) == 10 && len(b.BirthDate) == 10 {
		add("birth year", weightYear, equal(a.BirthDate[:4], b.BirthDate[:4]))
		add("birth month", weightMonth, equal(a.BirthDate[5:7], b.BirthDate[5:7]))
		add("birth day", weightDay, equal(a.BirthDate[8:], b.BirthDate[8:]))
	}
	// Where someone lives weighs fully when it agrees and little when it
	// does not (weightMoved).
	place := func(name string, weight float64, x, y string) {
		if x == "" || y == "" {
			return
		}
		if x == y {
			add(name, weight, 1)
		} else {
			add(name, weightMoved, 0)
		}
	}
	place("postcode", weightPostcode, a.Postcode, b.Postcode)
	place("town", weightCity, a.City, b.City)
	place("address", weightAddress, a.Address, b.Address)
	if total == 0 {
		return 0, "nothing to compare"
	}
	return sum / total, string(evidence)
}

// nameSimilarity is Jaro-Winkler, cut to 0 below 0.8: unrelated names
// (Karin, Ingrid) still score about 0.55, which must not count as half a
// match.
func nameSimilarity(a, b string) float64 {
	if s := match.JaroWinkler(a, b); s >= 0.8 {
		return s
	}
	return 0
}

// lastNameSimilarity is nameSimilarity cut at lastNameCut.
func lastNameSimilarity(a, b string) float64 {
	if s := nameSimilarity(a, b); s >= lastNameCut {
		return s
	}
	return 0
}

func comparableBeyondNames(a, b Profile) bool {
	return (len(a.BirthDate) == 10 && len(b.BirthDate) == 10) || (a.Postcode != "" && b.Postcode != "") ||
		(a.City != "" && b.City != "") || (a.Address != "" && b.Address != "")
}

func equal(a, b string) float64 {
	if a == b {
		return 1
	}
	return 0
}

func nameWeight(name string, rare, common float64, list map[string]bool) float64 {
	for _, part := range strings.Fields(name) {
		if list[part] {
			return common
		}
	}
	return rare
}

// Blocks are the keys under which a person's accounts are found as fuzzy
// candidates. Kölner Phonetik makes them robust to umlaut spellings and
// most typos; one key per situation that keeps the others apart:
// Name finds swapped names and moves, Place finds nicknames and first-name
// typos at the same postcode, Birth finds married-name changes, FirstPlace
// finds surname typos and married names at the same postcode.
type Blocks struct {
	Name       string // phonetic first and last name, in sorted order
	Place      string // phonetic last name | postcode
	Birth      string // birth date | phonetic first name
	FirstPlace string // phonetic first name | postcode
}

// Keys lists the non-empty keys, each prefixed with its kind ("n:", "p:",
// "b:", "f:"), so that keys of different kinds never meet.
func (b Blocks) Keys() []string {
	var out []string
	for _, k := range [...]struct{ tag, key string }{{"n:", b.Name}, {"p:", b.Place}, {"b:", b.Birth}, {"f:", b.FirstPlace}} {
		if k.key != "" {
			out = append(out, k.tag+k.key)
		}
	}
	return out
}

// MaxBlock is how many accounts a blocking key may have before it is too
// common to tell anyone apart: "Maria Huber in 1010 Wien" in a large
// association. Such a key finds no candidates (the other keys of the
// profile still do), which keeps the candidates of a registration, and so
// the time the central store holds its sequence lock, bounded as the
// central database grows.
const MaxBlock = 10

// BlockingKeys computes the candidate keys of a profile; a key is empty
// when its parts are unknown.
func BlockingKeys(p Profile) Blocks {
	first, last := match.Phonetic(p.FirstName), match.Phonetic(p.LastName)
	var b Blocks
	if first != "" && last != "" {
		lo, hi := first, last
		if lo > hi {
			lo, hi = hi, lo
		}
		b.Name = lo + "|" + hi
	}
	if last != "" && p.Postcode != "" {
		b.Place = last + "|" + p.Postcode
	}
	if first != "" && len(p.BirthDate) == 10 {
		b.Birth = p.BirthDate + "|" + first
	}
	if first != "" && p.Postcode != "" {
		b.FirstPlace = first + "|" + p.Postcode
	}
	return b
}

// Common first names and surnames of Austria and Germany (normalised):
// agreeing on them says less about identity.
var (
	commonFirst = setOf("maria", "anna", "johannes", "josef", "franz", "thomas", "michael", "andreas", "peter",
		"elisabeth", "christian", "stefan", "martin", "markus", "wolfgang", "gerhard", "helmut", "karl", "claudia",
		"andrea", "sabine", "barbara", "monika", "petra", "julia", "katharina", "christina", "daniel", "alexander",
		"manfred", "walter", "gabriele", "susanne", "theresia", "margarethe", "florian", "lukas", "sarah", "laura", "lisa")
	commonLast = setOf("gruber", "huber", "wagner", "mueller", "bauer", "pichler", "steiner", "moser", "mayer",
		"hofer", "leitner", "berger", "fuchs", "eder", "fischer", "schmid", "winkler", "weber", "schwarz", "maier",
		"schneider", "reiter", "mayr", "schmidt", "wimmer", "egger", "brunner", "lang", "baumgartner", "auer",
		"binder", "lechner", "wolf", "wallner", "aigner", "ebner", "koller", "lehner", "haas", "schuster", "meier",
		"meyer", "schulz", "becker", "hoffmann", "koch", "richter", "klein", "schroeder", "neumann")
)

func setOf(names ...string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[n] = true
	}
	return m
}
