package wordpress_test

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"keysync/internal/testdb"
	"keysync/sources/wordpress"
	keysync "keysync/sync"
)

// changesPlugin is the must-use plugin that records changed users.
const changesPlugin = "plugin/keysync-changes.php"

// realSite is a real WordPress with keysync's change table and plugin, and
// a source on it.
type realSite struct {
	wp  *testdb.RealWordPress
	src *wordpress.Source
	db  *site
}

func mustRealSite(t *testing.T) *realSite {
	t.Helper()
	dsn, db := testdb.NewWithCollation(t, "wpreal", "utf8mb4", wpCollation)
	wp := testdb.NewRealWordPress(t, dsn, prefix, changesPlugin)
	s := &site{dsn: dsn, db: db, users: prefix + "users", usermeta: prefix + "usermeta", prefix: prefix}
	src := s.openUnchecked(t, wordpress.Config{})
	if stmts, err := src.Migrate(t.Context()); err != nil || len(stmts) != 1 {
		t.Fatalf("Migrate = %v, %v, want the change table created", stmts, err)
	}
	return &realSite{wp: wp, src: src, db: s}
}

func (r *realSite) changes(t *testing.T) keysync.ChangePage {
	t.Helper()
	page, err := r.src.Changes(t.Context(), "", true, 100, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return page
}

func (r *realSite) recorded(t *testing.T, page keysync.ChangePage) {
	t.Helper()
	if err := r.src.ChangesRecorded(t.Context(), page); err != nil {
		t.Fatal(err)
	}
}

// TestRealWordPress_ChangesRecorded: users changed by WordPress itself
// (wp_insert_user with WooCommerce's billing meta, update_user_meta,
// wp_update_user, wp_delete_user) are recorded by the must-use plugin once
// per user and request, and keysync reads exactly those users with their
// new values; a login's session tokens are no change; without the table,
// WordPress's writes go on as if the plugin were not there.
func TestRealWordPress_ChangesRecorded(t *testing.T) {
	t.Parallel()
	r := mustRealSite(t)
	out := r.wp.Run(t, `
$id = wp_insert_user( array(
	'user_login' => 'erika', 'user_pass' => wp_generate_password( 16 ), 'user_email' => 'erika@example.invalid',
	'first_name' => 'Erika', 'last_name' => 'Mustermann', 'role' => 'subscriber',
	'meta_input' => array( 'billing_address_1' => 'Heidestr. 17', 'billing_postcode' => '51147', 'billing_city' => 'Köln',
		'billing_country' => 'DE', 'billing_phone' => '+49 221 1234567' ),
) );
if ( is_wp_error( $id ) ) { echo $id->get_error_message(); exit( 1 ); }
echo $id;`)
	id, err := strconv.ParseUint(strings.TrimSpace(out), 10, 64)
	if err != nil {
		t.Fatalf("wp_insert_user printed %q", out)
	}
	page := r.changes(t)
	if len(page.Entries) != 1 || len(page.Accounts) != 1 || page.Accounts[0].ID != id {
		t.Fatalf("after the registration: %d queue rows, accounts %+v; want one row for user %d", len(page.Entries), page.Accounts, id)
	}
	if a := page.Accounts[0]; a.City != "Köln" || a.Phone != "+49 221 1234567" || a.FirstName != "Erika" || a.Changed.IsZero() {
		t.Errorf("account as read: %+v", a)
	}
	r.recorded(t, page)
	if page := r.changes(t); len(page.Entries) != 0 {
		t.Fatalf("recorded changes still queued: %v", page.Entries)
	}

	uid := strconv.FormatUint(id, 10)
	r.wp.Run(t, `update_user_meta( `+uid+`, 'session_tokens', array( 'x' => array( 'expiration' => time() + 60 ) ) );`)
	if page := r.changes(t); len(page.Entries) != 0 {
		t.Errorf("a login's session tokens queued a change: %v", page.Entries)
	}
	r.wp.Run(t, `update_user_meta( `+uid+`, 'billing_city', 'Bonn' ); update_user_meta( `+uid+`, 'billing_postcode', '53111' );
wp_update_user( array( 'ID' => `+uid+`, 'user_email' => 'erika.neu@example.invalid' ) );`)
	page = r.changes(t)
	if len(page.Entries) != 1 || len(page.Accounts) != 1 {
		t.Fatalf("one request's changes: %d queue rows, %d accounts, want one", len(page.Entries), len(page.Accounts))
	}
	if a := page.Accounts[0]; a.City != "Bonn" || a.Zip != "53111" || a.Email != "erika.neu@example.invalid" {
		t.Errorf("account after the profile change: %+v", a)
	}
	r.recorded(t, page)

	r.wp.Run(t, `require_once ABSPATH . 'wp-admin/includes/user.php'; wp_delete_user( `+uid+` );`)
	page = r.changes(t)
	if len(page.Entries) != 1 || len(page.Accounts) != 0 {
		t.Errorf("a deleted user: %d queue rows, accounts %+v; want the row and no account (reconciliation finds it gone)", len(page.Entries), page.Accounts)
	}

	testdb.MustExec(t, r.db.db, "DROP TABLE "+prefix+"keysync_changes")
	out = r.wp.Run(t, `$id = wp_insert_user( array( 'user_login' => 'max', 'user_pass' => 'x-123456789', 'user_email' => 'max@example.invalid' ) );
echo is_wp_error( $id ) ? 'error' : get_user_meta( $id, 'nickname', true );`)
	if strings.TrimSpace(out) != "max" {
		t.Errorf("without the change table WordPress's write: %q", out)
	}
}

// TestRealWordPress_ManyUsersPaged: a bulk import queues one row per user;
// keysync reads them a page at a time, in the order they were recorded.
func TestRealWordPress_ManyUsersPaged(t *testing.T) {
	t.Parallel()
	r := mustRealSite(t)
	r.wp.Run(t, `for ( $i = 0; $i < 7; $i++ ) {
	wp_insert_user( array( 'user_login' => "u$i", 'user_pass' => 'x-123456789', 'user_email' => "u$i@example.invalid", 'first_name' => "U$i" ) );
}`)
	var seen []uint64
	cursor := ""
	for first := true; ; first = false {
		page, err := r.src.Changes(t.Context(), cursor, first, 3, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range page.Accounts {
			seen = append(seen, a.ID)
		}
		cursor = page.Cursor
		if !page.More {
			break
		}
	}
	if len(seen) != 7 || !slices.IsSorted(seen) {
		t.Errorf("users read %v, want the seven new ones in order", seen)
	}
}

// forgetFails fails to forget recorded changes: the pass dies after the
// central commit, before the queue rows go.
type forgetFails struct {
	*wordpress.Source
}

func (f forgetFails) ChangesRecorded(context.Context, keysync.ChangePage) error {
	return errors.New("killed after the central commit")
}

// TestRealWordPress_CrashAfterCommit: a pass dies between the central
// commit of a WordPress user's change and forgetting the queue rows; the
// next pass reads the user again, finds the change recorded, records it
// once, and empties the queue.
func TestRealWordPress_CrashAfterCommit(t *testing.T) {
	t.Parallel()
	r := mustRealSite(t)
	h := mustHub(t, nil)
	r.wp.Run(t, `wp_insert_user( array( 'user_login' => 'erika', 'user_pass' => 'x-123456789', 'user_email' => 'erika@example.invalid',
	'first_name' => 'Erika', 'last_name' => 'Muster', 'meta_input' => array( 'billing_city' => 'Köln' ) ) );`)
	if err := r.src.Check(t.Context()); err != nil {
		t.Fatal(err)
	}
	h.mustPass(t, r.src)
	r.wp.Run(t, `$u = get_user_by( 'login', 'erika' ); update_user_meta( $u->ID, 'billing_city', 'Bonn' );`)

	if _, err := h.Engine.Pass(t.Context(), t.Context(), keysync.Portal{Source: forgetFails{r.src}, Country: "AT"}); err == nil {
		t.Fatal("the pass did not fail")
	}
	if n := h.count(t, "SELECT COUNT(*) FROM field_changes WHERE field = 'city' AND new_value = 'Bonn'"); n != 1 {
		t.Fatalf("%d history rows of the change after the crash, want 1 (committed)", n)
	}
	if c := h.mustPass(t, r.src); c.Changed != 0 {
		t.Errorf("the pass after the crash changed %d accounts, want the change found recorded", c.Changed)
	}
	if n := h.count(t, "SELECT COUNT(*) FROM field_changes WHERE field = 'city'"); n != 1 {
		t.Errorf("%d history rows of the city, want 1", n)
	}
	if page := r.changes(t); len(page.Entries) != 0 {
		t.Errorf("%d queue rows left", len(page.Entries))
	}
}
