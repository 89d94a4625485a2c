package main

import (
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"keysync/internal/sinktest"
	"keysync/internal/testdb"
	"keysync/sync/central"
)

// exportSite is a TYPO3 portal with two members numbered, an Excel list
// and an address book on Radicale as sinks.
type exportSite struct {
	*site
	radicale *sinktest.Radicale
	list     string
	sinks    []string
}

func newExportSite(t *testing.T) *exportSite {
	t.Helper()
	sinktest.NeedPython(t, "openpyxl", "python3-openpyxl")
	s := &exportSite{site: newSite(t, "amicas"), radicale: sinktest.StartRadicale(t)}
	s.mustRun(0, "migrate")
	old := time.Now().Add(-48 * time.Hour).Unix()
	testdb.InsertFeUsers(t, s.portals["amicas"], []testdb.FeUser{
		{Pid: 5, Username: "erika", FirstName: "Erika", LastName: "Muster", Email: "erika.muster@example.at",
			Address: "Hauptstraße 1", Zip: "0101", City: "Wien", Telephone: "+43 664 1234567", Crdate: old, Tstamp: old},
		{Pid: 5, Username: "franz", FirstName: "Franz", LastName: "Huber", Email: "franz.huber@example.at",
			Address: "Bahnhofstraße 2", Zip: "8010", City: "Graz", Crdate: old, Tstamp: old},
	})
	s.mustRun(0, "once")
	dir := t.TempDir()
	s.list = filepath.Join(dir, "liste.xlsx")
	password := filepath.Join(dir, "dav.password")
	if err := os.WriteFile(password, []byte(s.radicale.Password+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	s.sinks = []string{"KEYSYNC_SINK_LISTE_KIND=xlsx", "KEYSYNC_SINK_LISTE_PATH=" + s.list,
		"KEYSYNC_SINK_BUCH_KIND=carddav", "KEYSYNC_SINK_BUCH_URL=" + s.radicale.Book("kunden"),
		"KEYSYNC_SINK_BUCH_USER=" + s.radicale.User, "KEYSYNC_SINK_BUCH_PASSWORD_FILE=" + password,
		// A folder in place of the file: this sink fails every time.
		"KEYSYNC_SINK_KAPUTT_KIND=csv", "KEYSYNC_SINK_KAPUTT_PATH=" + dir}
	return s
}

// export runs keysync export with the sinks and returns its report.
func (s *exportSite) export(t *testing.T, sinks string, want int, args ...string) map[string]sinkExportEntry {
	t.Helper()
	r := s.run(s.with(append(s.sinks, "KEYSYNC_SINKS="+sinks)...), append([]string{"export", "--json"}, args...)...)
	if r.code != want {
		t.Fatalf("keysync export: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", r.code, want, r.stdout, r.stderr)
	}
	if strings.Contains(r.stdout+r.stderr, s.radicale.Password) {
		t.Fatalf("keysync export shows the address book's password:\n%s\n%s", r.stdout, r.stderr)
	}
	var sum exportSummary
	if err := json.Unmarshal([]byte(r.stdout), &sum); err != nil {
		t.Fatalf("export --json: %v\n%s", err, r.stdout)
	}
	out := map[string]sinkExportEntry{}
	for _, e := range sum.Sinks {
		out[e.Sink] = e
	}
	return out
}

// readList reads the Excel list back with openpyxl: per customer number
// the values of its row as text, keyed by the header.
func readList(t *testing.T, path string) map[string]map[string]string {
	t.Helper()
	const script = `
import json, sys, openpyxl
ws = openpyxl.load_workbook(sys.argv[1]).active
rows = [[("" if c.value is None else (c.value.strftime("%d.%m.%Y") if hasattr(c.value, "strftime") else str(c.value))) for c in r] for r in ws.iter_rows()]
print(json.dumps(rows))
`
	var rows [][]string
	if err := json.Unmarshal(sinktest.RunPython(t, script, path), &rows); err != nil {
		t.Fatal(err)
	}
	out := map[string]map[string]string{}
	for _, r := range rows[1:] {
		m := map[string]string{}
		for i, h := range rows[0] {
			m[h] = r[i]
		}
		out[m["Kundennummer"]] = m
	}
	return out
}

// bookContacts lists the names of the address book's contacts.
func (s *exportSite) bookContacts(t *testing.T) []string {
	t.Helper()
	var out []string
	entries, err := os.ReadDir(s.radicale.BookFolder("kunden"))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".vcf") {
			out = append(out, e.Name())
		}
	}
	slices.Sort(out)
	return out
}

