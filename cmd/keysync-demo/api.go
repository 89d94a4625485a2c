package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"keysync/internal/testdb"
)

// apiReadyWithin bounds the wait for the daemon's first poll round, after
// which it opens the sources to the API.
const apiReadyWithin = 30 * time.Second

// daemon is a `keysync run` the demo started with the registration API.
type daemon struct {
	cmd   *exec.Cmd
	log   bytes.Buffer
	url   string
	token string
}

// registerThroughAPI starts `keysync run` with the registration API on
// loopback and an hour between polls, registers a member as femanager does,
// asks the API for the member's number, shows that the row holds it at
// once, and stops the daemon.
func (d *demo) registerThroughAPI(ctx context.Context) error {
	d.heading("A number at the moment of registration: keysync run with the registration API")
	k, err := d.startDaemon(ctx)
	if err != nil {
		return err
	}
	defer k.cmd.Process.Kill() // a no-op once stopDaemon has waited
	if err := k.waitReady(ctx, portalAmicas); err != nil {
		return errors.Join(err, d.stopDaemon(k))
	}
	d.say("", "The API answers 503 until the daemon's first poll round has checked the portals; the demo",
		"waited for a 404 on an account no portal has (the first api request in the log below).")
	if err := d.registerAndAssign(ctx, k); err != nil {
		return errors.Join(err, d.stopDaemon(k))
	}
	return d.stopDaemon(k)
}

// startDaemon writes the API token and starts keysync run.
func (d *demo) startDaemon(ctx context.Context) (*daemon, error) {
	addr, err := freeLoopbackAddr()
	if err != nil {
		return nil, err
	}
	token, tokenFile, err := d.writeToken()
	if err != nil {
		return nil, err
	}
	extra := []string{"KEYSYNC_API_ADDR=" + addr, "KEYSYNC_API_TOKEN_FILE=" + tokenFile, "KEYSYNC_POLL_INTERVAL=1h"}
	for _, kv := range extra {
		fmt.Fprintln(d.out, "  "+kv)
	}
	fmt.Fprintln(d.out, "\n$ keysync run &")
	k := &daemon{url: "http://" + addr, token: token}
	k.cmd = exec.CommandContext(ctx, d.bin, "run")
	k.cmd.Env = append(append(environWithoutKeysync(), d.config(d.srv.DSN)...), extra...)
	k.cmd.Stdout, k.cmd.Stderr = &k.log, &k.log
	if err := k.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start keysync run: %w", err)
	}
	return k, nil
}

// writeToken writes a fresh API token into the demo's folder, readable by
// its owner only.
func (d *demo) writeToken() (token, path string, err error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", "", err
	}
	token, path = hex.EncodeToString(b), filepath.Join(d.files, "api.token")
	if err := os.WriteFile(path, []byte(token+"\n"), 0o600); err != nil {
		return "", "", fmt.Errorf("write the API token: %w", err)
	}
	return token, path, nil
}

// freeLoopbackAddr returns a loopback address with a port free right now.
func freeLoopbackAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("find a free port for the API: %w", err)
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// waitReady waits until the daemon works requests for source: until then
// it answers 503. An account id no portal has tells without numbering
// anything.
func (k *daemon) waitReady(ctx context.Context, source string) error {
	deadline := time.Now().Add(apiReadyWithin)
	for {
		status, _, err := k.assign(ctx, source, 999999999)
		if err == nil && status == http.StatusNotFound {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the registration API did not open %s within %s (last: %d %v); keysync's log:\n%s", source, apiReadyWithin, status, err, k.log.String())
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// assign calls POST /v1/sources/{source}/accounts/{id}/assign.
func (k *daemon) assign(ctx context.Context, source string, id uint64) (int, string, error) {
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, k.assignURL(source, id), nil)
	if err != nil {
		return 0, "", err
	}
	req.Header.Set("Authorization", "Bearer "+k.token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp.StatusCode, strings.TrimSpace(string(body)), err
}

func (k *daemon) assignURL(source string, id uint64) string {
	return fmt.Sprintf("%s/v1/sources/%s/accounts/%d/assign", k.url, source, id)
}

// registerAndAssign registers a member on amicas, confirmed at once, and
// asks for the number as the TYPO3 extension does on femanager's
// FinalCreateEvent.
func (d *demo) registerAndAssign(ctx context.Context, k *daemon) error {
	p := d.portal(portalAmicas)
	now := time.Now().Unix()
	u := testdb.FeUser{Pid: 5, Username: "julia.lechner@gmx.at", Password: passwordHash, Email: "julia.lechner@gmx.at",
		FirstName: "Julia", LastName: "Lechner", Name: "Julia Lechner", Address: "Sporgasse 21", Zip: "8010", City: "Graz",
		Country: "AT", Usergroup: "1", Crdate: now, Tstamp: now}
	ids, err := p.insert(ctx, []testdb.FeUser{u})
	if err != nil {
		return fmt.Errorf("%s: %w", p.name, err)
	}
	id := ids[0]
	fmt.Fprintf(d.out, "\nJulia Lechner registers on %s (uid %d); femanager's FinalCreateEvent asks keysync:\n", p.name, id)
	fmt.Fprintf(d.out, "$ curl -s -X POST -H \"Authorization: Bearer $(cat %s)\" \\\n    %s\n", filepath.Join(d.files, "api.token"), k.assignURL(p.name, id))
	start := time.Now()
	status, body, err := k.assign(ctx, p.name, id)
	if err != nil {
		return fmt.Errorf("call the registration API: %w", err)
	}
	fmt.Fprintf(d.out, "  %s\n  (HTTP %d in %s)\n", body, status, time.Since(start).Round(time.Millisecond))
	if status != http.StatusOK {
		return fmt.Errorf("the registration API answered %d: %s", status, body)
	}
	rows, err := typo3Rows(ctx, p.db)
	if err != nil {
		return err
	}
	for _, r := range rows {
		if r.id == id {
			fmt.Fprintf(d.out, "\nThe row holds the number at once, an hour before the next poll:\n")
			fmt.Fprintf(d.out, "  %s.fe_users uid %d: customer number %s, HH %s, PE %s\n", p.dbName, id, dash(r.number), dash(r.hh), dash(r.pe))
		}
	}
	return nil
}

// stopDaemon stops keysync run as systemd does, with SIGTERM, and prints
// its log.
func (d *demo) stopDaemon(k *daemon) error {
	fmt.Fprintln(d.out, "\n$ kill -TERM %keysync")
	if err := k.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		return fmt.Errorf("stop keysync run: %w", err)
	}
	err := k.cmd.Wait()
	for line := range strings.Lines(k.log.String()) {
		fmt.Fprint(d.out, "  log: "+withoutTime(line))
	}
	code := k.cmd.ProcessState.ExitCode()
	fmt.Fprintf(d.out, "  (exit code %d)\n", code)
	if code != 0 {
		return fmt.Errorf("keysync run exited with %d: %v", code, err)
	}
	return nil
}
