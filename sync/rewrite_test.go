package keysync_test

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"strings"
	"testing"

	"keysync/internal/centraltest"
	"keysync/internal/testdb"
)

// TestEngine_RewritesAfterMerge: when the central store moves an account
// to another person (a merge) and flags it, the next pass replaces the
// retired number in the portal row by the survivor's, compare-and-set, and
// clears the flag; a flagged row whose value was removed (a repair) gets
// the central value back.
func TestEngine_RewritesAfterMerge(t *testing.T) {
	var logs bytes.Buffer
	r := mustRig(t, &logs)
	p := r.Typo3(t, "amicas")
	testdb.InsertFeUsers(t, p.DB, []testdb.FeUser{
		{Username: "a", Email: "anna@gmx.at", FirstName: "Anna", LastName: "Gruber"},
		{Username: "b", Email: "anna.gruber@aon.at", FirstName: "Anna", LastName: "Gruber"},
		{Username: "c", Email: "carl@aon.at", FirstName: "Carl", LastName: "Berger"},
	})
	r.MustPass(t, p.Portal)
	numbers := map[int]string{}
	for uid := 1; uid <= 3; uid++ {
		numbers[uid] = mustScalar[string](t, p.DB, `SELECT tx_keysync_customer_number FROM fe_users WHERE uid = ?`, uid)
	}
	survivor, loser := numbers[1], numbers[2]

	// What a merge of uid 2's person into uid 1's does centrally.
	testdb.MustExec(t, r.DB, `UPDATE persons SET status = 'retired', merged_into = ? WHERE number = ?`, survivor, loser)
	r.EditAccounts(t, `UPDATE accounts SET number = ?, pending_write = 1 WHERE number = ?`, survivor, loser)
	// And a repair: a removed person id, flagged for rewriting.
	pe3 := mustScalar[string](t, p.DB, `SELECT tx_keysync_wibisoft_pe_id FROM fe_users WHERE uid = 3`)
	testdb.MustExec(t, p.DB, `UPDATE fe_users SET tx_keysync_wibisoft_pe_id = '' WHERE uid = 3`)
	r.EditAccounts(t, `UPDATE accounts SET pending_write = 1 WHERE source = 'amicas' AND account_id = 3`)

	c := r.MustPass(t, p.Portal)
	if got := mustScalar[string](t, p.DB, `SELECT tx_keysync_customer_number FROM fe_users WHERE uid = 2`); got != survivor {
		t.Errorf("uid 2 holds %s, want the survivor %s", got, survivor)
	}
	hh := mustScalar[string](t, p.DB, `SELECT tx_keysync_wibisoft_hh_id FROM fe_users WHERE uid = 1`)
	if got := mustScalar[string](t, p.DB, `SELECT tx_keysync_wibisoft_hh_id FROM fe_users WHERE uid = 2`); got != hh {
		t.Errorf("uid 2 household %s, want the survivor's %s", got, hh)
	}
	if got := mustScalar[string](t, p.DB, `SELECT tx_keysync_wibisoft_pe_id FROM fe_users WHERE uid = 3`); got != pe3 {
		t.Errorf("uid 3 person id %q, want %q back", got, pe3)
	}
	if got := r.MustCount(t, "accounts", "pending_write = 1"); got != 0 {
		t.Errorf("%d accounts still flagged", got)
	}
	if got := r.MustCount(t, "events", "kind = 'rewritten' AND account_id = 2 AND old_value = ? AND new_value = ?", loser, survivor); got != 1 {
		t.Errorf("rewritten events = %d, want 1", got)
	}
	if c.Written < 1 {
		t.Errorf("counts = %+v", c)
	}
	// The loser's number is written nowhere any more.
	if got := centraltest.MustCount(t, p.DB, "fe_users", "tx_keysync_customer_number = ?", loser); got != 0 {
		t.Errorf("retired number still in %d rows", got)
	}
	// A second pass has nothing left to rewrite.
	if c := r.MustPass(t, p.Portal); c.Written != 0 {
		t.Errorf("second pass wrote %d", c.Written)
	}

	// A new row that carries the retired number (an old letter typed in)
	// belongs to the survivor and gets the survivor's number: the value
	// typed in is replaced, but never silently. The history keeps the old
	// and the new number and why, and a log line says the same.
	testdb.InsertFeUsers(t, p.DB, []testdb.FeUser{{UID: 10, Username: "a2", Email: "a.gruber@gmx.at", FirstName: "Anna", LastName: "Gruber"}})
	testdb.MustExec(t, p.DB, `UPDATE fe_users SET tx_keysync_customer_number = ? WHERE uid = 10`, loser)
	logs.Reset()
	r.MustPass(t, p.Portal)
	if got := mustScalar[string](t, p.DB, `SELECT tx_keysync_customer_number FROM fe_users WHERE uid = 10`); got != survivor {
		t.Errorf("row with the retired number holds %s, want the survivor %s", got, survivor)
	}
	if got := r.MustCount(t, "accounts", "account_id = 10 AND number = ?", survivor); got != 1 {
		t.Errorf("row with the retired number not linked to the survivor")
	}
	why := "the row carries " + loser + ", retired and merged into " + survivor
	if got := r.MustCount(t, "events", "kind = 'rewritten' AND account_id = 10 AND old_value = ? AND new_value = ? AND detail LIKE ?", loser, survivor, why+"%"); got != 1 {
		t.Errorf("rewritten events of the typed retired number = %d, want 1 with old, new and why", got)
	}
	var line struct{ Msg, Old, Number, Reason string }
	for _, text := range strings.Split(logs.String(), "\n") {
		if strings.Contains(text, `"msg":"number rewritten"`) && strings.Contains(text, `"uid":10`) {
			if err := json.Unmarshal([]byte(text), &line); err != nil {
				t.Fatal(err)
			}
		}
	}
	if line.Old != loser || line.Number != survivor || line.Reason != why {
		t.Errorf("log line of the rewrite %+v, want old %s, number %s, reason %q:\n%s", line, loser, survivor, why, logs.String())
	}
}

func mustScalar[T any](tb testing.TB, db interface {
	QueryRow(string, ...any) *sql.Row
}, q string, args ...any) T {
	tb.Helper()
	var v T
	if err := db.QueryRow(q, args...).Scan(&v); err != nil {
		tb.Fatalf("%s: %v", q, err)
	}
	return v
}
