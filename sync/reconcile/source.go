package reconcile

import (
	"context"
	"time"

	keysync "keysync/sync"
)

// Duplicate is a number found on more than one row of one portal.
type Duplicate struct {
	Number string
	// IDs are the rows carrying it, in id order; at most DuplicateIDs.
	IDs []uint64
	// Rows is how many rows carry it.
	Rows int
}

// DuplicateFinder is implemented by sources that can list the numbers
// carried by more than one of their rows with one query on their own
// database (TYPO3: GROUP BY on the indexed number column; WordPress: on the
// meta values of the number key). That sees every row, linked or not,
// without keeping the numbers of a whole portal in memory.
type DuplicateFinder interface {
	// Duplicates returns up to limit numbers greater than after, in the
	// order of the portal's collation, each carried by more than one row
	// that is not deleted.
	Duplicates(ctx context.Context, after string, limit int) ([]Duplicate, error)
}

// KeySweeper is implemented by sources that can read their rows the lean
// way a reconciliation needs: like Sweep, but each Account holds only ID,
// Active, Deleted, Number, HH and PE. The walk then reads a few dozen bytes
// per row, and the whole row only of the few rows it hands to a decision.
type KeySweeper interface {
	SweepKeys(ctx context.Context, after uint64, limit int, now time.Time) ([]keysync.Account, error)
}
