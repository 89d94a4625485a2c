package main

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"keysync/internal/testdb"
	"keysync/sync/central"
)

// recordPoll records a poll in the site's central database the way the
// daemon's poll loop does.
func (s *site) recordPoll(source string, ok bool, errText string) {
	s.t.Helper()
	st, err := central.Open(envValue(s.env, "KEYSYNC_CENTRAL_DSN"), central.Numbering{})
	if err != nil {
		s.t.Fatal(err)
	}
	defer st.Close()
	if err := st.RecordPoll(s.t.Context(), source, ok, errText); err != nil {
		s.t.Fatal(err)
	}
}

// TestStatus_AfterOnceAndFailingSource: per source the polls, the last
// error, the backlog, open conflicts by kind and the last reconciliation;
// a portal that cannot be read shows why instead of a backlog.
func TestStatus_AfterOnceAndFailingSource(t *testing.T) {
	s := newSite(t, "amicas", "club")
	wp := s.addWordPress("blog")
	s.mustRun(0, "migrate")
	s.insertUsers("amicas", 1, 10)
	testdb.MustExec(t, s.portals["amicas"], `UPDATE fe_users SET tx_keysync_customer_number = '12ab' WHERE uid = 3`)
	insertWPUsers(t, wp, "early", 4)
	s.mustRun(ExitConflicts, "once")

	// Since then: three new registrations on amicas, one on blog, and club
	// lost its table.
	s.insertUsers("amicas", 2, 3)
	insertWPUsers(t, wp, "late", 1)
	testdb.MustExec(t, s.portals["club"], `DROP TABLE fe_users`)
	s.recordPoll("amicas", true, "")
	s.recordPoll("club", true, "")
	s.recordPoll("club", false, "club: read new rows: Error 1146: Table 'fe_users' doesn't exist")
	testdb.MustExec(t, s.central, `INSERT INTO reconciliations (source, started_at, finished_at, status, actor) VALUES ('amicas', ?, ?, 'clean', 'test')`,
		time.Now().Add(-time.Hour).UTC(), time.Now().Add(-59*time.Minute).UTC())

	r := s.mustRun(0, "status", "--json")
	var rep statusReport
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatalf("%v\n%s", err, r.stdout)
	}
	amicas, club, blog := rep.Sources["amicas"], rep.Sources["club"], rep.Sources["blog"]
	if amicas == nil || club == nil || blog == nil {
		t.Fatalf("sources: %s", r.stdout)
	}
	if amicas.Kind != "typo3" || amicas.LastOKAt == nil || amicas.LastPollAt == nil || amicas.LastError != nil || amicas.LastErrorAt != nil {
		t.Errorf("amicas polls: %s", r.stdout)
	}
	if amicas.Backlog == nil || *amicas.Backlog != 3 {
		t.Errorf("amicas backlog: %s", r.stdout)
	}
	if amicas.OpenConflicts["invalid_number"] != 1 {
		t.Errorf("amicas conflicts: %v", amicas.OpenConflicts)
	}
	if rc := amicas.LastReconciliation; rc == nil || rc.Status != "clean" || rc.FinishedAt == nil {
		t.Errorf("amicas reconciliation: %+v", rc)
	}
	if club.LastError == nil || !strings.Contains(*club.LastError, "doesn't exist") || club.LastErrorAt == nil || club.LastOKAt == nil || club.LastErrorAt.Before(*club.LastOKAt) {
		t.Errorf("club polls: %s", r.stdout)
	}
	if club.Backlog != nil || !strings.Contains(club.BacklogError, "fe_users") {
		t.Errorf("club backlog: %v %q", club.Backlog, club.BacklogError)
	}
	if blog.Kind != "wordpress" || blog.Backlog == nil || *blog.Backlog != 1 || blog.LastError != nil || blog.LastReconciliation != nil || len(blog.OpenConflicts) != 0 {
		t.Errorf("blog: %s", r.stdout)
	}
	for _, key := range []string{`"last_poll_at"`, `"last_ok_at"`, `"last_error"`, `"last_error_at"`, `"backlog"`, `"open_conflicts"`, `"last_reconciliation"`, `"started_at"`, `"finished_at"`, `"status"`} {
		if !strings.Contains(r.stdout, key) {
			t.Errorf("JSON lacks %s", key)
		}
	}

	text := s.mustRun(0, "status").stdout
	for _, want := range []string{
		"amicas (typo3)\n",
		"backlog:          3 confirmed accounts without a number",
		"open conflicts:   1 (invalid_number 1)",
		"reconciliation:   clean, started ",
		"club (typo3)\n",
		", failed\n",
		"last error:       ",
		"backlog:          unknown: ",
		"blog (wordpress)\n",
		"backlog:          1 confirmed account without a number",
		"reconciliation:   never\n",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("status lacks %q:\n%s", want, text)
		}
	}
	if i, j := strings.Index(text, "amicas ("), strings.Index(text, "club ("); i > j {
		t.Errorf("sources not in configured order:\n%s", text)
	}
}

// TestStatus_BeforeMigrate: no schema, and status says what to run.
func TestStatus_BeforeMigrate(t *testing.T) {
	s := newSite(t, "amicas")
	r := s.mustRun(1, "status")
	if !strings.Contains(r.stderr, "keysync migrate") {
		t.Errorf("stderr:\n%s", r.stderr)
	}
}

func TestAgo(t *testing.T) {
	for d, want := range map[time.Duration]string{
		-time.Second:                      "in the future: clocks differ",
		42 * time.Second:                  "42s ago",
		3*time.Hour + 12*time.Minute + 5:  "3h12m ago",
		90 * time.Minute:                  "1h30m ago",
		5 * time.Minute:                   "5m ago",
		72 * time.Hour:                    "3 days ago",
		47*time.Hour + 59*time.Minute + 1: "47h59m ago",
	} {
		if got := ago(d); got != want {
			t.Errorf("ago(%s) = %q, want %q", d, got, want)
		}
	}
}
