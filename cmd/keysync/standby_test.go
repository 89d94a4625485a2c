package main

import (
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"

	"keysync/internal/sqlutil"
	"keysync/internal/testdb"
)

// squatter is a session of a database account without a single privilege,
// as anyone who can connect to the central server has: enough for
// GET_LOCK.
func squatter(t *testing.T) *sql.Conn {
	t.Helper()
	cfg, err := mysql.ParseDSN(testdb.ServerDSN(t))
	if err != nil {
		t.Fatal(err)
	}
	root, err := sql.Open("mysql", cfg.FormatDSN())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { root.Close() })
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	user, pass := "ks_squat_"+hex.EncodeToString(b), "squat-"+hex.EncodeToString(b)
	testdb.MustExec(t, root, fmt.Sprintf("CREATE USER '%s'@'%%' IDENTIFIED BY '%s'", user, pass))
	t.Cleanup(func() { _, _ = root.Exec(fmt.Sprintf("DROP USER IF EXISTS '%s'@'%%'", user)) })
	cfg.User, cfg.Passwd, cfg.DBName = user, pass, ""
	db, err := sql.Open("mysql", cfg.FormatDSN())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	conn, err := db.Conn(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

// getHTTP fetches path from addr; status 0 when nobody answered.
func getHTTP(addr, path string) (int, string) {
	resp, err := http.Get("http://" + addr + path)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestRun_SourceLockSquatted: a session without any privilege takes the
// source's named lock before the daemon starts, as anyone who can connect
// can. The daemon stands by and new registrations get no number; past
// three poll intervals without a poll by any keysync this shows: a WARN
// line naming the source, how long and the session holding the lock,
// /healthz 503 saying the same, and `keysync status`. Once the session
// is killed, as status advises, the daemon takes over and numbers the backlog.
func TestRun_SourceLockSquatted(t *testing.T) {
	s := newSite(t, "amicas")
	s.mustRun(0, "migrate")
	s.insertUsers("amicas", 31, 4)
	database := scalar[string](t, s.central, "SELECT DATABASE()")
	conn := squatter(t)
	var holder int64
	if err := conn.QueryRowContext(t.Context(), "SELECT CONNECTION_ID()").Scan(&holder); err != nil {
		t.Fatal(err)
	}
	var got sql.NullInt64
	if err := conn.QueryRowContext(t.Context(), "SELECT GET_LOCK(?, 0)", sqlutil.LockName("source", database, "amicas")).Scan(&got); err != nil || got.Int64 != 1 {
		t.Fatalf("the squatter's GET_LOCK = %v, %v", got, err)
	}

	addr := freeAddr(t)
	d := s.startDaemon(s.with("KEYSYNC_HTTP_ADDR=" + addr))
	warn := d.waitLog("standby: no keysync polls the source", 30*time.Second)
	if warn.str("level") != "WARN" || warn.str("source") != "amicas" || warn.str("standby_for") == "" || warn.str("last_poll") != "never" ||
		fmt.Sprint(warn.attrs["lock_holder"]) != fmt.Sprint(holder) {
		t.Errorf("warning = %v, want WARN naming amicas, how long, no poll ever and lock_holder %d", warn.attrs, holder)
	}
	code, body := getHTTP(addr, "/healthz")
	if code != http.StatusServiceUnavailable || !strings.Contains(body, "amicas: standing by for ") ||
		!strings.Contains(body, fmt.Sprintf("connection %d holds the source lock", holder)) {
		t.Errorf("/healthz = %d %q, want 503 naming amicas and connection %d", code, body, holder)
	}

	var rep statusReport
	if err := json.Unmarshal([]byte(s.mustRun(0, "status", "--json").stdout), &rep); err != nil {
		t.Fatal(err)
	}
	if a := rep.Sources["amicas"]; a.LockHolder == nil || *a.LockHolder != holder || !a.Stalled || a.Backlog == nil || *a.Backlog != 4 {
		t.Errorf("status: %+v, want lock_holder %d, stalled and a backlog of 4", a, holder)
	}
	text := s.mustRun(0, "status").stdout
	if !strings.Contains(text, fmt.Sprintf("held by connection %d, but no keysync has polled the source", holder)) ||
		!strings.Contains(text, fmt.Sprintf("KILL %d", holder)) {
		t.Errorf("status text does not show the halted source:\n%s", text)
	}
	if n := scalar[int](t, s.portals["amicas"], "SELECT COUNT(*) FROM fe_users WHERE tx_keysync_customer_number <> ''"); n != 0 {
		t.Fatalf("%d rows numbered while the lock was held elsewhere", n)
	}

	// What status advises: KILL on the central server frees the source.
	testdb.MustExec(t, s.central, fmt.Sprintf("KILL %d", holder))
	d.waitLog("took over the source", 30*time.Second)
	eventually(t, time.Minute, "the backlog to be numbered", func() bool {
		return scalar[int](t, s.portals["amicas"], "SELECT COUNT(*) FROM fe_users WHERE tx_keysync_customer_number = ''") == 0
	})
	eventually(t, 30*time.Second, "/healthz 200", func() bool { code, _ := getHTTP(addr, "/healthz"); return code == http.StatusOK })
	if err := json.Unmarshal([]byte(s.mustRun(0, "status", "--json").stdout), &rep); err != nil {
		t.Fatal(err)
	}
	if a := rep.Sources["amicas"]; a.LockHolder == nil || a.Stalled {
		t.Errorf("status after the takeover: %+v, want the daemon holding the lock, not stalled", a)
	}

	// A second daemon beside a working one stands by for good: healthy,
	// saying so, and without a warning, however long it stands by.
	addr2 := freeAddr(t)
	second := s.startDaemon(s.with("KEYSYNC_HTTP_ADDR="+addr2, "KEYSYNC_LOG_LEVEL=debug"))
	second.waitLog("standby: another keysync works this source", 30*time.Second)
	second.waitRounds("amicas", time.Now(), 8, time.Minute)
	code, body = getHTTP(addr2, "/healthz")
	if code != http.StatusOK || !strings.Contains(body, "amicas: standing by, connection ") || !strings.Contains(body, "last poll") {
		t.Errorf("standby beside a working daemon: /healthz = %d %q, want 200 saying it stands by", code, body)
	}
	if w := second.lines("standby: no keysync polls the source", ""); len(w) > 0 {
		t.Errorf("standby beside a working daemon warned: %v", w[0].attrs)
	}
	for _, dm := range []*daemon{second, d} {
		if code := dm.stop(); code != 0 {
			t.Errorf("exit code = %d", code)
		}
	}
}
