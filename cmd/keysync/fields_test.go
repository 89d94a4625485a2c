package main

import (
	"strings"
	"testing"
	"time"

	"keysync/internal/testdb"
)

// TestFields_MissingColumnIsConfigError: a column KEYSYNC_SOURCE_<NAME>_FIELDS
// names and the table lacks is a configuration error, found when keysync
// first looks at the portal: once, reconcile and the daemon end with exit
// code 2 and a message naming the variable, its value and the column; the
// other portal's pass still ran.
func TestFields_MissingColumnIsConfigError(t *testing.T) {
	s := newSite(t, "amicas", "club")
	s.mustRun(0, "migrate")
	testdb.InsertFeUsers(t, s.portals["club"], []testdb.FeUser{{Pid: 5, Username: "anna", FirstName: "Anna", LastName: "Gruber", Email: "anna@example.at"}})
	env := s.with("KEYSYNC_SOURCE_AMICAS_FIELDS=phone=telephone,mobile=handy")
	for _, args := range [][]string{{"once"}, {"reconcile"}} {
		r := s.run(env, args...)
		if r.code != 2 {
			t.Fatalf("keysync %v: exit %d, want 2\n%s", args, r.code, r.stderr)
		}
		for _, want := range []string{"KEYSYNC_SOURCE_AMICAS_FIELDS", `"phone=telephone,mobile=handy"`, "no column handy"} {
			if !strings.Contains(r.stderr, want) {
				t.Errorf("keysync %v: stderr lacks %q:\n%s", args, want, r.stderr)
			}
		}
	}
	if n := scalar[int](t, s.portals["club"], "SELECT COUNT(*) FROM fe_users WHERE tx_keysync_customer_number <> ''"); n != 1 {
		t.Errorf("club got %d numbers, want 1: its pass goes on", n)
	}

	d := s.startDaemon(env)
	select {
	case <-d.done:
	case <-time.After(60 * time.Second):
		t.Fatal("the daemon did not stop on the configuration error")
	}
	if code := d.cmd.ProcessState.ExitCode(); code != 2 {
		t.Errorf("keysync run: exit %d, want 2\n%s", code, d.logs.String())
	}
	if !strings.Contains(d.logs.String(), "no column handy") {
		t.Errorf("the daemon does not say why:\n%s", d.logs.String())
	}
}
