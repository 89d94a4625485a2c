package central

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"keysync/internal/sqlutil"
	keysync "keysync/sync"
)

// ErrNotFound is returned when a person, account or conflict an admin asked
// for does not exist centrally.
var ErrNotFound = errors.New("not found")

// PersonView is one person as admins see it: the ids, the identity keysync
// recorded first, and every account on every portal, deleted ones included.
type PersonView struct {
	Number     string    `json:"number"`
	Status     string    `json:"status"`
	MergedInto string    `json:"merged_into,omitempty"`
	Origin     string    `json:"origin"`
	HH         string    `json:"hh_id"`
	PE         string    `json:"pe_id"`
	FirstName  string    `json:"first_name"`
	LastName   string    `json:"last_name"`
	Email      string    `json:"email"`
	BirthDate  string    `json:"birth_date,omitempty"`
	CreatedAt  time.Time `json:"created_at"`
	// Registered is the person's first registration on any portal.
	Registered *time.Time    `json:"registered_at,omitempty"`
	Accounts   []AccountView `json:"accounts"`
	// Merged lists the retired numbers merged into this person.
	Merged []string `json:"merged,omitempty"`
	// Record is the person's current master data, each field with the
	// account it came from (see record.go).
	Record []FieldValue `json:"record"`
}

// AccountView is one portal account as admins see it: as recorded
// centrally, or as its portal holds it now when it is not linked
// (PortalAccount). Accounts stay after a portal deletes its row, with the
// deletion date, so nothing an admin can look up is lost.
type AccountView struct {
	Account         string                `json:"account"`
	Source          string                `json:"source"`
	ID              uint64                `json:"account_id"`
	Number          string                `json:"number"`
	Status          keysync.AccountStatus `json:"status"`
	Username        string                `json:"username"`
	Email           string                `json:"email"`
	FirstName       string                `json:"first_name"`
	LastName        string                `json:"last_name"`
	BirthDate       string                `json:"birth_date,omitempty"`
	Street          string                `json:"street,omitempty"`
	Zip             string                `json:"zip,omitempty"`
	City            string                `json:"city,omitempty"`
	Country         string                `json:"country,omitempty"`
	Salutation      string                `json:"salutation,omitempty"`
	Title           string                `json:"title,omitempty"`
	Phone           string                `json:"phone,omitempty"`
	Mobile          string                `json:"mobile,omitempty"`
	Company         string                `json:"company,omitempty"`
	Groups          []string              `json:"groups"`
	RegisteredAt    *time.Time            `json:"registered_at,omitempty"`
	LinkedAt        *time.Time            `json:"linked_at,omitempty"`
	WrittenAt       *time.Time            `json:"written_at,omitempty"`
	StatusChangedAt *time.Time            `json:"status_changed_at,omitempty"`
	DeletedAt       *time.Time            `json:"deleted_at,omitempty"`
	PendingWrite    bool                  `json:"pending_write"`
	// HH and PE are the Wibisoft ids in the row, for a row read from its
	// portal (PortalAccount); Number is then the number in the row.
	HH string `json:"hh_id,omitempty"`
	PE string `json:"pe_id,omitempty"`
	// Matching is what keysync derived from the values to recognise the
	// person: normalised names and address, phonetic blocking keys. nil
	// for a row read from its portal.
	Matching *MatchingKeys `json:"matching,omitempty"`
	// ForgottenAt is when the account's person was forgotten; its values
	// are gone since.
	ForgottenAt *time.Time `json:"forgotten_at,omitempty"`

	profile keysync.Profile
}

// MatchingKeys are the values an account is matched by (see sync/match):
// part of what keysync holds on a person, so `show --json` prints them.
type MatchingKeys struct {
	Email      string `json:"email,omitempty"`
	FirstName  string `json:"first_name,omitempty"`
	LastName   string `json:"last_name,omitempty"`
	Postcode   string `json:"postcode,omitempty"`
	City       string `json:"city,omitempty"`
	Address    string `json:"address,omitempty"`
	KeyName    string `json:"key_name,omitempty"`
	KeyPlace   string `json:"key_place,omitempty"`
	KeyBirth   string `json:"key_birth,omitempty"`
	KeyFirstPl string `json:"key_first_place,omitempty"`
}

