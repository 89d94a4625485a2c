package xlsx_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"keysync/internal/atomicfile"
	"keysync/internal/sinktest"
	"keysync/sinks/columns"
	"keysync/sinks/xlsx"
	keysync "keysync/sync"
)

// readBook is openpyxl (Debian's python3-openpyxl) reading the workbook in
// its normal mode: the sheet's parts and every cell as [value, type,
// number format], dates as ISO text.
const readBook = `
import json, sys, datetime, openpyxl
wb = openpyxl.load_workbook(sys.argv[1])
ws = wb.worksheets[0]
def cell(c):
    v = c.value
    if isinstance(v, datetime.datetime):
        v = v.date().isoformat()
    return [v, c.data_type, c.number_format]
t = list(ws.tables.values())
print(json.dumps({
    "sheet": ws.title,
    "freeze": ws.freeze_panes,
    "tables": [[x.name, x.ref, x.autoFilter.ref if x.autoFilter else None] for x in t],
    "widths": {k: d.width for k, d in ws.column_dimensions.items()},
    "rows": [[cell(c) for c in r] for r in ws.iter_rows()],
}))
`

type book struct {
	Sheet  string
	Freeze string
	Tables [][]*string
	Widths map[string]float64
	Rows   [][][]any
}

func readBack(tb testing.TB, path string) book {
	tb.Helper()
	var b book
	if err := json.Unmarshal(sinktest.RunPython(tb, readBook, path), &b); err != nil {
		tb.Fatal(err)
	}
	return b
}

func newSink(tb testing.TB, path string, lang columns.Lang) *xlsx.Sink {
	tb.Helper()
	s, err := xlsx.New(xlsx.Config{Name: "liste", Path: path, Lang: lang})
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

func full(persons ...keysync.PersonRecord) keysync.Delivery {
	return keysync.Delivery{Full: true, Persons: sinktest.Seq(persons...)}
}

func at(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, time.Local)
	if err != nil {
		panic(err)
	}
	return t
}

// tricky are persons whose values a spreadsheet likes to mangle.
func tricky() []keysync.PersonRecord {
	return []keysync.PersonRecord{{
		Number: "000000013", HH: "0004711", PE: "00012345", Status: keysync.PersonActive,
		Registered: at("2021-03-04 23:30"), Changed: at("2024-12-31 08:00"),
		Fields: map[keysync.Field]string{"salutation": "Frau", "title": "Mag.a", "first_name": "Zoë",
			"last_name": "Öllinger-Weiß", "birth_date": "1980-02-29", "street": "Hauptstraße 1/Stiege 2/Top 3",
			"zip": "01067", "city": "Dresden", "country": "DE", "email": "zoe@example.at",
			"mobile": "+43 664 1234567", "phone": "0043 1 234", "company": "=HYPERLINK(\"http://x\")",
			"memberships": "amicas: Mitglied; club: Mitglied"},
	}, {
		Number: "000000021", HH: "0004712", PE: "00012346", Status: keysync.PersonLeft,
		Registered: at("2019-01-02 10:00"), Changed: at("2024-05-06 10:00"), Left: at("2024-05-06 10:00"),
		Fields: map[keysync.Field]string{"salutation": "Herr", "first_name": "Jörg", "last_name": "Huber",
			"birth_date": "31.02.1980", "zip": "1010", "city": "Wien"},
	}, {
		Number: "000000039", HH: "0004712", PE: "00012347", Status: keysync.PersonRetired, MergedInto: "000000013",
		Registered: at("2020-07-08 10:00"), Changed: at("2023-01-01 00:30"), Left: at("2023-01-01 00:30"),
		Fields: map[keysync.Field]string{"first_name": "Zoe", "last_name": "Ollinger"},
	}}
}

