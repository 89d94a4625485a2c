// Package sqlutil holds the few MySQL/MariaDB helpers that the central store
// and every portal source share: opening a pool with sane timeouts, named
// locks, identifier quoting and placeholder lists.
package sqlutil

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/go-sql-driver/mysql"
)

// Open opens a connection pool for dsn with keysync's session settings:
// UTC times, utf8mb4, bounded network timeouts so a dead server turns into
// an error instead of a hang, and client-side interpolation (one round trip
// per statement). A DSN that CheckDSNSafety refuses is an error. It does
// not connect; the first query does.
func Open(dsn string) (*sql.DB, error) {
	return open(dsn, nil)
}

// OpenCausal is Open for a database that may be a Galera cluster, where a
// node answers reads from what it has applied so far: every connection
// asks a Galera node for causal reads (wsrep_sync_wait bit 1), so a read
// sees every transaction the cluster committed before it began, on
// whichever node. See causal.go.
func OpenCausal(dsn string) (*sql.DB, error) {
	return open(dsn, func(c driver.Connector) driver.Connector { return causalConnector{c} })
}

func open(dsn string, wrap func(driver.Connector) driver.Connector) (*sql.DB, error) {
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		return nil, fmt.Errorf("parse DSN: %w", redactErr(err))
	}
	if err := CheckDSNSafety(cfg); err != nil {
		return nil, err
	}
	cfg.ParseTime = true
	cfg.Loc = time.UTC
	cfg.InterpolateParams = true
	if cfg.Timeout == 0 {
		cfg.Timeout = 5 * time.Second
	}
	if cfg.ReadTimeout == 0 {
		cfg.ReadTimeout = 60 * time.Second
	}
	if cfg.WriteTimeout == 0 {
		cfg.WriteTimeout = 60 * time.Second
	}
	if cfg.Params == nil {
		cfg.Params = map[string]string{}
	}
	if _, ok := cfg.Params["time_zone"]; !ok {
		cfg.Params["time_zone"] = "'+00:00'"
	}
	connector, err := mysql.NewConnector(cfg)
	if err != nil {
		return nil, fmt.Errorf("open: %w", redactErr(err))
	}
	var c driver.Connector = connector
	if wrap != nil {
		c = wrap(c)
	}
	db := sql.OpenDB(c)
	db.SetMaxOpenConns(8)
	db.SetMaxIdleConns(8)
	db.SetConnMaxLifetime(10 * time.Minute)
	return db, nil
}

// redactErr drops the driver's message when it could quote the DSN, which
// may hold a password.
func redactErr(err error) error {
	if strings.Contains(err.Error(), "@") {
		return errors.New("invalid DSN")
	}
	return err
}

// ErrLocked is returned by GetLock when another session holds the lock.
var ErrLocked = errors.New("lock held by another session")

// GetLock takes a MySQL named lock on conn, waiting at most timeout, and
// returns the function that releases it (safe to call more than once). Named locks belong to the session,
// so conn must stay pinned for as long as the lock is needed.
func GetLock(ctx context.Context, conn *sql.Conn, name string, timeout time.Duration) (release func(), err error) {
	var got sql.NullInt64
	if err := conn.QueryRowContext(ctx, `SELECT GET_LOCK(?, ?)`, name, int(timeout/time.Second)).Scan(&got); err != nil {
		return nil, fmt.Errorf("get lock %s: %w", name, err)
	}
	if !got.Valid || got.Int64 != 1 {
		return nil, fmt.Errorf("get lock %s: %w", name, ErrLocked)
	}
	var once sync.Once
	return func() {
		once.Do(func() {
			_, _ = conn.ExecContext(context.WithoutCancel(ctx), `DO RELEASE_LOCK(?)`, name)
		})
	}, nil
}

// IsNoSuchTable reports MySQL error 1146 (table doesn't exist).
func IsNoSuchTable(err error) bool { return isCode(err, 1146) }

// IsNoSuchColumn reports MySQL error 1054 (unknown column): a schema older
// than the statement.
func IsNoSuchColumn(err error) bool { return isCode(err, 1054) }

// IsDuplicate reports MySQL error 1062 (duplicate key).
func IsDuplicate(err error) bool { return isCode(err, 1062) }

// IsRetryable reports the errors after which the whole transaction is worth
// running again unchanged: InnoDB chose it as a deadlock victim (1213, also
// what a Galera cluster answers when a commit loses certification), or a
// lock wait timed out (1205). The server has rolled the transaction back.
func IsRetryable(err error) bool { return isCode(err, 1213) || isCode(err, 1205) }

func isCode(err error, code uint16) bool {
	var me *mysql.MySQLError
	return errors.As(err, &me) && me.Number == code
}

// Ident quotes a validated identifier with backticks. Callers validate
// configured names at start-up; Ident refuses anything else so that no name
// is ever spliced into SQL unchecked.
func Ident(name string) string {
	if !ValidIdent(name) {
		panic(fmt.Sprintf("sqlutil: invalid identifier %q", name))
	}
	return "`" + name + "`"
}

// ValidIdent reports whether name is a plain SQL identifier.
func ValidIdent(name string) bool {
	if name == "" || len(name) > 64 {
		return false
	}
	for i, r := range name {
		switch {
		case r == '_', r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z':
		case r >= '0' && r <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}

// Placeholders returns "?,?,...,?" with n marks.
func Placeholders(n int) string {
	if n <= 0 {
		return ""
	}
	return strings.Repeat("?,", n-1) + "?"
}

// Args returns values as query arguments, for an IN list of Placeholders.
func Args[T any](values []T) []any {
	out := make([]any, len(values))
	for i, v := range values {
		out[i] = v
	}
	return out
}

// Rows builds the VALUES part of a multi-row INSERT: n groups of width
// placeholders.
func Rows(n, width int) string {
	group := "(" + Placeholders(width) + ")"
	var b strings.Builder
	b.Grow(n * (len(group) + 1))
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(group)
	}
	return b.String()
}

// Querier runs queries: a pool, a connection or a transaction.
type Querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// Each runs a query and calls fn for every row, stopping at the first
// error.
func Each(ctx context.Context, db Querier, query string, args []any, fn func(*sql.Rows) error) error {
	rows, err := db.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}
