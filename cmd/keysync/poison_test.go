package main

import (
	"fmt"
	"strings"
	"testing"

	"keysync/internal/testdb"
)

// phpRoles is a wp_capabilities value as WordPress stores it
// (serialize(array(role => true, ...))) with n roles of width characters.
func phpRoles(n, width int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "a:%d:{", n)
	for i := range n {
		role := fmt.Sprintf("r%0*d", width-1, i)
		fmt.Fprintf(&b, `s:%d:"%s";b:1;`, len(role), role)
	}
	b.WriteString("}")
	return b.String()
}

// TestPoisonRows_OneRowNeverStopsASource: rows that used to fail the
// batch of every later user of their source, pass after pass, as
// WordPress and TYPO3 store them: 1,000 roles of 200 characters, two
// 70-character person ids with a common prefix, a 44-character household
// id with an escape sequence shared by a TYPO3 registrant's household, a
// NULL pid and a crdate past year 9999. Every other user is numbered
// and written back, in batches of 3; the poison rows become conflicts or
// are numbered with what fits.
func TestPoisonRows_OneRowNeverStopsASource(t *testing.T) {
	t.Parallel()
	m := newMixedSite(t, "amicas", "blog="+testdb.WordPressSingle)
	m.env = append(m.env, "KEYSYNC_BATCH_SIZE=3")
	m.mustRun(0, "migrate")
	typo3 := m.portals["amicas"]
	testdb.MustExec(t, typo3, "ALTER TABLE fe_users MODIFY pid int(11) unsigned NULL, MODIFY crdate bigint unsigned NOT NULL DEFAULT 0")

	prefix := strings.Repeat("PE", 34) // 68 characters
	hh := "\x1b[31m" + strings.Repeat("4", 39)
	m.insertWP("blog",
		wpUser{ID: 1, Login: "anna", Email: "anna@gmx.at", First: "Anna", Last: "Gruber", Role: "subscriber"},
		wpUser{ID: 2, Login: "rolf", Email: "rolf@gmx.at", First: "Rolf", Last: "Rollen"},
		wpUser{ID: 3, Login: "pia", Email: "pia@gmx.at", First: "Pia", Last: "Lang"},
		wpUser{ID: 4, Login: "pit", Email: "pit@gmx.at", First: "Pit", Last: "Lang"},
		wpUser{ID: 5, Login: "hugo", Email: "hugo@gmx.at", First: "Hugo", Last: "Huber", Street: "Hauptstraße 10", Zip: "1010", City: "Wien", Country: "AT"},
		wpUser{ID: 6, Login: "berta", Email: "berta@gmx.at", First: "Berta", Last: "Blum"},
		wpUser{ID: 7, Login: "carl", Email: "carl@gmx.at", First: "Carl", Last: "Cerny"},
	)
	m.execWP("blog", "INSERT INTO "+wpPrefix+"usermeta (user_id, meta_key, meta_value) VALUES (2, ?, ?), (3, ?, ?), (4, ?, ?), (5, ?, ?)",
		wpPrefix+"capabilities", phpRoles(1000, 200), wpPEKey, prefix+"AA", wpPEKey, prefix+"BB", wpHHKey, hh)
	testdb.InsertFeUsers(t, typo3, []testdb.FeUser{
		{UID: 1, Username: "karl", Email: "karl@huber.at", FirstName: "Karl", LastName: "Huber", Address: "Hauptstraße 10", Zip: "1010", City: "Wien"},
		{UID: 2, Username: "nullpid", Email: "np@gmx.at", FirstName: "Nora", LastName: "Null"},
		{UID: 3, Username: "future", Email: "fu@gmx.at", FirstName: "Fritz", LastName: "Fern", Crdate: 253402300800},
		{UID: 4, Username: "dora", Email: "dora@gmx.at", FirstName: "Dora", LastName: "Dorn"},
	})
	testdb.MustExec(t, typo3, "UPDATE fe_users SET pid = NULL WHERE uid = 2")
	testdb.MustExec(t, typo3, "UPDATE fe_users SET crdate = 18446744073709551615 WHERE uid = 4")

	for pass := 1; pass <= 2; pass++ {
		if r := m.run(m.env, "once", "--json"); r.code != ExitConflicts {
			t.Fatalf("pass %d: exit %d, want %d (done, conflicts open)\n%s\n%s", pass, r.code, ExitConflicts, r.stdout, r.stderr)
		}
	}
	wp, t3 := m.wpRows("blog"), m.rows("amicas")
	for _, id := range []uint64{1, 2, 6, 7} {
		if wp[id].number == "" || wp[id].hh == "" || wp[id].pe == "" {
			t.Errorf("WordPress user %d not numbered: %+v", id, wp[id])
		}
	}
	for _, id := range []uint64{3, 4, 5} {
		if wp[id].number != "" {
			t.Errorf("WordPress user %d with a Wibisoft id that is no id got number %s", id, wp[id].number)
		}
	}
	for id := uint64(1); id <= 4; id++ {
		if t3[id].number == "" || t3[id].hh == "" || len(t3[id].hh) > 32 {
			t.Errorf("TYPO3 row %d: %+v, want a number and a household id of the portal's width", id, t3[id])
		}
	}
	if n := scalar[int](t, m.central, "SELECT COUNT(*) FROM conflicts WHERE kind = 'invalid_wibisoft_id' AND status = 'open'"); n != 3 {
		t.Errorf("%d invalid_wibisoft_id conflicts, want 3 (two person ids, one household id)", n)
	}
	if n := scalar[int](t, m.central, "SELECT COUNT(*) FROM persons WHERE pe_id LIKE 'PE%' OR hh_id LIKE '%4444%'"); n != 0 {
		t.Errorf("%d persons adopted a Wibisoft id that is no id", n)
	}
	groups := scalar[string](t, m.central, "SELECT CONCAT_WS('|', JSON_VALID(groups_list), JSON_LENGTH(groups_list), LENGTH(groups_list) <= 16384) FROM accounts WHERE source = 'blog' AND account_id = 2")
	if !strings.HasPrefix(groups, "1|") || !strings.HasSuffix(groups, "|1") {
		t.Errorf("memberships of the 1,000 roles: valid|entries|bounded = %s", groups)
	}
	if n := scalar[int](t, m.central, "SELECT COUNT(*) FROM events WHERE source = 'blog' AND account_id = 2 AND detail LIKE '%memberships cut: % of 1000 kept%'"); n != 1 {
		t.Errorf("the history does not say that the memberships were cut")
	}
	if n := scalar[int](t, m.central, "SELECT COUNT(*) FROM accounts WHERE source = 'amicas' AND account_id IN (3, 4) AND registered_at IS NULL"); n != 2 {
		t.Errorf("a crdate past year 9999 is kept as a registration date")
	}
	m.assertNumbersNeverReused()
}

