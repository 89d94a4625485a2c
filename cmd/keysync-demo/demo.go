package main

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"time"

	"keysync/internal/sinktest"
	"keysync/internal/testdb"
	"keysync/sync/number"
)

// dbCentral is the demo's central database; like the portals' databases it
// is dropped and created again on every run.
const dbCentral = "demo_central"

// portal is one demo portal: its kind, its database, the schema of its user
// tables, and its pool once created.
type portal struct {
	name   string
	kind   string
	dbName string
	schema string
	label  string
	db     *sql.DB
}

// demo runs the steps and holds what later steps need.
type demo struct {
	srv   *server
	bin   string
	out   io.Writer
	files string // folder of the files the demo writes
	clean string // command that removes what the demo leaves, if any
	kept  string // data folder of a server kept running after the demo, if any
	// sinks says whether keysync runs with the sinks' configuration;
	// radicale is the CardDAV server for the address book, if installed.
	sinks    bool
	radicale *sinktest.Radicale
	step     int // the number of the last step's heading
	portals  []*portal
	regs     []registration
	uids     []uint64 // uid of regs[i]
}

func (d *demo) run(ctx context.Context) error {
	start := time.Now()
	d.portals = []*portal{
		{name: portalAmicas, kind: kindTYPO3, dbName: "demo_amicas", schema: testdb.Typo3V13, label: "TYPO3 v13, fe_users"},
		{name: portalClub, kind: kindTYPO3, dbName: "demo_club", schema: testdb.Typo3V12, label: "TYPO3 v12, fe_users"},
		{name: portalForum, kind: kindWordPress, dbName: "demo_forum", schema: testdb.WordPressSingle, label: "WordPress with WooCommerce, wp_users and wp_usermeta"},
	}
	d.regs = registrations(time.Now())

	if err := d.setUp(ctx); err != nil {
		return err
	}
	d.heading("keysync migrate: the central schema, keysync's columns in each fe_users, the WordPress change table")
	d.printConfig()
	if _, err := d.keysync(ctx, []int{0}, "migrate"); err != nil {
		return err
	}
	if err := d.typeLegacyNumbers(ctx); err != nil {
		return err
	}

	d.heading("keysync once --json: one pass over the three portals")
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
		"Katharina Müller's club account was linked to the number of her amicas account, and Lukas",
		"Huber's forum account to his; Josef Strauß kept the number from his letter and got his",
		"Wibisoft ids; Sabine Wagner got her own number in Thomas Wagner's household, and Eva Huber",
		"hers in Lukas Huber's. The two unconfirmed and the deleted registration were left alone,",
		"and the mistyped numbers of Maria Hofer and Florian Berger were not touched.")

	if err := d.confirm(ctx); err != nil {
		return err
	}
	d.heading("keysync once: the next pass picks up the confirmed registrations")
	code, err = d.keysync(ctx, []int{0, 3}, "once")
	if err != nil {
		return err
	}
	if code == 3 {
		d.say("Still exit code 3: the conflicts stay open until an admin resolves them",
			"(keysync conflicts resolve ID --as distinct|merge|ignore).")
	}

	if err := d.registerThroughAPI(ctx); err != nil {
		return err
	}

	d.heading("The portals now")
	for _, p := range d.portals {
		if err := d.printPortal(ctx, p); err != nil {
			return err
		}
	}
	if err := d.printConflicts(ctx); err != nil {
		return err
	}
	if err := d.importWibisoft(ctx); err != nil {
		return err
	}
	if err := d.exportToSinks(ctx); err != nil {
		return err
	}
	d.printWhatStays()
	fmt.Fprintf(d.out, "\nDemo finished in %s.\n", time.Since(start).Round(10*time.Millisecond))
	return nil
}

// setUp creates the databases and the portals' user tables and registers
// the sample users.
func (d *demo) setUp(ctx context.Context) error {
	if err := d.srv.recreate(ctx, d.databases()...); err != nil {
		return err
	}
	d.heading(fmt.Sprintf("Two TYPO3 portals and a WordPress site with %d registrations", len(d.regs)))
	d.uids = make([]uint64, len(d.regs))
	for _, p := range d.portals {
		db, err := d.srv.Open(ctx, p.dbName)
		if err != nil {
			return err
		}
		p.db = db
		if err := p.create(ctx); err != nil {
			return err
		}
		if err := d.register(ctx, p); err != nil {
			return err
		}
	}
	return nil
}

