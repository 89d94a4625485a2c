package keysync

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"keysync/sync/match"
	"keysync/sync/number"
)

// Facts answers the questions a decision asks of the central store. The
// store loads them for a whole batch in a few queries, inside the
// transaction that serialises allocation, and adds each new person to them
// so that later rows of the same batch see it.
type Facts interface {
	// Linked returns the person an account is already linked to.
	Linked(source string, id uint64) (Person, bool)
	// ByEmail returns the persons having an account with this normalised
	// e-mail address, each with the profile of that account.
	ByEmail(email string) []Person
	// ByNumber returns the person holding a customer number (also a retired
	// one: numbers are never handed out twice).
	ByNumber(number string) (Person, bool)
	// PEOwner returns the person holding a Wibisoft person id.
	PEOwner(pe string) (Person, bool)
	// Household returns the Wibisoft household id for a household key.
	Household(key string) (string, bool)
	// HouseholdOrigin reports whether a Wibisoft household id is in use,
	// and whether a Wibisoft import brought it: one of its persons was
	// carried by an import (an account of WibisoftSource).
	HouseholdOrigin(hh string) (known, imported bool)
	// Similar returns the accounts under any of the blocking keys, each
	// once, as its person with the account's own profile: the candidates of
	// fuzzy matching. A person with several such accounts is returned once
	// per account, so that the one that still agrees is scored.
	Similar(b Blocks) []Person
	// RewriteDue reports that the central store asked for the account's
	// portal row to be rewritten: its person was merged into another, or
	// an admin repaired it.
	RewriteDue(source string, id uint64) bool
	// Refused reports an open ConflictRowRefused of the account for the
	// row's fingerprint: a database refused this very content before.
	Refused(source string, id uint64, fingerprint string) bool
	// Namesakes is how many accounts of the central store would bear both
	// normalised names by chance: the accounts with the first name times
	// those with the surname over all accounts (each count at least 1).
	// Its inverse says how much two accounts agreeing on the names alone
	// tell (namesBits).
	Namesakes(first, last string) float64
}

// Action is what a decision does with an account.
type Action int

// Actions, in the order of DESIGN.md "Deciding who a registration is".
const (
	// ActionSkip leaves the account alone (not confirmed, no number).
	ActionSkip Action = iota
	// ActionKeep: the account is already linked; keep its number.
	ActionKeep
	// ActionLink links the account to an existing person.
	ActionLink
	// ActionAdopt creates a person with the number found in the row.
	ActionAdopt
	// ActionNew creates a person with a newly allocated number.
	ActionNew
	// ActionConflict links nothing; the conflicts say why.
	ActionConflict
)

var actionNames = [...]string{"skip", "keep", "link", "adopt", "new", "conflict"}

func (a Action) String() string { return nameOf(actionNames[:], int(a)) }

// nameOf returns the name of the i-th value of an enumeration, "unknown"
// for a value beyond the names.
func nameOf(names []string, i int) string {
	if i >= 0 && i < len(names) {
		return names[i]
	}
	return "unknown"
}

// Decision is the outcome of Decide for one account.
type Decision struct {
	Action Action
	// Person is the linked person for Keep and Link; for Adopt and New it
	// holds what is already known of the new person (an adopted number,
	// adopted or shared Wibisoft ids); the store allocates the rest.
	Person    Person
	Profile   Profile
	Conflicts []Conflict
	// Rewrite asks for the row's values to be replaced by the person's
	// (compare-and-set on the values read), for Keep decisions and for a
	// row that carries a retired number; Reason says why, for the history
	// and the log.
	Rewrite bool
	Reason  string
	// By names the rule that linked the account to an existing person:
	// MatchNumber, MatchPE, MatchEmail or MatchFuzzy; "" for other actions.
	By MatchRule
}

// MatchRule names the rule by which a decision found an existing person.
type MatchRule string

// The rules that link an account to an existing person.
const (
	// MatchNumber: the row carries the person's customer number (rule 2).
	MatchNumber MatchRule = "number"
	// MatchPE: a Wibisoft import row carries the person's PE-ID.
	MatchPE MatchRule = "pe_id"
	// MatchEmail: the same e-mail address and name (rule 3).
	MatchEmail MatchRule = "email"
	// MatchFuzzy: a strong fuzzy match with the same birth date (rule 5).
	MatchFuzzy MatchRule = "fuzzy"
)

