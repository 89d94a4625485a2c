package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"keysync/internal/testdb"
	"keysync/sync/number"
)

// runMain runs the CLI in-process with a clean KEYSYNC_ environment plus env.
func runMain(t *testing.T, env []string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); strings.HasPrefix(k, "KEYSYNC_") {
			t.Setenv(k, "")
			os.Unsetenv(k)
		}
	}
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
	var out, errb bytes.Buffer
	m := &Main{Stdout: &out, Stderr: &errb}
	err := m.Run(context.Background(), args)
	if err != nil {
		errb.WriteString(err.Error())
	}
	return ExitCode(err), out.String(), errb.String()
}

func TestConfigErrors_NameVariableAndHidePassword(t *testing.T) {
	base := []string{
		"KEYSYNC_CENTRAL_DSN=keysync:Sup3rS3cret!@tcp(db:3306)/keysync",
		"KEYSYNC_SOURCES=amicas",
		"KEYSYNC_SOURCE_AMICAS_KIND=typo3",
		"KEYSYNC_SOURCE_AMICAS_DSN=portal:An0therS3cret@tcp(db:3306)/typo3",
	}
	for _, tc := range []struct {
		name    string
		env     []string
		wantVar string
		wantVal string
	}{
		{"bad interval", []string{"KEYSYNC_POLL_INTERVAL=5x"}, "KEYSYNC_POLL_INTERVAL", "5x"},
		{"bad kind", []string{"KEYSYNC_SOURCE_AMICAS_KIND=joomla"}, "KEYSYNC_SOURCE_AMICAS_KIND", "joomla"},
		{"bad template", []string{"KEYSYNC_NUMBER_FORMAT={seq}{check}"}, "KEYSYNC_NUMBER_FORMAT", "{seq}{check}"},
		{"bad check digit", []string{"KEYSYNC_CHECK_DIGIT=mod11"}, "KEYSYNC_CHECK_DIGIT", "mod11"},
		{"bad DSN", []string{"KEYSYNC_CENTRAL_DSN=keysync:Sup3rS3cret!@db:3306/keysync"}, "KEYSYNC_CENTRAL_DSN", "<not a DSN, not shown>"},
		{"DSN that is only the password", []string{"KEYSYNC_CENTRAL_DSN=Sup3rS3cret!"}, "KEYSYNC_CENTRAL_DSN", "expected user:password@tcp(host:port)/dbname?params"},
		{"DSN with a multi-byte charset", []string{"KEYSYNC_SOURCE_AMICAS_DSN=portal:An0therS3cret@tcp(db:3306)/typo3?charset=gbk"}, "KEYSYNC_SOURCE_AMICAS_DSN", "charset=gbk"},
		{"DSN allowing local files", []string{"KEYSYNC_CENTRAL_DSN=keysync:Sup3rS3cret!@tcp(db:3306)/keysync?allowAllFiles=true"}, "KEYSYNC_CENTRAL_DSN", "allowAllFiles"},
		{"password column as target", []string{"KEYSYNC_SOURCE_AMICAS_NUMBER_COLUMN=password"}, "KEYSYNC_SOURCE_AMICAS_NUMBER_COLUMN", "a column TYPO3 itself keeps"},
		{"bad column", []string{"KEYSYNC_SOURCE_AMICAS_NUMBER_COLUMN=cnum;drop"}, "KEYSYNC_SOURCE_AMICAS_NUMBER_COLUMN", "cnum;drop"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, cmd := range []string{"once", "run", "migrate", "config"} {
				code, out, errOut := runMain(t, append(append([]string{}, base...), tc.env...), cmd)
				if code != ExitUsage {
					t.Fatalf("%s: exit %d, want %d\n%s", cmd, code, ExitUsage, errOut)
				}
				if !strings.Contains(errOut, tc.wantVar) || !strings.Contains(errOut, tc.wantVal) {
					t.Errorf("%s: error does not name %s=%s:\n%s", cmd, tc.wantVar, tc.wantVal, errOut)
				}
				for _, secret := range []string{"Sup3rS3cret", "An0therS3cret"} {
					if strings.Contains(errOut+out, secret) {
						t.Errorf("%s: password in output:\n%s%s", cmd, out, errOut)
					}
				}
			}
		})
	}
}

