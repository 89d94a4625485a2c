package main

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"

	"keysync/internal/sqlutil"
	"keysync/internal/testdb"
)

// doctorJSON runs `keysync doctor --json` with env and returns its exit
// code and report.
func (s *site) doctorJSON(env []string, args ...string) (int, doctorReport) {
	s.t.Helper()
	r := s.run(env, append([]string{"doctor", "--json"}, args...)...)
	var rep doctorReport
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		s.t.Fatalf("doctor --json: %v\nstdout:\n%s\nstderr:\n%s", err, r.stdout, r.stderr)
	}
	return r.code, rep
}

// find returns the findings of target and check.
func (rep doctorReport) find(target, check string) []finding {
	var out []finding
	for _, f := range rep.Findings {
		if f.Target == target && f.Check == check {
			out = append(out, f)
		}
	}
	return out
}

// one returns the single finding of target and check with status, or
// fails the test.
func (rep doctorReport) one(t testing.TB, target, check string, status sqlutil.Status) finding {
	t.Helper()
	for _, f := range rep.find(target, check) {
		if f.Status == status {
			return f
		}
	}
	t.Fatalf("no %s finding %s/%s in %+v", status, target, check, rep.find(target, check))
	return finding{}
}

// TestDoctor_HealthySite: a migrated site needs nothing; root's broad
// privileges are a warning, the clocks are measured, loopback needs no TLS.
func TestDoctor_HealthySite(t *testing.T) {
	s := newSite(t, "amicas")
	s.addWordPress("blog")
	s.mustRun(0, "migrate")
	code, rep := s.doctorJSON(s.env)
	if code != 0 || rep.Fail != 0 {
		t.Fatalf("doctor: exit %d, %d failures: %+v", code, rep.Fail, rep.Findings)
	}
	for _, target := range []string{"central", "amicas", "blog"} {
		rep.one(t, target, "connectivity", sqlutil.StatusOK)
		rep.one(t, target, "privileges", sqlutil.StatusOK)
		if f := rep.one(t, target, "clock", sqlutil.StatusOK); !strings.Contains(f.Detail, "differs from keysync's by") {
			t.Errorf("%s clock: %+v", target, f)
		}
		if tr, _ := sqlutil.ParseTransport(envValue(s.env, "KEYSYNC_CENTRAL_DSN")); tr.Local {
			rep.one(t, target, "tls", sqlutil.StatusOK)
		}
	}
	if f := rep.one(t, "central", "privileges", sqlutil.StatusWarn); !strings.Contains(f.Detail, "holds more than keysync needs: global") {
		t.Errorf("root's privileges: %+v", f)
	}
	rep.one(t, "central", "schema", sqlutil.StatusOK)
	rep.one(t, "central", "checksums", sqlutil.StatusOK)
	rep.one(t, "central", "sql_mode", sqlutil.StatusOK)
	rep.one(t, "amicas", "index", sqlutil.StatusOK)
	rep.one(t, "blog", "index", sqlutil.StatusOK)
	// Same character set as central: a note, not a warning.
	if f := rep.one(t, "blog", "collation", sqlutil.StatusOK); !strings.Contains(f.Detail, "utf8mb4_unicode_520_ci") || !strings.Contains(f.Detail, "never strings across databases") {
		t.Errorf("blog collation: %+v", f)
	}
	rep.one(t, "databases", "clock", sqlutil.StatusOK)

	r := s.mustRun(0, "doctor")
	if !strings.Contains(r.stdout, "amicas (KEYSYNC_SOURCE_AMICAS_DSN") || !strings.Contains(r.stdout, "0 need action") {
		t.Errorf("text report:\n%s", r.stdout)
	}
}