// TestWordPress_DuplicateNumberMeta: a user whose number meta key is there
// twice, an empty row first (as a plugin's import leaves it) and a number
// in the second, used to get a second number written into the empty row.
// Now the user is a duplicate_meta conflict and nothing is written, by
// the poll or by a repair.
func TestWordPress_DuplicateNumberMeta(t *testing.T) {
	t.Parallel()
	m := newMixedSite(t, "blog="+testdb.WordPressSingle)
	m.mustRun(0, "migrate")
	tmpl := defaultTemplate(t)
	legacy, _ := tmpl.Format(4711, "")
	m.insertWP("blog",
		wpUser{ID: 1, Login: "anna", Email: "anna@gmx.at", First: "Anna", Last: "Gruber"},
		wpUser{ID: 2, Login: "bert", Email: "bert@gmx.at", First: "Bert", Last: "Bauer"},
	)
	m.execWP("blog", "INSERT INTO "+wpPrefix+"usermeta (user_id, meta_key, meta_value) VALUES (1, ?, ''), (1, ?, ?)", wpNumberKey, wpNumberKey, legacy)
	countRows := func() int {
		return scalar[int](t, m.wp["blog"], "SELECT COUNT(*) FROM "+wpPrefix+"usermeta WHERE user_id = 1 AND meta_key = ? AND meta_value <> ''", wpNumberKey)
	}
	m.mustRun(ExitConflicts, "once")
	if n := countRows(); n != 1 {
		t.Errorf("user 1 holds %d non-empty number rows, want the one it had", n)
	}
	if got := m.wpRows("blog")[2]; got.number == "" {
		t.Errorf("user 2 not numbered: %+v", got)
	}
	value := scalar[string](t, m.central, "SELECT value FROM conflicts WHERE kind = 'duplicate_meta' AND account_id = 1 AND status = 'open'")
	if want := wpNumberKey + `: "", "` + legacy + `"`; value != want {
		t.Errorf("conflict value %q, want %q", value, want)
	}
	m.run(m.env, "reconcile", "--repair")
	if n := countRows(); n != 1 {
		t.Errorf("after a repair user 1 holds %d non-empty number rows, want 1", n)
	}
	if n := scalar[int](t, m.central, "SELECT COUNT(*) FROM conflicts WHERE kind = 'duplicate_meta' AND account_id = 1"); n != 1 {
		t.Errorf("%d duplicate_meta conflicts after the repair, want the one, still open", n)
	}
}

// TestReconcile_LongValueStaysOpen: a 70,000-character value typed into a
// linked user's number meta is a number_mismatch conflict that stays open
// run after run; comparing its stored 255 characters with the whole value
// used to resolve it on one run and raise it again on the next.
func TestReconcile_LongValueStaysOpen(t *testing.T) {
	t.Parallel()
	m := newMixedSite(t, "blog="+testdb.WordPressSingle)
	m.mustRun(0, "migrate")
	m.insertWP("blog", wpUser{ID: 1, Login: "anna", Email: "anna@gmx.at", First: "Anna", Last: "Gruber"})
	m.mustRun(0, "once")
	m.execWP("blog", "UPDATE "+wpPrefix+"usermeta SET meta_value = ? WHERE user_id = 1 AND meta_key = ?", strings.Repeat("9", 70_000), wpNumberKey)
	for run := 1; run <= 3; run++ {
		m.run(m.env, "reconcile")
	}
	if got := scalar[string](t, m.central, "SELECT CONCAT(COUNT(*), '|', SUM(status = 'open')) FROM conflicts WHERE kind = 'number_mismatch'"); got != "1|1" {
		t.Errorf("number_mismatch conflicts (all|open) = %s, want 1|1", got)
	}
	if n := scalar[int](t, m.central, "SELECT COUNT(*) FROM events WHERE kind = 'conflict_resolved'"); n != 0 {
		t.Errorf("%d conflicts resolved by reconciliation, want none", n)
	}
}

