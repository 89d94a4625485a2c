package main

import (
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"

	"keysync/internal/testdb"
)

// proxy forwards TCP to the test MariaDB and can be taken down and brought
// back on the same port, to play a central database that goes away.
type proxy struct {
	t      testing.TB
	addr   string
	target string

	mu    sync.Mutex
	ln    net.Listener
	conns []net.Conn
}

func newProxy(t testing.TB, target string) *proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{t: t, addr: ln.Addr().String(), target: target}
	ln.Close()
	t.Cleanup(p.down)
	return p
}

func (p *proxy) up() {
	p.t.Helper()
	var ln net.Listener
	var err error
	eventually(p.t, 10*time.Second, "the proxy port", func() bool {
		ln, err = net.Listen("tcp", p.addr)
		return err == nil
	})
	p.mu.Lock()
	p.ln = ln
	p.mu.Unlock()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s, err := net.Dial("tcp", p.target)
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, c, s)
			p.mu.Unlock()
			go func() { _, _ = io.Copy(s, c); s.Close() }()
			go func() { _, _ = io.Copy(c, s); c.Close() }()
		}
	}()
}

// down closes the listener and cuts every open connection.
func (p *proxy) down() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		p.ln.Close()
		p.ln = nil
	}
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}

// viaProxy rewrites a DSN to go through the proxy.
func (p *proxy) dsn(t testing.TB, dsn string) string {
	t.Helper()
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Addr = p.addr
	return cfg.FormatDSN()
}

// TestRun_CentralDatabaseOutage: the central database is unreachable when
// the daemon starts and again while it runs. The daemon says so clearly,
// backs off, keeps running, and catches up when the database is back.
func TestRun_CentralDatabaseOutage(t *testing.T) {
	s := newSite(t, "amicas")
	s.mustRun(0, "migrate")
	s.insertUsers("amicas", 11, 30)

	server, err := mysql.ParseDSN(testdb.ServerDSN(t))
	if err != nil {
		t.Fatal(err)
	}
	p := newProxy(t, server.Addr)
	centralDSN := ""
	for _, kv := range s.env {
		if v, ok := cutPrefix(kv, "KEYSYNC_CENTRAL_DSN="); ok {
			centralDSN = v
		}
	}
	d := s.startDaemon(s.with("KEYSYNC_CENTRAL_DSN=" + p.dsn(t, centralDSN)))

	// Down at start: a clear error, retried, the daemon stays up.
	line := d.waitLog("central database unavailable, retrying", time.Minute)
	if line["retry_in"] == nil || line["err"] == nil {
		t.Errorf("unavailable line lacks retry_in or err: %v", line)
	}
	if n := scalar[int](t, s.portals["amicas"], `SELECT COUNT(*) FROM fe_users WHERE tx_keysync_customer_number <> ''`); n != 0 {
		t.Fatalf("%d numbers written without a central database", n)
	}
	p.up()
	d.waitLog("central database recovered", time.Minute)
	eventually(t, time.Minute, "the backlog to be numbered", func() bool {
		return scalar[int](t, s.portals["amicas"], `SELECT COUNT(*) FROM fe_users WHERE tx_keysync_customer_number = ''`) == 0
	})

	// Down while running: new registrations wait, then catch up.
	p.down()
	s.insertUsers("amicas", 12, 5)
	d.waitLog("poll failed, retrying", time.Minute)
	p.up()
	d.waitLog("recovered", time.Minute)
	eventually(t, time.Minute, "the new users to be numbered", func() bool {
		return scalar[int](t, s.portals["amicas"], `SELECT COUNT(*) FROM fe_users WHERE tx_keysync_customer_number = ''`) == 0
	})
	select {
	case <-d.done:
		t.Fatal("daemon exited during the outage")
	default:
	}
	if code := d.stop(); code != 0 {
		t.Errorf("exit code = %d", code)
	}
	s.assertConsistent(true)
}

func cutPrefix(s, prefix string) (string, bool) {
	if len(s) >= len(prefix) && s[:len(prefix)] == prefix {
		return s[len(prefix):], true
	}
	return "", false
}
