package linkage

import (
	"time"

	keysync "keysync/sync"
)

// The three portals of the association.
const (
	PortalAmicas    = "amicas"    // TYPO3 v13, the main member portal
	PortalClub      = "club"      // TYPO3 v12, the club site
	PortalCommunity = "community" // WordPress, the community site
)

// Portal describes what one portal collects, which decides how complete its
// registrations are.
type Portal struct {
	Name string
	// Country is the source's default country, used when a row names none.
	Country string
	// Weight is the portal's share of first registrations.
	Weight float64
	// Birth and Address are the shares of its registrations that carry a
	// birth date and a postal address.
	Birth, Address float64
}

// Portals lists the portals in a fixed order.
var Portals = []Portal{
	{Name: PortalAmicas, Country: "AT", Weight: 0.40, Birth: 0.80, Address: 0.85},
	{Name: PortalClub, Country: "AT", Weight: 0.30, Birth: 0.60, Address: 0.80},
	{Name: PortalCommunity, Country: "AT", Weight: 0.30, Birth: 0.05, Address: 0.40},
}

// PortalCountry returns the default country of a portal, "" if unknown.
func PortalCountry(portal string) string {
	for _, p := range Portals {
		if p.Name == portal {
			return p.Country
		}
	}
	return ""
}

// Scenario kinds of a person's first registration: the kind of household
// the person lives in, which decides whom the person can be mistaken for.
const (
	// KindSingle: a person living alone, or whose household members are not
	// members of the association.
	KindSingle = "single"
	// KindCoupleMailbox: one of a couple sharing one mailbox and one
	// address; the surname is the same or not.
	KindCoupleMailbox = "couple_mailbox"
	// KindCouple: one of a couple at one address with an e-mail address
	// each.
	KindCouple = "couple"
	// KindParentChild: parent or child with the same first name, surname and
	// address, born 25 to 35 years apart, sometimes with "jun."/"sen.".
	KindParentChild = "parent_child"
	// KindTwin: one of twins: same surname, address and birth date,
	// different (often alike) first names.
	KindTwin = "twin"
	// KindNamesake: an unrelated person with the same first name and
	// surname as an earlier person, but another birth date, address and
	// e-mail address.
	KindNamesake = "namesake"
)

// Scenario kinds of a person's second and third registration: how it
// differs from what the person entered before.
const (
	// KindExact: the same data again, written with the usual small
	// variations (case, titles, street abbreviations, Stiege/Top notation).
	KindExact = "exact"
	// KindOtherEmail: another e-mail address on this portal.
	KindOtherEmail = "other_email"
	// KindGmailVariant: the same Gmail mailbox with dots, a +tag or
	// googlemail.com.
	KindGmailVariant = "gmail_variant"
	// KindTypoFirst and KindTypoLast: one letter substituted by a
	// neighbouring key or two adjacent letters transposed.
	KindTypoFirst = "typo_first"
	KindTypoLast  = "typo_last"
	// KindUmlaut: Müller written Mueller or Muller, Weiß written Weiss.
	KindUmlaut = "umlaut"
	// KindSwapped: first and last name entered in each other's field.
	KindSwapped = "swapped"
	// KindNickname: Hans for Johann, Sepp for Josef, Resi for Theresia.
	KindNickname = "nickname"
	// KindMarried: a new surname after marriage (sometimes double-
	// barrelled), same first name and birth date, often a new e-mail
	// address and a new home.
	KindMarried = "married"
	// KindMoved: a new address.
	KindMoved = "moved"
	// KindBirthTypo: a birth date with a typo (a digit off, day and month
	// swapped).
	KindBirthTypo = "birth_typo"
)

// FirstKinds and RepeatKinds list the scenario kinds in report order.
var (
	FirstKinds  = []string{KindSingle, KindCoupleMailbox, KindCouple, KindParentChild, KindTwin, KindNamesake}
	RepeatKinds = []string{KindExact, KindOtherEmail, KindGmailVariant, KindTypoFirst, KindTypoLast, KindUmlaut,
		KindSwapped, KindNickname, KindMarried, KindMoved, KindBirthTypo}
)

// How a registration's e-mail address relates to the person's earlier
// registrations (Registration.Mail).
const (
	MailOwn     = "own"     // first registration, the person's own address
	MailShared  = "shared"  // first registration, a mailbox shared with the household
	MailSame    = "same"    // as before, perhaps in other letter case
	MailVariant = "variant" // the same Gmail mailbox written differently
	MailOther   = "other"   // another address of the same person
	MailNone    = "none"    // left empty
)

// Registration is one generated portal account: the fields a portal stores
// and, hidden from the decision, the truth and the scenario it stands for.
type Registration struct {
	// Seq is the arrival order, from 0.
	Seq        int
	Portal     string
	AccountID  uint64 // per portal, from 1 in arrival order
	Registered time.Time

	Email     string
	FirstName string
	LastName  string
	Title     string
	BirthDate string // YYYY-MM-DD or ""
	Street    string
	Zip       string
	City      string
	Country   string

	// PersonID and HouseholdID are the truth: registrations with the same
	// PersonID are one person, persons with the same HouseholdID live
	// together.
	PersonID    int
	HouseholdID int
	// DwellingID names the dwelling the address describes, 0 when the
	// registration has none.
	DwellingID int
	// Nth counts the person's registrations in arrival order, from 0.
	Nth int
	// Kind is the scenario: one of FirstKinds when Nth is 0, else one of
	// RepeatKinds.
	Kind string
	// Household is the kind of household the person lives in (one of
	// FirstKinds).
	Household string
	// Mail relates the e-mail address to the person's earlier
	// registrations (Mail* constants).
	Mail string
	// Tags name further variations applied to this registration.
	Tags []string
}

// Account returns the registration as the account a source would read:
// confirmed, active and without any number yet.
func (r Registration) Account() keysync.Account {
	return keysync.Account{
		Source: r.Portal, ID: r.AccountID, Active: true,
		Username: r.Email, Email: r.Email, FirstName: r.FirstName, LastName: r.LastName, Title: r.Title,
		BirthDate: r.BirthDate, Street: r.Street, Zip: r.Zip, City: r.City, Country: r.Country,
		Registered: r.Registered,
	}
}

// Key names the registration as keysync does: "portal:id".
func (r Registration) Key() string { return keysync.AccountKey(r.Portal, r.AccountID) }

// Dataset is a generated, labelled set of registrations in arrival order.
type Dataset struct {
	Seed          int64
	Registrations []Registration
	Persons       int
	Households    int
}
