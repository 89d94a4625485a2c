package wibisoft_test

import (
	"context"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"keysync/internal/centraltest"
	"keysync/internal/testdb"
	sinkwibisoft "keysync/sinks/wibisoft"
	"keysync/sources/wibisoft"
	keysync "keysync/sync"
)

// exportIDs is an export with ids of keysync's default shapes (HH seven
// digits, PE eight): Jürgen and Sabine Müller are one household over two
// rows, Zoë Weiß one of her own.
var exportIDs = strings.Join([]string{
	header,
	"0000101;00000201;Herr;Dr.;Jürgen;Müller;17.05.1980;Hauptstraße 10/4/15;1010;Wien;Österreich;juergen@mueller.at;+43 1 234",
	"0000101;00000202;Frau;;Sabine;Müller;03.02.1982;Hauptstraße 10/4/15;1010;Wien;AT;sabine@mueller.at;",
	"0000102;00000203;Frau;;Zoë;Weiß;;Gürtel 3;8010;Graz;A;zoe@example.at;",
}, "\r\n") + "\r\n"

func newCentral(t *testing.T) *centraltest.Central {
	t.Helper()
	return centraltest.New(t, centraltest.Numbering(t, 1, 1, 1))
}

// mustImport imports text, or previews it with dry set, in batches of two.
func mustImport(t *testing.T, c *centraltest.Central, text string, dry bool) *wibisoft.Report {
	t.Helper()
	f := mustRead(t, []byte(text), wibisoft.DefaultColumns)
	im := &wibisoft.Importer{Store: c.Store, BatchSize: 2, DryRun: dry, By: "anna"}
	r, err := im.Import(t.Context(), t.Context(), "personen.csv", f)
	if err != nil {
		t.Fatalf("Import: %v", err)
	}
	return r
}

// counts is a report's counts as text, for comparing whole reports.
func counts(r *wibisoft.Report) string {
	return fmt.Sprintf("rows=%d matched=%d/%d/%d new=%d updated=%d unchanged=%d conflicting=%d rejected=%d",
		r.Rows, r.Matched.ByNumber, r.Matched.ByPE, r.Matched.ByIdentity, r.New, r.Updated, r.Unchanged, r.Conflicting, r.Rejected)
}

// person is a central person's ids.
type person struct{ number, hh, pe string }

