package main

import (
	"context"
	"fmt"
	"time"
)

// forgetMember has a member leave the only portal she is on, and erases
// what keysync holds on her at her request: the number stays retired, and
// the Excel list keeps the number marked as forgotten.
func (d *demo) forgetMember(ctx context.Context) error {
	d.heading("Renate Köhler leaves and asks to be forgotten")
	p := d.portal(portalClub)
	id := d.uids[d.reg("rkoehler")]
	num, err := d.numberOf(ctx, p, id)
	if err != nil {
		return err
	}
	if _, err := p.db.ExecContext(ctx, "UPDATE fe_users SET deleted = 1, tstamp = ? WHERE uid = ?", time.Now().Unix(), id); err != nil {
		return fmt.Errorf("%s: delete uid %d: %w", p.name, id, err)
	}
	fmt.Fprintf(d.out, "  %s: UPDATE fe_users SET deleted = 1, tstamp = UNIX_TIMESTAMP() WHERE uid = %d\n", p.dbName, id)
	if _, err := d.keysync(ctx, []int{0, 3}, "once"); err != nil {
		return err
	}
	if _, err := d.keysync(ctx, []int{0}, "forget", num, "--by", "office", "--note", "asked by letter"); err != nil {
		return err
	}
	if _, err := d.keysync(ctx, []int{0}, "export"); err != nil {
		return err
	}
	list, _, _, _ := d.sinkFiles()
	fmt.Fprintf(d.out, "\nHer number's row in the Excel list now:\n")
	if err := d.printList(list, num); err != nil {
		return err
	}
	d.say("", "Outlook's and combit's files, the vCards and the address book removed her; the Excel list",
		"keeps her number, marked, without a value. The number is never given again.")
	return nil
}

// numberOf reads the customer number in a portal row.
func (d *demo) numberOf(ctx context.Context, p *portal, id uint64) (string, error) {
	rows, err := p.rows(ctx)
	if err != nil {
		return "", fmt.Errorf("%s: %w", p.name, err)
	}
	for _, r := range rows {
		if r.id == id && r.number != "" {
			return r.number, nil
		}
	}
	return "", fmt.Errorf("%s: no number in row %d", p.name, id)
}
