package linkage

// Word lists of Generate: names, streets and places as they occur in German
// and Austrian registrations. Lists with repeated entries are weighted by
// repetition, so the common names are as common as in the population.

// womenNames are women's first names; the first block is the very common
// ones, listed several times.
var womenNames = []string{
	"Maria", "Maria", "Maria", "Maria", "Anna", "Anna", "Anna", "Elisabeth", "Elisabeth",
	"Katharina", "Katharina", "Theresia", "Barbara", "Barbara", "Christine", "Christine",
	"Monika", "Monika", "Sabine", "Sabine", "Andrea", "Andrea", "Claudia", "Susanne",
	"Margarethe", "Franziska", "Stefanie", "Gabriele", "Veronika", "Magdalena", "Johanna",
	"Julia", "Lena", "Sarah", "Laura", "Sophie", "Hannah", "Lea", "Christina", "Petra",
	"Brigitte", "Ingrid", "Renate", "Gertraud", "Hildegard", "Bärbel", "Anneliese", "Eva",
	"Elena", "Marlene", "Verena", "Birgit", "Doris", "Karin", "Ursula", "Käthe", "Nicole",
	"Tanja", "Emma", "Rosemarie", "Waltraud", "Elfriede", "Irmgard", "Hannelore", "Herta",
	"Jülide", "Zoë", "Chloé", "Angelika", "Cornelia", "Daniela", "Martina", "Michaela",
	"Simone", "Paula", "Jana", "Helga", "Josefine", "Hedwig",
}

// menNames are men's first names.
var menNames = []string{
	"Johann", "Johann", "Johann", "Josef", "Josef", "Josef", "Franz", "Franz", "Franz",
	"Thomas", "Thomas", "Michael", "Michael", "Michael", "Karl", "Karl", "Anton", "Anton",
	"Friedrich", "Matthias", "Georg", "Alexander", "Andreas", "Andreas", "Wolfgang", "Wolfgang",
	"Stefan", "Stefan", "Christian", "Christian", "Florian", "Leopold", "Maximilian", "Sebastian",
	"Rudolf", "Wilhelm", "Alois", "Lukas", "Tobias", "David", "Jakob", "Simon", "Fabian",
	"Markus", "Martin", "Günther", "Jürgen", "Gerhard", "Helmut", "Manfred", "Jörg", "Björn",
	"Dominik", "Patrick", "Bernhard", "Rüdiger", "Hans-Peter", "Karl-Heinz", "Philipp", "Elias",
	"Felix", "Leon", "Paul", "Jonas", "Daniel", "Ömer", "Mehmet", "Dragan", "René", "Reinhold",
	"Engelbert", "Herbert", "Hubert", "Ernst", "Walter", "Heinrich", "Peter", "Jan",
}

// nicknames are the familiar forms people use on one portal and not on
// another; every one of them is in match's nickname table, so it means
// the same first name.
var nicknames = map[string][]string{
	"Johann": {"Hans", "Hansi", "Johannes", "Hannes"}, "Josef": {"Sepp", "Seppi", "Joseph", "Pepi"},
	"Theresia": {"Resi", "Therese"}, "Franziska": {"Franzi"}, "Franz": {"Franzl"},
	"Matthias": {"Hias", "Mathias"}, "Margarethe": {"Gretl", "Grete", "Margarete"},
	"Katharina": {"Kathi", "Kati"}, "Elisabeth": {"Lisi", "Liesl", "Sissi"},
	"Michael": {"Michi"}, "Anton": {"Toni"}, "Friedrich": {"Fritz"}, "Heinrich": {"Heinz"},
	"Wolfgang": {"Wolfi"}, "Stefanie": {"Steffi", "Stephanie"}, "Stefan": {"Stephan"},
	"Florian": {"Flo"}, "Alexander": {"Alex"}, "Andreas": {"Andi"}, "Georg": {"Schorsch"},
	"Maria": {"Mitzi"}, "Barbara": {"Babsi"}, "Gabriele": {"Gabi"}, "Leopold": {"Poldi"},
	"Maximilian": {"Max", "Maxi"}, "Sebastian": {"Basti"}, "Alois": {"Loisl"},
	"Thomas": {"Tom"}, "Rudolf": {"Rudi"}, "Susanne": {"Susi"}, "Monika": {"Moni"},
	"Veronika": {"Vroni"}, "Magdalena": {"Magda"}, "Jakob": {"Jakl"}, "Karl": {"Carl"},
	"Philipp": {"Phil", "Philip"}, "Markus": {"Marcus"}, "Lukas": {"Lucas"},
	"Wilhelm": {"Willi"}, "Anna": {"Anni"}, "Hildegard": {"Hilde"}, "Elfriede": {"Elfi"},
	"Waltraud": {"Traudi"}, "Angelika": {"Geli"}, "Cornelia": {"Conny"},
	"Christine": {"Christl"}, "Gertraud": {"Gerti", "Gertrud"}, "Josefine": {"Fini"},
	"Hedwig": {"Hedi"}, "Herbert": {"Herbi"}, "Walter": {"Walther"},
}

