package typo3

import (
	"math"
	"strconv"
	"strings"
	"time"
)

// lenientInt scans one of fe_users' integer columns (pid, deleted,
// disable, starttime, endtime, crdate) as keysync needs it, whatever a
// site's schema made of the column: NULL (a column altered to allow it)
// is 0, a value beyond int64 (BIGINT UNSIGNED) is math.MaxInt64, text that
// is no integer is 0. A scan error would stop the whole batch, and with it
// every later row of the portal, for one odd row.
type lenientInt int64

// Scan implements sql.Scanner.
func (n *lenientInt) Scan(v any) error {
	switch x := v.(type) {
	case nil:
		*n = 0
	case int64:
		*n = lenientInt(x)
	case uint64:
		*n = lenientInt(min(x, math.MaxInt64))
	case float64:
		*n = lenientInt(clampFloat(x))
	case []byte:
		*n = parseLenient(string(x))
	case string:
		*n = parseLenient(x)
	case bool:
		*n = 0
		if x {
			*n = 1
		}
	case time.Time:
		*n = lenientInt(x.Unix())
	default:
		*n = 0
	}
	return nil
}

// parseLenient reads an integer written as text, clamping one beyond
// int64 and reading a decimal by its integer part.
func parseLenient(s string) lenientInt {
	s = strings.TrimSpace(s)
	if i, err := strconv.ParseInt(s, 10, 64); err == nil {
		return lenientInt(i)
	}
	if u, err := strconv.ParseUint(s, 10, 64); err == nil {
		return lenientInt(min(u, math.MaxInt64))
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		return lenientInt(clampFloat(f))
	}
	if strings.HasPrefix(s, "-") && strings.Trim(s[1:], "0123456789") == "" && len(s) > 1 {
		return math.MinInt64
	}
	return 0
}

func clampFloat(f float64) int64 {
	switch {
	case math.IsNaN(f):
		return 0
	case f >= math.MaxInt64:
		return math.MaxInt64
	case f <= math.MinInt64:
		return math.MinInt64
	}
	return int64(f)
}

// latestRegistration is the last second a central DATETIME holds
// (9999-12-31 23:59:59 UTC); a crdate beyond it is no date.
const latestRegistration = 253402300799

// registered turns crdate into the registration time: zero (unknown) for
// none, and for one before 1970 or after year 9999.
func registered(crdate int64) time.Time {
	if crdate <= 0 || crdate > latestRegistration {
		return time.Time{}
	}
	return time.Unix(crdate, 0).UTC()
}