func TestConfigCommand_Redacts(t *testing.T) {
	code, out, errOut := runMain(t, []string{
		"KEYSYNC_CENTRAL_DSN=keysync:Sup3rS3cret@tcp(db:3306)/keysync",
		"KEYSYNC_SOURCES=amicas",
		"KEYSYNC_SOURCE_AMICAS_KIND=typo3",
		"KEYSYNC_SOURCE_AMICAS_DSN=portal:An0therS3cret@tcp(db:3306)/typo3",
		"KEYSYNC_SOURCE_AMICAS_PIDS=12,13",
	}, "config")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{"KEYSYNC_SOURCE_AMICAS_PIDS=12,13", "KEYSYNC_NUMBER_FORMAT={seq:8}{check}  # default", "xxxxx"} {
		if !strings.Contains(out, want) {
			t.Errorf("config output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "S3cret") {
		t.Errorf("password in config output:\n%s", out)
	}
}

// TestConfigCommand_JSON: config --json prints the settings the text
// prints, under the documented keys, with the warnings, and no password.
func TestConfigCommand_JSON(t *testing.T) {
	env := []string{
		"KEYSYNC_CENTRAL_DSN=keysync:Sup3rS3cret@tcp(db:3306)/keysync",
		"KEYSYNC_SOURCES=amicas",
		"KEYSYNC_SOURCE_AMICAS_KIND=typo3",
		"KEYSYNC_SOURCE_AMICAS_DSN=portal:An0therS3cret@tcp(db:3306)/typo3",
		"KEYSYNC_SOURCE_AMICAS_PIDS=12,13",
		"KEYSYNC_HTTP_ADDR=0.0.0.0:9464",
	}
	code, out, errOut := runMain(t, env, "config", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if strings.Contains(out, "S3cret") {
		t.Errorf("password in config --json:\n%s", out)
	}
	var doc map[string]json.RawMessage
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if got := slices.Sorted(maps.Keys(doc)); !slices.Equal(got, []string{"settings", "warnings"}) {
		t.Fatalf("keys %v, want settings and warnings", got)
	}
	var settings []map[string]any
	var warnings []string
	if err := json.Unmarshal(doc["settings"], &settings); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(doc["warnings"], &warnings); err != nil {
		t.Fatal(err)
	}
	if len(warnings) != 1 || !strings.Contains(warnings[0], "KEYSYNC_HTTP_ADDR") {
		t.Errorf("warnings = %q, want the one about KEYSYNC_HTTP_ADDR", warnings)
	}
	// The same settings as the text, line by line.
	_, text, _ := runMain(t, env, "config")
	var fromJSON []string
	for _, st := range settings {
		if got := slices.Sorted(maps.Keys(st)); !slices.Equal(got, []string{"default", "value", "var"}) {
			t.Fatalf("setting keys %v, want default, value, var: %v", got, st)
		}
		line := fmt.Sprintf("%s=%s", st["var"], st["value"])
		if st["default"] == true {
			line += "  # default"
		}
		fromJSON = append(fromJSON, line)
	}
	var fromText []string
	for _, line := range strings.Split(strings.TrimSpace(text), "\n") {
		if !strings.HasPrefix(line, "# warning: ") {
			fromText = append(fromText, line)
		}
	}
	if !slices.Equal(fromJSON, fromText) {
		t.Errorf("config --json settings:\n%s\nconfig:\n%s", strings.Join(fromJSON, "\n"), strings.Join(fromText, "\n"))
	}
	for _, want := range []string{"KEYSYNC_SOURCE_AMICAS_PIDS=12,13", "KEYSYNC_NUMBER_FORMAT={seq:8}{check}  # default", "KEYSYNC_POLL_INTERVAL=5s  # default"} {
		if !slices.Contains(fromJSON, want) {
			t.Errorf("config --json lacks %q", want)
		}
	}
}

func TestCheck(t *testing.T) {
	tmpl := defaultTemplate(t)
	good, _ := tmpl.Format(12345, "")
	bad := good[:len(good)-1] + string('0'+(good[len(good)-1]-'0'+1)%10)
	for _, tc := range []struct {
		args []string
		code int
		out  string
	}{
		{[]string{good}, 0, good + " valid"},
		{[]string{good, bad}, 1, "wrong check digit"},
		{[]string{"12ab"}, 1, "malformed"},
		{[]string{}, 2, ""},
		{[]string{"--format", "{seq:99}", "1"}, 2, ""},
	} {
		code, out, errOut := runMain(t, nil, append([]string{"check"}, tc.args...)...)
		if code != tc.code || !strings.Contains(out, tc.out) {
			t.Errorf("check %v: exit %d out %q err %q; want exit %d containing %q", tc.args, code, out, errOut, tc.code, tc.out)
		}
	}
	// TestCheck_Overrides shows which template applies.
}

// TestCheck_Overrides: --format and --check-digit, and else
// KEYSYNC_NUMBER_FORMAT and KEYSYNC_CHECK_DIGIT, decide what check accepts:
// a number valid under Luhn but not under Damm, and one with a prefix, are
// valid exactly where their template applies.
func TestCheck_Overrides(t *testing.T) {
	luhnNumber := mustFormat(t, "{seq:8}{check}", "luhn", 4713)
	if mustTemplate(t, "{seq:8}{check}", "damm").Validate(luhnNumber) == nil {
		t.Fatalf("%s is valid under Damm too: pick another value", luhnNumber)
	}
	prefixed := mustFormat(t, "AT-{seq:6}{check}", "damm", 4711)
	for _, tc := range []struct {
		name string
		env  []string
		args []string
		code int
	}{
		{"luhn number, default damm", nil, []string{luhnNumber}, 1},
		{"luhn number, --check-digit luhn", nil, []string{"--check-digit", "luhn", luhnNumber}, 0},
		{"luhn number, KEYSYNC_CHECK_DIGIT=luhn", []string{"KEYSYNC_CHECK_DIGIT=luhn"}, []string{luhnNumber}, 0},
		{"luhn number, the flag over the environment", []string{"KEYSYNC_CHECK_DIGIT=luhn"}, []string{"--check-digit", "damm", luhnNumber}, 1},
		{"prefixed number, default format", nil, []string{prefixed}, 1},
		{"prefixed number, --format", nil, []string{"--format", "AT-{seq:6}{check}", prefixed}, 0},
		{"prefixed number, KEYSYNC_NUMBER_FORMAT", []string{"KEYSYNC_NUMBER_FORMAT=AT-{seq:6}{check}"}, []string{prefixed}, 0},
		{"prefixed number, the flag over the environment", []string{"KEYSYNC_NUMBER_FORMAT=AT-{seq:6}{check}"}, []string{"--format", "{seq:8}{check}", prefixed}, 1},
		{"plain number under the environment's prefix", []string{"KEYSYNC_NUMBER_FORMAT=AT-{seq:6}{check}"}, []string{mustFormat(t, "{seq:8}{check}", "damm", 4711)}, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := runMain(t, tc.env, append([]string{"check"}, tc.args...)...)
			want := " valid\n"
			if tc.code != 0 {
				want = " invalid: "
			}
			if code != tc.code || !strings.Contains(out, want) {
				t.Errorf("check %v with %v: exit %d out %q err %q; want exit %d and %q", tc.args, tc.env, code, out, errOut, tc.code, want)
			}
		})
	}
}

func mustTemplate(t testing.TB, format, algorithm string) *number.Template {
	t.Helper()
	alg, err := number.Lookup(algorithm)
	if err != nil {
		t.Fatal(err)
	}
	tmpl, err := number.ParseTemplate(format, alg)
	if err != nil {
		t.Fatal(err)
	}
	return tmpl
}

func mustFormat(t testing.TB, format, algorithm string, seq uint64) string {
	t.Helper()
	n, err := mustTemplate(t, format, algorithm).Format(seq, "")
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// FuzzCheckCommand: whatever an office worker types, check answers 0 or 1
// with one line per argument, never panics, and accepts exactly what the
// template validates.
func FuzzCheckCommand(f *testing.F) {
	tmpl := defaultTemplate(f)
	good, _ := tmpl.Format(4711, "")
	for _, s := range []string{good, "000047110", "", " ", "AT-1", "\x00", "９９", "-1", "--help"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, arg string) {
		if strings.HasPrefix(arg, "-") || arg == "" {
			return // a flag, not a number
		}
		var out, errb bytes.Buffer
		m := &Main{Stdout: &out, Stderr: &errb}
		err := m.Run(context.Background(), []string{"check", "--format", "{seq:8}{check}", "--check-digit", "damm", arg})
		code := ExitCode(err)
		want := 0
		if tmpl.Validate(arg) != nil {
			want = 1
		}
		if code != want {
			t.Fatalf("check %q: exit %d, want %d", arg, code, want)
		}
		if !utf8.ValidString(out.String()) || strings.Count(out.String(), "\n") != 1 {
			t.Fatalf("check %q: output %q", arg, out.String())
		}
	})
}

func TestUsage(t *testing.T) {
	if code, _, errOut := runMain(t, nil); code != 2 || !strings.Contains(errOut, "keysync once") {
		t.Errorf("no args: exit %d %q", code, errOut)
	}
	if code, _, _ := runMain(t, nil, "frobnicate"); code != 2 {
		t.Errorf("unknown command: exit %d", code)
	}
	if code, out, _ := runMain(t, nil, "help", "config"); code != 0 || !strings.Contains(out, "KEYSYNC_SOURCE_<NAME>_DSN") && !strings.Contains(out, "_NUMBER_COLUMN") {
		t.Errorf("help config: exit %d %q", code, out)
	}
	if code, _, _ := runMain(t, nil, "once", "--bogus"); code != 2 {
		t.Errorf("bad flag: exit %d", code)
	}
	// A stray word is a mistake to report, not to ignore (the daemon
	// would start with an argument meant for something else).
	for _, cmd := range []string{"run", "migrate", "config", "once", "status"} {
		if code, _, errOut := runMain(t, nil, cmd, "amicas"); code != 2 || !strings.Contains(errOut, cmd+" takes no arguments") {
			t.Errorf("%s amicas: exit %d %q, want 2 and what is wrong", cmd, code, errOut)
		}
	}
}

// TestMigrate_RenamedColumn: TYPO3's analyzer renamed keysync's column;
// migrate and once refuse to work and say how to fix it.
func TestMigrate_RenamedColumn(t *testing.T) {
	s := newSite(t, "amicas")
	s.mustRun(0, "migrate")
	testdb.MustExec(t, s.portals["amicas"], "ALTER TABLE fe_users CHANGE tx_keysync_customer_number zzz_deleted_tx_keysync_customer_number varchar(32) NOT NULL DEFAULT ''")
	for _, cmd := range []string{"migrate", "once"} {
		r := s.mustRun(1, cmd)
		if !strings.Contains(r.stderr, "zzz_deleted_tx_keysync_customer_number") || !strings.Contains(r.stderr, "ALTER TABLE `fe_users` CHANGE") {
			t.Errorf("%s does not explain the rename:\n%s", cmd, r.stderr)
		}
	}
}

// TestMigrate_AdoptsLegacyColumn: a site with its own customer-number
// column names it, and keysync adopts the values in it.
func TestMigrate_AdoptsLegacyColumn(t *testing.T) {
	s := newSite(t, "amicas")
	db := s.portals["amicas"]
	testdb.MustExec(t, db, "ALTER TABLE fe_users ADD cnum varchar(50) NOT NULL DEFAULT ''")
	tmpl := defaultTemplate(t)
	legacy, _ := tmpl.Format(3, "")
	testdb.InsertFeUsers(t, db, testdb.GenerateFeUsers(5, 5))
	testdb.MustExec(t, db, "UPDATE fe_users SET cnum = ? WHERE uid = 1", legacy)
	s.env = append(s.env, "KEYSYNC_SOURCE_AMICAS_NUMBER_COLUMN=cnum")
	s.mustRun(0, "migrate")
	s.mustRun(0, "once")
	got := map[string]bool{}
	rows, err := db.Query("SELECT cnum FROM fe_users")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var n string
		_ = rows.Scan(&n)
		if n == "" || got[n] {
			t.Errorf("number %q empty or twice", n)
		}
		got[n] = true
	}
	if !got[legacy] {
		t.Errorf("legacy number %s not kept", legacy)
	}
	if origin := scalar[string](t, s.central, "SELECT origin FROM persons WHERE number = ?", legacy); origin != "adopted" {
		t.Errorf("legacy number origin = %s", origin)
	}
}

// TestConfig_DSNFileHoldingOnlyThePassword: the DSN file holds the password
// alone, the usual slip; the error names the variable and the file and
// describes what a DSN looks like, without quoting the content.
func TestConfig_DSNFileHoldingOnlyThePassword(t *testing.T) {
	path := filepath.Join(t.TempDir(), "central.dsn")
	if err := os.WriteFile(path, []byte("Sup3rS3cret!\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runMain(t, []string{"KEYSYNC_CENTRAL_DSN_FILE=" + path, "KEYSYNC_SOURCES=amicas",
		"KEYSYNC_SOURCE_AMICAS_KIND=typo3", "KEYSYNC_SOURCE_AMICAS_DSN=portal:An0therS3cret@tcp(db:3306)/typo3"}, "config")
	if code != ExitUsage {
		t.Fatalf("exit %d, want %d\n%s", code, ExitUsage, errOut)
	}
	for _, want := range []string{"KEYSYNC_CENTRAL_DSN_FILE", path, "expected user:password@tcp(host:port)/dbname?params"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("error lacks %q:\n%s", want, errOut)
		}
	}
	if strings.Contains(out+errOut, "S3cret") {
		t.Errorf("password in output:\n%s%s", out, errOut)
	}
}

