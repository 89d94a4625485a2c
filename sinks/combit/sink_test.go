package combit_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"keysync/internal/atomicfile"
	"keysync/internal/sinktest"
	"keysync/sinks/columns"
	"keysync/sinks/combit"
	keysync "keysync/sync"
)

func readBack(tb testing.TB, path string) [][]string {
	tb.Helper()
	return sinktest.ReadCSV(tb, path, ";")
}

// numbersOf lists the first column below the header.
func numbersOf(rows [][]string) string {
	var out []string
	for _, r := range rows[1:] {
		out = append(out, r[0])
	}
	return strings.Join(out, ",")
}

func persons() []keysync.PersonRecord {
	day := time.Date(2024, 5, 6, 12, 0, 0, 0, time.Local)
	p := func(n string, st keysync.PersonStatus, last string) keysync.PersonRecord {
		r := keysync.PersonRecord{Number: n, Status: st, Registered: day, Changed: day,
			Fields: map[keysync.Field]string{"first_name": "Anna", "last_name": last, "zip": "01067"}}
		if st != keysync.PersonActive {
			r.Left = day
		}
		return r
	}
	return []keysync.PersonRecord{
		p("000000013", keysync.PersonActive, "Huber"),
		p("000000021", keysync.PersonActive, "=Gruber"),
		p("000000039", keysync.PersonLeft, "Moser"),
		p("000000047", keysync.PersonRetired, "Mayer"),
		p("000000055", keysync.PersonLeft, "Bauer"),
	}
}

// TestExport_FullChangesAndRemovals: the full file holds the active
// persons keyed by the customer number in the first column, the changes
// file those of them changed since the last delivery, the removals file
// those who left or were merged since then, with the date.
func TestExport_FullChangesAndRemovals(t *testing.T) {
	t.Parallel()
	sinktest.NeedPython(t, "csv", "python3")
	dir := t.TempDir()
	s, err := combit.New(combit.Config{Name: "crm", Path: filepath.Join(dir, "kunden.csv")})
	if err != nil {
		t.Fatal(err)
	}
	changed := map[string]bool{"000000021": true, "000000039": true, "000000047": true}
	res, err := s.Export(t.Context(), keysync.Delivery{Full: true, Persons: sinktest.Seq(persons()...),
		Changed: func(n string) bool { return changed[n] }})
	if err != nil {
		t.Fatal(err)
	}
	if res.Written != 2 || res.Changed != 1 || res.Removed != 2 {
		t.Errorf("result %+v, want 2 written, 1 changed, 2 removed", res)
	}
	full, changes, removed := s.Paths()
	if changes != filepath.Join(dir, "kunden-aenderungen.csv") || removed != filepath.Join(dir, "kunden-entfernt.csv") {
		t.Errorf("paths %s %s", changes, removed)
	}
	f := readBack(t, full)
	if f[0][0] != "Kundennummer" || len(f[0]) != 19 || numbersOf(f) != "000000013,000000021" {
		t.Errorf("full file %v", f)
	}
	if f[2][6] != "'=Gruber" || f[2][9] != "01067" {
		t.Errorf("row %v, want the formula neutralised and the postcode whole", f[2])
	}
	if c := readBack(t, changes); numbersOf(c) != "000000021" {
		t.Errorf("changes %v", c)
	}
	r := readBack(t, removed)
	want := "Kundennummer;Status;Ausgetreten|000000039;ausgetreten;06.05.2024|000000047;zusammengeführt;06.05.2024"
	var got []string
	for _, row := range r {
		got = append(got, strings.Join(row, ";"))
	}
	if strings.Join(got, "|") != want {
		t.Errorf("removals\n%s\nwant\n%s", strings.Join(got, "|"), want)
	}
}

// TestExport_OneFileHeldKeepsAllThreeOld: when one of the three cannot be
// replaced, none is, and the error names it.
func TestExport_OneFileHeldKeepsAllThreeOld(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	s, err := combit.New(combit.Config{Name: "crm", Path: filepath.Join(dir, "crm.csv"), Lang: columns.English})
	if err != nil {
		t.Fatal(err)
	}
	full, changes, removed := s.Paths()
	for _, p := range []string{full, removed} {
		if err := os.WriteFile(p, []byte("old"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(changes, 0o755); err != nil {
		t.Fatal(err)
	}
	_, err = s.Export(t.Context(), keysync.Delivery{Full: true, Persons: sinktest.Seq(persons()...)})
	if !errors.Is(err, atomicfile.ErrNotReplaceable) || !strings.Contains(err.Error(), changes) {
		t.Errorf("err=%v, want one naming %s", err, changes)
	}
	for _, p := range []string{full, removed} {
		if b, _ := os.ReadFile(p); string(b) != "old" {
			t.Errorf("%s was replaced although the set failed", p)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 3 {
		t.Errorf("%d entries, want the three targets and no temporary file", len(entries))
	}
}

// TestNew_NeedsTheKeyField: a field list without the customer number is
// refused, since combit matches on it.
func TestNew_NeedsTheKeyField(t *testing.T) {
	t.Parallel()
	cols, _ := columns.Parse("last_name,first_name", columns.All, nil)
	if _, err := combit.New(combit.Config{Path: "/srv/crm.csv", Columns: cols}); err == nil || !strings.Contains(err.Error(), "key field") {
		t.Errorf("err=%v, want the key field missing", err)
	}
	if _, err := combit.New(combit.Config{Path: "/srv/crm.xlsx"}); err == nil {
		t.Error("a path that is no .csv accepted")
	}
}
