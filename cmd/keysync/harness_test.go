package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"keysync/internal/centraltest"
	"keysync/internal/testdb"
	"keysync/sync/central"
	"keysync/sync/number"
)

// binary is the keysync command built once for the process tests, so they
// run keysync exactly as an operator does.
var binary string

func TestMain(m *testing.M) {
	// A fuzzing worker runs one fuzz target, which needs no binary.
	flag.Parse()
	if f := flag.Lookup("test.fuzzworker"); f != nil && f.Value.String() == "true" {
		os.Exit(m.Run())
	}
	dir, err := os.MkdirTemp("", "keysync-bin")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "keysync")
	if out, err := exec.Command("go", "build", "-o", binary, ".").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "build keysync: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// site is a central database and a number of TYPO3 portals, with the
// environment that configures keysync for them.
type site struct {
	t       testing.TB
	central *sql.DB
	portals map[string]*sql.DB
	env     []string
}

// newSite creates central and one v13 portal per name (or the given
// schema per name with "name=schema").
func newSite(t testing.TB, portals ...string) *site {
	t.Helper()
	centralDSN, centralDB := testdb.New(t, "central")
	return newSiteOn(t, centralDSN, centralDB, portals...)
}

// newSiteOn is newSite with a central database of the test's own, such as
// one on a Galera cluster.
func newSiteOn(t testing.TB, centralDSN string, centralDB *sql.DB, portals ...string) *site {
	t.Helper()
	s := &site{t: t, central: centralDB, portals: map[string]*sql.DB{}}
	// When the test ends (its processes stopped), every write of accounts
	// must have kept the stored checksums.
	centraltest.CheckSumsAtEnd(t, central.New(centralDB, central.Numbering{}))
	var names []string
	s.env = []string{"KEYSYNC_CENTRAL_DSN=" + centralDSN, "KEYSYNC_LOG_FORMAT=json", "KEYSYNC_POLL_INTERVAL=200ms", "KEYSYNC_BACKOFF_MAX=1s"}
	for _, p := range portals {
		name, schema, ok := strings.Cut(p, "=")
		if !ok {
			schema = testdb.Typo3V13
		}
		charset, collation := "", ""
		if schema == testdb.Typo3Upgraded {
			charset, collation = "utf8mb3", "utf8mb3_general_ci"
		}
		dsn, db := testdb.NewWithCollation(t, name, charset, collation)
		testdb.CreateFeUsers(t, db, schema)
		s.portals[name] = db
		names = append(names, name)
		up := strings.ToUpper(name)
		s.env = append(s.env, "KEYSYNC_SOURCE_"+up+"_KIND=typo3", "KEYSYNC_SOURCE_"+up+"_DSN="+dsn, "KEYSYNC_SOURCE_"+up+"_COUNTRY=AT")
	}
	s.env = append(s.env, "KEYSYNC_SOURCES="+strings.Join(names, ","))
	return s
}

// editAccounts changes central accounts past keysync, as an admin with SQL
// would, and then recomputes the stored checksums as such an admin must.
func (s *site) editAccounts(q string, args ...any) {
	s.t.Helper()
	centraltest.EditAccounts(s.t, s.central, q, args...)
}

// envValue returns the value of one variable of the site's environment.
func (s *site) envValue(key string) string {
	s.t.Helper()
	for _, kv := range s.env {
		if k, v, _ := strings.Cut(kv, "="); k == key {
			return v
		}
	}
	s.t.Fatalf("%s is not set", key)
	return ""
}

// with returns the site's environment plus overrides.
func (s *site) with(extra ...string) []string {
	return append(append([]string{}, s.env...), extra...)
}

// result is one finished keysync process.
type result struct {
	code           int
	stdout, stderr string
}

// run runs keysync to completion with the site's environment.
func (s *site) run(env []string, args ...string) result {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, args...)
	cmd.Env = append(cleanEnv(), env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	r := result{stdout: out.String(), stderr: errb.String()}
	if ee, ok := err.(*exec.ExitError); ok {
		r.code = ee.ExitCode()
	} else if err != nil {
		s.t.Fatalf("run keysync %v: %v", args, err)
	}
	return r
}

// mustRun runs keysync and fails the test unless it exits with want.
func (s *site) mustRun(want int, args ...string) result {
	s.t.Helper()
	r := s.run(s.env, args...)
	if r.code != want {
		s.t.Fatalf("keysync %v: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", args, r.code, want, r.stdout, r.stderr)
	}
	return r
}

// cleanEnv is the test process's environment without KEYSYNC_ variables, so
// a developer's own settings never leak into a scenario.
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "KEYSYNC_") {
			env = append(env, kv)
		}
	}
	return env
}

// portalRow is keysync's view of one fe_users row after a pass.
type portalRow struct {
	uid            uint64
	number, hh, pe string
	tstamp         int64
}

