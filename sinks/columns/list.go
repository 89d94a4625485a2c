package columns

import (
	"time"

	keysync "keysync/sync"
)

// All is every column of the person lists, in the order of the Excel
// list.
var All = []Column{
	{Key: "number", German: "Kundennummer", English: "Customer number", Width: 14, text: number},
	{Key: "hh_id", German: "HH-ID", English: "HH-ID", Width: 12, text: hh},
	{Key: "pe_id", German: "PE-ID", English: "PE-ID", Width: 12, text: pe},
	field("salutation", "Anrede", "Salutation", 9),
	field("title", "Titel", "Title", 10),
	field("first_name", "Vorname", "First name", 16),
	field("last_name", "Nachname", "Last name", 18),
	{Key: "birth_date", German: "Geburtsdatum", English: "Birth date", Kind: Date, Width: 12,
		text: FieldValue("birth_date"), date: birthDate},
	field("street", "Straße", "Street", 28),
	field("zip", "PLZ", "Postcode", 8),
	field("city", "Ort", "Town", 18),
	field("country", "Land", "Country", 6),
	field("email", "E-Mail", "E-mail", 30),
	field("phone", "Telefon", "Phone", 18),
	field("mobile", "Mobil", "Mobile", 18),
	field("company", "Firma", "Company", 24),
	field("memberships", "Mitgliedschaften", "Memberships", 30),
	{Key: "registered", German: "Registriert", English: "Registered", Kind: Date, Width: 12,
		date: func(p keysync.PersonRecord) time.Time { return day(p.Registered) }},
	{Key: "changed", German: "Geändert", English: "Changed", Kind: Date, Width: 12,
		date: func(p keysync.PersonRecord) time.Time { return day(p.Changed) }},
	{Key: "status", German: "Status", English: "Status", Width: 26, text: status},
	{Key: "left", German: "Ausgetreten", English: "Left", Kind: Date, Width: 12,
		date: func(p keysync.PersonRecord) time.Time { return day(p.Left) }},
}

// Standard is the column set of a person on every list: the customer
// number and ids, the person's fields, registered since and last change.
var Standard = Select("number", "hh_id", "pe_id", "salutation", "title", "first_name", "last_name",
	"birth_date", "street", "zip", "city", "country", "email", "phone", "mobile", "company",
	"memberships", "registered", "changed")

// List is the column set of the Excel master list, which keeps persons who
// left: the standard columns, the status and the date the person left.
var List = append(Standard[:len(Standard):len(Standard)], Select("status", "left")...)

func number(p keysync.PersonRecord, _ Lang) string { return p.Number }
func hh(p keysync.PersonRecord, _ Lang) string     { return p.HH }
func pe(p keysync.PersonRecord, _ Lang) string     { return p.PE }

// field is a text column holding one of the person's fields.
func field(key, german, english string, width float64) Column {
	return Column{Key: key, German: german, English: english, Width: width, text: FieldValue(key)}
}

// FieldValue reads one of the person's fields.
func FieldValue(key string) func(keysync.PersonRecord, Lang) string {
	return func(p keysync.PersonRecord, _ Lang) string { return p.Fields[keysync.Field(key)] }
}

// birthDate reads the birth date field (YYYY-MM-DD); anything else is no
// date and stays text.
func birthDate(p keysync.PersonRecord) time.Time {
	t, err := time.Parse(time.DateOnly, p.Fields[keysync.FieldBirthDate])
	if err != nil {
		return time.Time{}
	}
	return t
}

// day is the calendar day of an instant in the local time zone, as
// midnight UTC: a spreadsheet date has no zone, and a registration at
// 23:30 in Vienna belongs to that day, not to the next one in UTC.
func day(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	y, m, d := t.Local().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// status says in words whether the person is on the lists.
func status(p keysync.PersonRecord, l Lang) string {
	words := map[keysync.PersonStatus][2]string{
		keysync.PersonActive:    {"aktiv", "active"},
		keysync.PersonLeft:      {"ausgetreten", "left"},
		keysync.PersonRetired:   {"zusammengeführt", "merged"},
		keysync.PersonForgotten: {"gelöscht (DSGVO)", "forgotten (GDPR)"},
	}
	w, ok := words[p.Status]
	if !ok {
		return string(p.Status)
	}
	s := w[0]
	if l == English {
		s = w[1]
	}
	if p.Status == keysync.PersonRetired && p.MergedInto != "" {
		if l == English {
			return s + " into " + p.MergedInto
		}
		return s + " in " + p.MergedInto
	}
	return s
}