// Rules are what a decision measures a row against.
type Rules struct {
	// Number is the template an adopted number must fit.
	Number *number.Template
	// HHLen and PELen bound the Wibisoft ids a row may carry to be adopted
	// (WibisoftIDLen); 0 stands for the central column's width.
	HHLen, PELen int
	Thresholds   Thresholds
}

// Decide determines who an account is. It is pure: everything it knows of
// the central state comes from facts, so the store can call it inside its
// transaction and tests can call it with a map. A row of a Wibisoft import
// (source WibisoftSource) is decided by the same rules, with the import's
// own on top (decideImport).
func Decide(a Account, p Profile, f Facts, r Rules) Decision {
	if a.Source == WibisoftSource {
		return decideImport(a, p, f, r)
	}
	return decide(a, p, f, r)
}

// decide is Decide for a portal row.
func decide(a Account, p Profile, f Facts, r Rules) Decision {
	tmpl, th := r.Number, r.Thresholds
	d := Decision{Profile: p}
	conflict := func(kind ConflictKind, value, num, detail string) {
		d.Conflicts = append(d.Conflicts, Conflict{Kind: kind, Source: a.Source, AccountID: a.ID, Value: value, Number: num, Detail: detail})
	}
	review := func(kind ConflictKind, value, num, detail, rule string) {
		d.Conflicts = append(d.Conflicts, Conflict{Kind: kind, Source: a.Source, AccountID: a.ID, Value: value, Number: num, Detail: detail, Rule: rule})
	}

	// A row a database refused is left alone while it is unchanged and its
	// conflict open (ConflictRowRefused).
	if f.Refused(a.Source, a.ID, a.Fingerprint()) {
		d.Action = ActionSkip
		return d
	}

	// A row holding one of keysync's keys twice cannot be written safely,
	// linked or not: which value counts is the portal's secret.
	if len(a.Ambiguous) > 0 {
		d.Action = ActionConflict
		d.Conflicts = append(d.Conflicts, AmbiguousConflict(a))
		return d
	}

	// 1. Already linked: keep the number, report a different one in the row.
	if person, ok := f.Linked(a.Source, a.ID); ok {
		if person.Forgotten {
			return forgottenAccount(d, a, person)
		}
		d.Action, d.Person = ActionKeep, person
		switch {
		case f.RewriteDue(a.Source, a.ID):
			d.Rewrite, d.Reason = true, "asked for by a merge or a repair"
		case a.Number != "" && a.Number != person.Number:
			conflict(ConflictNumberMismatch, a.Number, person.Number, "the row carries another number than the person it is linked to")
		}
		return d
	}

	// Wibisoft ids that are no ids are never adopted, nor replaced: the
	// row waits for an admin, as with an invalid number.
	if bad := invalidWibisoftIDs(a, r); len(bad) > 0 {
		d.Action = ActionConflict
		d.Conflicts = append(d.Conflicts, bad...)
		return d
	}

	// 2. The row carries a number: adopt it when valid and free, link when
	// it belongs to this very person, otherwise a conflict.
	if a.Number != "" {
		if err := tmpl.Validate(a.Number); err != nil {
			d.Action = ActionConflict
			conflict(ConflictInvalidNumber, a.Number, "", err.Error())
			return d
		}
		if owner, ok := f.ByNumber(a.Number); ok {
			if owner.Forgotten {
				d.Action = ActionConflict
				conflict(ConflictNumberTaken, a.Number, owner.Number, "the number belongs to a person keysync has forgotten; it is never handed out again")
				return d
			}
			if samePersonByName(p, owner.Profile) {
				// A retired number comes back as its survivor: the row then
				// gets the survivor's number, never silently.
				d.Action, d.Person, d.By = ActionLink, owner, MatchNumber
				if owner.Number != a.Number {
					d.Rewrite = true
					d.Reason = fmt.Sprintf("the row carries %s, retired and merged into %s", a.Number, owner.Number)
				}
				return d
			}
			d.Action = ActionConflict
			conflict(ConflictNumberTaken, a.Number, owner.Number, "the number belongs to another person")
			return d
		}
		d.Action = ActionAdopt
		d.Person.Number = a.Number
		adoptWibisoft(&d, a, p, f, conflict)
		return d
	}

	if !a.Active {
		d.Action = ActionSkip
		return d
	}

	// 3. and 4. Same e-mail: the same person when the names, birth dates
	// and generation markers agree (samePersonByEmail) and no other account
	// of that person with this address contradicts, else a shared mailbox
	// (new person, same household, conflict).
	var shared *Person
	if p.Email != "" {
		byEmail := f.ByEmail(p.Email)
		for _, c := range byEmail {
			if samePersonByEmail(p, c.Profile) && !contradictedByEmail(p, c.Number, byEmail) {
				d.Action, d.Person, d.By = ActionLink, c, MatchEmail
				return d
			}
			if shared == nil {
				c := c
				shared = &c
			}
		}
	}

	// 5. A strong fuzzy match: the same person only with the same birth
	// date and first name; otherwise a new number and a conflict for review.
	best, bestScore, evidence := fuzzyCandidate(p, f, shared)
	if best != nil && bestScore >= th.Same && sameIdentity(p, best.Profile) {
		d.Action, d.Person, d.By = ActionLink, *best, MatchFuzzy
		return d
	}

	d.Action = ActionNew
	if shared != nil {
		d.Person.HH = shared.HH
		detail, rule := sharedEmailDetail(p, shared.Profile)
		review(ConflictSharedEmail, a.Email, shared.Number, detail, rule)
	}
	if best != nil && bestScore >= th.Review {
		review(ConflictSuspectedDuplicate, a.FirstName+" "+a.LastName, best.Number,
			fmt.Sprintf("may be the same person as %s: score %.3f (%s)", best.Number, bestScore, evidence), RuleScore)
	} else {
		// 5b. Below the review score, names that agree with nothing
		// contradicting still go to review (nameCandidates).
		for _, c := range nameCandidates(p, f, shared, th) {
			review(ConflictSuspectedDuplicate, a.FirstName+" "+a.LastName, c.person.Number,
				fmt.Sprintf("may be the same person as %s: %s", c.person.Number, c.evidence), c.rule)
		}
	}
	adoptWibisoft(&d, a, p, f, conflict)
	return d
}

