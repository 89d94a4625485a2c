package central

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path"
	"slices"
	"strings"
	"time"

	"keysync/internal/sqlutil"
	keysync "keysync/sync"
	"keysync/sync/match"
)

// ErrBadQuery is wrapped by Find when a filter value cannot be used.
var ErrBadQuery = errors.New("bad search")

// Query holds the filters of Find; they combine with AND, and empty ones
// do not filter. A person matches when one of its accounts matches every
// account filter (e-mail, postcode, country, name, sound, source, status,
// phone); the birth date is the person's record's.
type Query struct {
	// Number is an exact customer number; retired numbers are found only
	// this way.
	Number string
	// Email is compared normalised (match.Email).
	Email string
	// Postcode is compared normalised ("A-1010" finds 1010).
	Postcode string
	// Country is any spelling match.Country knows; rows without a country
	// have their portal's default (SourceCountries).
	Country string
	// Name is a pattern on the first or the last name, compared normalised
	// (match.Name): "*" and "?" are wildcards, a plain word is a prefix. It
	// matches the whole name or the name from any of its words on, so
	// "theres" finds Maria Theresia.
	Name string
	// SoundsLike finds names that sound alike in German (Kölner Phonetik):
	// Meier finds Maier, Mayer and Meyer. Each word must sound like the
	// first or the last name (or a word of them).
	SoundsLike string
	// RegisteredSince and RegisteredBefore bound the person's first
	// registration on any portal (keysync's first sighting when no portal
	// recorded one): new persons of a period.
	RegisteredSince  time.Time
	RegisteredBefore time.Time
	Source           string
	// Status is an account status (keysync.AccountStatuses).
	Status string
	// Phone matches an account's phone or mobile number, compared by the
	// digits that identify it (match.Phone: +43 664 ... is 0664 ...).
	Phone string
	// BirthFrom and BirthTo bound the person's birth date (YYYY-MM-DD,
	// both included; equal for one day); BirthMonth (1-12) asks for a
	// month of any year: members born in May.
	BirthFrom, BirthTo string
	BirthMonth         int
	// Limit is the most persons returned; 0 means 100.
	Limit int
	// SourceCountries maps each source to its default country code.
	SourceCountries map[string]string
}

// finder is a Query prepared for matching rows.
type finder struct {
	q        Query
	email    string
	postcode []string
	country  string
	name     *namePattern
	sounds   []string
	phone    string
}

func prepare(q Query) (*finder, error) {
	f := &finder{q: q}
	if q.Email != "" {
		if f.email = match.Email(q.Email); f.email == "" {
			return nil, fmt.Errorf("%w: %q is not an e-mail address", ErrBadQuery, q.Email)
		}
	}
	if q.Country != "" {
		c, ok := match.Country(q.Country)
		if !ok {
			return nil, fmt.Errorf("%w: unknown country %q", ErrBadQuery, q.Country)
		}
		f.country = c
	}
	if q.Postcode != "" {
		// Stored postcodes are digits only, or letters and digits for the
		// countries that have such; try both readings of the input.
		for _, country := range []string{f.country, "GB"} {
			pc := match.ParseAddress("", q.Postcode, "", country, "").Postcode
			if pc != "" && !slices.Contains(f.postcode, pc) {
				f.postcode = append(f.postcode, pc)
			}
		}
		if len(f.postcode) == 0 || !strings.ContainsAny(q.Postcode, "0123456789") {
			return nil, fmt.Errorf("%w: %q is not a postcode", ErrBadQuery, q.Postcode)
		}
	}
	if q.Name != "" {
		p, err := newNamePattern(q.Name)
		if err != nil {
			return nil, err
		}
		f.name = p
	}
	if q.SoundsLike != "" {
		for _, w := range strings.Fields(match.Name(q.SoundsLike)) {
			if c := match.Phonetic(w); c != "" {
				f.sounds = append(f.sounds, c)
			}
		}
		if len(f.sounds) == 0 {
			return nil, fmt.Errorf("%w: %q has no letters to compare", ErrBadQuery, q.SoundsLike)
		}
	}
	if q.Status != "" && !slices.Contains(keysync.AccountStatuses, keysync.AccountStatus(q.Status)) {
		names := make([]string, len(keysync.AccountStatuses))
		for i, st := range keysync.AccountStatuses {
			names[i] = string(st)
		}
		return nil, fmt.Errorf("%w: status %q is not one of %s", ErrBadQuery, q.Status, strings.Join(names, ", "))
	}
	if q.Limit < 0 {
		return nil, fmt.Errorf("%w: negative limit", ErrBadQuery)
	}
	if q.Phone != "" {
		if f.phone = match.Phone(q.Phone); f.phone == "" {
			return nil, fmt.Errorf("%w: %q is not a phone number", ErrBadQuery, q.Phone)
		}
	}
	return f, checkBirth(q)
}

