// Package typo3 reads TYPO3 frontend users (fe_users) and writes customer
// numbers and Wibisoft ids back into keysync's own columns of that table.
package typo3

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"strings"
	"sync/atomic"
	"time"

	"keysync/internal/sqlutil"
	keysync "keysync/sync"
)

var _ keysync.Source = (*Source)(nil)

// Default column names, following TYPO3's tx_<extkey>_<field> convention so
// that the keysync TYPO3 extension can declare them.
const (
	DefaultNumberColumn = "tx_keysync_customer_number"
	DefaultHHColumn     = "tx_keysync_wibisoft_hh_id"
	DefaultPEColumn     = "tx_keysync_wibisoft_pe_id"
	// PendingIndex keeps the poll cheap on any table size: it covers
	// "number empty, not deleted, not disabled" and, through the primary
	// key InnoDB appends, the uid order.
	PendingIndex = "tx_keysync_pending"
)

// Config describes one TYPO3 portal.
type Config struct {
	Name  string
	DSN   string
	Table string // usually fe_users
	// PIDs restricts keysync to these storage folders; empty means all.
	PIDs []uint64
	// Column names; validated identifiers.
	NumberColumn, HHColumn, PEColumn string
	// Longest values keysync may write, from the templates, so Check can
	// refuse columns that are too narrow.
	NumberLen, HHLen, PELen int
	// Fields changes DefaultFields field by field (from
	// KEYSYNC_SOURCE_<NAME>_FIELDS); its columns must exist.
	Fields keysync.FieldMap
	// Salutations maps the gender codes; nil means
	// keysync.DefaultSalutations.
	Salutations keysync.Salutations
	// Location is the TYPO3 server's time zone, in which date_of_birth
	// holds midnight; nil reads the date of the nearest midnight.
	Location *time.Location
	// Logger receives the DEBUG lines of values that cannot be read.
	Logger *slog.Logger
}

// Source is one TYPO3 portal.
type Source struct {
	cfg      Config
	db       *sql.DB
	nullable bool // the number column allows NULL (an adopted legacy column)
	// hasIndex: Check found tx_keysync_pending. Pending then names it: right
	// after a big write-back, InnoDB's purge has not yet removed the old
	// index entries and the optimizer would scan the whole table instead.
	hasIndex bool
	// hasChangeIndex: Check found ChangeIndex, which Changes then names.
	hasChangeIndex bool

	// plan is how rows are read: from the default columns every TYPO3
	// has until Check has seen the table.
	plan  atomic.Pointer[readPlan]
	table string
	num   string
	hh    string
	pe    string
}

// Open prepares a source. It does not connect; Check does.
func Open(cfg Config) (*Source, error) {
	db, err := sqlutil.Open(cfg.DSN)
	if err != nil {
		return nil, fmt.Errorf("source %s: %w", cfg.Name, err)
	}
	return New(db, cfg)
}

// New wraps an open pool; tests pass a sqlmock pool here.
func New(db *sql.DB, cfg Config) (*Source, error) {
	if cfg.Table == "" {
		cfg.Table = "fe_users"
	}
	if cfg.NumberColumn == "" {
		cfg.NumberColumn = DefaultNumberColumn
	}
	if cfg.HHColumn == "" {
		cfg.HHColumn = DefaultHHColumn
	}
	if cfg.PEColumn == "" {
		cfg.PEColumn = DefaultPEColumn
	}
	for _, id := range []string{cfg.Table, cfg.NumberColumn, cfg.HHColumn, cfg.PEColumn} {
		if !sqlutil.ValidIdent(id) {
			return nil, fmt.Errorf("source %s: invalid identifier %q", cfg.Name, id)
		}
	}
	for _, col := range []string{cfg.NumberColumn, cfg.HHColumn, cfg.PEColumn} {
		if ProtectedColumn(col) {
			return nil, fmt.Errorf("source %s: %w: %s is a column TYPO3 itself keeps", cfg.Name, ErrProtected, col)
		}
	}
	for _, col := range cfg.Fields.Columns() {
		if !sqlutil.ValidIdent(col) {
			return nil, fmt.Errorf("source %s: invalid identifier %q", cfg.Name, col)
		}
	}
	if cfg.Salutations == nil {
		cfg.Salutations, _ = keysync.ParseSalutations(keysync.DefaultSalutations)
	}
	s := &Source{cfg: cfg, db: db,
		table: sqlutil.Ident(cfg.Table), num: sqlutil.Ident(cfg.NumberColumn),
		hh: sqlutil.Ident(cfg.HHColumn), pe: sqlutil.Ident(cfg.PEColumn)}
	p, err := s.newPlan(nil)
	if err != nil {
		return nil, err
	}
	s.plan.Store(p)
	return s, nil
}

