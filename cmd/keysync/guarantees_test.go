package main

import (
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"keysync/internal/testdb"
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
	working := 0
	for i, r := range results {
		// 3: done, with conflicts for review among the generated people.
		if r.code != 0 && r.code != 3 {
			t.Fatalf("process %d: exit %d\n%s\n%s", i, r.code, r.stdout, r.stderr)
		}
		if strings.Contains(r.stderr, `"msg":"number written"`) {
			working++
		}
	}
	if working < 2 {
		t.Errorf("%d of 3 processes wrote numbers: they did not work at the same time", working)
	}
	s.assertConsistent(true)
	s.assertOneNumberPerPerson(5000)
}

// TestOnce_KilledHalfway: passes killed with SIGKILL in the middle of a
// backlog; the next pass completes it with no duplicate and no account
// with a second number. The second kill is made to land between a batch's
// central commit and its write-back: a transaction holds the portal's row
// locks until the write-back waits, and right after the kill accounts are
// linked centrally whose rows have no number. Every process, killed or
// not, wrote numbers.
func TestOnce_KilledHalfway(t *testing.T) {
	const users = 6000
	s := newSite(t, "amicas")
	s.mustRun(0, "migrate")
	s.insertUsers("amicas", 7, users)
	env := s.with("KEYSYNC_BATCH_SIZE=100")
	for i := range 3 {
		before := s.numbered("amicas")
		p := s.start(env, "once")
		eventually(t, time.Minute, "part of the backlog to be written", func() bool { return s.numbered("amicas") >= before+300 })
		var lock *rowLock
		if i == 1 {
			lock = s.lockRows("amicas")
			lock.waitBlocked(30 * time.Second)
		}
		p.signal(syscall.SIGKILL)
		p.waitExit(30 * time.Second)
		written, unwritten := s.numbered("amicas"), s.unwritten("amicas")
		if lock != nil {
			if unwritten == 0 {
				t.Fatalf("kill %d: no account linked centrally without its number in the portal: the kill did not land between commit and write-back", i+1)
			}
			lock.release()
		}
		if written >= users {
			t.Fatalf("the pass finished before it was killed (%d written); the test proves nothing", written)
		}
		if n := strings.Count(p.logs.String(), `"msg":"number written"`); n == 0 {
			t.Errorf("killed pass %d wrote no number", i+1)
		}
		t.Logf("kill %d: %d numbers written, %d linked centrally but not written", i+1, written, unwritten)
	}

	r := s.run(s.env, "once")
	if r.code != 0 && r.code != 3 {
		t.Fatalf("completing pass: exit %d\n%s", r.code, r.stderr)
	}
	if n := strings.Count(r.stderr, `"msg":"number written"`); n == 0 {
		t.Error("the completing pass wrote no number")
	}
	s.assertConsistent(true)
	s.assertOneNumberPerPerson(users)
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

// TestOnce_DeletedAccountsNumberTypedByAnother: a member's account is
// deleted, and the number it had is typed into another person's row (an
// old letter): the number stays the deleted member's, the row becomes a
// number_taken conflict and keeps its value; the deleted member coming
// back with the number is recognised.
func TestOnce_DeletedAccountsNumberTypedByAnother(t *testing.T) {
	s := newSite(t, "amicas", "club")
	s.mustRun(0, "migrate")
	testdb.InsertFeUsers(t, s.portals["amicas"], []testdb.FeUser{
		{Username: "lgruber", Email: "leopold.gruber@aon.at", FirstName: "Leopold", LastName: "Gruber"},
	})
	s.mustRun(0, "once")
	deleted := s.rows("amicas")[1].number
	mustExec(t, s, "amicas", `UPDATE fe_users SET deleted = 1 WHERE uid = 1`)
	if r := s.run(s.env, "reconcile"); r.code != 0 && r.code != 3 {
		t.Fatalf("reconcile: exit %d\n%s", r.code, r.stderr)
	}
	if got := scalar[string](t, s.central, `SELECT status FROM accounts WHERE source = 'amicas' AND account_id = 1`); got != "deleted" {
		t.Fatalf("account status %s, want deleted", got)
	}
	testdb.InsertFeUsers(t, s.portals["club"], []testdb.FeUser{
		{Username: "mhuber", Email: "maria.huber@gmx.at", FirstName: "Maria", LastName: "Huber"},
		{Username: "leo", Email: "leo.gruber@gmx.at", FirstName: "Leopold", LastName: "Gruber"},
	})
	mustExec(t, s, "club", `UPDATE fe_users SET tx_keysync_customer_number = ?`, deleted)
	s.mustRun(3, "once")

	club := s.rows("club")
	if club[1].number != deleted || club[1].pe != "" {
		t.Errorf("Maria Huber's row %+v: want the typed %s kept and nothing written", club[1], deleted)
	}
	if n := scalar[int](t, s.central, `SELECT COUNT(*) FROM conflicts WHERE source = 'club' AND account_id = 1 AND kind = 'number_taken' AND value = ? AND status = 'open'`, deleted); n != 1 {
		t.Errorf("number_taken conflicts of Maria Huber = %d, want 1", n)
	}
	if n := scalar[int](t, s.central, `SELECT COUNT(*) FROM accounts WHERE source = 'club' AND account_id = 1`); n != 0 {
		t.Errorf("Maria Huber linked centrally to the deleted member's number")
	}
	if got := scalar[string](t, s.central, `SELECT GROUP_CONCAT(CONCAT(source, ':', account_id) ORDER BY source) FROM accounts WHERE number = ?`, deleted); got != "amicas:1,club:2" {
		t.Errorf("accounts of %s: %s, want the deleted member's and the same member's new one", deleted, got)
	}
	if n := scalar[int](t, s.central, `SELECT COUNT(*) FROM persons WHERE number = ?`, deleted); n != 1 {
		t.Errorf("persons holding %s: %d", deleted, n)
	}
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
