package main

import (
	"regexp"
	"strconv"
	"testing"
)

// plainID is what the registration API documents as an account id: a
// number from 1 in plain digits, no sign, no leading zero.
var plainID = regexp.MustCompile(`^[1-9][0-9]*$`)

// FuzzParseAccountID: the {id} of an API path comes from the network. It
// is accepted exactly when it is a plain number from 1 that fits 64 bits,
// and then read as that number.
func FuzzParseAccountID(f *testing.F) {
	for _, s := range []string{"4711", "0", "007", "+1", "-1", " 1", "1 ", "18446744073709551615", "18446744073709551616", "1e3", "0x10", "１２", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		id, ok := parseAccountID(s)
		_, rangeErr := strconv.ParseUint(s, 10, 64)
		if want := plainID.MatchString(s) && rangeErr == nil; ok != want {
			t.Fatalf("parseAccountID(%q) ok=%v, want %v", s, ok, want)
		}
		if ok && strconv.FormatUint(id, 10) != s {
			t.Fatalf("parseAccountID(%q) = %d", s, id)
		}
	})
}
