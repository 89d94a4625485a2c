//go:build galera

package mariadbd_test

import (
	"errors"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"

	"keysync/internal/mariadbd"
	"keysync/internal/sqlutil"
)

// TestCluster_ReplicatesSurvivesKillAndIsolation: a row written through
// one node is read through the others; a killed node comes back with what
// was written while it was away; an isolated node answers 1047 and
// catches up once it is joined again. sqlutil.OpenCausal asks a node for
// causal reads.
func TestCluster_ReplicatesSurvivesKillAndIsolation(t *testing.T) {
	c := mariadbd.StartCluster(t, 3)
	causalReadsOn(t, c.Nodes[1])
	c.Nodes[0].Exec(`CREATE DATABASE ks_galera`)
	c.Nodes[0].Exec(`CREATE TABLE ks_galera.t (id INT PRIMARY KEY)`)
	c.Nodes[1].Exec(`INSERT INTO ks_galera.t VALUES (1)`)
	wantRows(t, c.Nodes[2], 1)

	c.Nodes[2].Kill()
	c.Nodes[0].Exec(`INSERT INTO ks_galera.t VALUES (2)`)
	c.Nodes[2].Start()
	wantRows(t, c.Nodes[2], 2)

	c.Isolate(1, true)
	isolated := c.Nodes[1].Open("ks_galera")
	var err error
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if _, err = isolated.Exec(`SELECT COUNT(*) FROM t`); err != nil {
			break
		}
	}
	var me *mysql.MySQLError
	if !errors.As(err, &me) || me.Number != 1047 {
		t.Fatalf("read from an isolated node: %v, want error 1047", err)
	}
	if _, err = isolated.Exec(`INSERT INTO t VALUES (3)`); !errors.As(err, &me) || me.Number != 1047 {
		t.Fatalf("write to an isolated node: %v, want error 1047", err)
	}
	c.Nodes[0].Exec(`INSERT INTO ks_galera.t VALUES (3)`)
	c.Isolate(1, false)
	c.Nodes[1].WaitSynced()
	wantRows(t, c.Nodes[1], 3)
}

// wantRows reads the table's rows through s once s has applied every
// write the cluster committed before (wsrep_sync_wait).
func wantRows(t *testing.T, s *mariadbd.Server, want int) {
	t.Helper()
	conn, err := s.Open("ks_galera").Conn(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var n int
	if _, err := conn.ExecContext(t.Context(), `SET SESSION wsrep_sync_wait = 1`); err != nil {
		t.Fatal(err)
	}
	if err := conn.QueryRowContext(t.Context(), `SELECT COUNT(*) FROM t`).Scan(&n); err != nil {
		t.Fatalf("%s: %v", s, err)
	}
	if n != want {
		t.Errorf("%s: %d rows, want %d", s, n, want)
	}
}

// causalReadsOn checks that a pool from sqlutil.OpenCausal on a node asks
// for causal reads.
func causalReadsOn(t *testing.T, s *mariadbd.Server) {
	t.Helper()
	db, err := sqlutil.OpenCausal(s.DSN(""))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var wait int
	if err := db.QueryRow(`SELECT @@session.wsrep_sync_wait`).Scan(&wait); err != nil {
		t.Fatal(err)
	}
	if wait&1 != 1 {
		t.Errorf("wsrep_sync_wait = %d through OpenCausal, want the read bit (1) set", wait)
	}
}