// TestDoctor_FindsProblems: before migrate, a column TYPO3 renamed, a
// dropped index, a utf8mb3 portal: each found, each with its fix.
func TestDoctor_FindsProblems(t *testing.T) {
	s := newSite(t, "amicas", "club="+testdb.Typo3Upgraded)

	code, rep := s.doctorJSON(s.env)
	if code != 1 {
		t.Errorf("before migrate: exit %d, want 1", code)
	}
	if f := rep.one(t, "central", "schema", sqlutil.StatusFail); f.Fix != "keysync migrate" {
		t.Errorf("central before migrate: %+v", f)
	}
	for _, f := range rep.find("amicas", "schema") {
		if f.Status != sqlutil.StatusFail || !strings.Contains(f.Detail, "is missing") || !strings.Contains(f.Fix, "keysync migrate") {
			t.Errorf("amicas before migrate: %+v", f)
		}
	}

	s.mustRun(0, "migrate")
	testdb.MustExec(t, s.portals["amicas"], "ALTER TABLE fe_users CHANGE tx_keysync_customer_number zzz_deleted_tx_keysync_customer_number varchar(32) NOT NULL DEFAULT ''")
	testdb.MustExec(t, s.portals["club"], "ALTER TABLE fe_users DROP INDEX tx_keysync_pending")
	code, rep = s.doctorJSON(s.env)
	if code != 1 || rep.Fail != 3 {
		t.Errorf("exit %d with %d failures, want 1 and 3: %+v", code, rep.Fail, rep.Findings)
	}
	if f := rep.one(t, "amicas", "index", sqlutil.StatusFail); !strings.Contains(f.Fix, "rename the column back") {
		t.Errorf("index of the renamed column: %+v", f)
	}
	renamed := rep.one(t, "amicas", "schema", sqlutil.StatusFail)
	if !strings.Contains(renamed.Detail, "renamed to zzz_deleted_tx_keysync_customer_number") ||
		!strings.Contains(renamed.Fix, "ALTER TABLE `fe_users` CHANGE `zzz_deleted_tx_keysync_customer_number` `tx_keysync_customer_number` varchar(32) NOT NULL DEFAULT ''") {
		t.Errorf("rename: %+v", renamed)
	}
	if f := rep.one(t, "club", "index", sqlutil.StatusFail); !strings.Contains(f.Fix, "ADD KEY tx_keysync_pending (`tx_keysync_customer_number`, deleted, disable)") {
		t.Errorf("index: %+v", f)
	}
	if f := rep.one(t, "club", "collation", sqlutil.StatusWarn); !strings.Contains(f.Detail, "utf8mb3_general_ci") || !strings.Contains(f.Fix, "CONVERT TO CHARACTER SET utf8mb4") {
		t.Errorf("collation: %+v", f)
	}

	// The printed fixes repair it.
	stmt, _, _ := strings.Cut(renamed.Fix, ";")
	testdb.MustExec(t, s.portals["amicas"], stmt)
	s.mustRun(0, "migrate")
	if code, rep := s.doctorJSON(s.env); code != 0 {
		t.Errorf("after the fixes: exit %d: %+v", code, rep.Findings)
	}

	// Only the collation warning is left, with its fix, in the text report.
	r := s.mustRun(0, "doctor")
	if !strings.Contains(r.stdout, "WARN  collation") || !strings.Contains(r.stdout, "fix: when the portal's admins agree") {
		t.Errorf("text report:\n%s", r.stdout)
	}
}

// TestDoctor_UnreachableAndSQLMode: a portal that does not answer fails
// with the address to check, the others are still checked; a central
// session without strict mode is a warning with the statement that fixes it.
func TestDoctor_UnreachableAndSQLMode(t *testing.T) {
	s := newSite(t, "amicas")
	s.mustRun(0, "migrate")
	cfg, err := mysql.ParseDSN(envValue(s.env, "KEYSYNC_CENTRAL_DSN"))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Params == nil {
		cfg.Params = map[string]string{}
	}
	cfg.Params["sql_mode"] = "'NO_ENGINE_SUBSTITUTION'"
	env := s.with("KEYSYNC_CENTRAL_DSN="+cfg.FormatDSN(), "KEYSYNC_SOURCE_AMICAS_DSN=root@tcp(127.0.0.1:1)/typo3")
	code, rep := s.doctorJSON(env)
	if code != 1 {
		t.Errorf("exit %d, want 1", code)
	}
	if f := rep.one(t, "amicas", "connectivity", sqlutil.StatusFail); !strings.Contains(f.Fix, "reachable at 127.0.0.1:1") || !strings.Contains(f.Fix, "KEYSYNC_SOURCE_AMICAS_DSN") {
		t.Errorf("unreachable: %+v", f)
	}
	if f := rep.one(t, "central", "sql_mode", sqlutil.StatusWarn); !strings.Contains(f.Fix, "STRICT_TRANS_TABLES") {
		t.Errorf("sql_mode: %+v", f)
	}
	rep.one(t, "central", "schema", sqlutil.StatusOK)
}

