package main

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"strings"
	"time"

	"keysync/internal/sqlutil"
	keysync "keysync/sync"
	"keysync/sync/central"
)

// grantsCommand prints the least privileges keysync needs, per database,
// as GRANT statements an admin runs: column grants on TYPO3, so that
// keysync can write nothing but its own columns.
func init() {
	register("grants", "[--user NAME] [--host HOST] [--migrate=false]", "print the GRANT statements of the least privileges keysync needs", func(m *Main) command { return &grantsCommand{m: m} })
}

type grantsCommand struct {
	m *Main
}

// privileged is a source that says which privileges it needs.
type privileged interface {
	Requirements() []sqlutil.Requirement
}

// database is one database keysync connects to, as grants and doctor see
// it.
type database struct {
	// name is "central" or the source name.
	name   string
	kind   string // central, typo3 or wordpress
	dsnVar string
	db     *sql.DB
	// table is the account table whose collation doctor compares.
	table string
	t     sqlutil.Transport
	reqs  []sqlutil.Requirement
	// source is nil for the central database.
	source keysync.Source
}

// databases lists the central database and every source's, in
// configuration order.
func (a *app) databases() ([]database, error) {
	t, err := sqlutil.ParseTransport(a.cfg.CentralDSN)
	if err != nil {
		return nil, fmt.Errorf("KEYSYNC_CENTRAL_DSN: %w", err)
	}
	out := []database{{name: "central", kind: "central", dsnVar: "KEYSYNC_CENTRAL_DSN", db: a.store.DB(), table: "accounts", t: t, reqs: central.Requirements()}}
	for i, sc := range a.cfg.Sources {
		d := database{name: sc.Name, kind: sc.Kind, dsnVar: "KEYSYNC_SOURCE_" + strings.ToUpper(sc.Name) + "_DSN", source: a.portals[i].Source}
		if d.t, err = sqlutil.ParseTransport(sc.DSN); err != nil {
			return nil, fmt.Errorf("%s: %w", d.dsnVar, err)
		}
		if p, ok := d.source.(privileged); ok {
			d.reqs = p.Requirements()
		}
		if dg, ok := d.source.(diagnosable); ok {
			d.db, d.table = dg.DB(), dg.UserTable()
		}
		out = append(out, d)
	}
	return out, nil
}

func (c *grantsCommand) Run(ctx context.Context, args []string) error {
	fs := c.m.flagSet("grants", "Usage: keysync grants [--user NAME] [--host HOST] [--migrate=false]\n\nPrints the GRANT statements of the least privileges keysync needs, for each database it\nuses, for an admin to run. Nothing connects.")
	user := fs.String("user", "keysync", "account name the statements grant to")
	host := fs.String("host", "localhost", "host part of the account: where keysync connects from")
	migrate := fs.Bool("migrate", true, "include the privileges only `keysync migrate` needs")
	if err := parseNoArgs(fs, args); err != nil {
		return err
	}
	a, err := c.m.newApp()
	if err != nil {
		return err
	}
	defer a.close()
	dbs, err := a.databases()
	if err != nil {
		return &exitError{ExitUsage, err}
	}
	account := sqlutil.Account(*user, *host)
	printGrants(c.m.Stdout, dbs, account, *migrate, time.Now())
	return nil
}

// printGrants writes one commented block of statements per database.
func printGrants(w io.Writer, dbs []database, account string, migrate bool, now time.Time) {
	fmt.Fprintf(w, "-- keysync %s: least privileges for %s, generated %s.\n", version, account, now.UTC().Format(time.DateOnly))
	fmt.Fprintln(w, "-- Run each block as an admin on the server that holds the database. The account must exist there:")
	fmt.Fprintf(w, "--   CREATE USER IF NOT EXISTS %s IDENTIFIED BY '<password>';\n", account)
	fmt.Fprintln(w, "-- Run `keysync migrate` first (as an admin, or as this account with the grants marked for it):")
	fmt.Fprintln(w, "-- MariaDB refuses a column grant on a column that does not exist yet, and migrate creates")
	fmt.Fprintln(w, "-- keysync's TYPO3 columns. Reading information_schema and named locks (GET_LOCK) need no grant.")
	for _, d := range dbs {
		fmt.Fprintln(w)
		label := d.kind
		switch d.kind {
		case "typo3":
			label = "TYPO3"
		case "wordpress":
			label = "WordPress"
		}
		fmt.Fprintf(w, "-- %s: %s database %s on %s (%s)\n", d.name, label, sqlutil.QuoteName(d.t.Database), d.t.Addr, d.dsnVar)
		var later []sqlutil.Requirement
		for _, r := range d.reqs {
			if r.MigrateOnly {
				later = append(later, r)
				continue
			}
			fmt.Fprintf(w, "-- %s\n%s\n", r.Why, r.Grant(d.t.Database, account))
		}
		if !migrate {
			continue
		}
		for _, r := range later {
			fmt.Fprintf(w, "-- only for keysync migrate: %s; revoke it between upgrades if you like\n%s\n", r.Why, r.Grant(d.t.Database, account))
		}
	}
}
