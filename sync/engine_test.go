package keysync_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"

	"keysync/internal/testdb"
	keysync "keysync/sync"
)

func TestEngine_PassNumbersEveryone(t *testing.T) {
	t.Parallel()
	r := mustRig(t, nil)
	p := r.Typo3(t, "amicas")
	const n = 1200
	uids := testdb.InsertFeUsers(t, p.DB, testdb.GenerateFeUsers(11, n))

	c := r.MustPass(t, p.Portal)
	// The generated members are all different people, but a few share a
	// name and a town; whether such pairs are worth a review is the
	// matcher's business, and nothing else about these rows is a conflict.
	if want := (keysync.Counts{Assigned: n, Written: n, Conflicts: c.Conflicts}); c != want {
		t.Fatalf("first pass=%+v, want %+v", c, want)
	}
	if got := r.MustCount(t, "conflicts", "kind <> 'suspected_duplicate'"); got != 0 {
		t.Errorf("%d conflicts other than suspected duplicates", got)
	}
	rows := p.MustRows(t)
	numbers, pes := map[string]bool{}, map[string]bool{}
	for _, uid := range uids {
		v := rows[uid]
		if err := r.Num.Number.Validate(v.Number); err != nil {
			t.Fatalf("row %d: number %q: %v", uid, v.Number, err)
		}
		if numbers[v.Number] || pes[v.PE] || v.HH == "" || v.PE == "" {
			t.Fatalf("row %d=%+v: want a unique number and PE and a household", uid, v)
		}
		numbers[v.Number], pes[v.PE] = true, true
		if got := r.Linked(t, "amicas", uid); got != v.Number {
			t.Fatalf("row %d holds %q, the central link says %q", uid, v.Number, got)
		}
	}
	if got, want := r.MustSequence(t, "customer"), uint64(numberStart+n); got != want {
		t.Errorf("customer sequence=%d, want %d", got, want)
	}
	for table, want := range map[string]int{"persons": n, "accounts": n, "conflicts": c.Conflicts} {
		if got := r.MustCount(t, table, ""); got != want {
			t.Errorf("%s rows=%d, want %d", table, got, want)
		}
	}
	if got, want := r.MustCount(t, "accounts", "written_at IS NULL"), 0; got != want {
		t.Errorf("accounts not marked written=%d, want %d", got, want)
	}
	if got, err := r.Store.Watermark(t.Context(), "amicas"); err != nil || got != uids[n-1] {
		t.Errorf("watermark=%d, %v, want the last uid %d", got, err, uids[n-1])
	}

	if c := r.MustPass(t, p.Portal); c != (keysync.Counts{}) {
		t.Errorf("second pass=%+v, want nothing done", c)
	}
	if got, want := r.MustCount(t, "events", ""), 2*n+c.Conflicts; got != want {
		t.Errorf("events=%d, want %d (assigned and written, once each, and the conflicts)", got, want)
	}
}

var errCrash = errors.New("portal connection lost")

func TestEngine_CrashBeforeWriteBack(t *testing.T) {
	t.Parallel()
	r := mustRig(t, nil)
	p := r.Typo3(t, "amicas")
	uids := testdb.InsertFeUsers(t, p.DB, []testdb.FeUser{
		user("anna", "Anna", "Gruber", "anna@example.at"),
		user("bert", "Bert", "Huber", "bert@example.at"),
	})
	failures := 1
	crashing := keysync.Portal{Country: "AT", Source: &hookSource{Source: p.Source, beforeWriteBack: func(context.Context, []keysync.Write) error {
		if failures > 0 {
			failures--
			return errCrash
		}
		return nil
	}}}

	if _, err := r.Engine.Pass(t.Context(), t.Context(), crashing); !errors.Is(err, errCrash) || !strings.Contains(err.Error(), "amicas") {
		t.Fatalf("Pass=%v, want the write-back error naming the source", err)
	}
	// The links are committed before anything is written.
	linked := map[uint64]string{}
	for _, uid := range uids {
		if linked[uid] = r.Linked(t, "amicas", uid); linked[uid] == "" {
			t.Fatalf("row %d not linked after the crash", uid)
		}
		if got := p.MustRow(t, uid); got != (ids{}) {
			t.Fatalf("row %d=%+v after the failed write-back, want it empty", uid, got)
		}
	}

	c := r.MustPass(t, crashing)
	if want := (keysync.Counts{Written: 2}); c != want {
		t.Errorf("pass after the crash=%+v, want %+v", c, want)
	}
	for _, uid := range uids {
		if got := p.MustRow(t, uid).Number; got != linked[uid] {
			t.Errorf("row %d=%q, want the number linked before the crash %q", uid, got, linked[uid])
		}
	}
	if got, want := r.MustCount(t, "persons", ""), 2; got != want {
		t.Errorf("persons=%d, want %d: no second number", got, want)
	}
	if got, want := r.MustSequence(t, "customer"), uint64(numberStart+2); got != want {
		t.Errorf("customer sequence=%d, want %d", got, want)
	}
	if c := r.MustPass(t, crashing); c != (keysync.Counts{}) {
		t.Errorf("third pass=%+v, want nothing done", c)
	}
}

