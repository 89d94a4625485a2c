package reconcile

// Log attribute keys of reconciliation lines, besides the engine's
// (keysync.LogSource, ...).
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
	// DriftForgotten: the portal still holds a row of a forgotten person,
	// not deleted or still carrying a number. A forgotten_account
	// conflict; nothing is read from the row, written or restored.
	DriftForgotten Drift = "forgotten_account"
)

// Drifts lists every drift kind in report order.
var Drifts = []Drift{DriftMissingWriteBack, DriftNumberEdited, DriftNumberRemoved, DriftWibisoft,
	DriftUnknownNumber, DriftDuplicate, DriftInactive, DriftDeleted, DriftGone, DriftReactivated, DriftForgotten}
