package reconcile_test

import (
	"errors"
	"io"
	"log/slog"
	"maps"
	"testing"
	"time"

	"keysync/internal/testdb"
	keysync "keysync/sync"
	"keysync/sync/reconcile"
)

// reconciler returns a reconciler on the rig's store with a small batch,
// so that every test walks several pages.
func (r *rig) reconciler(batch int) *reconcile.Reconciler {
	return &reconcile.Reconciler{Store: r.Store, BatchSize: batch, ReadSize: batch, Logger: slog.New(slog.NewJSONHandler(io.Discard, nil)),
		Now: func() time.Time { return now }}
}

func (r *rig) mustReconcile(tb testing.TB, rc *reconcile.Reconciler, p keysync.Portal, repair bool) reconcile.Report {
	tb.Helper()
	rep, err := rc.Run(tb.Context(), p, repair)
	if err != nil {
		tb.Fatalf("reconcile %s (repair %v): %v", p.Source.Name(), repair, err)
	}
	return rep
}

func (r *rig) status(tb testing.TB, source string, id uint64) string {
	tb.Helper()
	var s string
	if err := r.DB.QueryRowContext(tb.Context(), "SELECT status FROM accounts WHERE source = ? AND account_id = ?", source, id).Scan(&s); err != nil {
		tb.Fatalf("status of %s:%d: %v", source, id, err)
	}
	return s
}

func wantCounts[K comparable](tb testing.TB, what string, got, want map[K]int) {
	tb.Helper()
	for k, v := range got {
		if v == 0 {
			delete(got, k)
		}
	}
	if !maps.Equal(got, want) {
		tb.Errorf("%s=%v, want %v", what, got, want)
	}
}

