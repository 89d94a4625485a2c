package central

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"keysync/internal/sqlutil"
	keysync "keysync/sync"
	"keysync/sync/reconcile"
)

// moveStatuses moves accounts of one source to their new status, one
// statement per kind of move, each only from the status its finder saw,
// keeping the accounts' checksums, with an event per account. A pass that
// reads a changed row and a reconciliation both move statuses this way.
func moveStatuses(ctx context.Context, tx *sql.Tx, sums *accountSums, events *insert, actor string, now time.Time, source string, changes []reconcile.StatusChange) error {
	type move struct{ from, to keysync.AccountStatus }
	byMove := map[move][]uint64{}
	var moves []move
	for _, c := range changes {
		m := move{c.From, c.To}
		if _, ok := byMove[m]; !ok {
			moves = append(moves, m)
		}
		byMove[m] = append(byMove[m], c.AccountID)
		addEvent(events, now, actor, "account_"+string(c.To), c.Number, source, c.AccountID, string(c.From), string(c.To), statusDetail(c.To))
	}
	for _, m := range moves {
		ids := byMove[m]
		// deleted_at says since when an account is off the portal; it is
		// kept from the first deletion and cleared when the account is back.
		// A forgotten account only ever moves to gone (its row vanished):
		// a walk that read it before the forget changes nothing else.
		q := `UPDATE accounts SET status = ?, status_changed_at = ?,
 deleted_at = CASE WHEN ? IN ('deleted', 'gone') THEN COALESCE(deleted_at, ?) ELSE NULL END
 WHERE source = ? AND status = ? AND (forgotten_at IS NULL OR ? = 'gone') AND account_id IN (` + sqlutil.Placeholders(len(ids)) + `)`
		args := []any{string(m.to), now, string(m.to), now, source, string(m.from), string(m.to)}
		for _, id := range ids {
			args = append(args, id)
		}
		if err := sums.rewrite(ctx, source, ids, func() error {
			_, err := tx.ExecContext(ctx, q, args...)
			return err
		}); err != nil {
			return fmt.Errorf("mark accounts %s: %w", m.to, err)
		}
	}
	return nil
}
