// Package gazetteer lists the streets, postcodes and towns of Austria and
// Germany that keysync's generated registrations live in: the rows of the
// tests' portals (internal/testdb) and the labelled registrations of the
// matching figures (internal/linkage) share them.
package gazetteer

// ATStreets and DEStreets are street names written out in full;
// internal/linkage abbreviates Straße, Gasse and Platz the way members
// type them.
var ATStreets = []string{
	"Hauptstraße", "Lindenweg", "Bahnhofstraße", "Schulgasse", "Kirchengasse", "Mariahilfer Straße",
	"Wiener Straße", "Linzer Straße", "Grazer Straße", "Dorfstraße", "Am Anger", "Feldgasse",
	"Mühlweg", "Gartenstraße", "Bergstraße", "Rosenweg", "Schillerstraße", "Kärntner Straße",
	"Salzburger Straße", "Ringstraße", "Florianigasse", "Neubaugasse", "Landstraßer Hauptstraße",
	"Favoritenstraße", "Ottakringer Straße", "Schönbrunner Straße", "Hietzinger Hauptstraße",
	"Thaliastraße", "Währinger Straße", "Praterstraße", "Wiedner Hauptstraße", "Annenstraße",
	"Herrengasse", "Getreidegasse", "Maria-Theresien-Straße", "Josef-Ressel-Gasse",
	"Kirchenplatz", "Siedlungsstraße", "Waldgasse", "Sankt-Peter-Gasse", "Hauptplatz",
}

var DEStreets = []string{
	"Hauptstraße", "Lindenweg", "Bahnhofstraße", "Schulstraße", "Gartenstraße", "Dorfstraße",
	"Bergstraße", "Kirchstraße", "Waldstraße", "Ringstraße", "Schillerstraße", "Goethestraße",
	"Friedrichstraße", "Mühlenweg", "Marktplatz", "Rosenstraße", "Birkenweg", "Jahnstraße",
	"Königsallee", "Maximilianstraße", "Münchner Straße", "Kölner Straße", "Am Sonnenhang",
}

// ATPlaces and DEPlaces are postcodes with their cities.
var ATPlaces = [][2]string{
	{"1010", "Wien"}, {"1020", "Wien"}, {"1030", "Wien"}, {"1050", "Wien"}, {"1060", "Wien"},
	{"1070", "Wien"}, {"1090", "Wien"}, {"1100", "Wien"}, {"1120", "Wien"}, {"1130", "Wien"},
	{"1140", "Wien"}, {"1160", "Wien"}, {"1180", "Wien"}, {"1210", "Wien"}, {"1220", "Wien"},
	{"1230", "Wien"}, {"8010", "Graz"}, {"8020", "Graz"}, {"4020", "Linz"}, {"4040", "Linz"},
	{"5020", "Salzburg"}, {"6020", "Innsbruck"}, {"9020", "Klagenfurt am Wörthersee"},
	{"3100", "St. Pölten"}, {"7000", "Eisenstadt"}, {"6900", "Bregenz"}, {"9500", "Villach"},
	{"4600", "Wels"}, {"2700", "Wiener Neustadt"}, {"4400", "Steyr"}, {"6850", "Dornbirn"},
	{"2340", "Mödling"}, {"8700", "Leoben"}, {"3500", "Krems an der Donau"}, {"2500", "Baden"},
	{"5700", "Zell am See"}, {"8605", "Kapfenberg"}, {"4810", "Gmunden"}, {"9900", "Lienz"},
	{"6330", "Kufstein"}, {"4240", "Freistadt"}, {"3340", "Waidhofen an der Ybbs"},
	{"2100", "Korneuburg"}, {"3400", "Klosterneuburg"}, {"8230", "Hartberg"}, {"5280", "Braunau am Inn"},
}

var DEPlaces = [][2]string{
	{"10115", "Berlin"}, {"10437", "Berlin"}, {"80331", "München"}, {"81675", "München"},
	{"20095", "Hamburg"}, {"50667", "Köln"}, {"60311", "Frankfurt am Main"}, {"70173", "Stuttgart"},
	{"40213", "Düsseldorf"}, {"04109", "Leipzig"}, {"01067", "Dresden"}, {"90403", "Nürnberg"},
	{"93047", "Regensburg"}, {"94032", "Passau"}, {"83278", "Traunstein"}, {"87435", "Kempten (Allgäu)"},
	{"88131", "Lindau (Bodensee)"}, {"79098", "Freiburg im Breisgau"}, {"86150", "Augsburg"},
	{"97070", "Würzburg"}, {"28195", "Bremen"}, {"30159", "Hannover"}, {"83471", "Berchtesgaden"},
}
