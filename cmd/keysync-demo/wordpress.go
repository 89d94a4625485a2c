package main

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"keysync/internal/testdb"
)

// wpPrefix is the demo site's $table_prefix.
const wpPrefix = "wp_"

// The meta keys keysync writes on a WordPress site (the defaults).
const (
	wpNumberKey = "keysync_customer_number"
	wpHHKey     = "keysync_wibisoft_hh_id"
	wpPEKey     = "keysync_wibisoft_pe_id"
)

// wpPending is the user_status of a registration waiting for its
// activation link (BuddyPress and the double opt-in plugins).
const wpPending = 2

// wpPasswordHash stands in for the hash wp_hash_password stores.
const wpPasswordHash = "$wp$2y$10$ZGVtb2RlbW9kZW1vZGVtb2RlbOq8vY0b9sQ4kEw7uK1Xc3VnBqJ5m2aLe"

type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// insertWordPressUsers registers users as wp_insert_user does, with the
// billing address WooCommerce keeps, and returns their ids. A user whose
// Disable is set waits for activation.
func insertWordPressUsers(ctx context.Context, db *sql.DB, users []testdb.FeUser) ([]uint64, error) {
	ids := make([]uint64, 0, len(users))
	for _, u := range users {
		id, err := insertWordPressUser(ctx, db, u)
		if err != nil {
			return nil, fmt.Errorf("insert %s: %w", u.Username, err)
		}
		ids = append(ids, id)
	}
	return ids, nil
}

func insertWordPressUser(ctx context.Context, db *sql.DB, u testdb.FeUser) (uint64, error) {
	status := 0
	if u.Disable != 0 {
		status = wpPending
	}
	registered := time.Unix(u.Crdate, 0).UTC().Format(time.DateTime)
	res, err := db.ExecContext(ctx, "INSERT INTO "+wpPrefix+`users (user_login, user_pass, user_nicename, user_email, user_registered, user_status, display_name)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, u.Username, wpPasswordHash, u.Username, u.Email, registered, status, u.FirstName+" "+u.LastName)
	if err != nil {
		return 0, err
	}
	id, err := res.LastInsertId()
	if err != nil {
		return 0, err
	}
	meta := [][2]string{
		{"nickname", u.Username}, {"first_name", u.FirstName}, {"last_name", u.LastName}, {"description", ""},
		{"rich_editing", "true"}, {"syntax_highlighting", "true"}, {"comment_shortcuts", "false"},
		{"admin_color", "fresh"}, {"use_ssl", "0"}, {"show_admin_bar_front", "true"}, {"locale", ""},
		{wpPrefix + "capabilities", `a:1:{s:8:"customer";b:1;}`}, {wpPrefix + "user_level", "0"},
		{"billing_first_name", u.FirstName}, {"billing_last_name", u.LastName}, {"billing_address_1", u.Address},
		{"billing_postcode", u.Zip}, {"billing_city", u.City}, {"billing_country", u.Country}, {"billing_email", u.Email},
	}
	for _, m := range meta {
		if _, err := db.ExecContext(ctx, "INSERT INTO "+wpPrefix+"usermeta (user_id, meta_key, meta_value) VALUES (?, ?, ?)", id, m[0], m[1]); err != nil {
			return 0, err
		}
	}
	return uint64(id), nil
}

// updateUserMeta sets one meta value as update_user_meta does, and records
// the user in keysync's change table as the must-use plugin
// keysync-changes.php does on that hook.
func updateUserMeta(ctx context.Context, db *sql.DB, id uint64, key, value string) error {
	res, err := db.ExecContext(ctx, "UPDATE "+wpPrefix+"usermeta SET meta_value = ? WHERE user_id = ? AND meta_key = ?", value, id, key)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n == 0 {
		if _, err := db.ExecContext(ctx, "INSERT INTO "+wpPrefix+"usermeta (user_id, meta_key, meta_value) VALUES (?, ?, ?)", id, key, value); err != nil {
			return err
		}
	}
	return recordChange(ctx, db, id)
}

// activateWordPressUser activates a waiting registration and records the
// change as keysync-changes.php does; it returns the statement shown.
func activateWordPressUser(ctx context.Context, db *sql.DB, id uint64) (string, error) {
	if _, err := db.ExecContext(ctx, "UPDATE "+wpPrefix+"users SET user_status = 0 WHERE ID = ?", id); err != nil {
		return "", err
	}
	return fmt.Sprintf("UPDATE %susers SET user_status = 0 WHERE ID = %d", wpPrefix, id), recordChange(ctx, db, id)
}

// recordChange is what keysync-changes.php writes once per user and
// request.
func recordChange(ctx context.Context, db *sql.DB, id uint64) error {
	_, err := db.ExecContext(ctx, "INSERT INTO "+wpPrefix+"keysync_changes (user_id, changed_at) VALUES (?, UTC_TIMESTAMP())", id)
	return err
}

// wordPressRows reads every user with keysync's meta values.
func wordPressRows(ctx context.Context, db queryer) ([]portalRow, error) {
	meta := func(key string) string {
		return "COALESCE((SELECT meta_value FROM " + wpPrefix + "usermeta m WHERE m.user_id = u.ID AND m.meta_key = '" + key + "' ORDER BY umeta_id LIMIT 1), '')"
	}
	rows, err := db.QueryContext(ctx, `SELECT u.ID, u.user_login, TRIM(CONCAT(`+meta("first_name")+`, ' ', `+meta("last_name")+`)), u.user_email, u.user_status, `+
		meta(wpNumberKey)+`, `+meta(wpHHKey)+`, `+meta(wpPEKey)+` FROM `+wpPrefix+`users u ORDER BY u.ID`)
	if err != nil {
		return nil, fmt.Errorf("read %susers: %w", wpPrefix, err)
	}
	defer rows.Close()
	var out []portalRow
	for rows.Next() {
		var r portalRow
		var userStatus int
		if err := rows.Scan(&r.id, &r.username, &r.name, &r.email, &userStatus, &r.number, &r.hh, &r.pe); err != nil {
			return nil, fmt.Errorf("read %susers: %w", wpPrefix, err)
		}
		r.stat = status(0, userStatus)
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read %susers: %w", wpPrefix, err)
	}
	return out, nil
}
