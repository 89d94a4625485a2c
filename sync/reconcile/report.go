package reconcile

import (
	"errors"
	"time"

	keysync "keysync/sync"
)

// Outcomes of a reconciliation (reconciliations.status).
const (
	StatusRunning   = "running"
	StatusClean     = "clean"
	StatusConflicts = "conflicts"
	StatusFailed    = "failed"
)

// ErrBusy is wrapped by the error of a reconciliation that found another
// one of the same source running, on this host or another.
var ErrBusy = errors.New("reconciliation already running elsewhere")

// ErrLockLost ends a reconciliation whose lock went away with its central
// connection: another process may have taken over.
var ErrLockLost = errors.New("reconciliation lock lost")

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
	Conflicts    map[keysync.ConflictKind]int `json:"conflicts"`
	NewConflicts int                          `json:"new_conflicts"`
	// Resolved counts open conflicts closed because their drift is gone.
	Resolved int `json:"resolved"`
	// Skipped counts rows that could not be handled (each logged).
	Skipped int `json:"skipped"`
	// Duplicates is false when the source cannot look for duplicate numbers.
	Duplicates bool `json:"duplicates_checked"`
	// DataChanged counts the accounts whose master data or status a read
	// of every row (reconcile --data, the daemon's schedule) found changed
	// past the change detection; DataError says why that read failed.
	DataChanged int    `json:"data_changed,omitempty"`
	DataError   string `json:"data_error,omitempty"`
}

func newReport(source string, repair bool, start time.Time) Report {
	return Report{Source: source, Repair: repair, Status: StatusRunning, StartedAt: start.UTC(),
		Found: map[Drift]int{}, Repaired: map[Drift]int{}, Conflicts: map[keysync.ConflictKind]int{}}
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
		r.Status, r.Error = StatusFailed, err.Error()
	case r.OpenConflicts() > 0:
		r.Status = StatusConflicts
	default:
		r.Status = StatusClean
	}
}

func (r *Report) conflict(cf keysync.RecordedConflict) {
	r.Conflicts[cf.Kind]++
	if !cf.Known {
		r.NewConflicts++
	}
}

// LogAttrs returns the report as log attributes: status, duration, the
// walk's size, and one attribute per drift kind found and repaired.
func (r Report) LogAttrs() []any {
	attrs := []any{LogStatus, r.Status, LogRepair, r.Repair, keysync.LogDuration, (time.Duration(r.DurationMS) * time.Millisecond).String(),
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
		attrs = append(attrs, keysync.LogErr, r.Error)
	}
	return attrs
}
