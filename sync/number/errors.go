package number

import (
	"errors"
	"strconv"
	"unicode/utf8"
)

// Sentinel errors let callers tell apart the reasons a number was refused
// with errors.Is, while the wrapping error carries the offending value.
var (
	// ErrOverflow reports a sequence value wider than the template's
	// {seq:N}, because silently printing a longer number would break
	// column sizes and the uniqueness of the fixed-width shape.
	ErrOverflow = errors.New("sequence value does not fit the template")

	// ErrCountry reports a country value that is not two uppercase ASCII
	// letters, so that a bad code never ends up inside a customer number.
	ErrCountry = errors.New("invalid country code")

	// ErrMalformed reports a number whose shape does not match the
	// template, such as a wrong prefix, length or a letter among digits.
	ErrMalformed = errors.New("malformed number")

	// ErrCheckDigit reports a number of the right shape whose check digits
	// do not match, which usually means a typing mistake.
	ErrCheckDigit = errors.New("wrong check digit")
)

// maxQuoted bounds how much of an untrusted value is echoed in an error
// message, so that garbage input cannot flood the logs.
const maxQuoted = 80

// quote renders s for an error message with %q-style quoting, cutting it at
// a rune boundary after maxQuoted bytes to keep messages short.
func quote(s string) string {
	if len(s) <= maxQuoted {
		return strconv.Quote(s)
	}
	n := maxQuoted
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return strconv.Quote(s[:n]) + "..."
}
