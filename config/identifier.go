package config

import "regexp"

// identifierRE matches the table and column names keysync puts into SQL.
// They cannot be bound as parameters, so only plain names are accepted and
// quoting never has to deal with anything else.
var identifierRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,63}$`)

// ValidIdentifier reports whether s is a table or column name keysync may
// interpolate into SQL: a letter or underscore, then up to 63 letters, digits
// or underscores (MySQL's limit is 64 characters). It is exported so that the
// source packages apply the same rule to names they derive themselves.
func ValidIdentifier(s string) bool {
	return identifierRE.MatchString(s)
}
