package match

// titles lists academic, professional and salutation tokens (lower case,
// without dots) that carry no identity and must not make two spellings of
// the same name differ.
var titles = map[string]bool{
	// salutations
	"herr": true, "hr": true, "hrn": true, "frau": true, "fr": true, "frl": true,
	"fraeulein": true, "mr": true, "mrs": true, "ms": true,
	// doctorates and professorships
	"dr": true, "drin": true, "dres": true, "ddr": true, "dddr": true,
	"prof": true, "profin": true, "univ": true, "hon": true, "hc": true,
	"habil": true, "mult": true, "priv": true, "doz": true,
	// Austrian and German diplomas
	"mag": true, "maga": true, "mmag": true, "mmaga": true,
	"dipl": true, "diplom": true, "dipling": true, "diplingin": true,
	"diin": true, "ing": true, "ingin": true, "ingenieur": true,
	"dkfm": true, "kfm": true, "kff": true, "paed": true, "bakk": true,
	"fh": true, "kr": true,
	// faculties following Dr./Mag.
	"med": true, "vet": true, "dent": true, "techn": true, "rer": true,
	"jur": true, "iur": true, "oec": true, "pharm": true, "theol": true,
	"soc": true, "univmed": true, "scdr": true,
	// Bologna degrees
	"bsc": true, "msc": true, "mba": true, "phd": true, "llm": true,
	"llb": true, "bed": true, "meng": true, "beng": true,
	"mmed": true,
}

// ambiguousTitles are title abbreviations that are also real names or name
// particles (Di Stefano, Ma, Phil); they count as titles only when written
// with a dot or in capitals within otherwise mixed-case input.
var ambiguousTitles = map[string]bool{
	"di": true, "ma": true, "ba": true, "mas": true, "phil": true,
	"nat": true, "pol": true, "em": true, "ao": true, "mim": true,
}

// leadingDegrees are the ambiguous titles that are degrees and neither
// surname particles (Di Stefano) nor given names (Phil, Nat, Pol, Em): at
// the start of a first-name field followed by another name they are the
// degree however they are written, so "ba gerhard" is Gerhard, BA.
// Di (Diplom-Ingenieur) is left out: it also begins Italian surnames (Di
// Stefano), which members with swapped names type into the first-name
// field.
var leadingDegrees = map[string]bool{"ba": true, "ma": true, "mas": true}

// isTitle reports whether the cleaned token key is a title. dotted and
// shouted describe how the token was written and decide ambiguous cases.
func isTitle(key string, dotted, shouted bool) bool {
	if titles[key] {
		return true
	}
	return ambiguousTitles[key] && (dotted || shouted)
}