func (s *site) rows(portal string) map[uint64]portalRow {
	s.t.Helper()
	rows, err := s.portals[portal].Query(`SELECT uid, tx_keysync_customer_number, tx_keysync_wibisoft_hh_id, tx_keysync_wibisoft_pe_id, tstamp FROM fe_users ORDER BY uid`)
	if err != nil {
		s.t.Fatal(err)
	}
	defer rows.Close()
	out := map[uint64]portalRow{}
	for rows.Next() {
		var r portalRow
		if err := rows.Scan(&r.uid, &r.number, &r.hh, &r.pe, &r.tstamp); err != nil {
			s.t.Fatal(err)
		}
		out[r.uid] = r
	}
	return out
}

// scalar runs a one-value query.
func scalar[T any](t testing.TB, db *sql.DB, q string, args ...any) T {
	t.Helper()
	var v T
	if err := db.QueryRow(q, args...).Scan(&v); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return v
}

// defaultTemplate is the template keysync uses without configuration.
func defaultTemplate(t testing.TB) *number.Template {
	t.Helper()
	alg, err := number.Lookup("damm")
	if err != nil {
		t.Fatal(err)
	}
	tmpl, err := number.ParseTemplate("{seq:8}{check}", alg)
	if err != nil {
		t.Fatal(err)
	}
	return tmpl
}

// assertConsistent checks the guarantees on a whole site, for every TYPO3
// portal: each row with a number (but one under review) holds a valid
// number, exactly the number its account is linked to centrally, of a
// person that is not retired, and the Wibisoft ids of that person; each
// account linked centrally has its number in its row. With complete, every
// confirmed row has a number; without, rows may still wait for one.
func (s *site) assertConsistent(complete bool) {
	s.t.Helper()
	tmpl := defaultTemplate(s.t)
	persons := s.centralPersons()
	for name, db := range s.portals {
		var missing int
		q := `SELECT COUNT(*) FROM fe_users WHERE tx_keysync_customer_number = '' AND deleted = 0 AND disable = 0`
		if err := db.QueryRow(q).Scan(&missing); err != nil {
			s.t.Fatal(err)
		}
		if missing > 0 && complete {
			s.t.Errorf("%s: %d confirmed rows without a number", name, missing)
		}
		links := s.links(name)
		underReview := s.openConflictAccounts(name, "invalid_number", "number_taken", "number_mismatch", "writeback_mismatch", "wibisoft_mismatch", "pe_taken")
		for uid, r := range s.rows(name) {
			link, linked := links[uid]
			switch {
			case underReview[uid]:
				continue // a value under review, which keysync leaves alone
			case r.number == "" && linked && complete:
				s.t.Errorf("%s:%d: linked centrally to %s, the row has no number", name, uid, link)
				continue
			case r.number == "":
				continue
			}
			if err := tmpl.Validate(r.number); err != nil {
				s.t.Errorf("%s:%d: %v", name, uid, err)
			}
			if !linked || link != r.number {
				s.t.Errorf("%s:%d: row holds %q, central link %q (linked=%v)", name, uid, r.number, link, linked)
				continue
			}
			p, ok := persons[r.number]
			switch {
			case !ok:
				s.t.Errorf("%s:%d: no person holds %s", name, uid, r.number)
			case p.status != "active":
				s.t.Errorf("%s:%d: holds %s, which is %s", name, uid, r.number, p.status)
			case r.hh != "" && r.hh != p.hh || r.pe != "" && r.pe != p.pe:
				s.t.Errorf("%s:%d: row holds HH %q PE %q, its person %s HH %q PE %q", name, uid, r.hh, r.pe, r.number, p.hh, p.pe)
			}
		}
	}
}

// centralPerson is what assertConsistent compares a row with.
type centralPerson struct{ hh, pe, status string }

func (s *site) centralPersons() map[string]centralPerson {
	s.t.Helper()
	rows, err := s.central.Query(`SELECT number, COALESCE(hh_id, ''), COALESCE(pe_id, ''), status FROM persons`)
	if err != nil {
		s.t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]centralPerson{}
	for rows.Next() {
		var n string
		var p centralPerson
		if err := rows.Scan(&n, &p.hh, &p.pe, &p.status); err != nil {
			s.t.Fatal(err)
		}
		out[n] = p
	}
	return out
}

// links returns the central links of a source's accounts: id to number.
func (s *site) links(source string) map[uint64]string {
	s.t.Helper()
	rows, err := s.central.Query(`SELECT account_id, number FROM accounts WHERE source = ?`, source)
	if err != nil {
		s.t.Fatal(err)
	}
	defer rows.Close()
	out := map[uint64]string{}
	for rows.Next() {
		var id uint64
		var n string
		if err := rows.Scan(&id, &n); err != nil {
			s.t.Fatal(err)
		}
		out[id] = n
	}
	return out
}