func (s *Source) logger() *slog.Logger {
	if s.cfg.Logger != nil {
		return s.cfg.Logger
	}
	return slog.Default()
}

// Name implements keysync.Source.
func (s *Source) Name() string { return s.cfg.Name }

// Close closes the pool.
func (s *Source) Close() error { return s.db.Close() }

// DB returns the pool, for diagnostics.
func (s *Source) DB() *sql.DB { return s.db }

func (s *Source) pidFilter(args []any) (string, []any) {
	if len(s.cfg.PIDs) == 0 {
		return "", args
	}
	for _, p := range s.cfg.PIDs {
		args = append(args, p)
	}
	return ` AND pid IN (` + sqlutil.Placeholders(len(s.cfg.PIDs)) + `)`, args
}

// Sweep implements keysync.Source.
func (s *Source) Sweep(ctx context.Context, after uint64, limit int, now time.Time) ([]keysync.Account, error) {
	pids, args := s.pidFilter([]any{after})
	q := ` WHERE uid > ?` + pids + ` ORDER BY uid LIMIT ?`
	return s.query(ctx, q, append(args, limit), now)
}

// Pending implements keysync.Source. The condition matches the index
// tx_keysync_pending, so its cost does not grow with the table.
func (s *Source) Pending(ctx context.Context, after uint64, limit int, now time.Time) ([]keysync.Account, error) {
	empty := s.num + ` = ''`
	if s.nullable {
		empty = `(` + s.num + ` = '' OR ` + s.num + ` IS NULL)`
	}
	t := now.Unix()
	pids, args := s.pidFilter([]any{after, t, t})
	from := ""
	if s.hasIndex {
		from = ` FORCE INDEX (` + PendingIndex + `)`
	}
	q := from + ` WHERE ` + empty + ` AND deleted = 0 AND disable = 0 AND uid > ? AND starttime <= ? AND (endtime = 0 OR endtime > ?)` + pids + ` ORDER BY uid LIMIT ?`
	return s.query(ctx, q, append(args, limit), now)
}

// query reads the accounts of the plan's SELECT followed by rest (the
// WHERE, ORDER and LIMIT clauses).
func (s *Source) query(ctx context.Context, rest string, args []any, now time.Time) ([]keysync.Account, error) {
	p := s.plan.Load()
	rows, err := s.db.QueryContext(ctx, p.selectSQL+rest, args...)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", s.cfg.Table, err)
	}
	defer rows.Close()
	var out []keysync.Account
	for rows.Next() {
		a, err := s.scanRow(rows, p, now)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read %s: %w", s.cfg.Table, err)
	}
	if err := s.groupTitles(ctx, out); err != nil {
		return nil, err
	}
	return out, nil
}

// groupTitles replaces the fe_groups uids of the accounts by the groups'
// titles, the names admins and billing know memberships by. A site without
// fe_groups keeps the uids.
func (s *Source) groupTitles(ctx context.Context, accts []keysync.Account) error {
	var ids []any
	seen := map[string]bool{}
	for _, a := range accts {
		for _, g := range a.Groups {
			if !seen[g] {
				seen[g] = true
				ids = append(ids, g)
			}
		}
	}
	if len(ids) == 0 {
		return nil
	}
	rows, err := s.db.QueryContext(ctx, `SELECT uid, title FROM fe_groups WHERE uid IN (`+sqlutil.Placeholders(len(ids))+`)`, ids...)
	if sqlutil.IsNoSuchTable(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read fe_groups: %w", err)
	}
	defer rows.Close()
	titles := map[string]string{}
	for rows.Next() {
		var uid, title string
		if err := rows.Scan(&uid, &title); err != nil {
			return fmt.Errorf("read fe_groups: %w", err)
		}
		if title = strings.TrimSpace(title); title != "" {
			titles[uid] = title
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read fe_groups: %w", err)
	}
	for i := range accts {
		for j, g := range accts[i].Groups {
			if t, ok := titles[g]; ok {
				accts[i].Groups[j] = t
			}
		}
	}
	return nil
}

// splitGroups turns TYPO3's comma-separated fe_groups uids into a list.
func splitGroups(s string) []string {
	var out []string
	for _, g := range strings.Split(s, ",") {
		if g = strings.TrimSpace(g); g != "" && g != "0" {
			out = append(out, g)
		}
	}
	return out
}
