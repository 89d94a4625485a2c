package main

import (
	"slices"
	"strings"
	"testing"
	"time"

	"keysync/sync/central"
)

func TestFind_Filters(t *testing.T) {
	t.Parallel()
	s := newAdminSite(t)
	n := s.number
	for _, tc := range []struct {
		args []string
		want []string // accounts whose persons are found
	}{
		{[]string{"--number", n["club:1"]}, []string{"club:1"}},
		{[]string{"--email", "KARL.MEYER@web.de"}, []string{"club:1"}},
		{[]string{"--postcode", "1010"}, []string{"amicas:1", "amicas:2"}},
		{[]string{"--country", "DE"}, []string{"club:1"}},
		{[]string{"--name", "Stein"}, []string{"club:2", "club:3"}},
		{[]string{"--name", "gr*r"}, []string{"amicas:3", "amicas:4"}},
		{[]string{"--name", "Ma?er"}, []string{"amicas:1", "amicas:2"}},
		{[]string{"--name", "Mai?r"}, []string{"amicas:1"}},
		{[]string{"--name", "jos"}, []string{"amicas:1", "amicas:2"}},
		{[]string{"--sounds-like", "Meier"}, []string{"amicas:1", "amicas:2", "club:1"}},
		{[]string{"--sounds-like", "Meier", "--country", "Österreich"}, []string{"amicas:1", "amicas:2"}},
		{[]string{"--since", "12m"}, []string{"amicas:2", "amicas:4", "club:1", "club:3"}},
		{[]string{"--since", "12m", "--source", "club"}, []string{"club:1", "club:3"}},
		{[]string{"--registered-since", time.Now().AddDate(-2, -6, 0).Format("2006-01-02"), "--registered-before", time.Now().AddDate(0, -6, 0).Format("2006-01-02")}, []string{"amicas:3", "club:2"}},
		{[]string{"--status", "deleted"}, []string{"club:4"}},
		{[]string{"--name", "zz"}, nil},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			got := decode[[]central.PersonView](t, s.mustRun(0, append([]string{"find", "--json"}, tc.args...)...))
			var numbers, want []string
			for _, p := range got {
				numbers = append(numbers, p.Number)
			}
			for _, a := range tc.want {
				want = append(want, n[a])
			}
			slices.Sort(want)
			if !slices.Equal(numbers, want) {
				t.Errorf("find %v = %v, want %v (%v)", tc.args, numbers, want, tc.want)
			}
		})
	}
}

func TestFind_TableLimitAndUsage(t *testing.T) {
	t.Parallel()
	s := newAdminSite(t)
	r := s.mustRun(0, "find", "--status", "deleted")
	if !strings.Contains(r.stdout, "club:4") || !strings.Contains(r.stdout, "deleted") || !strings.Contains(r.stdout, s.deleted.Format("2006-01-02")) || !strings.Contains(r.stdout, "Grete Schmid") {
		t.Errorf("deleted account in the table:\n%s", r.stdout)
	}
	got := decode[[]central.PersonView](t, s.mustRun(0, "find", "--status", "deleted", "--json"))
	if len(got) != 1 || got[0].Accounts[0].DeletedAt == nil {
		t.Errorf("deleted account JSON: %+v", got)
	}
	r = s.mustRun(0, "find", "--name", "*", "--limit", "2", "--json")
	if got := decode[[]central.PersonView](t, r); len(got) != 2 || !strings.Contains(r.stderr, "more than 2") {
		t.Errorf("limit: %d persons, stderr %q", len(got), r.stderr)
	}
	if r := s.mustRun(0, "find", "--name", "nobody"); !strings.Contains(r.stdout, "no persons found") {
		t.Errorf("nothing found:\n%s", r.stdout)
	}
	for _, args := range [][]string{
		{"find", "Maier"},
		{"find", "--status", "lost"},
		{"find", "--since", "12x"},
		{"find", "--since", "1m", "--registered-since", "2024-01-01"},
		{"find", "--registered-before", "yesterday"},
		{"find", "--country", "Narnia"},
		{"find", "--email", "not-an-address"},
		{"find", "--limit", "0"},
	} {
		s.mustRun(2, args...)
	}
}
