package sinktest

import (
	"bytes"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"keysync/internal/testdb"
)

// Radicale is a CardDAV server of Debian's radicale package, started on a
// free loopback port for one test, with Basic authentication against a
// user file (plain passwords, no delay after a wrong one).
type Radicale struct {
	// URL is the server's root, http://127.0.0.1:PORT.
	URL      string
	User     string
	Password string
	// Log is what the server wrote, for a failing test.
	Log *bytes.Buffer
}

// Book is the address of an address book of the test user.
func (r *Radicale) Book(name string) string { return fmt.Sprintf("%s/%s/%s/", r.URL, r.User, name) }

// StartRadicale starts the server and stops it when the test ends. Without
// radicale the test is skipped, under CI it fails.
func StartRadicale(tb testing.TB) *Radicale {
	tb.Helper()
	bin := testdb.NeedTool(tb, "radicale", "radicale")
	dir := tb.TempDir()
	port := freePort(tb)
	r := &Radicale{URL: fmt.Sprintf("http://127.0.0.1:%d", port), User: "keysync", Password: "s3cret-Zoë", Log: &bytes.Buffer{}}
	conf := filepath.Join(dir, "config")
	users := filepath.Join(dir, "users")
	writeFile(tb, users, r.User+":"+r.Password+"\n")
	// An explicit config file: Debian's /etc/radicale/config (auth by a
	// remote user, rights from a file) is then not read.
	writeFile(tb, conf, fmt.Sprintf(`[server]
hosts = 127.0.0.1:%d
[auth]
type = htpasswd
htpasswd_filename = %s
htpasswd_encryption = plain
delay = 0
[rights]
type = owner_only
[storage]
filesystem_folder = %s
[logging]
level = warning
`, port, users, filepath.Join(dir, "collections")))
	cmd := exec.Command(bin, "--config", conf)
	cmd.Stdout, cmd.Stderr = r.Log, r.Log
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		tb.Fatalf("start radicale: %v", err)
	}
	tb.Cleanup(func() { stop(cmd) })
	if err := waitReady(r.URL, 15*time.Second); err != nil {
		tb.Fatalf("%v\n%s", err, r.Log)
	}
	return r
}

func writeFile(tb testing.TB, path, content string) {
	tb.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		tb.Fatal(err)
	}
}

func freePort(tb testing.TB) int {
	tb.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	defer func() { _ = l.Close() }()
	return l.Addr().(*net.TCPAddr).Port
}

// waitReady polls until the server answers at all; it is ready a quarter
// of a second after the start.
func waitReady(url string, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		resp, err := http.Get(url + "/.well-known/carddav")
		if err == nil {
			_ = resp.Body.Close()
			return nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("radicale did not answer within %s", limit)
}

// stop ends the server with SIGTERM, which it answers by a clean exit.
func stop(cmd *exec.Cmd) {
	_ = cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		_ = cmd.Process.Kill()
		<-done
	}
}