// forgottenAccount decides about a row linked to a forgotten person: its
// values are never read, nothing is written into it, and a row that is
// not deleted or still carries a number is reported (ForgottenConflict).
func forgottenAccount(d Decision, a Account, person Person) Decision {
	d.Action = ActionSkip
	if c, ok := ForgottenConflict(a, person.Number); ok {
		d.Action = ActionConflict
		d.Conflicts = append(d.Conflicts, c)
	}
	return d
}

// sharedEmailDetail explains a shared_email conflict to an admin and
// names its rule.
func sharedEmailDetail(p, other Profile) (string, string) {
	if p.FirstName != "" && p.FirstName == other.FirstName && p.LastName == other.LastName && p.Generation == other.Generation && !birthDatesDiffer(p, other) {
		return "the e-mail address is used by a person with the same name, but no birth date on both sides tells whether this is that person or a relative of the same name (a family mailbox, or parent and child); new number in the same household", RuleMailboxSameNames
	}
	return "the e-mail address is used by a person with another name, birth date or jun./sen. marker; new number in the same household", RuleMailboxOther
}

// maxNameCandidates is how many persons rule 5b names when several agree
// equally well, each in a conflict of its own: enough for an admin to find
// the right one among a few Maria Grubers, few enough to read.
const maxNameCandidates = 3

// nameCandidate is a person rule 5b sends to review, with the evidence.
type nameCandidate struct {
	person   Person
	evidence string
	rule     string
	rank     int
}

