package keysync

import "keysync/sync/match"

// Profile is the normalised identity of an account: what decisions compare.
type Profile struct {
	Email     string // match.Email
	FirstName string // match.FirstName (nicknames folded)
	LastName  string // match.Name
	BirthDate string
	// Generation is the marker of parent and child with one name,
	// match.Generation of the first or last name field: "jun", "sen" or "".
	Generation string
	// Country is the ISO alpha-2 code of the address, else the source's
	// default; numbers with {country} use it.
	Country string
	// Household is HouseholdKey: the dwelling with its unit, and the
	// surname.
	Household string
	// Address is the dwelling's key (match.Address.Key), Postcode and City
	// the normalised parts that fuzzy matching compares.
	Address  string
	Postcode string
	City     string
	// Blocks are the fuzzy-candidate keys, computed once by NewProfile.
	Blocks Blocks
}

// NewProfile normalises an account for matching. defaultCountry is the
// source's country, used when the row names none.
func NewProfile(a Account, defaultCountry string) Profile {
	first, last := a.FirstName, a.LastName
	addr := match.ParseAddress(a.Street, a.Zip, a.City, a.Country, defaultCountry)
	p := Profile{
		Email:      match.Email(a.Email),
		FirstName:  match.FirstName(first),
		LastName:   match.Name(last),
		BirthDate:  a.BirthDate,
		Generation: Generation(first, last),
		Country:    addr.Country,
		Household:  HouseholdKey(addr, last),
		Address:    addr.Key(),
		Postcode:   addr.Postcode,
		City:       addr.City,
	}
	p.Blocks = BlockingKeys(p)
	return p
}

// Generation is the generation marker of a name (match.Generation), read
// from the first-name field, else from the last-name field.
func Generation(first, last string) string {
	if g := match.Generation(first); g != "" {
		return g
	}
	return match.Generation(last)
}
