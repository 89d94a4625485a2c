package keysync

// Person is the central view of one person that a decision needs.
type Person struct {
	Number string
	HH     string
	PE     string
	// Profile holds the normalised identity of the person's first account;
	// for the candidates of ByEmail and Similar, that of the account found.
	Profile Profile
	// Forgotten is set for a person keysync erased (keysync forget) and for
	// the numbers merged into one: its number and ids stay taken for ever,
	// and no portal row is ever linked to it again or read into it.
	Forgotten bool
}
