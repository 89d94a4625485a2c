package main

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"keysync/internal/centraltest"
	"keysync/internal/testdb"
	"keysync/sync/central"
)

// adminSite is a site after a real pass over registrations that raise one
// conflict of each kind an admin reviews:
//
//	amicas:1 Josef Maier and amicas:2 Josef Mayer, same dwelling: suspected_duplicate
//	amicas:3 Anna and amicas:4 Franz Gruber, one mailbox: shared_email
//	amicas:5 Vera Valid adopts the number in her row; amicas:7 carries it too: number_taken
//	amicas:6 carries a number with a wrong check digit: invalid_number
//	club:1 Karl Meyer in München; club:2 and club:3 Leopold Steinbichler, same dwelling: suspected_duplicate
//	club:4 Grete Schmid, whose row the club deleted since
type adminSite struct {
	*site
	// number of each linked account, "source:id" -> number
	number map[string]string
	// bad is the invalid value of amicas:6, vera the number of amicas:5
	bad, vera string
	// deleted is when club:4 was deleted
	deleted time.Time
}

func newAdminSite(t *testing.T) *adminSite {
	t.Helper()
	s := &adminSite{site: newSite(t, "amicas", "club"), number: map[string]string{}}
	s.mustRun(0, "migrate")
	// Whatever the test resolved, the kept counts follow the conflicts.
	t.Cleanup(func() { centraltest.CheckOpenCounts(t, central.New(s.central, central.Numbering{})) })
	tmpl := defaultTemplate(t)
	s.vera, _ = tmpl.Format(700, "")
	s.bad = s.vera[:len(s.vera)-1] + string('0'+(s.vera[len(s.vera)-1]-'0'+1)%10)
	ago := func(years, months, days int) int64 { return time.Now().AddDate(-years, -months, -days).Unix() }
	testdb.MustExec(t, s.portals["amicas"], `INSERT INTO fe_groups (uid, pid, title) VALUES (1, 1, 'Mitglieder')`)
	testdb.InsertFeUsers(t, s.portals["amicas"], []testdb.FeUser{
		{Username: "jmaier", Email: "J.Maier@gmx.at", FirstName: "Josef", LastName: "Maier", Address: "Hauptstraße 10", Zip: "1010", City: "Wien", Usergroup: "1", Crdate: ago(3, 0, 0)},
		{Username: "jmayer", Email: "josef.mayer@aon.at", FirstName: "Josef", LastName: "Mayer", Address: "Hauptstr. 10", Zip: "1010", City: "Wien", Crdate: ago(0, 2, 0)},
		{Username: "anna", Email: "familie.gruber@gmx.at", FirstName: "Anna", LastName: "Gruber", Address: "Lindengasse 5", Zip: "1070", City: "Wien", Crdate: ago(1, 6, 0)},
		{Username: "franz", Email: "familie.gruber@gmx.at", FirstName: "Franz", LastName: "Gruber", Address: "Lindengasse 5", Zip: "1070", City: "Wien", Crdate: ago(0, 1, 0)},
		{Username: "vera", Email: "vera@valid.at", FirstName: "Vera", LastName: "Valid", Crdate: ago(5, 0, 0)},
		{Username: "bert", Email: "bert@bad.at", FirstName: "Bert", LastName: "Bad", Crdate: ago(0, 0, 5)},
		{Username: "xaver", Email: "xaver@huber.at", FirstName: "Xaver", LastName: "Huber", Crdate: ago(0, 0, 3)},
	})
	testdb.MustExec(t, s.portals["amicas"], `UPDATE fe_users SET tx_keysync_customer_number = ? WHERE uid IN (5, 7)`, s.vera)
	testdb.MustExec(t, s.portals["amicas"], `UPDATE fe_users SET tx_keysync_customer_number = ? WHERE uid = 6`, s.bad)
	testdb.InsertFeUsers(t, s.portals["club"], []testdb.FeUser{
		{Username: "kmeyer", Email: "karl.meyer@web.de", FirstName: "Karl", LastName: "Meyer", Address: "Marienplatz 1", Zip: "80331", City: "München", Country: "Deutschland", Crdate: ago(0, 0, 10)},
		{Username: "leo", Email: "leo@steinbichler.at", FirstName: "Leopold", LastName: "Steinbichler", Address: "Mariahilfer Straße 1", Zip: "1060", City: "Wien", Crdate: ago(2, 0, 0)},
		{Username: "leo2", Email: "l.steinbichler@gmx.at", FirstName: "Leopold", LastName: "Steinbichler", Address: "Mariahilfer Str. 1", Zip: "1060", City: "Wien", Crdate: ago(0, 3, 0)},
		{Username: "grete", Email: "grete@schmid.at", FirstName: "Grete", LastName: "Schmid", Crdate: ago(4, 0, 0)},
	})
	s.mustRun(3, "once")
	// The club deleted Grete's row; keysync keeps her account, marked.
	s.deleted = time.Now().UTC().Add(time.Second).Truncate(time.Second)
	s.editAccounts(`UPDATE accounts SET status = 'deleted', deleted_at = ?, status_changed_at = ? WHERE source = 'club' AND account_id = 4`, s.deleted, s.deleted)
	rows, err := s.central.Query(`SELECT source, account_id, number FROM accounts`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var src, n string
		var id uint64
		if err := rows.Scan(&src, &id, &n); err != nil {
			t.Fatal(err)
		}
		s.number[src+":"+strconv.FormatUint(id, 10)] = n
	}
	if len(s.number) != 9 {
		t.Fatalf("linked accounts=%v, want 9 (all but amicas:6 and amicas:7)", s.number)
	}
	return s
}

