package testdb

import "keysync/internal/gazetteer"

// Word lists of GenerateFeUsers: names, streets and places as they occur in
// German and Austrian registrations.

var firstNames = append(womensNames[:len(womensNames):len(womensNames)], mensNames...)

var womensNames = []string{
	"Anna", "Maria", "Lena", "Sarah", "Julia", "Laura", "Katharina", "Sophie", "Hannah", "Lea",
	"Johanna", "Magdalena", "Elisabeth", "Theresa", "Christina", "Barbara", "Sabine", "Andrea",
	"Claudia", "Petra", "Monika", "Brigitte", "Ingrid", "Renate", "Gertraud", "Hildegard",
	"Bärbel", "Anneliese", "Eva", "Elena", "Valentina", "Marlene", "Verena", "Birgit", "Doris",
	"Karin", "Susanne", "Ursula", "Käthe", "Jasmin", "Nicole", "Tanja", "Mia", "Emma", "Zoë",
	"Chloé", "Rosalie", "Annemarie", "Irmgard", "Hannelore", "Jülide", "Ayşe",
}

var mensNames = []string{
	"Lukas", "Tobias", "Florian", "David", "Maximilian", "Jakob", "Simon", "Fabian", "Michael",
	"Thomas", "Andreas", "Stefan", "Markus", "Christian", "Martin", "Wolfgang", "Günther",
	"Jürgen", "Josef", "Franz", "Johann", "Karl", "Gerhard", "Helmut", "Manfred", "Jörg", "Björn",
	"Sören", "Dominik", "Patrick", "Alexander", "Matthias", "Bernhard", "Rüdiger", "Hans-Peter",
	"Karl-Heinz", "Sebastian", "Philipp", "Elias", "Felix", "Leon", "Paul", "Jonas", "Noah",
	"Ömer", "Mehmet", "Dragan", "Milan", "René", "Günter", "Reinhold", "Engelbert",
}

// Salutation is the salutation a generated first name takes: Frau or
// Herr.
func Salutation(firstName string) string {
	for _, n := range womensNames {
		if n == firstName {
			return "Frau"
		}
	}
	return "Herr"
}

// commonLastNames are the most frequent surnames in Austria and Germany.
var commonLastNames = []string{
	"Gruber", "Huber", "Wagner", "Müller", "Bauer", "Pichler", "Steiner", "Moser", "Mayer",
	"Hofer", "Leitner", "Berger", "Fuchs", "Eder", "Fischer", "Schmid", "Winkler", "Weber",
	"Schwarz", "Maier", "Schneider", "Reiter", "Mayr", "Schmidt", "Wimmer", "Egger", "Brunner",
	"Lang", "Baumgartner", "Auer", "Binder", "Lechner", "Wolf", "Wallner", "Aigner", "Ebner",
	"Koller", "Lehner", "Haas", "Schuster", "Meyer", "Hoffmann", "Schulz", "Becker", "Koch",
	"Richter", "Klein", "Schröder", "Neumann", "Zimmermann",
}

// otherLastNames bring umlauts, ß and names from the neighbours.
var otherLastNames = []string{
	"Jäger", "Köhler", "Krüger", "Böhm", "Höller", "Pröll", "Wöß", "Strauß", "Weiß", "Groß",
	"Köck", "Hödl", "Pölzl", "Schütz", "Rössler", "Grün", "Bäck", "Märzendorfer", "Öllinger",
	"Übleis", "Fößl", "Kröpfl", "Haßlinger", "Kovačević", "Novak", "Horvat", "Nowak",
	"Petrović", "Yılmaz", "Kaya", "Nguyen", "Dvořák", "Szabó", "Kowalski", "Kranzl",
	"Rauscher", "Zöchling", "Reisinger", "Stöger", "Gschwandtner", "Prünster", "Kerschbaumer",
	"Oberhuber", "Unterberger", "Hinterleitner", "Niederhauser", "O'Brien", "de Vries",
}

// Streets, postcodes and cities are those of the labelled registrations.
var (
	atStreets = gazetteer.ATStreets
	deStreets = gazetteer.DEStreets
	atPlaces  = gazetteer.ATPlaces
	dePlaces  = gazetteer.DEPlaces
)

// Countries as users type them into a free-text field.
var (
	atCountries = []string{"AT", "AT", "Österreich", "Österreich", "Austria", "", "", "A", "österreich"}
	deCountries = []string{"DE", "DE", "Deutschland", "Deutschland", "Germany", "", "", "D"}
)

// Providers, weighted by repetition.
var (
	atProviders = []string{"gmx.at", "gmx.at", "gmx.at", "aon.at", "aon.at", "a1.net", "a1.net",
		"gmail.com", "gmail.com", "gmail.com", "chello.at", "outlook.com", "icloud.com", "web.de"}
	deProviders = []string{"web.de", "web.de", "gmx.de", "gmx.de", "t-online.de", "t-online.de",
		"gmail.com", "gmail.com", "outlook.de", "gmx.at", "freenet.de"}
)

var usergroups = []string{"1", "1", "1", "1", "1", "1", "1", "1", "1,2", "2", "1,3", ""}

var companies = []string{
	"Huber & Söhne GmbH", "Steiner Bau GesmbH", "Müller Elektrotechnik OG",
	"Gasthof Zur Post", "Ordination Dr. Pichler", "Tischlerei Wimmer KG",
}
