// Package wordpress reads WordPress users (wp_users and wp_usermeta) and
// writes customer numbers and Wibisoft ids back as user meta.
package wordpress

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"keysync/internal/sqlutil"
	keysync "keysync/sync"
)

var _ keysync.Source = (*Source)(nil)

// Default meta keys keysync writes: one prefixed key per value, the
// WordPress convention for per-user plugin data.
const (
	DefaultNumberKey = "keysync_customer_number"
	DefaultHHKey     = "keysync_wibisoft_hh_id"
	DefaultPEKey     = "keysync_wibisoft_pe_id"
)

// Config describes one WordPress site.
type Config struct {
	Name string
	DSN  string
	// TablePrefix is $table_prefix of wp-config.php, usually wp_. The user
	// tables always use the base prefix, also on multisite.
	TablePrefix string
	// UsersTable and UsermetaTable override prefix+users / prefix+usermeta
	// (CUSTOM_USER_TABLE, CUSTOM_USER_META_TABLE).
	UsersTable, UsermetaTable string
	NumberKey, HHKey, PEKey   string
	// AfterWrite is run through /bin/sh after a user's meta was written,
	// with {id} replaced by the user id and KEYSYNC_USER_ID set, e.g.
	// "wp cache delete {id} user_meta --path=/var/www/html".
	AfterWrite        string
	AfterWriteTimeout time.Duration
	// Fields changes DefaultFields field by field (from
	// KEYSYNC_SOURCE_<NAME>_FIELDS): meta keys, or columns of the users
	// table (user_email, display_name ...).
	Fields keysync.FieldMap
	// Salutations maps gender codes; nil means keysync.DefaultSalutations.
	Salutations keysync.Salutations
	Logger      *slog.Logger
}

