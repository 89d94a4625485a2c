package main

import (
	"slices"
	"strings"
	"testing"
	"time"

	"keysync/internal/centraltest"
	"keysync/internal/testdb"
	keysync "keysync/sync"
)

// masterSite is a femanager portal and a plain TYPO3 one with the same
// member on both: on amicas with her birth date, phone and an older
// change, on club with a newer town.
type masterSite struct {
	*site
	number string
}

func newMasterSite(t *testing.T) *masterSite {
	t.Helper()
	s := &masterSite{site: newSite(t, "amicas="+testdb.Typo3Femanager, "club")}
	s.mustRun(0, "migrate")
	old := time.Now().Add(-48 * time.Hour).Unix()
	testdb.InsertFeUsers(t, s.portals["amicas"], []testdb.FeUser{{Pid: 5, Username: "erika", FirstName: "Erika", LastName: "Muster",
		Email: "erika.muster@example.at", Address: "Hauptstraße 1", Zip: "1010", City: "Wien", Telephone: "+43 664 1234567",
		DateOfBirth: centraltest.BornIn(t, 1980, 5, 17), Gender: 1, Crdate: old, Tstamp: old}})
	testdb.InsertFeUsers(t, s.portals["club"], []testdb.FeUser{{Pid: 5, Username: "erika", FirstName: "Erika", LastName: "Muster",
		Email: "erika.muster@example.at", Address: "Bahnhofstraße 2", Zip: "8010", City: "Graz", Crdate: old + 3600, Tstamp: old + 3600}})
	s.mustRun(0, "once")
	s.number = scalar[string](t, s.central, "SELECT number FROM accounts WHERE source = 'amicas'")
	if other := scalar[string](t, s.central, "SELECT number FROM accounts WHERE source = 'club'"); other != s.number {
		t.Fatalf("the member got %s and %s, want one number", s.number, other)
	}
	return s
}

// TestShow_RecordAndFieldHistory: show prints the current record with the
// account of each value, and every change of it; --json carries both.
func TestShow_RecordAndFieldHistory(t *testing.T) {
	t.Parallel()
	s := newMasterSite(t)
	r := decode[[]personReport](t, s.mustRun(0, "show", s.number, "--json"))[0]
	want := map[keysync.Field][2]string{
		keysync.FieldSalutation: {"Frau", "amicas:1"},
		keysync.FieldBirthDate:  {"1980-05-17", "amicas:1"},
		keysync.FieldPhone:      {"+43 664 1234567", "amicas:1"},
		keysync.FieldCity:       {"Graz", "club:1"},
		keysync.FieldStreet:     {"Bahnhofstraße 2", "club:1"},
	}
	for _, v := range r.Record {
		if w, ok := want[v.Field]; ok {
			if v.Value != w[0] || v.Account != w[1] {
				t.Errorf("record %s = %q from %s, want %q from %s", v.Field, v.Value, v.Account, w[0], w[1])
			}
			delete(want, v.Field)
		}
	}
	if len(want) > 0 {
		t.Errorf("record lacks %v: %+v", want, r.Record)
	}
	var changed []string
	for _, c := range r.FieldHistory {
		changed = append(changed, string(c.Field)+":"+c.Old+">"+c.New+"@"+c.Account)
	}
	for _, w := range []string{"city:Wien>Graz@club:1", "zip:1010>8010@club:1", "street:Hauptstraße 1>Bahnhofstraße 2@club:1"} {
		if !slices.Contains(changed, w) {
			t.Errorf("field history %v lacks %s", changed, w)
		}
	}
	text := s.mustRun(0, "show", s.number).stdout
	for _, w := range []string{"Record:", "birth_date  1980-05-17", "club:1", "Field history (newest first):", "Wien -> Graz"} {
		if !strings.Contains(text, w) {
			t.Errorf("show lacks %q:\n%s", w, text)
		}
	}
}

