package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"keysync/internal/testdb"
)

// apiClient calls a daemon's registration API on addr.
type apiClient struct {
	t    testing.TB
	addr string
}

// assign asks for the number of source:id and returns the status, the
// Retry-After header and the JSON body; status 0 when nobody answered.
func (c apiClient) assign(source string, id uint64) (int, string, map[string]string) {
	c.t.Helper()
	req, err := http.NewRequest(http.MethodPost, fmt.Sprintf("http://%s/v1/sources/%s/accounts/%d/assign", c.addr, source, id), nil)
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+apiToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, "", nil
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var body map[string]any
	if err := json.Unmarshal(raw, &body); err != nil {
		c.t.Errorf("answer %d is no JSON object: %q", resp.StatusCode, raw)
	}
	out := map[string]string{}
	for k, v := range body {
		out[k] = fmt.Sprint(v)
	}
	return resp.StatusCode, resp.Header.Get("Retry-After"), out
}

// waitReady waits until the API works on requests for source (an unknown
// account is then 404, not 503).
func (c apiClient) waitReady(source string) {
	c.t.Helper()
	eventually(c.t, time.Minute, "the API to work on "+source, func() bool {
		code, _, _ := c.assign(source, 999999)
		return code == http.StatusNotFound
	})
}

// apiEnv turns the API on at a free address with the test token.
func (s *site) apiEnv(extra ...string) ([]string, apiClient) {
	s.t.Helper()
	file := filepath.Join(s.t.TempDir(), "api.token")
	if err := os.WriteFile(file, []byte(apiToken+"\n"), 0o600); err != nil {
		s.t.Fatal(err)
	}
	addr := freeAddr(s.t)
	return s.with(append([]string{"KEYSYNC_API_ADDR=" + addr, "KEYSYNC_API_TOKEN_FILE=" + file}, extra...)...), apiClient{t: s.t, addr: addr}
}

// TestDaemon_APINumbersAtRegistration: with an hour between polls, a
// member who registers after the daemon's first poll gets the number from
// the API at once, in the row when the answer arrives; an unconfirmed
// one is told so and left alone; the token never reaches the log.
func TestDaemon_APINumbersAtRegistration(t *testing.T) {
	s := newSite(t, "amicas")
	s.mustRun(0, "migrate")
	env, api := s.apiEnv("KEYSYNC_POLL_INTERVAL=1h")
	d := s.startDaemon(env)
	d.waitLog("serving the registration API", 30*time.Second)
	api.waitReady("amicas")
	eventually(t, time.Minute, "the first poll to end", func() bool {
		var rep statusReport
		if err := json.Unmarshal([]byte(s.mustRun(0, "status", "--json").stdout), &rep); err != nil {
			t.Fatal(err)
		}
		return rep.Sources["amicas"].LastOKAt != nil
	})

	mustExec(t, s, "amicas", `INSERT INTO fe_users (pid, username, email, first_name, last_name) VALUES (1, 'anna', 'anna.gruber@aon.at', 'Anna', 'Gruber')`)
	mustExec(t, s, "amicas", `INSERT INTO fe_users (pid, username, email, first_name, last_name, disable) VALUES (1, 'doris', 'doris@aon.at', 'Doris', 'Optin', 1)`)
	code, _, body := api.assign("amicas", 1)
	row := s.rows("amicas")[1]
	if code != http.StatusOK || body["decision"] != "new" || body["number"] == "" || row.number != body["number"] || row.hh != body["hh_id"] || row.pe != body["pe_id"] {
		t.Fatalf("registration: %d %v, row %+v", code, body, row)
	}
	if code, _, body := api.assign("amicas", 2); code != http.StatusConflict || body["error"] != "not_confirmed" {
		t.Errorf("unconfirmed: %d %v", code, body)
	}
	if n := s.rows("amicas")[2].number; n != "" {
		t.Errorf("the unconfirmed member got %s", n)
	}
	s.assertConsistent(false)
	if code := d.stop(); code != 0 {
		t.Fatalf("exit %d", code)
	}
	logs := d.logs.String()
	if strings.Contains(logs, apiToken) {
		t.Error("the log shows the token")
	}
	if len(d.lines("api request", "amicas")) < 2 || len(d.lines("number written", "amicas")) != 1 {
		t.Errorf("want an api request line per request and one number written:\n%s", logs)
	}
}

