package main

import (
	"context"
	"os/exec"
	"sync"
	"syscall"
	"testing"
	"time"
)

// TestOnce_ThreeProcessesAtOnce: three `keysync once` over the same 5,000
// new users at the same time. Every confirmed user ends with exactly one
// number and all numbers are unique.
func TestOnce_ThreeProcessesAtOnce(t *testing.T) {
	s := newSite(t, "amicas")
	s.mustRun(0, "migrate")
	s.insertUsers("amicas", 42, 5000)
	env := s.with("KEYSYNC_BATCH_SIZE=200")

	var wg sync.WaitGroup
	results := make([]result, 3)
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = s.run(env, "once", "--json")
		}()
	}
	wg.Wait()
	for i, r := range results {
		// 3: done, with conflicts for review among the generated people.
		if r.code != 0 && r.code != 3 {
			t.Fatalf("process %d: exit %d\n%s\n%s", i, r.code, r.stdout, r.stderr)
		}
	}
	s.assertConsistent(true)
	s.assertOneNumberPerPerson(5000)
}

// TestOnce_KilledHalfway: a pass killed with SIGKILL in the middle of a
// backlog; the next pass completes it with no duplicate and no account
// with a second number.
func TestOnce_KilledHalfway(t *testing.T) {
	s := newSite(t, "amicas")
	s.mustRun(0, "migrate")
	s.insertUsers("amicas", 7, 20000)

	// Kill three passes at different points, so at least some kills land
	// between the central commit and the write-back of a batch.
	count := func() int {
		return scalar[int](t, s.portals["amicas"], `SELECT COUNT(*) FROM fe_users WHERE tx_keysync_customer_number <> ''`)
	}
	for i, step := range []int{1500, 2300, 3100} {
		before := count()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		cmd := exec.CommandContext(ctx, binary, "once")
		cmd.Env = append(cleanEnv(), s.with("KEYSYNC_BATCH_SIZE=100")...)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		eventually(t, 2*time.Minute, "part of the backlog to be written", func() bool { return count() >= before+step })
		_ = cmd.Process.Signal(syscall.SIGKILL)
		_ = cmd.Wait()
		cancel()
		written := count()
		if written >= 20000 {
			t.Fatalf("the pass finished before it was killed (%d written); the test proves nothing", written)
		}
		linked := scalar[int](t, s.central, `SELECT COUNT(*) FROM accounts`)
		t.Logf("kill %d: %d numbers written, %d accounts linked centrally", i+1, written, linked)
	}

	if r := s.run(s.env, "once"); r.code != 0 && r.code != 3 {
		t.Fatalf("completing pass: exit %d\n%s", r.code, r.stderr)
	}
	s.assertConsistent(true)
	s.assertOneNumberPerPerson(20000)
}

// TestRun_DoubleOptInAndShutdown: the daemon leaves an unconfirmed user
// alone and numbers it in the first poll that begins after the
// confirmation, which is at most one poll interval (and the poll under way)
// later; it exits 0 on SIGINT.
func TestRun_DoubleOptInAndShutdown(t *testing.T) {
	s := newSite(t, "amicas", "club")
	s.mustRun(0, "migrate")
	s.insertUsers("amicas", 3, 10)
	d := s.startDaemon(s.with("KEYSYNC_LOG_LEVEL=debug"))
	eventually(t, time.Minute, "the first users to be numbered", func() bool {
		return scalar[int](t, s.portals["amicas"], `SELECT COUNT(*) FROM fe_users WHERE tx_keysync_customer_number <> ''`) == 10
	})
	mustExec(t, s, "club", `INSERT INTO fe_users (pid, username, email, first_name, last_name, disable) VALUES (1, 'doi', 'doi@aon.at', 'Doris', 'Optin', 1)`)
	// When the second round of club that began after the insert begins,
	// the first one, which saw the row, is over.
	d.waitRounds("club", time.Now(), 2, 30*time.Second)
	if n := s.rows("club")[1].number; n != "" {
		t.Fatalf("unconfirmed user numbered: %s", n)
	}
	mustExec(t, s, "club", `UPDATE fe_users SET disable = 0 WHERE uid = 1`)
	rounds := d.waitRounds("club", time.Now(), 2, 30*time.Second)
	if n := s.rows("club")[1].number; n == "" {
		t.Fatal("the first poll that began after the confirmation left the user without a number")
	}
	written := d.lines("number written", "club")
	if len(written) != 1 || written[0].index > rounds[1].index {
		t.Errorf("number written lines of club %v, want one before the second round after the confirmation (line %d)", written, rounds[1].index)
	}
	if code := d.stop(); code != 0 {
		t.Fatalf("exit code after SIGINT = %d, want 0", code)
	}
	d.waitLog("keysync stopped", time.Second)
	s.assertConsistent(true)
}

func mustExec(t testing.TB, s *site, portal, q string, args ...any) {
	t.Helper()
	if _, err := s.portals[portal].Exec(q, args...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

// assertOneNumberPerPerson checks a backlog of accounts generated as
// distinct registrations: all linked, as many distinct numbers in the
// portal as persons centrally, and the sequence without gaps. (A few
// generated rows are the same person under Gmail's dot rule, so persons
// may be fewer than accounts.)
func (s *site) assertOneNumberPerPerson(accounts int) {
	s.t.Helper()
	if n := scalar[int](s.t, s.central, `SELECT COUNT(*) FROM accounts`); n != accounts {
		s.t.Errorf("linked accounts = %d, want %d", n, accounts)
	}
	persons := scalar[int](s.t, s.central, `SELECT COUNT(*) FROM persons`)
	if persons < accounts*99/100 {
		s.t.Errorf("persons = %d for %d generated registrations", persons, accounts)
	}
	if n := scalar[int](s.t, s.portals["amicas"], `SELECT COUNT(DISTINCT tx_keysync_customer_number) FROM fe_users`); n != persons {
		s.t.Errorf("distinct numbers in the portal = %d, persons = %d", n, persons)
	}
	if max := scalar[int](s.t, s.central, `SELECT MAX(seq) FROM persons`); max != persons {
		s.t.Errorf("highest sequence value = %d, persons = %d: a gap or a number handed out twice", max, persons)
	}
	if n := scalar[int](s.t, s.central, `SELECT COUNT(*) FROM events WHERE kind = 'linked'`); n != accounts-persons {
		s.t.Errorf("linked events = %d, want %d", n, accounts-persons)
	}
}