// TestFind_PhoneAndBirthDate: find by a phone number as typed otherwise,
// by birth date exactly, in a range and by month; a bad date is a usage
// error.
func TestFind_PhoneAndBirthDate(t *testing.T) {
	t.Parallel()
	s := newMasterSite(t)
	for _, args := range [][]string{
		{"--phone", "0664/123 45 67"},
		{"--birth-date", "1980-05-17"},
		{"--birth-date", "1980-01-01..1989-12-31"},
		{"--birth-date", "1980-01-01.."},
		{"--born-in", "5"},
		{"--birth-month", "5", "--name", "Muster"},
	} {
		got := decode[[]personReport](t, s.mustRun(0, append([]string{"find", "--json"}, args...)...))
		if len(got) != 1 || got[0].Number != s.number {
			t.Errorf("find %v: %d persons, want %s", args, len(got), s.number)
		}
	}
	for _, args := range [][]string{{"--born-in", "6"}, {"--birth-date", "..1979-12-31"}, {"--phone", "0664 7654321"}} {
		if got := decode[[]personReport](t, s.mustRun(0, append([]string{"find", "--json"}, args...)...)); len(got) != 0 {
			t.Errorf("find %v: %d persons, want none", args, len(got))
		}
	}
	for _, args := range [][]string{{"--birth-date", "17.05.1980"}, {"--born-in", "13"}, {"--born-in", "Mai"}, {"--birth-date", ".."}} {
		if r := s.run(s.env, append([]string{"find"}, args...)...); r.code != 2 {
			t.Errorf("find %v: exit %d, want 2\n%s", args, r.code, r.stderr)
		}
	}
	if text := s.mustRun(0, "find", "--born-in", "5").stdout; !strings.Contains(text, "1980-05-17") {
		t.Errorf("find lists no birth date:\n%s", text)
	}
}

// addRealWordPress adds a real WordPress portal with keysync's change
// plugin and the given must-use plugins, configured as source name,
// tables prefixed wp_.
func (s *site) addRealWordPress(name string, plugins ...string) *testdb.RealWordPress {
	s.t.Helper()
	dsn, db := testdb.NewWithCollation(s.t, name, "utf8mb4", "utf8mb4_unicode_520_ci")
	wp := testdb.NewRealWordPress(s.t, dsn, "wp_", append([]string{"../../sources/wordpress/plugin/keysync-changes.php"}, plugins...)...)
	s.portals[name] = db
	s.addSource(name, "wordpress", dsn)
	return wp
}

// TestMasterData_WordPressAndTYPO3: one member on a TYPO3 portal and a real
// WordPress; she changes her town on both, in both orders of time. keysync
// once reads TYPO3 first either way, and the later change wins; her phone,
// given only in WordPress, survives TYPO3's empty one; an idle once
// changes nothing.
func TestMasterData_WordPressAndTYPO3(t *testing.T) {
	t.Parallel()
	s := newSite(t, "amicas")
	wp := s.addRealWordPress("blog")
	s.mustRun(0, "migrate")
	old := time.Now().Add(-24 * time.Hour).Unix()
	uid := testdb.InsertFeUsers(t, s.portals["amicas"], []testdb.FeUser{{Pid: 5, Username: "erika", FirstName: "Erika", LastName: "Muster",
		Email: "erika.muster@example.at", City: "Wien", Crdate: old, Tstamp: old}})[0]
	wp.Run(t, `wp_insert_user( array( 'user_login' => 'erika', 'user_pass' => 'x-123456789', 'user_email' => 'erika.muster@example.at',
	'first_name' => 'Erika', 'last_name' => 'Muster', 'meta_input' => array( 'billing_city' => 'Graz', 'billing_phone' => '0664 1234567' ) ) );`)
	s.mustRun(0, "once")
	number := scalar[string](t, s.central, "SELECT number FROM accounts WHERE source = 'amicas'")
	if n := scalar[string](t, s.central, "SELECT number FROM accounts WHERE source = 'blog' AND account_id = 2"); n != number {
		t.Fatalf("the member has %s and %s", number, n)
	}
	record := func() map[keysync.Field]string {
		t.Helper()
		out := map[keysync.Field]string{}
		for _, v := range decode[[]personReport](t, s.mustRun(0, "show", number, "--json"))[0].Record {
			out[v.Field] = v.Value + "@" + v.Account
		}
		return out
	}
	wpChange := func(city string) int64 {
		t.Helper()
		wp.Run(t, `$u = get_user_by( 'login', 'erika' ); update_user_meta( $u->ID, 'billing_city', '`+city+`' );`)
		return scalar[int64](t, s.portals["blog"], "SELECT UNIX_TIMESTAMP(CONVERT_TZ(MAX(changed_at), '+00:00', @@session.time_zone)) FROM wp_keysync_changes")
	}

	// WordPress first, then TYPO3 a minute later: TYPO3's wins.
	at := wpChange("Bonn")
	testdb.MustExec(t, s.portals["amicas"], "UPDATE fe_users SET city = 'Linz', tstamp = ? WHERE uid = ?", at+60, uid)
	s.mustRun(0, "once")
	if r := record(); r[keysync.FieldCity] != "Linz@amicas:1" || r[keysync.FieldPhone] != "0664 1234567@blog:2" {
		t.Errorf("TYPO3's later change: %v", r)
	}
	// TYPO3 a minute before WordPress: WordPress's wins, though TYPO3 is
	// read first.
	testdb.MustExec(t, s.portals["amicas"], "UPDATE fe_users SET city = 'Salzburg', tstamp = ? WHERE uid = ?", time.Now().Add(-time.Minute).Unix(), uid)
	wpChange("Innsbruck")
	r := s.mustRun(0, "once", "--json")
	if got := record()[keysync.FieldCity]; got != "Innsbruck@blog:2" {
		t.Errorf("WordPress's later change: city %s", got)
	}
	if !strings.Contains(r.stdout, `"changed": 2`) {
		t.Errorf("once --json does not count two changed accounts:\n%s", r.stdout)
	}
	if n := scalar[int](t, s.portals["blog"], "SELECT COUNT(*) FROM wp_keysync_changes"); n != 0 {
		t.Errorf("%d recorded changes still queued", n)
	}
	if r := s.mustRun(0, "once", "--json"); !strings.Contains(r.stdout, `"changed": 0`) {
		t.Errorf("idle once changed something:\n%s", r.stdout)
	}
}

