package csvfile_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"keysync/internal/sinktest"
	"keysync/sinks/columns"
	"keysync/sinks/csvfile"
	keysync "keysync/sync"
)

func export(tb testing.TB, cfg csvfile.Config, d keysync.Delivery) keysync.Result {
	tb.Helper()
	s, err := csvfile.New(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	res, err := s.Export(tb.Context(), d)
	if err != nil {
		tb.Fatal(err)
	}
	return res
}

// persons are an active person with values a spreadsheet would evaluate,
// one who left and one merged.
func persons() []keysync.PersonRecord {
	reg := time.Date(2021, 3, 4, 12, 0, 0, 0, time.Local)
	return []keysync.PersonRecord{{
		Number: "000000013", HH: "0004711", PE: "00012345", Status: keysync.PersonActive, Registered: reg, Changed: reg,
		Fields: map[keysync.Field]string{"salutation": "Frau", "title": "Mag.a", "first_name": "Zoë",
			"last_name": "=cmd|' /C calc'!A0", "birth_date": "1980-02-29", "street": "Hauptstraße 1\nStiege 2; Top 3",
			"zip": "01067", "city": "Dresden", "country": "DE", "email": "@zoe", "mobile": "+43 664 1234567",
			"phone": "-2+3+cmd|' /C calc'!A0", "company": "Huber, \"Söhne\"", "memberships": "amicas: Mitglied; club: Mitglied"},
	}, {
		Number: "000000021", Status: keysync.PersonLeft, Registered: reg, Changed: reg, Left: reg,
		Fields: map[keysync.Field]string{"first_name": "Jörg", "last_name": "Huber"},
	}, {
		Number: "000000039", Status: keysync.PersonRetired, MergedInto: "000000013", Registered: reg, Changed: reg, Left: reg,
		Fields: map[keysync.Field]string{"first_name": "Zoe", "last_name": "Ollinger"},
	}}
}

// TestExcel_AsAustrianExcelOpensIt: a byte order mark, ';', CRLF, a
// header, every person (those who left marked), values that would start
// a formula neutralised with an apostrophe, separators, quotes and line
// breaks inside values kept.
func TestExcel_AsAustrianExcelOpensIt(t *testing.T) {
	t.Parallel()
	sinktest.NeedPython(t, "csv", "python3")
	path := filepath.Join(t.TempDir(), "liste.csv")
	res := export(t, csvfile.Config{Name: "liste", Kind: csvfile.Excel, Path: path},
		keysync.Delivery{Full: true, Persons: sinktest.Seq(persons()...)})
	if res.Written != 3 || res.Removed != 0 {
		t.Errorf("result %+v, want all 3 written", res)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(raw, []byte("\xEF\xBB\xBFKundennummer;HH-ID;PE-ID;Anrede;")) || !bytes.HasSuffix(raw, []byte("\r\n")) {
		t.Errorf("file starts %q, want a BOM and the ';' header, CRLF", raw[:40])
	}
	if n, crlf := bytes.Count(raw, []byte("\n")), bytes.Count(raw, []byte("\r\n")); n != crlf {
		t.Errorf("%d line ends, %d of them CRLF", n, crlf)
	}
	rows := sinktest.ReadCSV(t, path, ";")
	if len(rows) != 4 {
		t.Fatalf("%d rows, want the header and 3", len(rows))
	}
	want := []string{"000000013", "0004711", "00012345", "Frau", "Mag.a", "Zoë", "'=cmd|' /C calc'!A0",
		"29.02.1980", "Hauptstraße 1\r\nStiege 2; Top 3", "01067", "Dresden", "DE", "'@zoe",
		"'-2+3+cmd|' /C calc'!A0", "'+43 664 1234567", "Huber, \"Söhne\"", "amicas: Mitglied; club: Mitglied",
		"04.03.2021", "04.03.2021", "aktiv", ""}
	if got := strings.Join(rows[1], "|"); got != strings.Join(want, "|") {
		t.Errorf("row\n%s\nwant\n%s", got, strings.Join(want, "|"))
	}
	if rows[2][19] != "ausgetreten" || rows[2][20] != "04.03.2021" || rows[3][19] != "zusammengeführt in 000000013" {
		t.Errorf("left and merged rows: %v / %v", rows[2][19:], rows[3][19:])
	}
}

// TestOutlook_ImportColumns: Outlook's English or German header set, the
// active persons only, the number in User 1 and in the notes, phone
// numbers as typed while formulas are neutralised, the birthday as the
// locale writes dates.
func TestOutlook_ImportColumns(t *testing.T) {
	t.Parallel()
	sinktest.NeedPython(t, "csv", "python3")
	for _, tc := range []struct {
		lang     columns.Lang
		header   string
		birthday string
		notes    string
	}{
		{columns.English, "Title,First Name,Last Name,Company,Home Street,Home City,Home Postal Code,Home Country/Region,Home Phone,Mobile Phone,E-mail Address,Birthday,User 1,Categories,Notes",
			"2/29/1980", "Customer number: 000000013\r\nHH-ID: 0004711\r\nPE-ID: 00012345"},
		{columns.German, "Anrede,Vorname,Nachname,Firma,Straße privat,Ort privat,Postleitzahl privat,Land/Region privat,Telefon (privat),Mobiltelefon,E-Mail-Adresse,Geburtstag,Benutzer 1,Kategorien,Notizen",
			"29.02.1980", "Kundennummer: 000000013\r\nHH-ID: 0004711\r\nPE-ID: 00012345"},
	} {
		path := filepath.Join(t.TempDir(), "outlook.csv")
		changed := map[string]bool{"000000013": true, "000000021": true}
		res := export(t, csvfile.Config{Name: "outlook", Kind: csvfile.Outlook, Path: path, Lang: tc.lang},
			keysync.Delivery{Full: true, Persons: sinktest.Seq(persons()...), Changed: func(n string) bool { return changed[n] }})
		if res.Written != 1 || res.Changed != 1 || res.Removed != 1 {
			t.Errorf("%s: result %+v, want 1 written and changed, 1 removed (the merged one did not change)", tc.lang, res)
		}
		rows := sinktest.ReadCSV(t, path, ",")
		if len(rows) != 2 || strings.Join(rows[0], ",") != tc.header {
			t.Fatalf("%s: rows %q, want the header\n%s\nand one person", tc.lang, rows, tc.header)
		}
		want := []string{"Frau Mag.a", "Zoë", "'=cmd|' /C calc'!A0", "Huber, \"Söhne\"", "Hauptstraße 1\r\nStiege 2; Top 3",
			"Dresden", "01067", "DE", "'-2+3+cmd|' /C calc'!A0", "+43 664 1234567", "'@zoe", tc.birthday, "000000013",
			"amicas: Mitglied; club: Mitglied", tc.notes}
		if got := strings.Join(rows[1], "|"); got != strings.Join(want, "|") {
			t.Errorf("%s: row\n%s\nwant\n%s", tc.lang, got, strings.Join(want, "|"))
		}
	}
}

// TestNew_RefusesUnknownKindAndMissingPath.
func TestNew_RefusesUnknownKindAndMissingPath(t *testing.T) {
	t.Parallel()
	if _, err := csvfile.New(csvfile.Config{Kind: "tsv", Path: "/x"}); err == nil || !strings.Contains(err.Error(), `"tsv"`) {
		t.Errorf("err=%v, want one naming the kind", err)
	}
	if _, err := csvfile.New(csvfile.Config{Kind: csvfile.Excel}); err == nil {
		t.Error("no path accepted")
	}
}