// TestReconciler_TYPO3DriftAndRepair puts every kind of drift into a
// numbered portal, reconciles without and then with repair, and checks the
// report, the portal and the central record after each.
func TestReconciler_TYPO3DriftAndRepair(t *testing.T) {
	t.Parallel()
	r := mustRig(t, nil)
	p := r.Typo3(t, "amicas")
	var users []testdb.FeUser
	for _, n := range [][2]string{{"Anna", "Gruber"}, {"Bert", "Huber"}, {"Clara", "Wagner"}, {"Dieter", "Pichler"},
		{"Eva", "Steiner"}, {"Franz", "Moser"}, {"Gerda", "Mayer"}, {"Hans", "Bauer"}, {"Ida", "Hofer"},
		{"Josef", "Leitner"}, {"Karin", "Berger"}, {"Lukas", "Fuchs"}} {
		users = append(users, user(n[0], n[0], n[1], n[0]+"@example.at"))
	}
	uids := testdb.InsertFeUsers(t, p.DB, users)
	r.MustPass(t, p.Portal)
	num := func(uid uint64) string { return r.Linked(t, "amicas", uid) }
	before := p.MustRows(t)

	removed, edited, hhEdited, disabled, deleted, gone, expired, missing, peEdited := uids[0], uids[1], uids[2], uids[3], uids[4], uids[5], uids[6], uids[7], uids[8]
	free, _ := r.Num.Number.Format(5000, "")
	other, _ := r.Num.Number.Format(6000, "")
	set := func(uid uint64, col, v string) {
		testdb.MustExec(t, p.DB, "UPDATE fe_users SET "+col+" = ? WHERE uid = ?", v, uid)
	}
	set(removed, "tx_keysync_customer_number", "")
	set(edited, "tx_keysync_customer_number", other)
	set(hhEdited, "tx_keysync_wibisoft_hh_id", "9999999")
	set(peEdited, "tx_keysync_wibisoft_pe_id", "77777777")
	testdb.MustExec(t, p.DB, "UPDATE fe_users SET disable = 1 WHERE uid = ?", disabled)
	testdb.MustExec(t, p.DB, "UPDATE fe_users SET deleted = 1 WHERE uid = ?", deleted)
	testdb.MustExec(t, p.DB, "DELETE FROM fe_users WHERE uid = ?", gone)
	testdb.MustExec(t, p.DB, "UPDATE fe_users SET endtime = ? WHERE uid = ?", now.Unix()-10, expired)
	// A crash between the central commit and the write-back.
	testdb.MustExec(t, p.DB, "UPDATE fe_users SET tx_keysync_customer_number = '', tx_keysync_wibisoft_hh_id = '', tx_keysync_wibisoft_pe_id = '' WHERE uid = ?", missing)
	r.EditAccounts(t, "UPDATE accounts SET written_at = NULL WHERE source = 'amicas' AND account_id = ?", missing)

	// Rows with numbers keysync does not know: free, invalid, another
	// person's, and the person's own number on a second row.
	extra := testdb.InsertFeUsers(t, p.DB, []testdb.FeUser{
		user("xaver", "Xaver", "Unbekannt", "xaver@example.at"),
		user("yvonne", "Yvonne", "Falsch", "yvonne@example.at"),
		user("zora", "Zora", "Fremd", "zora@example.at"),
		user("karin2", "Karin", "Berger", "karin.b@example.at"),
	})
	adopt, invalid, taken, second := extra[0], extra[1], extra[2], extra[3]
	set(adopt, "tx_keysync_customer_number", free)
	set(invalid, "tx_keysync_customer_number", "12345678X")
	set(taken, "tx_keysync_customer_number", num(uids[9]))
	set(second, "tx_keysync_customer_number", num(uids[10]))

	rc := r.reconciler(4)
	rep := r.mustReconcile(t, rc, p.Portal, false)
	if rep.Status != reconcile.StatusConflicts || rep.Rows != 15 || rep.Links != 12 || !rep.Duplicates {
		t.Errorf("report=%+v", rep)
	}
	wantCounts(t, "found", rep.Found, map[reconcile.Drift]int{
		reconcile.DriftNumberRemoved: 1, reconcile.DriftNumberEdited: 1, reconcile.DriftWibisoft: 2,
		reconcile.DriftInactive: 2, reconcile.DriftDeleted: 1, reconcile.DriftGone: 1,
		// the crashed write-back, and the ids the adopted and linked rows lack
		reconcile.DriftMissingWriteBack: 3,
		reconcile.DriftUnknownNumber:    4, reconcile.DriftDuplicate: 2,
	})
	wantCounts(t, "repaired", rep.Repaired, map[reconcile.Drift]int{
		reconcile.DriftUnknownNumber: 2, reconcile.DriftInactive: 2, reconcile.DriftDeleted: 1, reconcile.DriftGone: 1,
	})
	wantCounts(t, "conflicts", rep.Conflicts, map[keysync.ConflictKind]int{
		keysync.ConflictNumberMismatch: 2, keysync.ConflictWibisoftMismatch: 2, keysync.ConflictInvalidNumber: 1,
		keysync.ConflictNumberTaken: 1, keysync.ConflictDuplicateNumber: 2,
	})
	if rep.NewConflicts != 8 {
		t.Errorf("new conflicts=%d, want 8", rep.NewConflicts)
	}
	// Without repair the portal is not written to.
	after := p.MustRows(t)
	for _, uid := range uids {
		if b, a := before[uid], after[uid]; uid != gone && a != b && uid != removed && uid != edited && uid != hhEdited && uid != peEdited && uid != missing {
			t.Errorf("row %d changed without repair: %+v -> %+v", uid, b, a)
		}
	}
	if got := after[removed].Number; got != "" {
		t.Errorf("removed number written without repair: %q", got)
	}
	for uid, want := range map[uint64]string{disabled: "inactive", expired: "inactive", deleted: "deleted", gone: "gone", uids[0]: "active"} {
		if got := r.status(t, "amicas", uid); got != want {
			t.Errorf("status of %d=%q, want %q", uid, got, want)
		}
	}
	if got := r.MustCount(t, "accounts", "source = 'amicas' AND deleted_at IS NOT NULL"); got != 2 {
		t.Errorf("accounts with deleted_at=%d, want 2 (deleted and gone)", got)
	}
	for kind, want := range map[string]int{"account_inactive": 2, "account_deleted": 1, "account_gone": 1, "adopted": 1, "linked": 1} {
		if got := r.MustCount(t, "events", "kind = ?", kind); got != want {
			t.Errorf("%s events=%d, want %d", kind, got, want)
		}
	}
	if got := r.Linked(t, "amicas", adopt); got != free {
		t.Errorf("unknown free number: linked %q, want it adopted %q", got, free)
	}
	if got := r.Linked(t, "amicas", second); got != num(uids[10]) {
		t.Errorf("the person's own number on a second row: linked %q, want %q", got, num(uids[10]))
	}
	if got := r.MustCount(t, "conflicts", "kind = 'duplicate_number' AND status = 'open' AND account_id IN (?, ?)", taken, second); got != 2 {
		t.Errorf("duplicate_number conflicts on the second rows=%d, want 2", got)
	}
	if got := r.MustCount(t, "conflicts", "kind = 'duplicate_number' AND account_id IN (?, ?)", uids[9], uids[10]); got != 0 {
		t.Errorf("the rows the numbers belong to got duplicate_number conflicts")
	}
	if got := r.MustCount(t, "reconciliations", "source = 'amicas' AND status = 'conflicts' AND repair = 0 AND finished_at IS NOT NULL AND report LIKE '%number_edited%'"); got != 1 {
		t.Errorf("stored reports=%d, want 1", got)
	}

	// With repair: the portal gets the central values back.
	rep = r.mustReconcile(t, rc, p.Portal, true)
	wantCounts(t, "found with repair", rep.Found, map[reconcile.Drift]int{
		reconcile.DriftNumberRemoved: 1, reconcile.DriftNumberEdited: 1, reconcile.DriftWibisoft: 2,
		reconcile.DriftMissingWriteBack: 3, reconcile.DriftUnknownNumber: 2, reconcile.DriftDuplicate: 2,
	})
	wantCounts(t, "repaired with repair", rep.Repaired, map[reconcile.Drift]int{
		reconcile.DriftNumberRemoved: 1, reconcile.DriftNumberEdited: 1, reconcile.DriftWibisoft: 2, reconcile.DriftMissingWriteBack: 3,
	})
	wantCounts(t, "conflicts with repair", rep.Conflicts, map[keysync.ConflictKind]int{
		keysync.ConflictInvalidNumber: 1, keysync.ConflictNumberTaken: 1, keysync.ConflictDuplicateNumber: 2,
	})
	if rep.NewConflicts != 0 || rep.Resolved != 4 || rep.Status != reconcile.StatusConflicts {
		t.Errorf("report with repair=%+v, want no new conflicts, 4 resolved", rep)
	}
	after = p.MustRows(t)
	for _, uid := range []uint64{removed, edited, hhEdited, peEdited, missing} {
		if got, want := after[uid], before[uid]; got != want {
			t.Errorf("row %d=%+v after repair, want %+v", uid, got, want)
		}
	}
	for _, uid := range []uint64{adopt, second} {
		if got := after[uid]; got.HH == "" || got.PE == "" {
			t.Errorf("row %d=%+v: ids not written", uid, got)
		}
	}
	if got := after[taken].Number; got != num(uids[9]) {
		t.Errorf("a conflicting value was touched: %q", got)
	}
	if got := r.MustCount(t, "events", "kind = 'repaired' AND account_id = ? AND old_value = ? AND new_value = ?", edited, other, before[edited].Number); got != 1 {
		t.Errorf("repaired events of the edited number=%d, want 1 keeping the old value", got)
	}
	if got := r.MustCount(t, "events", "kind = 'repaired'"); got != 4 {
		t.Errorf("repaired events=%d, want 4", got)
	}
	if got := r.MustCount(t, "conflicts", "status = 'resolved' AND resolution = 'reconciled' AND kind IN ('number_mismatch', 'wibisoft_mismatch') AND open_key IS NULL"); got != 4 {
		t.Errorf("resolved mismatch conflicts=%d, want 4", got)
	}

	// An account that comes back, and nothing else new.
	testdb.MustExec(t, p.DB, "UPDATE fe_users SET disable = 0 WHERE uid = ?", disabled)
	rep = r.mustReconcile(t, rc, p.Portal, true)
	wantCounts(t, "found after return", rep.Found, map[reconcile.Drift]int{
		reconcile.DriftReactivated: 1, reconcile.DriftUnknownNumber: 2, reconcile.DriftDuplicate: 2,
	})
	wantCounts(t, "repaired after return", rep.Repaired, map[reconcile.Drift]int{reconcile.DriftReactivated: 1})
	if got := r.status(t, "amicas", disabled); got != "active" {
		t.Errorf("status of the returned account=%q", got)
	}
	if rep.NewConflicts != 0 || rep.Resolved != 0 {
		t.Errorf("third run=%+v", rep)
	}

	// The admin clears the invalid value: its conflict closes.
	set(invalid, "tx_keysync_customer_number", "")
	rep = r.mustReconcile(t, rc, p.Portal, false)
	if rep.Resolved != 1 || rep.Conflicts[keysync.ConflictInvalidNumber] != 0 {
		t.Errorf("after the fix: %+v", rep)
	}
}

