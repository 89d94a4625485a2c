package wordpress_test

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"keysync/internal/centraltest"
	"keysync/internal/testdb"
	"keysync/sources/wordpress"
	keysync "keysync/sync"
)

// now is the clock of every test; nothing is judged against the wall clock.
var now = centraltest.Now

// prefix is the table prefix of the test sites: not wp_, so that a name
// built from the default prefix shows.
const prefix = "wpx_"

// Collation of the WordPress tables and of the test databases.
const wpCollation = "utf8mb4_unicode_520_ci"

// site is one WordPress database with its user tables.
type site struct {
	dsn       string
	db        *sql.DB // the test's own pool, for fixtures and assertions
	multisite bool
	users     string
	usermeta  string
	prefix    string
}

// mustSite creates a database with the user tables of schema
// (testdb.WordPressSingle or testdb.WordPressMultisite) and the test prefix.
func mustSite(tb testing.TB, schema string) *site {
	tb.Helper()
	dsn, db := testdb.NewWithCollation(tb, "wordpress", "utf8mb4", wpCollation)
	testdb.CreateWordPress(tb, db, schema, prefix)
	return &site{dsn: dsn, db: db, multisite: schema == testdb.WordPressMultisite,
		users: prefix + "users", usermeta: prefix + "usermeta", prefix: prefix}
}

// schemas are the WordPress user tables every database test runs against.
var schemas = []string{testdb.WordPressSingle, testdb.WordPressMultisite}

// open opens a source on the site through its own pool, as the daemon
// would, and checks it. Empty config fields get the test defaults.
func (s *site) open(tb testing.TB, cfg wordpress.Config) *wordpress.Source {
	tb.Helper()
	src := s.openUnchecked(tb, cfg)
	if err := src.Check(tb.Context()); err != nil {
		tb.Fatalf("Check: %v", err)
	}
	return src
}

