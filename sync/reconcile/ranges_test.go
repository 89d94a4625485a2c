package reconcile_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"strings"
	"testing"

	"keysync/internal/testdb"
	keysync "keysync/sync"
	"keysync/sync/reconcile"
)

// fullWalk hides a source's range checksums, so that a reconciliation
// walks every row as it does for sources without them.
type fullWalk struct {
	keysync.Source
	reconcile.KeySweeper
	reconcile.DuplicateFinder
}

// rangeSize is the checksum range of the tests: a few rows, so that a
// small portal has many ranges.
const rangeSize = 4

// walkedRows counts the portal rows in the ranges of the given ids.
func walkedRows(tb testing.TB, p *portal, dirty map[uint64]bool) int {
	tb.Helper()
	n := 0
	for uid := range p.MustRows(tb) {
		if dirty[uid/rangeSize] {
			n++
		}
	}
	return n
}

// TestReconciler_RangesCleanPortalWalksNothing: when both sides agree, every
// range is compared by its checksum and not a single row is walked; the
// report counts the rows and links as before.
func TestReconciler_RangesCleanPortalWalksNothing(t *testing.T) {
	t.Parallel()
	r := mustRig(t, nil)
	p := r.Typo3(t, "amicas")
	const n = 40
	testdb.InsertFeUsers(t, p.DB, testdb.GenerateFeUsers(11, n))
	// Rows of every state, linked: disabled, deleted, expired, not yet
	// started, and one without a number that keysync does not know.
	extra := testdb.InsertFeUsers(t, p.DB, []testdb.FeUser{
		user("dis", "Dora", "Disabled", "dis@example.at"), user("del", "Dirk", "Deleted", "del@example.at"),
		user("exp", "Erik", "Expired", "exp@example.at"), user("fut", "Fritz", "Future", "fut@example.at"),
	})
	r.MustPass(t, p.Portal)
	testdb.MustExec(t, p.DB, "UPDATE fe_users SET disable = 1 WHERE uid = ?", extra[0])
	testdb.MustExec(t, p.DB, "UPDATE fe_users SET deleted = 1 WHERE uid = ?", extra[1])
	testdb.MustExec(t, p.DB, "UPDATE fe_users SET endtime = ? WHERE uid = ?", now.Unix()-10, extra[2])
	testdb.MustExec(t, p.DB, "UPDATE fe_users SET starttime = ? WHERE uid = ?", now.Unix()+3600, extra[3])
	unlinked := testdb.InsertFeUsers(t, p.DB, []testdb.FeUser{user("new", "Nora", "Neu", "new@example.at")})
	testdb.MustExec(t, p.DB, "UPDATE fe_users SET disable = 1 WHERE uid = ?", unlinked[0])
	rc := r.reconciler(5)
	rc.RangeSize = rangeSize
	first := r.mustReconcile(t, rc, p.Portal, false)
	if first.RowsWalked == 0 || first.Found[reconcile.DriftInactive] != 3 || first.Found[reconcile.DriftDeleted] != 1 {
		t.Errorf("first run=%+v, want the four state changes walked and found", first)
	}

	events := r.MustCount(t, "events", "")
	rows := n + 5
	links := r.MustCount(t, "accounts", "source = 'amicas'")
	for _, batch := range []int{1, 7, 500} {
		rc := r.reconciler(batch)
		rc.RangeSize = rangeSize
		rep := r.mustReconcile(t, rc, p.Portal, true)
		if rep.Status != reconcile.StatusClean || rep.Rows != rows || rep.Links != links || len(rep.Found) != 0 || !rep.Duplicates {
			t.Errorf("batch %d: report=%+v", batch, rep)
		}
		if rep.RowsWalked != 0 || rep.LinksWalked != 0 || rep.RowsSummed != rows || rep.LinksSummed != links {
			t.Errorf("batch %d: walked %d rows and %d links, compared %d and %d by checksum; want 0, 0, %d, %d",
				batch, rep.RowsWalked, rep.LinksWalked, rep.RowsSummed, rep.LinksSummed, rows, links)
		}
	}
	if got := r.MustCount(t, "events", ""); got != events {
		t.Errorf("events=%d, want %d", got, events)
	}
	// The default range size compares the whole portal in one range.
	rep := r.mustReconcile(t, r.reconciler(10), p.Portal, false)
	if rep.RowsWalked != 0 || rep.RowsSummed != rows || rep.Status != reconcile.StatusClean {
		t.Errorf("default range size: %+v", rep)
	}
	// A source without checksums is walked whole, as before.
	plain := keysync.Portal{Source: fullWalk{p.Source, p.Source, p.Source}, Country: "AT"}
	rep = r.mustReconcile(t, rc, plain, false)
	if rep.RowsWalked != rows || rep.LinksWalked != links || rep.RowsSummed != 0 || rep.Rows != rows || rep.Status != reconcile.StatusClean {
		t.Errorf("full walk: %+v", rep)
	}
}

