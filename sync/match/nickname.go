package match

import "strings"

// nicknameGroups lists, per canonical first name, the nicknames and spelling
// variants members use for it in German-speaking countries. Entries are in
// Name() form (transliterated, lower case), so "Jürgen" is written "juergen".
// Forms that are common names of their own today (Lisa, Jan, Klaus, Marie)
// are deliberately absent: mapping them would merge different people.
var nicknameGroups = map[string][]string{
	"johannes":      {"hans", "hansi", "hansl", "hannes", "johann", "johan", "joh"},
	"josef":         {"sepp", "seppi", "seppl", "joseph", "pepi", "peppi", "joschi"},
	"theresia":      {"resi", "resl", "reserl", "therese", "theres", "teresa", "theresa"},
	"franziska":     {"franzi", "fanny"},
	"franz":         {"franzl"},
	"matthias":      {"hias", "hiasl", "mathias", "mattias"},
	"margarethe":    {"gretl", "grete", "gretel", "greti", "margarete", "margaretha", "margareta"},
	"katharina":     {"kathi", "kati", "kathl", "catharina", "katarina", "kaethe", "katharine"},
	"elisabeth":     {"lisi", "liesl", "liesel", "lisl", "sissi", "sisi", "elisabetha", "elisabet"},
	"michael":       {"michi", "michl"},
	"anton":         {"toni", "tonerl", "antonius"},
	"friedrich":     {"fritz"},
	"heinrich":      {"heinz", "heini", "hein", "heiner"},
	"wolfgang":      {"wolfi"},
	"stefanie":      {"steffi", "stephanie", "stefani"},
	"stefan":        {"stephan"},
	"florian":       {"flo", "flori"},
	"christian":     {"chris"},
	"christoph":     {"christof", "kristof", "christopher", "christophe"},
	"christine":     {"christl"},
	"alexander":     {"alex", "xandi"},
	"andreas":       {"andi", "anderl"},
	"georg":         {"schorsch", "schorschi", "girgl", "joerg", "george"},
	"maria":         {"mitzi", "mizzi", "mizi"},
	"barbara":       {"babsi", "baerbel"},
	"gabriele":      {"gabi", "gaby"},
	"leopold":       {"poldi", "poldl"},
	"ferdinand":     {"ferdl", "ferdi", "ferry"},
	"maximilian":    {"max", "maxi"},
	"benedikt":      {"beni", "benedict"},
	"sebastian":     {"basti", "bastl", "wastl"},
	"alois":         {"loisl", "loisi", "aloys", "aloisius"},
	"rupert":        {"ruprecht", "rupprecht"},
	"bartholomaeus": {"bartl", "bartholomeus"},
	"nikolaus":      {"niki", "nicki", "nikolas"},
	"thomas":        {"tom", "thomi", "tommy"},
	"walter":        {"walti", "walther"},
	"ludwig":        {"lutz", "wiggerl", "luggi"},
	"helmut":        {"helmuth"},
	"guenther":      {"guenter"},
	"rudolf":        {"rudi", "rudolph", "dolfi"},
	"manfred":       {"manni"},
	"gerhard":       {"gerd", "gert", "gerhardt"},
	"bernhard":      {"bernd", "berni", "bernhardt"},
	"reinhard":      {"reini", "reinhardt"},
	"ulrich":        {"uli"},
	"susanne":       {"susi", "suse", "susanna"},
	"angelika":      {"geli", "angie", "angelica"},
	"cornelia":      {"conny", "conni"},
	"monika":        {"moni", "monica"},
	"veronika":      {"vroni", "veronica"},
	"magdalena":     {"magda", "magdalene"},
	"jakob":         {"jakl", "jackl", "jacob"},
	"konrad":        {"conrad"},
	"karl":          {"carl", "karli"},
	"kaspar":        {"kasper", "caspar"},
	"philipp":       {"phil", "philip", "filip", "fipsi"},
	"markus":        {"marcus"},
	"lukas":         {"lucas", "luki"},
	"dominik":       {"dominic"},
	"elfriede":      {"elfi"},
	"hildegard":     {"hilde", "hildi"},
	"ingeborg":      {"inge"},
	"irmgard":       {"irmi"},
	"waltraud":      {"waltraut", "traudi"},
	"gertraud":      {"gertrud", "gertrude", "gerti", "gertraut"},
	"anna":          {"anni", "annerl"},
	"eduard":        {"edi"},
	"vinzenz":       {"vinzi"},
	"hedwig":        {"hedi"},
	"theodor":       {"theo"},
	"wilhelm":       {"willi", "willy"},
	"josefine":      {"fini", "finni", "josephine"},
	"rosemarie":     {"rosmarie"},
	"herbert":       {"herbi"},
	"hubert":        {"hubsi"},
	"ernst":         {"ernstl"},
	"patrick":       {"patrik"},
	"raphael":       {"rafael"},
	"sophie":        {"sofie", "sophia", "sofia"},
}

// nicknames maps every form in nicknameGroups, including the canonical one,
// to the canonical first name.
var nicknames = buildNicknames()

// buildNicknames indexes nicknameGroups by form for constant-time lookup.
func buildNicknames() map[string]string {
	m := make(map[string]string)
	for canon, forms := range nicknameGroups {
		m[canon] = canon
		for _, f := range forms {
			m[f] = canon
		}
	}
	return m
}

// FirstName normalises a first name like Name and replaces each token by its
// canonical form, so that "Hansi", "Hans" and "Johann" all become
// "johannes" and "Sepp-Maria" becomes "josef maria". Unknown names are left
// as Name returns them. A degree that is also a name leads other names only
// as a title, so "ba gerhard" is "gerhard" here while Name keeps "ba".
func FirstName(s string) string {
	toks, _ := trimGeneration(nameTokens(s, true, true))
	for i, t := range toks {
		if c, ok := nicknames[t]; ok {
			toks[i] = c
		}
	}
	return strings.Join(toks, " ")
}
