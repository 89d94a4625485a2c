package keysync

import "time"

// Account is one user row in one portal, as the engine sees it. Sources fill
// it from their own tables; everything the engine needs to decide who the
// row is and what to write back is here, and nothing portal-specific.
type Account struct {
	Source string
	ID     uint64

	// Active is true for a confirmed member: TYPO3 deleted=0, disable=0 and
	// within starttime/endtime; WordPress an activated, non-spam user.
	// Only active accounts get a new number.
	Active bool
	// Deleted is true when the portal row is soft-deleted.
	Deleted bool

	Username  string
	Email     string
	FirstName string
	LastName  string
	Title     string
	BirthDate string // YYYY-MM-DD when the portal has one, else ""

	Street  string
	Zip     string
	City    string
	Country string

	Groups     []string
	Registered time.Time

	// Number, HH and PE are the values currently in the portal's columns
	// (customer number, Wibisoft household id, Wibisoft person id).
	Number string
	HH     string
	PE     string
}

// Key names the account in logs, events and conflicts: "source:id".
func (a Account) Key() string { return AccountKey(a.Source, a.ID) }
