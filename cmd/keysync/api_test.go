package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"keysync/internal/centraltest"
	"keysync/internal/testcert"
	"keysync/internal/testdb"
	keysync "keysync/sync"
)

// apiToken is the token of every API test; finding it in a log is a leak.
const apiToken = "7d1e0c5b9a2f48e6b3c7d9e1f0a2b4c6"

// apiRig is a central database, a TYPO3 portal "amicas" and the
// registration API on them, served on loopback.
type apiRig struct {
	*centraltest.Rig
	portal *centraltest.Portal
	gates  map[string]*sourceGate
	url    string
	logs   *syncBuffer
	client *http.Client
}

// newAPIRig serves the API over the engine eng (nil: the rig's own), with
// the source's gate open.
func newAPIRig(t *testing.T, eng func(*centraltest.Rig) assigner, limits httpLimits, maxInFlight int, cert *tls.Certificate) *apiRig {
	t.Helper()
	logs := &syncBuffer{}
	log := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	r := centraltest.NewRig(t, centraltest.Numbering(t, 1, 1, 1), log)
	a := &apiRig{Rig: r, portal: r.Typo3(t, "amicas"), gates: map[string]*sourceGate{"amicas": {}}, logs: logs, client: &http.Client{}}
	a.gates["amicas"].set(true)
	var e assigner = r.Engine
	if eng != nil {
		e = eng(r)
	}
	h := newAPIHandler(apiOptions{token: apiToken, maxInFlight: maxInFlight, retryAfter: 5 * time.Second, work: context.Background(), log: log},
		e, []keysync.Portal{a.portal.Portal}, a.gates)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	serveAPI(ctx, context.Background(), &wg, ln, limits, h, cert)
	t.Cleanup(func() {
		stop()
		wg.Wait()
		if strings.Contains(logs.String(), apiToken) {
			t.Error("the log shows the token")
		}
		if t.Failed() {
			t.Logf("log:\n%s", logs.String())
		}
	})
	a.url = "http://" + ln.Addr().String()
	if cert != nil {
		a.url = "https://" + ln.Addr().String()
	}
	return a
}

// apiAnswer is one answer of the API.
type apiAnswer struct {
	status int
	header http.Header
	body   map[string]any
}

func (a apiAnswer) str(key string) string {
	s, _ := a.body[key].(string)
	return s
}

// call sends a request with the given Authorization header (none when
// empty) and body.
func (a *apiRig) call(t testing.TB, method, path, auth string, body io.Reader) apiAnswer {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, a.url+path, body)
	if err != nil {
		t.Fatal(err)
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := a.client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	ans := apiAnswer{status: resp.StatusCode, header: resp.Header}
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &ans.body); err != nil {
		t.Fatalf("%s %s: %d with a body that is no JSON object: %q", method, path, resp.StatusCode, raw)
	}
	return ans
}

// assign asks for the number of amicas:id with the token.
func (a *apiRig) assign(t testing.TB, id any) apiAnswer {
	t.Helper()
	return a.call(t, http.MethodPost, fmt.Sprintf("/v1/sources/amicas/accounts/%v/assign", id), "Bearer "+apiToken, nil)
}

