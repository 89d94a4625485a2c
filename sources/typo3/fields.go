package typo3

import (
	"database/sql"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"keysync/internal/sqlutil"
	keysync "keysync/sync"
	"keysync/sync/match"
)

// DefaultFields is where a TYPO3 source reads the master data unless
// KEYSYNC_SOURCE_<NAME>_FIELDS says otherwise: TYPO3's own columns, and
// gender and date_of_birth, which femanager and sr_feuser_register add.
// A default column the table lacks is not read; a configured one must
// exist.
var DefaultFields = keysync.FieldMap{
	keysync.FieldSalutation: {"gender"},
	keysync.FieldTitle:      {"title"},
	keysync.FieldFirstName:  {"first_name"},
	keysync.FieldLastName:   {"last_name"},
	keysync.FieldBirthDate:  {"date_of_birth"},
	keysync.FieldStreet:     {"address"},
	keysync.FieldZip:        {"zip"},
	keysync.FieldCity:       {"city"},
	keysync.FieldCountry:    {"country"},
	keysync.FieldEmail:      {"email"},
	keysync.FieldPhone:      {"telephone"},
	keysync.FieldCompany:    {"company"},
}

// extensionColumns are the default columns not every fe_users has: grants
// names them apart, for the sites whose tables have them.
var extensionColumns = []string{"gender", "date_of_birth"}

// stateColumns are what every read takes besides the master data: the
// row's state, its change time, the full name (split when the name fields
// are empty), the groups and keysync's own columns (appended per source).
// Text columns are read through COALESCE: sites upgraded from old TYPO3
// versions can hold NULL in them, and one such row must not stop a batch.
const stateColumns = `uid, pid, deleted, disable, starttime, endtime, crdate, tstamp, COALESCE(username, ''), COALESCE(name, ''), COALESCE(usergroup, '')`

// textTypes are the column types read as they are; others (a gender or
// date_of_birth INT, a DATE) are read as text through CAST.
var textTypes = []string{"char", "varchar", "tinytext", "text", "mediumtext", "longtext"}

// birthKind says how a birth date column stores the date.
type birthKind int

const (
	birthUnix birthKind = iota // an INT unix time (femanager, sr_feuser_register)
	birthDate                  // DATE or DATETIME
	birthText                  // text as typed
)

// readPlan is how the source reads its rows: the SELECT up to FROM, and
// where each field's columns stand among the values after the state and
// keysync's columns.
type readPlan struct {
	selectSQL string
	fields    keysync.FieldMap // the fields read, each column present
	columns   []string         // the field columns, in SELECT order
	birth     birthKind
	// inspected: built from the table's columns (Check, Diagnose).
	inspected bool
}

// extensionColumns are the default extension columns the mapping still
// reads from (not replaced by KEYSYNC_SOURCE_<NAME>_FIELDS).
func (s *Source) extensionColumns() []string {
	var out []string
	for f, cols := range DefaultFields {
		if _, configured := s.cfg.Fields[f]; configured {
			continue
		}
		for _, c := range cols {
			if slices.Contains(extensionColumns, c) {
				out = append(out, c)
			}
		}
	}
	slices.Sort(out)
	return out
}

// newPlan builds the read of the mapped columns. cols are the columns the
// table has (lower case, as Inspect reads them), nil when not known yet:
// then only the default columns every TYPO3 version has are read.
// Configured columns the table lacks are a configuration error.
func (s *Source) newPlan(cols map[string]column) (*readPlan, error) {
	p := &readPlan{fields: keysync.FieldMap{}, birth: birthUnix, inspected: cols != nil}
	var missing []string
	for f, names := range DefaultFields.With(s.cfg.Fields) {
		_, configured := s.cfg.Fields[f]
		var have []string
		for _, n := range names {
			c, ok := cols[strings.ToLower(n)]
			switch {
			case ok:
				have = append(have, n)
				if f == keysync.FieldBirthDate && len(have) == 1 {
					p.birth = birthKindOf(c.dataType)
				}
			case configured && cols != nil:
				missing = append(missing, n)
			case cols == nil && !configured && !slices.Contains(extensionColumns, n):
				have = append(have, n)
			}
		}
		if len(have) > 0 {
			p.fields[f] = have
		}
	}
	if len(missing) > 0 {
		slices.Sort(missing)
		return nil, &keysync.MappingError{Var: s.fieldsVar(), Value: s.cfg.Fields.String(),
			Reason: fmt.Sprintf("table %s has no column %s", s.cfg.Table, strings.Join(missing, ", "))}
	}
	p.columns = p.fields.Columns()
	var b strings.Builder
	b.WriteString("SELECT " + stateColumns)
	for _, c := range []string{s.num, s.hh, s.pe} {
		b.WriteString(", COALESCE(" + c + ", '')")
	}
	for _, c := range p.columns {
		col := sqlutil.Ident(c)
		if t, ok := cols[strings.ToLower(c)]; ok && !slices.Contains(textTypes, strings.ToLower(t.dataType)) {
			col = "CAST(" + col + " AS CHAR)"
		}
		b.WriteString(", COALESCE(" + col + ", '')")
	}
	b.WriteString(" FROM " + s.table)
	p.selectSQL = b.String()
	return p, nil
}

