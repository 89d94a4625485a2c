package sqlutil_test

import (
	"testing"

	"keysync/internal/sqlutil"
	"keysync/internal/testdb"
)

// TestOpenCausal_LeavesOtherServersAlone: on a server that is no Galera
// node, a pool from OpenCausal connects and keeps the session's
// wsrep_sync_wait as it was (the Galera test, make test-galera, shows
// the read bit set on a node).
func TestOpenCausal_LeavesOtherServersAlone(t *testing.T) {
	dsn, _ := testdb.New(t, t.Name())
	db, err := sqlutil.OpenCausal(dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var on, wait int
	if err := db.QueryRow(`SELECT @@global.wsrep_on, @@session.wsrep_sync_wait`).Scan(&on, &wait); err != nil {
		t.Fatal(err)
	}
	if on != 0 || wait != 0 {
		t.Errorf("wsrep_on = %d, wsrep_sync_wait = %d, want 0 and 0", on, wait)
	}
}
