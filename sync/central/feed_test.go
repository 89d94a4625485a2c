package central_test

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"keysync/internal/testdb"
	keysync "keysync/sync"
	"keysync/sync/central"
	"keysync/sync/reconcile"
)

// mustChanges returns the numbers of the changes after the position.
func mustChanges(tb testing.TB, feed *central.Feed, after uint64) []string {
	tb.Helper()
	changes, err := feed.Changes(tb.Context(), after, 1000)
	if err != nil {
		tb.Fatal(err)
	}
	var out []string
	for i, c := range changes {
		if c.Pos != after+uint64(i)+1 {
			tb.Fatalf("changes after %d: %+v, want dense positions", after, changes)
		}
		out = append(out, c.Number)
	}
	return out
}

func mustHead(tb testing.TB, feed *central.Feed) uint64 {
	tb.Helper()
	h, err := feed.Head(tb.Context())
	if err != nil {
		tb.Fatal(err)
	}
	return h
}

func mustPersonRecords(tb testing.TB, feed *central.Feed, numbers []string) []keysync.PersonRecord {
	tb.Helper()
	var out []keysync.PersonRecord
	for p, err := range feed.Persons(tb.Context(), numbers) {
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, p)
	}
	return out
}

// TestFeed_EveryChangeOfAPersonGetsAPosition: a new person, a changed
// value, an account deleted (the person left), a merge (both persons) and
// a reconciliation's status move each give the persons they touch a new
// position in their transaction; reading a row that did not change gives
// none.
func TestFeed_EveryChangeOfAPersonGetsAPosition(t *testing.T) {
	t.Parallel()
	f := mustStore(t)
	feed := f.Store.Feed()
	if h := mustHead(t, feed); h != 0 {
		t.Fatalf("head=%d of an empty database, want 0", h)
	}
	out := f.mustAssign(t, cands(account(1), account(2))...)
	one, two := out[0].Number, out[1].Number
	if got, want := mustChanges(t, feed, 0), sorted(one, two); !reflect.DeepEqual(got, want) {
		t.Fatalf("changes after two new persons: %v, want %v", got, want)
	}

	f.mustAssign(t, cands(account(1), account(2))...)
	if h := mustHead(t, feed); h != 2 {
		t.Errorf("head=%d after reading unchanged rows, want 2", h)
	}

	f.mustAssign(t, cand(account(2, phone("0664 1"))))
	f.mustAssign(t, cand(account(1, func(a *keysync.Account) { a.Active, a.Deleted = false, true })))
	if got, want := mustChanges(t, feed, 2), []string{two, one}; !reflect.DeepEqual(got, want) {
		t.Fatalf("changes after a phone number and a deletion: %v, want %v", got, want)
	}
	ps := mustPersonRecords(t, feed, []string{one, two})
	if ps[0].Status != keysync.PersonLeft || ps[0].Left.IsZero() || ps[1].Status != keysync.PersonActive || ps[1].Fields[keysync.FieldPhone] != "0664 1" {
		t.Errorf("persons=%+v, want %s left and %s active with the phone number", ps, one, two)
	}

	_, err := f.Store.Reconcile(t.Context(), source, reconcile.Reconciled{Status: []reconcile.StatusChange{
		{AccountID: 1, Number: one, From: keysync.StatusDeleted, To: keysync.StatusActive}}})
	if err != nil {
		t.Fatal(err)
	}
	if got := mustChanges(t, feed, 4); !reflect.DeepEqual(got, []string{one}) {
		t.Errorf("changes after a reconciliation brought %s back: %v", one, got)
	}
	if p := mustPersonRecords(t, feed, []string{one})[0]; p.Status != keysync.PersonActive || !p.Left.IsZero() {
		t.Errorf("person back: %+v, want active", p)
	}
}

// TestFeed_MergeGivesBothPersonsAPosition: the survivor's record, the
// retired number and a number merged into the retired one before (which
// names the survivor now) all change for a sink.
func TestFeed_MergeGivesBothPersonsAPosition(t *testing.T) {
	t.Parallel()
	f := mustStore(t)
	feed := f.Store.Feed()
	first, second, id := sharedMailbox(t, f)
	earlier := f.mustAssign(t, cand(account(9)))[0].Number
	testdb.MustExec(t, f.DB, "UPDATE persons SET status = 'retired', merged_into = ? WHERE number = ?", second, earlier)
	head := mustHead(t, feed)
	f.mustResolve(t, central.Resolution{ID: id, As: central.ResolveMerge, Into: first, By: "alice"})
	if got, want := mustChanges(t, feed, head), sorted(first, second, earlier); !reflect.DeepEqual(got, want) {
		t.Fatalf("changes of the merge: %v, want %v", got, want)
	}
	p := mustPersonRecords(t, feed, []string{second})[0]
	if p.Status != keysync.PersonRetired || p.MergedInto != first || !p.Left.Equal(now) {
		t.Errorf("retired person: %+v, want retired into %s at %v", p, first, now)
	}
}