// checkBirth refuses birth-date filters that are no dates or no month.
func checkBirth(q Query) error {
	for _, d := range []string{q.BirthFrom, q.BirthTo} {
		if _, err := time.Parse(time.DateOnly, d); d != "" && err != nil {
			return fmt.Errorf("%w: birth date %q is not a date YYYY-MM-DD", ErrBadQuery, d)
		}
	}
	if q.BirthFrom != "" && q.BirthTo != "" && q.BirthFrom > q.BirthTo {
		return fmt.Errorf("%w: birth dates %s..%s: the range ends before it starts", ErrBadQuery, q.BirthFrom, q.BirthTo)
	}
	if q.BirthMonth < 0 || q.BirthMonth > 12 {
		return fmt.Errorf("%w: month %d is not 1 to 12", ErrBadQuery, q.BirthMonth)
	}
	return nil
}

// Find searches persons with their accounts, deleted accounts included.
// It returns at most q.Limit persons in number order, and more=true when
// there were more.
func (s *Store) Find(ctx context.Context, q Query) (persons []PersonView, more bool, err error) {
	f, err := prepare(q)
	if err != nil {
		return nil, false, err
	}
	limit := q.Limit
	if limit == 0 {
		limit = 100
	}
	numbers, more, err := s.findNumbers(ctx, f, limit)
	if err != nil {
		return nil, false, fmt.Errorf("find: %w", err)
	}
	persons, err = s.Persons(ctx, numbers)
	return persons, more, err
}

// findNumbers streams the person-account pairs the SQL filters select, in
// number order; the name, sound and country filters run here, and reading
// stops as soon as one person past the limit matched.
func (s *Store) findNumbers(ctx context.Context, f *finder, limit int) (numbers []string, more bool, err error) {
	query, args := f.sql()
	matched := map[string]bool{}
	errStop := errors.New("stop")
	err = sqlutil.Each(ctx, s.db, query, args, func(rows *sql.Rows) error {
		var r row
		if err := rows.Scan(&r.number, &r.personFirst, &r.personLast, &r.source, &r.first, &r.last, &r.zip, &r.country, &r.phone, &r.mobile); err != nil {
			return err
		}
		if matched[r.number] || !f.matches(r) {
			return nil
		}
		if len(numbers) == limit {
			more = true
			return errStop
		}
		matched[r.number] = true
		numbers = append(numbers, r.number)
		return nil
	})
	if err != nil && !errors.Is(err, errStop) {
		return nil, false, err
	}
	return numbers, more, nil
}

