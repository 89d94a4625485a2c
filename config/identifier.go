package config

import "keysync/internal/sqlutil"

// ValidIdentifier reports whether s is a table or column name keysync may
// interpolate into SQL: a letter or underscore, then up to 63 letters, digits
// or underscores (MySQL's limit is 64 characters). Such names cannot be bound
// as parameters, so only plain names are accepted. The rule is the one the
// sources apply before quoting (sqlutil.ValidIdent), so configuration and
// SQL never disagree.
func ValidIdentifier(s string) bool {
	return sqlutil.ValidIdent(s)
}
