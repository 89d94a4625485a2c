package main

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"keysync/internal/linkage"
	keysync "keysync/sync"
)

func defaultSame() float64   { return keysync.DefaultThresholds.Same }
func defaultReview() float64 { return keysync.DefaultThresholds.Review }

func thresholds(o options) keysync.Thresholds {
	return keysync.Thresholds{Same: o.Same, Review: o.Review, NamesBits: o.NamesBits}
}

// report is everything one run measured.
type report struct {
	Options       options       `json:"options"`
	Registrations int           `json:"registrations"`
	Persons       int           `json:"persons"`
	Households    int           `json:"households"`
	Seconds       float64       `json:"seconds"`
	Goals         goals         `json:"goals"`
	Keysync       pairFigures   `json:"keysync"`
	Naive         pairFigures   `json:"same_email"`
	PrecisionPass bool          `json:"precision_pass"`
	RecallPass    bool          `json:"recall_pass"`
	Scenarios     []scenarioRow `json:"scenarios"`
	ByMail        []scenarioRow `json:"repeats_by_mail"`
	Ceiling       []ceilingRow  `json:"recall_ceiling"`
	FalseMerges   []caseLine    `json:"false_merges_list"`
	ReviewPass    bool          `json:"review_pass"`
	// Population is the population of distinct persons at the options'
	// thresholds; Tradeoff both data sets at other names-only thresholds.
	Population *populationFigures `json:"population,omitempty"`
	Tradeoff   []tradeoffRow      `json:"tradeoff,omitempty"`

	examples []example
}

type goals struct {
	Precision float64 `json:"precision"`
	Recall    float64 `json:"recall_with_review"`
}

// caseLine describes one wrong decision: the registration and the
// registration that created the number it was put on, or was compared to.
type caseLine struct {
	Seq       int      `json:"seq"`
	Kind      string   `json:"kind"`
	Household string   `json:"household"`
	Mail      string   `json:"mail"`
	Tags      []string `json:"tags,omitempty"`
	Rule      string   `json:"rule"`
	Score     float64  `json:"score"`
	Number    string   `json:"number"`
	Account   string   `json:"account"`
	Other     string   `json:"holder"`
}

type example struct {
	kind, what string
	line       caseLine
}

func measure(o options) (report, error) {
	ds := linkage.Generate(o.Seed, o.N)
	start := time.Now()
	outs, err := decideAll(ds, thresholds(o))
	if err != nil {
		return report{}, err
	}
	r, err := evaluate(o, ds, outs)
	r.Seconds = time.Since(start).Seconds()
	if err != nil {
		return r, err
	}
	pop := linkage.Dataset{Seed: o.Seed, Registrations: linkage.Population(o.Seed, o.Population), Persons: o.Population}
	if o.Population > 0 {
		p, err := decidePopulation(pop, thresholds(o))
		if err != nil {
			return r, err
		}
		r.Population = &p
	}
	if len(o.tradeoffBits) > 0 {
		r.Tradeoff, err = tradeoff(o, ds, pop)
	}
	return r, err
}