// rangeScenario builds a numbered portal of 96 rows and returns it with
// its uids; every step puts drift into rows of ranges apart from each
// other, so that each drift is alone in a range that is otherwise clean.
type rangeScenario struct {
	r    *rig
	p    *portal
	uids []uint64
	// dirty are the ranges a step changed.
	dirty map[uint64]bool
}

func newRangeScenario(t *testing.T) *rangeScenario {
	r := mustRig(t, nil)
	p := r.Typo3(t, "amicas")
	var users []testdb.FeUser
	for i := range 96 {
		users = append(users, user(fmt.Sprintf("u%d", i), fmt.Sprintf("Vorname%c%c", 'A'+i%26, 'a'+i/26), fmt.Sprintf("Nachname%c%c", 'a'+i/26, 'A'+i%26), fmt.Sprintf("u%d@example.at", i)))
	}
	uids := testdb.InsertFeUsers(t, p.DB, users)
	r.MustPass(t, p.Portal)
	if got := r.MustCount(t, "accounts", "source = 'amicas'"); got != 96 {
		t.Fatalf("linked accounts=%d, want 96", got)
	}
	return &rangeScenario{r: r, p: p, uids: uids, dirty: map[uint64]bool{}}
}

// row returns the uid of the k-th drift: rows 8 ids apart, in ranges of
// four ids, so that between two drifted ranges lies a clean one.
func (s *rangeScenario) row(k int) uint64 {
	uid := s.uids[8*k+2]
	s.dirty[uid/rangeSize] = true
	return uid
}

func (s *rangeScenario) exec(t *testing.T, q string, args ...any) {
	t.Helper()
	testdb.MustExec(t, s.p.DB, q, args...)
}

// driftRound1 is every kind of drift a first reconciliation finds.
func (s *rangeScenario) driftRound1(t *testing.T) {
	r, p := s.r, s.p
	other, _ := r.Num.Number.Format(6000, "")
	free, _ := r.Num.Number.Format(5000, "")
	s.exec(t, "UPDATE fe_users SET tx_keysync_customer_number = ? WHERE uid = ?", other, s.row(0))
	s.exec(t, "UPDATE fe_users SET tx_keysync_customer_number = '' WHERE uid = ?", s.row(1))
	s.exec(t, "UPDATE fe_users SET tx_keysync_wibisoft_hh_id = '9999999' WHERE uid = ?", s.row(2))
	s.exec(t, "UPDATE fe_users SET tx_keysync_wibisoft_pe_id = '77777777' WHERE uid = ?", s.row(3))
	s.exec(t, "UPDATE fe_users SET deleted = 1 WHERE uid = ?", s.row(4))
	s.exec(t, "UPDATE fe_users SET disable = 1 WHERE uid = ?", s.row(5))
	s.exec(t, "UPDATE fe_users SET endtime = ? WHERE uid = ?", now.Unix()-10, s.row(6))
	// Kept for the row coming back in the next round.
	gone := s.row(7)
	s.exec(t, "CREATE TABLE gone_row AS SELECT * FROM fe_users WHERE uid = ?", gone)
	s.exec(t, "DELETE FROM fe_users WHERE uid = ?", gone)
	// A merge moved the account of row 8 to the person of row 11 (far
	// away, in a clean range), and the rewrite put that number into the
	// row; its household and person ids are still the old person's, and
	// so is the account's copy of them, now stale: only the stale copy
	// tells the range apart.
	merged, survivor := s.row(8), s.uids[8*11+5]
	r.EditAccounts(t, "UPDATE accounts SET number = ? WHERE source = 'amicas' AND account_id = ?", r.Linked(t, "amicas", survivor), merged)
	s.exec(t, "UPDATE fe_users SET tx_keysync_customer_number = ? WHERE uid = ?", r.Linked(t, "amicas", survivor), merged)
	// A crash between the central commit and the write-back.
	missing := s.row(9)
	s.exec(t, "UPDATE fe_users SET tx_keysync_customer_number = '', tx_keysync_wibisoft_hh_id = '', tx_keysync_wibisoft_pe_id = '' WHERE uid = ?", missing)
	r.EditAccounts(t, "UPDATE accounts SET written_at = NULL WHERE source = 'amicas' AND account_id = ?", missing)
	// Unknown numbers on new rows: a free one, an invalid one.
	extra := testdb.InsertFeUsers(t, p.DB, []testdb.FeUser{
		user("xaver", "Xaver", "Unbekannt", "xaver@example.at"), user("yvonne", "Yvonne", "Falsch", "yvonne@example.at")})
	s.exec(t, "UPDATE fe_users SET tx_keysync_customer_number = ? WHERE uid = ?", free, extra[0])
	s.exec(t, "UPDATE fe_users SET tx_keysync_customer_number = '12345678X' WHERE uid = ?", extra[1])
	for _, uid := range extra {
		s.dirty[uid/rangeSize] = true
	}
}

