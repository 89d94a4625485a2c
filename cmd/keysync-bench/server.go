package main

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"time"
	_ "time/tzdata" // Europe/Vienna on machines without zoneinfo

	"keysync/internal/testdb"
	"keysync/sources/typo3"
	keysync "keysync/sync"
	"keysync/sync/central"
	"keysync/sync/number"
)

// dbPrefix starts the name of every database the bench creates.
const dbPrefix = "ksbench_"

// server is the MariaDB server under test and what the bench created on it.
type server struct {
	*testdb.Server
	log     io.Writer
	created []string
	closers []func() error
}

func openServer(ctx context.Context, dsn string, log io.Writer) (*server, error) {
	s, err := testdb.OpenServer(ctx, dsn)
	if err != nil {
		return nil, err
	}
	return &server{Server: s, log: log}, nil
}

// progress prints a line on standard error, so that standard output holds
// only the results.
func (s *server) progress(format string, args ...any) {
	fmt.Fprintf(s.log, "bench: "+format+"\n", args...)
}

// open opens and pings a pool on one database, closed by close.
func (s *server) open(ctx context.Context, db string) (*sql.DB, error) {
	pool, err := s.Connect(ctx, db)
	if err != nil {
		return nil, err
	}
	s.closers = append(s.closers, pool.Close)
	return pool, nil
}

// createDB drops a bench database if a previous run left it and creates it
// empty.
func (s *server) createDB(ctx context.Context, name string) error {
	name = dbPrefix + name
	if err := s.Recreate(ctx, name); err != nil {
		return err
	}
	s.created = append(s.created, name)
	return nil
}

// close closes every pool and drops the bench databases unless keep is set.
func (s *server) close(ctx context.Context, keep bool) {
	s.release(ctx, keep)
	s.Close()
}

// release closes the pools and drops the databases of the parts measured
// so far unless keep is set, so that the next part has the server's buffer
// pool to itself.
func (s *server) release(ctx context.Context, keep bool) {
	for i := len(s.closers) - 1; i >= 0; i-- {
		_ = s.closers[i]()
	}
	s.closers = nil
	if keep {
		for _, name := range s.created {
			s.progress("kept database %s", name)
		}
	} else {
		for _, name := range s.created {
			if _, err := s.Admin.ExecContext(ctx, "DROP DATABASE IF EXISTS `"+name+"`"); err != nil {
				s.progress("drop database %s: %v", name, err)
			}
		}
	}
	s.created = nil
}

// serverInfo describes the server in the report's header.
type serverInfo struct {
	Version         string `json:"version"`
	FlushAtCommit   int    `json:"innodb_flush_log_at_trx_commit"`
	BufferPoolBytes int64  `json:"innodb_buffer_pool_size"`
}

func (s *server) describe(ctx context.Context) (serverInfo, error) {
	var i serverInfo
	err := s.Admin.QueryRowContext(ctx, "SELECT VERSION(), @@innodb_flush_log_at_trx_commit, @@innodb_buffer_pool_size").
		Scan(&i.Version, &i.FlushAtCommit, &i.BufferPoolBytes)
	if err != nil {
		return i, fmt.Errorf("read server version: %w", err)
	}
	return i, nil
}

// numbering is keysync's default numbering: {seq:8}{check} with Damm,
// households {seq:7}, persons {seq:8}, all starting at 1.
func numbering() (central.Numbering, error) {
	alg, err := number.Lookup("damm")
	if err != nil {
		return central.Numbering{}, err
	}
	n := central.Numbering{NumberStart: 1, HHStart: 1, PEStart: 1}
	if n.Number, err = number.ParseTemplate("{seq:8}{check}", alg); err != nil {
		return n, err
	}
	if n.Household, err = number.ParseTemplate("{seq:7}", nil); err != nil {
		return n, err
	}
	if n.Person, err = number.ParseTemplate("{seq:8}", nil); err != nil {
		return n, err
	}
	return n, nil
}

// newCentral creates a central database and migrates it, as `keysync
// migrate` does.
func (s *server) newCentral(ctx context.Context, name string) (*central.Store, central.Numbering, error) {
	num, err := numbering()
	if err != nil {
		return nil, num, err
	}
	if err := s.createDB(ctx, name); err != nil {
		return nil, num, err
	}
	store, err := central.Open(s.DSN(dbPrefix+name), num)
	if err != nil {
		return nil, num, err
	}
	s.closers = append(s.closers, store.Close)
	if _, err := store.Migrate(ctx); err != nil {
		return nil, num, fmt.Errorf("migrate central: %w", err)
	}
	return store, num, nil
}

// newPortal creates a database with a TYPO3 v13 fe_users and opens it as a
// source the way `keysync run` does, after `keysync migrate` added keysync's
// columns and poll index. before fills the table before migrate, after
// once keysync's columns exist; either may be nil.
func (s *server) newPortal(ctx context.Context, name string, num central.Numbering, before, after func(db *sql.DB) error) (*typo3.Source, *sql.DB, error) {
	return s.newPortalOf(ctx, name, testdb.Typo3V13, num, before, after)
}

// newPortalOf is newPortal with a TYPO3 schema of testdb's; femanager's
// date_of_birth is midnight in Vienna.
func (s *server) newPortalOf(ctx context.Context, name, schema string, num central.Numbering, before, after func(db *sql.DB) error) (*typo3.Source, *sql.DB, error) {
	if err := s.createDB(ctx, name); err != nil {
		return nil, nil, err
	}
	db, err := s.open(ctx, dbPrefix+name)
	if err != nil {
		return nil, nil, err
	}
	if err := testdb.CreateFeUsersDB(ctx, db, schema); err != nil {
		return nil, nil, err
	}
	if before != nil {
		if err := before(db); err != nil {
			return nil, nil, err
		}
	}
	src, err := typo3.Open(typo3.Config{
		Name: name, DSN: s.DSN(dbPrefix + name),
		NumberLen: num.Number.MaxLen(), HHLen: num.Household.MaxLen(), PELen: num.Person.MaxLen(),
		Location: vienna,
	})
	if err != nil {
		return nil, nil, err
	}
	s.closers = append(s.closers, src.Close)
	if _, err := src.Migrate(ctx); err != nil {
		return nil, nil, fmt.Errorf("migrate %s: %w", name, err)
	}
	if after != nil {
		if err := after(db); err != nil {
			return nil, nil, err
		}
	}
	if err := src.Check(ctx); err != nil {
		return nil, nil, err
	}
	return src, db, nil
}

// engine builds the engine as `keysync run` does, logging JSON at info
// level into nothing: the cost of formatting each line stays in the figures.
func engine(store keysync.Store, batch int) *keysync.Engine {
	return &keysync.Engine{Store: store, BatchSize: batch, Logger: slog.New(slog.NewJSONHandler(io.Discard, nil))}
}

// vienna is where the portals' date_of_birth is midnight.
var vienna = mustLocation("Europe/Vienna")

func mustLocation(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

// since returns seconds since start.
func since(start time.Time) float64 { return time.Since(start).Seconds() }
