package main

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"

	"keysync/internal/testdb"
)

// TestRun_CentralDatabaseOutage: the central database is unreachable when
// the daemon starts and again while it runs. The daemon says so clearly,
// backs off, keeps running, and catches up when the database is back.
func TestRun_CentralDatabaseOutage(t *testing.T) {
	s := newSite(t, "amicas")
	s.mustRun(0, "migrate")
	s.insertUsers("amicas", 11, 30)

	server, err := mysql.ParseDSN(testdb.ServerDSN(t))
	if err != nil {
		t.Fatal(err)
	}
	p := newProxy(t, server.Addr)
	d := s.startDaemon(s.with("KEYSYNC_CENTRAL_DSN="+p.dsn(t, s.envValue("KEYSYNC_CENTRAL_DSN")), "KEYSYNC_LOG_LEVEL=debug"))

	// Down at start: a clear error, retried, the daemon stays up.
	line := d.waitLog("central database unavailable, retrying", time.Minute)
	if line.str("retry_in") == "" || line.str("err") == "" {
		t.Errorf("unavailable line lacks retry_in or err: %v", line.attrs)
	}
	// The waits grow from the poll interval (200ms) to KEYSYNC_BACKOFF_MAX
	// (1s); no source has started yet, so every retry is the central one.
	want := []time.Duration{200 * time.Millisecond, 400 * time.Millisecond, 800 * time.Millisecond, time.Second}
	if waits := d.waitRetries("", 0, len(want)); !slices.Equal(waits, want) {
		t.Errorf("waits for the central database = %v, want %v", waits, want)
	}
	if n := scalar[int](t, s.portals["amicas"], `SELECT COUNT(*) FROM fe_users WHERE tx_keysync_customer_number <> ''`); n != 0 {
		t.Fatalf("%d numbers written without a central database", n)
	}
	p.up()
	d.waitLog("central database recovered", time.Minute)
	eventually(t, time.Minute, "the backlog to be numbered", func() bool {
		return scalar[int](t, s.portals["amicas"], `SELECT COUNT(*) FROM fe_users WHERE tx_keysync_customer_number = ''`) == 0
	})

	// Down while running: new registrations wait, then catch up.
	p.down()
	s.insertUsers("amicas", 12, 5)
	d.waitLog("poll failed, retrying", time.Minute)
	p.up()
	d.waitLog("recovered", time.Minute)
	eventually(t, time.Minute, "the new users to be numbered", func() bool {
		return scalar[int](t, s.portals["amicas"], `SELECT COUNT(*) FROM fe_users WHERE tx_keysync_customer_number = ''`) == 0
	})
	select {
	case <-d.done:
		t.Fatal("daemon exited during the outage")
	default:
	}
	if code := d.stop(); code != 0 {
		t.Errorf("exit code = %d", code)
	}
	s.assertConsistent(true)
}

// TestRun_PortalOutage: a portal that cannot be reached is retried with
// waits that start at the poll interval and double up to
// KEYSYNC_BACKOFF_MAX, while the other portal goes on; when it is back the
// daemon catches up, and the next failure starts again at the poll
// interval.
func TestRun_PortalOutage(t *testing.T) {
	s := newSite(t, "amicas", "club")
	s.mustRun(0, "migrate")
	s.insertUsers("amicas", 31, 10)
	server, err := mysql.ParseDSN(testdb.ServerDSN(t))
	if err != nil {
		t.Fatal(err)
	}
	p := newProxy(t, server.Addr)
	d := s.startDaemon(s.with("KEYSYNC_SOURCE_AMICAS_DSN="+p.dsn(t, s.envValue("KEYSYNC_SOURCE_AMICAS_DSN")),
		"KEYSYNC_LOG_LEVEL=debug", "KEYSYNC_POLL_INTERVAL=200ms", "KEYSYNC_BACKOFF_MAX=1s"))
	unnumbered := func(portal string) int {
		return scalar[int](t, s.portals[portal], `SELECT COUNT(*) FROM fe_users WHERE tx_keysync_customer_number = ''`)
	}

	// club goes on while amicas is down.
	s.insertUsers("club", 32, 5)
	eventually(t, 30*time.Second, "club's users to be numbered", func() bool { return unnumbered("club") == 0 })
	want := []time.Duration{200 * time.Millisecond, 400 * time.Millisecond, 800 * time.Millisecond, time.Second, time.Second, time.Second}
	waits := d.waitRetries("amicas", 0, len(want))
	if !slices.Equal(waits, want) {
		t.Errorf("waits between retries of amicas = %v, want %v: from the poll interval doubling up to KEYSYNC_BACKOFF_MAX", waits, want)
	}
	if n := len(d.lines("poll failed, retrying", "amicas")); n != 1 {
		t.Errorf("%d error lines for %d failures within seconds, want 1 (then one a minute)", n, len(waits))
	}
	if n := unnumbered("amicas"); n != 10 {
		t.Fatalf("%d of amicas's 10 users numbered while it was down", 10-n)
	}

	// Back: the backlog is numbered.
	p.up()
	d.waitLog("recovered", 30*time.Second)
	eventually(t, 30*time.Second, "amicas's backlog to be numbered", func() bool { return unnumbered("amicas") == 0 })

	// Down again: the first wait is the poll interval again.
	before := len(d.lines("retry scheduled", "amicas"))
	p.down()
	if waits := d.waitRetries("amicas", before, 2); !slices.Equal(waits, want[:2]) {
		t.Errorf("waits after the next failure = %v, want %v: a success resets the back-off", waits, want[:2])
	}
	if code := d.stop(); code != 0 {
		t.Errorf("exit code = %d", code)
	}
	s.assertConsistent(true)
}

// waitRetries waits until the daemon scheduled n retries of source after
// the first skip ones, and returns their waits (debug lines "retry
// scheduled").
func (d *daemon) waitRetries(source string, skip, n int) []time.Duration {
	d.t.Helper()
	var lines []logLine
	eventually(d.t, 30*time.Second, fmt.Sprintf("%d retries of %s", n, source), func() bool {
		lines = d.lines("retry scheduled", source)
		return len(lines) >= skip+n
	})
	var waits []time.Duration
	for i, l := range lines[skip : skip+n] {
		w, err := time.ParseDuration(l.str("retry_in"))
		if err != nil {
			d.t.Fatalf("retry line: %v: %v", l.attrs, err)
		}
		waits = append(waits, w)
		// A wait never ends early, so the next retry comes at least this
		// long after: the daemon waits what it says.
		if next := skip + i + 1; next < len(lines) && lines[next].at.Sub(l.at) < w {
			d.t.Errorf("retry %d of %s came %v after the one before, which said it would wait %v", next+1, source, lines[next].at.Sub(l.at), w)
		}
	}
	return waits
}