// driftRound2 sets some drift right by hand and brings rows back.
func (s *rangeScenario) driftRound2(t *testing.T) {
	r := s.r
	// The edited number and household id restored by an admin: their
	// ranges agree again, but the open conflicts must be closed.
	s.exec(t, "UPDATE fe_users SET tx_keysync_customer_number = ? WHERE uid = ?", r.Linked(t, "amicas", s.uids[2]), s.uids[2])
	var hh string
	if err := r.DB.QueryRowContext(t.Context(), "SELECT p.hh_id FROM accounts a JOIN persons p ON p.number = a.number WHERE a.source = 'amicas' AND a.account_id = ?", s.uids[18]).Scan(&hh); err != nil {
		t.Fatal(err)
	}
	s.exec(t, "UPDATE fe_users SET tx_keysync_wibisoft_hh_id = ? WHERE uid = ?", hh, s.uids[18])
	// The disabled account comes back; the deleted row comes back
	// without its number.
	s.exec(t, "UPDATE fe_users SET disable = 0 WHERE uid = ?", s.uids[8*5+2])
	s.exec(t, "INSERT INTO fe_users SELECT * FROM gone_row")
	s.exec(t, "UPDATE fe_users SET tx_keysync_customer_number = '' WHERE uid = ?", s.uids[8*7+2])
	// Walked: the drift left from the first round, the ranges with open
	// conflicts and the rows that changed. The deleted and the expired
	// account are recorded as such and agree.
	for _, k := range []int{4, 6} {
		delete(s.dirty, s.uids[8*k+2]/rangeSize)
	}
}

// sameness is what must be the same in a reconciliation by ranges and a
// full walk.
func sameness(r reconcile.Report) reconcile.Report {
	r.StartedAt, r.DurationMS = r.StartedAt.Truncate(0), 0
	r.RowsSummed, r.LinksSummed, r.RowsWalked, r.LinksWalked = 0, 0, 0, 0
	for _, m := range []map[reconcile.Drift]int{r.Found, r.Repaired} {
		maps.DeleteFunc(m, func(_ reconcile.Drift, v int) bool { return v == 0 })
	}
	maps.DeleteFunc(r.Conflicts, func(_ keysync.ConflictKind, v int) bool { return v == 0 })
	return r
}