// sql is the query of the filters MariaDB applies: exact values and
// registration dates.
func (f *finder) sql() (string, []any) {
	q := f.q
	var where []string
	var args []any
	if q.Number != "" {
		where = append(where, `p.number = ?`)
		args = append(args, q.Number)
	} else {
		where = append(where, `p.status = 'active'`)
	}
	if f.email != "" {
		where = append(where, `a.email_norm = ?`)
		args = append(args, f.email)
	}
	if len(f.postcode) > 0 {
		where = append(where, `a.postcode IN (?`+strings.Repeat(", ?", len(f.postcode)-1)+`)`)
		for _, pc := range f.postcode {
			args = append(args, pc)
		}
	}
	if q.Source != "" {
		where = append(where, `a.source = ?`)
		args = append(args, q.Source)
	}
	if q.Status != "" {
		where = append(where, `a.status = ?`)
		args = append(args, q.Status)
	}
	// A person's registration is its earliest on any portal.
	const registered = `COALESCE((SELECT MIN(r.registered_at) FROM accounts r WHERE r.number = p.number), p.created_at)`
	if !q.RegisteredSince.IsZero() {
		where = append(where, registered+` >= ?`)
		args = append(args, q.RegisteredSince.UTC())
	}
	if !q.RegisteredBefore.IsZero() {
		where = append(where, registered+` < ?`)
		args = append(args, q.RegisteredBefore.UTC())
	}
	// The person's birth date is its record's, kept in persons.birth_date;
	// '' (unknown) is in no range.
	if q.BirthFrom != "" {
		where = append(where, `p.birth_date >= ?`)
		args = append(args, q.BirthFrom)
	}
	if q.BirthTo != "" {
		where = append(where, `p.birth_date <> '' AND p.birth_date <= ?`)
		args = append(args, q.BirthTo)
	}
	if q.BirthMonth != 0 {
		where = append(where, `p.birth_date LIKE ?`)
		args = append(args, fmt.Sprintf("____-%02d-__", q.BirthMonth))
	}
	return `SELECT p.number, p.first_name, p.last_name, COALESCE(a.source, ''), COALESCE(a.first_name, ''), COALESCE(a.last_name, ''),
 COALESCE(a.zip, ''), COALESCE(a.country, ''), COALESCE(a.phone, ''), COALESCE(a.mobile, '')
 FROM persons p LEFT JOIN accounts a ON a.number = p.number WHERE ` + strings.Join(where, " AND ") + ` ORDER BY p.number`, args
}

// row is one person-account pair as Find reads it; the account fields are
// empty for a person without accounts.
type row struct {
	number, personFirst, personLast   string
	source, first, last, zip, country string
	phone, mobile                     string
}

func (f *finder) matches(r row) bool {
	if f.phone != "" && match.Phone(r.phone) != f.phone && match.Phone(r.mobile) != f.phone {
		return false
	}
	first, last := r.first, r.last
	if r.source == "" {
		first, last = r.personFirst, r.personLast
	}
	names := []string{match.Name(first), match.Name(last)}
	if f.country != "" {
		if r.source == "" || match.ParseAddress("", r.zip, "", r.country, f.q.SourceCountries[r.source]).Country != f.country {
			return false
		}
	}
	if f.name != nil {
		if !f.name.matchAny(names...) {
			return false
		}
	}
	if len(f.sounds) > 0 {
		codes := map[string]bool{}
		for _, n := range names {
			if n == "" {
				continue
			}
			codes[match.Phonetic(n)] = true
			for _, w := range strings.Fields(n) {
				codes[match.Phonetic(w)] = true
			}
		}
		for _, c := range f.sounds {
			if !codes[c] {
				return false
			}
		}
	}
	return true
}

// namePattern is a name pattern in the normalised alphabet of match.Name,
// as a path.Match glob.
type namePattern struct {
	glob string
}

func newNamePattern(p string) (*namePattern, error) {
	wild := strings.ContainsAny(p, "*?")
	var b strings.Builder
	lit := func(s string) {
		n := match.Name(s)
		if n == "" {
			return
		}
		if strings.HasPrefix(s, " ") && b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(n)
		if strings.HasSuffix(s, " ") {
			b.WriteByte(' ')
		}
	}
	start := 0
	for i, r := range p {
		if r == '*' || r == '?' {
			lit(p[start:i])
			b.WriteRune(r)
			start = i + 1
		}
	}
	lit(p[start:])
	glob := b.String()
	if strings.Trim(glob, "*? ") == "" && !wild {
		return nil, fmt.Errorf("%w: name pattern %q has no letters", ErrBadQuery, p)
	}
	if !wild {
		glob += "*"
	}
	if _, err := path.Match(glob, ""); err != nil {
		return nil, fmt.Errorf("%w: name pattern %q: %v", ErrBadQuery, p, err)
	}
	return &namePattern{glob: glob}, nil
}

// matchAny reports whether the pattern matches one of the names, whole or
// from one of its words on.
func (p *namePattern) matchAny(names ...string) bool {
	for _, n := range names {
		for n != "" {
			if ok, _ := path.Match(p.glob, n); ok {
				return true
			}
			i := strings.IndexByte(n, ' ')
			if i < 0 {
				break
			}
			n = n[i+1:]
		}
	}
	return false
}