// TestReconcileRepair_RefusesPasswordColumn: with the password column named
// as the number column, a repair would have written customer numbers over
// every password hash and reported the portal clean. keysync refuses the
// configuration before it connects, and the hashes stay.
func TestReconcileRepair_RefusesPasswordColumn(t *testing.T) {
	s := newSite(t, "amicas")
	db := s.portals["amicas"]
	s.mustRun(0, "migrate")
	testdb.InsertFeUsers(t, db, testdb.GenerateFeUsers(7, 20))
	s.mustRun(0, "once")
	before := scalar[string](t, db, "SELECT GROUP_CONCAT(password ORDER BY uid) FROM fe_users")
	r := s.run(s.with("KEYSYNC_SOURCE_AMICAS_NUMBER_COLUMN=password"), "reconcile", "--repair")
	if r.code != ExitUsage || !strings.Contains(r.stderr, "KEYSYNC_SOURCE_AMICAS_NUMBER_COLUMN") {
		t.Fatalf("reconcile --repair: exit %d, want %d naming the variable\n%s", r.code, ExitUsage, r.stderr)
	}
	if after := scalar[string](t, db, "SELECT GROUP_CONCAT(password ORDER BY uid) FROM fe_users"); after != before {
		t.Errorf("password hashes changed")
	}
}

// TestHelp_ListsEveryCommand: `keysync help` names every command the
// dispatcher knows, and every flag a command's help line shows is a flag
// of that command (its --help lists or shows it), so the overview cannot drift.
func TestHelp_ListsEveryCommand(t *testing.T) {
	code, out, _ := runMain(t, nil, "help")
	if code != 0 {
		t.Fatalf("help: exit %d", code)
	}
	flagRE := regexp.MustCompile(`--([a-z][a-z-]*)`)
	for name, e := range commands {
		if !strings.Contains(out, "  keysync "+name+" ") && !strings.Contains(out, "  keysync "+name+"\n") {
			t.Errorf("help does not list %s:\n%s", name, out)
		}
		_, _, flags := runMain(t, nil, name, "--help")
		for _, m := range flagRE.FindAllStringSubmatch(e.synopsis, -1) {
			if !strings.Contains(flags, "  -"+m[1]) && !strings.Contains(flags, "--"+m[1]+" ") {
				t.Errorf("help shows %s --%s, which %s --help does not list:\n%s", name, m[1], name, flags)
			}
		}
	}
}