func TestEngine_AdminTypesNumberMeanwhile(t *testing.T) {
	t.Parallel()
	r := mustRig(t, nil)
	p := r.Typo3(t, "amicas")
	uids := testdb.InsertFeUsers(t, p.DB, []testdb.FeUser{
		user("anna", "Anna", "Gruber", "anna@example.at"),
		user("bert", "Bert", "Huber", "bert@example.at"),
	})
	admin := keysync.Portal{Country: "AT", Source: &hookSource{Source: p.Source, beforeWriteBack: func(context.Context, []keysync.Write) error {
		testdb.MustExec(t, p.DB, "UPDATE fe_users SET tx_keysync_customer_number = 'ADMIN-7' WHERE uid = ?", uids[0])
		return nil
	}}}

	c := r.MustPass(t, admin)
	if want := (keysync.Counts{Assigned: 2, Written: 1, Conflicts: 1}); c != want {
		t.Errorf("pass=%+v, want %+v", c, want)
	}
	anna := p.MustRow(t, uids[0])
	if anna.Number != "ADMIN-7" || anna.HH == "" || anna.PE == "" {
		t.Errorf("Anna's row=%+v, want the admin's number kept and the ids filled in", anna)
	}
	want := r.Linked(t, "amicas", uids[0])
	if got := r.MustCount(t, "conflicts", "kind = 'writeback_mismatch' AND source = 'amicas' AND account_id = ? AND value = 'ADMIN-7' AND number = ?", uids[0], want); got != 1 {
		t.Errorf("writeback_mismatch conflicts=%d, want 1", got)
	}
	if got := r.MustCount(t, "accounts", "account_id = ? AND written_at IS NOT NULL", uids[0]); got != 0 {
		t.Errorf("Anna's account is marked written")
	}
	if got := p.MustRow(t, uids[1]).Number; got != r.Linked(t, "amicas", uids[1]) {
		t.Errorf("Bert's row=%q, want his number", got)
	}
	if c := r.MustPass(t, p.Portal); c != (keysync.Counts{}) {
		t.Errorf("second pass=%+v, want nothing done", c)
	}
}

func TestEngine_RowRemovedBeforeWriteBack(t *testing.T) {
	t.Parallel()
	r := mustRig(t, nil)
	p := r.Typo3(t, "amicas")
	uids := testdb.InsertFeUsers(t, p.DB, []testdb.FeUser{user("anna", "Anna", "Gruber", "anna@example.at"), user("bert", "Bert", "Huber", "bert@example.at")})
	removing := keysync.Portal{Country: "AT", Source: &hookSource{Source: p.Source, beforeWriteBack: func(context.Context, []keysync.Write) error {
		testdb.MustExec(t, p.DB, "DELETE FROM fe_users WHERE uid = ?", uids[0])
		return nil
	}}}

	c := r.MustPass(t, removing)
	if want := (keysync.Counts{Assigned: 2, Written: 1, Skipped: 1}); c != want {
		t.Errorf("pass=%+v, want %+v", c, want)
	}
	if got, want := r.MustCount(t, "accounts", "written_at IS NOT NULL"), 1; got != want {
		t.Errorf("accounts marked written=%d, want %d", got, want)
	}
}

