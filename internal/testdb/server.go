package testdb

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/go-sql-driver/mysql"
)

// Server is a MariaDB server given by a DSN with the right to create and
// drop databases and no database name (KEYSYNC_TEST_DSN), for the programs
// that build their own databases on it: the demo and the bench. Errors name
// the server's address, never the password.
type Server struct {
	cfg *mysql.Config
	// Admin is a pool on no database, for creating and dropping them.
	Admin *sql.DB
	pools []*sql.DB
}

// OpenServer connects to the server of dsn.
func OpenServer(ctx context.Context, dsn string) (*Server, error) {
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		return nil, fmt.Errorf("%s is not a valid DSN", EnvDSN)
	}
	cfg.DBName = ""
	s := &Server{cfg: cfg}
	if s.Admin, err = s.Connect(ctx, ""); err != nil {
		return nil, err
	}
	return s, nil
}

// DSN returns the server's DSN for one database.
func (s *Server) DSN(db string) string {
	c := s.cfg.Clone()
	c.DBName = db
	return c.FormatDSN()
}

// ShownDSN is DSN with the password masked, for printing.
func (s *Server) ShownDSN(db string) string {
	c := s.cfg.Clone()
	c.DBName = db
	if c.Passwd != "" {
		c.Passwd = "***"
	}
	return c.FormatDSN()
}

// Connect opens and pings a pool on one database ("" for none); the caller
// closes it.
func (s *Server) Connect(ctx context.Context, db string) (*sql.DB, error) {
	c := s.cfg.Clone()
	c.DBName = db
	connector, err := mysql.NewConnector(c)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", EnvDSN, err)
	}
	pool := sql.OpenDB(connector)
	if err := pool.PingContext(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("connect to %s %s as %s: %w", c.Net, c.Addr, c.User, err)
	}
	return pool, nil
}

// Open is Connect for a pool that Close closes.
func (s *Server) Open(ctx context.Context, db string) (*sql.DB, error) {
	pool, err := s.Connect(ctx, db)
	if err != nil {
		return nil, err
	}
	s.pools = append(s.pools, pool)
	return pool, nil
}

// Recreate drops a database if it exists and creates it empty.
func (s *Server) Recreate(ctx context.Context, name string) error {
	if _, err := s.Admin.ExecContext(ctx, "DROP DATABASE IF EXISTS `"+name+"`"); err != nil {
		return fmt.Errorf("drop database %s: %w", name, err)
	}
	if _, err := s.Admin.ExecContext(ctx, "CREATE DATABASE `"+name+"` CHARACTER SET "+DefaultCharset+" COLLATE "+DefaultCollation); err != nil {
		return fmt.Errorf("create database %s: %w", name, err)
	}
	return nil
}

// Close closes the pools of Open and the admin pool.
func (s *Server) Close() {
	for _, p := range s.pools {
		p.Close()
	}
	s.Admin.Close()
}

// Config returns a copy of the server's connection settings.
func (s *Server) Config() *mysql.Config { return s.cfg.Clone() }
