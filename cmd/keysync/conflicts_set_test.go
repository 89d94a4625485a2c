package main

import (
	"bytes"
	"slices"
	"strconv"
	"strings"
	"testing"

	"keysync/sync/central"
)

func TestConflicts_Summary(t *testing.T) {
	t.Parallel()
	s := newAdminSite(t)

	r := decode[conflictSummaryReport](t, s.mustRun(0, "conflicts", "summary", "--json"))
	got := map[string]int{}
	for _, g := range r.Groups {
		got[g.Kind+"/"+g.Rule] += g.Count
	}
	want := map[string]int{"suspected_duplicate/score": 2, "shared_email/mailbox_other": 1, "invalid_number/": 1, "number_taken/": 1}
	if r.Open != 5 || len(got) != len(want) {
		t.Errorf("summary = %+v, want %v", r, want)
	}
	for k, n := range want {
		if got[k] != n {
			t.Errorf("%s: %d open, want %d (summary %v)", k, got[k], n, got)
		}
	}
	text := s.mustRun(0, "conflicts").stdout
	for _, w := range []string{"open conflicts: 5", "suspected_duplicate", "score", "a fuzzy score at or above", "mailbox_other"} {
		if !strings.Contains(text, w) {
			t.Errorf("summary lacks %q:\n%s", w, text)
		}
	}
	if club := decode[conflictSummaryReport](t, s.mustRun(0, "conflicts", "summary", "--source", "club", "--json")); club.Open != 1 {
		t.Errorf("--source club: %+v, want 1 open", club)
	}
	// An idle pass counts the open conflicts of its sources.
	once := decode[struct {
		Open int `json:"open_conflicts"`
	}](t, s.mustRun(3, "once", "--json"))
	if once.Open != 5 {
		t.Errorf("once: open_conflicts %d, want 5", once.Open)
	}
}

func TestConflicts_Paging(t *testing.T) {
	t.Parallel()
	s := newAdminSite(t)
	all := decode[[]central.ConflictView](t, s.mustRun(0, "conflicts", "list", "--json"))
	ids := func(list []central.ConflictView) []uint64 {
		var out []uint64
		for _, c := range list {
			out = append(out, c.ID)
		}
		return out
	}
	first := decode[[]central.ConflictView](t, s.mustRun(0, "conflicts", "list", "--limit", "2", "--json"))
	second := decode[[]central.ConflictView](t, s.mustRun(0, "conflicts", "list", "--limit", "2", "--page", "2", "--json"))
	after := decode[[]central.ConflictView](t, s.mustRun(0, "conflicts", "list", "--limit", "2", "--after", strconv.FormatUint(first[1].ID, 10), "--json"))
	if len(all) != 5 || len(first) != 2 || !slices.Equal(ids(first), ids(all[:2])) || !slices.Equal(ids(second), ids(all[2:4])) || !slices.Equal(ids(after), ids(second)) {
		t.Errorf("all %v, page 1 %v, page 2 %v, after %d %v", ids(all), ids(first), ids(second), first[1].ID, ids(after))
	}
	if out := s.mustRun(0, "conflicts", "list", "--limit", "2").stdout; !strings.Contains(out, "more: --after "+strconv.FormatUint(first[1].ID, 10)) {
		t.Errorf("a full page must say how to go on:\n%s", out)
	}
	for _, args := range [][]string{{"--page", "2", "--after", "9"}, {"--limit", "-1"}, {"--page", "-1"}, {"--limit", "0", "--page", "2"}, {"--rule", "nope"}, {"--before", "yesterday"}} {
		s.mustRun(2, append([]string{"conflicts", "list"}, args...)...)
	}
	if got := decode[[]central.ConflictView](t, s.mustRun(0, "conflicts", "list", "--before", "2000-01-01", "--json")); len(got) != 0 {
		t.Errorf("--before 2000-01-01: %d conflicts", len(got))
	}
	if got := decode[[]central.ConflictView](t, s.mustRun(0, "conflicts", "list", "--rule", "score", "--json")); len(got) != 2 {
		t.Errorf("--rule score: %d conflicts, want 2", len(got))
	}
}