// nameCandidates implements rule 5b, for a registration whose fuzzy score
// reaches no candidate's review threshold, mostly because there is nothing
// but names to compare (many portals ask for no more) or because the person
// moved and gave no birth date. A candidate under the blocking keys is
// sent to review when no birth date or jun./sen. marker contradicts and,
// from the strongest evidence to the weakest:
//   - the same first and last name (after normalisation, nicknames folded,
//     also swapped) and the same birth date;
//   - the same first name and birth date under another surname (married);
//   - the same first and last name, with no birth date on both sides
//     (whether or not the address agrees: people move);
//   - the same first name and a surname above lastNameCut, or the same
//     surname and a first name of Jaro-Winkler at least 0.9, with nothing
//     else to compare (a typo or an umlaut spelling).
//
// The last two, where names are all the evidence, need names rare enough
// to say something: at least th.NamesBits bits (namesBits). Two Maria
// Grubers share nothing; two Ilse Zauninthalers share a lot.
//
// The persons with the strongest evidence are returned, at most
// maxNameCandidates of them, the most recently numbered first: a person
// registers again within a few years, while namesakes are spread over all
// the years of the membership.
func nameCandidates(p Profile, f Facts, shared *Person, th Thresholds) []nameCandidate {
	if p.FirstName == "" || p.LastName == "" {
		return nil
	}
	byNumber := map[string]nameCandidate{}
	for _, c := range f.Similar(p.Blocks) {
		if shared != nil && c.Number == shared.Number {
			continue
		}
		q := c.Profile
		if birthDatesDiffer(p, q) || generationsDiffer(p, q) {
			continue
		}
		sameBirth := p.BirthDate != "" && p.BirthDate == q.BirthDate
		var nc nameCandidate
		switch {
		case equalNames(p, q) && sameBirth:
			nc = nameCandidate{c, "the same names and birth date", RuleNamesBirth, 4}
		case sameBirth && p.FirstName == q.FirstName:
			nc = nameCandidate{c, "the same first name and birth date, another surname (married?)", RuleFirstBirth, 3}
		case namesBits(f, q) < th.NamesBits:
			continue // names alone, and too common to tell
		case equalNames(p, q) && !comparableBeyondNames(p, q):
			nc = nameCandidate{c, "the same names, nothing else to compare" + rareNames(f, q), RuleNamesOnly, 2}
		case equalNames(p, q):
			nc = nameCandidate{c, "the same names, no birth date to compare, another address (moved?)" + rareNames(f, q), RuleNamesMoved, 2}
		case similarNames(p, q) && !comparableBeyondNames(p, q):
			nc = nameCandidate{c, "alike names (a typo or another spelling?), nothing else to compare" + rareNames(f, q), RuleAlikeNames, 1}
		default:
			continue
		}
		if old, ok := byNumber[c.Number]; !ok || nc.rank > old.rank {
			byNumber[c.Number] = nc
		}
	}
	top := 0
	for _, nc := range byNumber {
		top = max(top, nc.rank)
	}
	var out []nameCandidate
	for _, nc := range byNumber {
		if nc.rank == top {
			out = append(out, nc)
		}
	}
	slices.SortFunc(out, func(x, y nameCandidate) int { return strings.Compare(y.person.Number, x.person.Number) })
	return out[:min(len(out), maxNameCandidates)]
}

// MinNamePopulation is the fewest accounts name frequencies are counted
// among: a store that holds fewer cannot tell a common name from a rare
// one, so until it holds more, every name counts as if among that many
// (as in a small association's first rollout).
const MinNamePopulation = 10000

// Namesakes is Facts.Namesakes from counts: the accounts expected to bear
// a first name borne by firsts accounts and a surname borne by lasts
// accounts, among accounts (at least MinNamePopulation), by chance.
func Namesakes(firsts, lasts, accounts int) float64 {
	return float64(max(firsts, 1)) * float64(max(lasts, 1)) / float64(max(accounts, MinNamePopulation))
}

// namesBits is what agreeing on q's names tells, in bits: -log2 of the
// accounts expected to bear both by chance. Maria Gruber among 100,000
// accounts (3,000 Marias, 300 Grubers) is about -3 bits, a name pair
// borne by one account only about 17.
func namesBits(f Facts, q Profile) float64 {
	return -math.Log2(f.Namesakes(q.FirstName, q.LastName))
}

// rareNames is the evidence of q's names for a conflict's detail.
func rareNames(f Facts, q Profile) string {
	return fmt.Sprintf(" (names rare enough to tell: %.1f bits)", namesBits(f, q))
}

// equalNames reports the same first and last name, also swapped.
func equalNames(a, b Profile) bool {
	if a.FirstName == "" || a.LastName == "" {
		return false
	}
	return a.FirstName == b.FirstName && a.LastName == b.LastName || a.FirstName == b.LastName && a.LastName == b.FirstName
}

// similarNames reports one name equal and the other alike: a surname at or
// above lastNameCut, or a first name of Jaro-Winkler at least 0.9.
func similarNames(a, b Profile) bool {
	return a.FirstName != "" && a.FirstName == b.FirstName && lastNameSimilarity(a.LastName, b.LastName) > 0 ||
		a.LastName != "" && a.LastName == b.LastName && match.JaroWinkler(a.FirstName, b.FirstName) >= 0.9
}

func generationsDiffer(a, b Profile) bool {
	return a.Generation != "" && b.Generation != "" && a.Generation != b.Generation
}

// contradictedByEmail reports that another account of the person holding
// number, under the same e-mail address, tells p apart from that person:
// another birth date or jun./sen. marker, or the same household with a
// birth date on one side only. A person is all of their accounts; one
// that agrees does not outweigh one that contradicts.
func contradictedByEmail(p Profile, number string, byEmail []Person) bool {
	for _, c := range byEmail {
		q := c.Profile
		if c.Number == number && (birthDatesDiffer(p, q) || generationsDiffer(p, q) || oneBirthDateAtHome(p, q)) {
			return true
		}
	}
	return false
}

