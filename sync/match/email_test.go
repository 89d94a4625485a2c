package match

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestEmail(t *testing.T) {
	tests := []struct{ in, want string }{
		{"hans.mueller@gmx.at", "hans.mueller@gmx.at"},
		{"  Hans.Mueller@GMX.AT  ", "hans.mueller@gmx.at"},
		{"hans.mueller+verein@gmx.at", "hans.mueller+verein@gmx.at"},
		{"hans+verein@aon.at", "hans+verein@aon.at"},
		{"hans.mueller+verein@a1.net", "hans.mueller+verein@a1.net"},
		{"Hans.Mueller@gmail.com", "hansmueller@gmail.com"},
		{"hans.mueller+verein@gmail.com", "hansmueller@gmail.com"},
		{"h.a.n.s.mueller+a+b@GoogleMail.com", "hansmueller@gmail.com"},
		{"hansmueller@googlemail.com", "hansmueller@gmail.com"},
		{"hans@müller.at", "hans@xn--mller-kva.at"},
		{"hans@MÜLLER.AT", "hans@xn--mller-kva.at"},
		{"hans@xn--mller-kva.at", "hans@xn--mller-kva.at"},
		{"hans@mu\u0308ller.at", "hans@xn--mller-kva.at"},
		{"jürgen@example.de", "jürgen@example.de"},
		{"JU\u0308RGEN@example.de", "jürgen@example.de"},
		{"hans@gmx.at.", "hans@gmx.at"},
		{"hans@my_host.example", "hans@my_host.example"},
		{"", ""},
		{"   ", ""},
		{"hans.mueller", ""},
		{"@gmx.at", ""},
		{"hans@", ""},
		{"hans@.", ""},
		{"+tag@gmail.com", ""},
		{"...@gmail.com", ""},
		{"hans mueller@gmx.at", ""},
		{"hans@gmx .at", ""},
	}
	for _, tt := range tests {
		if got := Email(tt.in); got != tt.want {
			t.Errorf("Email(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestEmailSameMailbox(t *testing.T) {
	same := [][2]string{
		{"Hans.Mueller@gmail.com", "hansmueller+verein@googlemail.com"},
		{"eva@müller.at", "EVA@XN--MLLER-KVA.AT"},
	}
	for _, p := range same {
		if Email(p[0]) != Email(p[1]) {
			t.Errorf("%q and %q should be the same mailbox", p[0], p[1])
		}
	}
	different := [][2]string{
		{"hans+verein@gmx.at", "hans@gmx.at"},
		{"hans.mueller@gmx.at", "hansmueller@gmx.at"},
	}
	for _, p := range different {
		if Email(p[0]) == Email(p[1]) {
			t.Errorf("%q and %q must stay different mailboxes", p[0], p[1])
		}
	}
}

func FuzzEmail(f *testing.F) {
	for _, s := range []string{"Hans.Mueller+x@GoogleMail.com", "hans@müller.at", "a@xn--mller-kva.at", "@", "a@b@c", "\xff@\xfe", "x@ＥＸＡＭＰＬＥ.com", "a@-b-.c", "a@xn--.de"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := Email(s)
		if got == "" {
			return
		}
		if !utf8.ValidString(got) {
			t.Fatalf("Email(%q) = %q is not valid UTF-8", s, got)
		}
		if !strings.Contains(got, "@") {
			t.Fatalf("Email(%q) = %q has no @", s, got)
		}
		if again := Email(got); again != got {
			t.Fatalf("Email not idempotent: Email(%q) = %q, Email(%q) = %q", s, got, got, again)
		}
	})
}

func TestFamilyMailbox(t *testing.T) {
	t.Parallel()
	for addr, want := range map[string]bool{
		"familie.gruber@gmx.at":      true,
		"gruber.familie@aon.at":      true,
		"familiegruber@gmx.at":       true,
		"fam.huber@a1.net":           true,
		"huber_fam@a1.net":           true,
		"family.smith@gmail.com":     true,
		"gruber.familie+x@gmail.com": true,
		"hans.mueller@example.at":    false,
		"famulus@uni.at":             false,
		"anton.familiar@gmx.at":      false,
		"m.fambri@gmx.at":            false,
		"hansundmaria@example.at":    false,
		"not-an-address":             false,
	} {
		if got := FamilyMailbox(Email(addr)); got != want {
			t.Errorf("FamilyMailbox(%q)=%v, want %v", addr, got, want)
		}
	}
}