func TestEngine_DoubleOptIn(t *testing.T) {
	t.Parallel()
	r := mustRig(t, nil)
	p := r.Typo3(t, "amicas")
	waiting := user("eva", "Eva", "Berger", "eva@example.at")
	waiting.Disable = 1
	uid := testdb.InsertFeUsers(t, p.DB, []testdb.FeUser{waiting})[0]

	if c := r.MustPass(t, p.Portal); c != (keysync.Counts{}) {
		t.Fatalf("pass over an unconfirmed row=%+v, want nothing done", c)
	}
	if got := p.MustRow(t, uid); got != (ids{}) || r.Linked(t, "amicas", uid) != "" {
		t.Fatalf("unconfirmed row=%+v, linked %q, want nothing", got, r.Linked(t, "amicas", uid))
	}

	testdb.MustExec(t, p.DB, "UPDATE fe_users SET disable = 0, tstamp = ? WHERE uid = ?", now.Unix(), uid)
	if c, want := r.MustPass(t, p.Portal), (keysync.Counts{Assigned: 1, Written: 1}); c != want {
		t.Fatalf("pass after the confirmation=%+v, want %+v", c, want)
	}
	if got := p.MustRow(t, uid).Number; got == "" || got != r.Linked(t, "amicas", uid) {
		t.Errorf("confirmed row's number=%q, want its linked number", got)
	}
}

func TestEngine_AdoptsTypedNumbers(t *testing.T) {
	t.Parallel()
	r := mustRig(t, nil)
	p := r.Typo3(t, "amicas")
	letter, err := r.Num.Number.Format(5000, "")
	if err != nil {
		t.Fatal(err)
	}
	uids := testdb.InsertFeUsers(t, p.DB, []testdb.FeUser{
		user("anna", "Anna", "Gruber", "anna@example.at"),
		user("bert", "Bert", "Huber", "bert@example.at"),
	})
	testdb.MustExec(t, p.DB, "UPDATE fe_users SET tx_keysync_customer_number = ? WHERE uid = ?", letter, uids[0])
	testdb.MustExec(t, p.DB, "UPDATE fe_users SET tx_keysync_customer_number = '12345678' WHERE uid = ?", uids[1])

	if c, want := r.MustPass(t, p.Portal), (keysync.Counts{Adopted: 1, Conflicts: 1}); c != want {
		t.Errorf("pass=%+v, want %+v", c, want)
	}
	if got := p.MustRow(t, uids[0]); got.Number != letter || got.HH == "" || got.PE == "" {
		t.Errorf("row with a valid number=%+v, want %q kept and the ids filled in", got, letter)
	}
	if got := p.MustRow(t, uids[1]); got != (ids{Number: "12345678"}) {
		t.Errorf("row with an invalid number=%+v, want it untouched", got)
	}
	if got := r.MustCount(t, "conflicts", "kind = 'invalid_number' AND account_id = ?", uids[1]); got != 1 {
		t.Errorf("invalid_number conflicts=%d, want 1", got)
	}
	// Still open on the next pass, not reported again.
	if c := r.MustPass(t, p.Portal); c != (keysync.Counts{}) {
		t.Errorf("second pass=%+v, want nothing done", c)
	}
}

func TestEngine_DryRun(t *testing.T) {
	t.Parallel()
	var log bytes.Buffer
	r := mustRig(t, &log)
	p := r.Typo3(t, "amicas")
	users := testdb.GenerateFeUsers(5, 20)
	uids := testdb.InsertFeUsers(t, p.DB, users)
	testdb.MustExec(t, p.DB, "UPDATE fe_users SET tx_keysync_customer_number = 'nonsense' WHERE uid = ?", uids[3])
	r.Engine.DryRun = true

	c := r.MustPass(t, p.Portal)
	if want := (keysync.Counts{Assigned: 19, Conflicts: 1}); c != want {
		t.Errorf("dry pass=%+v, want %+v", c, want)
	}
	for uid, v := range p.MustRows(t) {
		if uid != uids[3] && v != (ids{}) {
			t.Errorf("row %d=%+v after a dry run, want it empty", uid, v)
		}
	}
	for _, table := range []string{"persons", "accounts", "households", "events", "conflicts", "source_state"} {
		if got := r.MustCount(t, table, ""); got != 0 {
			t.Errorf("%s rows after a dry run=%d, want 0", table, got)
		}
	}
	if got, want := r.MustSequence(t, "customer"), uint64(numberStart); got != want {
		t.Errorf("customer sequence after a dry run=%d, want %d", got, want)
	}

	// What the dry run said it would write is what a real run writes.
	would := map[uint64]string{}
	for line := range strings.Lines(log.String()) {
		var rec struct {
			Msg    string `json:"msg"`
			UID    uint64 `json:"uid"`
			Number string `json:"number"`
			DryRun bool   `json:"dry_run"`
		}
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		if rec.Msg == "would write number" && rec.DryRun {
			would[rec.UID] = rec.Number
		}
	}
	if got, want := len(would), 19; got != want {
		t.Fatalf("dry run logged %d writes, want %d", got, want)
	}
	r.Engine.DryRun = false
	r.MustPass(t, p.Portal)
	rows := p.MustRows(t)
	for uid, n := range would {
		if got := rows[uid].Number; got != n {
			t.Errorf("row %d: dry run said %q, real run wrote %q", uid, n, got)
		}
	}
}

