package carddav_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"

	"keysync/internal/sinktest"
	"keysync/sinks/carddav"
	"keysync/sinks/columns"
	keysync "keysync/sync"
)

// counter is a transport that counts the requests by method and can step
// in before one is sent.
type counter struct {
	mu     sync.Mutex
	counts map[string]int
	// before, when set, runs before a request is sent; an answer it
	// returns is given instead of the server's.
	before func(*http.Request) *http.Response
}

func (c *counter) RoundTrip(req *http.Request) (*http.Response, error) {
	c.mu.Lock()
	c.counts[req.Method]++
	before := c.before
	c.mu.Unlock()
	if before != nil {
		if resp := before(req); resp != nil {
			return resp, nil
		}
	}
	return http.DefaultTransport.RoundTrip(req)
}

func (c *counter) take() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := c.counts
	c.counts = map[string]int{}
	return out
}

func newSink(tb testing.TB, r *sinktest.Radicale, password string) (*carddav.Sink, *counter) {
	tb.Helper()
	cnt := &counter{counts: map[string]int{}}
	s, err := carddav.New(carddav.Config{Name: "buch", URL: r.Book("kunden"), User: r.User, Password: password,
		Lang: columns.German, Client: &http.Client{Transport: cnt}})
	if err != nil {
		tb.Fatal(err)
	}
	return s, cnt
}

// raw sends a request of its own to the server, as another client would.
func raw(tb testing.TB, r *sinktest.Radicale, method, url string, hdr map[string]string, body string) *http.Response {
	tb.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		tb.Fatal(err)
	}
	req.SetBasicAuth(r.User, r.Password)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		tb.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(b))
	return resp
}

