package keysync

import (
	"context"
	"errors"
	"time"
)

// Source reads one portal's accounts and writes keysync's values back into
// that portal. Reading and writing share one type because both need the same
// knowledge of the portal's schema (table, column and meta key names).
type Source interface {
	// Name is the configured source name, e.g. "amicas".
	Name() string

	// Check verifies that the portal has keysync's columns (and that an
	// admin did not rename them), returning an error that says how to fix it.
	Check(ctx context.Context) error

	// Sweep returns up to limit accounts with an id greater than after, in
	// id order, whatever their state. The engine walks new rows with it, so
	// that a number typed into a new row is adopted, not overlooked.
	Sweep(ctx context.Context, after uint64, limit int, now time.Time) ([]Account, error)

	// Pending returns up to limit active accounts without a number whose id
	// is greater than after, in id order. It must cost the same on a table
	// of a thousand or a million rows.
	Pending(ctx context.Context, after uint64, limit int, now time.Time) ([]Account, error)

	// WriteBack writes each non-empty value of each Write into its column
	// only where that column is still empty (compare-and-set), never touching
	// anything else, and returns what every row holds afterwards.
	WriteBack(ctx context.Context, writes []Write) ([]Written, error)

	// Accounts returns the accounts with the given ids that still exist,
	// in id order, whatever their state.
	Accounts(ctx context.Context, ids []uint64, now time.Time) ([]Account, error)

	// Rewrite performs compare-and-set replacements (see Rewrite) and
	// returns what every row holds afterwards.
	Rewrite(ctx context.Context, rewrites []Rewrite) ([]Written, error)
}

// Write is what the engine wants in one portal row. Empty fields are not
// written.
type Write struct {
	ID     uint64
	Number string
	HH     string
	PE     string
}

// Written is the state of one portal row after a write-back.
type Written struct {
	ID     uint64
	Found  bool // false when the row no longer exists
	Number string
	HH     string
	PE     string
}

// Rewrite replaces values in one portal row that keysync or an admin
// decided to change: after a merge the survivor's number replaces the
// retired one, a repair restores the central value. Each non-empty field of
// New is written only where the column still holds the matching field of
// Old (compare-and-set), so a value changed meanwhile is never overwritten.
type Rewrite struct {
	ID  uint64
	Old Write
	New Write
}

// ErrRowRefused is wrapped by an error of Store.Assign, Source.WriteBack
// or Source.Rewrite that one row's values caused: a value the database
// refuses (too long, a duplicate key, a bad value). The batch without that
// row would have succeeded, so the engine tries its halves on their own
// and makes the row a conflict (ConflictRowRefused) instead of failing the
// source pass after pass. An outage never wraps it.
var ErrRowRefused = errors.New("the database refused a row's values")

// ErrSchema is wrapped by every finding about a portal's tables that needs
// an admin (or `keysync migrate`) before the source can work: a missing
// table or column, a column renamed by TYPO3's analyzer, one too narrow.
var ErrSchema = errors.New("portal schema needs attention")
