package reconcile_test

import (
	"io"
	"testing"

	"keysync/internal/centraltest"
)

// now is the clock of the engine, the store and the reconciler in every
// test.
var now = centraltest.Now

// rig is a central database, the store and an engine on it, whose passes
// number the portals a test then reconciles.
type rig struct {
	*centraltest.Rig
}

// portal is one TYPO3 v13 portal database with keysync's columns.
type portal = centraltest.Portal

// mustRig creates and migrates a central database and returns an engine on
// it that logs to log (nil: nowhere).
func mustRig(tb testing.TB, log io.Writer) *rig {
	tb.Helper()
	return &rig{centraltest.NewRig(tb, centraltest.Numbering(tb, 1000, 1, 1), centraltest.Logger(log))}
}

// user is a confirmed fe_users row registered an hour before now.
var user = centraltest.User
