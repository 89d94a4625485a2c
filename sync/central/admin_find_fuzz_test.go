package central

import (
	"errors"
	"strings"
	"testing"
	"time"

	"keysync/sync/match"
)

// FuzzFindQuery: whatever an admin types into find's filters, preparing the
// query never panics, refuses only with ErrBadQuery, and every value
// reaches the database as a parameter: the statement's text is the same
// as for a query whose values are all replaced, and holds one placeholder
// per argument.
func FuzzFindQuery(f *testing.F) {
	f.Add("000000013", "anna@gmx.at", "A-1010", "Österreich", "Hub*", "Meier", "amicas", "active", "0664/123 45 67", "1980-01-01", "1989-12-31", 5)
	f.Add("", "", "SW1A 1AA", "", "M??er", "", "", "", "", "", "1999-02-31", 13)
	f.Add("' OR 1=1 -- ", "x'@y.at", "1010'", "AT", "[a-", "\x00", "a' --", "deleted", "+43", "2000-01-01..", "", -1)
	f.Fuzz(func(t *testing.T, number, email, postcode, country, name, sounds, source, status, phone, from, to string, month int) {
		q := Query{Number: number, Email: email, Postcode: postcode, Country: country, Name: name, SoundsLike: sounds,
			Source: source, Status: status, Phone: phone, BirthFrom: from, BirthTo: to, BirthMonth: month,
			RegisteredSince: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)}
		fd, err := prepare(q)
		if err != nil {
			if !errors.Is(err, ErrBadQuery) {
				t.Fatalf("prepare: %v, want ErrBadQuery", err)
			}
			return
		}
		query, args := fd.sql()
		if n := strings.Count(query, "?"); n != len(args) {
			t.Fatalf("%d placeholders for %d arguments:\n%s", n, len(args), query)
		}
		if twinQuery, _ := sameShape(fd).sql(); twinQuery != query {
			t.Fatalf("a value reached the statement's text:\n%s\nwant\n%s", query, twinQuery)
		}
		if name != "" && !strings.ContainsAny(name, "*?") {
			if n := match.Name(name); !fd.name.matchAny(n) {
				t.Fatalf("name pattern %q (glob %q) does not find the name it was typed as, %q", name, fd.name.glob, n)
			}
		}
	})
}

// sameShape returns the prepared query with every value replaced by one
// of the same kind, so that only the statement's shape is left.
func sameShape(fd *finder) *finder {
	twin := *fd
	set := func(s *string) {
		if *s != "" {
			*s = "v"
		}
	}
	for _, s := range []*string{&twin.q.Number, &twin.q.Source, &twin.q.Status, &twin.q.BirthFrom, &twin.q.BirthTo, &twin.email} {
		set(s)
	}
	twin.postcode = make([]string, len(fd.postcode))
	for i := range twin.postcode {
		twin.postcode[i] = "v"
	}
	if twin.q.BirthMonth != 0 {
		twin.q.BirthMonth = 1
	}
	return &twin
}
