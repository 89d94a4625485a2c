package wordpress

import (
	"errors"
	"reflect"
	"testing"
	"unicode/utf8"
)

func TestParseRoles(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
		ok   bool
	}{
		{`a:1:{s:10:"subscriber";b:1;}`, []string{"subscriber"}, true},
		{`a:2:{s:13:"administrator";b:1;s:6:"editor";b:1;}`, []string{"administrator", "editor"}, true},
		{`a:2:{s:6:"member";b:1;s:7:"premium";b:0;}`, []string{"member"}, true},
		{`a:1:{s:6:"member";i:1;}`, []string{"member"}, true},
		{`a:1:{s:6:"member";s:1:"1";}`, []string{"member"}, true},
		{`a:0:{}`, nil, true},
		{`a:1:{s:10:"Mitglied·";b:1;}`, []string{"Mitglied·"}, true}, // byte length, as PHP counts
		{``, nil, false},
		{`a:1:{s:10:"subscriber";b:1;`, nil, false},
		{`a:1:{s:99:"subscriber";b:1;}`, nil, false},
		{`a:1:{s:10:"subscriber";b:2;}`, nil, false},
		{`O:8:"stdClass":0:{}`, nil, false},
		{`a:1:{s:1:"x";O:8:"stdClass":0:{}}`, nil, false},
		{`a:1:{s:1:"x";b:1;}junk`, nil, false},
		{`a:-1:{}`, nil, false},
		{`a:99999999:{}`, nil, false},
	} {
		got, err := parseRoles(tc.in)
		if (err == nil) != tc.ok {
			t.Errorf("parseRoles(%q) error = %v, want ok=%v", tc.in, err, tc.ok)
			continue
		}
		if err != nil && !errors.Is(err, errSerial) {
			t.Errorf("parseRoles(%q) error %v does not wrap errSerial", tc.in, err)
		}
		if tc.ok && !reflect.DeepEqual(got, tc.want) {
			t.Errorf("parseRoles(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func FuzzParseRoles(f *testing.F) {
	for _, s := range []string{`a:1:{s:10:"subscriber";b:1;}`, `a:2:{s:1:"a";i:1;s:1:"b";s:0:"";}`, `a:0:{}`, `s:1:"x";`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		roles, err := parseRoles(s)
		if err != nil {
			return
		}
		for _, r := range roles {
			if utf8.ValidString(s) && !utf8.ValidString(r) {
				t.Fatalf("role %q from valid input %q is not valid UTF-8", r, s)
			}
		}
	})
}