// TestReconciler_Clean walks a consistent portal: nothing found, nothing
// written, a clean report.
func TestReconciler_Clean(t *testing.T) {
	t.Parallel()
	r := mustRig(t, nil)
	p := r.Typo3(t, "amicas")
	const n = 25
	testdb.InsertFeUsers(t, p.DB, testdb.GenerateFeUsers(7, n))
	r.MustPass(t, p.Portal)
	events := r.MustCount(t, "events", "")
	for _, batch := range []int{1, 7, 25, 500} {
		rc := r.reconciler(batch)
		rc.ReadSize = 2 * batch
		rep := r.mustReconcile(t, rc, p.Portal, true)
		if rep.Status != reconcile.StatusClean || rep.Rows != n || rep.Links != n || len(rep.Found) != 0 || rep.OpenConflicts() != 0 {
			t.Errorf("batch %d: report=%+v", batch, rep)
		}
	}
	// A source that can neither read lean rows nor list duplicates is
	// walked with Sweep, its duplicates left unchecked.
	plain := keysync.Portal{Source: struct{ keysync.Source }{p.Source}, Country: "AT"}
	rep := r.mustReconcile(t, r.reconciler(6), plain, true)
	if rep.Status != reconcile.StatusClean || rep.Rows != n || rep.Links != n || rep.Duplicates {
		t.Errorf("plain source: report=%+v", rep)
	}
	if got := r.MustCount(t, "events", ""); got != events {
		t.Errorf("events=%d, want %d: a clean walk records nothing", got, events)
	}
	if got := r.MustCount(t, "reconciliations", "status = 'clean'"); got != 5 {
		t.Errorf("clean reconciliations=%d, want 5", got)
	}
}

