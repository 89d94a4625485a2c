package match

import (
	"strings"
	"unicode"
)

// countryNames lists, per ISO 3166 alpha-2 code, the spellings members and
// portals use: the alpha-3 code, German, English and native names and the
// international vehicle code. Entries are in countryKey form.
var countryNames = map[string][]string{
	"AT": {"aut", "a", "oesterreich", "osterreich", "austria", "republikoesterreich"},
	"DE": {"deu", "ger", "d", "deutschland", "germany", "brd", "bundesrepublikdeutschland", "allemagne", "germania"},
	"CH": {"che", "schweiz", "switzerland", "suisse", "svizzera", "svizra", "helvetia", "confoederatiohelvetica"},
	"LI": {"lie", "fl", "liechtenstein", "fuerstentumliechtenstein"},
	"IT": {"ita", "i", "italien", "italy", "italia"},
	"FR": {"fra", "f", "frankreich", "france"},
	"BE": {"bel", "b", "belgien", "belgium", "belgique", "belgie"},
	"NL": {"nld", "niederlande", "netherlands", "nederland", "holland", "thenetherlands"},
	"LU": {"lux", "l", "luxemburg", "luxembourg", "letzebuerg"},
	"DK": {"dnk", "dk", "daenemark", "danemark", "denmark", "danmark"},
	"SE": {"swe", "s", "schweden", "sweden", "sverige"},
	"FI": {"fin", "finnland", "finland", "suomi"},
	"IE": {"irl", "irland", "ireland", "eire"},
	"ES": {"esp", "e", "spanien", "spain", "espana"},
	"PT": {"prt", "p", "portugal"},
	"GR": {"grc", "gr", "griechenland", "greece", "hellas", "ellada"},
	"CY": {"cyp", "zypern", "cyprus", "kypros"},
	"MT": {"mlt", "m", "malta"},
	"PL": {"pol", "pl", "polen", "poland", "polska"},
	"CZ": {"cze", "tschechien", "tschechischerepublik", "czechia", "czechrepublic", "cesko", "ceskarepublika"},
	"SK": {"svk", "slowakei", "slovakia", "slovensko"},
	"HU": {"hun", "h", "ungarn", "hungary", "magyarorszag"},
	"SI": {"svn", "slo", "slowenien", "slovenia", "slovenija"},
	"HR": {"hrv", "kroatien", "croatia", "hrvatska"},
	"RO": {"rou", "rom", "rumaenien", "romania"},
	"BG": {"bgr", "bulgarien", "bulgaria"},
	"EE": {"est", "estland", "estonia", "eesti"},
	"LV": {"lva", "lettland", "latvia", "latvija"},
	"LT": {"ltu", "litauen", "lithuania", "lietuva"},
	"GB": {"gbr", "uk", "grossbritannien", "vereinigteskoenigreich", "unitedkingdom", "greatbritain", "england", "schottland", "scotland", "wales", "nordirland", "northernireland", "britain"},
	"NO": {"nor", "n", "norwegen", "norway", "norge"},
	"IS": {"isl", "is", "island", "iceland"},
	"MC": {"mco", "monaco"},
	"SM": {"smr", "sanmarino"},
	"VA": {"vat", "vatikan", "vatikanstadt", "vaticancity", "holysee"},
	"AD": {"and", "andorra"},
	"RS": {"srb", "serbien", "serbia", "srbija"},
	"BA": {"bih", "bosnienundherzegowina", "bosnien", "bosniaandherzegovina", "bosnia"},
	"ME": {"mne", "montenegro"},
	"MK": {"mkd", "nordmazedonien", "mazedonien", "northmacedonia", "macedonia"},
	"AL": {"alb", "albanien", "albania"},
	"XK": {"xkx", "kosovo"},
	"TR": {"tur", "tuerkei", "turkei", "turkey", "tuerkiye", "turkiye"},
	"UA": {"ukr", "ukraine"},
	"RU": {"rus", "russland", "russia", "russischefoederation", "russianfederation"},
	"US": {"usa", "vereinigtestaaten", "vereinigtestaatenvonamerika", "unitedstates", "unitedstatesofamerica", "amerika", "america"},
	"CA": {"can", "kanada", "canada"},
}

// countries maps every countryKey spelling to its alpha-2 code.
var countries = buildCountries()

// buildCountries indexes countryNames by spelling for constant-time lookup.
func buildCountries() map[string]string {
	m := make(map[string]string)
	for code, names := range countryNames {
		m[strings.ToLower(code)] = code
		for _, n := range names {
			m[n] = code
		}
	}
	return m
}

// Country maps the usual spellings of a country (ISO alpha-2 and alpha-3
// codes, German, English and native names with or without umlauts, vehicle
// codes such as "A", "D", "FL"; case, spaces, dots and hyphens ignored) to
// its upper-case ISO 3166 alpha-2 code, because portals store the country
// as free text. ok is false when s is empty or not recognised.
func Country(s string) (code string, ok bool) {
	code, ok = countries[countryKey(s)]
	return code, ok
}

// countryKey reduces a country spelling to transliterated lower-case letters.
func countryKey(s string) string {
	var b strings.Builder
	for _, r := range fold(s) {
		if unicode.IsLetter(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}