// evaluate compares the decisions with the truth.
func evaluate(o options, ds linkage.Dataset, outs []outcome) (report, error) {
	for _, x := range outs {
		if x.err != nil {
			return report{}, fmt.Errorf("%s: %w", x.reg.Key(), x.err)
		}
	}
	r := report{Options: o, Registrations: len(ds.Registrations), Persons: ds.Persons, Households: ds.Households,
		Goals: goals{goalPrecision, goalRecall}}

	owner := map[string]int{}
	first := map[string]int{} // number -> index of the registration that created it
	for i, x := range outs {
		if x.action == keysync.ActionNew {
			owner[x.number] = x.reg.PersonID
			first[x.number] = i
		}
	}
	r.Keysync = keysyncFigures(ds, outs, owner)
	r.Ceiling = evidenceCeiling(outs)
	nv := naiveClusters(ds)
	r.Naive = naiveFigures(ds, nv)
	r.PrecisionPass = r.Keysync.Precision >= goalPrecision
	r.RecallPass = r.Keysync.RecallReview >= goalRecall
	r.ReviewPass = r.Keysync.ReviewShare <= goalReview

	rows := map[string]*scenarioRow{}
	mails := map[string]*scenarioRow{}
	seen := map[string]bool{}
	byPerson := map[int][]outcome{}
	shown := map[string]int{}
	th := thresholds(o)
	for i, x := range outs {
		class := classify(x, owner)
		nc := nv.class(i, x.reg, seen)
		row := rows[x.reg.Kind]
		if row == nil {
			row = &scenarioRow{Kind: x.reg.Kind, Repeat: x.reg.Nth > 0}
			rows[x.reg.Kind] = row
		}
		row.add(class, nc)
		if x.reg.Nth > 0 {
			m := mails[x.reg.Mail]
			if m == nil {
				m = &scenarioRow{Kind: x.reg.Mail, Repeat: true}
				mails[x.reg.Mail] = m
			}
			m.add(class, nc)
		}
		earlier := byPerson[x.reg.PersonID]
		if class == classMissed {
			reason, best := missReason(x, earlier, th.Review)
			switch reason {
			case missNotBlocked:
				row.NotBlocked++
			case missNamesOnly:
				row.NamesOnly++
			case missLowScore:
				row.LowScore++
			default:
				row.Hidden++
			}
			if shown[x.reg.Kind+"m"] < o.Examples {
				shown[x.reg.Kind+"m"]++
				l := describe(x, earlier[len(earlier)-1], "", best)
				r.examples = append(r.examples, example{x.reg.Kind, "missed (" + reason + ")", l})
			}
		}
		if class == classReview && x.reg.Nth == 0 && shown[x.reg.Kind+"r"] < o.Examples {
			shown[x.reg.Kind+"r"]++
			other := outs[first[x.reviews[0].number]]
			r.examples = append(r.examples, example{x.reg.Kind, "needless review", describe(x, other, string(x.reviews[0].kind), x.score)})
		}
		if class == classFalse {
			other := outs[first[x.number]]
			r.FalseMerges = append(r.FalseMerges, describe(x, other, x.rule, x.score))
		}
		byPerson[x.reg.PersonID] = append(earlier, x)
	}
	for _, k := range append(slices.Clone(linkage.FirstKinds), linkage.RepeatKinds...) {
		if row := rows[k]; row != nil {
			r.Scenarios = append(r.Scenarios, *row)
		}
	}
	for _, k := range []string{linkage.MailSame, linkage.MailVariant, linkage.MailOther, linkage.MailNone} {
		if m := mails[k]; m != nil {
			r.ByMail = append(r.ByMail, *m)
		}
	}
	return r, nil
}

func describe(x, other outcome, rule string, score float64) caseLine {
	return caseLine{Seq: x.reg.Seq, Kind: x.reg.Kind, Household: x.reg.Household, Mail: x.reg.Mail, Tags: x.reg.Tags,
		Rule: rule, Score: score, Number: x.number, Account: summary(x.reg), Other: summary(other.reg)}
}

// summary writes a registration in one line.
func summary(r linkage.Registration) string {
	var b strings.Builder
	fmt.Fprintf(&b, "#%d p%d %s %q %q", r.Seq, r.PersonID, r.Portal, r.FirstName, r.LastName)
	if r.Email != "" {
		fmt.Fprintf(&b, " <%s>", r.Email)
	}
	if r.BirthDate != "" {
		fmt.Fprintf(&b, " *%s", r.BirthDate)
	}
	if r.Street != "" || r.Zip != "" {
		fmt.Fprintf(&b, " %s, %s %s", r.Street, r.Zip, r.City)
	}
	return b.String()
}

func (r report) writeJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

func passMiss(ok bool) string {
	if ok {
		return "PASS"
	}
	return "MISS"
}

