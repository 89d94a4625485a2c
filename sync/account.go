package keysync

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"time"
)

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
	// OutOfScope is true for a row of the portal's table that the source
	// does not work on: a TYPO3 row outside the configured storage folders.
	// Sweep and Pending never return one; Accounts, which reads rows by
	// id, does, so that a caller asking for one id can tell.
	OutOfScope bool

	// The master data (see Field), as the source normalised it: birth
	// dates YYYY-MM-DD or "", countries ISO alpha-2 where recognised,
	// salutations mapped from the portal's gender code.
	Username   string
	Salutation string
	Email      string
	FirstName  string
	LastName   string
	Title      string
	BirthDate  string // YYYY-MM-DD when the portal has one, else ""

	Street  string
	Zip     string
	City    string
	Country string

	Phone   string
	Mobile  string
	Company string

	Groups     []string
	Registered time.Time
	// Changed is when the portal last changed the row (TYPO3 tstamp, the
	// time the WordPress plugin recorded a change), zero when it does not
	// say. The central record orders the changes of a person's accounts
	// by it: the most recent change wins.
	Changed time.Time

	// Number, HH and PE are the values currently in the portal's columns
	// (customer number, Wibisoft household id, Wibisoft person id).
	Number string
	HH     string
	PE     string

	// Ambiguous describes each of keysync's keys of which the row holds
	// more than one value, such as `keysync_customer_number: "", "000000013"`:
	// WordPress keeps user meta without a unique key, and a plugin or an
	// import can leave a second row whose value WordPress itself never
	// reads. Nothing is decided or written for such a row (a conflict).
	Ambiguous []string
}

// AccountStatus is an account's state as the central store records it
// (accounts.status): the person keeps the number in every state.
type AccountStatus string

// Account states, in the order of the central ENUM.
const (
	// StatusActive: a confirmed member (Account.Active).
	StatusActive AccountStatus = "active"
	// StatusInactive: disabled, expired or not yet confirmed.
	StatusInactive AccountStatus = "inactive"
	// StatusDeleted: the portal row is soft-deleted.
	StatusDeleted AccountStatus = "deleted"
	// StatusGone: the portal row no longer exists (found by reconciliation).
	StatusGone AccountStatus = "gone"
)

// AccountStatuses lists every state in the order of the central ENUM.
var AccountStatuses = []AccountStatus{StatusActive, StatusInactive, StatusDeleted, StatusGone}

// Status is the central state the portal row calls for. It is the one
// place a row's flags become a state: the central store records it when it
// links an account, a reconciliation compares it with the recorded one.
func (a Account) Status() AccountStatus {
	switch {
	case a.Active:
		return StatusActive
	case a.Deleted:
		return StatusDeleted
	default:
		return StatusInactive
	}
}

// Fingerprint identifies the row's content: every value keysync reads of
// it except when it changed, hashed. A row whose values a database refused
// is skipped while its fingerprint stays the same (ConflictRowRefused), so
// it costs one conflict, not a failure on every pass, and is tried again
// as soon as anything in it changes.
func (a Account) Fingerprint() string {
	h := sha256.New()
	var buf []byte
	put := func(s string) { // "len:s|"
		buf = append(strconv.AppendInt(buf[:0], int64(len(s)), 10), ':')
		buf = append(append(buf, s...), '|')
		h.Write(buf)
	}
	put(a.Source)
	put(strconv.FormatUint(a.ID, 10))
	put(strconv.FormatBool(a.Active))
	put(strconv.FormatBool(a.Deleted))
	put(a.Username)
	for _, f := range Fields {
		put(a.Value(f))
	}
	put(strconv.Itoa(len(a.Groups)))
	for _, g := range a.Groups {
		put(g)
	}
	put(strconv.FormatInt(a.Registered.Unix(), 10))
	for _, s := range append([]string{a.Number, a.HH, a.PE}, a.Ambiguous...) {
		put(s)
	}
	return "row:" + hex.EncodeToString(h.Sum(nil)[:8])
}

// Key names the account in logs, events and conflicts: "source:id".
func (a Account) Key() string { return AccountKey(a.Source, a.ID) }

// AccountKey formats the account reference used in events, conflicts and
// the command line: "source:id".
func AccountKey(source string, id uint64) string {
	return source + ":" + strconv.FormatUint(id, 10)
}
