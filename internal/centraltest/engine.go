package centraltest

import (
	"io"
	"log/slog"
	"testing"
	"time"

	keysync "keysync/sync"
	"keysync/sync/central"
)

// Rig is a migrated central database and an engine on its store: what a
// test of whole passes starts from.
type Rig struct {
	*Central
	Engine *keysync.Engine
}

// NewRig is New with an engine that logs to log.
func NewRig(tb testing.TB, num central.Numbering, log *slog.Logger) *Rig {
	tb.Helper()
	c := New(tb, num)
	return &Rig{Central: c, Engine: c.Engine(log)}
}

// Engine returns an engine on the store, on the test clock, logging to log
// (nil: nowhere).
func (c *Central) Engine(log *slog.Logger) *keysync.Engine {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &keysync.Engine{Store: c.Store, BatchSize: 500, Logger: log, Now: func() time.Time { return Now }}
}

// Logger logs JSON lines at debug level to w, for tests that read what
// was logged; nil logs nowhere.
func Logger(w io.Writer) *slog.Logger {
	if w == nil {
		return nil
	}
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// MustPass runs one pass over the portal and fails the test on an error.
func (r *Rig) MustPass(tb testing.TB, p keysync.Portal) keysync.Counts {
	tb.Helper()
	c, err := r.Engine.Pass(tb.Context(), tb.Context(), p)
	if err != nil {
		tb.Fatalf("Pass over %s: %v", p.Source.Name(), err)
	}
	return c
}
