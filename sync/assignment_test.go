package keysync_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"

	"keysync/internal/testdb"
	"keysync/sources/typo3"
	keysync "keysync/sync"
)

// mustAssign runs AssignAccount and fails the test on an error.
func (r *rig) mustAssign(tb testing.TB, p keysync.Portal, id uint64) keysync.Assignment {
	tb.Helper()
	as, err := r.Engine.AssignAccount(tb.Context(), p, id)
	if err != nil {
		tb.Fatalf("AssignAccount(%d): %v", id, err)
	}
	return as
}

// TestAssignAccount_OneRowThenThePass: the account asked for gets its
// number at once, committed centrally and in its row, and nothing else
// does; asking again answers the same number without a second person; the
// pass after numbers the others and leaves it alone.
func TestAssignAccount_OneRowThenThePass(t *testing.T) {
	t.Parallel()
	r := mustRig(t, nil)
	p := r.Typo3(t, "amicas")
	uids := testdb.InsertFeUsers(t, p.DB, []testdb.FeUser{
		user("anna", "Anna", "Gruber", "anna@example.at"),
		user("bert", "Bert", "Huber", "bert@example.at"),
		user("cilli", "Cäcilia", "Moser", "cilli@example.at"),
	})

	as := r.mustAssign(t, p.Portal, uids[1])
	row := p.MustRow(t, uids[1])
	if as.Status != keysync.Numbered || as.Action != keysync.ActionNew || as.Number == "" || as.HH == "" || as.PE == "" {
		t.Fatalf("AssignAccount=%+v, want a new number with its ids", as)
	}
	if row != (ids{Number: as.Number, HH: as.HH, PE: as.PE}) || r.Linked(t, "amicas", uids[1]) != as.Number {
		t.Fatalf("row %+v, link %q; want both to hold %+v", row, r.Linked(t, "amicas", uids[1]), as)
	}
	if got := r.MustCount(t, "events", "kind = 'written' AND account_id = ?", uids[1]); got != 1 {
		t.Errorf("written events=%d, want 1: the write-back is recorded as a pass records it", got)
	}
	for _, uid := range []uint64{uids[0], uids[2]} {
		if got := p.MustRow(t, uid); got != (ids{}) || r.Linked(t, "amicas", uid) != "" {
			t.Errorf("row %d=%+v linked %q: another row was touched", uid, got, r.Linked(t, "amicas", uid))
		}
	}

	again := r.mustAssign(t, p.Portal, uids[1])
	if again.Status != keysync.Numbered || again.Action != keysync.ActionKeep || again.Number != as.Number || again.PE != as.PE {
		t.Errorf("asked again=%+v, want keep %s", again, as.Number)
	}
	if c := r.MustPass(t, p.Portal); c.Assigned != 2 || c.Written != 2 {
		t.Errorf("pass after=%+v, want the two others assigned and written", c)
	}
	if got := p.MustRow(t, uids[1]).Number; got != as.Number {
		t.Errorf("after the pass the row holds %q, want %q", got, as.Number)
	}
	if got, want := r.MustCount(t, "persons", ""), 3; got != want {
		t.Errorf("persons=%d, want %d", got, want)
	}
}

