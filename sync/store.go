package keysync

import "context"

// Candidate is an account together with its normalised profile, ready for a
// decision.
type Candidate struct {
	Account Account
	Profile Profile
}

// Outcome is what the store decided and committed for one account.
type Outcome struct {
	Account Account
	Action  Action
	// By is the rule that linked the account (Decision.By).
	By MatchRule
	// Number, HH and PE are the person's values after the decision; empty
	// for skipped accounts and for conflicts that link nothing.
	Number string
	HH     string
	PE     string
	// Changed: the account was linked already and its master data or
	// status changed (recorded with the decision).
	Changed bool
	// Conflicts raised by this decision, already recorded centrally.
	Conflicts []RecordedConflict
	// Rewrite: replace the row's values by the person's (see Rewrites),
	// for Reason.
	Rewrite bool
	Reason  string
	// Err says why a row was skipped (ActionSkip) when it could not be
	// decided, e.g. a country the number template cannot express.
	Err error
}

// Write returns the values the portal row still lacks, and false when
// nothing needs writing. Only empty columns are ever written.
func (o Outcome) Write() (Write, bool) {
	if o.Number == "" || (o.Action != ActionKeep && o.Action != ActionLink && o.Action != ActionAdopt && o.Action != ActionNew) {
		return Write{}, false
	}
	w := Write{ID: o.Account.ID}
	if o.Account.Number == "" {
		w.Number = o.Number
	}
	if o.Account.HH == "" {
		w.HH = o.HH
	}
	if o.Account.PE == "" {
		w.PE = o.PE
	}
	return w, w.Number != "" || w.HH != "" || w.PE != ""
}

// Rewrites returns the compare-and-set replacement of the row's values by
// the person's, and false when the row already holds them.
func (o Outcome) Rewrites() (Rewrite, bool) {
	if !o.Rewrite || o.Number == "" {
		return Rewrite{}, false
	}
	r := Rewrite{ID: o.Account.ID, Old: Write{Number: o.Account.Number, HH: o.Account.HH, PE: o.Account.PE}}
	if o.Account.Number != o.Number {
		r.New.Number = o.Number
	}
	if o.HH != "" && o.Account.HH != o.HH {
		r.New.HH = o.HH
	}
	if o.PE != "" && o.Account.PE != o.PE {
		r.New.PE = o.PE
	}
	return r, r.New != (Write{})
}

// Store is the central database: the one place numbers are born.
type Store interface {
	// Assign decides every candidate of one batch of one source inside one
	// central transaction and commits the account links before anything is
	// written back, so that a crash at any later instant is finished by the
	// next pass with the same number. With dry set it rolls back instead.
	Assign(ctx context.Context, source string, cands []Candidate, dry bool) ([]Outcome, error)

	// Written records completed write-backs in the history.
	Written(ctx context.Context, source string, written []Outcome) error

	// PendingWrites lists, in id order above after, the accounts of a
	// source whose rows the central store asked to rewrite (merges,
	// repairs); Rewritten records that they were, clearing the request.
	PendingWrites(ctx context.Context, source string, after uint64, limit int) ([]uint64, error)
	Rewritten(ctx context.Context, source string, done []Outcome) error

	// RecordConflicts stores conflicts found outside Assign.
	RecordConflicts(ctx context.Context, conflicts []Conflict) ([]RecordedConflict, error)

	// Watermark returns the highest account id of a source that a sweep has
	// covered; AdvanceWatermark raises it (never lowers it).
	Watermark(ctx context.Context, source string) (uint64, error)
	AdvanceWatermark(ctx context.Context, source string, id uint64) error

	// ChangeCursor returns where a source's changes were read up to (see
	// ChangeSource); known is false before its first pass.
	// SetChangeCursor stores it.
	ChangeCursor(ctx context.Context, source string) (cursor string, known bool, err error)
	SetChangeCursor(ctx context.Context, source, cursor string) error
	// Stale returns the accounts whose values or status differ from what
	// the store recorded, and those it has not linked: what a changed row
	// needs decided. An unchanged row needs nothing.
	Stale(ctx context.Context, source string, accounts []Account) ([]Account, error)
}
