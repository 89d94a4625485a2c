package typo3

import (
	"context"
	"fmt"
	"strings"

	"keysync/internal/sqlutil"
	keysync "keysync/sync"
)

// WriteBack implements keysync.Source. One UPDATE writes the whole batch,
// joined to the batch's values; each column is set only where it is still
// empty, evaluated row by row under the row lock, so a value an admin typed
// in meanwhile is never overwritten. tstamp is left alone: keysync's own
// write is not a user change. A SELECT then reports what every row holds.
func (s *Source) WriteBack(ctx context.Context, writes []keysync.Write) ([]keysync.Written, error) {
	if len(writes) == 0 {
		return nil, nil
	}
	var values strings.Builder
	args := make([]any, 0, 4*len(writes))
	ids := make([]any, len(writes))
	for i, w := range writes {
		ids[i] = w.ID
		if w.Number == "" && w.HH == "" && w.PE == "" {
			continue
		}
		if values.Len() == 0 {
			values.WriteString(`SELECT ? AS uid, ? AS n, ? AS hh, ? AS pe`)
		} else {
			values.WriteString(` UNION ALL SELECT ?, ?, ?, ?`)
		}
		args = append(args, w.ID, w.Number, w.HH, w.PE)
	}
	if len(args) > 0 {
		set := func(col, v string) string {
			return `f.` + col + ` = IF(COALESCE(f.` + col + `, '') = '' AND v.` + v + ` <> '', v.` + v + `, f.` + col + `)`
		}
		q := `UPDATE ` + s.table + ` f JOIN (` + values.String() + `) v ON f.uid = v.uid SET ` +
			set(s.num, "n") + `, ` + set(s.hh, "hh") + `, ` + set(s.pe, "pe")
		if _, err := s.db.ExecContext(ctx, q, args...); err != nil {
			// One UPDATE for the batch: a value one row's column refuses
			// (say, narrower than keysync's) leaves every row as it was.
			return nil, sqlutil.MarkData(fmt.Errorf("update: %w", err), keysync.ErrRowRefused)
		}
	}

	return s.readBack(ctx, ids, func(i int) uint64 { return writes[i].ID }, len(writes))
}
