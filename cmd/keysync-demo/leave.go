package main

import (
	"fmt"
	"os"
	"strings"
	"text/tabwriter"
)

// printWhatStays prints where the databases and files the demo leaves are,
// commands for a closer look, and how to remove them. Every command it
// prints works after the demo ended: the server is the user's own or one
// that `.ci/with-mariadb --keep` keeps running.
func (d *demo) printWhatStays() {
	d.section("What stays for a closer look")
	if d.kept != "" {
		fmt.Fprintf(d.out, "The MariaDB server keeps running (its data in %s), with the demo's databases:\n", d.kept)
	} else {
		fmt.Fprintf(d.out, "The demo's databases stay on the server of %s:\n", envServer)
	}
	tw := tabwriter.NewWriter(d.out, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "  central\t%s\n", d.srv.ShownDSN(dbCentral))
	for _, p := range d.portals {
		fmt.Fprintf(tw, "  %s\t%s\n", p.name, d.srv.ShownDSN(p.dbName))
	}
	tw.Flush()

	client := d.client()
	fmt.Fprintln(d.out, "\nFor example:")
	fmt.Fprintf(d.out, "  %s %s -e 'SELECT number, hh_id, pe_id, origin, first_name, last_name FROM persons'\n", client, dbCentral)
	fmt.Fprintf(d.out, "  %s %s -e 'SELECT source, account_id, number, status FROM accounts'\n", client, dbCentral)
	fmt.Fprintf(d.out, "  %s %s -e 'SELECT at, kind, number, source, account_id, detail FROM events ORDER BY id'\n", client, dbCentral)
	if entries, err := os.ReadDir(d.files); err == nil && len(entries) > 0 {
		fmt.Fprintf(d.out, "\nThe files the demo wrote are in %s.\n", d.files)
	}
	d.printRemoval(client)
}

// printRemoval says how to remove what the demo leaves: the kept server with
// its data, or the databases on the user's own server, and the files.
func (d *demo) printRemoval(client string) {
	fmt.Fprintln(d.out)
	switch {
	case d.kept != "" && d.clean != "":
		fmt.Fprintf(d.out, "`%s` stops the server and removes its data and the files; until then a\n", d.clean)
		fmt.Fprintln(d.out, "second `make demo` runs on the same server.")
	case d.kept != "":
		fmt.Fprintf(d.out, "To stop the server and remove its data: .ci/with-mariadb --stop %s\n", d.kept)
		fmt.Fprintf(d.out, "and the files: rm -rf %s\n", d.files)
	default:
		fmt.Fprintln(d.out, "They stay until you drop them:")
		fmt.Fprintf(d.out, "  %s -e '%s'\n", client, d.dropStatement())
		if d.clean != "" {
			fmt.Fprintf(d.out, "`%s` removes the files.\n", d.clean)
		} else {
			fmt.Fprintf(d.out, "To remove the files: rm -rf %s\n", d.files)
		}
	}
}

// dropStatement drops every database the demo creates.
func (d *demo) dropStatement() string {
	var drops []string
	for _, name := range d.databases() {
		drops = append(drops, "DROP DATABASE IF EXISTS "+name+";")
	}
	return strings.Join(drops, " ")
}

// databases names every database the demo creates, central first.
func (d *demo) databases() []string {
	names := []string{dbCentral}
	for _, p := range d.portals {
		names = append(names, p.dbName)
	}
	return names
}

// client is the mariadb command line that connects to the demo's server.
func (d *demo) client() string {
	cfg := d.srv.Config()
	if cfg.Net == "unix" {
		return "mariadb -S " + cfg.Addr + " -u " + cfg.User
	}
	host, port, _ := strings.Cut(cfg.Addr, ":")
	client := "mariadb -h " + host
	if port != "" {
		client += " -P " + port
	}
	client += " -u " + cfg.User
	if cfg.Passwd != "" {
		client += " -p"
	}
	return client
}
