package main

import (
	"strings"
	"syscall"
	"testing"
	"time"

	"keysync/internal/centraltest"
	"keysync/internal/testdb"
	"keysync/sync/central"
)

// erikaValues are the values of the member of newMasterSite, as portals
// typed them and as keysync normalises them.
var erikaValues = []string{"Erika", "Muster", "erika.muster", "Hauptstraße", "hauptstr", "Bahnhofstraße", "bahnhofstr",
	"Wien", "Graz", "1234567", "1980-05-17", "1980-5-17"}

// wantForgotten fails when a dump of the central database holds a value of
// the member.
func (s *masterSite) wantForgotten(when string) {
	s.t.Helper()
	for _, line := range strings.Split(centraltest.Dump(s.t, s.central), "\n") {
		for _, v := range erikaValues {
			if strings.Contains(strings.ToLower(line), strings.ToLower(v)) {
				s.t.Errorf("%s: the central database still holds %q: %s", when, v, line)
			}
		}
	}
}

// deleteInPortals deletes the member in both portals as TYPO3 does: the
// row stays, flagged deleted, with a new tstamp.
func (s *masterSite) deleteInPortals() {
	s.t.Helper()
	for _, p := range []string{"amicas", "club"} {
		testdb.MustExec(s.t, s.portals[p], "UPDATE fe_users SET deleted = 1, tstamp = UNIX_TIMESTAMP() WHERE uid = 1")
	}
}

// TestForget_EndToEnd: forget refuses while the member's accounts are
// active; once the portals deleted them it removes every value of hers from
// the central database; reconciliation and passes that still see her rows
// report them and read nothing; the checksums agree throughout.
func TestForget_EndToEnd(t *testing.T) {
	t.Parallel()
	s := newMasterSite(t)
	// Another member on each portal, who stays.
	for _, p := range []string{"amicas", "club"} {
		testdb.InsertFeUsers(t, s.portals[p], []testdb.FeUser{centraltest.User("franz", "Franz", "Huber", "franz.huber@example.at")})
	}
	r := s.run(s.env, "forget", s.number, "--by", "dsb")
	if r.code != 1 || !strings.Contains(r.stderr, "amicas:1 (active), club:1 (active)") {
		t.Fatalf("forget of an active member: exit %d, want 1 naming both accounts\n%s", r.code, r.stderr)
	}
	s.deleteInPortals()
	s.mustRun(0, "once")
	if got := scalar[int](t, s.central, "SELECT COUNT(*) FROM accounts WHERE status = 'deleted'"); got != 2 {
		t.Fatalf("%d accounts deleted centrally, want 2", got)
	}
	dry := decode[central.Forgotten](t, s.mustRun(0, "forget", s.number, "--dry-run", "--json"))
	if !dry.DryRun || len(dry.Accounts) != 2 || dry.FieldChanges == 0 {
		t.Errorf("dry run: %+v, want both accounts and the field history counted", dry)
	}
	if scalar[string](t, s.central, "SELECT first_name FROM persons WHERE number = ?", s.number) != "Erika" {
		t.Fatal("the dry run changed the person")
	}
	for _, bad := range [][]string{{"--by", "dsb\x1b[2J"}, {"--note", "line\nforged"}, {"--by", " "}, {}} {
		if r := s.run(s.env, append([]string{"forget"}, bad...)...); r.code != 2 {
			t.Errorf("forget %q: exit %d, want 2", bad, r.code)
		}
	}

	text := s.mustRun(0, "forget", s.number, "--by", "dsb", "--note", "Antrag vom 1.12.").stdout
	if !strings.Contains(text, s.number+" forgotten by dsb") || !strings.Contains(text, "amicas:1 (deleted), club:1 (deleted)") {
		t.Errorf("forget printed:\n%s", text)
	}
	s.wantForgotten("after the forget")

	// The rows still hold the number: reconciliation reports them and
	// records nothing else; so does a pass over a row active again.
	out := s.reconcile(3)
	if out.Conflicts["forgotten_account"] != 2 || out.Found["forgotten_account"] != 2 {
		t.Errorf("reconcile after the forget: %+v, want two forgotten_account conflicts", out)
	}
	testdb.MustExec(t, s.portals["amicas"], "UPDATE fe_users SET deleted = 0, tstamp = UNIX_TIMESTAMP() + 1 WHERE uid = 1")
	s.mustRun(3, "once")
	s.mustRun(3, "reconcile", "--data")
	s.wantForgotten("after the rows were read again")
	if got := scalar[int](t, s.central, "SELECT COUNT(*) FROM accounts WHERE status = 'deleted' AND forgotten_at IS NOT NULL"); got != 2 {
		t.Errorf("%d forgotten accounts still deleted centrally, want 2: a row read again moved nothing", got)
	}

	// The portals purge the rows: the conflicts close, the accounts are
	// gone, the number stays taken.
	for _, p := range []string{"amicas", "club"} {
		testdb.MustExec(t, s.portals[p], "DELETE FROM fe_users WHERE uid = 1")
	}
	if out := s.reconcile(0); out.Status != "clean" {
		t.Errorf("reconcile after the purge: %+v, want clean", out)
	}
	s.wantForgotten("after the purge")
	show := decode[[]personReport](t, s.mustRun(0, "show", s.number, "--json"))[0]
	if show.Status != "forgotten" || len(show.Record) != 0 || len(show.FieldHistory) != 0 || len(show.Conflicts) != 2 {
		t.Errorf("show: status %s, record %v, field history %d, conflicts %d; want forgotten, nothing but the two closed conflicts", show.Status, show.Record, len(show.FieldHistory), len(show.Conflicts))
	}
	var kinds []string
	for _, h := range show.History {
		kinds = append(kinds, h.Kind)
		if h.Kind == "forgotten" && (h.Actor != "dsb" || !strings.Contains(h.Detail, "Antrag vom 1.12.")) {
			t.Errorf("forgotten event %+v, want by dsb with the note", h)
		}
	}
	if got := scalar[int](t, s.central, "SELECT COUNT(*) FROM events WHERE number = ? AND kind = 'forgotten'", s.number); got != 1 {
		t.Errorf("history %v, want one forgotten event", kinds)
	}
	centraltest.CheckSums(t, t.Context(), central.New(s.central, central.Numbering{}))
}

