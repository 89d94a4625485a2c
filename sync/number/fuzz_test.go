package number

import (
	"errors"
	"strings"
	"testing"
)

// changeDigit replaces the digit at the k-th digit position of s (counting
// only ASCII digits, modulo their number) with a different digit chosen by
// delta. It returns false when s has no digits.
func changeDigit(s string, k uint, delta uint8) (string, bool) {
	var at []int
	for i := 0; i < len(s); i++ {
		if isDigit(s[i]) {
			at = append(at, i)
		}
	}
	if len(at) == 0 {
		return s, false
	}
	i := at[k%uint(len(at))]
	d := '0' + (s[i]-'0'+1+delta%9)%10
	return s[:i] + string(rune(d)) + s[i+1:], true
}

func FuzzTemplateRoundTrip(f *testing.F) {
	f.Add("{seq:8}{check}", uint64(12345), uint8(0), "AT", uint(3), uint8(0))
	f.Add("AT-{seq:6}{check}", uint64(999999), uint8(1), "", uint(0), uint8(4))
	f.Add("{country}{seq:7}{check}", uint64(0), uint8(2), "DE", uint(7), uint8(8))
	f.Add("42{seq:4}{check}", uint64(1), uint8(3), "", uint(1), uint8(2))
	f.Add("{seq:18}{check}-01", uint64(1<<63), uint8(1), "ZZ", uint(19), uint8(5))
	f.Add("K {seq:5}/{check}.x_y{country}", uint64(77), uint8(0), "CH", uint(5), uint8(1))
	f.Add("{seq:1}", uint64(10), uint8(0), "", uint(0), uint8(0))
	f.Add("{seq:3}{check}{check}", uint64(5), uint8(0), "", uint(0), uint8(0))
	f.Add("{seq:8", uint64(5), uint8(0), "", uint(0), uint8(0))
	f.Add("{seq:99999999999999999999}", uint64(5), uint8(0), "", uint(0), uint8(0))
	f.Fuzz(func(t *testing.T, src string, seq uint64, algIndex uint8, country string, k uint, delta uint8) {
		alg := algorithms[int(algIndex)%len(algorithms)]
		tmpl, err := ParseTemplate(src, alg)
		if err != nil {
			return
		}
		if tmpl.String() != src {
			t.Fatalf("String() = %q, want %q", tmpl.String(), src)
		}
		seq %= tmpl.MaxSeq() + 1
		if !isCountry(country) {
			country = "AT"
		}
		n, err := tmpl.Format(seq, country)
		if err != nil {
			t.Fatalf("%q.Format(%d, %q): %v", src, seq, country, err)
		}
		if len(n) != tmpl.MaxLen() {
			t.Fatalf("%q: len(%q) = %d, MaxLen() = %d", src, n, len(n), tmpl.MaxLen())
		}
		wantCountry := ""
		if tmpl.UsesCountry() {
			wantCountry = country
		}
		got, gotCountry, err := tmpl.Parse(n)
		if err != nil || got != seq || gotCountry != wantCountry {
			t.Fatalf("%q.Parse(%q) = %d, %q, %v; want %d, %q", src, n, got, gotCountry, err, seq, wantCountry)
		}
		if err := tmpl.Validate(n); err != nil {
			t.Fatalf("%q.Validate(%q): %v", src, n, err)
		}
		if _, err := tmpl.Format(tmpl.MaxSeq()+1, country); !errors.Is(err, ErrOverflow) {
			t.Fatalf("%q.Format(MaxSeq+1) = %v, want ErrOverflow", src, err)
		}
		if !tmpl.HasCheck() {
			return
		}
		changed, ok := changeDigit(n, k, delta)
		if !ok {
			t.Fatalf("%q.Format = %q has no digits", src, n)
		}
		if err := tmpl.Validate(changed); err == nil {
			t.Fatalf("%q.Validate(%q) accepted a changed copy of %q", src, changed, n)
		}
	})
}

func FuzzAlgorithms(f *testing.F) {
	f.Add("7992739871", uint(0), uint8(0))
	f.Add("572", uint(1), uint8(3))
	f.Add("236", uint(2), uint8(8))
	f.Add("32142829123456987654321611", uint(25), uint8(1))
	f.Add("0", uint(0), uint8(0))
	f.Add("", uint(0), uint8(0))
	f.Add("12a4", uint(0), uint8(0))
	f.Add("١٢٣", uint(0), uint8(0))
	f.Add(strings.Repeat("9", 300), uint(150), uint8(4))
	f.Fuzz(func(t *testing.T, s string, k uint, delta uint8) {
		for _, a := range algorithms {
			c, err := a.Compute(s)
			a.Valid(s)
			if !allDigits(s) {
				if err == nil {
					t.Fatalf("%s: Compute(%q) = %q, want error", a.Name(), s, c)
				}
				continue
			}
			if err != nil {
				t.Fatalf("%s: Compute(%q): %v", a.Name(), s, err)
			}
			full := s + c
			if len(c) != a.Digits() || !a.Valid(full) {
				t.Fatalf("%s: Compute(%q) = %q, Valid(%q) = %v", a.Name(), s, c, full, a.Valid(full))
			}
			changed, _ := changeDigit(full, k, delta)
			if a.Valid(changed) {
				t.Fatalf("%s: Valid(%q) = true for a changed copy of %q", a.Name(), changed, full)
			}
		}
	})
}

// maxFuzzLen bounds the input of FuzzValidate; it is well above the length
// of any number a template can produce.
const maxFuzzLen = 256

func FuzzValidate(f *testing.F) {
	templates := []*Template{}
	for i, src := range []string{"{seq:8}{check}", "AT-{seq:6}{check}", "{country}{seq:7}{check}", "42{seq:4}{check}-X", "{seq:3}"} {
		tmpl, err := ParseTemplate(src, algorithms[i%len(algorithms)])
		if err != nil {
			f.Fatal(err)
		}
		templates = append(templates, tmpl)
		n, err := tmpl.Format(123, "AT")
		if err != nil {
			f.Fatal(err)
		}
		f.Add(n)
		f.Add(" " + n + " ")
	}
	f.Add("")
	f.Add("AT-")
	f.Add("AT-١٢٣٤٥٦7")
	f.Add("\xff\xfe")
	f.Add(strings.Repeat("9", 100))
	f.Add(strings.Repeat("ä", 100))
	f.Fuzz(func(t *testing.T, s string) {
		// Longer inputs only repeat the loops over the input and make the
		// fuzzer spend its time minimizing them; TestValidateErrors covers
		// very long numbers.
		if len(s) > maxFuzzLen {
			s = s[:maxFuzzLen]
		}
		for _, tmpl := range templates {
			err := tmpl.Validate(s)
			seq, country, perr := tmpl.Parse(s)
			if (err == nil) != (perr == nil) {
				t.Fatalf("%q: Validate(%q) = %v but Parse error = %v", tmpl, s, err, perr)
			}
			if err != nil {
				continue
			}
			// Every accepted number is the canonical formatting of its parts.
			n, ferr := tmpl.Format(seq, country)
			if ferr != nil || n != strings.TrimSpace(s) {
				t.Fatalf("%q: Validate(%q) ok but Format(%d, %q) = %q, %v", tmpl, s, seq, country, n, ferr)
			}
		}
	})
}