// TestDoctor_ClockSkew: a database clock 5s ahead of keysync's is measured
// and warned about; --strict turns the warning into exit 1.
func TestDoctor_ClockSkew(t *testing.T) {
	s := newSite(t, "amicas")
	s.mustRun(0, "migrate")
	setEnv(t, s.env)
	run := func(args ...string) (int, doctorReport) {
		t.Helper()
		var out, errb bytes.Buffer
		c := &doctorCommand{m: &Main{Stdout: &out, Stderr: &errb, Hard: context.Background()},
			now: func() time.Time { return time.Now().Add(-5 * time.Second) }}
		code := ExitCode(c.Run(context.Background(), append([]string{"--json"}, args...)))
		var rep doctorReport
		if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
			t.Fatalf("%v\n%s\n%s", err, out.String(), errb.String())
		}
		return code, rep
	}
	code, rep := run()
	if code != 0 {
		t.Errorf("exit %d, want 0 (warnings only): %+v", code, rep.Findings)
	}
	for _, target := range []string{"central", "amicas"} {
		f := rep.one(t, target, "clock", sqlutil.StatusWarn)
		// The skew is measured across a round trip: 5 s give +4.999 as
		// well as +5.001, so it is compared as a number.
		m := skewRE.FindStringSubmatch(f.Detail)
		if m == nil || !strings.Contains(f.Fix, "NTP") {
			t.Fatalf("%s clock: %+v", target, f)
		}
		if skew, err := strconv.ParseFloat(m[1], 64); err != nil || math.Abs(skew-5) > 0.5 {
			t.Errorf("%s clock: skew %s s, want 5 s give or take half a second: %+v", target, m[1], f)
		}
	}
	if code, _ := run("--strict"); code != 1 {
		t.Errorf("--strict: exit %d, want 1", code)
	}
}

// skewRE reads the measured skew, in seconds, from a clock finding.
var skewRE = regexp.MustCompile(`differs from keysync's by ([+-][0-9]+\.[0-9]+)s`)

// setEnv replaces the KEYSYNC_ environment by env for the test, for
// commands run in-process.
func setEnv(t *testing.T, env []string) {
	t.Helper()
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); strings.HasPrefix(k, "KEYSYNC_") && k != testdb.EnvDSN {
			t.Setenv(k, "")
			os.Unsetenv(k)
		}
	}
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
}

// TestTLSCAFile_BadPathIsConfigError: a CA file that is not there stops
// every command with exit 2 naming the variable.
func TestTLSCAFile_BadPathIsConfigError(t *testing.T) {
	env := []string{
		"KEYSYNC_CENTRAL_DSN=keysync:Secret1@tcp(db.invalid:3306)/central?tls=keysync",
		"KEYSYNC_SOURCES=amicas",
		"KEYSYNC_SOURCE_AMICAS_KIND=typo3",
		"KEYSYNC_SOURCE_AMICAS_DSN=portal:Secret2@tcp(db.invalid:3306)/typo3",
		"KEYSYNC_TLS_CA_FILE=/nonexistent/ca.pem",
	}
	for _, cmd := range []string{"doctor", "status", "grants", "run", "once"} {
		code, _, errOut := runMain(t, env, cmd)
		if code != ExitUsage || !strings.Contains(errOut, `KEYSYNC_TLS_CA_FILE="/nonexistent/ca.pem": cannot read the file: no such file or directory`) {
			t.Errorf("%s: exit %d\n%s", cmd, code, errOut)
		}
	}
}
