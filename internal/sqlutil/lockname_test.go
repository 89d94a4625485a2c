package sqlutil_test

import (
	"strings"
	"testing"

	"keysync/internal/sqlutil"
)

func TestLockName(t *testing.T) {
	if got, want := sqlutil.LockName("source", "keysync", "amicas"), "keysync.source.keysync.amicas"; got != want {
		t.Errorf("LockName=%q, want %q", got, want)
	}
	long := strings.Repeat("d", 64)
	a, b := sqlutil.LockName("source", long, "amicas"), sqlutil.LockName("source", long, "club")
	if len(a) > 64 || len(b) > 64 || a == b {
		t.Errorf("long names %q and %q: want at most 64 characters and different", a, b)
	}
	if sqlutil.LockName("source", "central", "amicas") == sqlutil.LockName("reconcile", "central", "amicas") {
		t.Error("the source and the reconciliation lock share a name")
	}
}
