package wibisoft_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"keysync/internal/sinktest"
	"keysync/sinks/wibisoft"
	file "keysync/sources/wibisoft"
	keysync "keysync/sync"
)

var now = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

func records() []keysync.PersonRecord {
	f := func(kv ...string) map[keysync.Field]string {
		m := map[keysync.Field]string{}
		for i := 0; i < len(kv); i += 2 {
			m[keysync.Field(kv[i])] = kv[i+1]
		}
		return m
	}
	return []keysync.PersonRecord{
		{Number: "000000013", HH: "0000001", PE: "00000001", Status: keysync.PersonActive, Fields: f(
			"salutation", "Herr", "title", "Dr.", "first_name", "Jürgen", "last_name", "Müller", "birth_date", "1980-05-17",
			"street", "Hauptstraße 10/4/15", "zip", "1010", "city", "Wien", "country", "AT", "email", "juergen@mueller.at",
			"phone", "+43 1 234", "mobile", "0664 1234567")},
		{Number: "000000021", HH: "0000002", PE: "00000002", Status: keysync.PersonActive, Fields: f(
			"first_name", "Łukasz", "last_name", "Wójcik; jun.", "city", "Kraków")},
		{Number: "000000039", HH: "0100001", PE: "02000001", Status: keysync.PersonActive, Wibisoft: true, Fields: f(
			"first_name", "Sabine", "last_name", "Gruber", "city", "Graz")},
		{Number: "000000047", HH: "0000003", PE: "00000003", Status: keysync.PersonLeft, Fields: f(
			"first_name", "Otto", "last_name", "Moser")},
	}
}

func mustExport(t *testing.T, cfg wibisoft.Config) keysync.Result {
	t.Helper()
	s, err := wibisoft.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	res, err := s.Export(t.Context(), keysync.Delivery{Full: true, Persons: sinktest.Seq(records()...)})
	if err != nil {
		t.Fatalf("Export: %v", err)
	}
	return res
}

// readBack reads the file through the Wibisoft import's own reader.
func readBack(t *testing.T, path string) *file.File {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	f, err := file.Read(bytes.NewReader(raw), file.DefaultColumns, file.Limits{HHLen: 32, PELen: 32, Now: now})
	if err != nil {
		t.Fatalf("read back: %v", err)
	}
	if len(f.Rejected) > 0 {
		t.Fatalf("read back rejected %+v", f.Rejected)
	}
	return f
}

// TestExport_Windows1252: the file is Windows-1252 by default: umlauts as
// the code page has them, a character it lacks written as '?' and
// counted; persons Wibisoft does not know are written in full for entry,
// those it knows with their ids, names and customer number only, those who left
// not at all; the import reads the file back.
func TestExport_Windows1252(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "an-wibisoft.csv")
	res := mustExport(t, wibisoft.Config{Name: "wibisoft", Path: path})
	if res.Written != 3 || res.Replaced != 1 || res.Where != path {
		t.Errorf("result %+v, want 3 written and 1 character replaced", res)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(raw, []byte("HH-ID;PE-ID;Anrede;Titel;Vorname;Nachname;Geburtsdatum;Stra\xdfe;PLZ;Ort;Land;E-Mail;Telefon;Kundennummer;Mobil\r\n")) {
		t.Errorf("header %q", raw[:min(len(raw), 140)])
	}
	if !bytes.Contains(raw, []byte("J\xfcrgen;M\xfcller;17.05.1980")) || !bytes.Contains(raw, []byte(";?ukasz;\"W\xf3jcik; jun.\";")) {
		t.Errorf("file %q", raw)
	}

	// Python's csv module reads it as Windows-1252 too.
	sinktest.NeedPython(t, "csv", "python3")
	var rows [][]string
	out := sinktest.RunPython(t, `
import csv, json, sys
with open(sys.argv[1], encoding="cp1252", newline="") as f:
    print(json.dumps(list(csv.reader(f, delimiter=";"))))
`, path)
	if err := json.Unmarshal(out, &rows); err != nil {
		t.Fatal(err)
	}
	if len(rows) != 4 || rows[0][7] != "Straße" || rows[1][4] != "Jürgen" || rows[2][5] != "Wójcik; jun." {
		t.Errorf("python read %q", rows)
	}

	f := readBack(t, path)
	if f.Encoding != "Windows-1252" || len(f.Rows) != 3 {
		t.Fatalf("read back %s, %d rows", f.Encoding, len(f.Rows))
	}
	j := f.Rows[0].Account
	got := strings.Join([]string{j.HH, j.PE, j.Number, j.Salutation, j.Title, j.FirstName, j.LastName, j.BirthDate, j.Street, j.Zip, j.City, j.Country, j.Email, j.Phone, j.Mobile}, "|")
	if want := "0000001|00000001|000000013|Herr|Dr.|Jürgen|Müller|1980-05-17|Hauptstraße 10/4/15|1010|Wien|AT|juergen@mueller.at|+43 1 234|0664 1234567"; got != want {
		t.Errorf("Jürgen read back as\n%s\nwant\n%s", got, want)
	}
	if l := f.Rows[1].Account; l.FirstName != "?ukasz" || l.LastName != "Wójcik; jun." || l.City != "Kraków" {
		t.Errorf("Łukasz read back as %+v", l)
	}
	if s := f.Rows[2].Account; s.PE != "02000001" || s.HH != "0100001" || s.Number != "000000039" || s.FirstName != "Sabine" || s.LastName != "Gruber" || s.City != "" {
		t.Errorf("the person Wibisoft knows written as %+v, want ids, names and number only", s)
	}
}

// TestExport_UTF8AndColumns: _ENCODING utf-8 keeps every character, and
// KEYSYNC_WIBISOFT_COLUMNS's headers are written; a second export
// replaces the file.
func TestExport_UTF8AndColumns(t *testing.T) {
	t.Parallel()
	cols, err := file.ParseColumns("pe_id=Personennummer,mobile=")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "an-wibisoft.csv")
	if err := os.WriteFile(path, []byte("old content"), 0o600); err != nil {
		t.Fatal(err)
	}
	if res := mustExport(t, wibisoft.Config{Name: "wibisoft", Path: path, Encoding: "UTF-8", Columns: cols}); res.Replaced != 0 {
		t.Errorf("replaced %d characters in UTF-8", res.Replaced)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(raw, []byte("HH-ID;Personennummer;Anrede;")) || !bytes.HasSuffix(bytes.SplitN(raw, []byte("\r\n"), 2)[0], []byte(";Kundennummer")) {
		t.Errorf("header of %q", raw)
	}
	if !bytes.Contains(raw, []byte(";Łukasz;")) {
		t.Errorf("UTF-8 file %q", raw)
	}
}

// TestNew_Refuses: an unknown encoding, and columns without the customer
// number.
func TestNew_Refuses(t *testing.T) {
	t.Parallel()
	if _, err := wibisoft.New(wibisoft.Config{Path: "x.csv", Encoding: "latin9"}); err == nil || !strings.Contains(err.Error(), `encoding "latin9"`) {
		t.Errorf("latin9: %v", err)
	}
	cols, err := file.ParseColumns("number=")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := wibisoft.New(wibisoft.Config{Path: "x.csv", Columns: cols}); err == nil || !strings.Contains(err.Error(), "Kundennummer") {
		t.Errorf("without the number: %v", err)
	}
}
