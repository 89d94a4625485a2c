package main

import (
	"context"
	"log/slog"
)

// logStops logs the stop requests of a long command until the returned
// function is called: the first signal (ctx ends) lets the batch under way
// finish, the second (hard ends) stops at once. Without the first line an
// operator who pressed Ctrl-C could take a batch that finishes for a hang.
func logStops(ctx, hard context.Context, log *slog.Logger) (stop func()) {
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		select {
		case <-ctx.Done():
		case <-done:
			return
		}
		log.Info("stop requested: finishing the batch under way; a second signal stops at once")
		select {
		case <-hard.Done():
			log.Warn("second stop request: stopping at once")
		case <-done:
		}
	}()
	return func() {
		close(done)
		<-finished
	}
}
