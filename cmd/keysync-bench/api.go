package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sync"
	"syscall"
	"text/tabwriter"
	"time"

	"keysync/internal/testdb"
)

// apiP99Goal is the registration API's goal, as the README states it: one
// request answered within 50 ms at the 99th percentile.
const apiP99Goal = 50 * time.Millisecond

// apiToken is the bearer token of the bench's daemon.
const apiToken = "bench-token-0123456789abcdef0123456789abcdef"

// apiResult times requests to the registration API of a `keysync run`
// process, one after the other as registrations arrive, each numbering a
// member who registered after the daemon's last poll.
type apiResult struct {
	Requests int `json:"requests"`
	// Answers counts the answers by HTTP status.
	Answers map[int]int `json:"answers"`
	P50MS   float64     `json:"p50_ms"`
	P99MS   float64     `json:"p99_ms"`
	MaxMS   float64     `json:"max_ms"`
	// BaselineMS is the time of one durable autocommit sequence UPDATE on
	// the same server (the baseline of the rollout), the least a request
	// that commits a number can cost.
	BaselineMS float64 `json:"baseline_ms"`
}

// apiBench starts `keysync run` with the API on loopback and an hour
// between polls, adds members after its first poll and asks the API for
// each one's number.
func (s *server) apiBench(ctx context.Context, requests, baselineOps int, bin string) (apiResult, error) {
	r := apiResult{Requests: requests, Answers: map[int]int{}}
	if err := needBinary(bin); err != nil {
		return r, err
	}
	base, err := s.baseline(ctx, baselineOps)
	if err != nil {
		return r, fmt.Errorf("baseline: %w", err)
	}
	r.BaselineMS = 1000 / base.OpsPerSec
	if _, _, err := s.newCentral(ctx, "api_central"); err != nil {
		return r, err
	}
	num, err := numbering()
	if err != nil {
		return r, err
	}
	_, db, err := s.newPortal(ctx, "api_portal", num, nil, nil)
	if err != nil {
		return r, err
	}
	d, err := s.startAPIDaemon(ctx, bin)
	if err != nil {
		return r, err
	}
	defer d.stop()

	s.progress("api: %d members register, each numbered by a request", requests)
	uids, err := registerMembers(ctx, db, requests)
	if err != nil {
		return r, err
	}
	times := make([]time.Duration, 0, len(uids))
	answered := map[uint64]string{}
	for _, uid := range uids {
		start := time.Now()
		code, number, err := d.assign(ctx, uid)
		if err != nil {
			return r, fmt.Errorf("account %d: %w", uid, err)
		}
		times = append(times, time.Since(start))
		r.Answers[code]++
		switch code {
		case http.StatusOK:
			answered[uid] = number
		case http.StatusConflict:
		default:
			return r, fmt.Errorf("account %d: answer %d\n%s", uid, code, tail(d.log.Bytes()))
		}
	}
	if err := checkNumbered(ctx, db, answered); err != nil {
		return r, err
	}
	slices.Sort(times)
	r.P50MS, r.P99MS = ms(percentile(times, 50)), ms(percentile(times, 99))
	r.MaxMS = ms(times[len(times)-1])
	return r, nil
}

// percentile is the nearest-rank percentile of sorted durations.
func percentile(sorted []time.Duration, p int) time.Duration {
	i := (len(sorted)*p + 99) / 100
	return sorted[max(0, i-1)]
}

