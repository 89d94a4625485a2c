package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"keysync/internal/testdb"
)

// TestOnce_EveryDecisionIsOneLogLine: each event a pass records in the
// central history (a number assigned or adopted, an account linked, values
// written or rewritten, a conflict) is one log line with the promised
// fields and the event's values, and no such line stands without its
// event.
func TestOnce_EveryDecisionIsOneLogLine(t *testing.T) {
	s := newSite(t, "amicas", "club")
	s.mustRun(0, "migrate")
	tmpl := defaultTemplate(t)
	typed, _ := tmpl.Format(4711, "")
	bad := typed[:len(typed)-1] + string('0'+(typed[len(typed)-1]-'0'+1)%10)
	testdb.InsertFeUsers(t, s.portals["amicas"], []testdb.FeUser{
		{Username: "anna", Email: "anna.gruber@gmx.at", FirstName: "Anna", LastName: "Gruber", Address: "Hauptstraße 10", Zip: "1010", City: "Wien"},
		{Username: "vera", Email: "vera.lang@aon.at", FirstName: "Vera", LastName: "Lang"},
		{Username: "bert", Email: "bert.bauer@aon.at", FirstName: "Bert", LastName: "Bauer"},
		{Username: "hans", Email: "familie.huber@aon.at", FirstName: "Hans", LastName: "Huber"},
		{Username: "grete", Email: "familie.huber@aon.at", FirstName: "Grete", LastName: "Huber"},
	})
	testdb.MustExec(t, s.portals["amicas"], `UPDATE fe_users SET tx_keysync_customer_number = CASE uid WHEN 2 THEN ? WHEN 3 THEN ? END WHERE uid IN (2, 3)`, typed, bad)
	testdb.InsertFeUsers(t, s.portals["club"], []testdb.FeUser{
		{Username: "agruber", Email: "Anna.Gruber@gmx.at", FirstName: "Anna", LastName: "Gruber"},
	})
	first := s.mustRun(3, "once")
	// A merge, and the pass that rewrites the moved row.
	s.mustRun(0, "conflicts", "resolve", s.openConflict("shared_email"), "--as", "merge")
	second := s.mustRun(3, "once")

	lines := logLines(t, first.stderr+second.stderr)
	events := s.passEvents()
	kinds := map[string]int{}
	for _, ev := range events {
		kinds[ev.kind]++
	}
	for _, k := range []string{"assigned", "adopted", "linked", "written", "rewritten", "conflict"} {
		if kinds[k] == 0 {
			t.Fatalf("no %s event: the scenario misses a decision (events %v)", k, kinds)
		}
	}
	used := map[int]bool{}
	for _, ev := range events {
		msg, fields := ev.line()
		var found []int
		for i, l := range lines {
			if l["msg"] == msg && l["source"] == ev.source && fmt.Sprint(l["uid"]) == fmt.Sprint(ev.account) && l["number"] == ev.number {
				found = append(found, i)
			}
		}
		if len(found) != 1 {
			t.Errorf("event %+v: %d log lines %q, want 1", ev, len(found), msg)
			continue
		}
		used[found[0]] = true
		l := lines[found[0]]
		for _, f := range fields {
			if _, ok := l[f]; !ok {
				t.Errorf("line %q of %s:%d lacks %s: %v", msg, ev.source, ev.account, f, l)
			}
		}
		if ev.kind == "conflict" && !strings.HasPrefix(ev.detail, fmt.Sprint(l["kind"])+": ") {
			t.Errorf("conflict line kind %v, event detail %q", l["kind"], ev.detail)
		}
		if hh, pe := s.wibisoftIDs(ev.number); l["hh_id"] != nil && (l["hh_id"] != hh || l["pe_id"] != pe) {
			t.Errorf("line %q of %s:%d: HH %v PE %v, the person's %s %s", msg, ev.source, ev.account, l["hh_id"], l["pe_id"], hh, pe)
		}
	}
	for i, l := range lines {
		if eventMessages[fmt.Sprint(l["msg"])] && !used[i] {
			t.Errorf("log line without its event: %v", l)
		}
	}
}

// eventMessages are the log lines that stand for an event of the history.
var eventMessages = map[string]bool{
	"number assigned": true, "number adopted": true, "account linked": true, "number written": true,
	"wibisoft ids written": true, "number rewritten": true, "conflict recorded": true,
}

// passEvent is an event of the central history written by a pass.
type passEvent struct {
	kind, number, source string
	account              uint64
	old, detail          string
}

// line returns the message of the event's log line and the fields it
// must have.
func (e passEvent) line() (string, []string) {
	ids := []string{"source", "uid", "number", "hh_id", "pe_id"}
	switch e.kind {
	case "assigned":
		return "number assigned", ids
	case "adopted":
		return "number adopted", ids
	case "linked":
		return "account linked", ids
	case "written":
		if e.old != "" {
			return "wibisoft ids written", ids
		}
		return "number written", ids
	case "rewritten":
		return "number rewritten", append(ids, "old", "reason")
	default:
		return "conflict recorded", []string{"source", "uid", "kind", "value", "number", "detail"}
	}
}

func (s *site) passEvents() []passEvent {
	s.t.Helper()
	rows, err := s.central.Query(`SELECT kind, COALESCE(number, ''), source, account_id, COALESCE(old_value, ''), COALESCE(detail, '') FROM events
 WHERE kind IN ('assigned', 'adopted', 'linked', 'written', 'rewritten', 'conflict') ORDER BY id`)
	if err != nil {
		s.t.Fatal(err)
	}
	defer rows.Close()
	var out []passEvent
	for rows.Next() {
		var e passEvent
		if err := rows.Scan(&e.kind, &e.number, &e.source, &e.account, &e.old, &e.detail); err != nil {
			s.t.Fatal(err)
		}
		out = append(out, e)
	}
	return out
}

func (s *site) wibisoftIDs(number string) (hh, pe string) {
	s.t.Helper()
	if number == "" {
		return "", ""
	}
	if err := s.central.QueryRow(`SELECT COALESCE(hh_id, ''), COALESCE(pe_id, '') FROM persons WHERE number = ?`, number).Scan(&hh, &pe); err != nil {
		s.t.Fatal(err)
	}
	return hh, pe
}

// openConflict returns the id of the one open conflict of a kind.
func (s *site) openConflict(kind string) string {
	s.t.Helper()
	return fmt.Sprint(scalar[int](s.t, s.central, `SELECT id FROM conflicts WHERE status = 'open' AND kind = ?`, kind))
}

// logLines decodes JSON log output, line by line.
func logLines(t *testing.T, out string) []map[string]any {
	t.Helper()
	var lines []map[string]any
	for _, text := range strings.Split(out, "\n") {
		var m map[string]any
		if json.Unmarshal([]byte(text), &m) == nil {
			lines = append(lines, m)
		}
	}
	return lines
}
