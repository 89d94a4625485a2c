package central

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"keysync/internal/sqlutil"
	keysync "keysync/sync"
)

// FieldValue is one field of a person's current record as admins see it:
// the value, the account it came from and when it changed there.
type FieldValue struct {
	Field keysync.Field `json:"field"`
	Value string        `json:"value"`
	// Account is "source:id"; empty for a value recorded before keysync
	// kept the master data (schema version 6).
	Account string    `json:"account,omitempty"`
	Changed time.Time `json:"changed_at"`
}

// FieldChange is one change of a person's field, newest first in a
// history.
type FieldChange struct {
	Number  string        `json:"number"`
	Field   keysync.Field `json:"field"`
	Old     string        `json:"old"`
	New     string        `json:"new"`
	Account string        `json:"account,omitempty"`
	// Changed is when the value changed (the portal's time where it says,
	// else when keysync read it); Recorded when keysync recorded it.
	Changed  time.Time `json:"changed_at"`
	Recorded time.Time `json:"recorded_at"`
	Actor    string    `json:"actor"`

	id uint64
}

// recordView lists a record's fields in the order of keysync.Fields,
// empty values included where an account emptied them.
func recordView(rec record) []FieldValue {
	out := []FieldValue{}
	for _, f := range keysync.Fields {
		e, ok := rec[f]
		if !ok {
			continue
		}
		v := FieldValue{Field: f, Value: e.Value, Changed: e.At}
		if e.Source != "" {
			v.Account = keysync.AccountKey(e.Source, e.ID)
		}
		out = append(out, v)
	}
	return out
}

// Value returns the current value of a field of the person's record.
func (p PersonView) Value(f keysync.Field) string {
	for _, v := range p.Record {
		if v.Field == f {
			return v.Value
		}
	}
	return ""
}

// FieldHistory returns every change of the person's fields, and of the
// persons merged into it, newest first.
func (s *Store) FieldHistory(ctx context.Context, p PersonView) ([]FieldChange, error) {
	args := []any{p.Number}
	for _, n := range p.Merged {
		args = append(args, n)
	}
	out := []FieldChange{}
	err := sqlutil.Each(ctx, s.db, `SELECT id, number, field, COALESCE(old_value, ''), COALESCE(new_value, ''), COALESCE(source, ''),
 COALESCE(account_id, 0), changed_at, recorded_at, actor FROM field_changes WHERE number IN (`+sqlutil.Placeholders(len(args))+`)
 ORDER BY recorded_at DESC, id DESC`, args, func(rows *sql.Rows) error {
		var c FieldChange
		var source string
		var id uint64
		if err := rows.Scan(&c.id, &c.Number, &c.Field, &c.Old, &c.New, &source, &id, &c.Changed, &c.Recorded, &c.Actor); err != nil {
			return err
		}
		c.Changed, c.Recorded = c.Changed.UTC(), c.Recorded.UTC()
		if source != "" {
			c.Account = keysync.AccountKey(source, id)
		}
		out = append(out, c)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read field history: %w", err)
	}
	return out, nil
}
