package match

import (
	"strings"
	"unicode"

	"golang.org/x/net/idna"
	"golang.org/x/text/unicode/norm"
)

// lenientIDNA converts domains that the strict lookup profile rejects (for
// example labels with underscores or leading hyphens) so that such addresses
// still compare consistently instead of being dropped.
var lenientIDNA = idna.New(
	idna.MapForLookup(),
	idna.Transitional(false),
	idna.StrictDomainName(false),
	idna.CheckHyphens(false),
	idna.ValidateLabels(false),
)

// Email returns the canonical form used to compare e-mail addresses across
// portals: trimmed, NFC, lower case, with the domain in its IDNA ASCII form
// ("hans@Müller.at" -> "hans@xn--mller-kva.at"). For gmail.com and
// googlemail.com, which ignore them on delivery, dots and a "+tag" in the
// local part are removed and the domain becomes gmail.com; other providers
// (gmx.at, aon.at, ...) deliver tags to separate folders and are left
// alone. It returns "" when s holds no usable address: empty, no '@', an
// empty local part or domain, or whitespace inside the address.
func Email(s string) string {
	s = strings.TrimSpace(toValid(s))
	at := strings.LastIndexByte(s, '@')
	if at < 0 {
		return ""
	}
	local := lowerNFC(s[:at])
	domain := canonicalDomain(s[at+1:])
	if local == "" || domain == "" || strings.ContainsFunc(local, badEmailRune) {
		return ""
	}
	if domain == "gmail.com" || domain == "googlemail.com" {
		domain = "gmail.com"
		local, _, _ = strings.Cut(local, "+")
		local = strings.ReplaceAll(local, ".", "")
		if local == "" {
			return ""
		}
	}
	return local + "@" + domain
}

// canonicalDomain lower-cases d and converts it to its ASCII (punycode) form;
// it returns "" for an empty or unusable domain.
func canonicalDomain(d string) string {
	d = strings.TrimRight(lowerNFC(d), ".")
	if d == "" || strings.ContainsFunc(d, badEmailRune) || strings.ContainsRune(d, '@') {
		return ""
	}
	a, err := idna.Lookup.ToASCII(d)
	if err != nil {
		a, err = lenientIDNA.ToASCII(d)
	}
	if err != nil || a == "" {
		a = d
	}
	a = strings.ToLower(strings.TrimRight(a, "."))
	if a == "" || strings.ContainsFunc(a, badEmailRune) || strings.ContainsRune(a, '@') {
		return ""
	}
	return a
}

// lowerNFC lower-cases s between NFC passes so that composed and
// decomposed umlauts give the same bytes.
func lowerNFC(s string) string {
	return norm.NFC.String(strings.ToLower(norm.NFC.String(s)))
}

// badEmailRune reports characters that cannot be part of a usable address.
func badEmailRune(r rune) bool {
	return unicode.IsSpace(r) || unicode.IsControl(r)
}

// familyWords mark a mailbox named for a family: familie.gruber@,
// gruber.familie@, fam.huber@, family.smith@.
var familyWords = []string{"familie", "family", "fam"}

// FamilyMailbox reports an e-mail address (normalised by Email) whose
// local part names a family rather than a person: a word of familyWords
// at its start or end, set off by a dot, hyphen or underscore, or
// "familie"/"family" written together with the name (familie.gruber@,
// gruber-familie@, fam_huber@, familiegruber@; Gmail addresses lose their
// dots in Email). Several people use such a mailbox by its very name.
func FamilyMailbox(email string) bool {
	local, _, ok := strings.Cut(email, "@")
	if !ok {
		return false
	}
	words := strings.FieldsFunc(local, func(r rune) bool { return r == '.' || r == '-' || r == '_' || r == '+' })
	if len(words) == 0 {
		return false
	}
	for _, w := range familyWords {
		if words[0] == w || words[len(words)-1] == w || w != "fam" && (strings.HasPrefix(local, w) || strings.HasSuffix(local, w)) {
			return true
		}
	}
	return false
}
