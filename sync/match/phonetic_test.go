package match

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestPhonetic(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Müller", "657"},
		{"schmidt", "862"},
		{"schneider", "8627"},
		{"fischer", "387"},
		{"wagner", "3467"},
		{"becker", "147"},
		{"hoffmann", "0366"},
		{"Breschnew", "17863"},
		{"Wikipedia", "3412"},
		{"mönchengladbach", "664645214"},
		{"deutsch", "28"},
		{"deutz", "28"},
		{"hamburg", "06174"},
		{"Xanthippe", "48621"},
		{"Müller-Lüdenscheidt", "65752682"},
		{"Müller Lüdenscheidt", "65752682"},
		{"p", "1"},
		{"ph", "3"},
		{"x", "48"},
		{"cx", "48"},
		{"cl", "45"},
		{"acl", "085"},
		{"Philipp", "351"},
		{"Huber", "017"},
		{"Hofer", "037"},
		{"Christoph", "47823"},
		{"Kristof", "47823"},
		{"Mueller", "657"},
		{"MÜLLER", "657"},
		{"Gruber", "4717"},
		{"Strauß", "8278"},
		{"Strauss", "8278"},
		{"", ""},
		{"123 - !", ""},
		{"Céline", "856"},
	}
	for _, tt := range tests {
		if got := Phonetic(tt.in); got != tt.want {
			t.Errorf("Phonetic(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestPhoneticMeierGroup(t *testing.T) {
	for _, n := range []string{"Meier", "Maier", "Mair", "Meyer", "Meyr", "Mejer", "Major", "Mayr", "Mayer"} {
		if got := Phonetic(n); got != "67" {
			t.Errorf("Phonetic(%q) = %q, want 67", n, got)
		}
	}
}

func TestPhoneticSeparatesSoundexCollisions(t *testing.T) {
	if Phonetic("Huber") == Phonetic("Hofer") {
		t.Error("Huber and Hofer must differ")
	}
	if Phonetic("Christoph") != Phonetic("Kristof") {
		t.Error("Christoph and Kristof must agree")
	}
}

func FuzzPhonetic(f *testing.F) {
	for _, s := range []string{"Müller-Lüdenscheidt", "Xanthippe", "acl", "Strauß", "", "\xff", "ÄÖÜß"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := Phonetic(s)
		if !utf8.ValidString(got) {
			t.Fatalf("invalid UTF-8 %q", got)
		}
		if strings.Trim(got, "012345678") != "" {
			t.Fatalf("Phonetic(%q) = %q, not only digits", s, got)
		}
		if strings.Contains(got[min(1, len(got)):], "0") {
			t.Fatalf("Phonetic(%q) = %q has a 0 after the start", s, got)
		}
	})
}
