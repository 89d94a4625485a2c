package match

import (
	"math/rand"
	"strings"
	"testing"
)

// TestStableOnOddUnicode checks the normalisers on random strings built from
// characters that stress Unicode handling (decomposed umlauts, Hangul jamo,
// ligatures, title-case digraphs, presentation forms).
func TestStableOnOddUnicode(t *testing.T) {
	alphabet := []rune("aAäÄöÖüÜßẞ .-,/@+'’()ǅİıǈﬁ½ⅫＭa\u0308\u0323\u0301DdIiMmAaSsTtRrGg0123456789ªº№℅ŉǰΐ가각ᄀ\u1161\u11a8\ufe70\u0640𝔄Ⓐ\u0345Σσςﬀ\u200d\u00ad")
	rng := rand.New(rand.NewSource(1))
	n := 20000
	if testing.Short() {
		n = 2000
	}
	for range n {
		var b strings.Builder
		for range rng.Intn(12) {
			b.WriteRune(alphabet[rng.Intn(len(alphabet))])
		}
		s := b.String()
		if got := Name(s); Name(got) != got {
			t.Fatalf("Name(%q) = %q, Name again = %q", s, got, Name(got))
		}
		if got := FirstName(s); FirstName(got) != got {
			t.Fatalf("FirstName(%q) = %q, again = %q", s, got, FirstName(got))
		}
		if got := Email(s); got != "" && Email(got) != got {
			t.Fatalf("Email(%q) = %q, again = %q", s, got, Email(got))
		}
		if got := Phonetic(s); strings.Trim(got, "012345678") != "" {
			t.Fatalf("Phonetic(%q) = %q", s, got)
		}
		_ = ParseAddress(s, s, s, s, s).Key()
		_, _ = SplitName(s)
	}
}
