package main

import (
	"net"
	"os"
	"strconv"
	"sync"
	"time"
)

// notifier speaks systemd's notify protocol (sd_notify) over the datagram
// socket in $NOTIFY_SOCKET, so a Type=notify unit knows when keysync is
// ready, when it stops, and that its loops are alive. Without the variable
// (not under systemd) every call is a no-op.
type notifier struct {
	addr     string
	watchdog time.Duration // WATCHDOG_USEC, or 0 when the unit has no watchdog

	mu    sync.Mutex
	beats map[string]time.Time
}

func newNotifier() *notifier {
	n := &notifier{addr: os.Getenv("NOTIFY_SOCKET"), beats: map[string]time.Time{}}
	if usec, err := strconv.ParseInt(os.Getenv("WATCHDOG_USEC"), 10, 64); err == nil && usec > 0 {
		// The watchdog is meant for this process only.
		if pid := os.Getenv("WATCHDOG_PID"); pid == "" || pid == strconv.Itoa(os.Getpid()) {
			n.watchdog = time.Duration(usec) * time.Microsecond
		}
	}
	return n
}

// send delivers one state line; errors are returned for the caller to log.
func (n *notifier) send(state string) error {
	if n.addr == "" {
		return nil
	}
	addr := n.addr
	if addr[0] == '@' {
		addr = "\x00" + addr[1:] // abstract socket namespace
	}
	conn, err := net.DialUnix("unixgram", nil, &net.UnixAddr{Name: addr, Net: "unixgram"})
	if err != nil {
		return err
	}
	defer conn.Close()
	_, err = conn.Write([]byte(state))
	return err
}

// beat records that the named loop made progress.
func (n *notifier) beat(loop string) {
	n.mu.Lock()
	n.beats[loop] = time.Now()
	n.mu.Unlock()
}

// forget stops watching a loop that ended on purpose.
func (n *notifier) forget(loop string) {
	n.mu.Lock()
	delete(n.beats, loop)
	n.mu.Unlock()
}

// alive reports whether every registered loop beat within d.
func (n *notifier) alive(d time.Duration) bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	now := time.Now()
	for _, t := range n.beats {
		if now.Sub(t) > d {
			return false
		}
	}
	return true
}

// runWatchdog pings systemd at half the watchdog interval while every loop
// is alive; a hung loop stops the pings and systemd restarts the service.
func (n *notifier) runWatchdog(done <-chan struct{}, onErr func(error)) {
	if n.watchdog == 0 {
		return
	}
	t := time.NewTicker(n.watchdog / 2)
	defer t.Stop()
	for {
		select {
		case <-done:
			return
		case <-t.C:
			if n.alive(n.watchdog) {
				if err := n.send("WATCHDOG=1"); err != nil {
					onErr(err)
				}
			}
		}
	}
}