// TestFeed_PositionsBecomeVisibleInOrder: a transaction that takes
// positions after another waits for the other's commit, so a reader never
// sees a later position before an earlier one; AUTO_INCREMENT would let
// the second commit first and a reader skip the first for good.
func TestFeed_PositionsBecomeVisibleInOrder(t *testing.T) {
	t.Parallel()
	f := mustStore(t)
	feed := f.Store.Feed()
	ctx := t.Context()
	first := mustBegin(t, f.DB)
	if err := central.FeedChanges(ctx, first, "A"); err != nil {
		t.Fatal(err)
	}
	second := mustBegin(t, f.DB)
	// The second waits for the first's commit, which comes after the
	// checks below: on a loaded machine they took longer than the
	// server's default lock wait of 50 s.
	if _, err := second.ExecContext(ctx, `SET SESSION innodb_lock_wait_timeout = 600`); err != nil {
		t.Fatal(err)
	}
	var secondID int64
	if err := second.QueryRowContext(ctx, `SELECT CONNECTION_ID()`).Scan(&secondID); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		if err := central.FeedChanges(ctx, second, "B"); err != nil {
			done <- err
			return
		}
		done <- second.Commit()
	}()
	waitForLockWait(t, f.DB, secondID, done)
	if got := mustChanges(t, feed, 0); len(got) != 0 || mustHead(t, feed) != 0 {
		t.Fatalf("changes %v visible before any commit", got)
	}
	if err := first.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if got := mustChanges(t, feed, 0); !reflect.DeepEqual(got, []string{"A", "B"}) {
		t.Errorf("changes=%v, want A then B", got)
	}
}

// TestFeed_ConcurrentWritersReaderSeesNoGap: writers commit changes at
// once while a reader follows the head; every read is dense from the
// reader's cursor, so a position once passed never appears later.
func TestFeed_ConcurrentWritersReaderSeesNoGap(t *testing.T) {
	t.Parallel()
	f := mustStore(t)
	feed := f.Store.Feed()
	const writers, each = 4, 40
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				if err := commitChange(t.Context(), f.DB, fmt.Sprintf("w%d-%d", w, i)); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	stop := make(chan struct{})
	go func() { wg.Wait(); close(stop) }()
	var cursor uint64
	seen := 0
	for finished := false; !finished; {
		select {
		case <-stop:
			finished = true
		default:
		}
		got := mustChanges(t, feed, cursor) // fails on a gap
		cursor += uint64(len(got))
		seen += len(got)
	}
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if seen += len(mustChanges(t, feed, cursor)); seen != writers*each {
		t.Errorf("reader saw %d changes, want %d", seen, writers*each)
	}
}

func commitChange(ctx context.Context, db *sql.DB, number string) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit
	if err := central.FeedChanges(ctx, tx, number); err != nil {
		return err
	}
	return tx.Commit()
}

func mustBegin(tb testing.TB, db *sql.DB) *sql.Tx {
	tb.Helper()
	tx, err := db.BeginTx(tb.Context(), nil)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = tx.Rollback() })
	return tx
}