// TestAssignAccount_NoNumber: every way an account gets no number in its
// row answers why, and leaves the row as a pass would.
func TestAssignAccount_NoNumber(t *testing.T) {
	t.Parallel()
	r := mustRig(t, nil)
	p := r.Typo3(t, "amicas")
	pending := user("dora", "Dora", "Berger", "dora@example.at")
	pending.Disable = 1
	gone := user("emil", "Emil", "Wagner", "emil@example.at")
	gone.Deleted = 1
	typed := user("franz", "Franz", "Bauer", "franz@example.at")
	elsewhere := user("gerda", "Gerda", "Lang", "gerda@example.at")
	elsewhere.Pid = 99
	uids := testdb.InsertFeUsers(t, p.DB, []testdb.FeUser{pending, gone, typed, elsewhere})
	testdb.MustExec(t, p.DB, "UPDATE fe_users SET tx_keysync_customer_number = '12345' WHERE uid = ?", uids[2])

	if _, err := r.Engine.AssignAccount(t.Context(), p.Portal, 999999); !errors.Is(err, keysync.ErrNoAccount) {
		t.Errorf("unknown id: %v, want ErrNoAccount", err)
	}
	for i, want := range []struct {
		status keysync.AssignStatus
		kind   keysync.ConflictKind
		reason string
	}{
		{keysync.NotConfirmed, "", "not confirmed yet"},
		{keysync.NotConfirmed, "", "deleted"},
		{keysync.Withheld, keysync.ConflictInvalidNumber, ""},
	} {
		as := r.mustAssign(t, p.Portal, uids[i])
		if as.Status != want.status || as.Kind != want.kind || as.Number != "" || !strings.Contains(as.Reason, want.reason) || as.Reason == "" {
			t.Errorf("row %d: %+v, want %v %q with a reason containing %q", i, as, want.status, want.kind, want.reason)
		}
	}
	if got := p.MustRow(t, uids[2]).Number; got != "12345" {
		t.Errorf("the typed number became %q: a row under review is never touched", got)
	}
	if got := r.MustCount(t, "accounts", ""); got != 0 {
		t.Errorf("%d accounts linked for rows without a number", got)
	}

	// A source limited to storage folders knows no row outside them.
	scoped, err := typo3.New(p.Source.DB(), typo3.Config{Name: "amicas", PIDs: []uint64{5}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Engine.AssignAccount(t.Context(), keysync.Portal{Source: scoped, Country: "AT"}, uids[3]); !errors.Is(err, keysync.ErrNoAccount) {
		t.Errorf("row outside the storage folders: %v, want ErrNoAccount", err)
	}
	if as := r.mustAssign(t, keysync.Portal{Source: scoped, Country: "AT"}, uids[2]); as.Kind != keysync.ConflictInvalidNumber {
		t.Errorf("row inside the storage folders: %+v", as)
	}

	// Confirmed later, the account is numbered.
	testdb.MustExec(t, p.DB, "UPDATE fe_users SET disable = 0 WHERE uid = ?", uids[0])
	if as := r.mustAssign(t, p.Portal, uids[0]); as.Status != keysync.Numbered || p.MustRow(t, uids[0]).Number != as.Number {
		t.Errorf("after the confirmation: %+v, row %+v", as, p.MustRow(t, uids[0]))
	}
}

// TestAssignAccount_ReviewConflictGivesTheNumber: a shared mailbox is a
// conflict for review that withholds nothing: the number is in the row
// and the answer names the conflict.
func TestAssignAccount_ReviewConflictGivesTheNumber(t *testing.T) {
	t.Parallel()
	r := mustRig(t, nil)
	p := r.Typo3(t, "amicas")
	uids := testdb.InsertFeUsers(t, p.DB, []testdb.FeUser{
		user("hans", "Hans", "Gruber", "gruber@example.at"),
		user("maria", "Maria", "Gruber", "gruber@example.at"),
	})
	first := r.mustAssign(t, p.Portal, uids[0])
	as := r.mustAssign(t, p.Portal, uids[1])
	if as.Status != keysync.Numbered || as.Number == first.Number || as.HH != first.HH || p.MustRow(t, uids[1]).Number != as.Number {
		t.Fatalf("%+v after %+v: want a new number in the same household, in the row", as, first)
	}
	if len(as.Conflicts) != 1 || as.Conflicts[0].Kind != keysync.ConflictSharedEmail || as.Conflicts[0].Number != first.Number {
		t.Errorf("conflicts=%+v, want shared_email naming %s", as.Conflicts, first.Number)
	}
}

// TestAssignAccount_WriteBackTroubles: a column someone else filled between
// read and write, a value the portal refuses (also when asked again, while
// the row is unchanged) and a row deleted meanwhile each answer as such;
// an outage of the portal or the central database is an error, with the
// number, once committed, written by the next pass.
func TestAssignAccount_WriteBackTroubles(t *testing.T) {
	t.Parallel()
	r := mustRig(t, nil)
	p := r.Typo3(t, "amicas")
	uids := testdb.InsertFeUsers(t, p.DB, []testdb.FeUser{
		user("ida", "Ida", "Koller", "ida@example.at"),
		user("jakob", "Jakob", "Fuchs", "jakob@example.at"),
		user("karl", "Karl", "Wolf", "karl@example.at"),
		user("lena", "Lena", "Pichler", "lena@example.at"),
	})
	portal := func(before func(context.Context, []keysync.Write) error) keysync.Portal {
		return keysync.Portal{Country: "AT", Source: &hookSource{Source: p.Source, beforeWriteBack: before}}
	}

	raced := r.mustAssign(t, portal(func(ctx context.Context, w []keysync.Write) error {
		testdb.MustExec(t, p.DB, "UPDATE fe_users SET tx_keysync_customer_number = 'by hand' WHERE uid = ?", w[0].ID)
		return nil
	}), uids[0])
	if raced.Status != keysync.Withheld || raced.Kind != keysync.ConflictWriteBack || raced.Number == "" {
		t.Errorf("column filled first: %+v, want withheld by writeback_mismatch", raced)
	}

	refuse := portal(func(context.Context, []keysync.Write) error {
		return fmt.Errorf("data too long: %w", keysync.ErrRowRefused)
	})
	for i := range 2 {
		as := r.mustAssign(t, refuse, uids[1])
		if as.Status != keysync.Withheld || as.Kind != keysync.ConflictRowRefused {
			t.Errorf("refused, asked %d times: %+v, want withheld by row_refused", i+1, as)
		}
	}

	vanish := portal(func(ctx context.Context, w []keysync.Write) error {
		testdb.MustExec(t, p.DB, "DELETE FROM fe_users WHERE uid = ?", w[0].ID)
		return nil
	})
	if _, err := r.Engine.AssignAccount(t.Context(), vanish, uids[2]); !errors.Is(err, keysync.ErrNoAccount) {
		t.Errorf("row deleted before the write-back: %v, want ErrNoAccount", err)
	}

	_, err := r.Engine.AssignAccount(t.Context(), portal(func(context.Context, []keysync.Write) error { return errCrash }), uids[3])
	if !errors.Is(err, errCrash) || errors.Is(err, keysync.ErrNoAccount) {
		t.Fatalf("portal down at the write-back: %v", err)
	}
	linked := r.Linked(t, "amicas", uids[3])
	if linked == "" || p.MustRow(t, uids[3]).Number != "" {
		t.Fatalf("after the failed write-back: link %q, row %+v; want the link committed and the row empty", linked, p.MustRow(t, uids[3]))
	}
	down := &failingStore{Store: r.Store, err: errCrash}
	downEngine := *r.Engine
	downEngine.Store = down
	if _, err := downEngine.AssignAccount(t.Context(), p.Portal, uids[3]); !errors.Is(err, errCrash) {
		t.Errorf("central database down: %v", err)
	}
	r.MustPass(t, p.Portal)
	if got := p.MustRow(t, uids[3]).Number; got != linked {
		t.Errorf("the pass after wrote %q, want the number committed before %q", got, linked)
	}
}

// failingStore is a central store whose decisions fail, as when the
// central database is down.
type failingStore struct {
	keysync.Store
	err error
}

func (f *failingStore) Assign(context.Context, string, []keysync.Candidate, bool) ([]keysync.Outcome, error) {
	return nil, f.err
}

// TestAssignAccount_ConcurrentWithPassesAndASecondDaemon: registrations
// asked for from many callers at once, each account several times, through
// two daemons (each its own store and engine) while both run passes over
// the same portal: every account ends with exactly one number, the one
// every answer named, in its row and in its link, and no number is given
// twice or burnt.
func TestAssignAccount_ConcurrentWithPassesAndASecondDaemon(t *testing.T) {
	t.Parallel()
	r := mustRig(t, nil)
	p := r.Typo3(t, "amicas")
	const n, callers = 120, 3
	uids := testdb.InsertFeUsers(t, p.DB, testdb.GenerateFeUsers(23, n))
	second := r.Central.Engine(nil)
	second.Store = r.Open(t)
	engines := []*keysync.Engine{r.Engine, second}
	for _, e := range engines {
		e.BatchSize = 20
	}

	ctx, stop := context.WithCancel(t.Context())
	var passes sync.WaitGroup
	passCount := make([]int, len(engines))
	for i, e := range engines {
		passes.Go(func() {
			for ctx.Err() == nil {
				if _, err := e.Pass(ctx, t.Context(), p.Portal); err != nil && ctx.Err() == nil {
					t.Errorf("pass of daemon %d: %v", i, err)
					return
				}
				passCount[i]++
			}
		})
	}
	answers := make([]map[uint64]string, callers)
	var calls sync.WaitGroup
	for c := range callers {
		answers[c] = map[uint64]string{}
		calls.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(c), 7))
			order := slices.Clone(uids)
			rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
			for _, uid := range order {
				as, err := engines[c%len(engines)].AssignAccount(t.Context(), p.Portal, uid)
				if err != nil || as.Status != keysync.Numbered {
					t.Errorf("caller %d, account %d: %+v, %v", c, uid, as, err)
					return
				}
				answers[c][uid] = as.Number
			}
		})
	}
	calls.Wait()
	stop()
	passes.Wait()
	r.MustPass(t, p.Portal)

	rows, seen := p.MustRows(t), map[string]uint64{}
	for _, uid := range uids {
		num := rows[uid].Number
		if num == "" || r.Linked(t, "amicas", uid) != num {
			t.Errorf("account %d: row %q, link %q", uid, num, r.Linked(t, "amicas", uid))
		}
		if other, dup := seen[num]; dup {
			t.Errorf("number %s on accounts %d and %d", num, other, uid)
		}
		seen[num] = uid
		for c := range callers {
			if got := answers[c][uid]; got != num {
				t.Errorf("caller %d was told %q for account %d, which holds %q", c, got, uid, num)
			}
		}
	}
	if got := r.MustCount(t, "persons", ""); got != n {
		t.Errorf("persons=%d, want %d", got, n)
	}
	if got, want := r.MustSequence(t, "customer"), uint64(numberStart+n); got != want {
		t.Errorf("customer sequence=%d, want %d: numbers burnt or given twice", got, want)
	}
	t.Logf("passes during the calls: %v", passCount)
}
