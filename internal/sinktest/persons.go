// Package sinktest gives the sinks' tests and the bench what they share:
// generated persons as the central change feed delivers them, the
// independent readers (Debian's python3 with openpyxl and vobject) and a
// Radicale CardDAV server on loopback.
package sinktest

import (
	"fmt"
	"iter"
	"math/rand/v2"
	"strings"
	"time"

	"keysync/internal/testdb"
	keysync "keysync/sync"
)

// chunk is how many registrations are generated at a time: persons are
// streamed, so a million of them never sit in memory at once.
const chunk = 10_000

// Persons yields n generated persons in the order of their numbers, the
// same for the same seed: the names, addresses and e-mails of
// testdb.GenerateFeUsers (long-tailed name frequencies, umlauts, titles),
// half with a birth date, most with a mobile number, some with a landline
// or a company, one in thirty left and one in two hundred merged into
// another.
func Persons(seed int64, n int) iter.Seq2[keysync.PersonRecord, error] {
	return func(yield func(keysync.PersonRecord, error) bool) {
		rng := rand.New(rand.NewPCG(uint64(seed), 0x73696e6b73))
		for start := 0; start < n; start += chunk {
			users := testdb.GenerateFeUsers(seed+int64(start), min(chunk, n-start))
			for i, u := range users {
				if !yield(person(rng, start+i+1, u), nil) {
					return
				}
			}
		}
	}
}

// Collect returns the persons of a sequence, for tests that need them twice.
func Collect(tb interface{ Fatal(...any) }, seq iter.Seq2[keysync.PersonRecord, error]) []keysync.PersonRecord {
	var out []keysync.PersonRecord
	for p, err := range seq {
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, p)
	}
	return out
}

// Seq yields the persons, as a change feed would.
func Seq(persons ...keysync.PersonRecord) iter.Seq2[keysync.PersonRecord, error] {
	return func(yield func(keysync.PersonRecord, error) bool) {
		for _, p := range persons {
			if !yield(p, nil) {
				return
			}
		}
	}
}

// Number is the customer number of the i-th generated person.
func Number(i int) string { return fmt.Sprintf("%09d", i) }

func person(rng *rand.Rand, i int, u testdb.FeUser) keysync.PersonRecord {
	at := !strings.HasPrefix(u.Country, "D") && u.Country != "Germany"
	p := keysync.PersonRecord{
		Number:     Number(i),
		HH:         fmt.Sprintf("%07d", 1+i*7/10),
		PE:         fmt.Sprintf("%08d", i),
		Status:     keysync.PersonActive,
		Registered: time.Unix(u.Crdate, 0),
		Changed:    time.Unix(u.Tstamp, 0),
		Fields: map[keysync.Field]string{
			"salutation": testdb.Salutation(u.FirstName), "title": u.Title,
			"first_name": u.FirstName, "last_name": u.LastName, "email": u.Email,
			"street": u.Address, "zip": u.Zip, "city": u.City, "country": country(u.Country, at),
			"memberships": memberships(u.Usergroup),
		},
	}
	addContact(rng, p.Fields, at)
	leave(rng, &p, i)
	return p
}

// addContact adds a birth date to half the persons, phone numbers as
// people type them, and a company to a few.
func addContact(rng *rand.Rand, f map[keysync.Field]string, at bool) {
	if rng.IntN(2) == 0 {
		born := time.Date(1930, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, rng.IntN(76*365))
		f["birth_date"] = born.Format(time.DateOnly)
	}
	if rng.IntN(10) < 7 {
		f["mobile"] = mobile(rng, at)
	}
	if rng.IntN(10) < 3 {
		f["phone"] = landline(rng, at)
	}
	if rng.IntN(20) == 0 {
		f["company"] = []string{"Huber & Söhne GmbH", "Tischlerei Wimmer KG", "Ordination Dr. Pichler"}[rng.IntN(3)]
	}
}

func mobile(rng *rand.Rand, at bool) string {
	if !at {
		return fmt.Sprintf("+49 %d %07d", 151+rng.IntN(30), rng.IntN(10_000_000))
	}
	prefix := []string{"664", "664", "676", "699", "650", "660"}[rng.IntN(6)]
	if rng.IntN(3) == 0 {
		return fmt.Sprintf("0%s %07d", prefix, rng.IntN(10_000_000))
	}
	return fmt.Sprintf("+43 %s %07d", prefix, rng.IntN(10_000_000))
}

func landline(rng *rand.Rand, at bool) string {
	if !at {
		return fmt.Sprintf("030 %07d", rng.IntN(10_000_000))
	}
	return fmt.Sprintf("+43 %d %06d", 1+rng.IntN(7), rng.IntN(1_000_000))
}

// country is the ISO code the master data holds for what was typed.
func country(typed string, at bool) string {
	switch {
	case typed == "":
		return ""
	case at:
		return "AT"
	}
	return "DE"
}

func memberships(groups string) string {
	names := map[string]string{"1": "amicas: Mitglied", "2": "amicas: Premium", "3": "club: Mitglied"}
	var out []string
	for _, g := range strings.Split(groups, ",") {
		if n, ok := names[g]; ok {
			out = append(out, n)
		}
	}
	return strings.Join(out, "; ")
}

// leave makes one person in thirty leave and one in two hundred merge into
// the person before.
func leave(rng *rand.Rand, p *keysync.PersonRecord, i int) {
	switch r := rng.IntN(200); {
	case r == 0 && i > 1:
		p.Status, p.MergedInto = keysync.PersonRetired, Number(i-1)
	case r < 7:
		p.Status = keysync.PersonLeft
	default:
		return
	}
	p.Left = p.Changed.Add(time.Duration(rng.IntN(400)) * 24 * time.Hour)
	p.Changed = p.Left
}
