package main

import (
	"encoding/json"
	"maps"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"keysync/internal/testdb"
)

// TestOnce_SchemasAndRowStates runs migrate and once on each TYPO3 schema
// keysync supports, with every kind of row an operator meets.
func TestOnce_SchemasAndRowStates(t *testing.T) {
	for _, schema := range []string{testdb.Typo3V12, testdb.Typo3V13, testdb.Typo3Upgraded} {
		t.Run(schema, func(t *testing.T) {
			s := newSite(t, "amicas="+schema)
			s.mustRun(0, "migrate")
			s.mustRun(0, "migrate") // idempotent
			db := s.portals["amicas"]
			tmpl := defaultTemplate(t)
			valid, _ := tmpl.Format(700, "")
			dupe, _ := tmpl.Format(701, "")
			bad := valid[:len(valid)-1] + string('0'+(valid[len(valid)-1]-'0'+1)%10)
			now := "UNIX_TIMESTAMP()"
			testdb.MustExec(t, db, `INSERT INTO fe_users (uid, pid, username, email, first_name, last_name, address, zip, city, country, disable, deleted, starttime, endtime, tstamp, tx_keysync_customer_number) VALUES
 (1, 1, 'anna', 'anna.gruber@gmx.at', 'Anna', 'Gruber', 'Hauptstraße 10/4/15', '1010', 'Wien', 'Österreich', 0, 0, 0, 0, 111, ''),
 (2, 1, 'pending', 'p@aon.at', 'Paul', 'Pending', '', '', '', '', 1, 0, 0, 0, 111, ''),
 (3, 1, 'deleted', 'd@aon.at', 'Dora', 'Deleted', '', '', '', '', 0, 1, 0, 0, 111, ''),
 (4, 1, 'expired', 'e@aon.at', 'Emil', 'Expired', '', '', '', '', 0, 0, 0, `+now+`-10, 111, ''),
 (5, 1, 'future', 'f@aon.at', 'Fritz', 'Future', '', '', '', '', 0, 0, `+now+`+3600, 0, 111, ''),
 (6, 1, 'valid', 'v@aon.at', 'Vera', 'Valid', '', '', '', '', 0, 0, 0, 0, 111, ?),
 (7, 1, 'badcheck', 'b@aon.at', 'Bert', 'Bad', '', '', '', '', 0, 0, 0, 0, 111, ?),
 (8, 1, 'dupe1', 'x@aon.at', 'Xaver', 'Huber', '', '', '', '', 0, 0, 0, 0, 111, ?),
 (9, 1, 'dupe2', 'y@aon.at', 'Yvonne', 'Wagner', '', '', '', '', 0, 0, 0, 0, 111, ?)`, valid, bad, dupe, dupe)

			r := s.mustRun(3, "once", "--json")
			var sum summary
			if err := json.Unmarshal([]byte(r.stdout), &sum); err != nil {
				t.Fatalf("summary: %v\n%s", err, r.stdout)
			}
			if sum.Assigned != 1 || sum.Adopted != 2 || sum.Conflicts != 2 || sum.Sources["amicas"].Assigned != 1 {
				t.Fatalf("summary = %+v", sum)
			}
			rows := s.rows("amicas")
			if rows[1].number == "" || rows[1].hh == "" || rows[1].pe == "" {
				t.Errorf("confirmed user: %+v", rows[1])
			}
			for _, uid := range []uint64{2, 3, 4, 5} {
				if rows[uid].number != "" {
					t.Errorf("uid %d must be left alone, got %+v", uid, rows[uid])
				}
			}
			if rows[6].number != valid || rows[6].pe == "" {
				t.Errorf("valid existing number not adopted: %+v", rows[6])
			}
			if rows[7].number != bad || rows[8].number != dupe || rows[9].number != dupe {
				t.Errorf("existing values must never be overwritten: %+v %+v %+v", rows[7], rows[8], rows[9])
			}
			for uid, r := range rows {
				if r.tstamp != 111 {
					t.Errorf("uid %d: tstamp changed to %d", uid, r.tstamp)
				}
			}
			kinds := map[string]int{}
			crows, err := s.central.Query(`SELECT kind FROM conflicts WHERE status = 'open'`)
			if err != nil {
				t.Fatal(err)
			}
			for crows.Next() {
				var k string
				_ = crows.Scan(&k)
				kinds[k]++
			}
			crows.Close()
			if kinds["invalid_number"] != 1 || kinds["number_taken"] != 1 {
				t.Errorf("conflicts = %v", kinds)
			}
			if !strings.Contains(r.stderr, `"msg":"conflict recorded"`) || !strings.Contains(r.stderr, `"msg":"number written"`) {
				t.Errorf("logs lack conflict or number lines:\n%s", r.stderr)
			}
			// Double opt-in: confirmed later, numbered by the next pass,
			// which still exits 3: the two conflicts are open until an admin
			// decides.
			testdb.MustExec(t, db, `UPDATE fe_users SET disable = 0 WHERE uid = 2`)
			if r := s.mustRun(3, "once", "--json"); !strings.Contains(r.stdout, `"open_conflicts": 2`) {
				t.Errorf("summary lacks the open conflicts:\n%s", r.stdout)
			}
			if n := s.rows("amicas")[2].number; n == "" {
				t.Error("confirmed double opt-in row got no number")
			}
			s.assertConsistent(false)
			// A second pass changes nothing and finds nothing new.
			before := scalar[int](t, s.central, `SELECT COUNT(*) FROM events`)
			s.mustRun(3, "once")
			if after := scalar[int](t, s.central, `SELECT COUNT(*) FROM events`); after != before {
				t.Errorf("idle pass wrote %d events", after-before)
			}
		})
	}
}