// TestReconciler_Busy: a second reconciliation of the same source fails at
// once while one holds the lock; another source is not held up.
func TestReconciler_Busy(t *testing.T) {
	t.Parallel()
	r := mustRig(t, nil)
	p := r.Typo3(t, "amicas")
	club := r.Typo3(t, "club")
	_, release, err := r.Store.LockReconcile(t.Context(), "amicas")
	if err != nil {
		t.Fatal(err)
	}
	rep, err := r.reconciler(10).Run(t.Context(), p.Portal, false)
	if !errors.Is(err, reconcile.ErrBusy) || rep.Status != reconcile.StatusFailed {
		t.Fatalf("second run: %v, status %q, want busy", err, rep.Status)
	}
	if got := r.MustCount(t, "reconciliations", "source = 'amicas'"); got != 0 {
		t.Errorf("a busy run left %d reconciliation rows", got)
	}
	r.mustReconcile(t, r.reconciler(10), club.Portal, false)
	release()
	r.mustReconcile(t, r.reconciler(10), p.Portal, false)
}

// TestReconciler_InterruptedRunClosed: a run a crash left "running" is
// closed as failed by the next run, which holds the lock.
func TestReconciler_InterruptedRunClosed(t *testing.T) {
	t.Parallel()
	r := mustRig(t, nil)
	p := r.Typo3(t, "amicas")
	if _, err := r.Store.StartReconcile(t.Context(), "amicas", true); err != nil {
		t.Fatal(err)
	}
	r.mustReconcile(t, r.reconciler(10), p.Portal, false)
	if got := r.MustCount(t, "reconciliations", "status = 'failed' AND finished_at IS NOT NULL"); got != 1 {
		t.Errorf("interrupted runs closed=%d, want 1", got)
	}
}

// TestReconciler_EmptyPortalRefused: a portal without rows while accounts
// are linked is a wrong database far more often than an empty site.
func TestReconciler_EmptyPortalRefused(t *testing.T) {
	t.Parallel()
	r := mustRig(t, nil)
	p := r.Typo3(t, "amicas")
	testdb.InsertFeUsers(t, p.DB, testdb.GenerateFeUsers(3, 5))
	r.MustPass(t, p.Portal)
	testdb.MustExec(t, p.DB, "DELETE FROM fe_users")
	rep, err := r.reconciler(10).Run(t.Context(), p.Portal, true)
	if err == nil || rep.Status != reconcile.StatusFailed {
		t.Fatalf("reconcile of an emptied portal: %v, %+v", err, rep)
	}
	if got := r.MustCount(t, "accounts", "status = 'gone'"); got != 0 {
		t.Errorf("%d accounts marked gone", got)
	}
	if got := r.MustCount(t, "reconciliations", "status = 'failed'"); got != 1 {
		t.Errorf("failed runs recorded=%d, want 1", got)
	}
}