// conflictID returns the id of the conflict of a kind about an account.
func (s *adminSite) conflictID(kind, account string) string {
	s.t.Helper()
	src, id, _ := strings.Cut(account, ":")
	return strconv.FormatUint(scalar[uint64](s.t, s.central, `SELECT id FROM conflicts WHERE kind = ? AND source = ? AND account_id = ?`, kind, src, id), 10)
}

func decode[T any](t testing.TB, r result) T {
	t.Helper()
	var v T
	if err := json.Unmarshal([]byte(r.stdout), &v); err != nil {
		t.Fatalf("decode %T: %v\n%s", v, err, r.stdout)
	}
	return v
}

func TestConflicts_ListAndShow(t *testing.T) {
	t.Parallel()
	s := newAdminSite(t)

	all := decode[[]central.ConflictView](t, s.mustRun(0, "conflicts", "--json"))
	kinds := map[string][]string{}
	for i, c := range all {
		kinds[c.Kind] = append(kinds[c.Kind], c.Account)
		if c.Status != "open" || c.ID == 0 || c.CreatedAt.IsZero() || c.Account != c.Source+":"+strconv.FormatUint(c.AccountID, 10) {
			t.Errorf("conflict %+v", c)
		}
		if i > 0 && c.ID > all[i-1].ID {
			t.Errorf("not newest first: %d after %d", c.ID, all[i-1].ID)
		}
	}
	want := map[string][]string{
		"suspected_duplicate": {"club:3", "amicas:2"}, "shared_email": {"amicas:4"},
		"invalid_number": {"amicas:6"}, "number_taken": {"amicas:7"},
	}
	for k, accts := range want {
		if got := kinds[k]; !slices.Equal(got, accts) {
			t.Errorf("%s conflicts on %v, want %v (all: %v)", k, got, accts, kinds)
		}
	}
	if len(all) != 5 {
		t.Errorf("%d conflicts, want 5", len(all))
	}

	// The JSON keys scripts rely on.
	var raw []map[string]any
	if err := json.Unmarshal([]byte(s.mustRun(0, "conflicts", "--open", "--kind", "shared_email", "--json").stdout), &raw); err != nil || len(raw) != 1 {
		t.Fatalf("--open --kind shared_email: %v %v", raw, err)
	}
	for _, key := range []string{"id", "kind", "status", "account", "source", "account_id", "account_number", "number", "value", "detail", "created_at"} {
		if _, ok := raw[0][key]; !ok {
			t.Errorf("conflict JSON lacks %q: %v", key, raw[0])
		}
	}
	if got := raw[0]["number"]; got != s.number["amicas:3"] {
		t.Errorf("shared_email names %v, want Anna's %s", got, s.number["amicas:3"])
	}
	if got := decode[[]central.ConflictView](t, s.mustRun(0, "conflicts", "list", "--source", "club", "--json")); len(got) != 1 {
		t.Errorf("--source club: %d conflicts, want 1", len(got))
	}
	if r := s.mustRun(0, "conflicts", "--kind", "number_taken"); !strings.Contains(r.stdout, "number_taken") || !strings.Contains(r.stdout, "amicas:7") || strings.Contains(r.stdout, "shared_email") {
		t.Errorf("table:\n%s", r.stdout)
	}
	if r := s.mustRun(2, "conflicts", "--kind", "typo"); !strings.Contains(r.stderr, "shared_email") {
		t.Errorf("unknown kind must list the kinds:\n%s", r.stderr)
	}

	t.Run("suspected_duplicate", func(t *testing.T) {
		id := s.conflictID("suspected_duplicate", "amicas:2")
		r := decode[conflictReport](t, s.mustRun(0, "conflicts", "show", id, "--json"))
		if r.Account == nil || r.Account.Account != "amicas:2" || r.Account.LastName != "Mayer" || r.Account.Street != "Hauptstr. 10" {
			t.Fatalf("this side=%+v", r.Account)
		}
		if r.Person == nil || r.Person.Number != s.number["amicas:2"] || r.Other == nil || r.Other.Number != s.number["amicas:1"] {
			t.Fatalf("persons: %+v / %+v", r.Person, r.Other)
		}
		if len(r.Other.Accounts) != 1 || r.Other.Accounts[0].Email != "J.Maier@gmx.at" || r.Other.Accounts[0].Zip != "1010" {
			t.Errorf("other side's evidence=%+v", r.Other.Accounts)
		}
		if !strings.HasPrefix(r.Rule, "5.") || r.Score == nil || r.Score.Value < r.Score.Review || r.Score.Against != "amicas:1" ||
			!strings.Contains(r.Score.Evidence, "address 1.00") || !strings.Contains(r.Conflict.Detail, "score") {
			t.Errorf("rule=%q score=%+v detail=%q", r.Rule, r.Score, r.Conflict.Detail)
		}
		text := s.mustRun(0, "conflicts", "show", id).stdout
		for _, want := range []string{"suspected_duplicate", "Rule:", "Score now:", "This side: account amicas:2", "Other side: person " + s.number["amicas:1"], "josef.mayer@aon.at", "J.Maier@gmx.at", "resolve " + id} {
			if !strings.Contains(text, want) {
				t.Errorf("show lacks %q:\n%s", want, text)
			}
		}
	})
	t.Run("shared_email", func(t *testing.T) {
		r := decode[conflictReport](t, s.mustRun(0, "conflicts", "show", s.conflictID("shared_email", "amicas:4"), "--json"))
		if !strings.HasPrefix(r.Rule, "4.") || r.Account == nil || r.Account.FirstName != "Franz" || r.Other == nil || r.Other.Accounts[0].FirstName != "Anna" {
			t.Errorf("report=%+v", r)
		}
		if r.Person.HH != r.Other.HH || r.Person.HH == "" {
			t.Errorf("shared mailbox at one address: households %q and %q", r.Person.HH, r.Other.HH)
		}
	})
	t.Run("invalid_number", func(t *testing.T) {
		r := decode[conflictReport](t, s.mustRun(0, "conflicts", "show", s.conflictID("invalid_number", "amicas:6"), "--json"))
		if !strings.HasPrefix(r.Rule, "2.") || r.Account != nil || r.PortalRow == nil || r.PortalRow.Number != s.bad || r.PortalRow.LastName != "Bad" || r.Other != nil || r.Conflict.Value != s.bad {
			t.Errorf("report=%+v portal row=%+v", r, r.PortalRow)
		}
	})
	t.Run("number_taken", func(t *testing.T) {
		id := s.conflictID("number_taken", "amicas:7")
		r := decode[conflictReport](t, s.mustRun(0, "conflicts", "show", id, "--json"))
		if r.PortalRow == nil || r.PortalRow.FirstName != "Xaver" || r.Other == nil || r.Other.Number != s.vera || r.Other.Accounts[0].FirstName != "Vera" {
			t.Errorf("report=%+v portal row=%+v", r, r.PortalRow)
		}
		if text := s.mustRun(0, "conflicts", "show", id).stdout; !strings.Contains(text, "not linked to a person") || !strings.Contains(text, "Xaver Huber") {
			t.Errorf("show:\n%s", text)
		}
	})
	t.Run("errors", func(t *testing.T) {
		if r := s.mustRun(1, "conflicts", "show", "424242"); !strings.Contains(r.stderr, "not found") {
			t.Errorf("unknown id: %s", r.stderr)
		}
		s.mustRun(2, "conflicts", "show", "abc")
		s.mustRun(2, "conflicts", "show")
		s.mustRun(2, "conflicts", "bogus")
	})
}

