package keysync

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"keysync/sync/match"
)

// ErrBadValue is wrapped by the reasons a portal value cannot be read as
// its field: the field is then unknown for that row, and the row is
// handled as usual. Sources log it at DEBUG with the row.
var ErrBadValue = errors.New("value not usable")

func badValue(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrBadValue}, args...)...)
}

// earliestBirth is the first birth date keysync accepts: anything before
// is a placeholder (1900-01-01 is, often) or a typing slip.
var earliestBirth = time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC)

// BirthDateUnix reads a birth date stored as a unix time, as femanager and
// sr_feuser_register keep date_of_birth: local midnight of the day in the
// TYPO3 server's time zone (negative before 1970, 0 when not set). With
// loc nil the date is that of the nearest midnight, right for any time
// zone within eleven hours of UTC and for midnight UTC itself. The date
// must lie between 1900-01-01 and the day of now.
func BirthDateUnix(v int64, loc *time.Location, now time.Time) (string, error) {
	if v == 0 {
		return "", badValue("0 means not set")
	}
	t := time.Unix(v, 0)
	if loc != nil {
		t = t.In(loc)
	} else {
		t = t.UTC().Add(12 * time.Hour)
	}
	return checkBirthDate(time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC), strconv.FormatInt(v, 10), now)
}

var (
	isoDate    = regexp.MustCompile(`^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]00:00(?::00)?)?$`)
	germanDate = regexp.MustCompile(`^(\d{1,2})\.\s?(\d{1,2})\.\s?(\d{4})$`)
)

// BirthDateText reads a birth date typed as text, as WordPress plugins keep
// it in user meta: 1980-05-17 or 17.05.1980 (also 17.5.1980). Empty is
// unknown without complaint; anything else that is not a day of the
// calendar between 1900-01-01 and the day of now (31.02.1980, 1980-13-01,
// free text) is unknown with ErrBadValue.
func BirthDateText(raw string, now time.Time) (string, error) {
	s := strings.TrimSpace(raw)
	if s == "" {
		return "", nil
	}
	var y, m, d string
	if p := isoDate.FindStringSubmatch(s); p != nil {
		y, m, d = p[1], p[2], p[3]
	} else if p := germanDate.FindStringSubmatch(s); p != nil {
		y, m, d = p[3], p[2], p[1]
	} else {
		return "", badValue("%q is no date (YYYY-MM-DD or DD.MM.YYYY)", clipped(s))
	}
	year, _ := strconv.Atoi(y)
	month, _ := strconv.Atoi(m)
	day, _ := strconv.Atoi(d)
	t := time.Date(year, time.Month(month), day, 0, 0, 0, 0, time.UTC)
	if t.Year() != year || int(t.Month()) != month || t.Day() != day {
		return "", badValue("%q is no day of the calendar", s)
	}
	return checkBirthDate(t, s, now)
}

// BirthDateColumn reads a birth date from a DATE or DATETIME column as the
// driver returns it ("1980-05-17", "1980-05-17 00:00:00"); MariaDB's zero
// date is unknown.
func BirthDateColumn(raw string, now time.Time) (string, error) {
	s := strings.TrimSpace(raw)
	if s == "" || strings.HasPrefix(s, "0000-00-00") {
		return "", nil
	}
	if len(s) > 10 {
		s = s[:10]
	}
	return BirthDateText(s, now)
}

func checkBirthDate(t time.Time, raw string, now time.Time) (string, error) {
	if t.Before(earliestBirth) {
		return "", badValue("%s lies before 1900", raw)
	}
	if y, m, d := now.Date(); t.After(time.Date(y, m, d, 0, 0, 0, 0, time.UTC)) {
		return "", badValue("%s lies in the future", raw)
	}
	return t.Format(time.DateOnly), nil
}

// clipped shortens a value quoted in a message.
func clipped(s string) string {
	r := []rune(s)
	if len(r) > 40 {
		return string(r[:40]) + "..."
	}
	return s
}

// Salutations maps a portal's gender codes to salutations, e.g.
// femanager's and sr_feuser_register's 0 to Herr and 1 to Frau.
type Salutations map[string]string

// DefaultSalutations is the table of KEYSYNC_SOURCE_<NAME>_SALUTATIONS
// when none is set: 0 = Herr, 1 = Frau, the two codes femanager and
// sr_feuser_register share. femanager's 2 (diverse) and sr_feuser_register's
// 99 (none) have no salutation. femanager's default 0 makes a member who
// never chose one a Herr: sites where that matters set 1=Frau only.
const DefaultSalutations = "0=Herr,1=Frau"

// ParseSalutations reads "code=salutation,..."; a salutation may be empty
// ("2=") to say that a code has none.
func ParseSalutations(s string) (Salutations, error) {
	out := Salutations{}
	for part := range strings.SplitSeq(s, ",") {
		if strings.TrimSpace(part) == "" {
			continue
		}
		code, word, ok := strings.Cut(part, "=")
		code, word = strings.TrimSpace(code), strings.TrimSpace(word)
		switch {
		case !ok || code == "":
			return nil, fmt.Errorf("%q is not code=salutation", strings.TrimSpace(part))
		case hasKey(out, code):
			return nil, fmt.Errorf("code %q is listed twice", code)
		}
		out[code] = word
	}
	return out, nil
}

func hasKey(m Salutations, k string) bool {
	_, ok := m[k]
	return ok
}

// Of returns the salutation of a portal value: the table's entry for a
// listed code; a number the table does not list is unknown (ErrBadValue);
// any other text is taken as the salutation itself, for portals that
// store it as a word.
func (s Salutations) Of(raw string) (string, error) {
	v := strings.TrimSpace(raw)
	if v == "" {
		return "", nil
	}
	if word, ok := s[v]; ok {
		return word, nil
	}
	if _, err := strconv.ParseInt(v, 10, 64); err == nil {
		return "", badValue("gender code %s has no salutation", v)
	}
	return v, nil
}

// CountryValue is the country field of a portal's spelling: the ISO alpha-2
// code when match.Country recognises it (femanager's alpha-3 DEU, Österreich,
// A), else the text as typed.
func CountryValue(raw string) string {
	v := strings.TrimSpace(raw)
	if code, ok := match.Country(v); ok {
		return code
	}
	return v
}
