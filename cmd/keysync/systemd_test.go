package main

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"keysync/internal/testdb"
)

// The units shipped in systemd/ and installed to /lib/systemd/system.
const unitDir = "../../systemd"

var units = []string{"keysync.service", "keysync-reconcile.service", "keysync-reconcile.timer"}

// maxExposure is the highest `systemd-analyze security` exposure a keysync
// service may have (0 is best, 10 worst; systemd calls up to 3.9 "OK").
const maxExposure = 2.5

// unitFile maps "Section/Key" to the values of every assignment, in order.
type unitFile map[string][]string

func mustParseUnit(tb testing.TB, name string) unitFile {
	tb.Helper()
	f, err := os.Open(filepath.Join(unitDir, name))
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	u := unitFile{}
	section := ""
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "" || line[0] == '#' || line[0] == ';':
		case line[0] == '[' && line[len(line)-1] == ']':
			section = line[1 : len(line)-1]
		default:
			key, value, ok := strings.Cut(line, "=")
			if !ok || section == "" || strings.HasSuffix(line, `\`) {
				tb.Fatalf("%s:%d: %q is not a Key=value line in a section", name, n, line)
			}
			k := section + "/" + strings.TrimSpace(key)
			u[k] = append(u[k], strings.TrimSpace(value))
		}
	}
	if err := sc.Err(); err != nil {
		tb.Fatal(err)
	}
	return u
}

// TestSystemd_Verify runs `systemd-analyze verify` on the units as they
// would be installed: in a scratch root holding the host's own units (for
// sysinit.target and the other default dependencies), keysync's units and a
// stand-in /usr/bin/keysync, so that ExecStart= is checked too.
func TestSystemd_Verify(t *testing.T) {
	analyze := testdb.NeedTool(t, "systemd-analyze", "systemd")
	root := t.TempDir()
	lib := filepath.Join(root, "usr/lib/systemd/system")
	etc := filepath.Join(root, "etc/systemd/system")
	bin := filepath.Join(root, "usr/bin")
	for _, d := range []string{lib, etc, bin} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	hostUnits, err := os.ReadDir("/lib/systemd/system")
	if err != nil {
		t.Fatalf("read the host's units: %v", err)
	}
	for _, e := range hostUnits {
		if !e.Type().IsRegular() {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/lib/systemd/system", e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		mustWrite(t, filepath.Join(lib, e.Name()), b, 0o644)
	}
	mustWrite(t, filepath.Join(bin, "keysync"), []byte("#!/bin/sh\n"), 0o755)
	args := []string{"verify", "--man=no", "--root=" + root}
	for _, u := range units {
		b, err := os.ReadFile(filepath.Join(unitDir, u))
		if err != nil {
			t.Fatal(err)
		}
		mustWrite(t, filepath.Join(etc, u), b, 0o644)
		args = append(args, filepath.Join(etc, u))
	}
	out, err := exec.Command(analyze, args...).CombinedOutput()
	if err != nil || len(bytes.TrimSpace(out)) > 0 {
		t.Errorf("systemd-analyze %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

func mustWrite(tb testing.TB, path string, b []byte, mode os.FileMode) {
	tb.Helper()
	if err := os.WriteFile(path, b, mode); err != nil {
		tb.Fatal(err)
	}
}

var exposureRE = regexp.MustCompile(`Overall exposure level for \S+: ([0-9]+(?:\.[0-9]+)?)`)

// TestSystemd_SecurityExposure holds the services to a low exposure score
// in `systemd-analyze security --offline=true` (systemd 250 and later).
func TestSystemd_SecurityExposure(t *testing.T) {
	analyze := testdb.NeedTool(t, "systemd-analyze", "systemd")
	for _, u := range units {
		if !strings.HasSuffix(u, ".service") {
			continue
		}
		t.Run(u, func(t *testing.T) {
			path := filepath.Join(unitDir, u)
			cmd := exec.Command(analyze, "security", "--offline=true", "--no-pager", path)
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			err := cmd.Run()
			m := exposureRE.FindSubmatch(stdout.Bytes())
			if m == nil {
				if strings.Contains(stderr.String(), "offline") && !testdb.InCI(t) {
					t.Skipf("this systemd-analyze has no --offline (systemd 250 or later needed): %s", strings.TrimSpace(stderr.String()))
				}
				t.Fatalf("systemd-analyze security --offline=true %s: %v\n%s%s", path, err, stdout.Bytes(), stderr.Bytes())
			}
			score, perr := strconv.ParseFloat(string(m[1]), 64)
			if perr != nil {
				t.Fatal(perr)
			}
			t.Logf("%s: exposure %.1f", u, score)
			if score > maxExposure {
				t.Errorf("%s: exposure %.1f, want at most %.1f:\n%s", u, score, maxExposure, stdout.Bytes())
			}
		})
	}
}

// daemonOnly are the [Service] settings in which keysync.service may differ
// from keysync-reconcile.service: how each runs, not what it may do.
var daemonOnly = []string{"Type", "NotifyAccess", "WatchdogSec", "ExecStart", "Restart", "RestartSec",
	"RestartPreventExitStatus", "TimeoutStartSec", "TimeoutStopSec"}

// TestSystemd_ReconcileLikeDaemon keeps the reconciliation service under
// the same user, configuration and hardening as the daemon, and failing
// when conflicts are open.
func TestSystemd_ReconcileLikeDaemon(t *testing.T) {
	daemon := mustParseUnit(t, "keysync.service")
	reconcile := mustParseUnit(t, "keysync-reconcile.service")
	keys := map[string]bool{}
	for _, u := range []unitFile{daemon, reconcile} {
		for key := range u {
			keys[key] = strings.HasPrefix(key, "Service/") && !slices.Contains(daemonOnly, strings.TrimPrefix(key, "Service/"))
		}
	}
	for key, shared := range keys {
		if shared && !slices.Equal(daemon[key], reconcile[key]) {
			t.Errorf("%s: keysync.service has %q, keysync-reconcile.service %q", key, daemon[key], reconcile[key])
		}
	}
	if got := reconcile["Service/Type"]; !slices.Equal(got, []string{"oneshot"}) {
		t.Errorf("keysync-reconcile.service Type=%q, want oneshot", got)
	}
	// Exit code 3 (conflicts open) must leave the unit failed, which is how
	// an admin notices.
	for _, v := range reconcile["Service/SuccessExitStatus"] {
		if slices.Contains(strings.Fields(v), strconv.Itoa(ExitConflicts)) {
			t.Errorf("keysync-reconcile.service SuccessExitStatus=%s hides open conflicts", v)
		}
	}
	timer := mustParseUnit(t, "keysync-reconcile.timer")
	if got := timer["Timer/Unit"]; !slices.Equal(got, []string{"keysync-reconcile.service"}) {
		t.Errorf("keysync-reconcile.timer Unit=%q", got)
	}
}

// TestSystemd_UnitsRunExistingCommands catches a unit that starts a
// subcommand keysync does not have, or a daemon unit that systemd would not
// wait for.
func TestSystemd_UnitsRunExistingCommands(t *testing.T) {
	for _, u := range units {
		if !strings.HasSuffix(u, ".service") {
			continue
		}
		for _, line := range mustParseUnit(t, u)["Service/ExecStart"] {
			f := strings.Fields(line)
			if len(f) < 2 || f[0] != "/usr/bin/keysync" {
				t.Errorf("%s: ExecStart=%s, want /usr/bin/keysync COMMAND", u, line)
				continue
			}
			if _, ok := commands[f[1]]; !ok {
				t.Errorf("%s: ExecStart=%s, but keysync has no command %q", u, line, f[1])
			}
		}
	}
	daemon := mustParseUnit(t, "keysync.service")
	for key, want := range map[string]string{"Service/Type": "notify", "Service/NotifyAccess": "main", "Service/ExecStart": "/usr/bin/keysync run"} {
		if got := daemon[key]; !slices.Equal(got, []string{want}) {
			t.Errorf("keysync.service %s=%q, want %q", key, got, want)
		}
	}
}

// TestSystemd_FilteredSystemCallsKill: a system call outside the filter
// kills the process (systemd's default) instead of failing with an error
// code that code under attack could ignore and carry on.
func TestSystemd_FilteredSystemCallsKill(t *testing.T) {
	for _, u := range units {
		if !strings.HasSuffix(u, ".service") {
			continue
		}
		unit := mustParseUnit(t, u)
		if len(unit["Service/SystemCallFilter"]) == 0 {
			t.Errorf("%s has no SystemCallFilter=", u)
		}
		if v, ok := unit["Service/SystemCallErrorNumber"]; ok {
			t.Errorf("%s: SystemCallErrorNumber=%s turns a filtered system call into an error", u, v)
		}
	}
}