// TestOnce_JSONKeysAsDocumented: once --json prints exactly the keys the
// README names, at the top and per source, a failed source with its error;
// the values are the pass's.
func TestOnce_JSONKeysAsDocumented(t *testing.T) {
	counts, top := readmeOnceKeys(t)
	s := newSite(t, "amicas", "club")
	s.mustRun(0, "migrate")
	s.insertUsers("amicas", 5, 7)
	testdb.MustExec(t, s.portals["club"], "DROP TABLE fe_users")
	r := s.mustRun(1, "once", "--json")

	var doc map[string]json.RawMessage
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
		t.Fatalf("%v\n%s", err, r.stdout)
	}
	if got, want := slices.Sorted(maps.Keys(doc)), slices.Sorted(slices.Values(append(slices.Clone(counts), top...))); !slices.Equal(got, want) {
		t.Errorf("keys %v, want the README's %v", got, want)
	}
	var sources map[string]map[string]any
	if err := json.Unmarshal(doc["sources"], &sources); err != nil {
		t.Fatal(err)
	}
	if got := slices.Sorted(maps.Keys(sources)); !slices.Equal(got, []string{"amicas", "club"}) {
		t.Fatalf("sources %v", got)
	}
	for name, want := range map[string][]string{"amicas": counts, "club": append(slices.Clone(counts), "error")} {
		if got := slices.Sorted(maps.Keys(sources[name])); !slices.Equal(got, slices.Sorted(slices.Values(want))) {
			t.Errorf("%s: keys %v, want %v", name, got, want)
		}
	}
	if got := sources["amicas"]["assigned"]; got != 7.0 {
		t.Errorf("amicas assigned = %v, want 7", got)
	}
	if got := string(doc["assigned"]); got != "7" {
		t.Errorf("assigned = %s, want 7", got)
	}
	if got := string(doc["errors"]); got != "1" {
		t.Errorf("errors = %s, want 1 (club)", got)
	}
	if e, _ := sources["club"]["error"].(string); !strings.Contains(e, "fe_users") {
		t.Errorf("club error = %q, want the missing table", e)
	}
}

// readmeOnceKeys reads the keys of once --json from the README's commands
// table: the counts, and the other top-level keys.
func readmeOnceKeys(t *testing.T) (counts, top []string) {
	t.Helper()
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile("(?m)^\\| `keysync once .*`--json` prints the counts (.*), then (.*) and `sources`").FindSubmatch(readme)
	if m == nil {
		t.Fatal("the README's row of keysync once names no --json keys")
	}
	word := regexp.MustCompile("`([a-z_]+)`")
	for _, w := range word.FindAllSubmatch(m[1], -1) {
		counts = append(counts, string(w[1]))
	}
	for _, w := range word.FindAllSubmatch(m[2], -1) {
		top = append(top, string(w[1]))
	}
	top = append(top, "sources")
	if len(counts) != 8 || len(top) != 4 {
		t.Fatalf("README names counts %v and keys %v", counts, top)
	}
	return counts, top
}

