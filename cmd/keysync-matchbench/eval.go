package main

import (
	"fmt"
	"slices"

	"keysync/internal/linkage"
	keysync "keysync/sync"
	"keysync/sync/match"
	"keysync/sync/number"
)

// outcome is what keysync decided for one registration.
type outcome struct {
	reg     linkage.Registration
	profile keysync.Profile
	action  keysync.Action
	number  string
	// rule is how a link was found: "e-mail" (rule 3) or "fuzzy" (rule 5).
	rule string
	// score is the fuzzy score of the linked person, or of the suspected
	// duplicate.
	score   float64
	reviews []review
	err     error
}

// review is a conflict that asks an admin whether two numbers are one
// person.
type review struct {
	kind   keysync.ConflictKind
	rule   string
	number string
	// same is the truth: the registration is the person who holds the
	// number.
	same bool
}

// decideAll runs the real decision over the registrations in arrival order,
// as the central store does, one registration at a time.
func decideAll(ds linkage.Dataset, th keysync.Thresholds) ([]outcome, error) {
	tmpl, err := numberTemplate()
	if err != nil {
		return nil, err
	}
	f := newMemFacts(tmpl)
	owner := map[string]int{} // number -> person id of the registration that created it
	out := make([]outcome, 0, len(ds.Registrations))
	for _, r := range ds.Registrations {
		a := r.Account()
		p := keysync.NewProfile(a, linkage.PortalCountry(r.Portal))
		d := keysync.Decide(a, p, f, keysync.Rules{Number: tmpl, Thresholds: th})
		o := outcome{reg: r, profile: p, action: d.Action}
		switch d.Action {
		case keysync.ActionLink:
			o.number = d.Person.Number
			o.rule = "fuzzy"
			for _, c := range f.ByEmail(p.Email) {
				if c.Number == o.number {
					o.rule = "e-mail"
				}
			}
			if o.rule == "fuzzy" {
				o.score = candidateScore(f, p, o.number)
			}
			f.add(d.Person, a, p)
		case keysync.ActionNew:
			person, err := f.create(d, a, p)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", r.Key(), err)
			}
			o.number = person.Number
			owner[o.number] = r.PersonID
		default:
			o.err = fmt.Errorf("unexpected action %s", d.Action)
		}
		for _, c := range d.Conflicts {
			if c.Kind != keysync.ConflictSharedEmail && c.Kind != keysync.ConflictSuspectedDuplicate {
				continue
			}
			rv := review{kind: c.Kind, rule: c.Rule, number: c.Number, same: owner[c.Number] == r.PersonID}
			if c.Kind == keysync.ConflictSuspectedDuplicate {
				o.score = candidateScore(f, p, c.Number)
			}
			o.reviews = append(o.reviews, rv)
		}
		out = append(out, o)
	}
	return out, nil
}

// numberTemplate is the customer number format of the fake numbers: eight
// digits and a Damm check digit.
func numberTemplate() (*number.Template, error) {
	alg, err := number.Lookup("damm")
	if err != nil {
		return nil, err
	}
	return number.ParseTemplate("{seq:8}{check}", alg)
}

// candidateScore is the score of the fuzzy candidate holding number, as
// Decide saw it: the best of the person's accounts.
func candidateScore(f *memFacts, p keysync.Profile, num string) float64 {
	best := 0.0
	for _, c := range f.Similar(p.Blocks) {
		if c.Number == num {
			s, _ := keysync.Score(p, c.Profile)
			best = max(best, s)
		}
	}
	return best
}

// Outcome classes of one registration. A repeat (a person's second or third
// registration) is merged, reviewed, missed or falsely merged; a first
// registration gets a new number, with or without a review, or is falsely
// merged.
const (
	classMerged = "merged"
	classReview = "review"
	classMissed = "missed"
	classNew    = "new"
	classFalse  = "false"
)

func classify(o outcome, owner map[string]int) string {
	if o.action == keysync.ActionLink {
		if owner[o.number] == o.reg.PersonID {
			return classMerged
		}
		return classFalse
	}
	if o.reg.Nth == 0 {
		if len(o.reviews) > 0 {
			return classReview
		}
		return classNew
	}
	for _, rv := range o.reviews {
		if rv.same {
			return classReview
		}
	}
	return classMissed
}