// oneBirthDateAtHome reports the same household with a birth date on one
// side only: how parent and child of one name look when one of them gave
// it and the other did not.
func oneBirthDateAtHome(a, b Profile) bool {
	return sameHousehold(a, b) && (a.BirthDate == "") != (b.BirthDate == "")
}

// fuzzyCandidate returns the best-scoring candidate under the blocking keys,
// leaving out the person already found through a shared mailbox. Every
// account of a candidate is scored and the best one speaks for the person:
// a person who moved or married is recognised by the account that still
// agrees. Among equal scores an account that may be linked wins, then the
// lower number.
func fuzzyCandidate(p Profile, f Facts, shared *Person) (*Person, float64, string) {
	var best *Person
	var bestScore float64
	var evidence string
	var bestLinks bool
	for _, c := range f.Similar(p.Blocks) {
		if shared != nil && c.Number == shared.Number {
			continue
		}
		s, why := Score(p, c.Profile)
		links := sameIdentity(p, c.Profile)
		if best == nil || s > bestScore || s == bestScore && (links && !bestLinks || links == bestLinks && c.Number < best.Number) {
			c := c
			best, bestScore, evidence, bestLinks = &c, s, why, links
		}
	}
	return best, bestScore, evidence
}

// adoptWibisoft takes Wibisoft ids already present in the row, never
// replacing them, and otherwise joins the household of the same address and
// surname (joinHousehold).
func adoptWibisoft(d *Decision, a Account, p Profile, f Facts, conflict func(ConflictKind, string, string, string)) {
	if a.PE != "" {
		if owner, ok := f.PEOwner(a.PE); ok {
			conflict(ConflictPETaken, a.PE, owner.Number, "the Wibisoft person id belongs to another person")
		} else {
			d.Person.PE = a.PE
		}
	}
	d.Person.HH = joinHousehold(d.Person.HH, a, p, f)
}

// samePersonByEmail is the rule for a shared e-mail address: same first and
// last name after normalisation, no contradicting birth date and the same
// generation marker. Parent and child share the name, often the dwelling
// and the mailbox, and one of them may register where no birth date is
// asked, so
//   - "jun." or "sen." on one side only, or different ones, make them two
//     people;
//   - in the same household (same dwelling and surname) a birth date on
//     one side only is no agreement either: that is how parent and child
//     look when one gave it and the other did not. Without any birth date
//     on either side the names and the mailbox decide, or a member who
//     uses two portals that never ask for one would never be recognised.
func samePersonByEmail(a, b Profile) bool {
	if oneBirthDateAtHome(a, b) {
		return false
	}
	if match.FamilyMailbox(a.Email) && (a.BirthDate == "" || b.BirthDate == "") {
		return false
	}
	return a.FirstName != "" && a.FirstName == b.FirstName &&
		a.LastName == b.LastName && a.Generation == b.Generation && !birthDatesDiffer(a, b)
}

// sameIdentity is what a fuzzy match at or above Same needs to be the same
// person: the same birth date, the same first name (also with first and
// last name swapped), no contradicting generation marker, and a surname
// that is the same unless the postcode or the dwelling agrees too. A score
// says how alike two accounts are; twins (Jana and Jonas) and parent and
// child are alike too, and among a million members two Ingrids born the
// same day bear surnames as alike as Mittersteiner and Aumittersteiner.
func sameIdentity(a, b Profile) bool {
	if a.BirthDate == "" || a.BirthDate != b.BirthDate {
		return false
	}
	if a.Generation != "" && b.Generation != "" && a.Generation != b.Generation {
		return false
	}
	straight := a.FirstName == b.FirstName
	swapped := a.FirstName == b.LastName
	if a.FirstName == "" || !straight && !swapped {
		return false
	}
	sameLast := straight && a.LastName == b.LastName || swapped && a.LastName == b.FirstName
	return sameLast || a.Postcode != "" && a.Postcode == b.Postcode || a.Address != "" && a.Address == b.Address
}

// samePersonByName decides whether a row carrying a known number is that
// number's person: same first and last name, no contradicting birth date.
func samePersonByName(a, b Profile) bool {
	return a.FirstName != "" && a.LastName != "" &&
		a.FirstName == b.FirstName && a.LastName == b.LastName && !birthDatesDiffer(a, b)
}

func birthDatesDiffer(a, b Profile) bool {
	return a.BirthDate != "" && b.BirthDate != "" && a.BirthDate != b.BirthDate
}
