package reconcile

import (
	"context"
	"errors"
	"fmt"
)

// stream reads one side of a reconciliation in pages, one page ahead of
// the walk in a goroutine of its own, so that the portal, the central links
// and the open conflicts are read at the same time. It holds at most three
// pages: the one being walked, one waiting, one being read.
type stream[T any] struct {
	pages  chan streamPage[T]
	cancel context.CancelFunc
	done   chan struct{}

	buf []T
	i   int
	eof bool
}

type streamPage[T any] struct {
	rows []T
	end  bool // the last page: nothing follows
	err  error
}

// errStreamStopped is returned when a stream's reader ended without
// reaching the end of its side, because its context ended.
var errStreamStopped = errors.New("read stopped before the end")

// startStream starts reading pages with fetch until it returns a page
// shorter than limit (the end) or an error. fetch keeps its own position.
func startStream[T any](ctx context.Context, limit int, fetch func(ctx context.Context) ([]T, error)) *stream[T] {
	ctx, cancel := context.WithCancel(ctx)
	s := &stream[T]{pages: make(chan streamPage[T], 1), cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(s.done)
		defer close(s.pages)
		for {
			rows, err := fetch(ctx)
			p := streamPage[T]{rows: rows, err: err, end: err == nil && len(rows) < limit}
			select {
			case s.pages <- p:
			case <-ctx.Done():
				return
			}
			if err != nil || p.end {
				return
			}
		}
	}()
	return s
}

// peek returns the next row without taking it, or nil at the end.
func (s *stream[T]) peek() (*T, error) {
	for s.i >= len(s.buf) {
		if s.eof {
			return nil, nil
		}
		p, ok := <-s.pages
		if !ok {
			// Closed without its last page: the reader was stopped. Taking
			// that for the end would make every later row look gone.
			return nil, errStreamStopped
		}
		if p.err != nil {
			return nil, p.err
		}
		s.buf, s.i, s.eof = p.rows, 0, p.end
	}
	return &s.buf[s.i], nil
}

// next takes the row peek returned.
func (s *stream[T]) next() { s.i++ }

// stop ends the reader and waits for it.
func (s *stream[T]) stop() {
	s.cancel()
	<-s.done
}

// ascending wraps a page reader so that it refuses rows out of id order:
// the merge walk relies on both sides being sorted, and a row taken for
// missing must really be missing.
func ascending[T any](what string, id func(T) uint64, fetch func(ctx context.Context, after uint64) ([]T, error)) func(ctx context.Context) ([]T, error) {
	return ascendingFrom(what, 0, id, fetch)
}

// ascendingFrom is ascending starting after the id start.
func ascendingFrom[T any](what string, start uint64, id func(T) uint64, fetch func(ctx context.Context, after uint64) ([]T, error)) func(ctx context.Context) ([]T, error) {
	after := start
	first := start == 0
	return func(ctx context.Context) ([]T, error) {
		rows, err := fetch(ctx, after)
		if err != nil {
			return nil, err
		}
		for _, row := range rows {
			if v := id(row); !first && v <= after {
				return nil, fmt.Errorf("read %s: id %d after %d: not in ascending order", what, v, after)
			}
			after, first = id(row), false
		}
		return rows, nil
	}
}
