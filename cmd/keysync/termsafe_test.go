package main

import (
	"encoding/json"
	"strings"
	"testing"

	"keysync/internal/testdb"
	"keysync/sync/reconcile"
)

// hostile is a registrant's name as a hostile TYPO3 form could store it:
// an escape sequence that sets the terminal's title and clears the screen,
// a bell, a forged line and a right-to-left override.
const hostile = "Eve\x1b]0;x\x07\x1b[2J\nresolved by root\u202eX"

// assertTerminalSafe fails when out carries a raw control or bidi
// character of hostile, or lacks its escaped form.
func assertTerminalSafe(t *testing.T, what, out string) {
	t.Helper()
	for _, raw := range []string{"\x1b", "\x07", "\u202e", "\nresolved by root"} {
		if strings.Contains(out, raw) {
			t.Errorf("%s prints %q raw:\n%s", what, raw, out)
		}
	}
	if !strings.Contains(out, `Eve\x1b]0;x\x07\x1b[2J\nresolved by root\u202eX`) {
		t.Errorf("%s lacks the escaped name:\n%s", what, out)
	}
}

// TestShow_TerminalEscapes: show prints a hostile registrant's name
// escaped; --json keeps it exact.
func TestShow_TerminalEscapes(t *testing.T) {
	s := newSite(t, "amicas")
	s.mustRun(0, "migrate")
	testdb.InsertFeUsers(t, s.portals["amicas"], []testdb.FeUser{{UID: 1, Username: "eve", Email: "eve@example.com", FirstName: hostile, LastName: "Muster", City: hostile}})
	s.mustRun(0, "once")
	number := scalar[string](t, s.central, "SELECT number FROM accounts WHERE account_id = 1")
	assertTerminalSafe(t, "show", s.mustRun(0, "show", number).stdout)
	assertTerminalSafe(t, "show of an account", s.mustRun(0, "show", "amicas:1").stdout)
	var persons []personReport
	if err := json.Unmarshal([]byte(s.mustRun(0, "show", number, "--json").stdout), &persons); err != nil {
		t.Fatal(err)
	}
	if len(persons) != 1 || persons[0].FirstName != hostile {
		t.Errorf("show --json changed the name: %+v", persons)
	}
}

// TestStatus_TerminalEscapes: a source's last error, which can quote a
// portal's data, reaches the terminal escaped.
func TestStatus_TerminalEscapes(t *testing.T) {
	s := newSite(t, "amicas")
	s.mustRun(0, "migrate")
	testdb.MustExec(t, s.central, "INSERT INTO source_state (source, updated_at, last_poll_at, last_error_at, last_error) VALUES ('amicas', UTC_TIMESTAMP(), UTC_TIMESTAMP(), UTC_TIMESTAMP(), ?)", hostile)
	r := s.run(s.env, "status")
	assertTerminalSafe(t, "status", r.stdout)
}

// TestReconcileText_TerminalEscapes: a source's error in the text report
// (a driver message may quote a portal's value) is printed escaped.
func TestReconcileText_TerminalEscapes(t *testing.T) {
	sum := reconcileSummary{Status: "failed", Failed: 1, Sources: []reconcile.Report{{Source: "amicas", Status: reconcile.StatusFailed, Error: hostile}}}
	var b strings.Builder
	shown := printable(sum)
	shown.writeText(&b)
	assertTerminalSafe(t, "reconcile", b.String())
}

// TestConflictsAndFind_TerminalEscapes: conflicts, conflicts show and find
// print a hostile registrant's values escaped; resolve refuses --by and
// --note with control characters, which would land in the history.
func TestConflictsAndFind_TerminalEscapes(t *testing.T) {
	s := newSite(t, "amicas")
	s.mustRun(0, "migrate")
	db := s.portals["amicas"]
	testdb.InsertFeUsers(t, db, []testdb.FeUser{
		{UID: 1, Username: "eve", Email: "eve@example.com", FirstName: hostile, LastName: "Muster"},
		{UID: 2, Username: "eva", Email: "eva@example.com", FirstName: hostile, LastName: "Beispiel"},
	})
	testdb.MustExec(t, db, "UPDATE fe_users SET tx_keysync_customer_number = ? WHERE uid = 1", hostile)
	s.mustRun(3, "once")
	assertTerminalSafe(t, "conflicts", s.mustRun(0, "conflicts", "list").stdout)
	id := scalar[string](t, s.central, "SELECT id FROM conflicts WHERE kind = 'invalid_number'")
	assertTerminalSafe(t, "conflicts show", s.mustRun(0, "conflicts", "show", id).stdout)
	assertTerminalSafe(t, "find", s.mustRun(0, "find", "--email", "eva@example.com").stdout)

	for _, args := range [][]string{
		{"--by", "root\nconflict 2 resolved by alice"},
		{"--by", "alice\x1b[2J"},
		{"--note", "ok\x1b]0;pwned\x07"},
		{"--note", "two\nlines"},
		{"--note", "rtl \u202e"},
	} {
		r := s.run(s.env, append([]string{"conflicts", "resolve", id, "--as", "ignore"}, args...)...)
		if r.code != ExitUsage || !strings.Contains(r.stderr, args[0]) {
			t.Errorf("resolve %q: exit %d, want %d naming %s:\n%s", args, r.code, ExitUsage, args[0], r.stderr)
		}
		if strings.Contains(r.stderr, "\x1b") || strings.Contains(r.stderr, "\u202e") {
			t.Errorf("resolve %q: the refusal prints the value raw", args)
		}
	}
	if got := scalar[string](t, s.central, "SELECT status FROM conflicts WHERE id = ?", id); got != "open" {
		t.Errorf("a refused resolve changed the conflict to %s", got)
	}
}
