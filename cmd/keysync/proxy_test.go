package main

import (
	"io"
	"net"
	"sync"
	"testing"

	"github.com/go-sql-driver/mysql"
)

// proxy forwards TCP to the test MariaDB and plays a database that goes
// away and comes back. It keeps its listener for the whole test, so its
// port never changes hands: while down it resets every connection at once
// (as a host whose database stopped answers), and going down cuts the
// connections that are open.
type proxy struct {
	t      testing.TB
	ln     net.Listener
	target string

	mu      sync.Mutex
	forward bool
	conns   map[net.Conn]bool
	closed  bool
}

// newProxy listens on a free loopback port, down until up is called.
func newProxy(t testing.TB, target string) *proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{t: t, ln: ln, target: target, conns: map[net.Conn]bool{}}
	t.Cleanup(p.close)
	go p.accept()
	return p
}

func (p *proxy) accept() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		forward := p.forward && !p.closed
		p.mu.Unlock()
		if !forward {
			reset(c)
			continue
		}
		s, err := net.Dial("tcp", p.target)
		if err != nil {
			reset(c)
			continue
		}
		if !p.track(c, s) {
			reset(c)
			s.Close()
			continue
		}
		go func() { _, _ = io.Copy(s, c); s.Close() }()
		go func() { _, _ = io.Copy(c, s); c.Close() }()
	}
}

// track records a forwarded pair, unless the proxy went down meanwhile.
func (p *proxy) track(c, s net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.forward || p.closed {
		return false
	}
	p.conns[c], p.conns[s] = true, true
	return true
}

// reset closes a connection with a TCP reset, as a closed port answers.
func reset(c net.Conn) {
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	c.Close()
}

// up forwards new connections from now on.
func (p *proxy) up() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.forward = true
}

// down resets new connections and cuts every open one.
func (p *proxy) down() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.forward = false
	for c := range p.conns {
		reset(c)
	}
	clear(p.conns)
}

func (p *proxy) close() {
	p.down()
	p.mu.Lock()
	p.closed = true
	p.mu.Unlock()
	p.ln.Close()
}

// dsn rewrites a DSN to go through the proxy.
func (p *proxy) dsn(t testing.TB, dsn string) string {
	t.Helper()
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Addr = p.ln.Addr().String()
	return cfg.FormatDSN()
}
