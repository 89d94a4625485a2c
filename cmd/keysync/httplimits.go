package main

import (
	"log/slog"
	"net"
	"net/http"
	"time"

	"golang.org/x/net/netutil"
)

// httpLimits bound what clients can hold of the daemon's HTTP server. It
// serves /healthz and /metrics on loopback today; the registration API
// will share it, so a slow or idle client must not keep connections,
// goroutines and memory for long.
type httpLimits struct {
	// ReadHeader, Read and Write bound one request; Idle is how long a
	// keep-alive connection may wait for its next request.
	ReadHeader, Read, Write, Idle time.Duration
	// MaxHeaderBytes bounds a request's header.
	MaxHeaderBytes int
	// MaxConns is the most connections served at once; more wait in the
	// kernel's accept queue.
	MaxConns int
}

// defaultHTTPLimits are generous for a Prometheus scrape (a few KB every
// 15 s) and a load balancer's health check.
var defaultHTTPLimits = httpLimits{
	ReadHeader:     5 * time.Second,
	Read:           10 * time.Second,
	Write:          30 * time.Second,
	Idle:           30 * time.Second,
	MaxHeaderBytes: 16 << 10,
	MaxConns:       100,
}

// server returns an http.Server for h with the limits, logging its own
// errors (a client that sent garbage) to log.
func (l httpLimits) server(h http.Handler, log *slog.Logger) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: l.ReadHeader,
		ReadTimeout:       l.Read,
		WriteTimeout:      l.Write,
		IdleTimeout:       l.Idle,
		MaxHeaderBytes:    l.MaxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
}

// listener limits ln to MaxConns connections at once.
func (l httpLimits) listener(ln net.Listener) net.Listener {
	return netutil.LimitListener(ln, l.MaxConns)
}