// pairFigures are the pairwise quality figures of one clustering.
type pairFigures struct {
	PredictedPairs int     `json:"predicted_pairs"`
	CorrectPairs   int     `json:"correct_pairs"`
	Precision      float64 `json:"precision"`
	TruePairs      int     `json:"true_pairs"`
	RecallAuto     float64 `json:"recall_auto"`
	// ReviewPairs counts true pairs found by automatic reuse or by a review
	// that names the right person, when admins merge what they confirm.
	ReviewPairs  int     `json:"review_pairs"`
	RecallReview float64 `json:"recall_with_review"`
	// FalseMerges counts registrations put on a number that another person
	// holds; FalsePairs the pairs of different persons sharing a number.
	FalseMerges int `json:"false_merges"`
	FalsePairs  int `json:"false_pairs"`
	// FalseByRule splits FalseMerges by the rule that linked: "e-mail"
	// (rule 3) or "fuzzy" (rule 5).
	FalseByRule map[string]int `json:"false_merges_by_rule,omitempty"`
	Reviewed    int            `json:"reviewed"`
	ReviewShare float64        `json:"review_share"`
	// ReviewedBy counts registrations with a conflict of each kind.
	ReviewedBy map[keysync.ConflictKind]int `json:"reviewed_by_kind,omitempty"`
	// ReviewsSame is the share of review conflicts that name the right
	// person.
	ReviewsSame float64 `json:"reviews_right_person"`
}

func pairs(n int) int { return n * (n - 1) / 2 }

// countPairs returns all pairs and same-person pairs of a clustering given
// as cluster -> person -> registrations.
func countPairs(clusters map[string]map[int]int) (all, same int) {
	for _, persons := range clusters {
		size := 0
		for _, k := range persons {
			size += k
			same += pairs(k)
		}
		all += pairs(size)
	}
	return all, same
}

func truePairs(ds linkage.Dataset) int {
	per := map[int]int{}
	for _, r := range ds.Registrations {
		per[r.PersonID]++
	}
	n := 0
	for _, k := range per {
		n += pairs(k)
	}
	return n
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 1
	}
	return float64(a) / float64(b)
}

// keysyncFigures measures keysync's clustering by number, and with confirmed
// reviews merged.
func keysyncFigures(ds linkage.Dataset, outs []outcome, owner map[string]int) pairFigures {
	var f pairFigures
	byNumber := map[string]map[int]int{}
	uf := unionFind{}
	reviewed, reviews, reviewsSame := 0, 0, 0
	for _, o := range outs {
		if byNumber[o.number] == nil {
			byNumber[o.number] = map[int]int{}
		}
		byNumber[o.number][o.reg.PersonID]++
		if o.action == keysync.ActionLink && owner[o.number] != o.reg.PersonID {
			f.FalseMerges++
			if f.FalseByRule == nil {
				f.FalseByRule = map[string]int{}
			}
			f.FalseByRule[o.rule]++
		}
		if len(o.reviews) > 0 {
			reviewed++
		}
		kinds := map[keysync.ConflictKind]bool{}
		for _, rv := range o.reviews {
			if !kinds[rv.kind] {
				kinds[rv.kind] = true
				if f.ReviewedBy == nil {
					f.ReviewedBy = map[keysync.ConflictKind]int{}
				}
				f.ReviewedBy[rv.kind]++
			}
		}
		for _, rv := range o.reviews {
			reviews++
			if rv.same {
				reviewsSame++
				uf.union(o.number, rv.number)
			}
		}
	}
	f.PredictedPairs, f.CorrectPairs = countPairs(byNumber)
	f.FalsePairs = f.PredictedPairs - f.CorrectPairs
	f.TruePairs = truePairs(ds)
	f.Precision = ratio(f.CorrectPairs, f.PredictedPairs)
	f.RecallAuto = ratio(f.CorrectPairs, f.TruePairs)
	merged := map[string]map[int]int{}
	for num, persons := range byNumber {
		root := uf.find(num)
		if merged[root] == nil {
			merged[root] = map[int]int{}
		}
		for p, k := range persons {
			merged[root][p] += k
		}
	}
	_, f.ReviewPairs = countPairs(merged)
	f.RecallReview = ratio(f.ReviewPairs, f.TruePairs)
	f.Reviewed = reviewed
	f.ReviewShare = ratio(reviewed, len(outs))
	f.ReviewsSame = ratio(reviewsSame, reviews)
	return f
}

