package main

import (
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"

	"keysync/internal/linkage"
	keysync "keysync/sync"
)

// populationFigures are keysync's decisions over a population of distinct
// persons (linkage.Population), where every link is a false merge and
// every review a false alarm.
type populationFigures struct {
	Persons int `json:"persons"`
	Merges  int `json:"merges"`
	Flagged int `json:"flagged"`
	// Share is Flagged over Persons.
	Share float64 `json:"flagged_share"`
	// ByRule counts the flagged registrations by the rule of their
	// conflicts, "kind/rule".
	ByRule map[string]int `json:"flagged_by_rule"`
}

// tradeoffRow is one point of the names-only evidence threshold: what the
// labelled registrations and the population get with it.
type tradeoffRow struct {
	NamesBits    float64           `json:"names_bits"`
	Precision    float64           `json:"precision"`
	RecallReview float64           `json:"recall_with_review"`
	RecallAuto   float64           `json:"recall_auto"`
	ReviewShare  float64           `json:"review_share"`
	Population   populationFigures `json:"population"`
}

// decidePopulation runs the decision over the population.
func decidePopulation(pop linkage.Dataset, th keysync.Thresholds) (populationFigures, error) {
	outs, err := decideAll(pop, th)
	if err != nil {
		return populationFigures{}, err
	}
	f := populationFigures{Persons: len(pop.Registrations), ByRule: map[string]int{}}
	for _, o := range outs {
		if o.err != nil {
			return f, fmt.Errorf("%s: %w", o.reg.Key(), o.err)
		}
		if o.action == keysync.ActionLink {
			f.Merges++
		}
		if len(o.reviews) > 0 {
			f.Flagged++
			f.ByRule[string(o.reviews[0].kind)+"/"+o.reviews[0].rule]++
		}
	}
	f.Share = ratio(f.Flagged, f.Persons)
	return f, nil
}

// tradeoff measures both data sets at each names-only threshold.
func tradeoff(o options, ds, pop linkage.Dataset) ([]tradeoffRow, error) {
	var rows []tradeoffRow
	for _, bits := range o.tradeoffBits {
		th := thresholds(o)
		th.NamesBits = bits
		outs, err := decideAll(ds, th)
		if err != nil {
			return nil, err
		}
		k := keysyncFigures(ds, outs, owners(outs))
		row := tradeoffRow{NamesBits: bits, Precision: k.Precision, RecallReview: k.RecallReview, RecallAuto: k.RecallAuto, ReviewShare: k.ReviewShare}
		if row.Population, err = decidePopulation(pop, th); err != nil {
			return nil, err
		}
		rows = append(rows, row)
	}
	return rows, nil
}

// owners maps each new number to the person whose registration created it.
func owners(outs []outcome) map[string]int {
	owner := map[string]int{}
	for _, x := range outs {
		if x.action == keysync.ActionNew {
			owner[x.number] = x.reg.PersonID
		}
	}
	return owner
}

// parseBits reads -tradeoff: thresholds in bits, comma-separated.
func parseBits(s string) ([]float64, error) {
	var out []float64
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		v, err := strconv.ParseFloat(f, 64)
		if err != nil {
			return nil, fmt.Errorf("-tradeoff %q: %q is no number of bits", s, f)
		}
		out = append(out, v)
	}
	slices.Sort(out)
	return out, nil
}

func writePopulation(w io.Writer, p populationFigures, bits float64) error {
	fmt.Fprintf(w, "\nDistinct persons (linkage.Population, seed as above, names-bits %.1f): %d persons, nobody twice\n", bits, p.Persons)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "automatic merges\t%d\tgoal %d\t%s\t\n", p.Merges, goalPopulationMerges, passMiss(p.Merges <= goalPopulationMerges))
	fmt.Fprintf(tw, "registrations flagged for review\t%d = %.2f %%\tgoal <= %.0f %%\t%s\t\n", p.Flagged, 100*p.Share, 100*goalPopulationFlagged, passMiss(p.Share <= goalPopulationFlagged))
	rules := slices.Sorted(func(yield func(string) bool) {
		for r := range p.ByRule {
			if !yield(r) {
				return
			}
		}
	})
	for _, r := range rules {
		fmt.Fprintf(tw, "  %s\t%d\t\t\t\n", r, p.ByRule[r])
	}
	return tw.Flush()
}

func writeTradeoff(w io.Writer, rows []tradeoffRow) error {
	fmt.Fprintln(w, "\nTrade-off: names alone must carry at least names-bits bits to send a registration to review.")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "names-bits\tprecision\trecall incl. review\tautomatic recall\treview\tpopulation flagged\tpopulation merges\t")
	for _, r := range rows {
		fmt.Fprintf(tw, "%.1f\t%.4f\t%.4f\t%.4f\t%.2f %%\t%.2f %%\t%d\t\n", r.NamesBits, r.Precision, r.RecallReview, r.RecallAuto,
			100*r.ReviewShare, 100*r.Population.Share, r.Population.Merges)
	}
	return tw.Flush()
}
