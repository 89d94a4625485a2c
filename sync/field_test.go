package keysync_test

import (
	"errors"
	"maps"
	"strings"
	"testing"
	"time"

	keysync "keysync/sync"
)

var fieldNow = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

func mustLocation(tb testing.TB, name string) *time.Location {
	tb.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		tb.Fatal(err)
	}
	return loc
}

// TestBirthDateUnix: femanager's date_of_birth is midnight in the TYPO3
// server's time zone; read in UTC, a Vienna birthday would be the day
// before. Without a zone the nearest midnight gives the same day for any
// zone near UTC.
func TestBirthDateUnix(t *testing.T) {
	vienna := mustLocation(t, "Europe/Vienna")
	newYork := mustLocation(t, "America/New_York")
	midnight := func(loc *time.Location, y int, m time.Month, d int) int64 {
		return time.Date(y, m, d, 0, 0, 0, 0, loc).Unix()
	}
	cases := []struct {
		name string
		v    int64
		loc  *time.Location
		want string
		bad  bool
	}{
		{"vienna summer, zone given", midnight(vienna, 1980, 5, 17), vienna, "1980-05-17", false},
		{"vienna summer, nearest midnight", midnight(vienna, 1980, 5, 17), nil, "1980-05-17", false},
		{"vienna winter, nearest midnight", midnight(vienna, 1975, 12, 31), nil, "1975-12-31", false},
		{"before 1970 is negative", midnight(vienna, 1948, 2, 29), vienna, "1948-02-29", false},
		{"new york, nearest midnight", midnight(newYork, 1990, 1, 1), nil, "1990-01-01", false},
		{"midnight UTC", midnight(time.UTC, 2001, 9, 9), nil, "2001-09-09", false},
		{"0 is not set", 0, vienna, "", true},
		{"future", midnight(vienna, 2031, 1, 1), vienna, "", true},
		{"tomorrow", midnight(vienna, 2025, 6, 2), vienna, "", true},
		{"before 1900", midnight(vienna, 1899, 12, 31), vienna, "", true},
		{"today", midnight(vienna, 2025, 6, 1), vienna, "2025-06-01", false},
	}
	for _, tc := range cases {
		got, err := keysync.BirthDateUnix(tc.v, tc.loc, fieldNow)
		if got != tc.want || (err != nil) != tc.bad {
			t.Errorf("%s: BirthDateUnix(%d) = %q, %v; want %q, error %v", tc.name, tc.v, got, err, tc.want, tc.bad)
		}
		if err != nil && !errors.Is(err, keysync.ErrBadValue) {
			t.Errorf("%s: error %v does not wrap ErrBadValue", tc.name, err)
		}
	}
}

func TestBirthDateText(t *testing.T) {
	cases := []struct {
		raw, want string
		bad       bool
	}{
		{"1980-05-17", "1980-05-17", false},
		{" 17.05.1980 ", "1980-05-17", false},
		{"7.5.1980", "1980-05-07", false},
		{"17. 5. 1980", "1980-05-17", false},
		{"1980-05-17 00:00:00", "1980-05-17", false},
		{"", "", false},
		{"31.02.1980", "", true},
		{"1980-13-01", "", true},
		{"1980-02-30", "", true},
		{"29.02.1981", "", true},
		{"29.02.1980", "1980-02-29", false},
		{"irgendwann im Mai", "", true},
		{"1899-12-31", "", true},
		{"2099-01-01", "", true},
		{"17/05/1980", "", true},
		{`a:1:{s:4:"date";s:10:"1980-05-17";}`, "", true},
	}
	for _, tc := range cases {
		got, err := keysync.BirthDateText(tc.raw, fieldNow)
		if got != tc.want || (err != nil) != tc.bad {
			t.Errorf("BirthDateText(%q) = %q, %v; want %q, error %v", tc.raw, got, err, tc.want, tc.bad)
		}
	}
	for raw, want := range map[string]string{"1980-05-17 00:00:00": "1980-05-17", "0000-00-00": "", "1980-05-17": "1980-05-17"} {
		if got, err := keysync.BirthDateColumn(raw, fieldNow); got != want || err != nil {
			t.Errorf("BirthDateColumn(%q) = %q, %v; want %q", raw, got, err, want)
		}
	}
}

// TestSalutations: femanager's and sr_feuser_register's shared codes map by
// default; femanager's 2 and sr_feuser_register's 99 have none; a word is
// taken as it is.
func TestSalutations(t *testing.T) {
	s, err := keysync.ParseSalutations(keysync.DefaultSalutations)
	if err != nil {
		t.Fatal(err)
	}
	for raw, want := range map[string]string{"0": "Herr", "1": "Frau", " 1 ": "Frau", "": "", "Frau Dr.": "Frau Dr."} {
		if got, err := s.Of(raw); got != want || err != nil {
			t.Errorf("Of(%q) = %q, %v; want %q", raw, got, err, want)
		}
	}
	for _, raw := range []string{"2", "99", "-1"} {
		if got, err := s.Of(raw); got != "" || !errors.Is(err, keysync.ErrBadValue) {
			t.Errorf("Of(%q) = %q, %v; want unknown", raw, got, err)
		}
	}
	custom, err := keysync.ParseSalutations("1=Frau, 2=, 99=")
	if err != nil {
		t.Fatal(err)
	}
	if got, err := custom.Of("2"); got != "" || err != nil {
		t.Errorf("2= gives %q, %v; want no salutation and no complaint", got, err)
	}
	if got, _ := custom.Of("0"); got != "" {
		t.Errorf("0 without an entry gives %q", got)
	}
	for _, bad := range []string{"Herr", "=Herr", "1=Frau,1=Herr"} {
		if _, err := keysync.ParseSalutations(bad); err == nil {
			t.Errorf("ParseSalutations(%q) accepted", bad)
		}
	}
}

