package wibisoft_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/encoding/charmap"

	"keysync/sources/wibisoft"
	keysync "keysync/sync"
)

var now = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

var limits = wibisoft.Limits{HHLen: 32, PELen: 32, Now: now}

const header = "HH-ID;PE-ID;Anrede;Titel;Vorname;Nachname;Geburtsdatum;Straße;PLZ;Ort;Land;E-Mail;Telefon"

// exportText is a Wibisoft export with umlauts and a household of two
// rows, in CRLF as Windows writes it.
var exportText = strings.Join([]string{
	header + ";Kundennummer",
	"0100001;0200001;Herr;Dr.;Jürgen;Müller;17.05.1980;Hauptstraße 10/4/15;1010;Wien;Österreich;juergen@mueller.at;+43 1 234;",
	"0100001;0200002;Frau;;Sabine;Müller;03.02.1982;Hauptstraße 10/4/15;1010;Wien;AT;sabine@mueller.at;;",
	"0100002;0200003;Frau;;Zoë;Weiß;;Gürtel 3;8010;Graz;A;zoe@example.at;;",
}, "\r\n") + "\r\n"

func mustRead(t *testing.T, raw []byte, cols []wibisoft.Column) *wibisoft.File {
	t.Helper()
	f, err := wibisoft.Read(bytes.NewReader(raw), cols, limits)
	if err != nil {
		t.Fatalf("Read: %v", err)
	}
	return f
}

