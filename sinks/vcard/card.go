package vcard

import (
	"crypto/sha1"
	"fmt"
	"strings"
	"time"

	"keysync/sinks/columns"
	"keysync/sinks/csvfile"
	keysync "keysync/sync"
)

// namespace is the name space of the contacts' UUIDs (RFC 4122 version 5):
// a fixed random UUID, so that one customer number always gives the same
// UID, on every host and in every export.
var namespace = [16]byte{0x5b, 0x2e, 0x61, 0x0c, 0x8f, 0x3d, 0x4a, 0x7e, 0x9b, 0x41, 0x0d, 0x6c, 0x27, 0xe3, 0x95, 0xa8}

// UID is the contact's vCard UID, derived from the customer number: a
// CardDAV server and every client that synchronises with it recognise the
// person by it across exports.
func UID(number string) string {
	h := sha1.New()
	h.Write(namespace[:])
	h.Write([]byte(number))
	u := h.Sum(nil)[:16]
	u[6] = u[6]&0x0f | 0x50 // version 5
	u[8] = u[8]&0x3f | 0x80 // RFC 4122 variant
	return fmt.Sprintf("urn:uuid:%x-%x-%x-%x-%x", u[0:4], u[4:6], u[6:8], u[8:10], u[10:16])
}

// Card is the person's vCard 3.0. The customer number is in the UID (for
// synchronisation), in the note (every client shows and keeps it) and in
// X-MS-TEXT, which Microsoft's vCard mapping puts into Outlook's User 1,
// where the Outlook CSV puts it too.
func Card(p keysync.PersonRecord, lang columns.Lang) []byte {
	f := p.Fields
	var e encoder
	e.line("BEGIN", "VCARD")
	e.line("VERSION", "3.0")
	e.text("UID", UID(p.Number))
	e.text("FN", formattedName(p))
	e.line("N", strings.Join([]string{escape(f[keysync.FieldLastName]), escape(f[keysync.FieldFirstName]), "",
		escape(strings.TrimSpace(f[keysync.FieldSalutation] + " " + f[keysync.FieldTitle])), ""}, ";"))
	e.text("ORG", f[keysync.FieldCompany])
	e.structured("ADR;TYPE=home", "", "", f[keysync.FieldStreet], f[keysync.FieldCity], "", f[keysync.FieldZip], f[keysync.FieldCountry])
	e.text("TEL;TYPE=cell", f[keysync.FieldMobile])
	e.text("TEL;TYPE=home,voice", f[keysync.FieldPhone])
	e.text("EMAIL;TYPE=internet,home", f[keysync.FieldEmail])
	e.text("BDAY", birthDate(f[keysync.FieldBirthDate]))
	e.list("CATEGORIES", categories(f[keysync.FieldMemberships]))
	e.text("NOTE", csvfile.Notes(p, lang))
	e.text("X-MS-TEXT", p.Number)
	e.line("END", "VCARD")
	return e.b.Bytes()
}

// formattedName is the name a client lists the contact under; FN is
// required, so a person without a name is listed under the number.
func formattedName(p keysync.PersonRecord) string {
	name := strings.Join(strings.Fields(p.Fields[keysync.FieldTitle]+" "+p.Fields[keysync.FieldFirstName]+" "+p.Fields[keysync.FieldLastName]), " ")
	if name == "" {
		return p.Number
	}
	return name
}

// birthDate keeps a birth date only when it is one (YYYY-MM-DD, as
// vCard 3.0 writes dates).
func birthDate(s string) string {
	if _, err := time.Parse(time.DateOnly, s); err != nil {
		return ""
	}
	return s
}

// categories are the memberships, one category each.
func categories(memberships string) []string {
	var out []string
	for _, m := range strings.Split(memberships, ";") {
		if m = strings.TrimSpace(m); m != "" {
			out = append(out, m)
		}
	}
	return out
}
