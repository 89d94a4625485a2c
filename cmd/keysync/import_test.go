package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/text/encoding/charmap"

	"keysync/internal/testdb"
)

// wibisoftExport is a Wibisoft export in Windows-1252, as Wibisoft writes
// it on an Austrian Windows: a household over two rows and one bad row.
func wibisoftExport(t *testing.T, dir string) string {
	t.Helper()
	text := strings.Join([]string{
		"HH-ID;PE-ID;Anrede;Titel;Vorname;Nachname;Geburtsdatum;Straße;PLZ;Ort;Land;E-Mail;Telefon",
		"0000101;00000201;Herr;;Jürgen;Müller;17.05.1980;Hauptstraße 1;1010;Wien;AT;juergen@mueller.at;",
		"0000101;00000202;Frau;;Sabine;Müller;31.02.1982;Hauptstraße 1;1010;Wien;AT;sabine@mueller.at;",
		"0000101;00000203;Frau;;Lena;Müller;;Hauptstraße 1;1010;Wien;AT;;",
	}, "\r\n") + "\r\n"
	raw, err := charmap.Windows1252.NewEncoder().Bytes([]byte(text))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "Personen Export.csv")
	if err := os.WriteFile(path, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestImportCommand: the preview and the import as an operator runs them,
// with their exit codes: 3 while a row is rejected, 2 for a file that is
// no export as configured and for a bad KEYSYNC_WIBISOFT_COLUMNS; then a
// registration of an imported person gets Wibisoft's ids.
func TestImportCommand(t *testing.T) {
	t.Parallel()
	s := newSite(t, "amicas")
	s.mustRun(0, "migrate")
	path := wibisoftExport(t, t.TempDir())

	r := s.mustRun(3, "import", "wibisoft", path, "--dry-run", "--json")
	var rep struct {
		DryRun     bool   `json:"dry_run"`
		Encoding   string `json:"encoding"`
		New        int    `json:"new"`
		Rejected   int    `json:"rejected"`
		Rejections []struct {
			Line   int    `json:"line"`
			Reason string `json:"reason"`
		} `json:"rejections"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatalf("--json: %v\n%s", err, r.stdout)
	}
	if !rep.DryRun || rep.Encoding != "Windows-1252" || rep.New != 2 || rep.Rejected != 1 ||
		len(rep.Rejections) != 1 || rep.Rejections[0].Line != 3 || !strings.Contains(rep.Rejections[0].Reason, "invalid date") {
		t.Errorf("preview %+v", rep)
	}
	if n := scalar[int](t, s.central, "SELECT COUNT(*) FROM persons"); n != 0 {
		t.Fatalf("the preview created %d persons", n)
	}

	r = s.mustRun(3, "import", "wibisoft", path, "--by", "buchhaltung")
	for _, want := range []string{"imported Personen Export.csv (Windows-1252", "new:         2", "line 3: rejected: invalid date"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, r.stdout)
		}
	}
	if n := scalar[int](t, s.central, "SELECT COUNT(*) FROM events WHERE kind = 'imported' AND actor = 'buchhaltung' AND new_value = 'Personen Export.csv'"); n != 1 {
		t.Errorf("%d import events by buchhaltung, want 1", n)
	}

	testdb.InsertFeUsers(t, s.portals["amicas"], []testdb.FeUser{
		{Pid: 5, Username: "juergen", FirstName: "Jürgen", LastName: "Müller", Email: "juergen@mueller.at"},
		{Pid: 5, Username: "lukasz", FirstName: "Łukasz", LastName: "Nowak", Email: "lukasz@nowak.at", City: "Wien"},
	})
	s.mustRun(0, "once")
	rows := s.rows("amicas")
	if row := rows[1]; row.hh != "0000101" || row.pe != "00000201" || row.number == "" {
		t.Errorf("the registration got %+v, want Wibisoft's ids and a number", row)
	}

	// The file back: Łukasz, whom Wibisoft does not know, in full; the
	// Müllers it knows with their keys; the Ł Windows-1252 lacks counted.
	back := filepath.Join(t.TempDir(), "an-wibisoft.csv")
	r = s.run(s.with("KEYSYNC_SINKS=ws", "KEYSYNC_SINK_WS_KIND=wibisoft", "KEYSYNC_SINK_WS_PATH="+back), "export", "--json")
	if r.code != 0 || !strings.Contains(r.stdout, `"replaced": 1`) {
		t.Fatalf("export: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	raw, err := os.ReadFile(back)
	if err != nil {
		t.Fatal(err)
	}
	text, err := charmap.Windows1252.NewDecoder().String(string(raw))
	if err != nil {
		t.Fatal(err)
	}
	lukasz := rows[2]
	for _, want := range []string{
		"0000101;00000201;;;Jürgen;Müller;;;;;;;;" + rows[1].number + ";\r\n",
		lukasz.hh + ";" + lukasz.pe + ";;;?ukasz;Nowak;;;;Wien;;lukasz@nowak.at;;" + lukasz.number + ";\r\n",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("the file back lacks %q:\n%s", want, text)
		}
	}

	other := filepath.Join(t.TempDir(), "x.csv")
	if err := os.WriteFile(other, []byte("Nummer;Name\n1;Huber\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if r := s.mustRun(2, "import", "wibisoft", other); !strings.Contains(r.stderr, `lacks the columns "HH-ID" (hh_id), "PE-ID" (pe_id)`) {
		t.Errorf("stderr %s", r.stderr)
	}
	if r := s.run(s.with("KEYSYNC_WIBISOFT_COLUMNS=pe_id"), "import", "wibisoft", path); r.code != 2 ||
		!strings.Contains(r.stderr, "KEYSYNC_WIBISOFT_COLUMNS") || !strings.Contains(r.stderr, `"pe_id" is not key=Header`) {
		t.Errorf("bad columns: exit %d, stderr %s", r.code, r.stderr)
	}
	s.mustRun(2, "import", "combit", path)
	s.mustRun(2, "import", "wibisoft")
}