func TestEngine_SamePersonOnTwoPortals(t *testing.T) {
	t.Parallel()
	r := mustRig(t, nil)
	amicas, club := r.Typo3(t, "amicas"), r.Typo3(t, "club")
	hans := user("hans", "Hans", "Müller", "hans.mueller@example.at")
	hans.Address, hans.Zip, hans.City, hans.Country = "Hauptstraße 10/4/15", "1010", "Wien", "Österreich"
	hansUID := testdb.InsertFeUsers(t, amicas.DB, []testdb.FeUser{hans, user("eva", "Eva", "Berger", "eva@example.at")})[0]
	clubUIDs := testdb.InsertFeUsers(t, club.DB, []testdb.FeUser{
		user("eva.b", "Ewa", "Nowak", "other@example.at"),
		// Hans's wife, sharing his mailbox.
		user("maria", "Maria", "Müller", "hans.mueller@example.at"),
		// Hans again, as the club's form spelled him.
		user("johann", "Johann", "Mueller", "Hans.Mueller@EXAMPLE.at"),
	})

	r.MustPass(t, amicas.Portal)
	if c, want := r.MustPass(t, club.Portal), (keysync.Counts{Assigned: 2, Linked: 1, Written: 3, Conflicts: 1}); c != want {
		t.Errorf("club pass=%+v, want %+v", c, want)
	}
	h, m, j := amicas.MustRow(t, hansUID), club.MustRow(t, clubUIDs[1]), club.MustRow(t, clubUIDs[2])
	if j != h {
		t.Errorf("Johann on club=%+v, want Hans's %+v", j, h)
	}
	if m.Number == h.Number || m.PE == h.PE || m.HH != h.HH {
		t.Errorf("Maria=%+v, want her own number and PE in Hans's household %q", m, h.HH)
	}
	if got := r.MustCount(t, "conflicts", "kind = 'shared_email' AND source = 'club' AND account_id = ? AND number = ?", clubUIDs[1], h.Number); got != 1 {
		t.Errorf("shared_email conflicts=%d, want 1", got)
	}
	if got := r.MustCount(t, "accounts", "number = ?", h.Number); got != 2 {
		t.Errorf("accounts with Hans's number=%d, want 2", got)
	}
	var numbers []string
	for _, rows := range []map[uint64]ids{amicas.MustRows(t), club.MustRows(t)} {
		for _, v := range rows {
			numbers = append(numbers, v.Number)
		}
	}
	slices.Sort(numbers)
	if got, want := len(slices.Compact(numbers)), 4; got != want {
		t.Errorf("distinct numbers=%d (%q), want %d", got, numbers, want)
	}
}

func TestEngine_SourceErrors(t *testing.T) {
	t.Parallel()
	r := mustRig(t, nil)
	p := r.Typo3(t, "amicas")
	testdb.MustExec(t, p.DB, "DROP TABLE fe_users")

	_, err := r.Engine.Pass(t.Context(), t.Context(), p.Portal)
	// The first read of a pass is where its changes start.
	if err == nil || !strings.HasPrefix(err.Error(), "amicas: read the latest change: ") {
		t.Errorf("Pass over a dropped table=%v, want a read error naming the source", err)
	}
}
