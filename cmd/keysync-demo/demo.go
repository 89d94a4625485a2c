package main

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"time"

	"keysync/internal/testdb"
	"keysync/sync/number"
)

// dbCentral is the demo's central database; like the portals' databases it
// is dropped and created again on every run.
const dbCentral = "demo_central"

// portal is one demo portal: its database, the TYPO3 version of its
// fe_users, and its pool once created.
type portal struct {
	name   string
	dbName string
	schema string
	label  string
	db     *sql.DB
}

// demo runs the steps and holds what later steps need.
type demo struct {
	srv     *server
	bin     string
	out     io.Writer
	files   string // folder of the files the demo writes
	clean   string // command that removes what the demo leaves, if any
	kept    string // data folder of a server kept running after the demo, if any
	portals []*portal
	regs    []registration
	uids    []uint64 // uid of regs[i]
}

func (d *demo) run(ctx context.Context) error {
	start := time.Now()
	d.portals = []*portal{
		{name: portalAmicas, dbName: "demo_amicas", schema: testdb.Typo3V13, label: "TYPO3 v13"},
		{name: portalClub, dbName: "demo_club", schema: testdb.Typo3V12, label: "TYPO3 v12"},
	}
	d.regs = registrations(time.Now())

	if err := d.setUp(ctx); err != nil {
		return err
	}
	d.heading("2. keysync migrate: the central schema, and keysync's columns in each fe_users")
	d.printConfig()
	if _, err := d.keysync(ctx, []int{0}, "migrate"); err != nil {
		return err
	}
	if err := d.typeLegacyNumbers(ctx); err != nil {
		return err
	}

	d.heading("4. keysync once --json: one pass over both portals")
	code, err := d.keysync(ctx, []int{0, 3}, "once", "--json")
	if err != nil {
		return err
	}
	if code == 3 {
		d.say("Exit code 3 is expected here: the pass finished and wrote every number it could decide,",
			"but some registrations need an admin's decision (the conflicts below). cron and systemd",
			"treat 3 as \"done, please review\", 1 as a failure.")
	}
	d.say("",
		"Katharina Müller's club account was linked to the number of her amicas account; Josef",
		"Strauß kept the number from his letter and got his Wibisoft ids; Sabine Wagner got her",
		"own number in Thomas Wagner's household. The unconfirmed and the deleted registration",
		"were left alone, and Maria Hofer's mistyped number was not touched.")

	if err := d.confirm(ctx); err != nil {
		return err
	}
	d.heading("6. keysync once: the next pass picks up the confirmed registration")
	code, err = d.keysync(ctx, []int{0, 3}, "once")
	if err != nil {
		return err
	}
	if code == 3 {
		d.say("Still exit code 3: the two conflicts stay open until an admin resolves them",
			"(keysync conflicts resolve ID --as distinct|merge|ignore).")
	}

	d.heading("7. The portals now")
	for _, p := range d.portals {
		if err := d.printPortal(ctx, p); err != nil {
			return err
		}
	}
	if err := d.printConflicts(ctx); err != nil {
		return err
	}
	d.printWhatStays()
	fmt.Fprintf(d.out, "\nDemo finished in %s.\n", time.Since(start).Round(10*time.Millisecond))
	return nil
}

// setUp creates the databases and the portals' fe_users and inserts the
// sample registrations.
func (d *demo) setUp(ctx context.Context) error {
	if err := d.srv.recreate(ctx, d.databases()...); err != nil {
		return err
	}
	d.heading(fmt.Sprintf("1. Two member portals with %d registrations", len(d.regs)))
	for _, p := range d.portals {
		db, err := d.srv.Open(ctx, p.dbName)
		if err != nil {
			return err
		}
		p.db = db
		if err := testdb.CreateFeUsersDB(ctx, db, p.schema); err != nil {
			return err
		}
	}
	d.uids = make([]uint64, len(d.regs))
	for _, p := range d.portals {
		fmt.Fprintf(d.out, "\n%s (%s, database %s):\n", p.name, p.label, p.dbName)
		var users []testdb.FeUser
		var idx []int
		for i, r := range d.regs {
			if r.portal == p.name {
				users = append(users, r.user)
				idx = append(idx, i)
			}
		}
		uids, err := testdb.InsertFeUsersDB(ctx, p.db, users)
		if err != nil {
			return err
		}
		for j, i := range idx {
			d.uids[i] = uids[j]
			u := d.regs[i].user
			fmt.Fprintf(d.out, "  uid %-2d %-22s %s\n", uids[j], u.FirstName+" "+u.LastName, d.regs[i].shows)
		}
	}
	return nil
}

