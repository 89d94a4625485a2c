//go:build galera

package main

import (
	"database/sql"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"keysync/internal/mariadbd"
)

// TestGalera_DaemonsThroughThreeNodes: three daemons, each writing to the
// central store through another node of a three-node Galera cluster, work
// the same two portals while registrations arrive (the source lock is
// node-local under Galera, so all three work every source at once and
// their central transactions meet in certification). One node is killed
// and started again; another is cut off the cluster, so that its daemon
// is answered 1047 until it is back. The daemons ride both out and the
// numbering invariants hold at the end.
func TestGalera_DaemonsThroughThreeNodes(t *testing.T) {
	c := mariadbd.StartCluster(t, 3)
	c.Nodes[0].Exec("CREATE DATABASE ks_central")
	// Checks read through the first node once it has applied everything
	// committed before (wsrep_sync_wait).
	centralDB, err := sql.Open("mysql", c.Nodes[0].DSN("ks_central")+"&wsrep_sync_wait=1")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { centralDB.Close() })
	s := newSiteOn(t, c.Nodes[0].DSN("ks_central"), centralDB, "amicas", "club")
	s.mustRun(0, "migrate")
	s.insertUsers("amicas", 61, 300)
	s.insertUsers("club", 62, 300)

	var daemons []*daemon
	var addrs []string
	for _, n := range c.Nodes {
		addr := freeAddr(t)
		addrs = append(addrs, addr)
		daemons = append(daemons, s.startDaemon(s.with("KEYSYNC_CENTRAL_DSN="+n.DSN("ks_central"), "KEYSYNC_HTTP_ADDR="+addr)))
	}
	arriving := s.startArrivals(63, 100*time.Millisecond, 3)
	eventually(t, 2*time.Minute, "the backlog to be numbered", func() bool {
		return scalar[int](t, s.portals["amicas"], `SELECT COUNT(*) FROM fe_users WHERE tx_keysync_customer_number = '' AND uid <= 300`) == 0
	})

	c.Nodes[2].Kill()
	time.Sleep(5 * time.Second) // registrations arrive while the node is gone
	c.Nodes[2].Start()

	c.Isolate(1, true)
	eventually(t, time.Minute, "the daemon on the cut-off node to be answered 1047", func() bool {
		return strings.Contains(daemons[1].logs.String(), "Error 1047")
	})
	c.Isolate(1, false)
	c.Nodes[1].WaitSynced()
	time.Sleep(2 * time.Second)
	arrived := arriving.stop(s)

	eventually(t, 3*time.Minute, "every registration to be numbered", func() bool {
		return scalar[int](t, s.portals["amicas"], `SELECT COUNT(*) FROM fe_users WHERE tx_keysync_customer_number = ''`)+
			scalar[int](t, s.portals["club"], `SELECT COUNT(*) FROM fe_users WHERE tx_keysync_customer_number = ''`) == 0
	})
	var retries int
	for i, d := range daemons {
		select {
		case <-d.done:
			t.Fatalf("daemon %d exited: %v", i+1, d.err)
		default:
		}
		retries += centralRetries(t, addrs[i])
		if code := d.stop(); code != 0 {
			t.Errorf("daemon %d: exit code %d", i+1, code)
		}
	}
	t.Logf("%d registrations arrived while the daemons ran; %d central transactions ran again", arrived, retries)
	s.assertNumbering()
	assertFeedDense(t, centralDB)
}

// assertFeedDense checks the change feed the daemons wrote through three
// nodes: its positions are 1 to the head without a gap (each taken in the
// transaction that wrote the change, so a transaction that lost
// certification left none behind), and every person is in it.
func assertFeedDense(t *testing.T, db *sql.DB) {
	t.Helper()
	var head, changes, last, unfed int
	err := db.QueryRow(`SELECT (SELECT pos FROM change_head WHERE id = 1), COUNT(*), COALESCE(MAX(pos), 0),
		(SELECT COUNT(*) FROM persons p WHERE NOT EXISTS (SELECT 1 FROM changes c WHERE c.number = p.number)) FROM changes`).
		Scan(&head, &changes, &last, &unfed)
	if err != nil {
		t.Fatal(err)
	}
	if changes == 0 || changes != last || last != head {
		t.Errorf("change feed: %d changes, the last at %d, head %d; want positions 1 to the head", changes, last, head)
	}
	if unfed != 0 {
		t.Errorf("change feed: %d persons never in it", unfed)
	}
}

var retriesLine = regexp.MustCompile(`(?m)^keysync_central_retries_total (\d+)$`)

// centralRetries reads keysync_central_retries_total from a daemon.
func centralRetries(t *testing.T, addr string) int {
	t.Helper()
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	m := retriesLine.FindSubmatch(body)
	if m == nil {
		t.Fatalf("no keysync_central_retries_total in /metrics:\n%s", body)
	}
	n, _ := strconv.Atoi(string(m[1]))
	return n
}
