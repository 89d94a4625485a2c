package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/xuri/excelize/v2"

	"keysync/internal/sinktest"
)

// The demo's sinks, as KEYSYNC_SINKS names them.
const (
	sinkList    = "liste"
	sinkOutlook = "outlook"
	sinkCRM     = "crm"
	sinkCards   = "karten"
	sinkBook    = "buch"
	sinkBack    = "wibisoft"
)

// listFields are the Excel list's columns in the demo: fewer than the
// default, so that a row fits on a screen.
const listFields = "number,hh_id,pe_id,first_name,last_name,street,zip,city,status,changed"

// sinkFiles are where the file sinks write, under the demo's folder.
func (d *demo) sinkFiles() (list, outlook, crm, cards string) {
	return filepath.Join(d.files, "Gesamt-Personen-Kontakt-Liste.xlsx"), filepath.Join(d.files, "outlook.csv"),
		filepath.Join(d.files, "combit.csv"), filepath.Join(d.files, "vcards")
}

// wibisoftBack is the file back to Wibisoft.
func (d *demo) wibisoftBack() string { return filepath.Join(d.files, "wibisoft-zurueck.csv") }

// sinkConfig is the sinks' configuration; the CardDAV book only when a
// Radicale runs.
func (d *demo) sinkConfig() []string {
	list, outlook, crm, cards := d.sinkFiles()
	names := []string{sinkList, sinkOutlook, sinkCRM, sinkCards, sinkBack}
	if d.radicale != nil {
		names = append(names, sinkBook)
	}
	env := []string{"KEYSYNC_SINKS=" + strings.Join(names, ","),
		"KEYSYNC_SINK_LISTE_KIND=xlsx", "KEYSYNC_SINK_LISTE_PATH=" + list, "KEYSYNC_SINK_LISTE_FIELDS=" + listFields,
		"KEYSYNC_SINK_OUTLOOK_KIND=outlook-csv", "KEYSYNC_SINK_OUTLOOK_PATH=" + outlook,
		"KEYSYNC_SINK_CRM_KIND=combit", "KEYSYNC_SINK_CRM_PATH=" + crm,
		"KEYSYNC_SINK_KARTEN_KIND=vcard", "KEYSYNC_SINK_KARTEN_PATH=" + cards,
		"KEYSYNC_SINK_WIBISOFT_KIND=wibisoft", "KEYSYNC_SINK_WIBISOFT_PATH=" + d.wibisoftBack(),
	}
	if d.radicale != nil {
		env = append(env, "KEYSYNC_SINK_BUCH_KIND=carddav", "KEYSYNC_SINK_BUCH_URL="+d.radicale.Book("kunden"),
			"KEYSYNC_SINK_BUCH_USER="+d.radicale.User, "KEYSYNC_SINK_BUCH_PASSWORD_FILE="+filepath.Join(d.files, "carddav.password"))
	}
	return env
}

// exportToSinks configures the sinks, exports every person, has a person
// move house in a portal and shows the change arrive: in the Excel list,
// and alone in combit's file of changes and in the address book.
func (d *demo) exportToSinks(ctx context.Context) error {
	d.heading("The master data goes out: the Excel list, Outlook, combit, vCards and the file back to Wibisoft")
	stop, err := d.startRadicale()
	if err != nil {
		return err
	}
	defer stop()
	_, _, _, cards := d.sinkFiles()
	if err := os.MkdirAll(cards, 0o755); err != nil {
		return fmt.Errorf("create the vCard folder: %w", err)
	}
	d.sinks = true
	fmt.Fprintln(d.out, "The sinks are configured beside the portals:")
	for _, kv := range d.sinkConfig() {
		fmt.Fprintln(d.out, "  "+kv)
	}
	if _, err := d.keysync(ctx, []int{0}, "export"); err != nil {
		return err
	}
	list, _, _, _ := d.sinkFiles()
	fmt.Fprintf(d.out, "\nThe Excel list as read back from %s:\n", list)
	if err := d.printList(list, ""); err != nil {
		return err
	}
	if err := d.printWibisoftBack(); err != nil {
		return err
	}
	if err := d.moveHouse(ctx); err != nil {
		return err
	}
	return d.forgetMember(ctx)
}