func contactName(number string) string { return "keysync-" + number + ".vcf" }

// TestExport_PortalToListAndAddressBook: registrations through a TYPO3
// portal reach the Excel list and the address book in full; a change in
// the portal reaches the book alone and is marked in the list; a member
// whose account is deleted leaves the book and is marked left in the list;
// a crash before the cursor moved repeats the delivery; a failing sink
// does not stop the others.
func TestExport_PortalToListAndAddressBook(t *testing.T) {
	t.Parallel()
	s := newExportSite(t)
	erika := scalar[string](t, s.central, "SELECT number FROM accounts WHERE username = 'erika'")
	franz := scalar[string](t, s.central, "SELECT number FROM accounts WHERE username = 'franz'")

	got := s.export(t, "liste,kaputt,buch", 1)
	if e := got["kaputt"]; e.Error == "" {
		t.Errorf("kaputt=%+v, want it failed", e)
	}
	for _, name := range []string{"liste", "buch"} {
		if e := got[name]; e.Error != "" || !e.Full || e.Written != 2 || e.Changed != 2 {
			t.Errorf("%s=%+v, want a full delivery of 2 persons", name, e)
		}
	}
	list := readList(t, s.list)
	if p := list[erika]; p["Vorname"] != "Erika" || p["PLZ"] != "0101" || p["Telefon"] != "+43 664 1234567" || p["Status"] != "aktiv" {
		t.Errorf("Erika's row %v", p)
	}
	if want := []string{contactName(erika), contactName(franz)}; !slices.Equal(s.bookContacts(t), sorted(want)) {
		t.Errorf("book holds %v, want %v", s.bookContacts(t), want)
	}

	testdb.MustExec(t, s.portals["amicas"], "UPDATE fe_users SET city = 'Leoben', tstamp = ? WHERE username = 'franz'", time.Now().Unix())
	s.mustRun(0, "once")
	got = s.export(t, "liste,buch", 0)
	if e := got["buch"]; e.Full || e.Written != 1 || e.Changed != 1 {
		t.Errorf("buch=%+v, want Franz alone written", e)
	}
	if e := got["liste"]; !e.Full || e.Written != 2 || e.Changed != 1 {
		t.Errorf("liste=%+v, want every person with Franz changed", e)
	}
	if p := readList(t, s.list)[franz]; p["Ort"] != "Leoben" {
		t.Errorf("Franz's row %v, want Leoben", p)
	}
	// Both sinks confirmed every change: none is kept any longer.
	if n := scalar[int](t, s.central, "SELECT COUNT(*) FROM changes"); n != 0 {
		t.Errorf("%d changes kept after every configured sink confirmed them", n)
	}

	testdb.MustExec(t, s.portals["amicas"], "UPDATE fe_users SET deleted = 1, tstamp = ? WHERE username = 'erika'", time.Now().Unix())
	s.mustRun(0, "once")
	got = s.export(t, "liste,buch", 0)
	if e := got["buch"]; e.Removed != 1 || e.Written != 0 {
		t.Errorf("buch=%+v, want Erika removed", e)
	}
	if contacts := s.bookContacts(t); !slices.Equal(contacts, []string{contactName(franz)}) {
		t.Errorf("book holds %v, want Franz alone", contacts)
	}
	if p := readList(t, s.list)[erika]; p["Status"] != "ausgetreten" || p["Ausgetreten"] != time.Now().UTC().Format("02.01.2006") {
		t.Errorf("Erika's row %v, want her marked left today", p)
	}

	// A crash after the book took Franz's change, before the cursor moved:
	// the contact is gone from the server, the cursor still before it.
	testdb.MustExec(t, s.central, "UPDATE sink_state SET cursor_pos = cursor_pos - 2 WHERE sink = 'buch'")
	deleteContact(t, s.radicale, contactName(franz))
	got = s.export(t, "buch", 0)
	if e := got["buch"]; e.Written != 1 || e.Changed != 1 {
		t.Errorf("buch=%+v after the crash, want Franz delivered again", e)
	}
	if contacts := s.bookContacts(t); !slices.Equal(contacts, []string{contactName(franz)}) {
		t.Errorf("book holds %v after the repeat, want Franz", contacts)
	}

	r := s.run(s.with(append(s.sinks, "KEYSYNC_SINKS=liste,kaputt,buch")...), "status", "--json")
	var st statusReport
	if err := json.Unmarshal([]byte(r.stdout), &st); err != nil {
		t.Fatalf("status --json: %v\n%s", err, r.stdout)
	}
	bySink := map[string]sinkStatus{}
	for _, ss := range st.Sinks {
		bySink[ss.Sink] = ss
	}
	if b := bySink["buch"]; b.LastOK == nil || b.Written != 1 || b.LastError != "" {
		t.Errorf("status of buch %+v", b)
	}
	if k := bySink["kaputt"]; k.LastOK != nil || k.LastError == "" || k.Failures != 1 {
		t.Errorf("status of kaputt %+v, want its error", k)
	}
}