// TestReconcile_DataSweep: an edit typed into the table by hand leaves
// tstamp alone and no pass sees it; reconcile --data reads every row and
// records it, and says so.
func TestReconcile_DataSweep(t *testing.T) {
	t.Parallel()
	s := newMasterSite(t)
	testdb.MustExec(t, s.portals["club"], "UPDATE fe_users SET city = 'Leoben' WHERE username = 'erika'")
	if r := s.mustRun(0, "once", "--json"); !strings.Contains(r.stdout, `"changed": 0`) {
		t.Fatalf("once saw the hand edit:\n%s", r.stdout)
	}
	r := s.mustRun(0, "reconcile", "--data", "--json")
	if !strings.Contains(r.stdout, `"data_changed": 1`) {
		t.Errorf("reconcile --data does not count the change:\n%s", r.stdout)
	}
	rep := decode[[]personReport](t, s.mustRun(0, "show", s.number, "--json"))[0]
	if rep.Value(keysync.FieldCity) != "Leoben" {
		t.Errorf("city %q after reconcile --data", rep.Value(keysync.FieldCity))
	}
	if r := s.mustRun(0, "reconcile", "--data"); !strings.Contains(r.stdout, "club: clean") || strings.Contains(r.stdout, "master data:") {
		t.Errorf("a second reconcile --data:\n%s", r.stdout)
	}
}

// TestDaemon_ChangeReachesRecord: with the daemon running, a member's
// profile edit reaches her central record without anything else done.
func TestDaemon_ChangeReachesRecord(t *testing.T) {
	t.Parallel()
	s := newMasterSite(t)
	d := s.startDaemon(s.env)
	d.waitLog("keysync starting", 30*time.Second)
	testdb.MustExec(t, s.portals["amicas"], "UPDATE fe_users SET telephone = '0650 7777777', tstamp = ? WHERE username = 'erika'", time.Now().Unix())
	eventually(t, 60*time.Second, "the new phone in the record", func() bool {
		return scalar[string](t, s.central, "SELECT COALESCE(JSON_VALUE(record, '$.phone[0]'), '') FROM persons WHERE number = ?", s.number) == "0650 7777777"
	})
	if code := d.stop(); code != 0 {
		t.Errorf("daemon exit %d", code)
	}
}
