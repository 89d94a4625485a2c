package config

import (
	"strconv"
	"strings"
	"time"
)

// day is the unit of a retention written in days (730d).
const day = 24 * time.Hour

// parseRetention reads a retention: empty for never (0), days as "730d",
// or a Go duration. Below a day is refused: "30m" is thirty minutes to Go,
// and a retention that short would forget a person as soon as a portal
// deletes the account, which is what keysync forget is for.
func parseRetention(name, v string) (time.Duration, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, nil
	}
	var d time.Duration
	if days, ok := strings.CutSuffix(v, "d"); ok {
		n, err := strconv.ParseUint(days, 10, 32)
		if err != nil {
			return 0, &Error{Var: name, Value: v, Reason: "not a retention: days (730d) or a Go duration (17520h)"}
		}
		d = time.Duration(n) * day
	} else {
		var err error
		if d, err = time.ParseDuration(v); err != nil {
			return 0, &Error{Var: name, Value: v, Reason: "not a retention: days (730d) or a Go duration (17520h)"}
		}
	}
	if d < day {
		return 0, &Error{Var: name, Value: v, Reason: "must be at least 1d (a day); empty never forgets"}
	}
	return d, nil
}

// FormatRetention prints a retention as an operator writes it: whole days
// as "730d", "" for never.
func FormatRetention(d time.Duration) string {
	switch {
	case d == 0:
		return ""
	case d%day == 0:
		return strconv.FormatInt(int64(d/day), 10) + "d"
	}
	return formatDuration(d)
}