func deleteContact(t *testing.T, r *sinktest.Radicale, name string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodDelete, r.Book("kunden")+name, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.SetBasicAuth(r.User, r.Password)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		t.Fatalf("DELETE %s: %s", name, resp.Status)
	}
}

func sorted(s []string) []string { return slices.Sorted(slices.Values(s)) }

// TestExport_Usage: no sinks, an unknown sink and a stray argument are
// usage errors.
func TestExport_Usage(t *testing.T) {
	t.Parallel()
	s := newSite(t, "amicas")
	s.mustRun(0, "migrate")
	if r := s.mustRun(2, "export"); !strings.Contains(r.stderr, "no sinks configured") {
		t.Errorf("export without sinks: %s", r.stderr)
	}
	env := s.with("KEYSYNC_SINKS=liste", "KEYSYNC_SINK_LISTE_KIND=csv", "KEYSYNC_SINK_LISTE_PATH="+filepath.Join(t.TempDir(), "liste.csv"))
	if r := s.run(env, "export", "--sink", "buch"); r.code != 2 || !strings.Contains(r.stderr, `"buch" is not a configured sink`) {
		t.Errorf("export --sink buch: exit %d, %s", r.code, r.stderr)
	}
	if r := s.run(env, "export", "now"); r.code != 2 {
		t.Errorf("export now: exit %d, want 2", r.code)
	}
	if r := s.run(env, "export", "--dry-run"); r.code != 0 || !strings.Contains(r.stdout, "liste (csv, full, dry run): 0 written") {
		t.Errorf("export --dry-run: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if n := scalar[int](t, s.central, "SELECT COUNT(*) FROM sink_state"); n != 0 {
		t.Errorf("a dry run left %d sink states", n)
	}
}

// TestDaemon_ExportsOnSchedule: the daemon exports to each sink on its
// schedule, a new registration reaches the list without anything else
// done, a failing sink is retried and counted while the others go on, and
// /metrics and status show both.
func TestDaemon_ExportsOnSchedule(t *testing.T) {
	t.Parallel()
	s := newExportSite(t)
	franz := scalar[string](t, s.central, "SELECT number FROM accounts WHERE username = 'franz'")
	addr := freeAddr(t)
	env := s.with(append(s.sinks, "KEYSYNC_SINKS=liste,kaputt,buch", "KEYSYNC_HTTP_ADDR="+addr,
		"KEYSYNC_SINK_LISTE_SCHEDULE=@every 1s", "KEYSYNC_SINK_KAPUTT_SCHEDULE=@every 1s")...)
	d := s.startDaemon(env)
	d.waitLog("serving /healthz and /metrics", 30*time.Second)
	eventually(t, 30*time.Second, "the list with Franz", func() bool {
		_, err := os.Stat(s.list)
		return err == nil && readList(t, s.list)[franz]["Vorname"] == "Franz"
	})
	testdb.InsertFeUsers(t, s.portals["amicas"], []testdb.FeUser{{Pid: 5, Username: "anna", FirstName: "Anna", LastName: "Berger",
		Email: "anna.berger@example.at", Crdate: time.Now().Unix(), Tstamp: time.Now().Unix()}})
	eventually(t, 60*time.Second, "Anna in the list", func() bool {
		for _, p := range readList(t, s.list) {
			if p["Vorname"] == "Anna" {
				return true
			}
		}
		return false
	})
	var body string
	failures := regexp.MustCompile(`keysync_sink_export_failures_total\{sink="kaputt"\} (\d+)\n`)
	eventually(t, 30*time.Second, "two failures of kaputt in /metrics", func() bool {
		resp, err := http.Get("http://" + addr + "/metrics")
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		body = string(b)
		m := failures.FindStringSubmatch(body)
		return m != nil && m[1] != "0" && m[1] != "1"
	})
	for _, want := range []string{`keysync_sink_last_success_timestamp_seconds{sink="liste"}`, `keysync_sink_persons_written{sink="liste"} `,
		`keysync_sink_export_failures_total{sink="liste"} 0`} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %s:\n%s", want, body)
		}
	}
	if strings.Contains(body, `sink="buch"`) {
		t.Errorf("/metrics shows buch, which has no schedule:\n%s", body)
	}
	if code := d.stop(); code != 0 {
		t.Errorf("daemon exit %d", code)
	}
	r := s.run(env, "status")
	for _, want := range []string{"sink liste (xlsx)\n  last success:     ", " written, ", "sink kaputt (csv)\n  last success:     never", "failures in a row", "sink buch (carddav)\n  last success:     never"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("status lacks %q:\n%s", want, r.stdout)
		}
	}
}