// TestForget_KilledMidway: keysync forget killed while its transaction
// waits for its last lock leaves the whole record; the next one finishes.
func TestForget_KilledMidway(t *testing.T) {
	t.Parallel()
	s := newMasterSite(t)
	s.deleteInPortals()
	s.mustRun(0, "once")
	before := centraltest.Dump(t, s.central)

	blocker, err := s.central.Begin()
	if err != nil {
		t.Fatal(err)
	}
	defer blocker.Rollback() //nolint:errcheck // test cleanup
	if _, err := blocker.Exec("SELECT * FROM account_sums FOR UPDATE"); err != nil {
		t.Fatal(err)
	}
	p := s.start(s.env, "forget", s.number)
	eventually(t, 30*time.Second, "forget waiting for the checksums", func() bool {
		return scalar[int](t, s.central, `SELECT COUNT(*) FROM information_schema.processlist
 WHERE db = DATABASE() AND info LIKE 'INSERT INTO account_sums%'`) > 0
	})
	p.signal(syscall.SIGKILL)
	p.waitExit(10 * time.Second)
	if err := blocker.Rollback(); err != nil {
		t.Fatal(err)
	}
	eventually(t, 30*time.Second, "the killed connection's transaction rolled back", func() bool {
		return scalar[int](t, s.central, `SELECT COUNT(*) FROM information_schema.innodb_trx t
 JOIN information_schema.processlist p ON p.id = t.trx_mysql_thread_id WHERE p.db = DATABASE()`) == 0
	})
	if after := centraltest.Dump(t, s.central); after != before {
		t.Fatalf("a killed forget changed the central database:\nbefore:\n%s\nafter:\n%s", before, after)
	}
	s.mustRun(0, "forget", s.number)
	s.wantForgotten("after the second forget")
}

// TestForget_Retention: with KEYSYNC_FORGET_AFTER, reconcile forgets the
// persons whose accounts have all been deleted for longer, one log line
// each with the number only; status says so; a bad value exits 2.
func TestForget_Retention(t *testing.T) {
	t.Parallel()
	s := newMasterSite(t)
	s.deleteInPortals()
	s.mustRun(0, "once")
	env := s.with("KEYSYNC_FORGET_AFTER=2d")
	st := decode[statusReport](t, s.runWith(0, env, "status", "--json"))
	if st.Erasure.Retention != "2d" || st.Erasure.Due == nil || *st.Erasure.Due != 0 {
		t.Errorf("status right after the deletion: %+v, want retention 2d and none due", st.Erasure)
	}
	s.runWith(0, env, "reconcile")
	if got := scalar[string](t, s.central, "SELECT status FROM persons WHERE number = ?", s.number); got != "active" {
		t.Fatalf("the member is %s after a day, want active", got)
	}

	// Three days later (the deletion moved back, which changes no checksum).
	testdb.MustExec(t, s.central, "UPDATE accounts SET deleted_at = deleted_at - INTERVAL 3 DAY")
	st = decode[statusReport](t, s.runWith(0, env, "status", "--json"))
	if st.Erasure.Due == nil || *st.Erasure.Due != 1 {
		t.Errorf("status three days later: %+v, want one due", st.Erasure)
	}
	r := s.runWith(0, env, "reconcile", "--json")
	if !strings.Contains(r.stdout, `"forgotten": [`) || !strings.Contains(r.stdout, s.number) {
		t.Errorf("reconcile --json does not list %s as forgotten:\n%s", s.number, r.stdout)
	}
	if !strings.Contains(r.stderr, `"msg":"person forgotten","number":"`+s.number+`"`) {
		t.Errorf("no log line person forgotten with the number:\n%s", r.stderr)
	}
	s.wantForgotten("after the retention")
	st = decode[statusReport](t, s.runWith(0, env, "status", "--json"))
	if st.Erasure.Forgotten != 1 || *st.Erasure.Due != 0 {
		t.Errorf("status after the retention: %+v, want 1 forgotten, none due", st.Erasure)
	}
	for _, bad := range []string{"30m", "2y", "-1d"} {
		r := s.run(s.with("KEYSYNC_FORGET_AFTER="+bad), "status")
		if r.code != 2 || !strings.Contains(r.stderr, `KEYSYNC_FORGET_AFTER="`+bad+`"`) {
			t.Errorf("KEYSYNC_FORGET_AFTER=%s: exit %d, want 2 naming the variable and value\n%s", bad, r.code, r.stderr)
		}
	}
}

// runWith runs keysync with env and fails unless it exits with want.
func (s *site) runWith(want int, env []string, args ...string) result {
	s.t.Helper()
	r := s.run(env, args...)
	if r.code != want {
		s.t.Fatalf("keysync %v: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", args, r.code, want, r.stdout, r.stderr)
	}
	return r
}