// twinNames are pairs of first names parents give twins: alike on purpose,
// the hardest case for name similarity.
var twinNames = [][2]string{
	{"Michael", "Michaela"}, {"Daniel", "Daniela"}, {"Paul", "Paula"}, {"Simon", "Simone"},
	{"Martin", "Martina"}, {"Christian", "Christina"}, {"Jan", "Jana"}, {"Lena", "Lea"},
	{"Anna", "Hannah"}, {"Lukas", "Lea"}, {"Stefan", "Stefanie"}, {"Jonas", "Jana"},
}

// parentNames are first names fathers and mothers pass on to a child.
var parentNames = []struct {
	name  string
	woman bool
}{
	{"Johann", false}, {"Josef", false}, {"Franz", false}, {"Karl", false}, {"Anton", false},
	{"Thomas", false}, {"Michael", false}, {"Georg", false}, {"Leopold", false}, {"Alois", false},
	{"Friedrich", false}, {"Matthias", false}, {"Peter", false}, {"Andreas", false},
	{"Maria", true}, {"Anna", true}, {"Elisabeth", true}, {"Theresia", true}, {"Katharina", true},
}

// commonLastNames are the most frequent surnames in Austria and Germany,
// the most frequent listed several times.
var commonLastNames = []string{
	"Gruber", "Gruber", "Gruber", "Huber", "Huber", "Huber", "Wagner", "Wagner", "Müller", "Müller",
	"Müller", "Bauer", "Bauer", "Pichler", "Pichler", "Steiner", "Steiner", "Moser", "Moser",
	"Mayer", "Mayer", "Hofer", "Hofer", "Leitner", "Berger", "Fuchs", "Eder", "Fischer",
	"Schmid", "Winkler", "Weber", "Schwarz", "Maier", "Schneider", "Reiter", "Mayr", "Schmidt",
	"Wimmer", "Egger", "Brunner", "Lang", "Baumgartner", "Auer", "Binder", "Lechner", "Wolf",
	"Wallner", "Aigner", "Ebner", "Koller", "Lehner", "Haas", "Schuster", "Meyer", "Hoffmann",
	"Becker", "Koch", "Richter", "Klein", "Schröder", "Neumann", "Zimmermann", "Weiß", "Strauß",
}

// otherLastNames bring umlauts, ß and names from the neighbours.
var otherLastNames = []string{
	"Jäger", "Köhler", "Krüger", "Böhm", "Höller", "Pröll", "Wöß", "Groß", "Köck", "Hödl",
	"Pölzl", "Schütz", "Rössler", "Grün", "Bäck", "Märzendorfer", "Öllinger", "Übleis", "Fößl",
	"Kröpfl", "Haßlinger", "Kovačević", "Novak", "Horvat", "Nowak", "Petrović", "Yılmaz", "Kaya",
	"Nguyen", "Dvořák", "Szabó", "Kowalski", "Kranzl", "Rauscher", "Zöchling", "Reisinger",
	"Stöger", "Gschwandtner", "Prünster", "Kerschbaumer", "Oberhuber", "Unterberger",
	"Hinterleitner", "Niederhauser", "O'Brien", "Pfeiffer", "Sommer", "Hauser", "Gasser",
	"Hölzl", "Thaler", "Riegler", "Kainz", "Pfeifer", "Rainer", "Kogler", "Fink", "Eichinger",
	"Trummer", "Posch", "Hackl", "Strobl", "Url", "Lindner", "Holzer", "Fürst", "Kögl",
}