// Profile returns the normalised identity recorded for the account, as
// the fuzzy decision compared it.
func (a AccountView) Profile() keysync.Profile { return a.profile }

// HistoryEntry is one line of a person's history.
type HistoryEntry struct {
	At      time.Time `json:"at"`
	Kind    string    `json:"kind"`
	Actor   string    `json:"actor,omitempty"`
	Number  string    `json:"number,omitempty"`
	Account string    `json:"account,omitempty"`
	Old     string    `json:"old,omitempty"`
	New     string    `json:"new,omitempty"`
	Detail  string    `json:"detail,omitempty"`

	id uint64
}

const accountViewColumns = `a.source, a.account_id, a.number, a.status, a.username, a.email, a.first_name, a.last_name,
 a.birth_date, a.street, a.zip, a.city, a.country, a.salutation, a.title, a.phone, a.mobile, a.company, a.groups_list,
 a.registered_at, a.linked_at, a.written_at, a.status_changed_at, a.deleted_at, a.pending_write, a.email_norm, a.first_norm,
 a.last_norm, a.postcode, a.city_norm, a.address_key, COALESCE(a.key_name, ''), COALESCE(a.key_place, ''), COALESCE(a.key_birth, ''),
 COALESCE(a.key_first_place, ''), a.forgotten_at`

func scanAccountView(rows *sql.Rows) (AccountView, error) {
	var a AccountView
	var groups sql.NullString
	var registered, linked, written, changed, deleted, forgotten sql.NullTime
	p := &a.profile
	m := &MatchingKeys{}
	err := rows.Scan(&a.Source, &a.ID, &a.Number, &a.Status, &a.Username, &a.Email, &a.FirstName, &a.LastName,
		&a.BirthDate, &a.Street, &a.Zip, &a.City, &a.Country, &a.Salutation, &a.Title, &a.Phone, &a.Mobile, &a.Company, &groups,
		&registered, &linked, &written, &changed, &deleted, &a.PendingWrite, &p.Email, &p.FirstName, &p.LastName, &p.Postcode, &p.City, &p.Address,
		&m.KeyName, &m.KeyPlace, &m.KeyBirth, &m.KeyFirstPl, &forgotten)
	if err != nil {
		return a, err
	}
	m.Email, m.FirstName, m.LastName, m.Postcode, m.City, m.Address = p.Email, p.FirstName, p.LastName, p.Postcode, p.City, p.Address
	if *m != (MatchingKeys{}) {
		a.Matching = m
	}
	a.ForgottenAt = timePtr(forgotten)
	p.BirthDate = a.BirthDate
	a.Account = keysync.AccountKey(a.Source, a.ID)
	a.Groups = []string{}
	if groups.Valid && groups.String != "" {
		if err := json.Unmarshal([]byte(groups.String), &a.Groups); err != nil {
			return a, fmt.Errorf("groups of %s: %w", a.Account, err)
		}
	}
	a.RegisteredAt, a.LinkedAt, a.WrittenAt = timePtr(registered), timePtr(linked), timePtr(written)
	a.StatusChangedAt, a.DeletedAt = timePtr(changed), timePtr(deleted)
	return a, nil
}

// PortalAccount is the view of an account as its portal holds it now,
// normalised as a pass would (c), for an account the central store has
// not linked.
func PortalAccount(c keysync.Candidate) AccountView {
	a := c.Account
	v := AccountView{Account: a.Key(), Source: a.Source, ID: a.ID, Number: a.Number, Status: a.Status(),
		Username: a.Username, Email: a.Email, FirstName: a.FirstName, LastName: a.LastName, BirthDate: a.BirthDate,
		Street: a.Street, Zip: a.Zip, City: a.City, Country: a.Country, Salutation: a.Salutation, Title: a.Title,
		Phone: a.Phone, Mobile: a.Mobile, Company: a.Company, Groups: a.Groups, HH: a.HH, PE: a.PE,
		profile: c.Profile}
	if v.Groups == nil {
		v.Groups = []string{}
	}
	if !a.Registered.IsZero() {
		t := a.Registered.UTC()
		v.RegisteredAt = &t
	}
	return v
}

func timePtr(t sql.NullTime) *time.Time {
	if !t.Valid {
		return nil
	}
	u := t.Time.UTC()
	return &u
}