// typeLegacyNumbers puts customer numbers into two rows as office staff do
// from an earlier letter: one valid, one with a typo in the check digit.
func (d *demo) typeLegacyNumbers(ctx context.Context) error {
	alg, err := number.Lookup("damm")
	if err != nil {
		return err
	}
	tmpl, err := number.ParseTemplate("{seq:8}{check}", alg)
	if err != nil {
		return err
	}
	valid, err := tmpl.Format(500, "")
	if err != nil {
		return err
	}
	last := valid[len(valid)-1] - '0'
	other, err := tmpl.Format(501, "")
	if err != nil {
		return err
	}
	typo := other[:len(other)-1] + string(rune('0'+(other[len(other)-1]-'0'+1)%10))

	d.heading("3. Office staff type customer numbers from earlier letters into two accounts")
	for i, r := range d.regs {
		var n, why string
		switch r.legacy {
		case legacyValid:
			n, why = valid, fmt.Sprintf("valid (sequence 500, Damm check digit %d)", last)
		case legacyBadCheck:
			n, why = typo, fmt.Sprintf("a typo: the check digit of %s is %c", other[:len(other)-1], other[len(other)-1])
		default:
			continue
		}
		p := d.portal(r.portal)
		if _, err := p.db.ExecContext(ctx, "UPDATE fe_users SET tx_keysync_customer_number = ?, tstamp = ? WHERE uid = ?", n, time.Now().Unix(), d.uids[i]); err != nil {
			return fmt.Errorf("%s: set number of uid %d: %w", p.name, d.uids[i], err)
		}
		fmt.Fprintf(d.out, "  %s uid %d %s %s: %s, %s\n", p.name, d.uids[i], r.user.FirstName, r.user.LastName, n, why)
	}
	return nil
}

// confirm confirms the pending double opt-in registration the way TYPO3's
// registration extensions do when the link in the e-mail is clicked.
func (d *demo) confirm(ctx context.Context) error {
	for i, r := range d.regs {
		if r.user.Disable == 0 || r.user.Deleted != 0 {
			continue
		}
		p := d.portal(r.portal)
		d.heading(fmt.Sprintf("5. %s %s clicks the confirmation link", r.user.FirstName, r.user.LastName))
		now := time.Now().Unix()
		if _, err := p.db.ExecContext(ctx, "UPDATE fe_users SET disable = 0, tstamp = ? WHERE uid = ?", now, d.uids[i]); err != nil {
			return fmt.Errorf("%s: confirm uid %d: %w", p.name, d.uids[i], err)
		}
		fmt.Fprintf(d.out, "  %s: UPDATE fe_users SET disable = 0, tstamp = %d WHERE uid = %d\n", p.dbName, now, d.uids[i])
	}
	return nil
}

func (d *demo) portal(name string) *portal {
	for _, p := range d.portals {
		if p.name == name {
			return p
		}
	}
	panic("unknown portal " + name)
}

func (d *demo) heading(s string) {
	fmt.Fprintf(d.out, "\n== %s\n", s)
}

func (d *demo) say(lines ...string) {
	for _, l := range lines {
		if l == "" {
			fmt.Fprintln(d.out)
			continue
		}
		fmt.Fprintln(d.out, "  "+l)
	}
}