func windows1252(t *testing.T, s string) []byte {
	t.Helper()
	b, err := charmap.Windows1252.NewEncoder().Bytes([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestRead_Encodings: the same export in UTF-8 with and without a byte
// order mark and in Windows-1252 reads the same, umlauts and ß included.
func TestRead_Encodings(t *testing.T) {
	for _, tt := range []struct {
		name, encoding string
		raw            []byte
	}{
		{"utf-8 with bom", "UTF-8", append([]byte("\xef\xbb\xbf"), exportText...)},
		{"utf-8", "UTF-8", []byte(exportText)},
		{"windows-1252", "Windows-1252", windows1252(t, exportText)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := mustRead(t, tt.raw, wibisoft.DefaultColumns)
			if f.Encoding != tt.encoding {
				t.Errorf("encoding %s, want %s", f.Encoding, tt.encoding)
			}
			if len(f.Rejected) != 0 || len(f.Rows) != 3 {
				t.Fatalf("rows %d, rejected %v, want 3 rows", len(f.Rows), f.Rejected)
			}
			a := f.Rows[0].Account
			got := []string{a.Source, a.HH, a.PE, a.Salutation, a.Title, a.FirstName, a.LastName, a.BirthDate, a.Street, a.Zip, a.City, a.Country, a.Email, a.Phone}
			want := []string{keysync.WibisoftSource, "0100001", "0200001", "Herr", "Dr.", "Jürgen", "Müller", "1980-05-17", "Hauptstraße 10/4/15", "1010", "Wien", "AT", "juergen@mueller.at", "+43 1 234"}
			if strings.Join(got, "|") != strings.Join(want, "|") {
				t.Errorf("row 1 read as\n%q\nwant\n%q", got, want)
			}
			if z := f.Rows[2].Account; z.FirstName != "Zoë" || z.LastName != "Weiß" || z.Country != "AT" || z.Street != "Gürtel 3" {
				t.Errorf("row 3 read as %+v", z)
			}
			if lines := [3]int{f.Rows[0].Line, f.Rows[1].Line, f.Rows[2].Line}; lines != [3]int{2, 3, 4} {
				t.Errorf("lines %v, want 2 3 4", lines)
			}
			if !f.Rows[0].Account.Active {
				t.Error("an imported row is not active")
			}
		})
	}
	utf8, ansi := mustRead(t, []byte(exportText), wibisoft.DefaultColumns), mustRead(t, windows1252(t, exportText), wibisoft.DefaultColumns)
	if utf8.SHA256 == ansi.SHA256 || len(utf8.SHA256) != 64 {
		t.Errorf("checksums %s and %s: want the file's own", utf8.SHA256, ansi.SHA256)
	}
}

// TestRead_Rejections: each bad row is rejected with its line and reason,
// and costs only that row; both rows of a PE-ID given twice are rejected.
func TestRead_Rejections(t *testing.T) {
	text := strings.Join([]string{
		header,
		"0100001;0200001;Herr;;Anton;Berger;01.01.1970;Weg 1;1010;Wien;AT;a@b.at;", // 2 good
		"0100001;0200002;Frau;;Berta;Berger;01.01.1971;Weg 1;1010;Wien;AT;b@b.at",  // 3 a column short
		"0100003;0200003;Herr;;;Huber;;;;;;;",                                      // 4 no first name
		"0100004;0200004;Herr;;Carl;Maier;31.02.1980;;;;;;",                        // 5 no such day
		"0100005;0200005;Herr;;Dora;Maier;12/24/1980;;;;;;",                        // 6 not a date
		"0100006;;Herr;;Emil;Gruber;;;;;;;",                                        // 7 no PE-ID
		"0100007;02 00\x1b7;Herr;;Fritz;Gruber;;;;;;;",                             // 8 escape in the id
		"0100008;0200008;Herr;;Gustav;Lang;;;;;;;",                                 // 9 PE twice
		"0100009;0200008;Frau;;Hanna;Lang;;;;;;;",                                  // 10 PE twice
		"0100010;0200010;Frau;;Ida;Kurz;01.01.2030;;;;;;",                          // 11 in the future
		"",
		"0100011;0200011;Herr;;Jakob;Kurz;;;;;;;", // 13 good after an empty line
	}, "\n")
	f := mustRead(t, []byte(text), wibisoft.DefaultColumns)
	want := []struct {
		line   int
		reason string
	}{
		{3, "missing column: the row has 12 columns, the header 13"},
		{4, "empty names"},
		{5, "invalid date"},
		{6, "invalid date"},
		{7, "invalid id: no PE-ID"},
		{8, "invalid id: the PE-ID"},
		{9, "duplicate PE-ID in the file: 0200008 is on lines 9, 10"},
		{10, "duplicate PE-ID in the file: 0200008 is on lines 9, 10"},
		{11, "invalid date"},
	}
	if len(f.Rejected) != len(want) {
		t.Fatalf("rejected %+v, want %d", f.Rejected, len(want))
	}
	for i, w := range want {
		if r := f.Rejected[i]; r.Line != w.line || !strings.Contains(r.Reason, w.reason) {
			t.Errorf("rejection %d: line %d %q, want line %d %q", i, r.Line, r.Reason, w.line, w.reason)
		}
	}
	if len(f.Rows) != 2 || f.Rows[0].Line != 2 || f.Rows[1].Line != 13 {
		t.Errorf("rows %+v, want lines 2 and 13", f.Rows)
	}
}

// TestRead_Header: a header lacking a column is no Wibisoft export and
// says which; KEYSYNC_WIBISOFT_COLUMNS's mapping reads other names; the
// optional columns are read when present.
func TestRead_Header(t *testing.T) {
	renamed := strings.Replace(header, "PE-ID", "Personennummer", 1) + ";Mobil\n0100001;0200001;Herr;;Anton;Berger;;;;;;;;0664 1\n"
	_, err := wibisoft.Read(strings.NewReader(renamed), wibisoft.DefaultColumns, limits)
	if !errors.Is(err, wibisoft.ErrHeader) || !strings.Contains(err.Error(), `"PE-ID" (pe_id)`) {
		t.Fatalf("Read=%v, want ErrHeader naming PE-ID", err)
	}
	cols, err := wibisoft.ParseColumns("pe_id=Personennummer")
	if err != nil {
		t.Fatal(err)
	}
	f := mustRead(t, []byte(renamed), cols)
	if a := f.Rows[0].Account; a.PE != "0200001" || a.Mobile != "0664 1" || a.Number != "" {
		t.Errorf("read %+v", a)
	}
	if _, err := wibisoft.Read(strings.NewReader(""), cols, limits); !errors.Is(err, wibisoft.ErrHeader) {
		t.Errorf("empty file: %v, want ErrHeader", err)
	}
	noTitle, err := wibisoft.ParseColumns("title=")
	if err != nil {
		t.Fatal(err)
	}
	short := strings.Replace(header, ";Titel", "", 1) + "\n0100001;0200001;Herr;Anton;Berger;;;;;;;\n"
	if f := mustRead(t, []byte(short), noTitle); len(f.Rows) != 1 || f.Rows[0].Account.LastName != "Berger" {
		t.Errorf("without Titel: %+v %+v", f.Rows, f.Rejected)
	}
}
