package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/text/encoding/charmap"

	"keysync/internal/testdb"
)

// wibisoftRows is the demo's export from Wibisoft: a household of two and
// a member who knows no portal. Franz Österreicher registers on a portal
// after the import.
var wibisoftRows = []string{
	"HH-ID;PE-ID;Anrede;Titel;Vorname;Nachname;Geburtsdatum;Straße;PLZ;Ort;Land;E-Mail;Telefon",
	"4711002;47110021;Herr;Mag.;Franz;Österreicher;;Mozartgasse 3;8010;Graz;AT;franz.oesterreicher@aon.at;0316 123456",
	"4711002;47110022;Frau;;Maria;Österreicher;02.11.1963;Mozartgasse 3;8010;Graz;AT;;0316 123456",
	"4711003;47110031;Frau;Dr.;Helga;Schön;28.02.1950;Grabenstraße 7;8010;Graz;AT;helga.schoen@gmx.at;",
}

// wibisoftFile writes the export as Wibisoft does: Windows-1252 with CRLF.
func (d *demo) wibisoftFile() (string, error) {
	text := strings.Join(wibisoftRows, "\r\n") + "\r\n"
	b, err := charmap.Windows1252.NewEncoder().Bytes([]byte(text))
	if err != nil {
		return "", fmt.Errorf("encode the Wibisoft file: %w", err)
	}
	path := filepath.Join(d.files, "wibisoft-personen.csv")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		return "", fmt.Errorf("write the Wibisoft file: %w", err)
	}
	return path, nil
}

// importWibisoft previews and imports a Wibisoft file, then has one of its
// persons register on a portal and shows that the row gets Wibisoft's ids.
func (d *demo) importWibisoft(ctx context.Context) error {
	d.heading("Wibisoft's persons: a file previewed, imported, and a person from it registering")
	path, err := d.wibisoftFile()
	if err != nil {
		return err
	}
	fmt.Fprintf(d.out, "Wibisoft's export, %s (Windows-1252, as Wibisoft writes it):\n", path)
	for _, row := range wibisoftRows {
		fmt.Fprintln(d.out, "  "+row)
	}
	if _, err := d.keysync(ctx, []int{0, 3}, "import", "wibisoft", path, "--dry-run"); err != nil {
		return err
	}
	if _, err := d.keysync(ctx, []int{0, 3}, "import", "wibisoft", path); err != nil {
		return err
	}
	return d.registerKnownPerson(ctx)
}

// registerKnownPerson registers Franz Österreicher on the club portal and
// runs a pass.
func (d *demo) registerKnownPerson(ctx context.Context) error {
	p := d.portal(portalClub)
	now := time.Now().Unix()
	u := testdb.FeUser{Pid: 5, Username: "foesterreicher", Password: passwordHash, Email: "franz.oesterreicher@aon.at",
		FirstName: "Franz", LastName: "Österreicher", Name: "Franz Österreicher", Title: "Mag.", Address: "Mozartgasse 3",
		Zip: "8010", City: "Graz", Country: "AT", Usergroup: "1", Crdate: now, Tstamp: now}
	ids, err := p.insert(ctx, []testdb.FeUser{u})
	if err != nil {
		return fmt.Errorf("%s: %w", p.name, err)
	}
	fmt.Fprintf(d.out, "\nFranz Österreicher registers on %s (uid %d) with the e-mail address Wibisoft has.\n", p.name, ids[0])
	if _, err := d.keysync(ctx, []int{0, 3}, "once"); err != nil {
		return err
	}
	rows, err := p.rows(ctx)
	if err != nil {
		return err
	}
	for _, r := range rows {
		if r.id == ids[0] {
			fmt.Fprintf(d.out, "\n  %s.fe_users uid %d: customer number %s, HH %s, PE %s\n", p.dbName, r.id, dash(r.number), dash(r.hh), dash(r.pe))
		}
	}
	d.say("", "He was found by his e-mail address and names: his account was linked to the number the",
		"import gave him, and his row holds Wibisoft's household and person ids, which keysync's own",
		"allocation skips from now on.")
	return nil
}

// printWibisoftBack prints the file back to Wibisoft as Wibisoft reads it
// (Windows-1252): the header, the first person Wibisoft does not know yet,
// and the persons of the import, which it knows by their PE-ID.
func (d *demo) printWibisoftBack() error {
	b, err := os.ReadFile(d.wibisoftBack())
	if err != nil {
		return fmt.Errorf("read the file back to Wibisoft: %w", err)
	}
	text, err := charmap.Windows1252.NewDecoder().Bytes(b)
	if err != nil {
		return fmt.Errorf("decode the file back to Wibisoft: %w", err)
	}
	fmt.Fprintf(d.out, "\nThe file back to Wibisoft, %s (Windows-1252):\n", d.wibisoftBack())
	lines := strings.Split(strings.TrimRight(string(text), "\r\n"), "\r\n")
	unknown, skipped := false, 0
	for i, line := range lines {
		switch {
		case i == 0 || knownToWibisoft(line):
			fmt.Fprintln(d.out, "  "+line)
		case !unknown:
			fmt.Fprintln(d.out, "  "+line)
			unknown = true
		default:
			skipped++
		}
	}
	fmt.Fprintf(d.out, "  (and %d more persons Wibisoft does not know yet)\n", skipped)
	d.say("", "Persons Wibisoft does not know yet come in full, for entry with keysync's ids; the persons of",
		"its own file come with their ids, names and customer number, keyed by the PE-ID.")
	return nil
}

// knownToWibisoft reports whether a line of the file back is a person of
// the demo's Wibisoft file.
func knownToWibisoft(line string) bool {
	for _, row := range wibisoftRows[1:] {
		pe := strings.Split(row, ";")[1]
		if strings.HasPrefix(line, strings.Split(row, ";")[0]+";"+pe+";") {
			return true
		}
	}
	return false
}
