package main

import (
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"keysync/internal/testdb"
)

// freeAddr returns a loopback address no one listens on right now.
func freeAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// TestDaemon_HealthMetricsAndStatus: the daemon serves /healthz and
// /metrics on KEYSYNC_HTTP_ADDR, records its polls centrally for `keysync
// status`, and a source that starts failing turns /healthz to 503 and shows
// in status; `once` records its passes the same way.
func TestDaemon_HealthMetricsAndStatus(t *testing.T) {
	s := newSite(t, "amicas", "club")
	s.mustRun(0, "migrate")
	s.insertUsers("amicas", 1, 8)
	s.insertUsers("club", 2, 3)

	s.mustRun(0, "once")
	var rep statusReport
	if err := json.Unmarshal([]byte(s.mustRun(0, "status", "--json").stdout), &rep); err != nil {
		t.Fatal(err)
	}
	if a := rep.Sources["amicas"]; a.LastOKAt == nil || a.LastError != nil || a.Backlog == nil || *a.Backlog != 0 {
		t.Errorf("after once: %+v", a)
	}

	addr := freeAddr(t)
	d := s.startDaemon(s.with("KEYSYNC_HTTP_ADDR=" + addr))
	d.waitLog("serving /healthz and /metrics", 30*time.Second)
	fetch := func(path string) (int, string) {
		t.Helper()
		resp, err := http.Get("http://" + addr + path)
		if err != nil {
			return 0, err.Error()
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	eventually(t, 30*time.Second, "/healthz 200", func() bool { code, _ := fetch("/healthz"); return code == http.StatusOK })
	s.insertUsers("amicas", 3, 4)
	eventually(t, 30*time.Second, "the new numbers in /metrics", func() bool {
		_, body := fetch("/metrics")
		return strings.Contains(body, `keysync_numbers_assigned_total{source="amicas"} 4`)
	})
	_, body := fetch("/metrics")
	for _, want := range []string{`keysync_poll_duration_seconds_count{source="club"}`, `keysync_backlog{source="amicas"}`, `keysync_poll_errors_total{source="club"} 0`} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %s:\n%s", want, body)
		}
	}

	// club loses its table: health turns 503 within three intervals of
	// 200ms, and status shows the error.
	testdb.MustExec(t, s.portals["club"], "DROP TABLE fe_users")
	eventually(t, 30*time.Second, "/healthz 503", func() bool {
		code, body := fetch("/healthz")
		return code == http.StatusServiceUnavailable && strings.Contains(body, "club:")
	})
	if err := json.Unmarshal([]byte(s.mustRun(0, "status", "--json").stdout), &rep); err != nil {
		t.Fatal(err)
	}
	club := rep.Sources["club"]
	if club.LastError == nil || !strings.Contains(*club.LastError, "fe_users") || club.LastErrorAt == nil || club.LastOKAt == nil || !club.LastErrorAt.After(*club.LastOKAt) {
		t.Errorf("club after the failure: %+v", club)
	}
	// amicas goes on: it polls successfully after club failed.
	clubFailed := *club.LastErrorAt
	eventually(t, 30*time.Second, "amicas to poll after club failed", func() bool {
		var now statusReport
		if err := json.Unmarshal([]byte(s.mustRun(0, "status", "--json").stdout), &now); err != nil {
			t.Fatal(err)
		}
		a := now.Sources["amicas"]
		if a.LastError != nil {
			t.Fatalf("amicas failed too: %+v", a)
		}
		return a.LastOKAt != nil && a.LastOKAt.After(clubFailed)
	})
	if code := d.stop(); code != 0 {
		t.Fatalf("daemon exit %d", code)
	}
	if code, _ := fetch("/healthz"); code != 0 {
		t.Errorf("still serving after the daemon stopped: %d", code)
	}
}
