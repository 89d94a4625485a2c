package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	keysync "keysync/sync"
)

// newHTTPHandler serves /healthz and /metrics. /healthz answers 200 only
// when every source polled successfully within three poll intervals, or
// this daemon stands by for it while another keysync polls it (a line
// after "ok" says so), and 503 naming the sources that did not otherwise;
// now is the clock.
func newHTTPHandler(m *metrics, interval time.Duration, now func() time.Time) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		if bad := m.unhealthy(now(), interval); len(bad) > 0 {
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprintln(w, strings.Join(bad, "\n"))
			return
		}
		fmt.Fprintln(w, "ok")
		for _, note := range m.standbyNotes(now(), interval) {
			fmt.Fprintln(w, note)
		}
	})
	mux.HandleFunc("GET /metrics", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
		_ = m.write(w) // a write error means the scraper went away
	})
	return mux
}

// backlogEvery is how often the daemon counts backlogs and open conflicts
// for /metrics. A WordPress backlog reads every user, so not per poll.
const backlogEvery = time.Minute

// backlogSource is a source that can count its confirmed accounts without
// a number.
type backlogSource interface {
	Name() string
	Backlog(ctx context.Context, now time.Time) (int64, error)
}

// startMonitor listens on KEYSYNC_HTTP_ADDR and serves newHTTPHandler there
// until ctx ends, and refreshes the backlog and open-conflict gauges every
// backlogEvery. Its goroutines are in wg, so the daemon's wg.Wait() also
// waits for the server to shut down. An address that cannot be bound is an
// error before anything starts.
func startMonitor(ctx context.Context, wg *sync.WaitGroup, a *app, m *metrics) error {
	ln, err := net.Listen("tcp", a.cfg.HTTPAddr)
	if err != nil {
		return fmt.Errorf("KEYSYNC_HTTP_ADDR: %w", err)
	}
	log := a.log.With("component", "http")
	srv := defaultHTTPLimits.server(newHTTPHandler(m, a.cfg.PollInterval, time.Now), log)
	log.Info("serving /healthz and /metrics", "addr", ln.Addr().String())
	ln = defaultHTTPLimits.listener(ln)
	wg.Add(3)
	go func() {
		defer wg.Done()
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("http server failed", keysync.LogErr, err.Error())
		}
	}()
	go func() {
		defer wg.Done()
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()
	var sources []backlogSource
	for _, p := range a.portals {
		if b, ok := p.Source.(backlogSource); ok {
			sources = append(sources, b)
		}
	}
	r := &refresher{metrics: m, store: a.store, sources: sources, log: log}
	go func() {
		defer wg.Done()
		r.run(ctx, backlogEvery)
	}()
	return nil
}

// refresher keeps the gauges that need a query up to date.
type refresher struct {
	metrics *metrics
	store   interface {
		OpenConflicts(ctx context.Context) (map[string]map[string]int, error)
	}
	sources []backlogSource
	log     *slog.Logger
	// failed remembers what failed last time, so that a lasting failure is
	// logged once, not every minute.
	failed map[string]bool
}

func (r *refresher) run(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		r.refresh(ctx, time.Now())
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// refresh counts once; failures leave the last value in place.
func (r *refresher) refresh(ctx context.Context, now time.Time) {
	if r.failed == nil {
		r.failed = map[string]bool{}
	}
	note := func(what string, err error) {
		if err != nil && !r.failed[what] && ctx.Err() == nil {
			r.log.Warn("metrics not refreshed", "what", what, keysync.LogErr, err.Error())
		}
		r.failed[what] = err != nil
	}
	open, err := r.store.OpenConflicts(ctx)
	if err == nil {
		r.metrics.setOpenConflicts(open)
	}
	note("open conflicts", err)
	for _, s := range r.sources {
		n, err := s.Backlog(ctx, now)
		if err == nil {
			r.metrics.setBacklog(s.Name(), n)
		}
		note("backlog of "+s.Name(), err)
	}
}