// register inserts the portal's sample registrations and prints them.
func (d *demo) register(ctx context.Context, p *portal) error {
	fmt.Fprintf(d.out, "\n%s (%s, database %s):\n", p.name, p.label, p.dbName)
	var users []testdb.FeUser
	var idx []int
	for i, r := range d.regs {
		if r.portal == p.name {
			users = append(users, r.user)
			idx = append(idx, i)
		}
	}
	ids, err := p.insert(ctx, users)
	if err != nil {
		return fmt.Errorf("%s: %w", p.name, err)
	}
	for j, i := range idx {
		d.uids[i] = ids[j]
		u := d.regs[i].user
		fmt.Fprintf(d.out, "  id %-2d %-22s %s\n", ids[j], u.FirstName+" "+u.LastName, d.regs[i].shows)
	}
	return nil
}

// typeLegacyNumbers puts customer numbers into three accounts as office
// staff do from an earlier letter: one valid, one with a typo in the check
// digit, one with two neighbouring digits swapped.
func (d *demo) typeLegacyNumbers(ctx context.Context) error {
	numbers, err := legacyNumbers()
	if err != nil {
		return err
	}
	d.heading("Office staff type customer numbers from earlier letters into three accounts")
	for i, r := range d.regs {
		if r.legacy == noLegacy {
			continue
		}
		n := numbers[r.legacy]
		p := d.portal(r.portal)
		if err := p.typeNumber(ctx, d.uids[i], n.number); err != nil {
			return err
		}
		fmt.Fprintf(d.out, "  %s id %d %s %s: %s, %s\n", p.name, d.uids[i], r.user.FirstName, r.user.LastName, n.number, n.why)
	}
	return nil
}

// legacyNumber is a number typed from an earlier letter and what is right
// or wrong with it.
type legacyNumber struct{ number, why string }

// legacyNumbers builds the typed numbers from the default template (eight
// digits of sequence and a Damm check digit).
func legacyNumbers() (map[legacy]legacyNumber, error) {
	alg, err := number.Lookup("damm")
	if err != nil {
		return nil, err
	}
	tmpl, err := number.ParseTemplate("{seq:8}{check}", alg)
	if err != nil {
		return nil, err
	}
	var formatted [3]string
	for i := range formatted {
		if formatted[i], err = tmpl.Format(uint64(500+i), ""); err != nil {
			return nil, err
		}
	}
	valid, other, third := formatted[0], formatted[1], formatted[2]
	typo := other[:len(other)-1] + string(rune('0'+(other[len(other)-1]-'0'+1)%10))
	k := len(third) - 3 // the last two digits of the sequence, 0 and 2
	swapped := third[:k] + third[k+1:k+2] + third[k:k+1] + third[k+2:]
	return map[legacy]legacyNumber{
		legacyValid:    {valid, fmt.Sprintf("valid (sequence 500, Damm check digit %c)", valid[len(valid)-1])},
		legacyBadCheck: {typo, fmt.Sprintf("a typo: the check digit of %s is %c", other[:len(other)-1], other[len(other)-1])},
		legacySwapped:  {swapped, fmt.Sprintf("two digits swapped: the letter said %s", third)},
	}, nil
}

// confirm confirms the pending double opt-in registrations the way the
// portals do when the link in the e-mail is clicked.
func (d *demo) confirm(ctx context.Context) error {
	d.heading("Two double opt-ins are confirmed: the links in the e-mails are clicked")
	for i, r := range d.regs {
		if r.user.Disable == 0 || r.user.Deleted != 0 {
			continue
		}
		p := d.portal(r.portal)
		shown, err := p.confirm(ctx, d.uids[i])
		if err != nil {
			return err
		}
		fmt.Fprintf(d.out, "  %s %s, %s: %s\n", r.user.FirstName, r.user.LastName, p.dbName, shown)
	}
	return nil
}

// reg returns the index of the registration with the username.
func (d *demo) reg(username string) int {
	for i, r := range d.regs {
		if r.user.Username == username {
			return i
		}
	}
	panic("unknown registration " + username)
}

func (d *demo) portal(name string) *portal {
	for _, p := range d.portals {
		if p.name == name {
			return p
		}
	}
	panic("unknown portal " + name)
}

// heading starts the next numbered step of the story.
func (d *demo) heading(s string) {
	d.step++
	d.section(fmt.Sprintf("%d. %s", d.step, s))
}

func (d *demo) section(s string) {
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