// registerMembers inserts n generated registrations without numbers and
// returns the uids of those confirmed (generated rows include disabled and
// deleted ones, which the API would answer 409 without deciding anything).
func registerMembers(ctx context.Context, db *sql.DB, n int) ([]uint64, error) {
	if _, err := testdb.InsertFeUsersDB(ctx, db, testdb.GenerateFeUsers(6, n)); err != nil {
		return nil, err
	}
	rows, err := db.QueryContext(ctx, `SELECT uid FROM fe_users WHERE deleted = 0 AND disable = 0
		AND starttime <= UNIX_TIMESTAMP() AND (endtime = 0 OR endtime > UNIX_TIMESTAMP()) ORDER BY uid`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var uids []uint64
	for rows.Next() {
		var uid uint64
		if err := rows.Scan(&uid); err != nil {
			return nil, err
		}
		uids = append(uids, uid)
	}
	return uids, rows.Err()
}

// checkNumbered checks that every row the API answered 200 for holds the
// number of the answer, and no other row holds a number: the answer came
// after the write-back, and nothing but the API numbered anything.
func checkNumbered(ctx context.Context, db *sql.DB, answered map[uint64]string) error {
	rows, err := db.QueryContext(ctx, `SELECT uid, tx_keysync_customer_number FROM fe_users WHERE tx_keysync_customer_number <> ''`)
	if err != nil {
		return err
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var uid uint64
		var number string
		if err := rows.Scan(&uid, &number); err != nil {
			return err
		}
		if answered[uid] != number {
			return fmt.Errorf("account %d holds %q, the API answered %q", uid, number, answered[uid])
		}
		n++
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if n != len(answered) {
		return fmt.Errorf("%d rows hold numbers after %d answers 200", n, len(answered))
	}
	return nil
}

// apiDaemon is a `keysync run` process serving the API.
type apiDaemon struct {
	cmd    *exec.Cmd
	addr   string
	client *http.Client
	log    *lockedBuffer
	done   chan error
}

// lockedBuffer collects a child's output, written by the goroutine that
// copies it and read for error messages.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// Bytes returns a copy of what was written so far.
func (b *lockedBuffer) Bytes() []byte {
	b.mu.Lock()
	defer b.mu.Unlock()
	return bytes.Clone(b.buf.Bytes())
}

func (s *server) startAPIDaemon(ctx context.Context, bin string) (*apiDaemon, error) {
	dir, err := os.MkdirTemp("", "keysync-bench-api")
	if err != nil {
		return nil, err
	}
	token := filepath.Join(dir, "api.token")
	if err := os.WriteFile(token, []byte(apiToken+"\n"), 0o600); err != nil {
		return nil, err
	}
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	d := &apiDaemon{addr: addr, log: &lockedBuffer{}, done: make(chan error, 1),
		client: &http.Client{Timeout: 10 * time.Second}}
	d.cmd = exec.Command(bin, "run")
	d.cmd.Env = append(benchEnv(),
		"KEYSYNC_CENTRAL_DSN="+s.DSN(dbPrefix+"api_central"),
		"KEYSYNC_SOURCES=api_portal",
		"KEYSYNC_SOURCE_API_PORTAL_KIND=typo3",
		"KEYSYNC_SOURCE_API_PORTAL_DSN="+s.DSN(dbPrefix+"api_portal"),
		"KEYSYNC_POLL_INTERVAL=1h",
		"KEYSYNC_API_ADDR="+addr,
		"KEYSYNC_API_TOKEN_FILE="+token,
		"KEYSYNC_LOG_FORMAT=json",
		"KEYSYNC_LOG_LEVEL=warn",
	)
	d.cmd.Stdout, d.cmd.Stderr = d.log, d.log
	if err := d.cmd.Start(); err != nil {
		return nil, err
	}
	go func() { d.done <- d.cmd.Wait(); os.RemoveAll(dir) }()
	// The API works on a source once the daemon holds it: an unknown
	// account is 404 then, 503 before.
	for deadline := time.Now().Add(time.Minute); ; {
		code, _, err := d.assign(ctx, 1<<40)
		if err == nil && code == http.StatusNotFound {
			return d, nil
		}
		select {
		case err := <-d.done:
			return nil, fmt.Errorf("keysync run ended: %v\n%s", err, tail(d.log.Bytes()))
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			d.stop()
			return nil, fmt.Errorf("the registration API did not work on api_portal within a minute\n%s", tail(d.log.Bytes()))
		}
	}
}

// assign asks for the number of one account and returns the status and
// the number answered.
func (d *apiDaemon) assign(ctx context.Context, uid uint64) (int, string, error) {
	url := fmt.Sprintf("http://%s/v1/sources/api_portal/accounts/%d/assign", d.addr, uid)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, nil)
	if err != nil {
		return 0, "", err
	}
	req.Header.Set("Authorization", "Bearer "+apiToken)
	resp, err := d.client.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	var body struct {
		Number string `json:"number"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		return resp.StatusCode, "", fmt.Errorf("answer %d is no JSON: %w", resp.StatusCode, err)
	}
	return resp.StatusCode, body.Number, nil
}

// stop ends the daemon as systemd does and waits for it.
func (d *apiDaemon) stop() {
	_ = d.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-d.done:
	case <-time.After(30 * time.Second):
		_ = d.cmd.Process.Kill()
		<-d.done
	}
}

// freeAddr returns a loopback address nobody listens on.
func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// apiGrade is the section of the report on the registration API.
type apiGrade struct {
	apiResult
	Ratio float64 `json:"p50_to_baseline"`
	Goal  string  `json:"goal"`
	Pass  bool    `json:"pass"`
}

func (g *apiGrade) grade() {
	g.Ratio = g.P50MS / g.BaselineMS
	g.Goal = fmt.Sprintf("p99 <= %d ms", apiP99Goal.Milliseconds())
	g.Pass = g.P99MS <= ms(apiP99Goal)
}

func (g *apiGrade) writeText(w io.Writer) error {
	fmt.Fprintf(w, "\n(e) registration API: %d requests one after the other, each numbering a new member (answers %v)\n",
		g.Answers[http.StatusOK]+g.Answers[http.StatusConflict], g.Answers)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "  baseline: one autocommit sequence UPDATE\t%.2f ms\t\n", g.BaselineMS)
	fmt.Fprintf(tw, "  p50\t%.2f ms\t%.1fx the baseline\n", g.P50MS, g.Ratio)
	fmt.Fprintf(tw, "  p99\t%.2f ms\tgoal %s: %s\n", g.P99MS, g.Goal, verdict(g.Pass))
	fmt.Fprintf(tw, "  max\t%.2f ms\t\n", g.MaxMS)
	return tw.Flush()
}