// TestAPI_AssignAnswers: a confirmed registration is answered with its
// number once the row holds it, the same number when asked again; every
// account without one says why, with the status a portal acts on.
func TestAPI_AssignAnswers(t *testing.T) {
	t.Parallel()
	a := newAPIRig(t, nil, apiLimits, 4, nil)
	pending := centraltest.User("dora", "Dora", "Berger", "dora@example.at")
	pending.Disable = 1
	uids := testdb.InsertFeUsers(t, a.portal.DB, []testdb.FeUser{
		centraltest.User("anna", "Anna", "Gruber", "gruber@example.at"),
		centraltest.User("hans", "Hans", "Gruber", "gruber@example.at"),
		pending,
		centraltest.User("franz", "Franz", "Bauer", "franz@example.at"),
	})
	testdb.MustExec(t, a.portal.DB, "UPDATE fe_users SET tx_keysync_customer_number = '12345' WHERE uid = ?", uids[3])

	first := a.assign(t, uids[0])
	row := a.portal.MustRow(t, uids[0])
	if first.status != http.StatusOK || first.str("decision") != "new" || first.str("number") == "" ||
		row != (centraltest.IDs{Number: first.str("number"), HH: first.str("hh_id"), PE: first.str("pe_id")}) {
		t.Fatalf("first registration: %d %v, row %+v", first.status, first.body, row)
	}
	if got := first.header.Get("Content-Type"); got != "application/json" {
		t.Errorf("Content-Type %q", got)
	}
	if again := a.assign(t, uids[0]); again.status != http.StatusOK || again.str("decision") != "keep" || again.str("number") != first.str("number") {
		t.Errorf("asked again: %d %v, want 200 keep %s", again.status, again.body, first.str("number"))
	}
	shared := a.assign(t, uids[1])
	if shared.status != http.StatusOK || shared.str("number") == first.str("number") || fmt.Sprint(shared.body["review"]) != "[shared_email]" {
		t.Errorf("shared mailbox: %d %v, want a new number and review [shared_email]", shared.status, shared.body)
	}
	for _, tc := range []struct {
		id           any
		status       int
		errCode      string
		kind, reason string
	}{
		{uids[2], http.StatusConflict, "not_confirmed", "", "not confirmed yet"},
		{uids[3], http.StatusConflict, "conflict", "invalid_number", ""},
		{999999, http.StatusNotFound, "unknown_account", "", ""},
		{"abc", http.StatusBadRequest, "bad_id", "", ""},
		{"0", http.StatusBadRequest, "bad_id", "", ""},
		{"007", http.StatusBadRequest, "bad_id", "", ""},
		{"-3", http.StatusBadRequest, "bad_id", "", ""},
		{"%2B3", http.StatusBadRequest, "bad_id", "", ""},
		{"18446744073709551616", http.StatusBadRequest, "bad_id", "", ""},
	} {
		ans := a.assign(t, tc.id)
		if ans.status != tc.status || ans.str("error") != tc.errCode || ans.str("kind") != tc.kind || !strings.Contains(ans.str("reason"), tc.reason) {
			t.Errorf("id %v: %d %v, want %d %s %s %q", tc.id, ans.status, ans.body, tc.status, tc.errCode, tc.kind, tc.reason)
		}
	}
	if got := a.portal.MustRow(t, uids[3]).Number; got != "12345" {
		t.Errorf("the row under review holds %q", got)
	}
	if got := a.MustCount(t, "persons", ""); got != 2 {
		t.Errorf("persons=%d, want 2", got)
	}
}

