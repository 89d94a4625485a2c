package main

import (
	"net"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// TestRun_TwoHostsOneSource: two daemons on one source; one works it, the
// other stands by and takes over after the first is killed, within two
// poll rounds that begin after the kill (the database drops the dead
// holder's lock a moment after the kill): about one poll interval.
func TestRun_TwoHostsOneSource(t *testing.T) {
	s := newSite(t, "amicas")
	s.mustRun(0, "migrate")
	s.insertUsers("amicas", 21, 10)
	first := s.startDaemon(s.env)
	eventually(t, time.Minute, "the first daemon to number the users", func() bool {
		return scalar[int](t, s.portals["amicas"], `SELECT COUNT(*) FROM fe_users WHERE tx_keysync_customer_number = ''`) == 0
	})
	second := s.startDaemon(s.with("KEYSYNC_LOG_LEVEL=debug"))
	second.waitLog("standby: another keysync works this source", 30*time.Second)

	_ = first.cmd.Process.Signal(syscall.SIGKILL)
	<-first.done
	killed := time.Now()
	s.insertUsers("amicas", 22, 5)
	took := second.waitLog("took over the source", 30*time.Second)
	rounds := 0
	for _, r := range second.roundsSince("amicas", killed) {
		if r.index < took.index {
			rounds++
		}
	}
	if rounds > 2 {
		t.Errorf("took over in the %dth poll round after the kill, want the first or second", rounds)
	}
	eventually(t, time.Minute, "the standby to number the new users", func() bool {
		return scalar[int](t, s.portals["amicas"], `SELECT COUNT(*) FROM fe_users WHERE tx_keysync_customer_number = ''`) == 0
	})
	if code := second.stop(); code != 0 {
		t.Errorf("exit code = %d", code)
	}
	s.assertConsistent(true)
}

// TestRun_SystemdNotify: under a Type=notify unit the daemon reports READY
// after its loops started, pings the watchdog, and says STOPPING on SIGTERM.
func TestRun_SystemdNotify(t *testing.T) {
	s := newSite(t, "amicas")
	s.mustRun(0, "migrate")
	has, sock := listenNotify(t)
	d := s.startDaemon(s.with("NOTIFY_SOCKET="+sock, "WATCHDOG_USEC=400000"))
	eventually(t, time.Minute, "READY=1", func() bool { return has("READY=1\nSTATUS=polling") })
	eventually(t, time.Minute, "WATCHDOG=1", func() bool { return has("WATCHDOG=1") })
	if code := d.stop(); code != 0 {
		t.Fatalf("exit code = %d", code)
	}
	eventually(t, 10*time.Second, "STOPPING=1", func() bool { return has("STOPPING=1") })
}

// TestRun_SystemdNotifyCentralDown: waiting for the central database is
// "retrying", so systemd hears READY (and watchdog pings) instead of
// killing the daemon at its start timeout.
func TestRun_SystemdNotifyCentralDown(t *testing.T) {
	s := newSite(t, "amicas")
	s.mustRun(0, "migrate")
	has, sock := listenNotify(t)
	d := s.startDaemon(s.with("NOTIFY_SOCKET="+sock, "WATCHDOG_USEC=400000",
		"KEYSYNC_CENTRAL_DSN=keysync:pw@tcp(127.0.0.1:1)/keysync"))
	eventually(t, time.Minute, "READY=1 while retrying", func() bool { return has("READY=1\nSTATUS=central database unavailable") })
	eventually(t, time.Minute, "WATCHDOG=1 while retrying", func() bool { return has("WATCHDOG=1") })
	if code := d.stop(); code != 0 {
		t.Fatalf("exit code = %d", code)
	}
}

// listenNotify plays systemd's notify socket; has reports whether a
// message starting with a prefix arrived.
func listenNotify(t *testing.T) (has func(prefix string) bool, sock string) {
	sock = filepath.Join(t.TempDir(), "notify.sock")
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: sock, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	var mu sync.Mutex
	var got []string
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := conn.Read(buf)
			if err != nil {
				return
			}
			mu.Lock()
			got = append(got, string(buf[:n]))
			mu.Unlock()
		}
	}()
	return func(prefix string) bool {
		mu.Lock()
		defer mu.Unlock()
		for _, m := range got {
			if strings.HasPrefix(m, prefix) {
				return true
			}
		}
		return false
	}, sock
}