func TestConflicts_Resolve(t *testing.T) {
	t.Parallel()
	s := newAdminSite(t)
	maier, mayer := s.number["amicas:1"], s.number["amicas:2"]
	leo, leo2 := s.number["club:2"], s.number["club:3"]

	t.Run("usage", func(t *testing.T) {
		id := s.conflictID("invalid_number", "amicas:6")
		for _, args := range [][]string{
			{"conflicts", "resolve", id, "--as", "delete"},
			{"conflicts", "resolve", id},
			{"conflicts", "resolve", "--as", "ignore"},
			{"conflicts", "resolve", id, "--as", "ignore", "--into", maier},
			{"conflicts", "resolve", id, "--as", "ignore", "--by", " "},
		} {
			s.mustRun(2, args...)
		}
		if got := scalar[string](t, s.central, `SELECT status FROM conflicts WHERE id = ?`, id); got != "open" {
			t.Errorf("a refused resolve changed the conflict to %s", got)
		}
	})
	t.Run("ignore", func(t *testing.T) {
		id := s.conflictID("invalid_number", "amicas:6")
		res := decode[central.Resolved](t, s.mustRun(0, "conflicts", "resolve", id, "--as", "ignore", "--by", "alice", "--note", "test row", "--json"))
		if res.Conflict.Status != "ignored" || res.Conflict.ResolvedBy != "alice" {
			t.Errorf("resolved=%+v", res.Conflict)
		}
		if got := scalar[string](t, s.central, `SELECT CONCAT_WS('|', status, resolution, resolved_by, note, open_key IS NULL, resolved_at IS NOT NULL) FROM conflicts WHERE id = ?`, id); got != "ignored|ignore|alice|test row|1|1" {
			t.Errorf("conflict row=%s", got)
		}
		r := s.mustRun(1, "conflicts", "resolve", id, "--as", "distinct")
		if !strings.Contains(r.stderr, "not open") || !strings.Contains(r.stderr, "ignored") || !strings.Contains(r.stderr, "alice") {
			t.Errorf("resolving twice: %s", r.stderr)
		}
	})
	t.Run("distinct", func(t *testing.T) {
		id := s.conflictID("shared_email", "amicas:4")
		anna, franz := s.number["amicas:3"], s.number["amicas:4"]
		r := s.run(s.with("SUDO_USER=carol"), "conflicts", "resolve", id, "--as", "distinct", "--note", "a couple")
		if r.code != 0 || !strings.Contains(r.stdout, "different persons") {
			t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
		}
		if got := scalar[string](t, s.central, `SELECT CONCAT_WS('|', status, resolution, resolved_by, note) FROM conflicts WHERE id = ?`, id); got != "resolved|distinct|carol|a couple" {
			t.Errorf("conflict row=%s", got)
		}
		lo, hi := min(anna, franz), max(anna, franz)
		if n := scalar[int](t, s.central, `SELECT COUNT(*) FROM distinct_pairs WHERE number_a = ? AND number_b = ? AND decided_by = 'carol' AND decided_at IS NOT NULL`, lo, hi); n != 1 {
			t.Errorf("distinct pair (%s, %s) rows=%d", lo, hi, n)
		}
		if n := scalar[int](t, s.central, `SELECT COUNT(*) FROM events WHERE kind = 'conflict_resolved' AND actor = 'carol' AND number IN (?, ?)`, anna, franz); n != 2 {
			t.Errorf("conflict_resolved events=%d, want one per person", n)
		}
		// One person only: distinct does not apply.
		if r := s.mustRun(1, "conflicts", "resolve", s.conflictID("number_taken", "amicas:7"), "--as", "distinct"); !strings.Contains(r.stderr, "not about two persons") {
			t.Errorf("distinct on number_taken: %s", r.stderr)
		}
	})
	t.Run("merge", func(t *testing.T) {
		id := s.conflictID("suspected_duplicate", "amicas:2")
		res := decode[central.Resolved](t, s.mustRun(0, "conflicts", "resolve", id, "--as", "merge", "--by", "bob", "--note", "same man", "--json"))
		if res.Survivor != maier || res.Retired != mayer || !slices.Equal(res.Moved, []string{"amicas:2"}) {
			t.Fatalf("resolved=%+v", res)
		}
		if got := scalar[string](t, s.central, `SELECT CONCAT_WS('|', number, pending_write) FROM accounts WHERE source = 'amicas' AND account_id = 2`); got != maier+"|1" {
			t.Errorf("moved account=%s, want %s|1", got, maier)
		}
		if got := scalar[string](t, s.central, `SELECT CONCAT_WS('|', status, merged_into) FROM persons WHERE number = ?`, mayer); got != "retired|"+maier {
			t.Errorf("loser=%s", got)
		}
		if n := scalar[int](t, s.central, `SELECT COUNT(*) FROM events WHERE kind = 'merged' AND actor = 'bob' AND old_value = ? AND new_value = ? AND number IN (?, ?)`, mayer, maier, mayer, maier); n != 2 {
			t.Errorf("merged events=%d, want one on each number", n)
		}
		if got := scalar[string](t, s.central, `SELECT CONCAT_WS('|', status, resolution, resolved_by, note, open_key IS NULL) FROM conflicts WHERE id = ?`, id); got != "resolved|merge|bob|same man|1" {
			t.Errorf("conflict row=%s", got)
		}
		p := decode[[]personReport](t, s.mustRun(0, "show", mayer, "--json"))
		if p[0].Status != "retired" || p[0].MergedInto != maier || len(p[0].Accounts) != 0 {
			t.Errorf("show retired=%+v", p[0].PersonView)
		}
		p = decode[[]personReport](t, s.mustRun(0, "show", maier, "--json"))
		if len(p[0].Accounts) != 2 || !slices.Equal(p[0].Merged, []string{mayer}) || !p[0].Accounts[1].PendingWrite {
			t.Errorf("show survivor=%+v", p[0].PersonView)
		}
	})
	t.Run("merge into", func(t *testing.T) {
		id := s.conflictID("suspected_duplicate", "club:3")
		s.mustRun(1, "conflicts", "resolve", id, "--as", "merge", "--into", maier)
		r := s.mustRun(0, "conflicts", "resolve", id, "--as", "merge", "--into", leo2)
		if !strings.Contains(r.stdout, leo+" retired and merged into "+leo2) {
			t.Errorf("output:\n%s", r.stdout)
		}
		if got := scalar[string](t, s.central, `SELECT number FROM accounts WHERE source = 'club' AND account_id = 2`); got != leo2 {
			t.Errorf("club:2 linked to %s, want the chosen survivor %s", got, leo2)
		}
		if got := scalar[string](t, s.central, `SELECT CONCAT_WS('|', status, merged_into) FROM persons WHERE number = ?`, leo); got != "retired|"+leo2 {
			t.Errorf("loser=%s", got)
		}
	})
	t.Run("merge links an unlinked account", func(t *testing.T) {
		id := s.conflictID("number_taken", "amicas:7")
		r := s.mustRun(0, "conflicts", "resolve", id, "--as", "merge")
		if !strings.Contains(r.stdout, "amicas:7 linked to "+s.vera) {
			t.Errorf("output:\n%s", r.stdout)
		}
		if got := scalar[string](t, s.central, `SELECT CONCAT_WS('|', number, pending_write, last_name) FROM accounts WHERE source = 'amicas' AND account_id = 7`); got != s.vera+"|1|Huber" {
			t.Errorf("linked account=%s", got)
		}
	})
	// That a retired number is never handed out again, even where the
	// sequence reaches it, is TestStore_RetiredNumberSkippedByTheSequence.
	t.Run("the next pass writes the survivors' numbers", func(t *testing.T) {
		testdb.InsertFeUsers(t, s.portals["amicas"], []testdb.FeUser{
			{Username: "n1", Email: "n1@example.at", FirstName: "Nora", LastName: "Neu"},
			{Username: "n2", Email: "n2@example.at", FirstName: "Nils", LastName: "Nachzügler"},
			{Username: "n3", Email: "n3@example.at", FirstName: "Nina", LastName: "Nachbar"},
		})
		s.mustRun(0, "once")
		for uid, row := range s.rows("amicas") {
			if uid > 7 && (row.number == "" || row.number == mayer || row.number == leo) {
				t.Errorf("new registration %d got %q", uid, row.number)
			}
		}
		// The next pass wrote the survivors' values into the moved rows.
		amicas, club := s.rows("amicas"), s.rows("club")
		for _, c := range []struct {
			row  portalRow
			want string
		}{{amicas[2], maier}, {club[2], leo2}, {amicas[7], s.vera}} {
			pe := scalar[string](t, s.central, `SELECT pe_id FROM persons WHERE number = ?`, c.want)
			if c.row.number != c.want || c.row.pe != pe {
				t.Errorf("row %d after the pass: %+v, want %s with the survivor's ids", c.row.uid, c.row, c.want)
			}
		}
		if n := scalar[int](t, s.central, `SELECT COUNT(*) FROM accounts WHERE pending_write = 1`); n != 0 {
			t.Errorf("%d rewrites still due after the pass", n)
		}
		for _, n := range []string{mayer, leo} {
			if got := scalar[string](t, s.central, `SELECT CONCAT_WS('|', COUNT(*), MIN(status)) FROM persons WHERE number = ?`, n); got != "1|retired" {
				t.Errorf("retired %s: %s", n, got)
			}
		}
	})
}
