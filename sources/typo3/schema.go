package typo3

import (
	"context"
	"fmt"
	"strings"
	"time"

	"keysync/internal/sqlutil"
	keysync "keysync/sync"
)

// coreColumns are the fe_users columns every TYPO3 version from 10.4 to
// 13.4 has and keysync reads with the default field mapping; a table
// without them is no fe_users table.
var coreColumns = []string{"uid", "pid", "deleted", "disable", "starttime", "endtime", "crdate", "tstamp", "username",
	"email", "first_name", "last_name", "name", "title", "address", "zip", "city", "country", "usergroup"}

// column is what information_schema says about one column.
type column struct {
	nullable bool
	maxLen   int
	dataType string
}

// Schema is what keysync found in a portal's table.
type Schema struct {
	Columns map[string]column
	Indexes map[string][]string
}

// ErrSchema is keysync.ErrSchema, named here for callers of this package.
var ErrSchema = keysync.ErrSchema

// Inspect reads the table's columns and indexes from information_schema.
func (s *Source) Inspect(ctx context.Context) (Schema, error) {
	sc := Schema{Columns: map[string]column{}, Indexes: map[string][]string{}}
	rows, err := s.db.QueryContext(ctx, `SELECT COLUMN_NAME, IS_NULLABLE, COALESCE(CHARACTER_MAXIMUM_LENGTH, 0), DATA_TYPE FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?`, s.cfg.Table)
	if err != nil {
		return sc, fmt.Errorf("inspect %s: %w", s.cfg.Table, err)
	}
	defer rows.Close()
	for rows.Next() {
		var name, nullable, dataType string
		var maxLen int64
		if err := rows.Scan(&name, &nullable, &maxLen, &dataType); err != nil {
			return sc, fmt.Errorf("inspect %s: %w", s.cfg.Table, err)
		}
		sc.Columns[strings.ToLower(name)] = column{nullable: nullable == "YES", maxLen: int(min(maxLen, 1<<30)), dataType: dataType}
	}
	if err := rows.Err(); err != nil {
		return sc, fmt.Errorf("inspect %s: %w", s.cfg.Table, err)
	}
	irows, err := s.db.QueryContext(ctx, `SELECT INDEX_NAME, COLUMN_NAME FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? ORDER BY INDEX_NAME, SEQ_IN_INDEX`, s.cfg.Table)
	if err != nil {
		return sc, fmt.Errorf("inspect indexes of %s: %w", s.cfg.Table, err)
	}
	defer irows.Close()
	for irows.Next() {
		var idx, col string
		if err := irows.Scan(&idx, &col); err != nil {
			return sc, fmt.Errorf("inspect indexes of %s: %w", s.cfg.Table, err)
		}
		sc.Indexes[idx] = append(sc.Indexes[idx], strings.ToLower(col))
	}
	return sc, irows.Err()
}

// keysyncColumns pairs each of keysync's columns with the longest value it
// may hold.
func (s *Source) keysyncColumns() []struct {
	name   string
	maxLen int
} {
	return []struct {
		name   string
		maxLen int
	}{{s.cfg.NumberColumn, s.cfg.NumberLen}, {s.cfg.HHColumn, s.cfg.HHLen}, {s.cfg.PEColumn, s.cfg.PELen}}
}

// Problems lists what keeps the source from working, each with its fix.
func (s *Source) Problems(sc Schema) []string {
	if len(sc.Columns) == 0 {
		return []string{fmt.Sprintf("table %s does not exist in this database; check KEYSYNC_SOURCE_%s_DSN and _TABLE", s.cfg.Table, strings.ToUpper(s.cfg.Name))}
	}
	var out []string
	for _, c := range coreColumns {
		if _, ok := sc.Columns[c]; !ok {
			out = append(out, fmt.Sprintf("table %s has no column %s; is it a TYPO3 fe_users table?", s.cfg.Table, c))
		}
	}
	for _, kc := range s.keysyncColumns() {
		lc := strings.ToLower(kc.name)
		col, ok := sc.Columns[lc]
		switch {
		case !ok && hasColumn(sc, "zzz_deleted_"+lc):
			out = append(out, fmt.Sprintf("column %s was renamed to zzz_deleted_%s (TYPO3's database analyzer); rename it back with: ALTER TABLE %s CHANGE %s %s %s; and keep the keysync TYPO3 extension installed so the analyzer knows the column",
				kc.name, kc.name, s.table, sqlutil.QuoteName("zzz_deleted_"+kc.name), sqlutil.Ident(kc.name), columnDDL(kc.maxLen)))
		case !ok:
			out = append(out, fmt.Sprintf("column %s is missing; run `keysync migrate`", kc.name))
		case col.maxLen > 0 && col.maxLen < kc.maxLen:
			out = append(out, fmt.Sprintf("column %s holds %d characters but values may have %d; widen it: ALTER TABLE %s MODIFY %s %s", kc.name, col.maxLen, kc.maxLen, s.table, sqlutil.Ident(kc.name), columnDDL(kc.maxLen)))
		}
	}
	return out
}

