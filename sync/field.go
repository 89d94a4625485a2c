package keysync

import (
	"errors"
	"fmt"
	"strings"
)

// Field names one item of a person's master data. The same name is used by
// every source's mapping (KEYSYNC_SOURCE_<NAME>_FIELDS), the central record,
// its history and the sinks, so that "phone" means one thing from the
// TYPO3 column telephone to the Excel column Telefon.
type Field string

// The master-data fields, in the order records and reports list them.
const (
	// FieldSalutation is the form of address (Herr, Frau), mapped from a
	// portal's gender code by the source's salutation table.
	FieldSalutation Field = "salutation"
	FieldTitle      Field = "title"
	FieldFirstName  Field = "first_name"
	FieldLastName   Field = "last_name"
	// FieldBirthDate is YYYY-MM-DD, or empty when unknown.
	FieldBirthDate Field = "birth_date"
	FieldStreet    Field = "street"
	FieldZip       Field = "zip"
	FieldCity      Field = "city"
	// FieldCountry is the ISO 3166 alpha-2 code when the portal's spelling
	// is recognised (match.Country), else the text as the portal holds it.
	FieldCountry Field = "country"
	FieldEmail   Field = "email"
	FieldPhone   Field = "phone"
	FieldMobile  Field = "mobile"
	FieldCompany Field = "company"
	// FieldMemberships are the account's groups (TYPO3 fe_groups titles,
	// WordPress roles); a person's value lists them per portal.
	FieldMemberships Field = "memberships"
)

// Fields lists every field in the order records and reports list them.
var Fields = []Field{
	FieldSalutation, FieldTitle, FieldFirstName, FieldLastName, FieldBirthDate,
	FieldStreet, FieldZip, FieldCity, FieldCountry,
	FieldEmail, FieldPhone, FieldMobile, FieldCompany, FieldMemberships,
}

// ParseField returns the field of a name as configurations and the command
// line write it ("first_name"); ok is false for an unknown name.
func ParseField(name string) (Field, bool) {
	f := Field(strings.ToLower(strings.TrimSpace(name)))
	for _, known := range Fields {
		if f == known {
			return f, true
		}
	}
	return "", false
}

// FieldNames is Fields as text, for messages listing the valid names.
func FieldNames() string {
	names := make([]string, len(Fields))
	for i, f := range Fields {
		names[i] = string(f)
	}
	return strings.Join(names, ", ")
}

// Value returns the account's value of a field, as the source normalised
// it.
func (a Account) Value(f Field) string {
	if p := a.field(f); p != nil {
		return *p
	}
	if f == FieldMemberships {
		return strings.Join(a.Groups, ", ")
	}
	return ""
}

// SetValue sets a field of the account; memberships are set as Groups.
func (a *Account) SetValue(f Field, v string) {
	if p := a.field(f); p != nil {
		*p = v
	}
}

// field points at the account's string of a field; nil for memberships,
// which the account keeps as a list.
func (a *Account) field(f Field) *string {
	switch f {
	case FieldSalutation:
		return &a.Salutation
	case FieldTitle:
		return &a.Title
	case FieldFirstName:
		return &a.FirstName
	case FieldLastName:
		return &a.LastName
	case FieldBirthDate:
		return &a.BirthDate
	case FieldStreet:
		return &a.Street
	case FieldZip:
		return &a.Zip
	case FieldCity:
		return &a.City
	case FieldCountry:
		return &a.Country
	case FieldEmail:
		return &a.Email
	case FieldPhone:
		return &a.Phone
	case FieldMobile:
		return &a.Mobile
	case FieldCompany:
		return &a.Company
	}
	return nil
}

// Values returns the account's master data: every field with a value.
func (a Account) Values() map[Field]string {
	out := make(map[Field]string, len(Fields))
	for _, f := range Fields {
		if v := a.Value(f); v != "" {
			out[f] = v
		}
	}
	return out
}

// ErrConfig is wrapped by errors that only a change of keysync's
// configuration can fix, found when a source looks at its portal: a mapped
// column the table lacks. Commands end with exit code 2 on it, as on any
// other configuration mistake.
var ErrConfig = errors.New("configuration error")

// MappingError is a field mapping (KEYSYNC_SOURCE_<NAME>_FIELDS) that does
// not fit the portal's tables. It names the variable and its value, as
// every configuration error does.
type MappingError struct {
	Var, Value, Reason string
}

func (e *MappingError) Error() string {
	return fmt.Sprintf("%s=%q: %s", e.Var, e.Value, e.Reason)
}

// Unwrap lets callers test for ErrConfig.
func (e *MappingError) Unwrap() error { return ErrConfig }
