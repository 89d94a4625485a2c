package main

import (
	"context"
	"fmt"
	"strings"
	"text/tabwriter"
)

// printPortal prints every fe_users row of a portal with what keysync wrote.
func (d *demo) printPortal(ctx context.Context, p *portal) error {
	rows, err := p.db.QueryContext(ctx, `SELECT uid, username, first_name, last_name, name, email, deleted, disable,
		tx_keysync_customer_number, tx_keysync_wibisoft_hh_id, tx_keysync_wibisoft_pe_id FROM fe_users ORDER BY uid`)
	if err != nil {
		return fmt.Errorf("%s: read fe_users: %w", p.name, err)
	}
	defer rows.Close()
	fmt.Fprintf(d.out, "\n%s (%s.fe_users):\n", p.name, p.dbName)
	tw := tabwriter.NewWriter(d.out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  uid\tusername\tname\te-mail\tstatus\tcustomer number\tHH\tPE")
	for rows.Next() {
		var (
			uid                                uint64
			username, first, last, name, email string
			deleted, disable                   int
			num, hh, pe                        string
		)
		if err := rows.Scan(&uid, &username, &first, &last, &name, &email, &deleted, &disable, &num, &hh, &pe); err != nil {
			return fmt.Errorf("%s: read fe_users: %w", p.name, err)
		}
		if first != "" || last != "" {
			name = strings.TrimSpace(first + " " + last)
		}
		fmt.Fprintf(tw, "  %d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", uid, username, name, email, status(deleted, disable), dash(num), dash(hh), dash(pe))
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("%s: read fe_users: %w", p.name, err)
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