// TestDaemon_APIStandbyAndTakeOver: of two daemons only the one holding
// the source works on API requests; the standby answers 503 with
// Retry-After until the holder stops, and then takes over.
func TestDaemon_APIStandbyAndTakeOver(t *testing.T) {
	s := newSite(t, "amicas")
	s.mustRun(0, "migrate")
	env1, api1 := s.apiEnv()
	first := s.startDaemon(env1)
	api1.waitReady("amicas")
	env2, api2 := s.apiEnv()
	second := s.startDaemon(env2)
	second.waitLog("standby: another keysync works this source", 30*time.Second)

	uids := s.insertUsers("amicas", 5, 2)
	if code, retry, body := api2.assign("amicas", uids[0]); code != http.StatusServiceUnavailable || retry != "1" || body["error"] != "unavailable" {
		t.Errorf("standby: %d Retry-After %q %v", code, retry, body)
	}
	if code, _, body := api1.assign("amicas", uids[0]); code != http.StatusOK || body["number"] != s.rows("amicas")[uids[0]].number {
		t.Errorf("holder: %d %v", code, body)
	}
	if code := first.stop(); code != 0 {
		t.Fatalf("first daemon exit %d", code)
	}
	second.waitLog("took over the source", 30*time.Second)
	api2.waitReady("amicas")
	if code, _, body := api2.assign("amicas", uids[1]); code != http.StatusOK || body["number"] != s.rows("amicas")[uids[1]].number {
		t.Errorf("after the take-over: %d %v", code, body)
	}
	if code := second.stop(); code != 0 {
		t.Fatalf("second daemon exit %d", code)
	}
	s.assertConsistent(true)
}

// TestDaemon_APIHammeredWhilePassesRun: members register one after
// another from six portal processes at once, each registration asked for
// twice at the same moment, while the daemon polls every 100ms and
// `keysync once` passes run beside it: every answer names the number its
// row holds, every account has one number and no number is given twice.
func TestDaemon_APIHammeredWhilePassesRun(t *testing.T) {
	const clients, perClient = 6, 25
	s := newSite(t, "amicas")
	s.mustRun(0, "migrate")
	env, api := s.apiEnv("KEYSYNC_POLL_INTERVAL=100ms", "KEYSYNC_BATCH_SIZE=10")
	d := s.startDaemon(env)
	api.waitReady("amicas")

	users := testdb.GenerateFeUsers(41, clients*perClient)
	stop := make(chan struct{})
	var passes sync.WaitGroup
	passes.Go(func() {
		for {
			select {
			case <-stop:
				return
			default:
			}
			if r := s.run(s.with("KEYSYNC_BATCH_SIZE=10"), "once"); r.code != 0 && r.code != 3 {
				t.Errorf("keysync once: exit %d\n%s", r.code, r.stderr)
				return
			}
		}
	})
	type answer struct {
		uid    uint64
		code   int
		number string
	}
	answers := make(chan answer, 2*len(users))
	var portals sync.WaitGroup
	for c := range clients {
		portals.Go(func() {
			for _, u := range users[c*perClient : (c+1)*perClient] {
				uid := testdb.InsertFeUsers(t, s.portals["amicas"], []testdb.FeUser{u})[0]
				var both sync.WaitGroup
				for range 2 {
					both.Go(func() {
						code, _, body := api.assign("amicas", uid)
						answers <- answer{uid, code, body["number"]}
					})
				}
				both.Wait()
			}
		})
	}
	portals.Wait()
	close(stop)
	passes.Wait()
	close(answers)
	rows := s.rows("amicas")
	for a := range answers {
		if a.code != http.StatusOK || a.number != rows[a.uid].number {
			t.Errorf("account %d: answered %d %q, the row holds %q", a.uid, a.code, a.number, rows[a.uid].number)
		}
	}
	if code := d.stop(); code != 0 {
		t.Fatalf("exit %d", code)
	}
	s.assertConsistent(true)
	s.assertOneNumberPerPerson(len(users))
}

// TestRun_APIConfigErrors: an API beyond loopback without TLS, or without
// a token, stops `keysync run` with exit code 2 naming the variable.
func TestRun_APIConfigErrors(t *testing.T) {
	s := newSite(t, "amicas")
	env, _ := s.apiEnv()
	for _, tc := range []struct {
		set, want string
	}{
		{"KEYSYNC_API_ADDR=0.0.0.0:9465", `KEYSYNC_API_ADDR="0.0.0.0:9465": listens beyond this host without TLS`},
		{"KEYSYNC_API_TOKEN_FILE=", `KEYSYNC_API_TOKEN_FILE="": required when KEYSYNC_API_ADDR is set`},
	} {
		r := s.run(append(append([]string{}, env...), tc.set), "run")
		if r.code != 2 || !strings.Contains(r.stderr, tc.want) {
			t.Errorf("%s: exit %d, stderr:\n%s\nwant exit 2 and %q", tc.set, r.code, r.stderr, tc.want)
		}
	}
}