// TestExport_OpenpyxlReadsTheList: German headers, frozen header, a table
// with its autofilter over every row, widths, ids, postcodes and phone
// numbers as text (leading zeros, +43, a formula left a string), dates as
// dates shown dd.mm.yyyy, persons who left kept and marked with the date.
func TestExport_OpenpyxlReadsTheList(t *testing.T) {
	t.Parallel()
	sinktest.NeedPython(t, "openpyxl", "python3-openpyxl")
	path := filepath.Join(t.TempDir(), "liste.xlsx")
	res, err := newSink(t, path, columns.German).Export(t.Context(), full(tricky()...))
	if err != nil {
		t.Fatal(err)
	}
	if res.Written != 3 || res.Changed != 3 || res.Removed != 0 || res.Where != path {
		t.Errorf("result %+v, want 3 written and changed, none removed, at %s", res, path)
	}
	b := readBack(t, path)
	if b.Sheet != "Personen" || b.Freeze != "A2" {
		t.Errorf("sheet %q frozen at %q, want Personen frozen at A2", b.Sheet, b.Freeze)
	}
	if got := fmt.Sprint(derefs(b.Tables)); got != "[[Personen A1:U4 A1:U4]]" {
		t.Errorf("tables %s, want one over A1:U4 with its autofilter", got)
	}
	if b.Widths["A"] != 14 || b.Widths["I"] != 28 {
		t.Errorf("widths A=%v I=%v, want 14 and 28", b.Widths["A"], b.Widths["I"])
	}
	wantHeader := "Kundennummer HH-ID PE-ID Anrede Titel Vorname Nachname Geburtsdatum Straße PLZ Ort Land " +
		"E-Mail Telefon Mobil Firma Mitgliedschaften Registriert Geändert Status Ausgetreten"
	if got := rowValues(b.Rows[0]); got != wantHeader {
		t.Errorf("header\n%s\nwant\n%s", got, wantHeader)
	}
	want := [][]string{
		{"000000013 s @", "0004711 s @", "00012345 s @", "Frau s @", "Mag.a s @", "Zoë s @",
			"Öllinger-Weiß s @", "1980-02-29 d dd.mm.yyyy", "Hauptstraße 1/Stiege 2/Top 3 s @", "01067 s @",
			"Dresden s @", "DE s @", "zoe@example.at s @", "0043 1 234 s @", "+43 664 1234567 s @",
			"=HYPERLINK(\"http://x\") s @", "amicas: Mitglied; club: Mitglied s @",
			"2021-03-04 d dd.mm.yyyy", "2024-12-31 d dd.mm.yyyy", "aktiv s @", "<nil> n General"},
		{"000000021 s @", "0004712 s @", "00012346 s @", "Herr s @", "<nil> n General", "Jörg s @", "Huber s @",
			"31.02.1980 s @", "<nil> n General", "1010 s @", "Wien s @", "<nil> n General", "<nil> n General", "<nil> n General",
			"<nil> n General", "<nil> n General", "<nil> n General", "2019-01-02 d dd.mm.yyyy", "2024-05-06 d dd.mm.yyyy",
			"ausgetreten s @", "2024-05-06 d dd.mm.yyyy"},
	}
	for i, w := range want {
		if got := cells(b.Rows[i+1]); strings.Join(got, " | ") != strings.Join(w, " | ") {
			t.Errorf("row %d\n%s\nwant\n%s", i+2, strings.Join(got, " | "), strings.Join(w, " | "))
		}
	}
	if got := cells(b.Rows[3])[19]; got != "zusammengeführt in 000000013 s @" {
		t.Errorf("merged person's status %q", got)
	}
}

func derefs(tables [][]*string) [][]string {
	var out [][]string
	for _, t := range tables {
		var row []string
		for _, s := range t {
			if s == nil {
				row = append(row, "<nil>")
			} else {
				row = append(row, *s)
			}
		}
		out = append(out, row)
	}
	return out
}

func cells(row [][]any) []string {
	out := make([]string, len(row))
	for i, c := range row {
		out[i] = fmt.Sprintf("%v %v %v", c[0], c[1], c[2])
	}
	return out
}

func rowValues(row [][]any) string {
	var out []string
	for _, c := range row {
		out = append(out, fmt.Sprint(c[0]))
	}
	return strings.Join(out, " ")
}

// TestExport_EnglishHeadersAndChosenColumns: _LANG=en and _FIELDS choose
// the headers and the columns, in the order given.
func TestExport_EnglishHeadersAndChosenColumns(t *testing.T) {
	t.Parallel()
	sinktest.NeedPython(t, "openpyxl", "python3-openpyxl")
	path := filepath.Join(t.TempDir(), "list.xlsx")
	cols, err := columns.Parse("last_name, number,status", columns.All, nil)
	if err != nil {
		t.Fatal(err)
	}
	s, err := xlsx.New(xlsx.Config{Name: "list", Path: path, Lang: columns.English, Columns: cols})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Export(t.Context(), full(tricky()...)); err != nil {
		t.Fatal(err)
	}
	b := readBack(t, path)
	var got []string
	for _, r := range b.Rows {
		got = append(got, rowValues(r))
	}
	want := "Last name Customer number Status|Öllinger-Weiß 000000013 active|Huber 000000021 left|Ollinger 000000039 merged into 000000013"
	if b.Sheet != "Persons" || strings.Join(got, "|") != want {
		t.Errorf("sheet %q rows\n%s\nwant\n%s", b.Sheet, strings.Join(got, "|"), want)
	}
}