func (s *Source) fieldsVar() string {
	return "KEYSYNC_SOURCE_" + strings.ToUpper(s.cfg.Name) + "_FIELDS"
}

func birthKindOf(dataType string) birthKind {
	switch strings.ToLower(dataType) {
	case "date", "datetime", "timestamp":
		return birthDate
	case "tinyint", "smallint", "mediumint", "int", "integer", "bigint":
		return birthUnix
	}
	return birthText
}

// scanRow reads one row of the plan's SELECT into an account.
func (s *Source) scanRow(rows *sql.Rows, p *readPlan, now time.Time) (keysync.Account, error) {
	var (
		a                                  keysync.Account
		pid, deleted, disable              lenientInt
		starttime, endtime, crdate, tstamp lenientInt
		name, usergroup                    string
	)
	values := make([]sql.NullString, len(p.columns))
	dest := []any{&a.ID, &pid, &deleted, &disable, &starttime, &endtime, &crdate, &tstamp, &a.Username, &name, &usergroup, &a.Number, &a.HH, &a.PE}
	for i := range values {
		dest = append(dest, &values[i])
	}
	if err := rows.Scan(dest...); err != nil {
		return a, fmt.Errorf("read fe_users row: %w", err)
	}
	t := now.Unix()
	a.Source = s.cfg.Name
	a.Deleted = deleted != 0
	a.OutOfScope = len(s.cfg.PIDs) > 0 && (pid < 0 || !slices.Contains(s.cfg.PIDs, uint64(pid)))
	a.Active = deleted == 0 && disable == 0 && int64(starttime) <= t && (endtime == 0 || int64(endtime) > t)
	a.Registered = registered(int64(crdate))
	a.Changed = registered(int64(tstamp))
	s.applyFields(&a, p, values, now)
	if a.FirstName == "" && a.LastName == "" && strings.TrimSpace(name) != "" {
		a.FirstName, a.LastName = match.SplitName(name)
	}
	a.Number, a.HH, a.PE = strings.TrimSpace(a.Number), strings.TrimSpace(a.HH), strings.TrimSpace(a.PE)
	a.Groups = splitGroups(usergroup)
	return a, nil
}

// applyFields sets the account's master data from the plan's columns. A
// value that cannot be read as its field (a birth date of 0 or in the
// future, an unknown gender code) leaves the field unknown and is logged
// at DEBUG with the row; the row goes on.
func (s *Source) applyFields(a *keysync.Account, p *readPlan, values []sql.NullString, now time.Time) {
	byColumn := make(map[string]string, len(values))
	for i, c := range p.columns {
		byColumn[c] = strings.TrimSpace(values[i].String)
	}
	for _, f := range keysync.Fields {
		cols, ok := p.fields[f]
		if !ok {
			continue
		}
		var parts []string
		for _, c := range cols {
			if v := byColumn[c]; v != "" {
				parts = append(parts, v)
			}
		}
		v, err := s.fieldValue(f, strings.Join(parts, " "), p.birth, now)
		if err != nil {
			s.logger().Debug("field unknown", keysync.LogSource, s.cfg.Name, keysync.LogUID, a.ID, keysync.LogField, string(f), keysync.LogErr, err.Error())
		}
		a.SetValue(f, v)
	}
}

// fieldValue reads one field from the text of its columns.
func (s *Source) fieldValue(f keysync.Field, raw string, birth birthKind, now time.Time) (string, error) {
	switch f {
	case keysync.FieldSalutation:
		return s.cfg.Salutations.Of(raw)
	case keysync.FieldCountry:
		return keysync.CountryValue(raw), nil
	case keysync.FieldBirthDate:
		switch birth {
		case birthUnix:
			if raw == "" {
				return "", nil
			}
			v, err := strconv.ParseInt(raw, 10, 64)
			if err != nil {
				return "", fmt.Errorf("%w: %q is no unix time", keysync.ErrBadValue, raw)
			}
			return keysync.BirthDateUnix(v, s.cfg.Location, now)
		case birthDate:
			return keysync.BirthDateColumn(raw, now)
		default:
			return keysync.BirthDateText(raw, now)
		}
	}
	return raw, nil
}