// naive is the rule "same e-mail means same person": registrations with the
// same normalised address share a number, the rest get one each.
type naive struct {
	key   []string // per registration, its cluster
	owner map[string]int
}

func naiveClusters(ds linkage.Dataset) naive {
	n := naive{key: make([]string, len(ds.Registrations)), owner: map[string]int{}}
	for i, r := range ds.Registrations {
		k := match.Email(r.Email)
		if k == "" {
			k = fmt.Sprintf("#%d", i)
		}
		n.key[i] = k
		if _, ok := n.owner[k]; !ok {
			n.owner[k] = r.PersonID
		}
	}
	return n
}

func naiveFigures(ds linkage.Dataset, n naive) pairFigures {
	var f pairFigures
	clusters := map[string]map[int]int{}
	for i, r := range ds.Registrations {
		k := n.key[i]
		if clusters[k] == nil {
			clusters[k] = map[int]int{}
		}
		clusters[k][r.PersonID]++
		if n.owner[k] != r.PersonID {
			f.FalseMerges++
		}
	}
	f.PredictedPairs, f.CorrectPairs = countPairs(clusters)
	f.FalsePairs = f.PredictedPairs - f.CorrectPairs
	f.TruePairs = truePairs(ds)
	f.Precision = ratio(f.CorrectPairs, f.PredictedPairs)
	f.RecallAuto = ratio(f.CorrectPairs, f.TruePairs)
	f.ReviewPairs, f.RecallReview = f.CorrectPairs, f.RecallAuto
	f.ReviewsSame = 1
	return f
}

// naiveClass classifies registration i under the naive rule.
func (n naive) class(i int, r linkage.Registration, seen map[string]bool) string {
	k := n.key[i]
	defer func() { seen[k] = true }()
	if !seen[k] {
		if r.Nth == 0 {
			return classNew
		}
		return classMissed
	}
	if n.owner[k] == r.PersonID {
		return classMerged
	}
	return classFalse
}

type unionFind map[string]string

func (u unionFind) find(x string) string {
	for {
		p, ok := u[x]
		if !ok || p == x {
			return x
		}
		if gp, ok := u[p]; ok {
			u[x] = gp
		}
		x = p
	}
}

func (u unionFind) union(a, b string) {
	ra, rb := u.find(a), u.find(b)
	if ra != rb {
		u[max(ra, rb)] = min(ra, rb)
	}
}

// scenarioRow is one line of the per-scenario table.
type scenarioRow struct {
	Kind    string `json:"kind"`
	Repeat  bool   `json:"repeat"`
	Count   int    `json:"count"`
	Merged  int    `json:"merged"`
	Review  int    `json:"review"`
	Missed  int    `json:"missed"`
	New     int    `json:"new"`
	False   int    `json:"false_merges"`
	NaiveOK int    `json:"naive_merged"`
	NaiveFM int    `json:"naive_false_merges"`
	// Misses by reason (see missReason).
	NotBlocked int `json:"missed_not_blocked"`
	NamesOnly  int `json:"missed_names_only"`
	LowScore   int `json:"missed_low_score"`
	Hidden     int `json:"missed_hidden"`
}

func (s *scenarioRow) add(class, naiveClass string) {
	s.Count++
	switch class {
	case classMerged:
		s.Merged++
	case classReview:
		s.Review++
	case classMissed:
		s.Missed++
	case classNew:
		s.New++
	case classFalse:
		s.False++
	}
	switch naiveClass {
	case classMerged:
		s.NaiveOK++
	case classFalse:
		s.NaiveFM++
	}
}

// Reasons a repeat was missed.
const (
	missNotBlocked = "not blocked"
	missNamesOnly  = "names only"
	missLowScore   = "low score"
	missHidden     = "hidden"
)

