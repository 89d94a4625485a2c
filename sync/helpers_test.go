package keysync_test

import (
	"context"
	"io"
	"testing"

	"keysync/internal/centraltest"
	keysync "keysync/sync"
)

// now is the clock of the engine and the store in every test.
var now = centraltest.Now

const numberStart = 1000

// rig is a central database, the store and an engine on it.
type rig struct {
	*centraltest.Rig
}

// ids is what a portal row holds in keysync's columns.
type ids = centraltest.IDs

// mustRig creates and migrates a central database and returns an engine on
// it that logs to log (nil: nowhere).
func mustRig(tb testing.TB, log io.Writer) *rig {
	tb.Helper()
	return &rig{centraltest.NewRig(tb, centraltest.Numbering(tb, numberStart, 1, 1), centraltest.Logger(log))}
}

// hookSource lets a test act between the engine's decision and the
// write-back: fail it, or change the portal row first.
type hookSource struct {
	keysync.Source
	beforeWriteBack func(ctx context.Context, writes []keysync.Write) error
}

func (h *hookSource) WriteBack(ctx context.Context, writes []keysync.Write) ([]keysync.Written, error) {
	if h.beforeWriteBack != nil {
		if err := h.beforeWriteBack(ctx, writes); err != nil {
			return nil, err
		}
	}
	return h.Source.WriteBack(ctx, writes)
}

// user is a confirmed fe_users row registered an hour before now.
var user = centraltest.User