// Source is one WordPress site.
type Source struct {
	cfg       Config
	db        *sql.DB
	users     string
	usermeta  string
	multisite bool // wp_users has spam and deleted
	capsKey   string
	lockName  string
	waiting   waiting
	fields    fieldPlan
	// hasChanges: Check found the change table (ChangesTable).
	hasChanges bool
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
	if cfg.TablePrefix == "" {
		cfg.TablePrefix = "wp_"
	}
	if cfg.UsersTable == "" {
		cfg.UsersTable = cfg.TablePrefix + "users"
	}
	if cfg.UsermetaTable == "" {
		cfg.UsermetaTable = cfg.TablePrefix + "usermeta"
	}
	if cfg.NumberKey == "" {
		cfg.NumberKey = DefaultNumberKey
	}
	if cfg.HHKey == "" {
		cfg.HHKey = DefaultHHKey
	}
	if cfg.PEKey == "" {
		cfg.PEKey = DefaultPEKey
	}
	if cfg.AfterWriteTimeout <= 0 {
		cfg.AfterWriteTimeout = 10 * time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	for _, id := range []string{cfg.TablePrefix, cfg.UsersTable, cfg.UsermetaTable, cfg.NumberKey, cfg.HHKey, cfg.PEKey} {
		if !sqlutil.ValidIdent(id) {
			return nil, fmt.Errorf("source %s: invalid identifier %q", cfg.Name, id)
		}
	}
	for _, key := range []string{cfg.NumberKey, cfg.HHKey, cfg.PEKey} {
		if ProtectedKey(key) {
			return nil, fmt.Errorf("source %s: %w: %s is a meta key WordPress itself uses", cfg.Name, ErrProtected, key)
		}
	}
	for _, key := range cfg.Fields.Columns() {
		if !sqlutil.ValidIdent(key) {
			return nil, fmt.Errorf("source %s: invalid identifier %q", cfg.Name, key)
		}
	}
	if cfg.Salutations == nil {
		cfg.Salutations, _ = keysync.ParseSalutations(keysync.DefaultSalutations)
	}
	return &Source{cfg: cfg, db: db,
		users: sqlutil.Ident(cfg.UsersTable), usermeta: sqlutil.Ident(cfg.UsermetaTable),
		capsKey:  cfg.TablePrefix + "capabilities",
		lockName: lockName(cfg),
		fields:   newFieldPlan(cfg.Fields),
	}, nil
}

// lockName is the named lock serialising meta writes for one site across
// daemons. MySQL names are at most 64 characters.
func lockName(cfg Config) string {
	n := "keysync.wp." + cfg.Name + "." + cfg.UsermetaTable
	if len(n) > 64 {
		n = n[:64]
	}
	return n
}

// Name implements keysync.Source.
func (s *Source) Name() string { return s.cfg.Name }

// Close closes the pool.
func (s *Source) Close() error { return s.db.Close() }

// Check implements keysync.Source: both tables exist with the core
// columns; it also detects multisite from the spam and deleted columns,
// and whether the change table exists (a warning when not).
func (s *Source) Check(ctx context.Context) error {
	cols := map[string]bool{}
	rows, err := s.db.QueryContext(ctx, `SELECT TABLE_NAME, COLUMN_NAME FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME IN (?, ?, ?)`, s.cfg.UsersTable, s.cfg.UsermetaTable, s.ChangesTable())
	if err != nil {
		return fmt.Errorf("inspect user tables: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var t, c string
		if err := rows.Scan(&t, &c); err != nil {
			return fmt.Errorf("inspect user tables: %w", err)
		}
		cols[t+"."+strings.ToLower(c)] = true
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("inspect user tables: %w", err)
	}
	var missing []string
	for _, c := range []string{"id", "user_login", "user_email", "user_registered", "user_status"} {
		if !cols[s.cfg.UsersTable+"."+c] {
			missing = append(missing, s.cfg.UsersTable+"."+c)
		}
	}
	for _, c := range []string{"umeta_id", "user_id", "meta_key", "meta_value"} {
		if !cols[s.cfg.UsermetaTable+"."+c] {
			missing = append(missing, s.cfg.UsermetaTable+"."+c)
		}
	}
	if len(missing) > 0 {
		v := "KEYSYNC_SOURCE_" + strings.ToUpper(s.cfg.Name)
		return fmt.Errorf("%w: missing %s; check %s_TABLE_PREFIX, %s_USERS_TABLE and %s_USERMETA_TABLE",
			keysync.ErrSchema, strings.Join(missing, ", "), v, v, v)
	}
	s.multisite = cols[s.cfg.UsersTable+".spam"] && cols[s.cfg.UsersTable+".deleted"]
	s.hasChanges = cols[s.ChangesTable()+".user_id"] && cols[s.ChangesTable()+".changed_at"]
	if !s.hasChanges {
		s.cfg.Logger.Warn("change table missing: changed users reach keysync only by reconciliation; run `keysync migrate` and install the keysync-changes must-use plugin",
			keysync.LogSource, s.cfg.Name, "table", s.ChangesTable())
	}
	return nil
}

// Multisite reports whether Check found a multisite user table.
func (s *Source) Multisite() bool { return s.multisite }

func (s *Source) userSelect() string {
	q := `SELECT ID, user_login, CAST(user_registered AS CHAR), user_status`
	if s.multisite {
		q += `, spam, deleted`
	} else {
		q += `, 0, 0`
	}
	for _, c := range s.fields.columns {
		q += `, ` + c
	}
	return q + ` FROM ` + s.users
}

// Sweep implements keysync.Source.
func (s *Source) Sweep(ctx context.Context, after uint64, limit int, now time.Time) ([]keysync.Account, error) {
	accts, err := s.read(ctx, now, s.userSelect()+` WHERE ID > ? ORDER BY ID LIMIT ?`, after, limit)
	if err == nil {
		s.remember(accts)
	}
	return accts, err
}

// Accounts implements keysync.Source.
func (s *Source) Accounts(ctx context.Context, ids []uint64, now time.Time) ([]keysync.Account, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	return s.read(ctx, now, s.userSelect()+` WHERE ID IN (`+sqlutil.Placeholders(len(ids))+`) ORDER BY ID`, sqlutil.Args(ids)...)
}

func (s *Source) read(ctx context.Context, now time.Time, q string, args ...any) ([]keysync.Account, error) {
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []keysync.Account
	var raws []rawValues
	byID := map[uint64]int{}
	for rows.Next() {
		var a keysync.Account
		var registered sql.NullString
		var status, spam, deleted int64
		cols := make([]sql.NullString, len(s.fields.columns))
		dest := []any{&a.ID, &a.Username, &registered, &status, &spam, &deleted}
		for i := range cols {
			dest = append(dest, &cols[i])
		}
		if err := rows.Scan(dest...); err != nil {
			return nil, fmt.Errorf("read users row: %w", err)
		}
		a.Source = s.cfg.Name
		a.Active = status == 0 && spam == 0 && deleted == 0
		a.Deleted = deleted != 0
		a.Registered = parseRegistered(registered.String)
		raw := rawValues{}
		for i, c := range s.fields.columns {
			raw[c] = strings.TrimSpace(cols[i].String)
		}
		byID[a.ID] = len(out)
		out = append(out, a)
		raws = append(raws, raw)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return out, nil
	}
	if err := s.readMeta(ctx, out, raws, byID); err != nil {
		return nil, err
	}
	for i := range out {
		s.applyFields(&out[i], raws[i], now)
	}
	return out, nil
}

// parseRegistered reads user_registered; the zero date WordPress uses as a
// default, and anything unparsable, is "unknown".
func parseRegistered(v string) time.Time {
	t, err := time.Parse(time.DateTime, v)
	if err != nil || t.Year() < 1970 {
		return time.Time{}
	}
	return t.UTC()
}

func (s *Source) readMeta(ctx context.Context, accts []keysync.Account, raws []rawValues, byID map[uint64]int) error {
	keys := []any{s.capsKey, s.cfg.NumberKey, s.cfg.HHKey, s.cfg.PEKey}
	for _, k := range s.fields.metaKeys {
		keys = append(keys, k)
	}
	args := make([]any, 0, len(accts)+len(keys)+1)
	for _, a := range accts {
		args = append(args, a.ID)
	}
	args = append(args, keys...)
	q := `SELECT user_id, meta_key, meta_value FROM ` + s.usermeta + ` WHERE user_id IN (` + sqlutil.Placeholders(len(accts)) + `) AND (meta_key IN (` + sqlutil.Placeholders(len(keys)) + `)`
	if s.multisite {
		// Per-site roles: wp_2_capabilities, wp_3_capabilities ...
		q += ` OR meta_key LIKE ?`
		args = append(args, likeEscape(s.cfg.TablePrefix)+"%\\_capabilities")
	}
	q += `) ORDER BY umeta_id`
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("read user meta: %w", err)
	}
	defer rows.Close()
	meta := newMetaRows(s.cfg.NumberKey, s.cfg.HHKey, s.cfg.PEKey)
	for rows.Next() {
		var id uint64
		var key string
		var value sql.NullString
		if err := rows.Scan(&id, &key, &value); err != nil {
			return fmt.Errorf("read user meta: %w", err)
		}
		i, ok := byID[id]
		if !ok {
			continue
		}
		// WordPress's get_user_meta($id, $key, true) returns the first row of a
		// key; later ones (no unique index) are read the same way, and only
		// keysync's own keys are looked at again (metaRows).
		if !meta.add(id, key, value.String) {
			continue
		}
		if s.fields.readsMeta(key) {
			raws[i].setFirst(strings.ToLower(key), value.String)
		}
		s.applyMeta(&accts[i], key, value.String)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	for id, amb := range meta.ambiguous() {
		accts[byID[id]].Ambiguous = amb
	}
	return nil
}

// applyMeta sets keysync's own values and the roles of the account.
func (s *Source) applyMeta(a *keysync.Account, key, value string) {
	v := strings.TrimSpace(value)
	switch key {
	case s.cfg.NumberKey:
		a.Number = v
	case s.cfg.HHKey:
		a.HH = v
	case s.cfg.PEKey:
		a.PE = v
	default:
		site, ok := capabilitiesSite(key, s.cfg.TablePrefix)
		if !ok {
			return
		}
		roles, err := parseRoles(value)
		if err != nil {
			s.cfg.Logger.Warn("roles skipped: malformed capabilities", keysync.LogSource, s.cfg.Name, keysync.LogUID, a.ID, "meta_key", key, keysync.LogErr, err.Error())
			return
		}
		for _, r := range roles {
			if site != "" {
				r = "site" + site + ":" + r
			}
			a.Groups = append(a.Groups, r)
		}
	}
}

// capabilitiesSite recognises <prefix>capabilities (main site, "") and
// <prefix>N_capabilities (site N).
func capabilitiesSite(key, prefix string) (string, bool) {
	rest, ok := strings.CutPrefix(key, prefix)
	if !ok {
		return "", false
	}
	if rest == "capabilities" {
		return "", true
	}
	site, ok := strings.CutSuffix(rest, "_capabilities")
	if !ok || site == "" || strings.Trim(site, "0123456789") != "" {
		return "", false
	}
	return site, true
}

func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}