// openConflictAccounts returns the accounts of a source with an open
// conflict of one of the kinds.
func (s *site) openConflictAccounts(source string, kinds ...string) map[uint64]bool {
	s.t.Helper()
	q := `SELECT account_id FROM conflicts WHERE source = ? AND status = 'open' AND kind IN (?` + strings.Repeat(", ?", len(kinds)-1) + `)`
	args := []any{source}
	for _, k := range kinds {
		args = append(args, k)
	}
	rows, err := s.central.Query(q, args...)
	if err != nil {
		s.t.Fatal(err)
	}
	defer rows.Close()
	out := map[uint64]bool{}
	for rows.Next() {
		var id uint64
		if err := rows.Scan(&id); err != nil {
			s.t.Fatal(err)
		}
		out[id] = true
	}
	return out
}

// insertUsers fills a portal with n generated, confirmed users.
func (s *site) insertUsers(portal string, seed int64, n int) []uint64 {
	s.t.Helper()
	return testdb.InsertFeUsers(s.t, s.portals[portal], testdb.GenerateFeUsers(seed, n))
}

// daemon is a running `keysync run`.
type daemon struct {
	t    testing.TB
	cmd  *exec.Cmd
	logs *syncBuffer
	done chan struct{}
	err  error
}

func (s *site) startDaemon(env []string) *daemon {
	s.t.Helper()
	d := &daemon{t: s.t, logs: &syncBuffer{}, done: make(chan struct{})}
	d.cmd = exec.Command(binary, "run")
	d.cmd.Env = append(cleanEnv(), env...)
	d.cmd.Stdout, d.cmd.Stderr = d.logs, d.logs
	if err := d.cmd.Start(); err != nil {
		s.t.Fatal(err)
	}
	go func() {
		d.err = d.cmd.Wait()
		close(d.done)
	}()
	s.t.Cleanup(func() {
		select {
		case <-d.done:
		default:
			_ = d.cmd.Process.Kill()
			<-d.done
		}
		if s.t.Failed() {
			s.t.Logf("daemon log:\n%s", d.logs.String())
		}
	})
	return d
}

// waitLog waits until the daemon logged a line with msg, and returns the
// first such line.
func (d *daemon) waitLog(msg string, timeout time.Duration) logLine {
	d.t.Helper()
	var found []logLine
	eventually(d.t, timeout, "log line "+msg, func() bool {
		found = d.lines(msg, "")
		return len(found) > 0
	})
	return found[0]
}

// logLine is one JSON line of a daemon's log, with its place in the log.
type logLine struct {
	index int
	at    time.Time
	attrs map[string]any
}

func (l logLine) str(key string) string {
	v, _ := l.attrs[key].(string)
	return v
}

// lines returns the daemon's JSON log lines with message msg, in the order
// they were written, from source when source is not empty.
func (d *daemon) lines(msg, source string) []logLine {
	var out []logLine
	for i, text := range strings.Split(d.logs.String(), "\n") {
		var m map[string]any
		if json.Unmarshal([]byte(text), &m) != nil || m["msg"] != msg || source != "" && m["source"] != source {
			continue
		}
		at, err := time.Parse(time.RFC3339Nano, fmt.Sprint(m["time"]))
		if err != nil {
			d.t.Fatalf("log line without a time: %s", text)
		}
		out = append(out, logLine{index: i, at: at, attrs: m})
	}
	return out
}

// roundsSince returns the poll rounds (debug lines "poll round") of source
// that began at or after t.
func (d *daemon) roundsSince(source string, t time.Time) []logLine {
	var out []logLine
	for _, l := range d.lines("poll round", source) {
		if !l.at.Before(t) {
			out = append(out, l)
		}
	}
	return out
}

// waitRounds waits until n poll rounds of source began at or after t, and
// returns them: when round n began, rounds 1 to n-1 are over. The daemon
// must log at debug level.
func (d *daemon) waitRounds(source string, t time.Time, n int, timeout time.Duration) []logLine {
	d.t.Helper()
	var rounds []logLine
	eventually(d.t, timeout, fmt.Sprintf("%d poll rounds of %s", n, source), func() bool {
		rounds = d.roundsSince(source, t)
		return len(rounds) >= n
	})
	return rounds[:n]
}

// stop sends SIGTERM and returns the exit code.
func (d *daemon) stop() int {
	d.t.Helper()
	_ = d.cmd.Process.Signal(os.Interrupt)
	select {
	case <-d.done:
	case <-time.After(60 * time.Second):
		d.t.Fatal("daemon did not stop within 60s of SIGINT")
	}
	return d.cmd.ProcessState.ExitCode()
}

// eventually polls cond until it holds. It waits on another process, so
// it has a generous deadline; nothing asserts on how long it took.
func eventually(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}
