package main

import (
	"context"
	"database/sql"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// process is a keysync command running in the background.
type process struct {
	t    testing.TB
	cmd  *exec.Cmd
	logs *syncBuffer
	done chan struct{}
}

// start runs keysync with args in the background; like a daemon, its log
// is kept and the process is killed at the end of the test.
func (s *site) start(env []string, args ...string) *process {
	s.t.Helper()
	p := &process{t: s.t, logs: &syncBuffer{}, done: make(chan struct{})}
	p.cmd = exec.Command(binary, args...)
	p.cmd.Env = append(cleanEnv(), env...)
	p.cmd.Stdout, p.cmd.Stderr = p.logs, p.logs
	if err := p.cmd.Start(); err != nil {
		s.t.Fatal(err)
	}
	go func() {
		_ = p.cmd.Wait()
		close(p.done)
	}()
	s.t.Cleanup(func() {
		if !p.exited() {
			_ = p.cmd.Process.Kill()
			<-p.done
		}
		if s.t.Failed() {
			s.t.Logf("keysync %v log:\n%s", args, p.logs.String())
		}
	})
	return p
}

func (p *process) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

func (p *process) signal(sig syscall.Signal) {
	p.t.Helper()
	if err := p.cmd.Process.Signal(sig); err != nil {
		p.t.Fatalf("signal %v: %v", sig, err)
	}
}

// waitExit waits for the process to end and returns its exit code.
func (p *process) waitExit(timeout time.Duration) int {
	p.t.Helper()
	select {
	case <-p.done:
	case <-time.After(timeout):
		p.t.Fatalf("keysync did not exit within %s", timeout)
	}
	return p.cmd.ProcessState.ExitCode()
}

// waitLog waits for a log line containing text.
func (p *process) waitLog(text string, timeout time.Duration) {
	p.t.Helper()
	eventually(p.t, timeout, "log line "+text, func() bool { return strings.Contains(p.logs.String(), text) })
}

// rowLock holds the lock of every fe_users row of a portal in a
// transaction of its own, as a long transaction of the portal would:
// keysync's reads go on, its write-back waits.
type rowLock struct {
	t    testing.TB
	conn *sql.Conn
	db   string
}

func (s *site) lockRows(portal string) *rowLock {
	s.t.Helper()
	ctx := context.Background()
	conn, err := s.portals[portal].Conn(ctx)
	if err != nil {
		s.t.Fatal(err)
	}
	l := &rowLock{t: s.t, conn: conn}
	for _, q := range []string{"BEGIN", "SELECT COUNT(*) FROM (SELECT uid FROM fe_users FOR UPDATE) l"} {
		if _, err := conn.ExecContext(ctx, q); err != nil {
			s.t.Fatalf("%s: %v", q, err)
		}
	}
	if err := conn.QueryRowContext(ctx, "SELECT DATABASE()").Scan(&l.db); err != nil {
		s.t.Fatal(err)
	}
	s.t.Cleanup(l.release)
	return l
}

// waitBlocked waits until a statement of another connection waits for the
// rows' locks: keysync's write-back of a batch it committed centrally.
func (l *rowLock) waitBlocked(timeout time.Duration) {
	l.t.Helper()
	eventually(l.t, timeout, "a write-back waiting for the row locks", func() bool { return l.waiting() > 0 })
}

// waiting counts the UPDATE statements under way in the portal's database:
// while every row is locked, each of them waits. (The server's list of
// lock waits, INNODB_TRX, leaves transactions out when others hold many
// locks, so the process list is asked.)
func (l *rowLock) waiting() int {
	l.t.Helper()
	var n int
	err := l.conn.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM information_schema.PROCESSLIST
 WHERE DB = ? AND COMMAND = 'Query' AND INFO LIKE 'UPDATE%'`, l.db).Scan(&n)
	if err != nil {
		l.t.Fatal(err)
	}
	return n
}

// release ends the transaction and lets the waiting write-back go on.
func (l *rowLock) release() {
	if l.conn == nil {
		return
	}
	_, _ = l.conn.ExecContext(context.Background(), "ROLLBACK")
	l.conn.Close()
	l.conn = nil
}

// unwritten counts accounts linked centrally whose portal row has no number
// yet: batches committed centrally and not written back.
func (s *site) unwritten(portal string) int {
	s.t.Helper()
	links := s.links(portal)
	n := 0
	for uid, r := range s.rows(portal) {
		if _, linked := links[uid]; linked && r.number == "" {
			n++
		}
	}
	return n
}

func (s *site) numbered(portal string) int {
	return scalar[int](s.t, s.portals[portal], `SELECT COUNT(*) FROM fe_users WHERE tx_keysync_customer_number <> ''`)
}

// TestSignals_FirstFinishesTheBatchSecondStopsAtOnce: under a backlog,
// the first SIGTERM lets the batch under way finish, down to its
// write-back, and then stops; a second SIGTERM stops at once, leaving a
// batch committed centrally but not written back, which the next pass
// finishes. For `run` and for `once`. The batch is held up by a
// transaction that locks the portal's rows, so the signals land while a
// write-back waits.
func TestSignals_FirstFinishesTheBatchSecondStopsAtOnce(t *testing.T) {
	const users = 1500
	for _, tc := range []struct {
		cmd             string
		finished, stopd int // exit codes after the batch finished, after the second signal
	}{
		{"run", 0, 0},
		{"once", 1, 1},
	} {
		t.Run(tc.cmd, func(t *testing.T) {
			for _, second := range []bool{false, true} {
				s := newSite(t, "amicas")
				s.mustRun(0, "migrate")
				s.insertUsers("amicas", 61, users)
				lock := s.lockRows("amicas")
				p := s.start(s.with("KEYSYNC_BATCH_SIZE=100"), tc.cmd)
				lock.waitBlocked(30 * time.Second)
				p.signal(syscall.SIGTERM)
				p.waitLog("stop requested: finishing the batch under way", 30*time.Second)
				if !second {
					if p.exited() || lock.waiting() == 0 {
						t.Fatalf("keysync %s stopped before the batch under way was written", tc.cmd)
					}
					lock.release()
					if code := p.waitExit(30 * time.Second); code != tc.finished {
						t.Errorf("keysync %s: exit %d after the first signal, want %d", tc.cmd, code, tc.finished)
					}
					if n := s.unwritten("amicas"); n != 0 {
						t.Errorf("keysync %s: %d accounts linked centrally and not written back after the first signal", tc.cmd, n)
					}
					if n := s.numbered("amicas"); n == 0 || n >= users {
						t.Errorf("keysync %s: %d of %d rows numbered, want the batches under way, not none and not all", tc.cmd, n, users)
					}
				} else {
					p.signal(syscall.SIGTERM)
					if code := p.waitExit(30 * time.Second); code != tc.stopd {
						t.Errorf("keysync %s: exit %d after the second signal, want %d", tc.cmd, code, tc.stopd)
					}
					// It stopped while the write-back still waited.
					if n := s.unwritten("amicas"); n == 0 {
						t.Errorf("keysync %s: nothing left to write back after the second signal: it did not stop at once", tc.cmd)
					}
					if strings.Contains(p.logs.String(), "Lock wait timeout") {
						t.Errorf("keysync %s waited for the lock until the server gave up", tc.cmd)
					}
					lock.release()
					if r := s.run(s.env, "once"); r.code != 0 && r.code != 3 {
						t.Fatalf("completing pass: exit %d\n%s", r.code, r.stderr)
					}
					if n := s.numbered("amicas"); n != users {
						t.Errorf("after the completing pass %d of %d rows numbered", n, users)
					}
				}
				s.assertConsistent(second)
			}
		})
	}
}
