package main

import (
	"context"
	"fmt"
	"time"

	"keysync/internal/testdb"
)

// The kinds of demo portal, as KEYSYNC_SOURCE_<NAME>_KIND names them.
const (
	kindTYPO3     = "typo3"
	kindWordPress = "wordpress"
)

// create creates the portal's user tables.
func (p *portal) create(ctx context.Context) error {
	if p.kind == kindWordPress {
		return testdb.CreateWordPressDB(ctx, p.db, p.schema, wpPrefix)
	}
	return testdb.CreateFeUsersDB(ctx, p.db, p.schema)
}

// insert registers users as the portal's own code does and returns their
// ids.
func (p *portal) insert(ctx context.Context, users []testdb.FeUser) ([]uint64, error) {
	if p.kind == kindWordPress {
		return insertWordPressUsers(ctx, p.db, users)
	}
	return testdb.InsertFeUsersDB(ctx, p.db, users)
}

// typeNumber puts a customer number into an account the way an admin does
// in the portal's back end.
func (p *portal) typeNumber(ctx context.Context, id uint64, n string) error {
	var err error
	if p.kind == kindWordPress {
		err = updateUserMeta(ctx, p.db, id, wpNumberKey, n)
	} else {
		_, err = p.db.ExecContext(ctx, "UPDATE fe_users SET tx_keysync_customer_number = ?, tstamp = ? WHERE uid = ?", n, time.Now().Unix(), id)
	}
	if err != nil {
		return fmt.Errorf("%s: set number of %d: %w", p.name, id, err)
	}
	return nil
}

// confirm enables a pending registration as the link in the double opt-in
// e-mail does, and returns the statement it ran.
func (p *portal) confirm(ctx context.Context, id uint64) (string, error) {
	var shown string
	var err error
	if p.kind == kindWordPress {
		shown, err = activateWordPressUser(ctx, p.db, id)
	} else {
		now := time.Now().Unix()
		shown = fmt.Sprintf("UPDATE fe_users SET disable = 0, tstamp = %d WHERE uid = %d", now, id)
		_, err = p.db.ExecContext(ctx, "UPDATE fe_users SET disable = 0, tstamp = ? WHERE uid = ?", now, id)
	}
	if err != nil {
		return "", fmt.Errorf("%s: confirm %d: %w", p.name, id, err)
	}
	return shown, nil
}

// portalRow is one account as printPortal shows it.
type portalRow struct {
	id                          uint64
	username, name, email, stat string
	number, hh, pe              string
}

// rows reads every account of the portal with keysync's values.
func (p *portal) rows(ctx context.Context) ([]portalRow, error) {
	if p.kind == kindWordPress {
		return wordPressRows(ctx, p.db)
	}
	return typo3Rows(ctx, p.db)
}

// typo3Rows reads fe_users.
func typo3Rows(ctx context.Context, db queryer) ([]portalRow, error) {
	rows, err := db.QueryContext(ctx, `SELECT uid, username, TRIM(CONCAT(first_name, ' ', last_name)), email, deleted, disable,
		tx_keysync_customer_number, tx_keysync_wibisoft_hh_id, tx_keysync_wibisoft_pe_id FROM fe_users ORDER BY uid`)
	if err != nil {
		return nil, fmt.Errorf("read fe_users: %w", err)
	}
	defer rows.Close()
	var out []portalRow
	for rows.Next() {
		var r portalRow
		var deleted, disable int
		if err := rows.Scan(&r.id, &r.username, &r.name, &r.email, &deleted, &disable, &r.number, &r.hh, &r.pe); err != nil {
			return nil, fmt.Errorf("read fe_users: %w", err)
		}
		r.stat = status(deleted, disable)
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read fe_users: %w", err)
	}
	return out, nil
}