// TestReconciler_RangesFindEveryDrift puts each kind of drift alone into a
// range of an otherwise clean portal and reconciles it by ranges; a twin
// portal built the same way is walked whole. Both must report the same,
// and leave the same central record, while the ranges walk only the
// drifted ranges.
func TestReconciler_RangesFindEveryDrift(t *testing.T) {
	t.Parallel()
	ranged, full := newRangeScenario(t), newRangeScenario(t)
	run := func(s *rangeScenario, whole, repair bool) reconcile.Report {
		rc := s.r.reconciler(3)
		rc.RangeSize = rangeSize
		p := s.p.Portal
		if whole {
			p.Source = fullWalk{s.p.Source, s.p.Source, s.p.Source}
		}
		return s.r.mustReconcile(t, rc, p, repair)
	}
	round := func(name string, repair bool, wantFound map[reconcile.Drift]int) {
		t.Helper()
		got, want := run(ranged, false, repair), run(full, true, repair)
		if w := walkedRows(t, ranged.p, ranged.dirty); (ranged.dirty != nil && got.RowsWalked != w) || got.RowsWalked+got.RowsSummed != got.Rows || got.RowsSummed == 0 {
			t.Errorf("%s: walked %d rows, compared %d by checksum, of %d; want %d walked (the drifted ranges)", name, got.RowsWalked, got.RowsSummed, got.Rows, w)
		}
		if want.RowsWalked != want.Rows || want.RowsSummed != 0 {
			t.Errorf("%s: the full walk walked %d of %d rows", name, want.RowsWalked, want.Rows)
		}
		g, w := sameness(got), sameness(want)
		if fmt.Sprintf("%+v", g) != fmt.Sprintf("%+v", w) {
			t.Errorf("%s: by ranges\n%+v\nwhole\n%+v", name, g, w)
		}
		wantCounts(t, name+": found", got.Found, wantFound)
		for _, q := range []string{
			"SELECT account_id, number, status, written_at IS NULL, copied_from <=> number, hh_id_copy, pe_id_copy, pending_write FROM accounts ORDER BY account_id",
			"SELECT kind, account_id, value, status, resolution FROM conflicts ORDER BY account_id, kind, value",
		} {
			if a, b := dump(t, ranged.r, q), dump(t, full.r, q); a != b {
				t.Errorf("%s: central record by ranges\n%s\nwhole\n%s", name, a, b)
			}
		}
		if a, b := fmt.Sprint(ranged.p.MustRows(t)), fmt.Sprint(full.p.MustRows(t)); a != b {
			t.Errorf("%s: portal by ranges\n%s\nwhole\n%s", name, a, b)
		}
	}

	for _, s := range []*rangeScenario{ranged, full} {
		s.driftRound1(t)
	}
	round("first", false, map[reconcile.Drift]int{
		reconcile.DriftNumberEdited: 1, reconcile.DriftNumberRemoved: 1, reconcile.DriftWibisoft: 3,
		reconcile.DriftDeleted: 1, reconcile.DriftInactive: 2, reconcile.DriftGone: 1,
		reconcile.DriftMissingWriteBack: 2, reconcile.DriftUnknownNumber: 2, reconcile.DriftDuplicate: 1,
	})
	if got := ranged.r.MustCount(t, "accounts", "source = 'amicas' AND copied_from <=> number AND account_id = ?", ranged.uids[8*8+2]); got != 1 {
		t.Errorf("the stale copy of the merged account was not renewed")
	}

	for _, s := range []*rangeScenario{ranged, full} {
		s.driftRound2(t)
	}
	round("second", false, map[reconcile.Drift]int{
		reconcile.DriftNumberRemoved: 2, reconcile.DriftWibisoft: 2, reconcile.DriftReactivated: 2,
		reconcile.DriftMissingWriteBack: 2, reconcile.DriftUnknownNumber: 1, reconcile.DriftDuplicate: 1,
	})
	if got := ranged.r.MustCount(t, "conflicts", "status = 'resolved' AND resolution = 'reconciled' AND account_id IN (?, ?)", ranged.uids[2], ranged.uids[18]); got != 2 {
		t.Errorf("conflicts closed in ranges that agree again=%d, want 2", got)
	}

	// Repair, then nothing is left to walk but the ranges whose drift no
	// repair can set right (the invalid number, the duplicate).
	ranged.dirty = nil
	round("repair", true, map[reconcile.Drift]int{
		reconcile.DriftNumberRemoved: 2, reconcile.DriftWibisoft: 2,
		reconcile.DriftMissingWriteBack: 2, reconcile.DriftUnknownNumber: 1, reconcile.DriftDuplicate: 1,
	})
}

// dump returns the rows of a query as text.
func dump(tb testing.TB, r *rig, q string) string {
	tb.Helper()
	rows, err := r.DB.QueryContext(tb.Context(), q)
	if err != nil {
		tb.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	out := ""
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			tb.Fatal(err)
		}
		for _, v := range vals {
			if b, ok := v.([]byte); ok {
				v = string(b)
			}
			out += fmt.Sprintf("%v|", v)
		}
		out += "\n"
	}
	return out
}

