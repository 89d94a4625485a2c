package main

import (
	"database/sql"
	"math/rand/v2"
	"syscall"
	"testing"
	"time"

	"keysync/internal/mariadbd"
)

// TestChaos_KilledDaemonsAndDatabase: three daemons share two portals
// while registrations arrive; for half a minute, at random moments, a
// daemon is killed with SIGKILL and another started in its place, or the
// central database server is killed with SIGKILL and started again. Then
// the daemons left finish the backlog and the numbering invariants hold.
// The seed of the random choices is logged.
func TestChaos_KilledDaemonsAndDatabase(t *testing.T) {
	if testing.Short() {
		t.Skip("chaos takes a minute")
	}
	db := mariadbd.Start(t)
	db.Exec("CREATE DATABASE ks_central")
	centralDB, err := sql.Open("mysql", db.DSN("ks_central"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { centralDB.Close() })
	s := newSiteOn(t, db.DSN("ks_central"), centralDB, "amicas", "club")
	s.mustRun(0, "migrate")
	s.insertUsers("amicas", 71, 200)
	s.insertUsers("club", 72, 200)

	seed := time.Now().UnixNano()
	t.Logf("chaos seed %d", seed)
	rng := rand.New(rand.NewPCG(uint64(seed), 0))
	daemons := []*daemon{s.startDaemon(s.env), s.startDaemon(s.env), s.startDaemon(s.env)}
	arriving := s.startArrivals(73, 100*time.Millisecond, 2)
	var killed, restarts int
	for end := time.Now().Add(30 * time.Second); time.Now().Before(end); {
		time.Sleep(time.Duration(500+rng.IntN(2500)) * time.Millisecond)
		if rng.IntN(4) == 0 {
			db.Kill()
			time.Sleep(time.Duration(rng.IntN(2000)) * time.Millisecond)
			db.Start()
			restarts++
			continue
		}
		i := rng.IntN(len(daemons))
		_ = daemons[i].cmd.Process.Signal(syscall.SIGKILL)
		<-daemons[i].done
		daemons[i] = s.startDaemon(s.env)
		killed++
	}
	if restarts == 0 {
		db.Kill()
		db.Start()
		restarts++
	}
	arrived := arriving.stop(s)
	eventually(t, 3*time.Minute, "every registration to be numbered", func() bool {
		return scalar[int](t, s.portals["amicas"], `SELECT COUNT(*) FROM fe_users WHERE tx_keysync_customer_number = ''`)+
			scalar[int](t, s.portals["club"], `SELECT COUNT(*) FROM fe_users WHERE tx_keysync_customer_number = ''`) == 0
	})
	for i, d := range daemons {
		// A daemon started a moment ago takes SIGINT as a stop request
		// only once main has set up its signal handling.
		d.waitLog("keysync starting", time.Minute)
		if code := d.stop(); code != 0 {
			t.Errorf("daemon %d: exit code %d", i+1, code)
		}
	}
	t.Logf("%d registrations arrived; %d daemons killed, the database killed and restarted %d times", arrived, killed, restarts)
	s.assertNumbering()
}
