package testdb

import (
	"testing"

	"keysync/sync/number"
)

// MustTemplate parses a number template with the default check digits
// (Damm), as KEYSYNC_NUMBER_FORMAT and its siblings are parsed.
func MustTemplate(tb testing.TB, text string) *number.Template {
	tb.Helper()
	alg, err := number.Lookup("damm")
	if err != nil {
		tb.Fatal(err)
	}
	t, err := number.ParseTemplate(text, alg)
	if err != nil {
		tb.Fatalf("template %q: %v", text, err)
	}
	return t
}