// TestReconciler_RangeSumsAgreePerRow computes both sides' checksums with
// ranges of one id, so that each is one row's string: for a consistent
// row of every state (active, disabled, deleted, expired, not yet started,
// gone, not linked without a number) both servers must hash the same.
func TestReconciler_RangeSumsAgreePerRow(t *testing.T) {
	t.Parallel()
	r := mustRig(t, nil)
	p := r.Typo3(t, "amicas")
	uids := testdb.InsertFeUsers(t, p.DB, []testdb.FeUser{
		user("act", "Anton", "Aktiv", "act@example.at"), user("dis", "Dora", "Disabled", "dis@example.at"),
		user("del", "Dirk", "Deleted", "del@example.at"), user("exp", "Erik", "Expired", "exp@example.at"),
		user("fut", "Fritz", "Future", "fut@example.at"), user("gon", "Gina", "Gone", "gon@example.at"),
		user("spc", "Sepp", "Spaces", "spc@example.at"), user("stl", "Stefan", "Stale", "stl@example.at"),
	})
	r.MustPass(t, p.Portal)
	testdb.MustExec(t, p.DB, "UPDATE fe_users SET disable = 1 WHERE uid = ?", uids[1])
	testdb.MustExec(t, p.DB, "UPDATE fe_users SET deleted = 1 WHERE uid = ?", uids[2])
	testdb.MustExec(t, p.DB, "UPDATE fe_users SET endtime = ? WHERE uid = ?", now.Unix()-10, uids[3])
	testdb.MustExec(t, p.DB, "UPDATE fe_users SET starttime = ? WHERE uid = ?", now.Unix()+3600, uids[4])
	testdb.MustExec(t, p.DB, "DELETE FROM fe_users WHERE uid = ?", uids[5])
	unlinked := testdb.InsertFeUsers(t, p.DB, []testdb.FeUser{user("new", "Nora", "Neu", "new@example.at")})
	testdb.MustExec(t, p.DB, "UPDATE fe_users SET disable = 1 WHERE uid = ?", unlinked[0])
	rc := r.reconciler(10)
	rc.RangeSize = 1
	r.mustReconcile(t, rc, p.Portal, false)
	for uid, want := range map[uint64]string{uids[0]: "active", uids[1]: "inactive", uids[2]: "deleted", uids[3]: "inactive", uids[4]: "inactive", uids[5]: "gone", uids[6]: "active"} {
		if got := r.status(t, "amicas", uid); got != want {
			t.Fatalf("status of %d=%q, want %q", uid, got, want)
		}
	}

	rows, err := p.Source.RowSums(t.Context(), 1, now)
	if err != nil {
		t.Fatal(err)
	}
	links, err := r.Store.LinkSums(t.Context(), "amicas", 1)
	if err != nil {
		t.Fatal(err)
	}
	byRange := func(sums []reconcile.RangeSum) map[uint64]reconcile.RangeSum {
		m := map[uint64]reconcile.RangeSum{}
		for _, s := range sums {
			m[s.Range] = s
		}
		return m
	}
	pr, cr := byRange(rows), byRange(links)
	for i, uid := range uids {
		p, c := pr[uid], cr[uid]
		if uid == uids[5] {
			// Gone: counted, not hashed.
			if p.All != 0 || c.All != 1 || c.Count != 0 || c.Gone != 1 {
				t.Errorf("gone row %d: portal %+v, central %+v", uid, p, c)
			}
			continue
		}
		if p.Count != 1 || c.Count != 1 || p.Xor == 0 || p.Xor != c.Xor || p.Blank != 0 {
			t.Errorf("row %d (%s): portal %+v, central %+v: the strings differ", uid, []string{"active", "disabled", "deleted", "expired", "future", "", "spaces"}[i], p, c)
		}
	}
	if p, c := pr[unlinked[0]], cr[unlinked[0]]; p.All != 1 || p.Count != 0 || p.Blank != 1 || c.All != 0 {
		t.Errorf("unlinked row without a number: portal %+v, central %+v", p, c)
	}
	rep := r.mustReconcile(t, rc, p.Portal, false)
	if rep.RowsWalked != 0 || rep.Status != reconcile.StatusClean || len(rep.Found) != 0 {
		t.Errorf("second run by ranges of one id: %+v", rep)
	}

	// Values with spaces around them agree for the walk, which trims
	// them, but not for the checksums, which hash them as stored: the
	// range is walked and finds nothing.
	testdb.MustExec(t, p.DB, "UPDATE fe_users SET tx_keysync_customer_number = CONCAT(' ', tx_keysync_customer_number, ' '), tx_keysync_wibisoft_hh_id = CONCAT(tx_keysync_wibisoft_hh_id, ' ') WHERE uid = ?", uids[6])
	// A copy of the ids made for another number is stale and never agrees,
	// even when it holds what the row holds; the walk renews it.
	r.EditAccounts(t, "UPDATE accounts SET copied_from = 'other' WHERE source = 'amicas' AND account_id = ?", uids[7])
	rep = r.mustReconcile(t, rc, p.Portal, false)
	if rep.RowsWalked != 2 || rep.Status != reconcile.StatusClean || len(rep.Found) != 0 {
		t.Errorf("run with spaces and a stale copy: %+v, want 2 rows walked, nothing found", rep)
	}
	rep = r.mustReconcile(t, rc, p.Portal, false)
	if rep.RowsWalked != 1 || len(rep.Found) != 0 {
		t.Errorf("run after the copy was renewed: %+v, want only the row with spaces walked", rep)
	}
}

