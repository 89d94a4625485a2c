package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"keysync/internal/sinktest"
	"keysync/sinks/carddav"
	"keysync/sinks/columns"
	keysync "keysync/sync"
)

// carddavResult compares an incremental export with the same changes sent
// as unconditional requests.
type carddavResult struct {
	Contacts int `json:"contacts"`
	Changes  int `json:"changes"`
	// Requests are what the export sent, by method.
	Requests         map[string]int `json:"requests"`
	Written          int            `json:"written"`
	Removed          int            `json:"removed"`
	Seconds          float64        `json:"seconds"`
	BaselineRequests int            `json:"baseline_requests"`
	BaselineSeconds  float64        `json:"baseline_seconds"`
}

// counting counts the requests a client sends, by method.
type counting struct {
	mu     sync.Mutex
	counts map[string]int
}

func (c *counting) RoundTrip(req *http.Request) (*http.Response, error) {
	c.mu.Lock()
	c.counts[req.Method]++
	c.mu.Unlock()
	return http.DefaultTransport.RoundTrip(req)
}

// benchCardDAV fills a Radicale address book with the contacts of book
// persons (written into its storage folder, which is what a first full
// export leaves there), changes some of them (one in twenty leaves, the
// others get a new mobile number), and exports those changes; then it sends
// as many other changes as plain PUTs and DELETEs without conditions.
func benchCardDAV(ctx context.Context, book, changes int, dir string, progress io.Writer) (carddavResult, error) {
	r := carddavResult{Contacts: book, Changes: changes, Requests: map[string]int{}}
	bin, err := exec.LookPath("radicale")
	if err != nil {
		return r, fmt.Errorf("radicale not found: install the Debian package radicale")
	}
	rad, err := sinktest.RunRadicale(bin, filepath.Join(dir, "radicale"))
	if err != nil {
		return r, err
	}
	defer rad.Stop()
	fmt.Fprintf(progress, "carddav: filling the book with %d contacts\n", book)
	persons, err := fill(rad, book)
	if err != nil {
		return r, err
	}
	cnt := &counting{counts: map[string]int{}}
	s, err := carddav.New(carddav.Config{Name: "buch", URL: rad.Book("kunden"), User: rad.User, Password: rad.Password,
		Lang: columns.German, Client: &http.Client{Transport: cnt, Timeout: time.Minute}})
	if err != nil {
		return r, err
	}
	fmt.Fprintf(progress, "carddav: exporting %d changes\n", changes)
	start := time.Now()
	res, err := s.Export(ctx, keysync.Delivery{Persons: sinktest.Seq(change(persons, 0, changes)...)})
	r.Seconds = time.Since(start).Seconds()
	if err != nil {
		return r, err
	}
	r.Requests, r.Written, r.Removed = cnt.counts, res.Written, res.Removed
	fmt.Fprintf(progress, "carddav: baseline, %d unconditional requests\n", changes)
	start = time.Now()
	r.BaselineRequests, err = unconditional(ctx, rad, change(persons, changes, changes))
	r.BaselineSeconds = time.Since(start).Seconds()
	return r, err
}

// fill writes the active persons' contacts into the book's folder.
func fill(rad *sinktest.Radicale, n int) ([]keysync.PersonRecord, error) {
	folder := rad.BookFolder("kunden")
	if err := os.MkdirAll(folder, 0o755); err != nil {
		return nil, err
	}
	props := `{"tag": "VADDRESSBOOK", "D:displayname": "keysync"}`
	if err := os.WriteFile(filepath.Join(folder, ".Radicale.props"), []byte(props), 0o644); err != nil {
		return nil, err
	}
	var active []keysync.PersonRecord
	for p, err := range sinktest.Persons(seed, n) {
		if err != nil {
			return nil, err
		}
		if !p.Active() {
			continue
		}
		active = append(active, p)
		if err := os.WriteFile(filepath.Join(folder, carddav.ResourceName(p.Number)), carddav.Card(p, columns.German), 0o644); err != nil {
			return nil, err
		}
	}
	if len(active) < 2*n/3 {
		return nil, fmt.Errorf("only %d active persons", len(active))
	}
	return active, nil
}

// change changes n persons from the from-th, spread over the book: one in
// twenty leaves, the others get a new mobile number.
func change(persons []keysync.PersonRecord, from, n int) []keysync.PersonRecord {
	step := len(persons) / (2 * n)
	out := make([]keysync.PersonRecord, 0, n)
	for i := range n {
		p := persons[(from+i)*step]
		fields := map[keysync.Field]string{}
		for k, v := range p.Fields {
			fields[k] = v
		}
		fields["mobile"] = fmt.Sprintf("+43 699 %07d", i)
		p.Fields = fields
		if i%20 == 19 {
			p.Status = keysync.PersonLeft
		}
		out = append(out, p)
	}
	return out
}

// unconditional sends the changes the simplest way: a PUT or DELETE each,
// without reading anything first and without conditions.
func unconditional(ctx context.Context, rad *sinktest.Radicale, persons []keysync.PersonRecord) (int, error) {
	for _, p := range persons {
		method, body := http.MethodPut, string(carddav.Card(p, columns.German))
		if !p.Active() {
			method, body = http.MethodDelete, ""
		}
		req, err := http.NewRequestWithContext(ctx, method, rad.Book("kunden")+carddav.ResourceName(p.Number), strings.NewReader(body))
		if err != nil {
			return 0, err
		}
		req.SetBasicAuth(rad.User, rad.Password)
		req.Header.Set("Content-Type", "text/vcard; charset=utf-8")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return 0, err
		}
		_ = resp.Body.Close()
		if resp.StatusCode >= 300 {
			return 0, fmt.Errorf("%s %s: %d", method, p.Number, resp.StatusCode)
		}
	}
	return len(persons), nil
}