// TestAPI_BadRequests: without the token nothing is revealed; a wrong
// source, method, path or a body gets a clear status; none of them
// touches the database.
func TestAPI_BadRequests(t *testing.T) {
	t.Parallel()
	calls := &countingAssigner{}
	a := newAPIRig(t, func(*centraltest.Rig) assigner { return calls }, apiLimits, 4, nil)
	good := "/v1/sources/amicas/accounts/1/assign"
	for _, tc := range []struct {
		name, method, path, auth string
		body                     io.Reader
		status                   int
		errCode                  string
	}{
		{"no token", http.MethodPost, good, "", nil, http.StatusUnauthorized, "unauthorized"},
		{"wrong token", http.MethodPost, good, "Bearer " + strings.Repeat("0", len(apiToken)), nil, http.StatusUnauthorized, "unauthorized"},
		{"token with a tail", http.MethodPost, good, "Bearer " + apiToken + "x", nil, http.StatusUnauthorized, "unauthorized"},
		{"basic auth", http.MethodPost, good, "Basic " + apiToken, nil, http.StatusUnauthorized, "unauthorized"},
		{"unknown path without token", http.MethodGet, "/v1/sources", "", nil, http.StatusUnauthorized, "unauthorized"},
		{"unknown path", http.MethodGet, "/v1/sources", "Bearer " + apiToken, nil, http.StatusNotFound, "not_found"},
		{"unknown source", http.MethodPost, "/v1/sources/shop/accounts/1/assign", "Bearer " + apiToken, nil, http.StatusNotFound, "unknown_source"},
		{"source in upper case", http.MethodPost, "/v1/sources/AMICAS/accounts/1/assign", "bearer " + apiToken, nil, http.StatusNotFound, "unknown_source"},
		{"GET", http.MethodGet, good, "Bearer " + apiToken, nil, http.StatusMethodNotAllowed, "method_not_allowed"},
		{"a body", http.MethodPost, good, "Bearer " + apiToken, strings.NewReader(`{"email":"x@example.at"}`), http.StatusRequestEntityTooLarge, "body_not_allowed"},
		{"a chunked body", http.MethodPost, good, "Bearer " + apiToken, io.MultiReader(strings.NewReader("x")), http.StatusRequestEntityTooLarge, "body_not_allowed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ans := a.call(t, tc.method, tc.path, tc.auth, tc.body)
			if ans.status != tc.status || ans.str("error") != tc.errCode {
				t.Fatalf("%d %v, want %d %s", ans.status, ans.body, tc.status, tc.errCode)
			}
			if tc.status == http.StatusUnauthorized && ans.header.Get("WWW-Authenticate") == "" {
				t.Error("401 without WWW-Authenticate")
			}
			if tc.status == http.StatusMethodNotAllowed && ans.header.Get("Allow") != http.MethodPost {
				t.Errorf("Allow %q", ans.header.Get("Allow"))
			}
		})
	}
	if n := calls.count(); n != 0 {
		t.Errorf("%d requests reached the engine", n)
	}
	if ans := a.call(t, http.MethodPost, good, "Bearer "+apiToken, nil); ans.status != http.StatusOK || calls.count() != 1 {
		t.Errorf("the good request: %d %v, %d calls", ans.status, ans.body, calls.count())
	}
	if !strings.Contains(a.logs.String(), `"msg":"api request refused: no valid token"`) {
		t.Error("refused tokens are not logged")
	}
}

// countingAssigner answers every request with a number, counting them;
// with hold set, each waits until hold is closed.
type countingAssigner struct {
	mu    sync.Mutex
	n     int
	hold  chan struct{}
	begun chan struct{}
}

func (c *countingAssigner) AssignAccount(ctx context.Context, p keysync.Portal, id uint64) (keysync.Assignment, error) {
	c.mu.Lock()
	c.n++
	c.mu.Unlock()
	if c.hold != nil {
		c.begun <- struct{}{}
		<-c.hold
	}
	return keysync.Assignment{Status: keysync.Numbered, Action: keysync.ActionNew, Number: "000000013", HH: "0000001", PE: "00000001"}, nil
}

func (c *countingAssigner) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n
}

// TestAPI_Flood: beyond the requests in flight the API answers 429 at
// once, with Retry-After, without working on them; the ones in flight
// finish with their number.
func TestAPI_Flood(t *testing.T) {
	t.Parallel()
	const inFlight = 3
	held := &countingAssigner{hold: make(chan struct{}), begun: make(chan struct{}, inFlight)}
	a := newAPIRig(t, func(*centraltest.Rig) assigner { return held }, apiLimits, inFlight, nil)
	results := make(chan apiAnswer, inFlight)
	for range inFlight {
		go func() { results <- a.assign(t, 1) }()
	}
	for range inFlight {
		<-held.begun
	}
	for range 5 {
		if ans := a.assign(t, 2); ans.status != http.StatusTooManyRequests || ans.header.Get("Retry-After") != "1" || ans.str("error") != "busy" {
			t.Fatalf("beyond the limit: %d %v %v", ans.status, ans.header, ans.body)
		}
	}
	close(held.hold)
	for range inFlight {
		if ans := <-results; ans.status != http.StatusOK {
			t.Errorf("a request in flight: %d %v", ans.status, ans.body)
		}
	}
	if n := held.count(); n != inFlight {
		t.Errorf("%d requests reached the engine, want %d", n, inFlight)
	}
}

