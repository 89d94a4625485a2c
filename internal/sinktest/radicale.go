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
	// Storage is the server's storage folder.
	Storage string
	cmd     *exec.Cmd
}

// Book is the address of an address book of the test user.
func (r *Radicale) Book(name string) string { return fmt.Sprintf("%s/%s/%s/", r.URL, r.User, name) }

// StartRadicale starts the server and stops it when the test ends. Without
// radicale the test is skipped, under CI it fails.
func StartRadicale(tb testing.TB) *Radicale {
	tb.Helper()
	bin := testdb.NeedTool(tb, "radicale", "radicale")
	r, err := RunRadicale(bin, tb.TempDir())
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(r.Stop)
	return r
}

// RunRadicale starts the server with its storage under dir; Stop ends it.
func RunRadicale(bin, dir string) (*Radicale, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	port := l.Addr().(*net.TCPAddr).Port
	_ = l.Close()
	r := &Radicale{URL: fmt.Sprintf("http://127.0.0.1:%d", port), User: "keysync", Password: "s3cret-Zoë",
		Log: &bytes.Buffer{}, Storage: filepath.Join(dir, "collections")}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	conf := filepath.Join(dir, "config")
	users := filepath.Join(dir, "users")
	// An explicit config file: Debian's /etc/radicale/config (auth by a
	// remote user, rights from a file) is then not read.
	config := fmt.Sprintf(`[server]
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
`, port, users, r.Storage)
	if err := os.WriteFile(users, []byte(r.User+":"+r.Password+"\n"), 0o600); err != nil {
		return nil, err
	}
	if err := os.WriteFile(conf, []byte(config), 0o600); err != nil {
		return nil, err
	}
	r.cmd = exec.Command(bin, "--config", conf)
	r.cmd.Stdout, r.cmd.Stderr = r.Log, r.Log
	r.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := r.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start radicale: %w", err)
	}
	if err := waitReady(r.URL, 15*time.Second); err != nil {
		r.Stop()
		return nil, fmt.Errorf("%w\n%s", err, r.Log)
	}
	return r, nil
}

// BookFolder is where the server keeps an address book of the test user,
// for a bench that fills it without a request per contact.
func (r *Radicale) BookFolder(name string) string {
	return filepath.Join(r.Storage, "collection-root", r.User, name)
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

// Stop ends the server with SIGTERM, which it answers by a clean exit.
func (r *Radicale) Stop() {
	cmd := r.cmd
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