func (r report) writeText(w io.Writer, o options) error {
	k, n := r.Keysync, r.Naive
	fmt.Fprintf(w, "keysync-matchbench: %d registrations (seed %d) of %d persons in %d households; thresholds same=%.3f review=%.3f; decided in %.2fs\n\n",
		r.Registrations, o.Seed, r.Persons, r.Households, o.Same, o.Review, r.Seconds)

	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "\tkeysync\tsame e-mail\tgoal\t\t")
	fmt.Fprintf(tw, "precision of automatic reuse\t%.4f\t%.4f\t>= %.3f\t%s\t\n", k.Precision, n.Precision, goalPrecision, passMiss(r.PrecisionPass))
	fmt.Fprintf(tw, "pairs on one number (correct)\t%d (%d)\t%d (%d)\t\t\t\n", k.PredictedPairs, k.CorrectPairs, n.PredictedPairs, n.CorrectPairs)
	fmt.Fprintf(tw, "false merges: registrations\t%d\t%d\t\t\t\n", k.FalseMerges, n.FalseMerges)
	fmt.Fprintf(tw, "  by e-mail rule / fuzzy rule\t%d / %d\t%d / -\t\t\t\n", k.FalseByRule["e-mail"], k.FalseByRule["fuzzy"], n.FalseMerges)
	fmt.Fprintf(tw, "false merges: pairs\t%d\t%d\t\t\t\n", k.FalsePairs, n.FalsePairs)
	fmt.Fprintf(tw, "recall incl. review\t%.4f\t%.4f\t>= %.3f\t%s\t\n", k.RecallReview, n.RecallReview, goalRecall, passMiss(r.RecallPass))
	fmt.Fprintf(tw, "recall of automatic reuse\t%.4f\t%.4f\t\t\t\n", k.RecallAuto, n.RecallAuto)
	fmt.Fprintf(tw, "true pairs (found incl. review)\t%d (%d)\t%d (%d)\t\t\t\n", k.TruePairs, k.ReviewPairs, n.TruePairs, n.ReviewPairs)
	fmt.Fprintf(tw, "routed to review\t%.2f %%\t%.2f %%\t<= %.0f %%\t%s\t\n", 100*k.ReviewShare, 100*n.ReviewShare, 100*goalReview, passMiss(r.ReviewPass))
	fmt.Fprintf(tw, "  shared_email / suspected_duplicate\t%d / %d\t-\t\t\t\n",
		k.ReviewedBy[keysync.ConflictSharedEmail], k.ReviewedBy[keysync.ConflictSuspectedDuplicate])
	fmt.Fprintf(tw, "conflicts naming the right person\t%.1f %%\t-\t\t\t\n", 100*k.ReviewsSame)
	if err := tw.Flush(); err != nil {
		return err
	}

	fmt.Fprintln(w, "\nPer scenario. A first registration should get a new number (review: it got one, with a conflict an admin")
	fmt.Fprintln(w, "will find needless); a repeat should get the person's earlier number (review: a new number and a conflict")
	fmt.Fprintln(w, "naming the person). FALSE: put on another person's number. same-email: the naive rule.")
	fmt.Fprintln(w, "Missed repeats by reason, among the earlier registrations of the person sharing a blocking key: none (nb);")
	fmt.Fprintln(w, "only names to compare, Score 0 (names); all scores below review (low); one scores at least review but")
	fmt.Fprintln(w, "was not flagged: another candidate scored higher (hid).")
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "scenario\tcount\tmerged\treview\tmissed\tnb/names/low/hid\tnew\tFALSE\tsame-email merged\tsame-email FALSE\t")
	writeRows(tw, r.Scenarios)
	fmt.Fprintln(tw, "repeats by e-mail\t\t\t\t\t\t\t\t\t\t")
	writeRows(tw, r.ByMail)
	if err := tw.Flush(); err != nil {
		return err
	}

	fmt.Fprintln(w, "\nRecall ceiling: the most any rule can find that uses only this evidence (pairs of one person joined by")
	fmt.Fprintln(w, "chains of registrations sharing it):")
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, c := range r.Ceiling {
		fmt.Fprintf(tw, "  %s\t%.4f\n", c.Evidence, c.Recall)
	}
	if err := tw.Flush(); err != nil {
		return err
	}

	fmt.Fprintf(w, "\nFalse merges (%d", len(r.FalseMerges))
	if len(r.FalseMerges) > o.List {
		fmt.Fprintf(w, ", first %d", o.List)
	}
	fmt.Fprintln(w, "):")
	for i, c := range r.FalseMerges {
		if i == o.List {
			break
		}
		writeCase(w, c)
	}
	if len(r.examples) > 0 {
		fmt.Fprintln(w, "\nExamples:")
		for _, e := range r.examples {
			fmt.Fprintf(w, "[%s] %s\n", e.kind, e.what)
			writeCase(w, e.line)
		}
	}
	if r.Population != nil {
		if err := writePopulation(w, *r.Population, o.NamesBits); err != nil {
			return err
		}
	}
	if len(r.Tradeoff) > 0 {
		if err := writeTradeoff(w, r.Tradeoff); err != nil {
			return err
		}
	}
	fmt.Fprintf(w, "\nprecision %s, recall %s, review %s\n", passMiss(r.PrecisionPass), passMiss(r.RecallPass), passMiss(r.ReviewPass))
	return nil
}

func writeRows(tw io.Writer, rows []scenarioRow) {
	dash := func(ok bool, v int) string {
		if !ok {
			return "-"
		}
		return fmt.Sprint(v)
	}
	for _, s := range rows {
		miss := "-"
		if s.Repeat {
			miss = fmt.Sprintf("%d/%d/%d/%d", s.NotBlocked, s.NamesOnly, s.LowScore, s.Hidden)
		}
		fmt.Fprintf(tw, "%s\t%d\t%s\t%d\t%s\t%s\t%s\t%d\t%s\t%d\t\n", s.Kind, s.Count,
			dash(s.Repeat, s.Merged), s.Review, dash(s.Repeat, s.Missed), miss, dash(!s.Repeat, s.New), s.False,
			dash(s.Repeat, s.NaiveOK), s.NaiveFM)
	}
}

func writeCase(w io.Writer, c caseLine) {
	fmt.Fprintf(w, "  %-14s hh=%-14s mail=%-7s rule=%-6s score=%.3f tags=%s\n", c.Kind, c.Household, c.Mail, c.Rule, c.Score, strings.Join(c.Tags, ","))
	fmt.Fprintf(w, "      %s\n   vs %s\n", c.Account, c.Other)
}