func hasColumn(sc Schema, name string) bool {
	_, ok := sc.Columns[name]
	return ok
}

// HasChangeIndex reports whether ChangeIndex exists on (tstamp, uid).
func HasChangeIndex(sc Schema) bool {
	cols := sc.Indexes[ChangeIndex]
	return len(cols) == 2 && cols[0] == "tstamp" && cols[1] == "uid"
}

// HasPendingIndex reports whether the poll index exists.
func (s *Source) HasPendingIndex(sc Schema) bool {
	cols, ok := sc.Indexes[PendingIndex]
	return ok && len(cols) > 0 && cols[0] == strings.ToLower(s.cfg.NumberColumn)
}

// Check implements keysync.Source: keysync's columns exist, under their
// names, wide enough, and so do the columns KEYSYNC_SOURCE_<NAME>_FIELDS
// names (a keysync.MappingError otherwise). From then on the source reads
// the default columns the table has, femanager's gender and date_of_birth
// among them.
func (s *Source) Check(ctx context.Context) error {
	sc, err := s.Inspect(ctx)
	if err != nil {
		return err
	}
	if p := s.Problems(sc); len(p) > 0 {
		return fmt.Errorf("%w: %s", keysync.ErrSchema, strings.Join(p, "; "))
	}
	p, err := s.newPlan(sc.Columns)
	if err != nil {
		return err
	}
	s.plan.Store(p)
	s.nullable = sc.Columns[strings.ToLower(s.cfg.NumberColumn)].nullable
	s.hasIndex = s.HasPendingIndex(sc)
	s.hasChangeIndex = HasChangeIndex(sc)
	return nil
}

// ColumnWidth is the width keysync declares for its columns: 32 characters,
// or more when a template can produce longer values (keysync.ColumnWidth,
// which also bounds the Wibisoft ids a row may carry).
func ColumnWidth(maxLen int) int { return keysync.ColumnWidth(maxLen) }

func columnDDL(maxLen int) string {
	return fmt.Sprintf("varchar(%d) NOT NULL DEFAULT ''", ColumnWidth(maxLen))
}

// changeIndexDDL adds ChangeIndex.
const changeIndexDDL = `ADD KEY ` + ChangeIndex + ` (tstamp, uid)`

// Migrate adds keysync's columns, the poll index and the change index where
// they are missing and returns the statements it ran. A column that already exists (a legacy
// customer-number column named in _NUMBER_COLUMN) is left as it is; its
// values are adopted by the first pass. Two runs at the same time are
// serialised by a named lock on the portal's server.
func (s *Source) Migrate(ctx context.Context) ([]string, error) {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("connect: %w", err)
	}
	defer conn.Close()
	release, err := sqlutil.GetLock(ctx, conn, "keysync.migrate."+s.cfg.Table, 60*time.Second)
	if err != nil {
		return nil, err
	}
	defer release()

	sc, err := s.Inspect(ctx)
	if err != nil {
		return nil, err
	}
	if len(sc.Columns) == 0 {
		return nil, fmt.Errorf("%w: %s", keysync.ErrSchema, s.Problems(sc)[0])
	}
	var parts []string
	for _, kc := range s.keysyncColumns() {
		lc := strings.ToLower(kc.name)
		if hasColumn(sc, lc) {
			continue
		}
		if hasColumn(sc, "zzz_deleted_"+lc) {
			// Never guess: the renamed column holds the numbers, an admin
			// decides whether to rename it back.
			return nil, fmt.Errorf("%w: %s", keysync.ErrSchema, strings.Join(s.Problems(sc), "; "))
		}
		parts = append(parts, `ADD COLUMN `+sqlutil.Ident(kc.name)+` `+columnDDL(kc.maxLen))
	}
	if !s.HasPendingIndex(sc) {
		if _, taken := sc.Indexes[PendingIndex]; taken {
			parts = append(parts, `DROP INDEX `+PendingIndex)
		}
		parts = append(parts, `ADD KEY `+PendingIndex+` (`+s.num+`, deleted, disable)`)
	}
	if !HasChangeIndex(sc) {
		if _, taken := sc.Indexes[ChangeIndex]; taken {
			parts = append(parts, `DROP INDEX `+ChangeIndex)
		}
		parts = append(parts, changeIndexDDL)
	}
	if len(parts) == 0 {
		return nil, nil
	}
	stmt := `ALTER TABLE ` + s.table + ` ` + strings.Join(parts, ", ")
	if _, err := conn.ExecContext(ctx, stmt); err != nil {
		return nil, fmt.Errorf("alter %s: %w", s.cfg.Table, err)
	}
	return []string{stmt}, nil
}
