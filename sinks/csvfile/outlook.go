package csvfile

import (
	"strings"
	"time"

	"keysync/sinks/columns"
	keysync "keysync/sync"
)

// OutlookColumns are the columns of Outlook's contact import, headed as
// Outlook's own export heads them (the import wizard maps a column only
// when its header is exactly an Outlook field name, and a German Outlook
// knows only the German ones). The customer number goes into "Benutzer 1"
// / "User 1": the CSV import has no Customer ID column, and User 1 is also
// where Microsoft's vCard mapping puts X-MS-TEXT, so both ways into
// Outlook put the number in the same field; the notes repeat it where
// every user sees it.
var OutlookColumns = []columns.Column{
	columns.Custom("title", "Anrede", "Title", salutationAndTitle),
	columns.Custom("first_name", "Vorname", "First Name", columns.FieldValue("first_name")),
	columns.Custom("last_name", "Nachname", "Last Name", columns.FieldValue("last_name")),
	columns.Custom("company", "Firma", "Company", columns.FieldValue("company")),
	columns.Custom("street", "Straße privat", "Home Street", columns.FieldValue("street")),
	columns.Custom("city", "Ort privat", "Home City", columns.FieldValue("city")),
	columns.Custom("zip", "Postleitzahl privat", "Home Postal Code", columns.FieldValue("zip")),
	columns.Custom("country", "Land/Region privat", "Home Country/Region", columns.FieldValue("country")),
	columns.Custom("phone", "Telefon (privat)", "Home Phone", columns.FieldValue("phone")),
	columns.Custom("mobile", "Mobiltelefon", "Mobile Phone", columns.FieldValue("mobile")),
	columns.Custom("email", "E-Mail-Adresse", "E-mail Address", columns.FieldValue("email")),
	columns.Custom("birth_date", "Geburtstag", "Birthday", birthday),
	columns.Custom("number", "Benutzer 1", "User 1", func(p keysync.PersonRecord, _ columns.Lang) string { return p.Number }),
	columns.Custom("memberships", "Kategorien", "Categories", columns.FieldValue("memberships")),
	columns.Custom("notes", "Notizen", "Notes", Notes),
}

// salutationAndTitle fills Outlook's name prefix: "Frau Mag.a", "Herr".
func salutationAndTitle(p keysync.PersonRecord, _ columns.Lang) string {
	return strings.TrimSpace(p.Fields[keysync.FieldSalutation] + " " + p.Fields[keysync.FieldTitle])
}

// birthday is written as Windows writes short dates, which is how Outlook
// reads them: dd.mm.yyyy in German, m/d/yyyy in English (US).
func birthday(p keysync.PersonRecord, l columns.Lang) string {
	raw := p.Fields[keysync.FieldBirthDate]
	t, err := time.Parse(time.DateOnly, raw)
	if err != nil {
		return ""
	}
	if l == columns.English {
		return t.Format("1/2/2006")
	}
	return t.Format("02.01.2006")
}

// Notes are the keys as a user reads them on the contact.
func Notes(p keysync.PersonRecord, l columns.Lang) string {
	label := "Kundennummer"
	if l == columns.English {
		label = "Customer number"
	}
	lines := []string{label + ": " + p.Number}
	if p.HH != "" {
		lines = append(lines, "HH-ID: "+p.HH)
	}
	if p.PE != "" {
		lines = append(lines, "PE-ID: "+p.PE)
	}
	return strings.Join(lines, "\n")
}