// TestAPI_Unavailable: a standby (the gate closed) and a central database
// that fails answer 503 with Retry-After; nothing is committed.
func TestAPI_Unavailable(t *testing.T) {
	t.Parallel()
	down := &failingAssigner{err: errors.New("dial tcp 127.0.0.1:1: connect: connection refused")}
	a := newAPIRig(t, func(*centraltest.Rig) assigner { return down }, apiLimits, 4, nil)
	uids := testdb.InsertFeUsers(t, a.portal.DB, []testdb.FeUser{centraltest.User("anna", "Anna", "Gruber", "anna@example.at")})
	ans := a.assign(t, uids[0])
	if ans.status != http.StatusServiceUnavailable || ans.header.Get("Retry-After") != "5" || !strings.Contains(ans.str("reason"), "connection refused") {
		t.Errorf("central down: %d %v %v", ans.status, ans.header, ans.body)
	}
	a.gates["amicas"].set(false)
	ans = a.assign(t, uids[0])
	if ans.status != http.StatusServiceUnavailable || ans.header.Get("Retry-After") != "5" || !strings.Contains(ans.str("reason"), "another one does") {
		t.Errorf("standby: %d %v %v", ans.status, ans.header, ans.body)
	}
	if n := down.calls.Load(); n != 1 {
		t.Errorf("the standby worked on the request: %d calls", n)
	}
	if got := a.MustCount(t, "accounts", ""); got != 0 {
		t.Errorf("%d accounts linked", got)
	}
}

// failingAssigner fails as an engine does when a database is down.
type failingAssigner struct {
	err   error
	calls atomic.Int32
}

func (f *failingAssigner) AssignAccount(context.Context, keysync.Portal, uint64) (keysync.Assignment, error) {
	f.calls.Add(1)
	return keysync.Assignment{}, f.err
}

// TestAPI_SlowClients: a client that sends its header too slowly, or a
// body it announced, is cut off at the limits and never reaches the
// engine.
func TestAPI_SlowClients(t *testing.T) {
	t.Parallel()
	calls := &countingAssigner{}
	limits := apiLimits
	limits.ReadHeader, limits.Read = 200*time.Millisecond, 300*time.Millisecond
	a := newAPIRig(t, func(*centraltest.Rig) assigner { return calls }, limits, 4, nil)
	addr := strings.TrimPrefix(a.url, "http://")
	for name, req := range map[string]string{
		"header never ends": "POST /v1/sources/amicas/accounts/1/assign HTTP/1.1\r\nHost: keysync\r\nAuthorization: Bearer " + apiToken + "\r\n",
		"body never comes":  "POST /v1/sources/amicas/accounts/1/assign HTTP/1.1\r\nHost: keysync\r\nAuthorization: Bearer " + apiToken + "\r\nContent-Length: 10\r\n\r\nx",
	} {
		t.Run(name, func(t *testing.T) {
			c, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			if _, err := io.WriteString(c, req); err != nil {
				t.Fatal(err)
			}
			_ = c.SetReadDeadline(time.Now().Add(30 * time.Second))
			rest, err := io.ReadAll(bufio.NewReader(c))
			if err != nil {
				t.Fatalf("the server did not close the connection: %v", err)
			}
			if bytes.Contains(rest, []byte("200 OK")) {
				t.Errorf("answered %q", rest)
			}
		})
	}
	if n := calls.count(); n != 0 {
		t.Errorf("%d slow requests reached the engine", n)
	}
}

// TestAPI_TLS: with a certificate the API speaks HTTPS only.
func TestAPI_TLS(t *testing.T) {
	t.Parallel()
	certPEM, keyPEM := testcert.Pair(t, "127.0.0.1")
	pair, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		t.Fatal(err)
	}
	calls := &countingAssigner{}
	a := newAPIRig(t, func(*centraltest.Rig) assigner { return calls }, apiLimits, 4, &pair)
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(certPEM)
	a.client = &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	if ans := a.assign(t, 7); ans.status != http.StatusOK || ans.str("number") != "000000013" {
		t.Errorf("over TLS: %d %v", ans.status, ans.body)
	}
	plain := &http.Client{}
	resp, err := plain.Post("http://"+strings.TrimPrefix(a.url, "https://")+"/v1/sources/amicas/accounts/7/assign", "", nil)
	if err == nil {
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			t.Error("plain HTTP was answered 200")
		}
	}
	if n := calls.count(); n != 1 {
		t.Errorf("%d calls, want the one over TLS", n)
	}
}