// moveHouse changes a member's address in one portal, runs a pass and an
// export, and shows what arrived.
func (d *demo) moveHouse(ctx context.Context) error {
	d.heading("Anna Gruber moves house and edits her address in amicas")
	p := d.portal(portalAmicas)
	const street, zip, city = "Elisabethstraße 50", "8010", "Graz"
	id := d.uids[d.reg("anna.gruber@gmx.at")]
	if _, err := p.db.ExecContext(ctx, "UPDATE fe_users SET address = ?, zip = ?, city = ?, tstamp = ? WHERE uid = ?", street, zip, city, time.Now().Unix(), id); err != nil {
		return fmt.Errorf("%s: change the address of uid %d: %w", p.name, id, err)
	}
	fmt.Fprintf(d.out, "  %s: UPDATE fe_users SET address = '%s', zip = '%s', city = '%s', tstamp = UNIX_TIMESTAMP() WHERE uid = %d\n", p.dbName, street, zip, city, id)
	if _, err := d.keysync(ctx, []int{0, 3}, "once"); err != nil {
		return err
	}
	if _, err := d.keysync(ctx, []int{0}, "export"); err != nil {
		return err
	}
	list, _, crm, _ := d.sinkFiles()
	fmt.Fprintf(d.out, "\nAnna Gruber's row in %s now:\n", filepath.Base(list))
	if err := d.printList(list, "Gruber"); err != nil {
		return err
	}
	changes := strings.TrimSuffix(crm, ".csv") + "-aenderungen.csv"
	fmt.Fprintf(d.out, "\ncombit's file of changes, %s, holds her alone:\n", changes)
	b, err := os.ReadFile(changes)
	if err != nil {
		return fmt.Errorf("read combit's changes: %w", err)
	}
	for line := range strings.Lines(strings.TrimPrefix(string(b), "\ufeff")) {
		fmt.Fprintln(d.out, "  "+strings.TrimRight(line, "\r\n"))
	}
	d.say("", "The files are snapshots, written anew with every person and the changed ones marked;")
	if d.radicale != nil {
		d.say("the address book on the CardDAV server is not: it got Anna Gruber's card alone (the line of buch above).")
	}
	return nil
}

// printList prints the rows of the Excel list as excelize reads them back;
// with match, only the header and the rows holding it.
func (d *demo) printList(path, match string) error {
	f, err := excelize.OpenFile(path)
	if err != nil {
		return fmt.Errorf("open the Excel list: %w", err)
	}
	defer f.Close()
	rows, err := f.GetRows(f.GetSheetName(0))
	if err != nil {
		return fmt.Errorf("read the Excel list: %w", err)
	}
	tw := tabwriter.NewWriter(d.out, 0, 0, 2, ' ', 0)
	for i, row := range rows {
		if i > 0 && match != "" && !strings.Contains(strings.Join(row, "\t"), match) {
			continue
		}
		fmt.Fprintln(tw, "  "+strings.Join(row, "\t"))
	}
	return tw.Flush()
}

// startRadicale starts Debian's Radicale on loopback for the CardDAV sink
// when it is installed, with its storage in the demo's folder; the
// returned function stops it.
func (d *demo) startRadicale() (stop func(), err error) {
	bin, err := exec.LookPath("radicale")
	if err != nil {
		fmt.Fprintln(d.out, "(Radicale is not installed: apt-get install radicale adds a CardDAV address book to this step.)")
		return func() {}, nil
	}
	r, err := sinktest.RunRadicale(bin, filepath.Join(d.files, "radicale"))
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(d.files, "carddav.password"), []byte(r.Password+"\n"), 0o600); err != nil {
		r.Stop()
		return nil, err
	}
	d.radicale = r
	return r.Stop, nil
}
