package main

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/go-sql-driver/mysql"
)

// server is the MariaDB server the demo creates its databases on.
type server struct {
	cfg   *mysql.Config
	admin *sql.DB
	pools []*sql.DB
}

func openServer(ctx context.Context, dsn string) (*server, error) {
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		return nil, fmt.Errorf("%s is not a valid DSN", envServer)
	}
	cfg.DBName = ""
	s := &server{cfg: cfg}
	s.admin, err = s.open(ctx, "")
	if err != nil {
		return nil, err
	}
	return s, nil
}

// dsn returns the server's DSN for one database.
func (s *server) dsn(db string) string {
	c := s.cfg.Clone()
	c.DBName = db
	return c.FormatDSN()
}

// shownDSN is dsn with the password masked, for printing.
func (s *server) shownDSN(db string) string {
	c := s.cfg.Clone()
	c.DBName = db
	if c.Passwd != "" {
		c.Passwd = "***"
	}
	return c.FormatDSN()
}

// open opens and pings a pool on one database ("" for none). Errors name
// the server address, never the password.
func (s *server) open(ctx context.Context, db string) (*sql.DB, error) {
	c := s.cfg.Clone()
	c.DBName = db
	connector, err := mysql.NewConnector(c)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", envServer, err)
	}
	pool := sql.OpenDB(connector)
	if err := pool.PingContext(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("connect to %s %s as %s: %w", c.Net, c.Addr, c.User, err)
	}
	s.pools = append(s.pools, pool)
	return pool, nil
}

// recreate drops the databases if they exist and creates them empty.
func (s *server) recreate(ctx context.Context, names ...string) error {
	for _, name := range names {
		if _, err := s.admin.ExecContext(ctx, "DROP DATABASE IF EXISTS `"+name+"`"); err != nil {
			return fmt.Errorf("drop database %s: %w", name, err)
		}
		if _, err := s.admin.ExecContext(ctx, "CREATE DATABASE `"+name+"` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"); err != nil {
			return fmt.Errorf("create database %s: %w", name, err)
		}
	}
	return nil
}

func (s *server) close() {
	for _, p := range s.pools {
		p.Close()
	}
}
