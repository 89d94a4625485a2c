package match

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

func TestName(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Dr. Maria-Theresia  Müller", "maria theresia mueller"},
		{"Mueller", "mueller"},
		{"MÜLLER", "mueller"},
		{"Müller", "mueller"},
		{"Mu\u0308ller", "mueller"}, // decomposed umlaut
		{"  Hans   Peter ", "hans peter"},
		{"Weiß", "weiss"},
		{"Weiss", "weiss"},
		{"GROẞ", "gross"},
		{"Ötzi Österreicher", "oetzi oesterreicher"},
		{"Jürgen", "juergen"},
		{"René Čech", "rene cech"},
		{"Søren Łukasz", "soren lukasz"},
		{"Dvořák", "dvorak"},
		{"O'Brien", "obrien"},
		{"O’Brien", "obrien"},
		// titles before and after the name
		{"Mag. Hans Müller", "hans mueller"},
		{"Mag.a Eva Huber", "eva huber"},
		{"Mag.ª Eva Huber", "eva huber"},
		{"Dr.in Eva Huber", "eva huber"},
		{"DI Hans Gruber", "hans gruber"},
		{"Dipl.-Ing. Hans Gruber", "hans gruber"},
		{"Dipl.-Ing. (FH) Hans Gruber", "hans gruber"},
		{"Ing. Franz Wagner", "franz wagner"},
		{"Univ.-Prof. Dr. Anna Berger", "anna berger"},
		{"Prof. Dr. med. Karl Huber", "karl huber"},
		{"Dr.med.univ. Karl Huber", "karl huber"},
		{"Mag. rer. nat. Karl Huber", "karl huber"},
		{"Hans Müller, MBA", "hans mueller"},
		{"Hans Müller BSc MSc", "hans mueller"},
		{"Eva Huber, B.A.", "eva huber"},
		{"Eva Huber MA", "eva huber"},
		{"Eva Huber PhD", "eva huber"},
		{"Eva Huber, Ph.D.", "eva huber"},
		{"Herr Dr. Hans Müller", "hans mueller"},
		{"Frau Mag.a Eva Huber", "eva huber"},
		{"Dr. h.c. Hans Müller", "hans mueller"},
		// ambiguous abbreviations that are names
		{"Antonio Di Stefano", "antonio di stefano"},
		{"Di Stefano", "di stefano"},
		{"Ma", "ma"},
		{"MA", "ma"},
		{"DI STEFANO", "di stefano"},
		{"Phil Collins", "phil collins"},
		// particles stay
		{"Ludwig van Beethoven", "ludwig van beethoven"},
		{"von der Heide", "von der heide"},
		// punctuation, initials and junk
		{"H. Müller", "h mueller"},
		{"H.Müller", "h mueller"},
		{"Hans-Peter", "hans peter"},
		{"Hans – Peter", "hans peter"},
		{"Müller (geb. Huber)", "mueller geb huber"},
		{"", ""},
		{"Dr.", ""},
		{"   ", ""},
		{"ﬁscher", "fischer"},
		{"Ｍüller", "mueller"},
		// generation markers end the name; alone they are names
		{"Gruber jun.", "gruber"},
		{"Gruber sen.", "gruber"},
		{"Thomas Gruber Junior", "thomas gruber"},
		{"Hans Huber d. J.", "hans huber"},
		{"Hans Huber d.Ä.", "hans huber"},
		{"Hans Huber jun., MBA", "hans huber"},
		{"Jun", "jun"},
		{"Sen", "sen"},
		{"Jun Li", "jun li"},
		{"jun sen", "jun"},
		{"Hans d.", "hans d"},
		// "Ba" and "Ma" are kept by Name (a surname may be Ma); FirstName
		// drops them before other names
		{"ba gerhard", "ba gerhard"},
	}
	for _, tt := range tests {
		if got := Name(tt.in); got != tt.want {
			t.Errorf("Name(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestSurnameCore(t *testing.T) {
	tests := []struct{ in, want string }{
		{"von Habsburg", "habsburg"},
		{"Habsburg", "habsburg"},
		{"van der Bellen", "bellen"},
		{"Müller", "mueller"},
		{"von", "von"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := SurnameCore(tt.in); got != tt.want {
			t.Errorf("SurnameCore(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestGeneration(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Gruber jun.", "jun"},
		{"Gruber jun", "jun"},
		{"Gruber Jr.", "jun"},
		{"Thomas Junior", "jun"},
		{"Huber d. J.", "jun"},
		{"Huber d.J.", "jun"},
		{"Gruber sen.", "sen"},
		{"GRUBER SEN.", "sen"},
		{"Gruber Sr", "sen"},
		{"Huber Senior", "sen"},
		{"Huber d.Ä.", "sen"},
		{"Huber d. Ae.", "sen"},
		{"Gruber", ""},
		{"Jun", ""},
		{"Sen", ""},
		{"Jun Li", ""},
		{"Dr. Jun", ""},
		{"Hans Gruber jun., MBA", "jun"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := Generation(tt.in); got != tt.want {
			t.Errorf("Generation(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func FuzzName(f *testing.F) {
	for _, s := range []string{"Dr. Maria-Theresia  Müller", "Gruber jun. jun", "ba ma gerhard sen", "Li.Jun", "Mag.a Eva", "DI STEFANO", "O'Brien", "\xff\xfe", "ǅ", "İstanbul", "Ⅻ ½ ﬃ", "a\u0308\u0323"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := Name(s)
		if !utf8.ValidString(got) {
			t.Fatalf("Name(%q) = %q is not valid UTF-8", s, got)
		}
		if strings.Contains(got, "  ") || strings.TrimSpace(got) != got {
			t.Fatalf("Name(%q) = %q has stray spaces", s, got)
		}
		for _, r := range got {
			if r != ' ' && !unicode.IsLetter(r) && !unicode.IsDigit(r) {
				t.Fatalf("Name(%q) = %q contains %q", s, got, r)
			}
		}
		if again := Name(got); again != got {
			t.Fatalf("Name not idempotent: Name(%q) = %q, Name(%q) = %q", s, got, got, again)
		}
		if fn := FirstName(s); FirstName(fn) != fn {
			t.Fatalf("FirstName not idempotent for %q: %q -> %q", s, fn, FirstName(fn))
		}
		if g := Generation(s); g != "" && g != "jun" && g != "sen" {
			t.Fatalf("Generation(%q) = %q", s, g)
		}
		if sc := SurnameCore(s); SurnameCore(sc) != sc {
			t.Fatalf("SurnameCore not idempotent for %q: %q -> %q", s, sc, SurnameCore(sc))
		}
		first, last := SplitName(s)
		if !utf8.ValidString(first) || !utf8.ValidString(last) {
			t.Fatalf("SplitName(%q) gave invalid UTF-8", s)
		}
	})
}
