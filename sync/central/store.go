// Package central is the central database of keysync: sequences, persons,
// accounts, households, the event history and the conflicts. It is the one
// place customer numbers are born.
//
// One Store serves three jobs, and each file's name says which:
//
//   - write_*: the engine's write path (keysync.Store): Assign decides a
//     batch against the facts (write_facts) it loads (write_load), with
//     the fuzzy candidates (write_similar), allocates numbers (write_alloc)
//     and inserts the rows (write_batch, write_insert); Written,
//     RecordConflicts and the watermark (write_record) and the rewrites a
//     merge or repair asks for (write_rewrite).
//   - admin_*: the read model of the command line and what admins change:
//     find, show (PersonView, AccountView, the history), status, the
//     conflicts list, their resolution and merge.
//   - reconcile_*: what a reconciliation needs (reconcile.Store): its runs
//     and lock, the links it walks, the steps it records, and the range
//     checksums every write of accounts keeps (reconcile_sums).
//   - feed*: the change feed the sinks read (keysync.ChangeFeed): the
//     positions every write transaction takes last (feed_write), the
//     cursors, changes and persons' records (feed) and each sink's last
//     exports (feed_state).
//
// store.go, schema.go and privileges.go hold what all three share.
package central

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"os/user"
	"sync/atomic"
	"time"

	"keysync/internal/sqlutil"
	keysync "keysync/sync"
	"keysync/sync/number"
)

var _ keysync.Store = (*Store)(nil)

// Numbering is the configured shape of the three kinds of ids keysync hands
// out, and where their sequences start.
type Numbering struct {
	Number    *number.Template
	Household *number.Template
	Person    *number.Template

	NumberStart uint64
	HHStart     uint64
	PEStart     uint64
}

// Sequence names in the sequences table.
const (
	seqCustomer  = "customer"
	seqHousehold = "household"
	seqPerson    = "person"
)

// Store is the central database.
type Store struct {
	db  *sql.DB
	num Numbering

	// Actor is recorded as "by whom" in every event.
	Actor string
	// Thresholds of the fuzzy decision.
	Thresholds keysync.Thresholds
	// Now is the clock; tests replace it.
	Now func() time.Time
	// Observe, when set, receives where the time of each committed Assign
	// went (the bench prints it).
	Observe func(AssignStats)
	// Retries counts write transactions run again after a deadlock or a
	// lock wait timeout (see retry).
	Retries atomic.Int64
}

// AssignStats is where the time of one Assign transaction went.
type AssignStats struct {
	Accounts   int // candidates of the batch
	Candidates int // fuzzy candidates loaded for them
	Lock       time.Duration
	Facts      time.Duration // loading what the decisions need
	Decide     time.Duration // deciding and allocating, in Go
	Write      time.Duration // inserting persons, accounts, households, conflicts, events
	Commit     time.Duration
}

// Open opens the central database. It does not connect yet. Reads are
// causal on a Galera cluster (sqlutil.OpenCausal).
func Open(dsn string, num Numbering) (*Store, error) {
	db, err := sqlutil.OpenCausal(dsn)
	if err != nil {
		return nil, fmt.Errorf("central database: %w", err)
	}
	return New(db, num), nil
}

// New wraps an open pool; tests pass a sqlmock pool here.
func New(db *sql.DB, num Numbering) *Store {
	return &Store{db: db, num: num, Actor: DefaultActor(), Thresholds: keysync.DefaultThresholds, Now: time.Now}
}

// DB returns the pool, for admin commands that read the history.
func (s *Store) DB() *sql.DB { return s.db }

// Close closes the pool.
func (s *Store) Close() error { return s.db.Close() }

// Ping checks that the central database answers.
func (s *Store) Ping(ctx context.Context) error { return s.db.PingContext(ctx) }

func (s *Store) now() time.Time { return s.Now().UTC() }

// DefaultActor names this process in the history: "keysync@host (user)".
func DefaultActor() string {
	host, _ := os.Hostname()
	name := "unknown"
	if u, err := user.Current(); err == nil {
		name = u.Username
	}
	return "keysync@" + host + " (" + name + ")"
}

type sequence struct {
	name  string
	start uint64
	tmpl  *number.Template
}

func (s *Store) sequences() []sequence {
	return []sequence{
		{seqCustomer, s.num.NumberStart, s.num.Number},
		{seqHousehold, s.num.HHStart, s.num.Household},
		{seqPerson, s.num.PEStart, s.num.Person},
	}
}

func getLock(ctx context.Context, conn *sql.Conn, name string, timeout time.Duration) (func(), error) {
	return sqlutil.GetLock(ctx, conn, name, timeout)
}

func isNoSuchTable(err error) bool { return sqlutil.IsNoSuchTable(err) }

func isNoSuchColumn(err error) bool { return sqlutil.IsNoSuchColumn(err) }
