package config

import (
	"fmt"
	"slices"
	"strings"
	"time"

	keysync "keysync/sync"

	"keysync/sources/typo3"
	"keysync/sources/wordpress"
	"keysync/sync/number"
)

// countryTemplate returns the variable of the first template that uses
// {country}, or "" when none does; sources then need no country.
func (c *Config) countryTemplate() string {
	templates := []struct {
		name string
		t    *number.Template
	}{{varNumberFormat, c.Number}, {varHHFormat, c.Household}, {varPEFormat, c.Person}}
	for _, t := range templates {
		if t.t != nil && t.t.UsesCountry() {
			return t.name
		}
	}
	return ""
}

// validate checks one source and brings its kind and country into their
// canonical case. countryVar names the template that needs a country, if
// any.
func (s *Source) validate(countryVar string) []error {
	p := sourcePrefix(s.Name)
	var errs []error
	add := func(suffix, value, reason string) {
		errs = append(errs, &Error{Var: p + suffix, Value: value, Reason: reason})
	}

	kinds := "one of " + strings.Join(Kinds, ", ")
	switch kind := strings.ToLower(s.Kind); {
	case s.Kind == "":
		add(sufKind, s.Kind, "required; "+kinds)
	case !slices.Contains(Kinds, kind):
		add(sufKind, s.Kind, "unknown kind; "+kinds)
	default:
		s.Kind = kind
	}

	const notIdentifier = "not a plain SQL name: a letter or underscore, then up to 63 letters, digits or underscores"
	if !ValidIdentifier(s.Table) {
		add(sufTable, s.Table, notIdentifier)
	}
	columns := []struct{ suffix, value string }{
		{sufNumberColumn, s.NumberColumn}, {sufHHColumn, s.HHColumn}, {sufPEColumn, s.PEColumn},
	}
	for i, col := range columns {
		if !ValidIdentifier(col.value) {
			add(col.suffix, col.value, notIdentifier)
			continue
		}
		// MySQL column names ignore case, so Foo and foo are one column.
		for _, other := range columns[:i] {
			if strings.EqualFold(col.value, other.value) {
				add(col.suffix, col.value, "same column as "+p+other.suffix+"; each value needs its own column")
				break
			}
		}
	}

	names := []struct{ suffix, value string }{
		{sufTablePrefix, s.TablePrefix}, {sufNumberKey, s.NumberKey}, {sufHHKey, s.HHKey}, {sufPEKey, s.PEKey},
	}
	if s.UsersTable != "" {
		names = append(names, struct{ suffix, value string }{sufUsersTable, s.UsersTable})
	}
	if s.UsermetaTable != "" {
		names = append(names, struct{ suffix, value string }{sufUsermetaTable, s.UsermetaTable})
	}
	for _, n := range names {
		if !ValidIdentifier(n.value) {
			add(n.suffix, n.value, notIdentifier)
		}
	}
	if strings.EqualFold(s.NumberKey, s.HHKey) || strings.EqualFold(s.NumberKey, s.PEKey) || strings.EqualFold(s.HHKey, s.PEKey) {
		add(sufNumberKey, s.NumberKey, "the three meta keys must differ")
	}
	errs = append(errs, s.validateFields()...)
	errs = append(errs, s.protectedTargets()...)
	if s.AfterWriteTimeout <= 0 {
		add(sufAfterWriteTimeout, s.AfterWriteTimeout.String(), "must be positive, e.g. 10s")
	}

	country := strings.ToUpper(s.Country)
	switch {
	case s.Country == "" && countryVar != "":
		add(sufCountry, s.Country, "required because "+countryVar+" uses {country}")
	case s.Country != "" && !isCountry(country):
		add(sufCountry, s.Country, "not an ISO 3166 alpha-2 country code (two letters, e.g. DE)")
	default:
		s.Country = country
	}
	return errs
}

// isCountry reports whether s has the shape of an ISO 3166 alpha-2 code.
// Whether the code is assigned is not checked, so new codes need no update.
func isCountry(s string) bool {
	return len(s) == 2 && 'A' <= s[0] && s[0] <= 'Z' && 'A' <= s[1] && s[1] <= 'Z'
}

// protectedTargets refuses a portal's own columns or meta keys as targets
// of keysync's writes: a write-back fills them only where empty, but a
// repair restores the central value over whatever they hold (say, every
// member's password hash). Only the settings of the source's kind are
// looked at.
func (s *Source) protectedTargets() []error {
	p := sourcePrefix(s.Name)
	var errs []error
	check := func(protected func(string) bool, what string, targets ...[2]string) {
		for _, t := range targets {
			if protected(t[1]) {
				errs = append(errs, &Error{Var: p + t[0], Value: t[1],
					Reason: what + "; keysync writes only into columns or meta keys of its own, e.g. the default"})
			}
		}
	}
	// keysync never writes into what it reads as master data.
	mapped := func(name string) bool {
		return slices.ContainsFunc(s.Fields.Columns(), func(c string) bool { return strings.EqualFold(c, name) })
	}
	check(mapped, "a column or meta key "+p+sufFields+" reads as master data", s.targets()...)
	switch strings.ToLower(s.Kind) {
	case "typo3":
		check(typo3.ProtectedColumn, "a column TYPO3 itself keeps in "+s.Table,
			[2]string{sufNumberColumn, s.NumberColumn}, [2]string{sufHHColumn, s.HHColumn}, [2]string{sufPEColumn, s.PEColumn})
	case "wordpress":
		check(wordpress.ProtectedKey, "a user meta key WordPress itself uses (or one keysync reads)",
			[2]string{sufNumberKey, s.NumberKey}, [2]string{sufHHKey, s.HHKey}, [2]string{sufPEKey, s.PEKey})
	}
	return errs
}

// validateFields reads the field mapping, the salutations and the time
// zone. A mapped column must be a plain name; whether the table has it is
// found when the source first looks at its portal (exit 2 as well).
func (s *Source) validateFields() []error {
	p := sourcePrefix(s.Name)
	var errs []error
	fields, err := keysync.ParseFieldMap(s.FieldsText)
	if err != nil {
		errs = append(errs, &Error{Var: p + sufFields, Value: s.FieldsText, Reason: err.Error()})
	}
	for _, col := range fields.Columns() {
		if !ValidIdentifier(col) {
			errs = append(errs, &Error{Var: p + sufFields, Value: s.FieldsText,
				Reason: fmt.Sprintf("%q is not a plain column or meta key name: a letter or underscore, then up to 63 letters, digits or underscores", col)})
		}
	}
	s.Fields = fields
	if s.Salutations, err = keysync.ParseSalutations(s.SalutationsText); err != nil {
		errs = append(errs, &Error{Var: p + sufSalutations, Value: s.SalutationsText, Reason: err.Error() + "; e.g. 0=Herr,1=Frau"})
	}
	if s.Timezone != "" {
		if s.Location, err = time.LoadLocation(s.Timezone); err != nil || s.Timezone == "Local" {
			errs = append(errs, &Error{Var: p + sufTimezone, Value: s.Timezone, Reason: "not a time zone name of the IANA database, e.g. Europe/Vienna"})
		}
	}
	return errs
}

// targets are the columns or meta keys keysync writes, with their
// variables.
func (s *Source) targets() [][2]string {
	if strings.ToLower(s.Kind) == "wordpress" {
		return [][2]string{{sufNumberKey, s.NumberKey}, {sufHHKey, s.HHKey}, {sufPEKey, s.PEKey}}
	}
	return [][2]string{{sufNumberColumn, s.NumberColumn}, {sufHHColumn, s.HHColumn}, {sufPEColumn, s.PEColumn}}
}
