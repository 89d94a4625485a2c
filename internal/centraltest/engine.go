package centraltest

import (
	"log/slog"
	"testing"
	"time"

	keysync "keysync/sync"
)

// Engine returns an engine on the store, on the test clock, logging to log
// (nil: nowhere).
func (c *Central) Engine(log *slog.Logger) *keysync.Engine {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &keysync.Engine{Store: c.Store, BatchSize: 500, Logger: log, Now: func() time.Time { return Now }}
}

// MustPass runs one pass of the engine over the portal and fails the test
// on an error.
func MustPass(tb testing.TB, e *keysync.Engine, p keysync.Portal) keysync.Counts {
	tb.Helper()
	c, err := e.Pass(tb.Context(), tb.Context(), p)
	if err != nil {
		tb.Fatalf("Pass over %s: %v", p.Source.Name(), err)
	}
	return c
}