// waitForLockWait waits until the connection's statement, the UPDATE of
// the counter, is under way: it can only be waiting for the first's lock.
// done ending first means the transaction did not wait. (The server's list
// of lock waits, INNODB_TRX, leaves transactions out when others hold many
// locks, as the parallel tests do, so the process list is asked.)
func waitForLockWait(tb testing.TB, db *sql.DB, conn int64, done <-chan error) {
	tb.Helper()
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); {
		select {
		case err := <-done:
			tb.Fatalf("the second transaction took positions while the first held the counter (err %v)", err)
		default:
		}
		var n int
		err := db.QueryRowContext(tb.Context(), `SELECT COUNT(*) FROM information_schema.PROCESSLIST
 WHERE ID = ? AND INFO LIKE 'UPDATE change_head%'`, conn).Scan(&n)
		if err != nil {
			tb.Fatal(err)
		}
		if n > 0 {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	tb.Fatal("the second transaction did not wait for the counter within a minute")
}

// TestFeed_CursorsAndPersonsInPages: a sink's cursor is absent until
// confirmed; Persons pages through every person in the order of the
// numbers, or yields the asked ones in the order asked, leaving out
// numbers nobody holds.
func TestFeed_CursorsAndPersonsInPages(t *testing.T) {
	t.Parallel()
	f := mustStore(t)
	feed := f.Store.Feed()
	feed.PageSize = 2
	var numbers []string
	for _, o := range f.mustAssign(t, cands(account(1), account(2), account(3), account(4), account(5))...) {
		numbers = append(numbers, o.Number)
	}
	if _, ok, err := feed.Cursor(t.Context(), "liste"); ok || err != nil {
		t.Fatalf("cursor of a new sink: ok=%v err=%v", ok, err)
	}
	for _, pos := range []uint64{3, 5} {
		if err := feed.Confirm(t.Context(), "liste", pos); err != nil {
			t.Fatal(err)
		}
		if got, ok, err := feed.Cursor(t.Context(), "liste"); got != pos || !ok || err != nil {
			t.Errorf("cursor=%d ok=%v err=%v, want %d", got, ok, err, pos)
		}
	}

	var got []string
	for _, p := range mustPersonRecords(t, feed, nil) {
		got = append(got, p.Number)
		if p.HH == "" || p.PE == "" || p.Fields[keysync.FieldFirstName] == "" || !p.Registered.Equal(now.Add(-time.Hour)) || p.Changed.IsZero() {
			t.Errorf("person %+v incomplete", p)
		}
	}
	if want := sorted(numbers...); !reflect.DeepEqual(got, want) {
		t.Errorf("every person: %v, want %v", got, want)
	}
	asked := []string{numbers[4], "999999999", numbers[0], numbers[2]}
	got = nil
	for _, p := range mustPersonRecords(t, feed, asked) {
		got = append(got, p.Number)
	}
	if want := []string{numbers[4], numbers[0], numbers[2]}; !reflect.DeepEqual(got, want) {
		t.Errorf("asked persons: %v, want %v", got, want)
	}
	testdb.MustExec(t, f.DB, "UPDATE persons SET record = NULL WHERE number = ?", numbers[1])
	if p := mustPersonRecords(t, feed, numbers[1:2])[0]; p.Fields[keysync.FieldFirstName] != "Vorname2" {
		t.Errorf("person without a record (before schema 6): %+v", p)
	}
	var logged bytes.Buffer
	feed.Logger = slog.New(slog.NewJSONHandler(&logged, nil))
	testdb.MustExec(t, f.DB, "UPDATE persons SET record = '{\"first_name\": [1' WHERE number = ?", numbers[2])
	ps := mustPersonRecords(t, feed, nil)
	if len(ps) != 5 || ps[2].Fields[keysync.FieldFirstName] != "Vorname3" {
		t.Errorf("a damaged record: %+v, want every person, the damaged one from its own columns", ps)
	}
	if !strings.Contains(logged.String(), `"number":"`+numbers[2]+`"`) || !strings.Contains(logged.String(), "WARN") {
		t.Errorf("no warning naming %s: %s", numbers[2], logged.String())
	}
}

func sorted(numbers ...string) []string { return slices.Sorted(slices.Values(numbers)) }

// TestFeed_SinkLock: one export of a sink at a time across processes; the
// lock of one sink leaves the others free, and is free again once released.
func TestFeed_SinkLock(t *testing.T) {
	t.Parallel()
	f := mustStore(t)
	feed := f.Store.Feed()
	release, err := feed.LockSink(t.Context(), "liste", 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := feed.LockSink(t.Context(), "liste", time.Second); !errors.Is(err, central.ErrSinkBusy) {
		t.Fatalf("second lock of the sink: %v, want ErrSinkBusy", err)
	}
	other, err := feed.LockSink(t.Context(), "buch", 0)
	if err != nil {
		t.Fatalf("lock of another sink: %v", err)
	}
	other()
	release()
	again, err := feed.LockSink(t.Context(), "liste", 0)
	if err != nil {
		t.Fatalf("lock after release: %v", err)
	}
	again()
}

// TestFeed_PruneWhatEverySinkConfirmed: the changes up to the lowest
// cursor of the sinks named are deleted; a sink whose cursor lies before
// them has, in effect, none (a full export); sinks without a cursor hold
// nothing back, and with no cursor at all nothing is pruned.
func TestFeed_PruneWhatEverySinkConfirmed(t *testing.T) {
	t.Parallel()
	f := mustStore(t)
	feed := f.Store.Feed()
	ctx := t.Context()
	for i := range 6 {
		if err := commitChange(ctx, f.DB, fmt.Sprintf("P%d", i+1)); err != nil {
			t.Fatal(err)
		}
	}
	if n, err := feed.Prune(ctx, []string{"liste", "buch"}); n != 0 || err != nil {
		t.Fatalf("Prune without cursors: %d, %v; want nothing pruned", n, err)
	}
	for sink, pos := range map[string]uint64{"liste": 5, "buch": 3, "alt": 1} {
		if err := feed.Confirm(ctx, sink, pos); err != nil {
			t.Fatal(err)
		}
	}
	n, err := feed.Prune(ctx, []string{"liste", "buch", "neu"})
	if n != 3 || err != nil {
		t.Fatalf("Prune: %d, %v; want the 3 changes buch confirmed", n, err)
	}
	if left, err := feed.Changes(ctx, 0, 100); err != nil || len(left) != 3 || left[0].Pos != 4 {
		t.Errorf("changes left %+v (%v), want positions 4 to 6", left, err)
	}
	for sink, want := range map[string]bool{"liste": true, "buch": true, "alt": false} {
		if _, ok, err := feed.Cursor(ctx, sink); ok != want || err != nil {
			t.Errorf("Cursor(%s): ok %v, %v; want ok %v", sink, ok, err, want)
		}
	}
	if n, err := feed.Prune(ctx, []string{"liste", "buch"}); n != 0 || err != nil {
		t.Errorf("second Prune: %d, %v; want nothing more", n, err)
	}
}