// Persons returns the persons with the given numbers, in that order, each
// with all its accounts; unknown numbers are left out.
func (s *Store) Persons(ctx context.Context, numbers []string) ([]PersonView, error) {
	if len(numbers) == 0 {
		return nil, nil
	}
	args := make([]any, len(numbers))
	for i, n := range numbers {
		args[i] = n
	}
	byNumber, err := s.readPersons(ctx, args)
	if err != nil {
		return nil, fmt.Errorf("read persons: %w", err)
	}
	if err := s.readAccounts(ctx, args, byNumber); err != nil {
		return nil, fmt.Errorf("read accounts: %w", err)
	}
	if err := s.readMerged(ctx, args, byNumber); err != nil {
		return nil, fmt.Errorf("read merged numbers: %w", err)
	}
	out := make([]PersonView, 0, len(byNumber))
	seen := map[string]bool{}
	for _, n := range numbers {
		if p := byNumber[n]; p != nil && !seen[n] {
			seen[n] = true
			if p.Registered == nil {
				created := p.CreatedAt
				p.Registered = &created
			}
			out = append(out, *p)
		}
	}
	return out, nil
}

// readPersons reads the persons rows of the numbers.
func (s *Store) readPersons(ctx context.Context, numbers []any) (map[string]*PersonView, error) {
	byNumber := map[string]*PersonView{}
	err := sqlutil.Each(ctx, s.db, `SELECT number, status, COALESCE(merged_into, ''), origin, COALESCE(hh_id, ''), COALESCE(pe_id, ''),
 first_name, last_name, email, birth_date, created_at, COALESCE(record, '') FROM persons WHERE number IN (`+sqlutil.Placeholders(len(numbers))+`)`, numbers, func(rows *sql.Rows) error {
		var p PersonView
		var rec string
		if err := rows.Scan(&p.Number, &p.Status, &p.MergedInto, &p.Origin, &p.HH, &p.PE, &p.FirstName, &p.LastName,
			&p.Email, &p.BirthDate, &p.CreatedAt, &rec); err != nil {
			return err
		}
		p.CreatedAt = p.CreatedAt.UTC()
		r, err := parseRecord(rec)
		if err != nil {
			return fmt.Errorf("%s: %w", p.Number, err)
		}
		if rec == "" {
			r = seedRecord(p.FirstName, p.LastName, p.Email, p.BirthDate, p.CreatedAt)
		}
		p.Record = recordView(r)
		p.Accounts = []AccountView{}
		byNumber[p.Number] = &p
		return nil
	})
	return byNumber, err
}

// readAccounts adds each person's accounts, and its first registration
// on any portal.
func (s *Store) readAccounts(ctx context.Context, numbers []any, byNumber map[string]*PersonView) error {
	return sqlutil.Each(ctx, s.db, `SELECT `+accountViewColumns+` FROM accounts a WHERE a.number IN (`+sqlutil.Placeholders(len(numbers))+`) ORDER BY a.source, a.account_id`, numbers, func(rows *sql.Rows) error {
		a, err := scanAccountView(rows)
		if err != nil {
			return err
		}
		if p := byNumber[a.Number]; p != nil {
			p.Accounts = append(p.Accounts, a)
			if a.RegisteredAt != nil && (p.Registered == nil || a.RegisteredAt.Before(*p.Registered)) {
				p.Registered = a.RegisteredAt
			}
		}
		return nil
	})
}

// readMerged adds the retired numbers merged into each person.
func (s *Store) readMerged(ctx context.Context, numbers []any, byNumber map[string]*PersonView) error {
	return sqlutil.Each(ctx, s.db, `SELECT number, merged_into FROM persons WHERE merged_into IN (`+sqlutil.Placeholders(len(numbers))+`) ORDER BY number`, numbers, func(rows *sql.Rows) error {
		var n, into string
		if err := rows.Scan(&n, &into); err != nil {
			return err
		}
		if p := byNumber[into]; p != nil {
			p.Merged = append(p.Merged, n)
		}
		return nil
	})
}

// Person returns one person by number, retired ones included.
func (s *Store) Person(ctx context.Context, number string) (PersonView, error) {
	ps, err := s.Persons(ctx, []string{number})
	if err != nil {
		return PersonView{}, err
	}
	if len(ps) == 0 {
		return PersonView{}, fmt.Errorf("person %s: %w", number, ErrNotFound)
	}
	return ps[0], nil
}

