package config

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"keysync/sync/number"
)

// fits reports a sequence start that its template cannot print, which would
// otherwise only surface when the first number is assigned. A nil template
// was already reported as unparsable.
func fits(name string, start uint64, templateVar string, t *number.Template) error {
	if t == nil || start <= t.MaxSeq() {
		return nil
	}
	return &Error{Var: name, Value: strconv.FormatUint(start, 10),
		Reason: fmt.Sprintf("does not fit %s=%q, whose largest sequence value is %d", templateVar, t.String(), t.MaxSeq())}
}

// atLeast reports a duration below its floor.
func atLeast(name string, d, floor time.Duration) error {
	if d >= floor {
		return nil
	}
	return &Error{Var: name, Value: formatDuration(d), Reason: "must be at least " + formatDuration(floor)}
}

// oneOf checks *value against choices ignoring case and stores the canonical
// lower-case spelling, so that INFO and info both work.
func oneOf(name string, value *string, choices []string) error {
	lower := strings.ToLower(*value)
	if !slices.Contains(choices, lower) {
		return &Error{Var: name, Value: *value, Reason: "must be one of " + strings.Join(choices, ", ")}
	}
	*value = lower
	return nil
}

// formatDuration prints d without trailing zero units, "5m" rather than
// "5m0s", so that it reads like the value an operator writes.
func formatDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}
