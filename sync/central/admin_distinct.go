package central

import (
	"context"
	"database/sql"
	"fmt"
	"slices"

	"keysync/internal/sqlutil"
	"keysync/internal/text"
	keysync "keysync/sync"
)

// A pass asks about a pair of persons only for a registration it has just
// given a new number, so a pair an admin declared different (distinct_pairs)
// never comes back from a pass. It comes back through a merge: a
// registration asked about against two persons, merged into one of them,
// leaves its question about the other open, and that is the pair decided
// before. settleDistinct closes such questions after a merge.

// settleDistinct closes the open shared_email and suspected_duplicate
// conflicts that, after a merge into survivor, are about two persons
// declared different: the person the conflict's account is linked to and
// the person the conflict names, each followed to the survivor of later
// merges, as are the numbers of the declared pairs. It returns them.
func (rs *resolving) settleDistinct(ctx context.Context, survivor string) ([]uint64, error) {
	q := `SELECT c.id, d.number_a, d.number_b, d.decided_by FROM conflicts c
 JOIN accounts ac ON ac.source = c.source AND ac.account_id = c.account_id
 JOIN persons o ON o.number = c.number
 JOIN distinct_pairs d
 JOIN persons pa ON pa.number = d.number_a
 JOIN persons pb ON pb.number = d.number_b
 WHERE c.status = 'open' AND c.kind IN (?, ?) AND c.id <> ?
  AND ? IN (ac.number, COALESCE(o.merged_into, o.number))
  AND (COALESCE(pa.merged_into, pa.number) = ac.number AND COALESCE(pb.merged_into, pb.number) = COALESCE(o.merged_into, o.number)
   OR COALESCE(pb.merged_into, pb.number) = ac.number AND COALESCE(pa.merged_into, pa.number) = COALESCE(o.merged_into, o.number))
 ORDER BY c.id FOR UPDATE`
	args := []any{string(keysync.ConflictSharedEmail), string(keysync.ConflictSuspectedDuplicate), rs.c.ID, survivor}
	var settled []uint64
	why := map[uint64]string{}
	err := sqlutil.Each(ctx, rs.tx, q, args, func(rows *sql.Rows) error {
		var id uint64
		var a, b, by string
		if err := rows.Scan(&id, &a, &b, &by); err != nil {
			return err
		}
		if _, dup := why[id]; !dup && !slices.Contains(rs.res.Also, id) {
			settled = append(settled, id)
			why[id] = fmt.Sprintf("%s and %s were declared different persons by %s", a, b, by)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read conflicts about pairs declared different: %w", err)
	}
	for _, id := range settled {
		if _, err := closeOpen(ctx, rs.tx, []uint64{id}, `status = 'resolved', resolution = ?, resolved_by = ?, resolved_at = ?, note = ?`,
			ResolveDistinct, text.Clip(rs.r.By, 128), rs.now, why[id]); err != nil {
			return nil, err
		}
		rs.event("conflict_resolved", survivor, "", 0, "", ResolveDistinct,
			fmt.Sprintf("conflict #%d settled by the merge of conflict #%d: %s", id, rs.c.ID, why[id]))
	}
	return settled, nil
}