// PersonsByEmail returns the persons having an account with the address
// (compared normalised, see match.Email); a shared mailbox gives several.
func (s *Store) PersonsByEmail(ctx context.Context, emailNorm string) ([]PersonView, error) {
	var numbers []string
	err := sqlutil.Each(ctx, s.db, `SELECT DISTINCT a.number FROM accounts a JOIN persons p ON p.number = a.number
 WHERE a.email_norm = ? ORDER BY p.created_at, a.number`, []any{emailNorm}, func(rows *sql.Rows) error {
		var n string
		err := rows.Scan(&n)
		numbers = append(numbers, n)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("find e-mail: %w", err)
	}
	return s.Persons(ctx, numbers)
}

// History returns what happened to a person, newest first: the events of
// its number, of the numbers merged into it and of its accounts, and the
// write-backs and deletions recorded on the accounts themselves.
func (s *Store) History(ctx context.Context, p PersonView) ([]HistoryEntry, error) {
	where := []string{`number IN (` + sqlutil.Placeholders(1+len(p.Merged)) + `)`}
	args := []any{p.Number}
	for _, n := range p.Merged {
		args = append(args, n)
	}
	for _, a := range p.Accounts {
		where = append(where, `(source = ? AND account_id = ?)`)
		args = append(args, a.Source, a.ID)
	}
	var out []HistoryEntry
	seen := map[string]bool{} // kind|account of events, so the account columns add no duplicates
	err := sqlutil.Each(ctx, s.db, `SELECT id, at, actor, kind, COALESCE(number, ''), COALESCE(source, ''), COALESCE(account_id, 0),
 COALESCE(old_value, ''), COALESCE(new_value, ''), COALESCE(detail, '') FROM events WHERE `+strings.Join(where, " OR "), args, func(rows *sql.Rows) error {
		var e HistoryEntry
		var source string
		var id uint64
		if err := rows.Scan(&e.id, &e.At, &e.Actor, &e.Kind, &e.Number, &source, &id, &e.Old, &e.New, &e.Detail); err != nil {
			return err
		}
		e.At = e.At.UTC()
		if source != "" {
			e.Account = keysync.AccountKey(source, id)
		}
		seen[e.Kind+"|"+e.Account] = true
		// One step recorded on two numbers (both persons of a resolved
		// conflict) is one line in the merged person's history.
		key := strings.Join([]string{e.At.Format(time.RFC3339Nano), e.Kind, e.Actor, e.Account, e.Old, e.New, e.Detail}, "\x00")
		if !seen[key] {
			seen[key] = true
			out = append(out, e)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read history: %w", err)
	}
	for _, a := range p.Accounts {
		if a.WrittenAt != nil && !seen["written|"+a.Account] {
			out = append(out, HistoryEntry{At: *a.WrittenAt, Kind: "written", Number: a.Number, Account: a.Account,
				New: a.Number, Detail: "number written to " + a.Account})
		}
		kind, detail := "deleted", "account deleted on "+a.Source
		if a.Status == keysync.StatusGone {
			kind, detail = "gone", "account row removed from "+a.Source
		}
		if a.DeletedAt != nil && !seen[kind+"|"+a.Account] && !seen["account_"+kind+"|"+a.Account] {
			out = append(out, HistoryEntry{At: *a.DeletedAt, Kind: kind, Number: a.Number, Account: a.Account, Detail: detail})
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if !out[i].At.Equal(out[j].At) {
			return out[i].At.After(out[j].At)
		}
		return out[i].id > out[j].id
	})
	return out, nil
}

// Account returns one account as recorded centrally.
func (s *Store) Account(ctx context.Context, source string, id uint64) (AccountView, error) {
	var out []AccountView
	err := sqlutil.Each(ctx, s.db, `SELECT `+accountViewColumns+` FROM accounts a WHERE a.source = ? AND a.account_id = ?`, []any{source, id}, func(rows *sql.Rows) error {
		a, err := scanAccountView(rows)
		out = append(out, a)
		return err
	})
	if err != nil {
		return AccountView{}, fmt.Errorf("read account: %w", err)
	}
	if len(out) == 0 {
		return AccountView{}, fmt.Errorf("account %s: %w", keysync.AccountKey(source, id), ErrNotFound)
	}
	return out[0], nil
}