// missReason explains a missed repeat from the person's earlier
// registrations that share a blocking key with it (the only ones Decide can
// find): none; all with nothing but names to compare (Score gives 0); all
// scoring below review; or one scoring at least review that Decide did not
// flag, because another candidate scored higher. best is the best score
// among them.
func missReason(o outcome, earlier []outcome, review float64) (reason string, best float64) {
	mine := o.profile.Blocks.Keys()
	blocked, namesOnly := false, true
	for _, e := range earlier {
		shared := false
		for _, k := range e.profile.Blocks.Keys() {
			shared = shared || slices.Contains(mine, k)
		}
		if !shared {
			continue
		}
		blocked = true
		s, _ := keysync.Score(o.profile, e.profile)
		namesOnly = namesOnly && onlyNames(o.profile, e.profile)
		best = max(best, s)
	}
	switch {
	case !blocked:
		return missNotBlocked, best
	case namesOnly:
		return missNamesOnly, best
	case best < review:
		return missLowScore, best
	}
	return missHidden, best
}

// onlyNames reports two profiles that have nothing but names to compare:
// no birth date, postcode, town or address present in both.
func onlyNames(a, b keysync.Profile) bool {
	both := func(x, y string) bool { return x != "" && y != "" }
	return !both(a.BirthDate, b.BirthDate) && !both(a.Postcode, b.Postcode) && !both(a.City, b.City) && !both(a.Address, b.Address)
}

// ceilingRow is the recall that rules using the evidence up to and including
// Evidence could reach at best.
type ceilingRow struct {
	Evidence string  `json:"evidence"`
	Recall   float64 `json:"recall"`
}

// evidenceLevels name what two registrations of one person have in common,
// from the strongest evidence to the weakest.
var evidenceLevels = []string{
	"the same e-mail address",
	"+ the same birth date and a similar name",
	"+ the same dwelling and a similar name",
	"+ equal names, nothing else to compare",
	"+ equal names, other fields differ",
	"+ similar names only",
}

// evidence returns the index in evidenceLevels of the strongest evidence
// two profiles of one person share, len(evidenceLevels) for none.
func evidence(a, b keysync.Profile) int {
	similar := func(x, y string) bool { return x != "" && y != "" && match.JaroWinkler(x, y) >= 0.8 }
	similarName := similar(a.FirstName, b.FirstName) || similar(a.LastName, b.LastName) ||
		similar(a.FirstName, b.LastName) || similar(a.LastName, b.FirstName)
	equalNames := a.FirstName != "" && a.LastName != "" &&
		(a.FirstName == b.FirstName && a.LastName == b.LastName || a.FirstName == b.LastName && a.LastName == b.FirstName)
	switch {
	case a.Email != "" && a.Email == b.Email:
		return 0
	case a.BirthDate != "" && a.BirthDate == b.BirthDate && similarName:
		return 1
	case a.Address != "" && a.Address == b.Address && similarName:
		return 2
	case equalNames && onlyNames(a, b):
		return 3
	case equalNames:
		return 4
	case similarName:
		return 5
	}
	return len(evidenceLevels)
}

// evidenceCeiling computes, for each level, the share of true pairs joined
// by chains of registrations of the person sharing evidence up to that
// level: what any rule restricted to that evidence could find at best.
func evidenceCeiling(outs []outcome) []ceilingRow {
	byPerson := map[int][]int{}
	for i, o := range outs {
		byPerson[o.reg.PersonID] = append(byPerson[o.reg.PersonID], i)
	}
	found := make([]int, len(evidenceLevels))
	total := 0
	for _, regs := range byPerson {
		total += pairs(len(regs))
		if len(regs) < 2 {
			continue
		}
		for lv := range evidenceLevels {
			uf := unionFind{}
			for i, x := range regs {
				for _, y := range regs[i+1:] {
					if evidence(outs[x].profile, outs[y].profile) <= lv {
						uf.union(outs[x].reg.Key(), outs[y].reg.Key())
					}
				}
			}
			size := map[string]int{}
			for _, x := range regs {
				size[uf.find(outs[x].reg.Key())]++
			}
			for _, k := range size {
				found[lv] += pairs(k)
			}
		}
	}
	rows := make([]ceilingRow, len(evidenceLevels))
	for lv, name := range evidenceLevels {
		rows[lv] = ceilingRow{name, ratio(found[lv], total)}
	}
	return rows
}
