package number

import (
	"errors"
	"strings"
	"testing"
)

func mustTemplate(t *testing.T, src string, alg Algorithm) *Template {
	t.Helper()
	tmpl, err := ParseTemplate(src, alg)
	if err != nil {
		t.Fatal(err)
	}
	return tmpl
}

func TestFormatKnown(t *testing.T) {
	tests := []struct {
		src     string
		alg     Algorithm
		seq     uint64
		country string
		want    string
	}{
		{"{seq:10}{check}", luhn{}, 7992739871, "", "79927398713"},
		{"{seq:3}{check}", damm{}, 572, "", "5724"},
		{"AT-{seq:3}{check}", verhoeff{}, 236, "", "AT-2363"},
		{"{seq:3}{check}", iso7064{}, 794, "", "79444"},
		{"{seq:6}", nil, 0, "", "000000"},
		{"{seq:4}{check}", damm{}, 0, "", "00000"},
		{"{country}{seq:3}{check}", damm{}, 572, "DE", "DE5724"},
		{"{seq:3}", nil, 7, "ignored", "007"},
		// Literal digits are part of the payload: Damm over "572".
		{"5{seq:2}{check}", damm{}, 72, "", "5724"},
		{"5-{seq:1}.2{check}", damm{}, 7, "", "5-7.24"},
		// Digits after {check} are not covered by it.
		{"{seq:3}{check}-01", damm{}, 572, "", "5724-01"},
	}
	for _, tt := range tests {
		got, err := mustTemplate(t, tt.src, tt.alg).Format(tt.seq, tt.country)
		if err != nil || got != tt.want {
			t.Errorf("%q.Format(%d, %q) = %q, %v; want %q", tt.src, tt.seq, tt.country, got, err, tt.want)
		}
	}
}

func TestPrefixDigitsCovered(t *testing.T) {
	tmpl := mustTemplate(t, "42{seq:4}{check}", damm{})
	got, err := tmpl.Format(1234, "")
	if err != nil {
		t.Fatal(err)
	}
	want, _ := (damm{}).Compute("421234")
	if got != "421234"+want {
		t.Fatalf("Format = %q, want %q", got, "421234"+want)
	}
	// A number from another prefix with the right check for its own digits
	// is refused, because the prefix is covered too.
	other := mustTemplate(t, "43{seq:4}{check}", damm{})
	n, _ := other.Format(1234, "")
	if err := tmpl.Validate("42" + n[2:]); !errors.Is(err, ErrCheckDigit) {
		t.Errorf("Validate(%q) = %v", "42"+n[2:], err)
	}
}

func TestFormatParseRoundTrip(t *testing.T) {
	srcs := []string{"{seq:8}{check}", "AT-{seq:6}{check}", "{country}{seq:7}{check}", "{seq:1}", "42{seq:4}{check}", "{seq:18}{check}"}
	for _, src := range srcs {
		for _, alg := range algorithms {
			tmpl := mustTemplate(t, src, alg)
			for _, seq := range []uint64{0, 1, 7, 9, 12345, tmpl.MaxSeq() / 3, tmpl.MaxSeq()} {
				if seq > tmpl.MaxSeq() {
					continue
				}
				n, err := tmpl.Format(seq, "CH")
				if err != nil {
					t.Fatalf("%q.Format(%d): %v", src, seq, err)
				}
				if len(n) != tmpl.MaxLen() {
					t.Errorf("%q: len(%q) = %d, MaxLen = %d", src, n, len(n), tmpl.MaxLen())
				}
				got, country, err := tmpl.Parse("  " + n + "\t")
				wantCountry := ""
				if tmpl.UsesCountry() {
					wantCountry = "CH"
				}
				if err != nil || got != seq || country != wantCountry {
					t.Errorf("%q.Parse(%q) = %d, %q, %v; want %d, %q", src, n, got, country, err, seq, wantCountry)
				}
			}
		}
	}
}

