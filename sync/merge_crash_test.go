package keysync_test

import (
	"context"
	"errors"
	"testing"

	"keysync/internal/centraltest"
	"keysync/internal/testdb"
	keysync "keysync/sync"
	"keysync/sync/central"
)

// crashingRewrite rewrites only the first row of a batch and then fails,
// as a daemon killed in the middle of a merge's write-back would.
type crashingRewrite struct {
	keysync.Source
}

func (c crashingRewrite) Rewrite(ctx context.Context, rs []keysync.Rewrite) ([]keysync.Written, error) {
	if _, err := c.Source.Rewrite(ctx, rs[:1]); err != nil {
		return nil, err
	}
	return nil, errCrash
}

// TestEngine_MergeWhoseWriteBackCrashesHalfway: an admin merges two
// persons with several accounts; the pass that rewrites the rows dies
// after the first; the next pass finishes, and the retired number is in
// no row any more.
func TestEngine_MergeWhoseWriteBackCrashesHalfway(t *testing.T) {
	r := mustRig(t, nil)
	p := r.Typo3(t, "amicas")
	// Anna, and "Annemarie" with three accounts on the same mailbox: a
	// shared_email conflict the admin resolves as one person (Anna signed
	// up under her full name too).
	testdb.InsertFeUsers(t, p.DB, []testdb.FeUser{
		{Username: "a1", Email: "huber@gmx.at", FirstName: "Anna", LastName: "Huber"},
		{Username: "a2", Email: "huber@gmx.at", FirstName: "Annemarie", LastName: "Huber"},
		{Username: "a3", Email: "huber@gmx.at", FirstName: "Annemarie", LastName: "Huber"},
		{Username: "a4", Email: "huber@gmx.at", FirstName: "Annemarie", LastName: "Huber"},
	})
	r.MustPass(t, p.Portal)
	survivor := mustScalar[string](t, p.DB, `SELECT tx_keysync_customer_number FROM fe_users WHERE uid = 1`)
	loser := mustScalar[string](t, p.DB, `SELECT tx_keysync_customer_number FROM fe_users WHERE uid = 2`)
	if survivor == loser || centraltest.MustCount(t, p.DB, "fe_users", "tx_keysync_customer_number = ?", loser) != 3 {
		t.Fatalf("fixture: survivor %s, loser %s", survivor, loser)
	}
	id := mustScalar[uint64](t, r.DB, `SELECT id FROM conflicts WHERE kind = 'shared_email' AND account_id = 2`)
	if _, err := r.Store.Resolve(t.Context(), central.Resolution{ID: id, As: central.ResolveMerge, Into: survivor, By: "test"}); err != nil {
		t.Fatalf("merge: %v", err)
	}

	crashing := keysync.Portal{Source: crashingRewrite{p.Source}, Country: "AT"}
	if _, err := r.Engine.Pass(t.Context(), t.Context(), crashing); !errors.Is(err, errCrash) {
		t.Fatalf("crashing pass: %v", err)
	}
	if got := centraltest.MustCount(t, p.DB, "fe_users", "tx_keysync_customer_number = ?", loser); got != 2 {
		t.Fatalf("after the crash %d rows hold the retired number, want 2 (one was rewritten)", got)
	}

	r.MustPass(t, p.Portal)
	if got := centraltest.MustCount(t, p.DB, "fe_users", "tx_keysync_customer_number = ?", loser); got != 0 {
		t.Errorf("%d rows still hold the retired number %s", got, loser)
	}
	if got := centraltest.MustCount(t, p.DB, "fe_users", "tx_keysync_customer_number = ?", survivor); got != 4 {
		t.Errorf("%d rows hold the survivor %s, want 4", got, survivor)
	}
	if got := r.MustCount(t, "accounts", "pending_write = 1"); got != 0 {
		t.Errorf("%d accounts still flagged", got)
	}
	// Every moved account has its rewrite in the history; the one the
	// crashed pass wrote is confirmed by the next.
	if got := r.MustCount(t, "events", "kind = 'rewritten' AND new_value = ? AND account_id IN (2, 3, 4)", survivor); got != 3 {
		t.Errorf("rewritten events = %d, want 3", got)
	}
	if got := r.MustCount(t, "persons", "number = ? AND status = 'retired' AND merged_into = ?", loser, survivor); got != 1 {
		t.Errorf("loser not retired into the survivor")
	}
}