// readStream is openpyxl's streaming reader, which trusts the sheet's
// <dimension>: every row as the values' text, dates as ISO dates.
const readStream = `
import sys, json, datetime, openpyxl
wb = openpyxl.load_workbook(sys.argv[1], read_only=True)
ws = wb.worksheets[0]
for r in ws.iter_rows(values_only=True):
    vals = ["" if v is None else (v.date().isoformat() if isinstance(v, datetime.datetime) else str(v)) for v in r]
    print(json.dumps("\t".join(vals).rstrip("\t")))
`

// TestExport_StreamingReaderSeesEveryRow: 3,000 generated persons come
// back whole from openpyxl's streaming reader, value for value.
func TestExport_StreamingReaderSeesEveryRow(t *testing.T) {
	t.Parallel()
	sinktest.NeedPython(t, "openpyxl", "python3-openpyxl")
	path := filepath.Join(t.TempDir(), "liste.xlsx")
	persons := sinktest.Collect(t, sinktest.Persons(7, 3000))
	if _, err := newSink(t, path, columns.German).Export(t.Context(), full(persons...)); err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, l := range strings.Split(strings.TrimRight(string(sinktest.RunPython(t, readStream, path)), "\n"), "\n") {
		var s string
		if err := json.Unmarshal([]byte(l), &s); err != nil {
			t.Fatal(err)
		}
		lines = append(lines, s)
	}
	if len(lines) != len(persons)+1 {
		t.Fatalf("%d rows read, want %d", len(lines), len(persons)+1)
	}
	for i, p := range persons {
		if got, want := lines[i+1], expectedLine(p); got != want {
			t.Fatalf("row %d\n%q\nwant\n%q", i+2, got, want)
		}
	}
}

func expectedLine(p keysync.PersonRecord) string {
	var vals []string
	for _, c := range columns.List {
		if d, ok := c.Date(p); ok {
			vals = append(vals, d.Format(time.DateOnly))
		} else {
			vals = append(vals, c.Text(p, columns.German))
		}
	}
	return strings.TrimRight(strings.Join(vals, "\t"), "\t")
}

// failingAfter yields the persons and then fails, as a central database
// that goes away in the middle of a full export.
func failingAfter(persons []keysync.PersonRecord, err error) iter.Seq2[keysync.PersonRecord, error] {
	return func(yield func(keysync.PersonRecord, error) bool) {
		for _, p := range persons {
			if !yield(p, nil) {
				return
			}
		}
		yield(keysync.PersonRecord{}, err)
	}
}

// TestExport_AFailureLeavesTheOldListWhole: an export that fails half way
// (the feed breaks off) or cannot replace the file (a folder in its place)
// reports it and leaves the old list as it was.
func TestExport_AFailureLeavesTheOldListWhole(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "liste.xlsx")
	s := newSink(t, path, columns.German)
	if _, err := s.Export(t.Context(), full(tricky()...)); err != nil {
		t.Fatal(err)
	}
	before, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	gone := errors.New("central database gone")
	_, err = s.Export(t.Context(), keysync.Delivery{Full: true, Persons: failingAfter(tricky()[:1], gone)})
	if !errors.Is(err, gone) {
		t.Errorf("err=%v, want the feed's", err)
	}
	if after, _ := os.ReadFile(path); !bytes.Equal(after, before) {
		t.Error("the list changed although the export failed")
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("folder holds %d entries, want only the list", len(entries))
	}

	held := filepath.Join(dir, "held.xlsx")
	if err := os.Mkdir(held, 0o755); err != nil {
		t.Fatal(err)
	}
	_, err = newSink(t, held, columns.German).Export(t.Context(), full(tricky()...))
	if !errors.Is(err, atomicfile.ErrNotReplaceable) || !strings.Contains(err.Error(), held) {
		t.Errorf("err=%v, want one naming %s that cannot be replaced", err, held)
	}
}

// TestExport_DryRunWritesNothing counts and leaves the folder empty.
func TestExport_DryRunWritesNothing(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	d := full(tricky()...)
	d.DryRun = true
	d.Changed = func(n string) bool { return n == "000000021" }
	res, err := newSink(t, filepath.Join(dir, "liste.xlsx"), columns.German).Export(t.Context(), d)
	if err != nil || res.Written != 3 || res.Changed != 1 {
		t.Errorf("dry run: %+v, %v; want 3 written, 1 changed", res, err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("a dry run wrote %d files", len(entries))
	}
}

// TestNew_RefusesAPathThatIsNoWorkbook names the path.
func TestNew_RefusesAPathThatIsNoWorkbook(t *testing.T) {
	t.Parallel()
	if _, err := xlsx.New(xlsx.Config{Name: "liste", Path: "/srv/liste.csv"}); err == nil || !strings.Contains(err.Error(), "/srv/liste.csv") {
		t.Errorf("err=%v, want one naming the path", err)
	}
}