// TestOnce_DryRunWritesNothing: --dry-run decides and logs, nothing more.
func TestOnce_DryRunWritesNothing(t *testing.T) {
	s := newSite(t, "amicas")
	s.mustRun(0, "migrate")
	s.insertUsers("amicas", 1, 20)
	r := s.mustRun(0, "once", "--dry-run", "--json")
	if !strings.Contains(r.stdout, `"assigned": 20`) || !strings.Contains(r.stderr, "would write number") {
		t.Fatalf("dry run output:\n%s\n%s", r.stdout, r.stderr)
	}
	if n := scalar[int](t, s.portals["amicas"], `SELECT COUNT(*) FROM fe_users WHERE tx_keysync_customer_number <> ''`); n != 0 {
		t.Errorf("dry run wrote %d numbers", n)
	}
	if n := scalar[int](t, s.central, `SELECT COUNT(*) FROM persons`); n != 0 {
		t.Errorf("dry run stored %d persons", n)
	}
	s.mustRun(0, "once")
	// The real pass hands out the numbers the dry run showed: nothing was
	// consumed.
	if n := scalar[string](t, s.central, `SELECT MIN(number) FROM persons`); n != "000000013" {
		t.Errorf("first number after dry run = %s, want 000000013", n)
	}
}

// TestOnce_SamePersonOnTwoPortals: one person, one number, everywhere.
func TestOnce_SamePersonOnTwoPortals(t *testing.T) {
	s := newSite(t, "amicas", "club="+testdb.Typo3V12)
	s.mustRun(0, "migrate")
	testdb.InsertFeUsers(t, s.portals["amicas"], []testdb.FeUser{
		{Username: "hans", Email: "Hans.Mueller@GMX.at", FirstName: "Hans", LastName: "Müller", Address: "Hauptstraße 10/4/15", Zip: "1010", City: "Wien", Country: "AT"},
	})
	testdb.InsertFeUsers(t, s.portals["club"], []testdb.FeUser{
		{Username: "hmueller", Email: "hans.mueller@gmx.at ", FirstName: "Hans", LastName: "Mueller"},
		{Username: "grete", Email: "hans.mueller@gmx.at", FirstName: "Grete", LastName: "Müller", Address: "Hauptstr. 10 Stg. 4 Top 15", Zip: "1010", City: "Wien"},
	})
	s.mustRun(3, "once") // the shared mailbox is a conflict for review
	a, c := s.rows("amicas"), s.rows("club")
	if a[1].number == "" || a[1].number != c[1].number || a[1].pe != c[1].pe {
		t.Errorf("same person: amicas %+v, club %+v", a[1], c[1])
	}
	if c[2].number == a[1].number || c[2].number == "" {
		t.Errorf("shared mailbox must get its own number: %+v", c[2])
	}
	if c[2].hh != a[1].hh {
		t.Errorf("shared mailbox at the same address must share the household: %q vs %q", c[2].hh, a[1].hh)
	}
	if n := scalar[int](t, s.central, `SELECT COUNT(*) FROM conflicts WHERE kind = 'shared_email'`); n != 1 {
		t.Errorf("shared_email conflicts = %d", n)
	}
	s.assertConsistent(true)
}

