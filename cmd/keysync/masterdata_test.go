package main

import (
	"slices"
	"strings"
	"testing"
	"time"

	"keysync/internal/centraltest"
	"keysync/internal/testdb"
	keysync "keysync/sync"
)

// masterSite is a femanager portal and a plain TYPO3 one with the same
// member on both: on amicas with her birth date, phone and an older
// change, on club with a newer town.
type masterSite struct {
	*site
	number string
}

func newMasterSite(t *testing.T) *masterSite {
	t.Helper()
	s := &masterSite{site: newSite(t, "amicas="+testdb.Typo3Femanager, "club")}
	s.mustRun(0, "migrate")
	old := time.Now().Add(-48 * time.Hour).Unix()
	testdb.InsertFeUsers(t, s.portals["amicas"], []testdb.FeUser{{Pid: 5, Username: "erika", FirstName: "Erika", LastName: "Muster",
		Email: "erika.muster@example.at", Address: "Hauptstraße 1", Zip: "1010", City: "Wien", Telephone: "+43 664 1234567",
		DateOfBirth: centraltest.BornIn(t, 1980, 5, 17), Gender: 1, Crdate: old, Tstamp: old}})
	testdb.InsertFeUsers(t, s.portals["club"], []testdb.FeUser{{Pid: 5, Username: "erika", FirstName: "Erika", LastName: "Muster",
		Email: "erika.muster@example.at", Address: "Bahnhofstraße 2", Zip: "8010", City: "Graz", Crdate: old + 3600, Tstamp: old + 3600}})
	s.mustRun(0, "once")
	s.number = scalar[string](t, s.central, "SELECT number FROM accounts WHERE source = 'amicas'")
	if other := scalar[string](t, s.central, "SELECT number FROM accounts WHERE source = 'club'"); other != s.number {
		t.Fatalf("the member got %s and %s, want one number", s.number, other)
	}
	return s
}

// TestShow_RecordAndFieldHistory: show prints the current record with the
// account of each value, and every change of it; --json carries both.
func TestShow_RecordAndFieldHistory(t *testing.T) {
	t.Parallel()
	s := newMasterSite(t)
	r := decode[[]personReport](t, s.mustRun(0, "show", s.number, "--json"))[0]
	want := map[keysync.Field][2]string{
		keysync.FieldSalutation: {"Frau", "amicas:1"},
		keysync.FieldBirthDate:  {"1980-05-17", "amicas:1"},
		keysync.FieldPhone:      {"+43 664 1234567", "amicas:1"},
		keysync.FieldCity:       {"Graz", "club:1"},
		keysync.FieldStreet:     {"Bahnhofstraße 2", "club:1"},
	}
	for _, v := range r.Record {
		if w, ok := want[v.Field]; ok {
			if v.Value != w[0] || v.Account != w[1] {
				t.Errorf("record %s = %q from %s, want %q from %s", v.Field, v.Value, v.Account, w[0], w[1])
			}
			delete(want, v.Field)
		}
	}
	if len(want) > 0 {
		t.Errorf("record lacks %v: %+v", want, r.Record)
	}
	var changed []string
	for _, c := range r.FieldHistory {
		changed = append(changed, string(c.Field)+":"+c.Old+">"+c.New+"@"+c.Account)
	}
	for _, w := range []string{"city:Wien>Graz@club:1", "zip:1010>8010@club:1", "street:Hauptstraße 1>Bahnhofstraße 2@club:1"} {
		if !slices.Contains(changed, w) {
			t.Errorf("field history %v lacks %s", changed, w)
		}
	}
	text := s.mustRun(0, "show", s.number).stdout
	for _, w := range []string{"Record:", "birth_date  1980-05-17", "club:1", "Field history (newest first):", "Wien -> Graz"} {
		if !strings.Contains(text, w) {
			t.Errorf("show lacks %q:\n%s", w, text)
		}
	}
}

// TestFind_PhoneAndBirthDate: find by a phone number as typed otherwise,
// by birth date exactly, in a range and by month; a bad date is a usage
// error.
func TestFind_PhoneAndBirthDate(t *testing.T) {
	t.Parallel()
	s := newMasterSite(t)
	for _, args := range [][]string{
		{"--phone", "0664/123 45 67"},
		{"--birth-date", "1980-05-17"},
		{"--birth-date", "1980-01-01..1989-12-31"},
		{"--birth-date", "1980-01-01.."},
		{"--born-in", "5"},
		{"--birth-month", "5", "--name", "Muster"},
	} {
		got := decode[[]personReport](t, s.mustRun(0, append([]string{"find", "--json"}, args...)...))
		if len(got) != 1 || got[0].Number != s.number {
			t.Errorf("find %v: %d persons, want %s", args, len(got), s.number)
		}
	}
	for _, args := range [][]string{{"--born-in", "6"}, {"--birth-date", "..1979-12-31"}, {"--phone", "0664 7654321"}} {
		if got := decode[[]personReport](t, s.mustRun(0, append([]string{"find", "--json"}, args...)...)); len(got) != 0 {
			t.Errorf("find %v: %d persons, want none", args, len(got))
		}
	}
	for _, args := range [][]string{{"--birth-date", "17.05.1980"}, {"--born-in", "13"}, {"--born-in", "Mai"}, {"--birth-date", ".."}} {
		if r := s.run(s.env, append([]string{"find"}, args...)...); r.code != 2 {
			t.Errorf("find %v: exit %d, want 2\n%s", args, r.code, r.stderr)
		}
	}
	if text := s.mustRun(0, "find", "--born-in", "5").stdout; !strings.Contains(text, "1980-05-17") {
		t.Errorf("find lists no birth date:\n%s", text)
	}
}
