package keysync

import (
	"errors"
	"time"
)

// Log attribute keys of reconciliation lines, besides those in keys.go.
const (
	LogDrift  = "drift"
	LogFrom   = "from"
	LogTo     = "to"
	LogField  = "field"
	LogOld    = "old"
	LogRows   = "rows"
	LogWantHH = "want_hh_id"
	LogWantPE = "want_pe_id"
	LogRepair = "repair"
	LogStatus = "status"

	LogLinks         = "links"
	LogRowsSummed    = "rows_compared_by_checksum"
	LogRowsWalked    = "rows_walked"
	LogOpenConflicts = "open_conflicts"
	LogNewConflicts  = "new_conflicts"
	LogResolved      = "resolved"
	LogSkipped       = "skipped"
)

// Drift names one kind of difference a reconciliation finds between a
// portal and the central record. Reports count findings by drift.
type Drift string

// Drift kinds, in the order reports list them.
const (
	// DriftMissingWriteBack: a linked row lacks the number, household or
	// person id keysync never managed to write. Repair writes them.
	DriftMissingWriteBack Drift = "missing_writeback"
	// DriftNumberEdited: a linked row carries another number than the
	// person's. A number_mismatch conflict; repair restores the person's.
	DriftNumberEdited Drift = "number_edited"
	// DriftNumberRemoved: the number keysync wrote into a linked row was
	// removed. A number_mismatch conflict; repair writes it again.
	DriftNumberRemoved Drift = "number_removed"
	// DriftWibisoft: a linked row carries another household or person id
	// than the person's. A wibisoft_mismatch conflict; repair restores them.
	DriftWibisoft Drift = "wibisoft_mismatch"
	// DriftUnknownNumber: a row carries a number but no central link. It
	// goes the normal way: adopted or linked when valid and free or the
	// person's own, otherwise a conflict.
	DriftUnknownNumber Drift = "unknown_number"
	// DriftDuplicate: the same number on two rows of one portal; a
	// duplicate_number conflict on every row but the one linked to it.
	DriftDuplicate Drift = "duplicate_number"
	// DriftInactive: a linked account was disabled, expired or not yet
	// confirmed in the portal; marked inactive centrally, its number stays
	// reserved.
	DriftInactive Drift = "inactive"
	// DriftDeleted: a linked account was deleted in the portal (the row
	// still exists, flagged); marked deleted centrally.
	DriftDeleted Drift = "deleted"
	// DriftGone: the portal row of a central link no longer exists; marked
	// gone centrally.
	DriftGone Drift = "gone"
	// DriftReactivated: an account marked inactive, deleted or gone is an
	// active member again.
	DriftReactivated Drift = "reactivated"
)

// Drifts lists every drift kind in report order.
var Drifts = []Drift{DriftMissingWriteBack, DriftNumberEdited, DriftNumberRemoved, DriftWibisoft,
	DriftUnknownNumber, DriftDuplicate, DriftInactive, DriftDeleted, DriftGone, DriftReactivated}

// Central account states (accounts.status).
const (
	StatusActive   = "active"
	StatusInactive = "inactive"
	StatusDeleted  = "deleted"
	StatusGone     = "gone"
)

// accountStatus is the central status a portal row calls for.
func accountStatus(a Account) string {
	switch {
	case a.Active:
		return StatusActive
	case a.Deleted:
		return StatusDeleted
	default:
		return StatusInactive
	}
}

// Outcomes of a reconciliation (reconciliations.status).
const (
	ReconcileRunning   = "running"
	ReconcileClean     = "clean"
	ReconcileConflicts = "conflicts"
	ReconcileFailed    = "failed"
)

// ErrReconcileBusy is wrapped by the error of a reconciliation that found
// another one of the same source running, on this host or another.
var ErrReconcileBusy = errors.New("reconciliation already running elsewhere")

// ErrReconcileLockLost ends a reconciliation whose lock went away with its
// central connection: another process may have taken over.
var ErrReconcileLockLost = errors.New("reconciliation lock lost")