func body(resp *http.Response) string {
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

// contacts lists the names of the book's contacts.
func contacts(tb testing.TB, r *sinktest.Radicale) []string {
	tb.Helper()
	resp := raw(tb, r, "PROPFIND", r.Book("kunden"), map[string]string{"Depth": "1"},
		`<?xml version="1.0"?><propfind xmlns="DAV:"><prop><getetag/></prop></propfind>`)
	var out []string
	for _, part := range strings.Split(body(resp), "keysync-")[1:] {
		out = append(out, "keysync-"+part[:strings.Index(part, ".vcf")]+".vcf")
	}
	return out
}

func export(tb testing.TB, s *carddav.Sink, d keysync.Delivery) keysync.Result {
	tb.Helper()
	res, err := s.Export(tb.Context(), d)
	if err != nil {
		tb.Fatalf("export: %v", err)
	}
	return res
}

func activeOf(persons []keysync.PersonRecord) int {
	n := 0
	for _, p := range persons {
		if p.Active() {
			n++
		}
	}
	return n
}

// TestExport_OnlyChangedContactsAreWritten: the first full delivery
// creates the book and one contact per active person; the same delivery
// again writes nothing; a delivery of changes writes the changed contact,
// deletes the one of the person who left and leaves the unchanged one:
// requests sent = changes, plus one read per hundred persons.
func TestExport_OnlyChangedContactsAreWritten(t *testing.T) {
	t.Parallel()
	r := sinktest.StartRadicale(t)
	s, cnt := newSink(t, r, r.Password)
	persons := sinktest.Collect(t, sinktest.Persons(5, 150))
	active := activeOf(persons)

	res := export(t, s, keysync.Delivery{Full: true, Persons: sinktest.Seq(persons...)})
	if res.Written != active || res.Removed != 0 {
		t.Errorf("first export %+v, want %d written", res, active)
	}
	if got := cnt.take(); got["MKCOL"] != 1 || got["PUT"] != active || got["DELETE"] != 0 {
		t.Errorf("first export sent %v, want one MKCOL and %d PUTs", got, active)
	}
	if got := len(contacts(t, r)); got != active {
		t.Errorf("book holds %d contacts, want %d", got, active)
	}

	res = export(t, s, keysync.Delivery{Full: true, Persons: sinktest.Seq(persons...)})
	if got := cnt.take(); res.Written != 0 || got["PUT"] != 0 || got["DELETE"] != 0 || got["MKCOL"] != 0 {
		t.Errorf("unchanged full export %+v sent %v, want no write", res, got)
	}

	var changed, left, same keysync.PersonRecord
	for i := range persons {
		if !persons[i].Active() {
			continue
		}
		switch {
		case changed.Number == "":
			persons[i].Fields["mobile"] = "+43 699 7654321"
			changed = persons[i]
		case left.Number == "":
			persons[i].Status = keysync.PersonLeft
			left = persons[i]
		case same.Number == "":
			same = persons[i]
		}
	}
	res = export(t, s, keysync.Delivery{Persons: sinktest.Seq(changed, left, same)})
	got := cnt.take()
	if res.Written != 1 || res.Removed != 1 || got["PUT"] != 1 || got["DELETE"] != 1 || got["REPORT"] != 1 || len(got) != 3 {
		t.Errorf("changes %+v sent %v, want one read, one PUT and one DELETE", res, got)
	}
	if n := len(contacts(t, r)); n != active-1 {
		t.Errorf("book holds %d contacts, want %d", n, active-1)
	}
	card := body(raw(t, r, "GET", r.Book("kunden")+carddav.ResourceName(changed.Number), nil, ""))
	if !strings.Contains(card, "+43 699 7654321") || !strings.Contains(card, "X-MS-TEXT:"+changed.Number) {
		t.Errorf("changed card as stored:\n%s", card)
	}
}

// TestExport_412ReadsTheETagAgainAndRetriesOnce: a contact changed by
// another client between the read and the write gets a 412; the sink
// reads the new ETag and writes once more. When it changes again, the
// contact is reported and the others are still written.
func TestExport_412ReadsTheETagAgainAndRetriesOnce(t *testing.T) {
	t.Parallel()
	r := sinktest.StartRadicale(t)
	s, cnt := newSink(t, r, r.Password)
	persons := sinktest.Collect(t, sinktest.Persons(9, 20))
	export(t, s, keysync.Delivery{Full: true, Persons: sinktest.Seq(persons...)})
	var a, b keysync.PersonRecord
	for _, p := range persons {
		if p.Active() && a.Number == "" {
			a = p
		} else if p.Active() && b.Number == "" {
			b = p
		}
	}
	a.Fields["city"], b.Fields["city"] = "Graz", "Linz"
	interfere := func(number string, times int) {
		cnt.mu.Lock()
		defer cnt.mu.Unlock()
		cnt.before = func(req *http.Request) *http.Response {
			if req.Method != http.MethodPut || !strings.HasSuffix(req.URL.Path, carddav.ResourceName(number)) || times == 0 {
				return nil
			}
			times--
			// Another client edits the contact first: its ETag changes.
			url := r.Book("kunden") + carddav.ResourceName(number)
			stored := body(raw(t, r, "GET", url, nil, ""))
			edited := strings.Replace(stored, "END:VCARD", "NICKNAME:edited\r\nEND:VCARD", 1)
			if resp := raw(t, r, "PUT", url, map[string]string{"Content-Type": "text/vcard"}, edited); resp.StatusCode >= 300 {
				t.Errorf("edit by another client: %d", resp.StatusCode)
			}
			return nil
		}
	}

	interfere(a.Number, 1)
	cnt.take()
	res := export(t, s, keysync.Delivery{Persons: sinktest.Seq(a)})
	if got := cnt.take(); res.Written != 1 || got["PUT"] != 2 || got["PROPFIND"] != 1 {
		t.Errorf("after one 412: %+v, sent %v, want the ETag read again and a second PUT", res, got)
	}
	if card := body(raw(t, r, "GET", r.Book("kunden")+carddav.ResourceName(a.Number), nil, "")); !strings.Contains(card, "Graz") {
		t.Errorf("stored card lacks the change:\n%s", card)
	}

	a.Fields["city"] = "Wels"
	interfere(a.Number, 2)
	res, err := s.Export(t.Context(), keysync.Delivery{Persons: sinktest.Seq(a, b)})
	if !errors.Is(err, carddav.ErrPrecondition) || !strings.Contains(err.Error(), a.Number) {
		t.Errorf("err=%v, want a 412 reported for %s", err, a.Number)
	}
	if res.Written != 1 {
		t.Errorf("result %+v, want the other contact written", res)
	}
	if card := body(raw(t, r, "GET", r.Book("kunden")+carddav.ResourceName(b.Number), nil, "")); !strings.Contains(card, "Linz") {
		t.Error("the other contact was not written")
	}
}

// TestExport_RefusedContactDoesNotStopTheOthers: a contact the server
// refuses is reported, the rest are written; the next delivery writes it.
func TestExport_RefusedContactDoesNotStopTheOthers(t *testing.T) {
	t.Parallel()
	r := sinktest.StartRadicale(t)
	s, cnt := newSink(t, r, r.Password)
	persons := sinktest.Collect(t, sinktest.Persons(11, 10))
	victim := carddav.ResourceName(persons[0].Number)
	cnt.before = func(req *http.Request) *http.Response {
		if req.Method == http.MethodPut && strings.HasSuffix(req.URL.Path, victim) {
			return &http.Response{StatusCode: http.StatusInsufficientStorage, Body: io.NopCloser(strings.NewReader("")), Request: req}
		}
		return nil
	}
	persons[0].Status = keysync.PersonActive
	res, err := s.Export(t.Context(), keysync.Delivery{Full: true, Persons: sinktest.Seq(persons...)})
	if err == nil || !strings.Contains(err.Error(), persons[0].Number) || !strings.Contains(err.Error(), "507") {
		t.Errorf("err=%v, want the refused contact named", err)
	}
	if res.Written != activeOf(persons)-1 {
		t.Errorf("result %+v, want the %d others written", res, activeOf(persons)-1)
	}
	cnt.before = nil
	res = export(t, s, keysync.Delivery{Full: true, Persons: sinktest.Seq(persons...)})
	if res.Written != 1 {
		t.Errorf("next export %+v, want the refused contact written", res)
	}
}

// TestExport_DownOrWrongPasswordFailsWithoutThePassword: a server that
// does not answer, or refuses the credentials, fails the delivery with a
// message that never holds the password.
func TestExport_DownOrWrongPasswordFailsWithoutThePassword(t *testing.T) {
	t.Parallel()
	r := sinktest.StartRadicale(t)
	wrong := "wr0ng-Pässword"
	s, _ := newSink(t, r, wrong)
	persons := sinktest.Collect(t, sinktest.Persons(13, 3))
	for _, d := range []keysync.Delivery{{Full: true, Persons: sinktest.Seq(persons...)}, {Persons: sinktest.Seq(persons...)}} {
		_, err := s.Export(t.Context(), d)
		if err == nil || !strings.Contains(err.Error(), "401") || strings.Contains(err.Error(), wrong) {
			t.Errorf("wrong password: err=%v, want a 401 without the password", err)
		}
	}
	down, err := carddav.New(carddav.Config{Name: "buch", URL: "http://127.0.0.1:1/u/kunden/", User: "u", Password: wrong})
	if err != nil {
		t.Fatal(err)
	}
	_, err = down.Export(context.Background(), keysync.Delivery{Persons: sinktest.Seq(persons...)})
	if err == nil || strings.Contains(err.Error(), wrong) || !strings.Contains(err.Error(), "127.0.0.1:1") {
		t.Errorf("server down: err=%v, want one naming the address without the password", err)
	}
}

// TestExport_DryRunWritesNothing: a dry run of a first export neither
// creates the book nor writes a contact, and says what it would write.
func TestExport_DryRunWritesNothing(t *testing.T) {
	t.Parallel()
	r := sinktest.StartRadicale(t)
	s, cnt := newSink(t, r, r.Password)
	persons := sinktest.Collect(t, sinktest.Persons(17, 30))
	res := export(t, s, keysync.Delivery{Full: true, DryRun: true, Persons: sinktest.Seq(persons...)})
	got := cnt.take()
	if res.Written != activeOf(persons) || got["PUT"] != 0 || got["MKCOL"] != 0 || got["DELETE"] != 0 {
		t.Errorf("dry run %+v sent %v, want %d would-be writes and none sent", res, got, activeOf(persons))
	}
}

// TestNew_RefusesAURLWithAPassword and says so without showing it.
func TestNew_RefusesAURLWithAPassword(t *testing.T) {
	t.Parallel()
	_, err := carddav.New(carddav.Config{URL: "https://u:s3cret@dav.example.org/u/kunden/"})
	if err == nil || strings.Contains(err.Error(), "s3cret") {
		t.Errorf("err=%v, want a refusal without the password", err)
	}
	_, err = carddav.New(carddav.Config{URL: "dav.example.org:s3cret@x"})
	if err == nil || strings.Contains(err.Error(), "s3cret") {
		t.Errorf("err=%v, want a refusal without the password", err)
	}
}

// TestExport_FullExportRemovesOnlyKeysyncsStrayContacts: a full delivery
// deletes keysync's contact of a person it no longer lists and leaves a
// contact another client made in the same book.
func TestExport_FullExportRemovesOnlyKeysyncsStrayContacts(t *testing.T) {
	t.Parallel()
	r := sinktest.StartRadicale(t)
	s, _ := newSink(t, r, r.Password)
	persons := sinktest.Collect(t, sinktest.Persons(19, 5))
	export(t, s, keysync.Delivery{Full: true, Persons: sinktest.Seq(persons...)})
	foreign := "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:phone-1\r\nFN:Tante Erna\r\nN:Erna;Tante;;;\r\nEND:VCARD\r\n"
	if resp := raw(t, r, "PUT", r.Book("kunden")+"phone-1.vcf", map[string]string{"Content-Type": "text/vcard"}, foreign); resp.StatusCode != http.StatusCreated {
		t.Fatalf("foreign contact: %d", resp.StatusCode)
	}
	var kept []keysync.PersonRecord
	var dropped string
	for _, p := range persons {
		if p.Active() && dropped == "" {
			dropped = carddav.ResourceName(p.Number)
			continue
		}
		kept = append(kept, p)
	}
	res := export(t, s, keysync.Delivery{Full: true, Persons: sinktest.Seq(kept...)})
	if res.Removed != 1 || res.Written != 0 {
		t.Errorf("result %+v, want the one stray contact removed and nothing written", res)
	}
	if slices.Contains(contacts(t, r), dropped) {
		t.Errorf("%s is still in the book", dropped)
	}
	if resp := raw(t, r, "GET", r.Book("kunden")+"phone-1.vcf", nil, ""); resp.StatusCode != http.StatusOK {
		t.Errorf("the foreign contact is gone: %d", resp.StatusCode)
	}
}