func TestCountryValue(t *testing.T) {
	for raw, want := range map[string]string{"DEU": "DE", "Österreich": "AT", " at ": "AT", "A": "AT", "Kenia": "Kenia", "": ""} {
		if got := keysync.CountryValue(raw); got != want {
			t.Errorf("CountryValue(%q) = %q, want %q", raw, got, want)
		}
	}
}

func TestParseFieldMap(t *testing.T) {
	m, err := keysync.ParseFieldMap(" phone = telephone , street=billing_address_1+billing_address_2, mobile=")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := m.String(), "street=billing_address_1+billing_address_2,phone=telephone,mobile="; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
	if cols := m[keysync.FieldMobile]; cols == nil || len(cols) != 0 {
		t.Errorf("mobile= maps to %#v, want an empty list (read from nowhere)", cols)
	}
	merged := keysync.FieldMap{keysync.FieldPhone: {"x"}, keysync.FieldCity: {"city"}}.With(m)
	if got := merged.String(); got != "street=billing_address_1+billing_address_2,city=city,phone=telephone,mobile=" {
		t.Errorf("With: %q", got)
	}
	for input, want := range map[string]string{
		"handy=mobile":         "unknown field",
		"phone":                "not field=column",
		"memberships=groups":   "cannot be mapped",
		"phone=a,phone=b":      "mapped twice",
		"street=a++b":          "empty column",
		"first_name=x,first=y": "unknown field",
	} {
		if _, err := keysync.ParseFieldMap(input); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseFieldMap(%q) = %v, want an error with %q", input, err, want)
		}
	}
}

func TestAccountValues(t *testing.T) {
	a := keysync.Account{FirstName: "Erika", Phone: "+43 1 234", Groups: []string{"Premium", "Vorstand"}}
	a.SetValue(keysync.FieldBirthDate, "1980-05-17")
	want := map[keysync.Field]string{keysync.FieldFirstName: "Erika", keysync.FieldPhone: "+43 1 234",
		keysync.FieldBirthDate: "1980-05-17", keysync.FieldMemberships: "Premium, Vorstand"}
	got := a.Values()
	if len(got) != len(want) {
		t.Errorf("Values() = %v, want %v", got, want)
	}
	for f, v := range want {
		if got[f] != v {
			t.Errorf("Values()[%s] = %q, want %q", f, got[f], v)
		}
	}
}

func FuzzBirthDateText(f *testing.F) {
	for _, s := range []string{"1980-05-17", "31.02.1980", "1980-13-01", "7.5.1980", "", "x", "0000-00-00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		got, err := keysync.BirthDateText(raw, fieldNow)
		if err != nil {
			if got != "" || !errors.Is(err, keysync.ErrBadValue) {
				t.Fatalf("BirthDateText(%q) = %q, %v", raw, got, err)
			}
			return
		}
		if got == "" {
			return
		}
		d, perr := time.Parse(time.DateOnly, got)
		if perr != nil || d.Before(time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC)) || d.After(fieldNow) {
			t.Fatalf("BirthDateText(%q) = %q: not a date between 1900 and now", raw, got)
		}
	})
}

func FuzzParseFieldMap(f *testing.F) {
	for _, s := range []string{"phone=telephone", "street=a+b,mobile=", "x", "=,=", "phone=a,phone=b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m, err := keysync.ParseFieldMap(s)
		if err != nil {
			return
		}
		again, err := keysync.ParseFieldMap(m.String())
		if err != nil || again.String() != m.String() {
			t.Fatalf("ParseFieldMap(%q).String() = %q does not read back: %v", s, m.String(), err)
		}
	})
}

// FuzzParseSalutations: whatever KEYSYNC_SOURCE_<NAME>_SALUTATIONS holds,
// reading it never panics, and a table it accepts says for every code the
// salutation written after it, and reads the same when written out again.
func FuzzParseSalutations(f *testing.F) {
	for _, s := range []string{keysync.DefaultSalutations, "1=Frau, 2=, 99=", "0=Herr,0=Frau", "=Herr", "Herr", ",,", "0==", "x=y=z"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		table, err := keysync.ParseSalutations(s)
		if err != nil {
			return
		}
		var parts []string
		for code, word := range table {
			if strings.ContainsAny(code, ",=") || strings.Contains(word, ",") || code != strings.TrimSpace(code) || word != strings.TrimSpace(word) {
				t.Fatalf("%q: entry %q=%q is not as it was written", s, code, word)
			}
			if got, err := table.Of(" " + code + " "); err != nil || got != word {
				t.Fatalf("%q: Of(%q) = %q, %v, want %q", s, code, got, err, word)
			}
			parts = append(parts, code+"="+word)
		}
		again, err := keysync.ParseSalutations(strings.Join(parts, ","))
		if err != nil || !maps.Equal(again, table) {
			t.Fatalf("%q written out as %q reads %v, %v, want %v", s, strings.Join(parts, ","), again, err, table)
		}
	})
}