func persons(t *testing.T, c *centraltest.Central) []person {
	t.Helper()
	rows, err := c.DB.QueryContext(t.Context(), `SELECT number, COALESCE(hh_id, ''), COALESCE(pe_id, '') FROM persons ORDER BY number`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []person
	for rows.Next() {
		var p person
		if err := rows.Scan(&p.number, &p.hh, &p.pe); err != nil {
			t.Fatal(err)
		}
		out = append(out, p)
	}
	return out
}

// TestImport_PreviewApplyAgain: the preview changes nothing and says what
// the import does; the import creates the persons with Wibisoft's ids
// (one household over two rows), numbers them and records the import;
// importing the same file again changes nothing; a changed value updates
// the person's record.
func TestImport_PreviewApplyAgain(t *testing.T) {
	t.Parallel()
	c := newCentral(t)
	const want = "rows=3 matched=0/0/0 new=3 updated=0 unchanged=0 conflicting=0 rejected=0"
	if got := counts(mustImport(t, c, exportIDs, true)); got != want {
		t.Errorf("preview %s, want %s", got, want)
	}
	for _, table := range []string{"persons", "accounts", "households", "events", "wibisoft_rows", "reserved"} {
		if n := c.MustCount(t, table, ""); n != 0 {
			t.Errorf("the preview left %d rows in %s", n, table)
		}
	}

	if got := counts(mustImport(t, c, exportIDs, false)); got != want {
		t.Errorf("import %s, want %s", got, want)
	}
	wantPersons := []person{{c.Number(t, 1), "0000101", "00000201"}, {c.Number(t, 2), "0000101", "00000202"}, {c.Number(t, 3), "0000102", "00000203"}}
	if got := persons(t, c); !slices.Equal(got, wantPersons) {
		t.Errorf("persons %v, want %v", got, wantPersons)
	}
	if n := c.MustCount(t, "households", ""); n != 2 {
		t.Errorf("%d households, want 2", n)
	}
	if n := c.MustCount(t, "accounts", "source = 'wibisoft' AND phone = '+43 1 234' AND first_name = 'Jürgen'"); n != 1 {
		t.Errorf("Jürgen's account with his phone: %d, want 1", n)
	}
	if n := c.MustCount(t, "events", "kind = 'imported' AND actor = 'anna' AND new_value = 'personen.csv' AND detail LIKE 'sha256=%new=3%'"); n != 1 {
		t.Errorf("%d import events, want 1", n)
	}
	events := c.MustCount(t, "events", "")

	again := "rows=3 matched=0/0/0 new=0 updated=0 unchanged=3 conflicting=0 rejected=0"
	if got := counts(mustImport(t, c, exportIDs, false)); got != again {
		t.Errorf("second import %s, want %s", got, again)
	}
	if got := persons(t, c); !slices.Equal(got, wantPersons) {
		t.Errorf("after the second import: persons %v, want %v", got, wantPersons)
	}
	if n := c.MustCount(t, "events", ""); n != events {
		t.Errorf("the second import added %d events, want none", n-events)
	}

	changed := strings.Replace(exportIDs, "+43 1 234", "+43 1 999", 1)
	if got, want := counts(mustImport(t, c, changed, false)), "rows=3 matched=0/0/0 new=0 updated=1 unchanged=2 conflicting=0 rejected=0"; got != want {
		t.Errorf("import of a changed phone %s, want %s", got, want)
	}
	if n := c.MustCount(t, "field_changes", "number = ? AND field = 'phone' AND new_value = '+43 1 999' AND source = 'wibisoft'", c.Number(t, 1)); n != 1 {
		t.Errorf("%d field changes of the phone, want 1", n)
	}
}

// TestImport_IDsNeverCollide: keysync's own allocation skips the ids an
// import brought; an imported PE-ID that keysync gave to another person is
// a conflict, and nothing of the row is imported.
func TestImport_IDsNeverCollide(t *testing.T) {
	t.Parallel()
	c := newCentral(t)
	portal := c.Typo3(t, "amicas")
	testdb.InsertFeUsers(t, portal.DB, []testdb.FeUser{centraltest.User("anton", "Anton", "Berger", "anton@berger.at")})
	mustPass(t, c, portal)
	anton := portal.MustRow(t, 1)
	if anton.PE != "00000001" || anton.HH != "0000001" {
		t.Fatalf("Anton got %+v, want the first ids", anton)
	}

	file := strings.Join([]string{header,
		"0000002;00000002;Herr;;Bernd;Gruber;;Weg 1;1010;Wien;AT;;",
		"0000003;00000003;Frau;;Clara;Gruber;;Weg 2;1010;Wien;AT;;",
		"0000009;00000001;Herr;;Daniel;Huber;;;;;AT;;",          // keysync's PE-ID of Anton
		"0000002;00000005;Frau;;Eva;Kern;;Weg 1;1010;Wien;AT;;", // Bernd's household, another surname
		"0000001;00000006;Herr;;Fritz;Lang;;;;;AT;;",            // keysync's HH-ID of Anton
	}, "\n")
	r := mustImport(t, c, file, false)
	if got, want := counts(r), "rows=5 matched=0/0/0 new=3 updated=0 unchanged=0 conflicting=2 rejected=0"; got != want {
		t.Errorf("import %s, want %s", got, want)
	}
	if len(r.Conflicts) != 2 || r.Conflicts[0].Kind != "pe_taken" || r.Conflicts[0].Line != 4 || r.Conflicts[0].Number != anton.Number ||
		r.Conflicts[1].Kind != "hh_taken" || r.Conflicts[1].Line != 6 {
		t.Errorf("conflicts %+v, want pe_taken on line 4 naming %s and hh_taken on line 6", r.Conflicts, anton.Number)
	}
	if n := c.MustCount(t, "persons", "hh_id = '0000002'"); n != 2 {
		t.Errorf("%d persons in Bernd's household, want Bernd and Eva", n)
	}
	if n := c.MustCount(t, "persons", "hh_id = '0000001'"); n != 1 {
		t.Errorf("%d persons in Anton's household, want Anton alone", n)
	}
	if n := c.MustCount(t, "conflicts", "source = 'wibisoft' AND kind = 'pe_taken' AND status = 'open' AND value = '00000001'"); n != 1 {
		t.Errorf("%d open pe_taken conflicts, want 1", n)
	}
	if n := c.MustCount(t, "persons", "hh_id = '0000009'"); n != 0 {
		t.Error("the row in conflict created a person")
	}

	testdb.InsertFeUsers(t, portal.DB, []testdb.FeUser{centraltest.User("emma", "Emma", "Zauner", "emma@zauner.at")})
	mustPass(t, c, portal)
	if emma := portal.MustRow(t, 2); emma.PE != "00000004" || emma.HH != "0000004" {
		t.Errorf("Emma got HH %s PE %s, want 0000004 and 00000004: the imported ids are skipped", emma.HH, emma.PE)
	}
}

func mustPass(t *testing.T, c *centraltest.Central, p *centraltest.Portal) keysync.Counts {
	t.Helper()
	n, err := c.Engine(nil).Pass(t.Context(), t.Context(), p.Portal)
	if err != nil {
		t.Fatalf("Pass: %v", err)
	}
	return n
}

// TestImport_ThenRegistration: a person imported from Wibisoft who then
// registers on a portal is recognised, and the row gets Wibisoft's ids
// and the person's number.
func TestImport_ThenRegistration(t *testing.T) {
	t.Parallel()
	c := newCentral(t)
	portal := c.Typo3(t, "amicas")
	mustImport(t, c, exportIDs, false)
	testdb.InsertFeUsers(t, portal.DB, []testdb.FeUser{
		centraltest.User("juergen", "Jürgen", "Müller", "Juergen@Mueller.at"),
		centraltest.User("zoe", "Zoe", "Weiss", "zoe@example.at"),
	})
	if n := mustPass(t, c, portal); n.Linked != 2 || n.Assigned != 0 || n.Written != 2 {
		t.Errorf("pass %+v, want both linked and written", n)
	}
	if got, want := portal.MustRow(t, 1), (centraltest.IDs{Number: c.Number(t, 1), HH: "0000101", PE: "00000201"}); got != want {
		t.Errorf("Jürgen's row %+v, want %+v", got, want)
	}
	if got, want := portal.MustRow(t, 2), (centraltest.IDs{Number: c.Number(t, 3), HH: "0000102", PE: "00000203"}); got != want {
		t.Errorf("Zoë's row %+v, want %+v", got, want)
	}
}

// TestImport_AfterRegistration: persons who registered first are found by
// the import: by the PE-ID keysync gave them (Wibisoft entered them from
// the file back), by the customer number, or by the identity rules; one
// whom Wibisoft gave other ids is a conflict, and neither the person nor
// the portal row changes.
func TestImport_AfterRegistration(t *testing.T) {
	t.Parallel()
	c := newCentral(t)
	portal := c.Typo3(t, "amicas")
	testdb.InsertFeUsers(t, portal.DB, []testdb.FeUser{
		centraltest.User("anna", "Anna", "Berger", "anna@berger.at"),
		centraltest.User("berta", "Berta", "Huber", "berta@huber.at"),
		centraltest.User("carl", "Carl", "Maier", "carl@maier.at"),
	})
	mustPass(t, c, portal)
	before := portal.MustRows(t)
	anna, berta, carl := before[1], before[2], before[3]
	file := strings.Join([]string{header + ";Kundennummer",
		anna.HH + ";" + anna.PE + ";Frau;;Anna;Berger;;;;;AT;anna@berger.at;;",
		"0700001;07000001;Frau;;Berta;Huber;;;;;AT;berta@huber.at;;",
		carl.HH + ";" + carl.PE + ";Herr;;Carl;Maier;;;;;AT;;;" + carl.Number,
	}, "\n")
	preview := mustImport(t, c, file, true)
	r := mustImport(t, c, file, false)
	const want = "rows=3 matched=1/1/1 new=0 updated=0 unchanged=0 conflicting=1 rejected=0"
	for _, got := range []string{counts(preview), counts(r)} {
		if got != want {
			t.Errorf("import %s, want %s", got, want)
		}
	}
	if len(r.Conflicts) != 1 || r.Conflicts[0].Kind != "wibisoft_mismatch" || r.Conflicts[0].Number != berta.Number || r.Conflicts[0].Line != 3 {
		t.Errorf("conflicts %+v, want wibisoft_mismatch for Berta on line 3", r.Conflicts)
	}
	mustPass(t, c, portal)
	if after := portal.MustRows(t); !maps.Equal(after, before) {
		t.Errorf("portal rows changed: %v, were %v", after, before)
	}
	if n := c.MustCount(t, "persons", "number = ? AND hh_id = ? AND pe_id = ?", berta.Number, berta.HH, berta.PE); n != 1 {
		t.Error("Berta's ids changed")
	}
	if n := c.MustCount(t, "accounts", "source = 'wibisoft'"); n != 2 {
		t.Errorf("%d imported rows linked, want Anna's and Carl's", n)
	}
	wantFileBack(t, c, map[string]string{
		anna.Number:  anna.HH + "|" + anna.PE + "|Anna|Berger||" + anna.Number,
		berta.Number: berta.HH + "|" + berta.PE + "|Berta|Huber|berta@huber.at|" + berta.Number,
		carl.Number:  carl.HH + "|" + carl.PE + "|Carl|Maier||" + carl.Number,
	})
	if got := counts(mustImport(t, c, file, false)); got != "rows=3 matched=0/0/1 new=0 updated=0 unchanged=2 conflicting=1 rejected=0" {
		t.Errorf("second import %s", got)
	}
	if n := c.MustCount(t, "conflicts", "kind = 'wibisoft_mismatch'"); n != 1 {
		t.Errorf("%d wibisoft_mismatch conflicts after two imports, want 1", n)
	}
}

// TestImport_Interrupted: an import stopped after its first batch keeps
// that batch; the same file imported again gives what an uninterrupted
// import gives.
func TestImport_Interrupted(t *testing.T) {
	t.Parallel()
	lines := []string{header}
	for i := range 7 {
		lines = append(lines, fmt.Sprintf("%07d;%08d;Herr;;Vorname%c;Nachname%c;;Gasse %d;1010;Wien;AT;;", 300+i/2, 400+i, 'A'+i, 'A'+i, i/2))
	}
	file := strings.Join(lines, "\n")

	whole := newCentral(t)
	mustImport(t, whole, file, false)

	c := newCentral(t)
	ctx, cancel := context.WithCancel(t.Context())
	im := &wibisoft.Importer{Store: c.Store, BatchSize: 2, By: "anna", AfterBatch: func(int) { cancel() }}
	r, err := im.Import(ctx, t.Context(), "personen.csv", mustRead(t, []byte(file), wibisoft.DefaultColumns))
	if err == nil || r.Applied != 2 || !strings.Contains(err.Error(), "interrupted after 2 of 7 rows") {
		t.Fatalf("interrupted import: applied %d, %v", r.Applied, err)
	}
	if n := c.MustCount(t, "persons", ""); n != 2 {
		t.Errorf("%d persons after the first batch, want 2", n)
	}
	if got, want := counts(mustImport(t, c, file, false)), "rows=7 matched=0/0/0 new=5 updated=0 unchanged=2 conflicting=0 rejected=0"; got != want {
		t.Errorf("import again %s, want %s", got, want)
	}
	if got, want := persons(t, c), persons(t, whole); !slices.Equal(got, want) {
		t.Errorf("persons %v, want those of an uninterrupted import %v", got, want)
	}
	if n := c.MustCount(t, "events", "kind = 'imported'"); n != 2 {
		t.Errorf("%d import events, want the interrupted one and the second", n)
	}
}

// wantFileBack writes the file back to Wibisoft from the central feed and
// reads it back: per number the ids, names, e-mail and number. Persons an
// import carried are known to Wibisoft and get their keys only.
func wantFileBack(t *testing.T, c *centraltest.Central, want map[string]string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "an-wibisoft.csv")
	sink, err := sinkwibisoft.New(sinkwibisoft.Config{Name: "wibisoft", Path: path})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sink.Export(t.Context(), keysync.Delivery{Full: true, Persons: c.Store.Feed().Persons(t.Context(), nil)}); err != nil {
		t.Fatalf("Export: %v", err)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, row := range mustRead(t, raw, wibisoft.DefaultColumns).Rows {
		a := row.Account
		got[a.Number] = strings.Join([]string{a.HH, a.PE, a.FirstName, a.LastName, a.Email, a.Number}, "|")
	}
	if len(got) != len(want) {
		t.Errorf("file back %v, want %v", got, want)
	}
	for n, w := range want {
		if got[n] != w {
			t.Errorf("file back: %s is %q, want %q", n, got[n], w)
		}
	}
}
