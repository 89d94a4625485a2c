package central

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"keysync/internal/text"
	keysync "keysync/sync"
	"keysync/sync/reconcile"
)

// Reconcile implements reconcile.Store: status changes, restored
// values, resolved and new conflicts of one step in one transaction, each
// with its history event. A status only changes from the state the walk saw.
func (s *Store) Reconcile(ctx context.Context, source string, r reconcile.Reconciled) (rec []keysync.RecordedConflict, err error) {
	err = s.retry(ctx, func() (err error) {
		rec, err = s.recordStep(ctx, source, r)
		return err
	})
	return rec, err
}

func (s *Store) recordStep(ctx context.Context, source string, r reconcile.Reconciled) ([]keysync.RecordedConflict, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit
	st := reconcileStep{s: s, tx: tx, source: source, now: s.now(), events: eventInsert(), sums: newAccountSums(tx)}
	if err := st.status(ctx, r.Status); err != nil {
		return nil, err
	}
	// Conflicts after the accounts, as Assign writes them, so that a poll
	// and a reconciliation never take the same locks in opposite order.
	known, err := s.insertConflicts(ctx, tx, &st.events, r.Conflicts, st.now)
	if err != nil {
		return nil, err
	}
	st.repairs(r.Repairs)
	if err := st.resolve(ctx, r.Resolve); err != nil {
		return nil, err
	}
	if err := st.sums.commit(ctx, &st.events, st.changed); err != nil {
		return nil, err
	}
	return recorded(r.Conflicts, known), nil
}

// reconcileStep is one Reconcile under way.
type reconcileStep struct {
	s      *Store
	tx     *sql.Tx
	source string
	now    time.Time
	events insert
	sums   *accountSums
	// changed are the persons whose accounts moved, for the change feed.
	changed []string
}

// status moves accounts to their new status, each only from the status
// the walk saw, and keeps their persons' memberships, which leave out
// deleted accounts. The persons are locked first, as everywhere.
func (st *reconcileStep) status(ctx context.Context, changes []reconcile.StatusChange) error {
	if len(changes) == 0 {
		return nil
	}
	rec := newRecords(st.s, st.tx, st.now)
	var numbers []string
	for _, c := range changes {
		if c.Number != "" {
			numbers = append(numbers, c.Number)
		}
	}
	if err := rec.load(ctx, numbers); err != nil {
		return err
	}
	if err := moveStatuses(ctx, st.tx, st.sums, &st.events, st.s.Actor, st.now, st.source, changes); err != nil {
		return err
	}
	for _, c := range changes {
		k := accountKey{st.source, c.AccountID}
		if ps := rec.states[c.Number]; ps != nil {
			if a := ps.account(k); a != nil {
				a.status = c.To
				ps.refreshMemberships(k, st.now, true)
			}
		}
	}
	st.changed = rec.changed()
	return rec.write(ctx)
}

// repairs records the values restored in the portal.
func (st *reconcileStep) repairs(repairs []reconcile.Repair) {
	for _, rp := range repairs {
		addEvent(&st.events, st.now, st.s.Actor, "repaired", rp.Number, st.source, rp.AccountID, rp.Old, rp.New,
			"reconciliation restored the central "+fieldName(rp.Field))
	}
}

// resolve closes the open conflicts whose drift is gone.
func (st *reconcileStep) resolve(ctx context.Context, open []reconcile.OpenConflict) error {
	if len(open) == 0 {
		return nil
	}
	ids := make([]uint64, 0, len(open))
	for _, c := range open {
		ids = append(ids, c.ID)
		addEvent(&st.events, st.now, st.s.Actor, "conflict_resolved", "", st.source, c.AccountID, c.Value, "",
			string(c.Kind)+": resolved by reconciliation, the drift is gone")
	}
	_, err := closeOpen(ctx, st.tx, ids, `status = 'resolved', resolved_at = ?, resolved_by = ?, resolution = 'reconciled', note = ?`,
		st.now, text.Clip(st.s.Actor, 128), "the portal no longer shows this drift")
	if err != nil {
		return fmt.Errorf("resolve conflicts: %w", err)
	}
	return nil
}

func statusDetail(to keysync.AccountStatus) string {
	switch to {
	case keysync.StatusActive:
		return "the account is an active member of the portal again"
	case keysync.StatusDeleted:
		return "the account was deleted in the portal; its number stays reserved"
	case keysync.StatusGone:
		return "the portal row no longer exists; the number stays reserved"
	default:
		return "the account is disabled, expired or unconfirmed in the portal; its number stays reserved"
	}
}

func fieldName(f string) string {
	switch f {
	case "hh":
		return "Wibisoft household id"
	case "pe":
		return "Wibisoft person id"
	default:
		return "customer number"
	}
}