// Report is what one reconciliation of one portal found and did. It is
// printed by `keysync reconcile`, logged by the daemon's schedule and kept
// in the central reconciliations table.
type Report struct {
	Source string `json:"source"`
	Repair bool   `json:"repair"`
	// Status is clean, conflicts (open conflicts remain from what this run
	// found) or failed.
	Status     string    `json:"status"`
	Error      string    `json:"error,omitempty"`
	StartedAt  time.Time `json:"started_at"`
	DurationMS int64     `json:"duration_ms"`

	// Rows and Links count the portal rows and the central links walked.
	Rows  int `json:"rows"`
	Links int `json:"links"`
	// RowsSummed and LinksSummed count the rows and links of id ranges
	// whose checksums agreed on both sides and that were not walked;
	// RowsWalked and LinksWalked those walked one by one. Without
	// checksums (WordPress) every row is walked.
	RowsSummed  int `json:"rows_compared_by_checksum"`
	LinksSummed int `json:"links_compared_by_checksum"`
	RowsWalked  int `json:"rows_walked"`
	LinksWalked int `json:"links_walked"`

	// Found counts drift by kind; Repaired counts what of it this run set
	// right: portal values written with --repair, unknown numbers adopted,
	// account states brought up to date centrally.
	Found    map[Drift]int `json:"found"`
	Repaired map[Drift]int `json:"repaired"`

	// Conflicts counts, by kind, the conflicts this run's findings left
	// open, already known ones included; NewConflicts those it opened.
	Conflicts    map[ConflictKind]int `json:"conflicts"`
	NewConflicts int                  `json:"new_conflicts"`
	// Resolved counts open conflicts closed because their drift is gone.
	Resolved int `json:"resolved"`
	// Skipped counts rows that could not be handled (each logged).
	Skipped int `json:"skipped"`
	// Duplicates is false when the source cannot look for duplicate numbers.
	Duplicates bool `json:"duplicates_checked"`
}

func newReport(source string, repair bool, start time.Time) Report {
	return Report{Source: source, Repair: repair, Status: ReconcileRunning, StartedAt: start.UTC(),
		Found: map[Drift]int{}, Repaired: map[Drift]int{}, Conflicts: map[ConflictKind]int{}}
}

// OpenConflicts is the number of conflicts this run left open.
func (r Report) OpenConflicts() int {
	n := 0
	for _, c := range r.Conflicts {
		n += c
	}
	return n
}

// finish sets the status from the outcome.
func (r *Report) finish(err error, d time.Duration) {
	r.DurationMS = d.Milliseconds()
	switch {
	case err != nil:
		r.Status, r.Error = ReconcileFailed, err.Error()
	case r.OpenConflicts() > 0:
		r.Status = ReconcileConflicts
	default:
		r.Status = ReconcileClean
	}
}

func (r *Report) conflict(cf RecordedConflict) {
	r.Conflicts[cf.Kind]++
	if !cf.Known {
		r.NewConflicts++
	}
}

// LogAttrs returns the report as log attributes: status, duration, the
// walk's size, and one attribute per drift kind found and repaired.
func (r Report) LogAttrs() []any {
	attrs := []any{LogStatus, r.Status, LogRepair, r.Repair, LogDuration, (time.Duration(r.DurationMS) * time.Millisecond).String(),
		LogRows, r.Rows, LogLinks, r.Links, LogRowsSummed, r.RowsSummed, LogRowsWalked, r.RowsWalked, LogOpenConflicts, r.OpenConflicts(), LogNewConflicts, r.NewConflicts, LogResolved, r.Resolved}
	for _, d := range Drifts {
		if n := r.Found[d]; n > 0 {
			attrs = append(attrs, "found_"+string(d), n)
		}
		if n := r.Repaired[d]; n > 0 {
			attrs = append(attrs, "repaired_"+string(d), n)
		}
	}
	if r.Skipped > 0 {
		attrs = append(attrs, LogSkipped, r.Skipped)
	}
	if r.Error != "" {
		attrs = append(attrs, LogErr, r.Error)
	}
	return attrs
}
