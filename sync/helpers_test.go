package keysync_test

import (
	"context"
	"io"
	"log/slog"
	"testing"

	"keysync/internal/centraltest"
	keysync "keysync/sync"
)

// now is the clock of the engine and the store in every test.
var now = centraltest.Now

const numberStart = 1000

// rig is a central database, the store and an engine on it, and the
// portals the engine works.
type rig struct {
	*centraltest.Central
	engine *keysync.Engine
}

// portal is one TYPO3 v13 portal database with keysync's columns; ids is
// what one of its rows holds in keysync's columns.
type (
	portal = centraltest.Portal
	ids    = centraltest.IDs
)

// mustRig creates and migrates a central database and returns an engine on
// it that logs to log (nil: nowhere).
func mustRig(tb testing.TB, log io.Writer) *rig {
	tb.Helper()
	c := centraltest.New(tb, centraltest.Numbering(tb, numberStart, 1, 1))
	if log == nil {
		log = io.Discard
	}
	return &rig{Central: c, engine: c.Engine(slog.New(slog.NewJSONHandler(log, &slog.HandlerOptions{Level: slog.LevelDebug})))}
}

// mustPass runs one pass and fails the test on an error.
func (r *rig) mustPass(tb testing.TB, p keysync.Portal) keysync.Counts {
	tb.Helper()
	return centraltest.MustPass(tb, r.engine, p)
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