// surnameStems and surnameEndings compound the long tail of surnames:
// most Austrians and Germans bear a name that few others bear, many of
// them formed from a place, a farm or a trade (Oberhuber, Steinleitner,
// Mühlbacher, Holzapfel).
var surnameStems = []string{
	"Ober", "Unter", "Hinter", "Vorder", "Nieder", "Mitter", "Hoch", "Stein", "Wald", "Berg",
	"Moos", "Holz", "Brand", "Lind", "Eich", "Kirch", "Mühl", "Grün", "Schön", "Neu",
	"Alt", "Reich", "Stadl", "Zehent", "Kalt", "Rosen", "Hasel", "Feld", "Wies", "Bach",
	"Roth", "Schwarz", "Weiß", "Sonn", "Dorn", "Forst", "Tann", "Buch", "Kreuz", "Fels",
	"Höll", "Öd", "Brunn", "Winter", "Sommer", "Hof", "Gschwendt", "Pointn", "Au", "Ried",
}

var surnameEndings = []string{
	"huber", "hofer", "leitner", "bauer", "berger", "moser", "egger", "mayr", "lehner", "bichler",
	"gruber", "thaler", "brunner", "eder", "reiter", "wieser", "auer", "bacher", "steiner", "böck",
	"hammer", "müller", "schmid", "wallner", "kogler", "maier", "inger", "er", "hart", "mann",
}

// titles are the academic titles of the few who have one.
var titles = []string{"Mag.", "Mag.", "Mag.", "Dr.", "Dr.", "DI", "Ing.", "Mag.a", "Dipl.-Ing.", "Prof. Dr.", "MSc", "BA"}

// Countries as members type them into a free-text field; "" is common.
var (
	atCountries = []string{"AT", "AT", "Österreich", "Österreich", "Austria", "", "", "", "A", "österreich"}
	deCountries = []string{"DE", "DE", "Deutschland", "Deutschland", "Germany", "", "D", "deutschland"}
)

// Mail providers, weighted by repetition.
var (
	atProviders = []string{"gmx.at", "gmx.at", "gmx.at", "aon.at", "aon.at", "a1.net", "a1.net",
		"gmail.com", "gmail.com", "gmail.com", "chello.at", "outlook.com", "icloud.com", "web.de", "tmo.at"}
	deProviders = []string{"web.de", "web.de", "gmx.de", "gmx.de", "t-online.de", "t-online.de",
		"gmail.com", "gmail.com", "gmail.com", "outlook.de", "gmx.net", "freenet.de"}
	// workDomains are employers' domains, a second address many members use.
	workDomains = []string{"magistrat.wien.gv.at", "stmk.gv.at", "uni-graz.at", "tuwien.ac.at",
		"raiffeisen.at", "oebb.at", "post.at", "siemens.com", "bmw.de", "uni-muenchen.de", "aok.de",
		"kabsi.at", "liwest.at", "drei.at"}
)

// qwertz holds the neighbouring keys of each letter on a German keyboard,
// the usual substitution typo.
var qwertz = map[rune]string{
	'q': "wa", 'w': "qes", 'e': "wrd", 'r': "etf", 't': "rzg", 'z': "tuh", 'u': "zij", 'i': "uok",
	'o': "ipl", 'p': "oü", 'ü': "p", 'a': "qsy", 's': "adw", 'd': "sfe", 'f': "dgr", 'g': "fht",
	'h': "gjz", 'j': "hku", 'k': "jli", 'l': "kö", 'ö': "lä", 'ä': "ö", 'y': "xa", 'x': "yc",
	'c': "xv", 'v': "cb", 'b': "vn", 'n': "bm", 'm': "n",
}
