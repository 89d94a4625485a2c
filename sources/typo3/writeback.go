package typo3

import (
	"context"
	"fmt"
	"strings"

	keysync "keysync/sync"
	"keysync/sync/sqlutil"
)

// WriteBack implements keysync.Source. One UPDATE writes the whole batch;
// each column is set only where it is still empty, evaluated row by row
// under the row lock, so a value an admin typed in meanwhile is never
// overwritten. tstamp is left alone: keysync's own write is not a user
// change. A SELECT then reports what every row holds.
func (s *Source) WriteBack(ctx context.Context, writes []keysync.Write) ([]keysync.Written, error) {
	if len(writes) == 0 {
		return nil, nil
	}
	var sets []string
	var args []any
	for _, col := range []struct {
		name  string
		value func(keysync.Write) string
	}{
		{s.num, func(w keysync.Write) string { return w.Number }},
		{s.hh, func(w keysync.Write) string { return w.HH }},
		{s.pe, func(w keysync.Write) string { return w.PE }},
	} {
		var cases strings.Builder
		n := 0
		for _, w := range writes {
			if v := col.value(w); v != "" {
				cases.WriteString(" WHEN ? THEN ?")
				args = append(args, w.ID, v)
				n++
			}
		}
		if n == 0 {
			continue
		}
		sets = append(sets, col.name+` = IF(COALESCE(`+col.name+`, '') = '', CASE uid`+cases.String()+` ELSE `+col.name+` END, `+col.name+`)`)
	}
	ids := make([]any, len(writes))
	for i, w := range writes {
		ids[i] = w.ID
	}
	if len(sets) > 0 {
		q := `UPDATE ` + s.table + ` SET ` + strings.Join(sets, ", ") + ` WHERE uid IN (` + sqlutil.Placeholders(len(ids)) + `)`
		if _, err := s.db.ExecContext(ctx, q, append(args, ids...)...); err != nil {
			return nil, fmt.Errorf("update: %w", err)
		}
	}

	rows, err := s.db.QueryContext(ctx, `SELECT uid, COALESCE(`+s.num+`, ''), COALESCE(`+s.hh+`, ''), COALESCE(`+s.pe+`, '') FROM `+s.table+` WHERE uid IN (`+sqlutil.Placeholders(len(ids))+`)`, ids...)
	if err != nil {
		return nil, fmt.Errorf("read back: %w", err)
	}
	defer rows.Close()
	found := map[uint64]keysync.Written{}
	for rows.Next() {
		var w keysync.Written
		if err := rows.Scan(&w.ID, &w.Number, &w.HH, &w.PE); err != nil {
			return nil, fmt.Errorf("read back: %w", err)
		}
		w.Found = true
		found[w.ID] = w
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read back: %w", err)
	}
	out := make([]keysync.Written, len(writes))
	for i, w := range writes {
		got, ok := found[w.ID]
		if !ok {
			got = keysync.Written{ID: w.ID}
		}
		got.Number, got.HH, got.PE = strings.TrimSpace(got.Number), strings.TrimSpace(got.HH), strings.TrimSpace(got.PE)
		out[i] = got
	}
	return out, nil
}
