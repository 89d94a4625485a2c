package reconcile

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	keysync "keysync/sync"
)

// duplicates looks for numbers on more than one row of the portal, a page
// of numbers at a time. The portal answers with one grouped query on its
// own column (see DuplicateFinder), which sees unlinked rows too; the
// central store then says which of the rows is linked to the number. That
// row keeps it; every other row gets a duplicate_number conflict. When none
// is linked, all of them do. Nothing is repaired: which row is the person
// is for an admin to say.
//
// It runs after the walk, so that numbers the walk adopted count as linked.
// A reconciliation by ranges reads the first page of the portal's
// duplicates while the servers compute the checksums (see prefetchDups).
func (w *walk) duplicates(ctx context.Context) error {
	df, ok := w.p.Source.(DuplicateFinder)
	if !ok {
		w.log.Info("duplicate numbers not checked: the source cannot list them")
		return nil
	}
	w.rep.Duplicates = true
	n := w.r.batchSize()
	after := ""
	for ctx.Err() == nil {
		groups, err := w.dupPage(df, after, n)
		if err != nil {
			return fmt.Errorf("find duplicate numbers: %w", err)
		}
		if len(groups) == 0 {
			return nil
		}
		linked, err := w.linkedTo(groups)
		if err != nil {
			return err
		}
		recorded, err := w.r.Store.RecordConflicts(w.work, w.dupConflicts(groups, linked))
		if err != nil {
			return fmt.Errorf("record conflicts: %w", err)
		}
		for _, cf := range recorded {
			w.rep.conflict(cf)
			keysync.LogConflict(w.log, cf)
		}
		if len(groups) < n {
			return nil
		}
		after = groups[len(groups)-1].Number
	}
	return nil
}

// dupPage reads the page of duplicate numbers after after. The first page
// was read during the checksums (prefetchDups); it is the one this query
// would return, unless the walk wrote into the portal.
func (w *walk) dupPage(df DuplicateFinder, after string, n int) ([]Duplicate, error) {
	if w.dups == nil || after != "" {
		return df.Duplicates(w.work, after, n)
	}
	page := <-w.dups
	w.dups = nil
	if w.wrote {
		return df.Duplicates(w.work, after, n)
	}
	return page.groups, page.err
}

// linkedTo returns, per number of the groups, the accounts of the source
// linked to it centrally.
func (w *walk) linkedTo(groups []Duplicate) (map[string]map[uint64]bool, error) {
	numbers := make([]string, len(groups))
	for i, g := range groups {
		numbers[i] = g.Number
	}
	links, err := w.r.Store.LinkedTo(w.work, w.name, numbers)
	if err != nil {
		return nil, fmt.Errorf("find links of duplicate numbers: %w", err)
	}
	linked := map[string]map[uint64]bool{}
	for _, l := range links {
		if linked[l.Number] == nil {
			linked[l.Number] = map[uint64]bool{}
		}
		linked[l.Number][l.AccountID] = true
	}
	return linked, nil
}

// dupConflicts counts each duplicate number as drift and returns a
// duplicate_number conflict for every row of it but the one linked to it.
func (w *walk) dupConflicts(groups []Duplicate, linked map[string]map[uint64]bool) []keysync.Conflict {
	var cs []keysync.Conflict
	for _, g := range groups {
		if len(g.IDs) < 2 {
			continue
		}
		w.found(DriftDuplicate, g.IDs[0], keysync.LogNumber, g.Number, LogRows, g.Rows)
		owner, owned := uint64(0), false
		for _, id := range g.IDs {
			if linked[g.Number][id] {
				owner, owned = id, true
				break
			}
		}
		for _, id := range g.IDs {
			if owned && id == owner {
				continue
			}
			c := keysync.Conflict{Kind: keysync.ConflictDuplicateNumber, Source: w.name, AccountID: id, Value: g.Number,
				Detail: fmt.Sprintf("the number is on %d rows of this portal (%s) and belongs to none of them", g.Rows, idList(g))}
			if owned {
				c.Number = g.Number
				c.Detail = fmt.Sprintf("the number is on %d rows of this portal (%s); it belongs to row %d", g.Rows, idList(g), owner)
			}
			cs = append(cs, c)
		}
	}
	return cs
}

// DuplicateIDs is how many rows of one duplicate number a source lists.
// Fifty ids fit MySQL's default group_concat_max_len of 1024 bytes, which
// sources use to list them.
const DuplicateIDs = 50

// idList names the rows of a duplicate for a conflict's detail: the first
// ten, and how many more.
func idList(g Duplicate) string {
	var b strings.Builder
	for i, id := range g.IDs {
		if i == 10 {
			break
		}
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(strconv.FormatUint(id, 10))
	}
	if more := g.Rows - min(len(g.IDs), 10); more > 0 {
		fmt.Fprintf(&b, " and %d more", more)
	}
	return b.String()
}