func (s *site) openUnchecked(tb testing.TB, cfg wordpress.Config) *wordpress.Source {
	tb.Helper()
	if cfg.Name == "" {
		cfg.Name = "blog"
	}
	if cfg.TablePrefix == "" {
		cfg.TablePrefix = s.prefix
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	cfg.DSN = s.dsn
	src, err := wordpress.Open(cfg)
	if err != nil {
		tb.Fatalf("open source: %v", err)
	}
	tb.Cleanup(func() { src.Close() })
	return src
}

// user is one row of <prefix>users with its meta rows, in insert order.
type user struct {
	ID           uint64
	Login, Email string
	// Registered is user_registered; empty means a fixed date.
	Registered            string
	Status, Spam, Deleted int
	Meta                  [][2]string
}

// person returns an active user with first and last name.
func person(id uint64, first, last, email string, meta ...[2]string) user {
	return user{ID: id, Login: strings.ToLower(first) + "." + strings.ToLower(last), Email: email,
		Meta: append([][2]string{{"first_name", first}, {"last_name", last}}, meta...)}
}

// mustInsert inserts users and their meta. Like wpdb, it runs with an empty
// sql_mode, which zero dates need.
func (s *site) mustInsert(tb testing.TB, users ...user) {
	tb.Helper()
	ctx := tb.Context()
	conn, err := s.db.Conn(ctx)
	if err != nil {
		tb.Fatal(err)
	}
	defer conn.Close()
	exec := func(q string, args ...any) {
		tb.Helper()
		if _, err := conn.ExecContext(ctx, q, args...); err != nil {
			tb.Fatalf("%s: %v", q, err)
		}
	}
	exec("SET SESSION sql_mode = ''")
	defer exec("SET SESSION sql_mode = DEFAULT")
	for _, u := range users {
		reg := u.Registered
		if reg == "" {
			reg = "2024-03-01 10:00:00"
		}
		if s.multisite {
			exec("INSERT INTO "+s.users+" (ID, user_login, user_email, user_registered, user_status, display_name, spam, deleted) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
				u.ID, u.Login, u.Email, reg, u.Status, u.Login, u.Spam, u.Deleted)
		} else {
			exec("INSERT INTO "+s.users+" (ID, user_login, user_email, user_registered, user_status, display_name) VALUES (?, ?, ?, ?, ?, ?)",
				u.ID, u.Login, u.Email, reg, u.Status, u.Login)
		}
		for _, m := range u.Meta {
			exec("INSERT INTO "+s.usermeta+" (user_id, meta_key, meta_value) VALUES (?, ?, ?)", u.ID, m[0], m[1])
		}
	}
}

// mustMeta adds one meta row, as WordPress or an admin would.
func (s *site) mustMeta(tb testing.TB, id uint64, key, value string) {
	tb.Helper()
	testdb.MustExec(tb, s.db, "INSERT INTO "+s.usermeta+" (user_id, meta_key, meta_value) VALUES (?, ?, ?)", id, key, value)
}

// metaRows returns every value of one key of one user, in umeta_id order.
func (s *site) metaRows(tb testing.TB, id uint64, key string) []string {
	tb.Helper()
	rows, err := s.db.QueryContext(tb.Context(), "SELECT COALESCE(meta_value, '') FROM "+s.usermeta+" WHERE user_id = ? AND meta_key = ? ORDER BY umeta_id", id, key)
	if err != nil {
		tb.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			tb.Fatal(err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		tb.Fatal(err)
	}
	return out
}

// keysyncMeta is what one user holds in keysync's three default keys; a
// key with several rows shows all of them joined by "|".
type keysyncMeta struct{ Number, HH, PE string }

func (s *site) keysyncMeta(tb testing.TB, id uint64) keysyncMeta {
	tb.Helper()
	return keysyncMeta{
		Number: strings.Join(s.metaRows(tb, id, wordpress.DefaultNumberKey), "|"),
		HH:     strings.Join(s.metaRows(tb, id, wordpress.DefaultHHKey), "|"),
		PE:     strings.Join(s.metaRows(tb, id, wordpress.DefaultPEKey), "|"),
	}
}

// mustNoDuplicateMeta fails when any user has more than one row of one of
// keysync's keys.
func (s *site) mustNoDuplicateMeta(tb testing.TB) {
	tb.Helper()
	var n int
	q := "SELECT COUNT(*) FROM (SELECT user_id, meta_key FROM " + s.usermeta + " WHERE meta_key IN (?, ?, ?) GROUP BY user_id, meta_key HAVING COUNT(*) > 1) d"
	if err := s.db.QueryRowContext(tb.Context(), q, wordpress.DefaultNumberKey, wordpress.DefaultHHKey, wordpress.DefaultPEKey).Scan(&n); err != nil {
		tb.Fatal(err)
	}
	if n != 0 {
		tb.Errorf("%d (user_id, meta_key) pairs have more than one row", n)
	}
}

func mustSweep(tb testing.TB, src *wordpress.Source, after uint64, limit int) []keysync.Account {
	tb.Helper()
	accts, err := src.Sweep(tb.Context(), after, limit, now)
	if err != nil {
		tb.Fatalf("Sweep(%d, %d): %v", after, limit, err)
	}
	return accts
}

func mustPending(tb testing.TB, src *wordpress.Source, after uint64, limit int) []keysync.Account {
	tb.Helper()
	accts, err := src.Pending(tb.Context(), after, limit, now)
	if err != nil {
		tb.Fatalf("Pending(%d, %d): %v", after, limit, err)
	}
	return accts
}

func ids(accts []keysync.Account) []uint64 {
	var out []uint64
	for _, a := range accts {
		out = append(out, a.ID)
	}
	return out
}

func byID(accts []keysync.Account) map[uint64]keysync.Account {
	out := map[uint64]keysync.Account{}
	for _, a := range accts {
		out[a.ID] = a
	}
	return out
}

// logBuffer collects JSON log lines of a source for assertions.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) logger() *slog.Logger {
	return slog.New(slog.NewJSONHandler(l, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// lines returns the logged lines whose msg is msg.
func (l *logBuffer) lines(tb testing.TB, msg string) []map[string]any {
	tb.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []map[string]any
	for _, line := range strings.Split(l.b.String(), "\n") {
		if line == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			tb.Fatalf("log line %q: %v", line, err)
		}
		if m["msg"] == msg {
			out = append(out, m)
		}
	}
	return out
}

// hub is a central database with the default numbering, and an engine on
// it, for tests that run whole passes.
type hub struct {
	*centraltest.Rig
}

func mustHub(tb testing.TB, log *slog.Logger) *hub {
	tb.Helper()
	return &hub{centraltest.NewRig(tb, centraltest.Numbering(tb, 1, 1, 1), log)}
}

func (h *hub) mustPass(tb testing.TB, src keysync.Source) keysync.Counts {
	tb.Helper()
	return h.MustPass(tb, keysync.Portal{Source: src, Country: "AT"})
}

func (h *hub) count(tb testing.TB, q string, args ...any) int {
	tb.Helper()
	var n int
	if err := h.DB.QueryRowContext(tb.Context(), q, args...).Scan(&n); err != nil {
		tb.Fatalf("%s: %v", q, err)
	}
	return n
}

// link returns the number and groups_list of an account, or "" when it is
// not linked.
func (h *hub) link(tb testing.TB, source string, id uint64) (num, groups string) {
	tb.Helper()
	err := h.DB.QueryRowContext(tb.Context(), "SELECT number, COALESCE(groups_list, '') FROM accounts WHERE source = ? AND account_id = ?", source, id).Scan(&num, &groups)
	if err == sql.ErrNoRows {
		return "", ""
	}
	if err != nil {
		tb.Fatal(err)
	}
	return num, groups
}
