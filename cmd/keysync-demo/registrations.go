package main

import (
	"time"

	"keysync/internal/testdb"
)

// The demo portals: a v13 site and a club on TYPO3 v12, and a WordPress
// site with a WooCommerce shop.
const (
	portalAmicas = "amicas"
	portalClub   = "club"
	portalForum  = "forum"
)

// legacy says which customer number office staff typed into a row from an
// earlier letter, before keysync ran for the first time.
type legacy int

const (
	noLegacy       legacy = iota
	legacyValid           // a valid number keysync has never seen: adopted
	legacyBadCheck        // a typo in the check digit: a conflict
	legacySwapped         // two neighbouring digits swapped: a conflict
)

// registration is one sample row and what it is there to show.
type registration struct {
	portal string
	user   testdb.FeUser
	shows  string
	legacy legacy
}

// passwordHash stands in for the argon2 hash TYPO3 stores.
const passwordHash = "$argon2i$v=19$m=65536,t=16,p=1$ZGVtb2RlbW9kZW1v$0fcb0c7W9bY1dHh2aW5kZW1vZGVtb2RlbW9kZW1vZGU"

// registrations returns the sample rows, registered over the last weeks
// before now.
func registrations(now time.Time) []registration {
	day := int64(24 * 3600)
	at := func(daysAgo int64) int64 { return now.Unix() - daysAgo*day }
	user := func(username, email, first, last, title, address, zip, city, country string, daysAgo int64) testdb.FeUser {
		return testdb.FeUser{Pid: 5, Username: username, Password: passwordHash, Email: email,
			FirstName: first, LastName: last, Name: first + " " + last, Title: title,
			Address: address, Zip: zip, City: city, Country: country, Usergroup: "1",
			Crdate: at(daysAgo), Tstamp: at(daysAgo)}
	}
	pending := func(u testdb.FeUser) testdb.FeUser { u.Disable = 1; return u }
	deleted := func(u testdb.FeUser) testdb.FeUser { u.Deleted = 1; return u }

	return []registration{
		{portal: portalAmicas, shows: "confirmed: new number",
			user: user("anna.gruber@gmx.at", "anna.gruber@gmx.at", "Anna", "Gruber", "", "Annenstraße 12/3", "8020", "Graz", "AT", 40)},
		{portal: portalAmicas, shows: "confirmed: new number",
			user: user("lhuber", "Lukas.Huber@aon.at", "Lukas", "Huber", "DI", "Linzer Straße 4", "4020", "Linz", "Österreich", 35)},
		{portal: portalAmicas, shows: "double opt-in not confirmed yet: no number until confirmed",
			user: pending(user("juergen.poelzl@gmx.at", "juergen.poelzl@gmx.at", "Jürgen", "Pölzl", "", "Getreidegasse 9", "5020", "Salzburg", "AT", 1))},
		{portal: portalAmicas, shows: "deleted: left alone",
			user: deleted(user("bweiss", "brigitte.weiss@a1.net", "Brigitte", "Weiß", "Mag.a", "Herrengasse 7", "8010", "Graz", "AT", 30))},
		{portal: portalAmicas, shows: "carries a valid number from an earlier letter: adopted", legacy: legacyValid,
			user: user("jstrauss", "josef.strauss@gmx.at", "Josef", "Strauß", "", "Hauptstraße 21", "3100", "St. Pölten", "AT", 28)},
		{portal: portalAmicas, shows: "registered on both portals: one number",
			user: user("katharina.mueller@a1.net", "katharina.mueller@a1.net", "Katharina", "Müller", "", "Mariahilfer Straße 88/2/7", "1060", "Wien", "AT", 20)},
		{portal: portalAmicas, shows: "couple's shared mailbox, first of the two",
			user: user("twagner", "familie.wagner@chello.at", "Thomas", "Wagner", "", "Favoritenstraße 45/Stiege 2/Top 14", "1100", "Wien", "AT", 12)},

		{portal: portalClub, shows: "number with a wrong check digit: conflict", legacy: legacyBadCheck,
			user: user("mhofer", "maria.hofer@gmail.com", "Maria", "Hofer", "Dr.", "Schulgasse 3", "6020", "Innsbruck", "AT", 25)},
		{portal: portalClub, shows: "registered on both portals: linked to the same person",
			user: user("kathi.m", "Katharina.Mueller@a1.net", "Katharina", "Müller", "", "Mariahilfer Straße 88/2/7", "1060", "Wien", "Austria", 9)},
		{portal: portalClub, shows: "couple's shared mailbox: new number, same household, conflict to review",
			user: user("swagner", "familie.wagner@chello.at", "Sabine", "Wagner", "", "Favoritenstraße 45/Stiege 2/Top 14", "1100", "Wien", "AT", 8)},
		{portal: portalClub, shows: "confirmed: new number",
			user: user("sleitner", "stefan.leitner@outlook.com", "Stefan", "Leitner", "Mag.", "Maria-Theresien-Straße 18", "6020", "Innsbruck", "AT", 5)},
		{portal: portalClub, shows: "confirmed, from Germany: new number",
			user: user("rkoehler", "renate.koehler@web.de", "Renate", "Köhler", "", "Maximilianstraße 2", "80331", "München", "Deutschland", 3)},

		{portal: portalForum, shows: "registered on amicas too: linked to the same person",
			user: user("lukas_h", "lukas.huber@aon.at", "Lukas", "Huber", "", "Linzer Straße 4", "4020", "Linz", "AT", 10)},
		{portal: portalForum, shows: "Lukas Huber's wife, same address: new number, same household",
			user: user("eva.huber", "eva.huber@aon.at", "Eva", "Huber", "", "Linzer Straße 4", "4020", "Linz", "AT", 7)},
		{portal: portalForum, shows: "double opt-in not confirmed yet: no number until activated",
			user: pending(user("mbauer", "markus.bauer@gmx.net", "Markus", "Bauer", "", "Bahnhofstraße 11", "9020", "Klagenfurt", "AT", 1))},
		{portal: portalForum, shows: "number with two digits swapped: conflict", legacy: legacySwapped,
			user: user("fberger", "florian.berger@gmail.com", "Florian", "Berger", "", "Domgasse 5", "9020", "Klagenfurt", "AT", 15)},
		{portal: portalForum, shows: "confirmed: new number",
			user: user("petra.steiner", "petra.steiner@icloud.com", "Petra", "Steiner", "", "Kaiserstraße 30", "6900", "Bregenz", "AT", 4)},
	}
}