func TestFormatOverflow(t *testing.T) {
	for _, src := range []string{"{seq:1}", "AT-{seq:6}{check}", "{seq:18}{check}"} {
		tmpl := mustTemplate(t, src, damm{})
		if _, err := tmpl.Format(tmpl.MaxSeq(), "AT"); err != nil {
			t.Errorf("%q.Format(MaxSeq): %v", src, err)
		}
		n, err := tmpl.Format(tmpl.MaxSeq()+1, "AT")
		if !errors.Is(err, ErrOverflow) {
			t.Errorf("%q.Format(MaxSeq+1) = %q, %v; want ErrOverflow", src, n, err)
		}
	}
	tmpl := mustTemplate(t, "{seq:18}", nil)
	if _, err := tmpl.Format(^uint64(0), ""); !errors.Is(err, ErrOverflow) {
		t.Errorf("Format(MaxUint64) = %v, want ErrOverflow", err)
	}
}

func TestFormatCountry(t *testing.T) {
	tmpl := mustTemplate(t, "{country}{seq:7}{check}", damm{})
	for _, bad := range []string{"", "A", "at", "At", "AUT", "A1", "Ä", "ÄÖ", " AT"} {
		if n, err := tmpl.Format(1, bad); !errors.Is(err, ErrCountry) {
			t.Errorf("Format(1, %q) = %q, %v; want ErrCountry", bad, n, err)
		}
	}
	n, err := tmpl.Format(1, "AT")
	if err != nil || !strings.HasPrefix(n, "AT0000001") {
		t.Fatalf("Format(1, AT) = %q, %v", n, err)
	}
	for _, bad := range []string{"at" + n[2:], "A1" + n[2:], "1" + n[1:]} {
		if err := tmpl.Validate(bad); !errors.Is(err, ErrMalformed) {
			t.Errorf("Validate(%q) = %v, want ErrMalformed", bad, err)
		}
	}
	// The country letters are not digits, so they do not enter the check:
	// another country with the same digits is still a valid number.
	if err := tmpl.Validate("DE" + n[2:]); err != nil {
		t.Errorf("Validate(%q) = %v", "DE"+n[2:], err)
	}
}

func TestValidateErrors(t *testing.T) {
	tmpl := mustTemplate(t, "AT-{seq:6}{check}", damm{})
	good, _ := tmpl.Format(123456, "")
	if err := tmpl.Validate(good); err != nil {
		t.Fatalf("Validate(%q) = %v", good, err)
	}
	wrong := good[:len(good)-1] + string('0'+(good[len(good)-1]-'0'+1)%10)
	malformed := []string{"", "AT-12345", "at-1234567", "AT_1234567", "AT-12345x7", "AT-123456x",
		"AT-1234567 8", "AT -1234567", "AT-١٢٣٤٥٦7", "AT-1234567\x00", strings.Repeat("9", 1000)}
	for _, n := range malformed {
		err := tmpl.Validate(n)
		if !errors.Is(err, ErrMalformed) || errors.Is(err, ErrCheckDigit) {
			t.Errorf("Validate(%q) = %v, want ErrMalformed", n, err)
		}
	}
	err := tmpl.Validate(wrong)
	if !errors.Is(err, ErrCheckDigit) || errors.Is(err, ErrMalformed) {
		t.Errorf("Validate(%q) = %v, want ErrCheckDigit", wrong, err)
	}
	if !strings.Contains(err.Error(), `"`+wrong+`"`) {
		t.Errorf("error %q does not quote the number", err)
	}
	for n, want := range map[string]string{
		"AT-12":       `malformed number "AT-12": want 10 characters, got 5`,
		"AT-12345x7":  `malformed number "AT-12345x7": want 6 digits at position 4`,
		"AT-123456x":  `malformed number "AT-123456x": want a check digit at position 10`,
		"AB-1234567":  `malformed number "AB-1234567": want "AT-" at position 1`,
		"AT-١٢٣٤٥٦7":  `malformed number "AT-١٢٣٤٥٦7": unexpected '١' at position 4`,
		" " + wrong:   `wrong check digit in "` + wrong + `"`,
		"AT-1234567 ": `wrong check digit in "AT-1234567"`,
	} {
		if err := tmpl.Validate(n); err == nil || err.Error() != want {
			t.Errorf("Validate(%q) = %v, want %s", n, err, want)
		}
	}
	long := tmpl.Validate(strings.Repeat("9", 1000))
	if len(long.Error()) > 200 {
		t.Errorf("error for a long input is %d bytes long", len(long.Error()))
	}
}