// TestReconciler_RangesDuplicatesAfterRepair: the duplicates are read
// while the checksums are computed, but a repair that restores an edited
// number ends the duplicate it made: the page is read again after the
// walk, as a full walk reads it.
func TestReconciler_RangesDuplicatesAfterRepair(t *testing.T) {
	t.Parallel()
	s := newRangeScenario(t)
	a, b := s.row(0), s.row(3)
	s.exec(t, "UPDATE fe_users SET tx_keysync_customer_number = ? WHERE uid = ?", s.r.Linked(t, "amicas", b), a)
	rc := s.r.reconciler(5)
	rc.RangeSize = rangeSize
	rep := s.r.mustReconcile(t, rc, s.p.Portal, true)
	wantCounts(t, "found", rep.Found, map[reconcile.Drift]int{reconcile.DriftNumberEdited: 1})
	if rep.RowsWalked != walkedRows(t, s.p, map[uint64]bool{a / rangeSize: true}) || rep.Status != reconcile.StatusClean {
		t.Errorf("report=%+v", rep)
	}
	// Without repair the duplicate stays and is reported.
	s.exec(t, "UPDATE fe_users SET tx_keysync_customer_number = ? WHERE uid = ?", s.r.Linked(t, "amicas", b), a)
	rep = s.r.mustReconcile(t, rc, s.p.Portal, false)
	wantCounts(t, "found without repair", rep.Found, map[reconcile.Drift]int{reconcile.DriftNumberEdited: 1, reconcile.DriftDuplicate: 1})
}

// cancelOn is a log handler that cancels a context at the first record
// with the given message.
type cancelOn struct {
	slog.Handler
	msg    string
	cancel context.CancelFunc
}

func (h cancelOn) WithAttrs(as []slog.Attr) slog.Handler {
	return cancelOn{h.Handler.WithAttrs(as), h.msg, h.cancel}
}

func (h cancelOn) WithGroup(name string) slog.Handler {
	return cancelOn{h.Handler.WithGroup(name), h.msg, h.cancel}
}

func (h cancelOn) Handle(ctx context.Context, r slog.Record) error {
	if r.Message == h.msg {
		h.cancel()
	}
	return h.Handler.Handle(ctx, r)
}

// TestReconciler_RangesStopAtTheSignal: cancelling Run's context (the
// first SIGTERM) stops a walk by ranges after the step under way, which
// is recorded whole; the ranges after it are left for the next run.
func TestReconciler_RangesStopAtTheSignal(t *testing.T) {
	t.Parallel()
	s := newRangeScenario(t)
	for k := range 12 {
		s.exec(t, "UPDATE fe_users SET disable = 1 WHERE uid = ?", s.row(k))
	}
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	rc := s.r.reconciler(3)
	rc.RangeSize = rangeSize
	rc.Hard = t.Context() // the second signal; the first cancels ctx
	rc.Logger = slog.New(cancelOn{slog.NewJSONHandler(io.Discard, nil), "drift found", cancel})
	rep, err := rc.Run(ctx, s.p.Portal, false)
	if err == nil || !strings.Contains(err.Error(), "interrupted") {
		t.Fatalf("Run=%v, want interrupted", err)
	}
	got := s.r.MustCount(t, "accounts", "source = 'amicas' AND status = 'inactive'")
	if got == 0 || got >= 12 || rep.Found[reconcile.DriftInactive] != got {
		t.Errorf("interrupted run recorded %d of 12 disabled accounts, reported %d; want the step under way, whole", got, rep.Found[reconcile.DriftInactive])
	}
	rc.Logger = slog.New(slog.NewJSONHandler(io.Discard, nil))
	if rep := s.r.mustReconcile(t, rc, s.p.Portal, false); rep.Found[reconcile.DriftInactive] != 12-got {
		t.Errorf("next run found %d, want the other %d", rep.Found[reconcile.DriftInactive], 12-got)
	}
}