// TestExport_ForgottenPerson: after a forget, the next delivery removes
// the person from the address book, and the Excel list keeps the number
// marked as forgotten with no other value.
func TestExport_ForgottenPerson(t *testing.T) {
	t.Parallel()
	s := newExportSite(t)
	s.export(t, "liste,buch", 0)
	number := scalar[string](t, s.central, "SELECT number FROM accounts WHERE source = 'amicas' AND account_id = 1")
	if !slices.Contains(s.bookContacts(t), contactName(number)) {
		t.Fatalf("the address book lacks %s before the forget", number)
	}
	testdb.MustExec(t, s.portals["amicas"], "UPDATE fe_users SET deleted = 1, tstamp = UNIX_TIMESTAMP() WHERE uid = 1")
	s.mustRun(0, "once")
	s.mustRun(0, "forget", number, "--by", "dsb")
	s.export(t, "liste,buch", 0)
	if slices.Contains(s.bookContacts(t), contactName(number)) {
		t.Errorf("the address book still holds %s after the forget", number)
	}
	list := readList(t, s.list)
	row, ok := list[number]
	if !ok || row["Status"] != "gelöscht (DSGVO)" {
		t.Fatalf("list row of %s: %v, want the status gelöscht (DSGVO)", number, row)
	}
	for h, v := range row {
		if v != "" && h != "Kundennummer" && h != "Status" && h != "Geändert" {
			t.Errorf("the list keeps %s=%q of the forgotten person", h, v)
		}
	}
	if other := list[scalar[string](t, s.central, "SELECT number FROM accounts WHERE source = 'amicas' AND account_id = 2")]; other["Nachname"] != "Huber" {
		t.Errorf("the other member's row changed: %v", other)
	}
}

// TestExport_WaitsForTheSameSinkElsewhere: while another keysync (the
// daemon's schedule, say) exports a sink, `keysync export` of that sink
// waits for it to end instead of writing the same file at once, and then
// does its work.
func TestExport_WaitsForTheSameSinkElsewhere(t *testing.T) {
	t.Parallel()
	s := newExportSite(t)
	release, err := central.New(s.central, central.Numbering{}).Feed().LockSink(t.Context(), "liste", 0)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan result, 1)
	go func() { done <- s.run(s.with(append(s.sinks, "KEYSYNC_SINKS=liste")...), "export", "--json") }()
	select {
	case r := <-done:
		release()
		t.Fatalf("keysync export ended while the sink was being exported elsewhere: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	case <-time.After(3 * time.Second):
	}
	if _, err := os.Stat(s.list); !os.IsNotExist(err) {
		t.Errorf("the list was written while the sink was being exported elsewhere (stat: %v)", err)
	}
	release()
	r := <-done
	if r.code != 0 || !strings.Contains(r.stderr, "waiting for the export of the sink running elsewhere") {
		t.Fatalf("keysync export: exit %d, want 0 after a logged wait\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	if _, err := os.Stat(s.list); err != nil {
		t.Errorf("the list after the wait: %v", err)
	}
}
