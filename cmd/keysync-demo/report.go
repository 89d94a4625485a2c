package main

import (
	"context"
	"fmt"
	"text/tabwriter"
)

// printPortal prints every account of a portal with what keysync wrote.
func (d *demo) printPortal(ctx context.Context, p *portal) error {
	rows, err := p.rows(ctx)
	if err != nil {
		return fmt.Errorf("%s: %w", p.name, err)
	}
	fmt.Fprintf(d.out, "\n%s (%s, database %s):\n", p.name, p.label, p.dbName)
	tw := tabwriter.NewWriter(d.out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  id\tusername\tname\te-mail\tstatus\tcustomer number\tHH\tPE")
	for _, r := range rows {
		fmt.Fprintf(tw, "  %d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.id, r.username, r.name, r.email, r.stat, dash(r.number), dash(r.hh), dash(r.pe))
	}
	return tw.Flush()
}

// status names a row's state the way a portal admin does.
func status(deleted, disable int) string {
	switch {
	case deleted != 0:
		return "deleted"
	case disable != 0:
		return "pending"
	}
	return "confirmed"
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// printConflicts prints the open conflicts from the central database.
func (d *demo) printConflicts(ctx context.Context) error {
	db, err := d.srv.Open(ctx, dbCentral)
	if err != nil {
		return err
	}
	rows, err := db.QueryContext(ctx, `SELECT kind, source, account_id, value, COALESCE(detail, '') FROM conflicts WHERE status = 'open' ORDER BY id`)
	if err != nil {
		return fmt.Errorf("read conflicts: %w", err)
	}
	defer rows.Close()
	fmt.Fprintf(d.out, "\nOpen conflicts (%s.conflicts), for an admin to resolve:\n", dbCentral)
	tw := tabwriter.NewWriter(d.out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  kind\taccount\tvalue\tdetail")
	n := 0
	for rows.Next() {
		var kind, source, value, detail string
		var id uint64
		if err := rows.Scan(&kind, &source, &id, &value, &detail); err != nil {
			return fmt.Errorf("read conflicts: %w", err)
		}
		n++
		fmt.Fprintf(tw, "  %s\t%s:%d (%s)\t%s\t%s\n", kind, source, id, d.username(source, id), dash(value), detail)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read conflicts: %w", err)
	}
	if n == 0 {
		fmt.Fprintln(tw, "  (none)")
	}
	return tw.Flush()
}

// username returns the username of a sample registration.
func (d *demo) username(source string, uid uint64) string {
	for i, r := range d.regs {
		if r.portal == source && d.uids[i] == uid {
			return r.user.Username
		}
	}
	return "?"
}