// TestRowRefused_CostsOnlyTheRow: databases that refuse one row's values
// (a central column an admin narrowed, a TYPO3 column narrower than the
// household id a WordPress member of the same household brought) cost
// that row alone: the batch goes through without it, the row becomes a
// row_refused conflict and a WARN "row skipped" line naming source and
// uid, the next pass skips it without failing, and it is numbered once it
// changes.
func TestRowRefused_CostsOnlyTheRow(t *testing.T) {
	t.Parallel()
	m := newMixedSite(t, "amicas", "blog="+testdb.WordPressSingle)
	m.mustRun(0, "migrate")
	testdb.MustExec(t, m.central, "ALTER TABLE accounts MODIFY username VARCHAR(12) NOT NULL DEFAULT ''")
	testdb.MustExec(t, m.portals["amicas"], "ALTER TABLE fe_users MODIFY tx_keysync_wibisoft_hh_id varchar(10) NOT NULL DEFAULT ''")

	// Hugo's WordPress row carries a household id Wibisoft gave, longer
	// than the TYPO3 column of Karl, who lives with him.
	m.insertWP("blog", wpUser{ID: 1, Login: "hugo", Email: "hugo@gmx.at", First: "Hugo", Last: "Huber", Street: "Hauptstraße 10", Zip: "1010", City: "Wien", Country: "AT"})
	m.execWP("blog", "INSERT INTO "+wpPrefix+"usermeta (user_id, meta_key, meta_value) VALUES (1, ?, 'HH-2019-000042')", wpHHKey)
	m.mustRun(0, "once")
	var users []testdb.FeUser
	for i := 1; i <= 9; i++ {
		users = append(users, testdb.FeUser{UID: uint64(i), Username: fmt.Sprintf("user%d", i), Email: fmt.Sprintf("u%d@gmx.at", i),
			FirstName: []string{"Anna", "Berta", "Carl", "Dora", "Emil", "Fritz", "Gerda", "Hanna", "Ida"}[i-1], LastName: "Muster" + string(rune('a'+i))})
	}
	users[3].Username = "a-username-longer-than-twelve"                                                              // uid 4: refused centrally
	users[6] = testdb.FeUser{UID: 7, Username: "karl", Email: "karl@huber.at", FirstName: "Karl", LastName: "Huber", // uid 7: refused by the portal
		Address: "Hauptstraße 10", Zip: "1010", City: "Wien"}
	testdb.InsertFeUsers(t, m.portals["amicas"], users)

	r := m.run(m.env, "once")
	if r.code != ExitConflicts {
		t.Fatalf("once: exit %d, want %d\n%s", r.code, ExitConflicts, r.stderr)
	}
	rows := m.rows("amicas")
	for uid := uint64(1); uid <= 9; uid++ {
		numbered := rows[uid].number != ""
		if want := uid != 4 && uid != 7; numbered != want {
			t.Errorf("uid %d numbered=%v, want %v: %+v", uid, numbered, want, rows[uid])
		}
	}
	refused := scalar[string](t, m.central, "SELECT GROUP_CONCAT(account_id ORDER BY account_id) FROM conflicts WHERE kind = 'row_refused' AND source = 'amicas' AND status = 'open'")
	if refused != "4,7" {
		t.Errorf("row_refused conflicts for uids %q, want 4,7", refused)
	}
	for _, uid := range []string{"4", "7"} {
		if !strings.Contains(r.stderr, `"msg":"row skipped","source":"amicas","uid":`+uid) {
			t.Errorf("no WARN row skipped for amicas:%s in\n%s", uid, r.stderr)
		}
	}

	// The next pass skips both rows without a failure or a new conflict.
	if r := m.run(m.env, "once", "--json"); r.code != ExitConflicts || strings.Contains(r.stderr, "row skipped") || !strings.Contains(r.stdout, `"errors": 0`) {
		t.Errorf("second pass: exit %d, want %d without skipping anew\n%s\n%s", r.code, ExitConflicts, r.stdout, r.stderr)
	}
	if n := scalar[int](t, m.central, "SELECT COUNT(*) FROM conflicts WHERE kind = 'row_refused'"); n != 2 {
		t.Errorf("%d row_refused conflicts after the second pass, want 2", n)
	}

	// The member shortens the user name: the changed row is numbered.
	testdb.MustExec(t, m.portals["amicas"], "UPDATE fe_users SET username = 'dora' WHERE uid = 4")
	m.run(m.env, "once")
	if got := m.rows("amicas")[4]; got.number == "" {
		t.Errorf("the changed row is still not numbered: %+v", got)
	}
}
