package main

import (
	"bytes"
	"encoding/json"
	"io"
	"math"
	"strings"
	"testing"

	"keysync/internal/linkage"
	keysync "keysync/sync"
)

func TestRunText(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	if err := run([]string{"-n", "1500", "-seed", "3", "-examples", "1", "-population", "3000", "-tradeoff", "0,4"}, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"precision of automatic reuse", "recall incl. review", "routed to review",
		"couple_mailbox", "typo_last", "Recall ceiling", "False merges", "precision ",
		"Distinct persons", "registrations flagged for review", "Trade-off", "names-bits"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}

func TestRunJSON(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	if err := run([]string{"-n", "1500", "-json", "-same", "0.97", "-review", "0.75", "-population", "3000", "-tradeoff", "0,8"}, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	var r report
	if err := json.Unmarshal(out.Bytes(), &r); err != nil {
		t.Fatal(err)
	}
	if r.Registrations != 1500 || r.Options.Same != 0.97 || r.Options.Review != 0.75 || len(r.Scenarios) == 0 {
		t.Errorf("report = %+v", r)
	}
	if r.Keysync.Precision <= 0 || r.Keysync.Precision > 1 || r.Keysync.RecallReview < r.Keysync.RecallAuto {
		t.Errorf("figures = %+v", r.Keysync)
	}
	// More bits asked of names alone never send more to review.
	if p := r.Population; p == nil || p.Persons != 3000 || len(r.Tradeoff) != 2 ||
		r.Tradeoff[1].ReviewShare > r.Tradeoff[0].ReviewShare || r.Tradeoff[1].Population.Flagged > r.Tradeoff[0].Population.Flagged {
		t.Errorf("population %+v, trade-off %+v", r.Population, r.Tradeoff)
	}
}

func TestFlags(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{{"-n", "0"}, {"-same", "0.6", "-review", "0.9"}, {"-review", "0"}, {"extra"}, {"-population", "-1"}, {"-tradeoff", "4,many"}} {
		if _, err := parseFlags(args, io.Discard); err == nil {
			t.Errorf("parseFlags(%q) accepted", args)
		}
	}
}

// TestFigures checks the pair counting on a hand-made clustering: person 1
// registers three times (merged, then sent to review), person 2 once and is
// falsely merged into person 1's number.
func TestFigures(t *testing.T) {
	t.Parallel()
	reg := func(seq, person, nth int, email string) linkage.Registration {
		return linkage.Registration{Seq: seq, Portal: "amicas", AccountID: uint64(seq + 1), PersonID: person, Nth: nth, Email: email}
	}
	ds := linkage.Dataset{Registrations: []linkage.Registration{
		reg(0, 1, 0, "a@example.at"), reg(1, 1, 1, "a@example.at"), reg(2, 1, 2, "b@example.at"), reg(3, 2, 0, "a@example.at"),
	}}
	outs := []outcome{
		{reg: ds.Registrations[0], action: keysync.ActionNew, number: "N1"},
		{reg: ds.Registrations[1], action: keysync.ActionLink, number: "N1", rule: "e-mail"},
		{reg: ds.Registrations[2], action: keysync.ActionNew, number: "N2",
			reviews: []review{{kind: keysync.ConflictSuspectedDuplicate, number: "N1", same: true}}},
		{reg: ds.Registrations[3], action: keysync.ActionLink, number: "N1", rule: "fuzzy"},
	}
	owner := map[string]int{"N1": 1, "N2": 1}
	f := keysyncFigures(ds, outs, owner)
	want := pairFigures{PredictedPairs: 3, CorrectPairs: 1, TruePairs: 3, ReviewPairs: 3, FalseMerges: 1, FalsePairs: 2, Reviewed: 1}
	if f.PredictedPairs != want.PredictedPairs || f.CorrectPairs != want.CorrectPairs || f.TruePairs != want.TruePairs ||
		f.ReviewPairs != want.ReviewPairs || f.FalseMerges != want.FalseMerges || f.FalsePairs != want.FalsePairs || f.Reviewed != want.Reviewed {
		t.Errorf("figures = %+v, want %+v", f, want)
	}
	if math.Abs(f.Precision-1.0/3) > 1e-9 || math.Abs(f.RecallAuto-1.0/3) > 1e-9 || f.RecallReview != 1 || f.FalseByRule["fuzzy"] != 1 {
		t.Errorf("figures = %+v", f)
	}
	wantClass := []string{classNew, classMerged, classReview, classFalse}
	for i, o := range outs {
		if c := classify(o, owner); c != wantClass[i] {
			t.Errorf("classify(%d) = %s, want %s", i, c, wantClass[i])
		}
	}

	nv := naiveClusters(ds)
	n := naiveFigures(ds, nv)
	// a@ holds registrations 0, 1 (person 1) and 3 (person 2).
	if n.PredictedPairs != 3 || n.CorrectPairs != 1 || n.FalseMerges != 1 {
		t.Errorf("naive figures = %+v", n)
	}
	seen := map[string]bool{}
	wantNaive := []string{classNew, classMerged, classMissed, classFalse}
	for i, r := range ds.Registrations {
		if c := nv.class(i, r, seen); c != wantNaive[i] {
			t.Errorf("naive class(%d) = %s, want %s", i, c, wantNaive[i])
		}
	}
}

func TestUnionFind(t *testing.T) {
	t.Parallel()
	u := unionFind{}
	u.union("c", "b")
	u.union("b", "a")
	u.union("x", "y")
	if u.find("c") != u.find("a") || u.find("x") == u.find("a") || u.find("z") != "z" {
		t.Errorf("union-find = %v", u)
	}
}
