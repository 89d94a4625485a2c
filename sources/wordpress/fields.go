package wordpress

import (
	"slices"
	"strings"
	"time"

	keysync "keysync/sync"
)

// DefaultFields is where a WordPress source reads the master data unless
// KEYSYNC_SOURCE_<NAME>_FIELDS says otherwise: the e-mail address of the
// users table, the name meta of WordPress core and the billing address
// WooCommerce keeps (its billing_country is ISO alpha-2 already).
var DefaultFields = keysync.FieldMap{
	keysync.FieldFirstName: {"first_name"},
	keysync.FieldLastName:  {"last_name"},
	keysync.FieldStreet:    {"billing_address_1", "billing_address_2"},
	keysync.FieldZip:       {"billing_postcode"},
	keysync.FieldCity:      {"billing_city"},
	keysync.FieldCountry:   {"billing_country"},
	keysync.FieldEmail:     {"user_email"},
	keysync.FieldPhone:     {"billing_phone"},
	keysync.FieldCompany:   {"billing_company"},
}

// userFieldColumns are the columns of the users table a mapping may name;
// every other name is a meta key.
var userFieldColumns = []string{"user_login", "user_email", "user_url", "display_name", "user_nicename"}

// fieldPlan is where the source reads each field: users-table columns
// and meta keys.
type fieldPlan struct {
	fields   keysync.FieldMap
	columns  []string // users-table columns, in SELECT order
	metaKeys []string
}

func newFieldPlan(over keysync.FieldMap) fieldPlan {
	p := fieldPlan{fields: DefaultFields.With(over)}
	for _, c := range p.fields.Columns() {
		if slices.Contains(userFieldColumns, strings.ToLower(c)) {
			p.columns = append(p.columns, strings.ToLower(c))
		} else {
			p.metaKeys = append(p.metaKeys, c)
		}
	}
	return p
}

// rawValues collects, per account, the values of the plan's columns and
// meta keys as read: a meta key's first row, as get_user_meta($id, $key,
// true) returns it.
type rawValues map[string]string

func (r rawValues) setFirst(key, v string) {
	if _, ok := r[key]; !ok {
		r[key] = strings.TrimSpace(v)
	}
}

// applyFields sets the account's master data from the raw values. A value
// that cannot be read as its field is unknown and logged at DEBUG.
func (s *Source) applyFields(a *keysync.Account, raw rawValues, now time.Time) {
	for _, f := range keysync.Fields {
		keys, ok := s.fields.fields[f]
		if !ok {
			continue
		}
		var parts []string
		for _, k := range keys {
			if v := raw[strings.ToLower(k)]; v != "" {
				parts = append(parts, v)
			}
		}
		v, err := s.fieldValue(f, strings.Join(parts, " "), now)
		if err != nil {
			s.cfg.Logger.Debug("field unknown", keysync.LogSource, s.cfg.Name, keysync.LogUID, a.ID, keysync.LogField, string(f), keysync.LogErr, err.Error())
		}
		a.SetValue(f, v)
	}
}

func (s *Source) fieldValue(f keysync.Field, raw string, now time.Time) (string, error) {
	switch f {
	case keysync.FieldSalutation:
		return s.cfg.Salutations.Of(raw)
	case keysync.FieldCountry:
		return keysync.CountryValue(raw), nil
	case keysync.FieldBirthDate:
		return keysync.BirthDateText(raw, now)
	}
	return raw, nil
}

// readsMeta reports whether the plan reads a meta key as a field (keys
// compare without regard to case, as meta_key's collation does).
func (p fieldPlan) readsMeta(key string) bool {
	return slices.ContainsFunc(p.metaKeys, func(k string) bool { return strings.EqualFold(k, key) })
}
