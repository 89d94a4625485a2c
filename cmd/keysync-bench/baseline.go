package main

import (
	"context"
	"fmt"
	"time"

	"keysync/internal/sqlutil"
)

// baselineResult is the rate of the simplest durable allocation on this
// server: one autocommit UPDATE of a one-row InnoDB sequence per number.
type baselineResult struct {
	Ops       int     `json:"ops"`
	Seconds   float64 `json:"seconds"`
	OpsPerSec float64 `json:"ops_per_sec"`
	// Runs are the rates of the runs combined (see around), when there
	// are several.
	Runs []float64 `json:"runs_ops_per_sec,omitempty"`
}

// around measures the baseline before and after measure runs and combines
// the two: the rate of a commit per number follows the disk's flush
// latency, which drifts over minutes on a shared machine, so one short run
// next to a long measurement is a poor yardstick for it.
func (s *server) around(ctx context.Context, ops int, measure func() error) (baselineResult, error) {
	before, err := s.baseline(ctx, ops)
	if err != nil {
		return before, err
	}
	if err := measure(); err != nil {
		return before, err
	}
	after, err := s.baseline(ctx, ops)
	if err != nil {
		return before, err
	}
	r := baselineResult{Ops: before.Ops + after.Ops, Seconds: before.Seconds + after.Seconds,
		Runs: []float64{before.OpsPerSec, after.OpsPerSec}}
	r.OpsPerSec = float64(r.Ops) / r.Seconds
	return r, nil
}

// baseline runs ops sequence UPDATEs one after the other on one
// connection, each its own transaction, with the value coming back in the
// OK packet. It opens the pool the way keysync does, so the driver settings
// match.
func (s *server) baseline(ctx context.Context, ops int) (baselineResult, error) {
	r := baselineResult{Ops: ops}
	if err := s.createDB(ctx, "baseline"); err != nil {
		return r, err
	}
	db, err := sqlutil.Open(s.DSN(dbPrefix + "baseline"))
	if err != nil {
		return r, err
	}
	defer db.Close()
	for _, q := range []string{
		"CREATE TABLE seq (name VARCHAR(32) NOT NULL PRIMARY KEY, v BIGINT UNSIGNED NOT NULL) ENGINE=InnoDB",
		"INSERT INTO seq (name, v) VALUES ('customer', 0)",
	} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			return r, err
		}
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		return r, err
	}
	defer conn.Close()

	s.progress("baseline: %d sequence UPDATEs", ops)
	const q = "UPDATE seq SET v = LAST_INSERT_ID(v + 1) WHERE name = ?"
	start := time.Now()
	for i := 1; i <= ops; i++ {
		res, err := conn.ExecContext(ctx, q, "customer")
		if err != nil {
			return r, err
		}
		if v, err := res.LastInsertId(); err != nil || v != int64(i) {
			return r, fmt.Errorf("UPDATE %d returned value %d (%v), want %d", i, v, err, i)
		}
	}
	r.Seconds = since(start)
	r.OpsPerSec = float64(ops) / r.Seconds
	return r, nil
}
