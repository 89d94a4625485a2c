package main

import (
	"slices"
	"strings"
	"testing"
)

func TestShow_PersonAccountsAndHistory(t *testing.T) {
	t.Parallel()
	s := newAdminSite(t)
	maier := s.number["amicas:1"]

	byNumber := decode[[]personReport](t, s.mustRun(0, "show", maier, "--json"))
	if len(byNumber) != 1 {
		t.Fatalf("show %s: %d persons", maier, len(byNumber))
	}
	p := byNumber[0]
	if p.Number != maier || p.Status != "active" || p.HH == "" || p.PE == "" || len(p.Accounts) != 1 {
		t.Fatalf("person=%+v", p.PersonView)
	}
	a := p.Accounts[0]
	if a.Account != "amicas:1" || a.Status != "active" || !slices.Equal(a.Groups, []string{"Mitglieder"}) || a.WrittenAt == nil || a.RegisteredAt == nil {
		t.Errorf("account=%+v", a)
	}
	var kinds []string
	for i, h := range p.History {
		kinds = append(kinds, h.Kind)
		if i > 0 && h.At.After(p.History[i-1].At) {
			t.Errorf("history not newest first: %v", p.History)
		}
	}
	if len(kinds) < 2 || kinds[len(kinds)-1] != "assigned" || !slices.Contains(kinds, "written") {
		t.Errorf("history kinds=%v, want assigned last and written", kinds)
	}
	// The conflict naming Maier as the other side is listed with him.
	if len(p.OpenConflicts) != 1 || p.OpenConflicts[0].Kind != "suspected_duplicate" {
		t.Errorf("open conflicts=%+v", p.OpenConflicts)
	}

	for _, arg := range []string{"j.maier@GMX.at", "amicas:1", " " + maier + " "} {
		got := decode[[]personReport](t, s.mustRun(0, "show", "--json", arg))
		if len(got) != 1 || got[0].Number != maier {
			t.Errorf("show %q: %+v", arg, got)
		}
	}
	// A shared mailbox names both persons.
	if got := decode[[]personReport](t, s.mustRun(0, "show", "Familie.Gruber@gmx.at", "--json")); len(got) != 2 || got[0].Number != s.number["amicas:3"] || got[1].Number != s.number["amicas:4"] {
		t.Errorf("shared mailbox: %+v", got)
	}

	text := s.mustRun(0, "show", maier).stdout
	for _, want := range []string{"Person " + maier, "amicas:1", "Josef Maier", "J.Maier@gmx.at", "Mitglieder", "History (newest first)", "assigned", "Open conflicts (1)"} {
		if !strings.Contains(text, want) {
			t.Errorf("show lacks %q:\n%s", want, text)
		}
	}
}

func TestShow_DeletedAccountAndNothingFound(t *testing.T) {
	t.Parallel()
	s := newAdminSite(t)
	grete := decode[[]personReport](t, s.mustRun(0, "show", "club:4", "--json"))
	if len(grete) != 1 || grete[0].Accounts[0].Status != "deleted" || grete[0].Accounts[0].DeletedAt == nil {
		t.Fatalf("deleted account: %+v", grete)
	}
	if h := grete[0].History; len(h) == 0 || h[0].Kind != "deleted" || h[0].Account != "club:4" || !h[0].At.Equal(s.deleted) {
		t.Errorf("history=%+v, want the deletion (%s) first", h, s.deleted)
	}
	if text := s.mustRun(0, "show", "grete@schmid.at").stdout; !strings.Contains(text, "deleted") || !strings.Contains(text, s.deleted.Format("2006-01-02")) {
		t.Errorf("show of a deleted account:\n%s", text)
	}

	if r := s.mustRun(1, "show", "999999999"); !strings.Contains(r.stderr, "no person with the number 999999999") {
		t.Errorf("unknown number: %s", r.stderr)
	}
	s.mustRun(1, "show", "nobody@example.at")
	s.mustRun(1, "show", "club:99")
	// An account keysync could not link shows why.
	if r := s.mustRun(1, "show", "amicas:7"); !strings.Contains(r.stderr, "not linked") || !strings.Contains(r.stdout, "number_taken") {
		t.Errorf("unlinked account:\n%s\n%s", r.stdout, r.stderr)
	}
	s.mustRun(2, "show")
	s.mustRun(2, "show", "a", "b")
}