// TestConfirm: on a terminal the answer decides; --yes needs none.
func TestConfirm(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		interactive, yes bool
		answer           string
		code             int
	}{
		{true, false, "y\n", ExitOK}, {true, false, "YES\n", ExitOK}, {true, false, "n\n", ExitFailed},
		{true, false, "", ExitFailed}, {false, false, "y\n", ExitUsage}, {false, true, "", ExitOK},
	} {
		var stderr bytes.Buffer
		m := &Main{Stdin: strings.NewReader(c.answer), Interactive: c.interactive, Stderr: &stderr}
		err := confirm(m, setResolution{as: "ignore", by: "alice", yes: c.yes}, 12)
		if got := ExitCode(err); got != c.code {
			t.Errorf("%+v: exit %d (%v), want %d", c, got, err, c.code)
		}
		if c.interactive && !c.yes && !strings.Contains(stderr.String(), "resolve these 12 conflicts as ignore by alice? [y/N]") {
			t.Errorf("%+v: question %q", c, stderr.String())
		}
	}
}

func TestConflicts_ResolveSet(t *testing.T) {
	t.Parallel()
	s := newAdminSite(t)
	open := func(kind string) int {
		return scalar[int](t, s.central, `SELECT COUNT(*) FROM conflicts WHERE status = 'open' AND kind = ?`, kind)
	}

	// Without a terminal and without --yes nothing is resolved.
	r := s.mustRun(2, "conflicts", "resolve", "--kind", "suspected_duplicate", "--as", "distinct")
	if !strings.Contains(r.stderr, "2 open conflicts match kind=suspected_duplicate") || !strings.Contains(r.stderr, "--yes") || open("suspected_duplicate") != 2 {
		t.Errorf("without --yes: %d open\n%s", open("suspected_duplicate"), r.stderr)
	}
	s.mustRun(2, "conflicts", "resolve", "--kind", "suspected_duplicate", "--as", "merge", "--yes")
	s.mustRun(2, "conflicts", "resolve", "7", "--kind", "suspected_duplicate", "--as", "ignore")

	res := decode[setResult](t, s.mustRun(0, "conflicts", "resolve", "--kind", "suspected_duplicate", "--rule", "score", "--as", "distinct", "--yes", "--by", "alice", "--json"))
	if res.Matched != 2 || res.Resolved != 2 || open("suspected_duplicate") != 0 {
		t.Errorf("distinct set: %+v, %d left open", res, open("suspected_duplicate"))
	}
	if n := scalar[int](t, s.central, `SELECT COUNT(*) FROM distinct_pairs WHERE decided_by = 'alice'`); n != 2 {
		t.Errorf("%d distinct pairs by alice, want 2", n)
	}
	// distinct does not fit a conflict about one person: it stays open.
	res = decode[setResult](t, s.mustRun(0, "conflicts", "resolve", "--kind", "invalid_number", "--as", "distinct", "--yes", "--json"))
	if res.Resolved != 0 || res.Skipped != 1 || open("invalid_number") != 1 {
		t.Errorf("distinct of invalid_number: %+v", res)
	}
	out := s.mustRun(0, "conflicts", "resolve", "--source", "amicas", "--before", "2999-01-01", "--as", "ignore", "--yes", "--by", "bob", "--note", "old backlog").stdout
	if !strings.Contains(out, "resolved 3 as ignore by bob") {
		t.Errorf("ignore set:\n%s", out)
	}
	if n := scalar[int](t, s.central, `SELECT COUNT(*) FROM conflicts WHERE status = 'ignored' AND resolved_by = 'bob' AND note = 'old backlog' AND open_key IS NULL`); n != 3 {
		t.Errorf("%d conflicts ignored by bob, want 3", n)
	}
	if n := scalar[int](t, s.central, `SELECT COUNT(*) FROM events WHERE kind = 'conflict_resolved' AND actor = 'bob'`); n != 3 {
		t.Errorf("%d history events by bob, want 3", n)
	}
	if out := s.mustRun(0, "conflicts", "resolve", "--kind", "number_taken", "--as", "ignore", "--yes").stdout; !strings.Contains(out, "resolved 0") {
		t.Errorf("an empty set:\n%s", out)
	}
}