// TestOnce_Memberships: the central record keeps each account's groups by
// their fe_groups titles, for the person view and for billing.
func TestOnce_Memberships(t *testing.T) {
	s := newSite(t, "amicas")
	s.mustRun(0, "migrate")
	db := s.portals["amicas"]
	testdb.MustExec(t, db, `INSERT INTO fe_groups (uid, pid, title) VALUES (1, 1, 'Mitglieder'), (2, 1, 'Premium, jährlich')`)
	testdb.InsertFeUsers(t, db, []testdb.FeUser{
		{Username: "anna", Email: "anna@gmx.at", FirstName: "Anna", LastName: "Gruber", Usergroup: "1,2"},
		{Username: "bert", Email: "bert@gmx.at", FirstName: "Bert", LastName: "Huber", Usergroup: "1,99"},
	})
	s.mustRun(0, "once")
	for uid, want := range map[int]string{1: `["Mitglieder","Premium, jährlich"]`, 2: `["Mitglieder","99"]`} {
		if got := scalar[string](t, s.central, `SELECT groups_list FROM accounts WHERE account_id = ?`, uid); got != want {
			t.Errorf("uid %d groups = %s, want %s", uid, got, want)
		}
	}
	if n := scalar[int](t, s.central, `SELECT COUNT(*) FROM accounts WHERE JSON_CONTAINS(groups_list, '"Premium, jährlich"')`); n != 1 {
		t.Errorf("premium members = %d, want 1", n)
	}
}

// TestConflicts_DistinctPairNotRaisedAgain: three registrations of one
// name with nothing else to compare; the second is declared another person
// than the first, the third merged into the second. The third's question
// about the first is then the pair decided before: the merge settles it,
// and the next pass has no conflict open.
func TestConflicts_DistinctPairNotRaisedAgain(t *testing.T) {
	s := newSite(t, "amicas", "club", "forum")
	s.mustRun(0, "migrate")
	for _, p := range []struct{ portal, email string }{{"amicas", "anna.gruber@gmx.at"}, {"club", "a.gruber@aon.at"}, {"forum", "gruber.anna@chello.at"}} {
		testdb.InsertFeUsers(t, s.portals[p.portal], []testdb.FeUser{{Username: "agruber", Email: p.email, FirstName: "Anna", LastName: "Gruber"}})
		// Each portal in turn, so the earlier Annas are numbered: 3 from
		// the second on, the Annas are asked about.
		if r := s.run(s.env, "once"); r.code != 0 && r.code != 3 {
			t.Fatalf("once: exit %d\n%s", r.code, r.stderr)
		}
	}
	number := func(portal string) string { return s.rows(portal)[1].number }
	conflict := func(portal, other string) string {
		return strconv.Itoa(scalar[int](t, s.central, `SELECT id FROM conflicts WHERE source = ? AND number = ? AND status = 'open'`, portal, other))
	}
	first, second := number("amicas"), number("club")
	s.mustRun(0, "conflicts", "resolve", conflict("club", first), "--as", "distinct", "--note", "two members of one name")
	settled := conflict("forum", first)
	r := s.mustRun(0, "conflicts", "resolve", conflict("forum", second), "--as", "merge")
	if !strings.Contains(r.stdout, "also resolved as distinct: "+settled) {
		t.Errorf("merge output lacks the settled conflict %s:\n%s", settled, r.stdout)
	}
	if r := s.run(s.env, "once", "--json"); r.code != 0 || !strings.Contains(r.stdout, `"open_conflicts": 0`) {
		t.Errorf("pass after the decisions: exit %d\n%s", r.code, r.stdout)
	}
	if n := scalar[int](t, s.central, `SELECT COUNT(*) FROM conflicts WHERE status = 'open'`); n != 0 {
		t.Errorf("%d conflicts open after the pair was decided", n)
	}
}

// TestOnce_ExitsCleanAfterResolution: exit 3 lasts while conflicts are
// open; once an admin resolved them, once exits 0.
func TestOnce_ExitsCleanAfterResolution(t *testing.T) {
	s := newSite(t, "amicas")
	s.mustRun(0, "migrate")
	testdb.InsertFeUsers(t, s.portals["amicas"], []testdb.FeUser{
		{Username: "hans", Email: "familie@gmx.at", FirstName: "Hans", LastName: "Huber"},
		{Username: "grete", Email: "familie@gmx.at", FirstName: "Grete", LastName: "Huber"},
	})
	s.mustRun(3, "once")
	s.mustRun(3, "once")
	id := scalar[int](t, s.central, `SELECT id FROM conflicts WHERE status = 'open'`)
	s.mustRun(0, "conflicts", "resolve", strconv.Itoa(id), "--as", "distinct", "--note", "a couple")
	s.mustRun(0, "once")
}
