package main

import (
	"bufio"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestHTTPLimits_IdleKeepAlivesClosed: clients that keep their keep-alive
// connections open after a request (300 of them used to stay open for
// good) are closed after the idle timeout, and no more than MaxConns are
// served at once: the ones beyond wait and are served as others close.
func TestHTTPLimits_IdleKeepAlivesClosed(t *testing.T) {
	limits := defaultHTTPLimits
	limits.Idle, limits.MaxConns = 200*time.Millisecond, 8
	srv := limits.server(newHTTPHandler(newMetrics(), time.Second, time.Now), slog.New(slog.DiscardHandler))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	// The connections are counted under the limit, where they are really
	// open: the server's ConnState reports a closed connection only after
	// its slot is free again, so counting there sees one too many.
	counted := &countingListener{Listener: ln}
	go func() { _ = srv.Serve(limits.listener(counted)) }()
	defer srv.Close()

	const clients = 60
	var wg sync.WaitGroup
	errs := make(chan string, clients)
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if msg := idleClient(ln.Addr().String()); msg != "" {
				errs <- msg
			}
		}()
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(60 * time.Second):
		t.Fatal("idle keep-alive connections are not closed")
	}
	close(errs)
	for msg := range errs {
		t.Error(msg)
	}
	if most := counted.most(); most > limits.MaxConns {
		t.Errorf("%d connections served at once, limit %d", most, limits.MaxConns)
	}
}

// countingListener counts the connections open at once.
type countingListener struct {
	net.Listener
	mu         sync.Mutex
	open, peak int
}

func (l *countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	l.mu.Lock()
	l.open++
	l.peak = max(l.peak, l.open)
	l.mu.Unlock()
	return &countedConn{Conn: c, l: l}, nil
}

func (l *countingListener) most() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.peak
}

// countedConn leaves the count when it is closed, once.
type countedConn struct {
	net.Conn
	l    *countingListener
	once sync.Once
}

func (c *countedConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(func() {
		c.l.mu.Lock()
		c.l.open--
		c.l.mu.Unlock()
	})
	return err
}

// idleClient sends one keep-alive request, reads the answer and then waits
// for the server to close the connection; it returns what went wrong.
func idleClient(addr string) string {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return "dial: " + err.Error()
	}
	defer c.Close()
	if _, err := io.WriteString(c, "GET /healthz HTTP/1.1\r\nHost: keysync\r\n\r\n"); err != nil {
		return "write: " + err.Error()
	}
	r := bufio.NewReader(c)
	resp, err := http.ReadResponse(r, nil)
	if err != nil {
		return "read response: " + err.Error()
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.Close {
		return "the server closed at once instead of keeping the connection alive"
	}
	if _, err := r.ReadByte(); err != io.EOF {
		return "after the idle time: " + errString(err)
	}
	return ""
}

func errString(err error) string {
	if err == nil {
		return "more data, want the connection closed"
	}
	return err.Error()
}

// TestHTTPLimits_HeaderSize: a request header beyond MaxHeaderBytes is
// refused.
func TestHTTPLimits_HeaderSize(t *testing.T) {
	srv := defaultHTTPLimits.server(newHTTPHandler(newMetrics(), time.Second, time.Now), slog.New(slog.DiscardHandler))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(defaultHTTPLimits.listener(ln)) }()
	defer srv.Close()
	req, _ := http.NewRequest(http.MethodGet, "http://"+ln.Addr().String()+"/healthz", nil)
	req.Header.Set("X-Padding", strings.Repeat("x", 2*defaultHTTPLimits.MaxHeaderBytes))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Errorf("status %d, want %d", resp.StatusCode, http.StatusRequestHeaderFieldsTooLarge)
	}
}
