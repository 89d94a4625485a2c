package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"

	keysync "keysync/sync"
)

// apiLimits bound what clients can hold of the registration API: a
// request has no body and an answer is a line of JSON, so the times are
// shorter than the monitoring server's, and a request's work (bounded by
// apiWorkTimeout) fits in the write time.
var apiLimits = httpLimits{
	ReadHeader:     5 * time.Second,
	Read:           5 * time.Second,
	Write:          apiWorkTimeout + 5*time.Second,
	Idle:           30 * time.Second,
	MaxHeaderBytes: 16 << 10,
	MaxConns:       100,
}

// startAPI listens on KEYSYNC_API_ADDR (with TLS when a certificate is
// configured) and serves the registration API until ctx ends; requests
// under way then finish under hard, the daemon's second-signal context.
// Its goroutines are in wg. An address that cannot be bound is an error
// before anything starts.
func startAPI(ctx, hard context.Context, wg *sync.WaitGroup, a *app, eng assigner, gates map[string]*sourceGate) error {
	cfg := a.cfg.API
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("KEYSYNC_API_ADDR: %w", err)
	}
	log := a.log.With("component", "api")
	h := newAPIHandler(apiOptions{token: cfg.Token, maxInFlight: cfg.MaxInFlight, retryAfter: a.cfg.PollInterval, work: hard, log: log},
		eng, a.portals, gates)
	serveAPI(ctx, hard, wg, ln, apiLimits, h, cfg.Certificate)
	return nil
}

// serveAPI serves h on ln within the limits, with TLS when cert is set,
// until ctx ends.
func serveAPI(ctx, hard context.Context, wg *sync.WaitGroup, ln net.Listener, limits httpLimits, h *apiHandler, cert *tls.Certificate) {
	log := h.log
	srv := limits.server(h, log)
	ln = limits.listener(ln)
	scheme := "http"
	if cert != nil {
		ln = tls.NewListener(ln, &tls.Config{Certificates: []tls.Certificate{*cert}, MinVersion: tls.VersionTLS12})
		scheme = "https"
	}
	log.Info("serving the registration API", "addr", ln.Addr().String(), "scheme", scheme, "max_in_flight", cap(h.slots))
	wg.Add(2)
	go func() {
		defer wg.Done()
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("api server failed", keysync.LogErr, err.Error())
		}
	}()
	go func() {
		defer wg.Done()
		<-ctx.Done()
		// Requests under way finish their work; new ones are refused.
		sctx, cancel := context.WithTimeout(hard, limits.Write)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()
}
