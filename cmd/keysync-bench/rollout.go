package main

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"keysync/internal/testdb"
	keysync "keysync/sync"
)

// rolloutResult is the first run of keysync over a portal whose confirmed
// users have no numbers yet.
type rolloutResult struct {
	Backlog       int     `json:"backlog"`
	Batch         int     `json:"batch"`
	Passes        int     `json:"passes"`
	Assigned      int     `json:"assigned"`
	Linked        int     `json:"linked"`
	Seconds       float64 `json:"seconds"`
	NumbersPerSec float64 `json:"numbers_per_sec"`
	// SplitSeconds says where the time went; see split. The stages run in
	// a pipeline, so they add up to more than Seconds.
	SplitSeconds map[string]float64 `json:"split_seconds"`
	// CandidatesPerAccount is how many fuzzy candidates the central store
	// loaded per account it decided.
	CandidatesPerAccount float64 `json:"candidates_per_account"`
	// WriteCeiling is the rate the central writes alone would allow: the
	// numbers assigned over the time Assign spent locking, inserting the
	// rows and committing, as if loading facts and deciding cost nothing
	// and nothing else ran.
	WriteCeiling float64 `json:"write_ceiling_per_sec"`
}

// rollout fills a freshly migrated central database and v13 portal with a
// backlog of confirmed users and runs the engine in-process until a pass
// finds nothing left to do. Then every user must have a number and no two
// the same number.
func (s *server) rollout(ctx context.Context, backlog, batch int) (rolloutResult, error) {
	r := rolloutResult{Backlog: backlog, Batch: batch}
	store, num, err := s.newCentral(ctx, "central")
	if err != nil {
		return r, err
	}
	s.progress("rollout: inserting %d confirmed users without numbers", backlog)
	fill := func(db *sql.DB) error {
		_, err := testdb.InsertFeUsersDB(ctx, db, testdb.GenerateFeUsers(1, backlog))
		return err
	}
	src, _, err := s.newPortal(ctx, "rollout", num, fill, nil)
	if err != nil {
		return r, err
	}

	var sp split
	store.Observe = sp.observe
	eng := engine(&timedStore{Store: store, s: &sp}, batch)
	portal := keysync.Portal{Source: &timedSource{Source: src, s: &sp}, Country: "AT"}
	s.progress("rollout: running keysync over the backlog, batch %d", batch)
	start := time.Now()
	for {
		c, err := eng.Pass(ctx, ctx, portal)
		r.Passes++
		r.Assigned += c.Assigned
		r.Linked += c.Linked
		if err != nil {
			return r, err
		}
		if c.Errors > 0 || c.Skipped > 0 {
			return r, fmt.Errorf("pass %d: %d errors, %d rows skipped", r.Passes, c.Errors, c.Skipped)
		}
		if c.Assigned+c.Adopted+c.Linked+c.Written == 0 {
			break
		}
		if r.Passes > 10 {
			return r, fmt.Errorf("still working after %d passes", r.Passes)
		}
	}
	elapsed := time.Since(start)
	r.Seconds = elapsed.Seconds()
	r.NumbersPerSec = float64(r.Assigned) / r.Seconds
	a := sp.Assign
	r.SplitSeconds = map[string]float64{
		"read_new":          sp.Sweep.Seconds(),
		"read_pending":      sp.Pending.Seconds(),
		"central_assign":    sp.Assigning.Seconds(),
		"assign_lock":       a.Lock.Seconds(),
		"assign_facts":      a.Facts.Seconds(),
		"assign_decide":     a.Decide.Seconds(),
		"assign_write":      a.Write.Seconds(),
		"assign_commit":     a.Commit.Seconds(),
		"write_back":        sp.WriteBack.Seconds(),
		"central_written":   sp.Written.Seconds(),
		"central_conflicts": sp.Conflicts.Seconds(),
		"central_watermark": sp.Watermark.Seconds(),
	}
	if a.Accounts > 0 {
		r.CandidatesPerAccount = float64(a.Candidates) / float64(a.Accounts)
	}
	if w := a.Lock + a.Write + a.Commit; w > 0 {
		r.WriteCeiling = float64(r.Assigned) / w.Seconds()
	}
	return r, s.verifyRollout(ctx, dbPrefix+"central", dbPrefix+"rollout", "rollout", backlog, r.Linked)
}

// verifyRollout checks that each of the want users of a portal has a
// number, that it is the number the central database linked the account
// to, and that users share a number only where keysync linked them as the
// same person (the same e-mail address and name, such as a Gmail address
// written with and without dots).
func (s *server) verifyRollout(ctx context.Context, centralDB, portalDB, source string, want, linked int) error {
	var rows, numbered, distinct, matching, persons int
	err := s.Admin.QueryRowContext(ctx, `SELECT COUNT(*), COUNT(NULLIF(f.tx_keysync_customer_number, '')),
		COUNT(DISTINCT NULLIF(f.tx_keysync_customer_number, '')), COUNT(a.number)
		FROM `+"`"+portalDB+"`"+`.fe_users f LEFT JOIN `+"`"+centralDB+"`"+`.accounts a
		ON a.source = ? AND a.account_id = f.uid AND a.number = f.tx_keysync_customer_number`, source).
		Scan(&rows, &numbered, &distinct, &matching)
	if err != nil {
		return fmt.Errorf("verify: %w", err)
	}
	if err := s.Admin.QueryRowContext(ctx, "SELECT COUNT(*) FROM `"+centralDB+"`.persons").Scan(&persons); err != nil {
		return fmt.Errorf("verify: %w", err)
	}
	switch {
	case rows != want:
		return fmt.Errorf("verify: fe_users has %d rows, want %d", rows, want)
	case numbered != want:
		return fmt.Errorf("verify: %d of %d users have a number", numbered, want)
	case matching != want:
		return fmt.Errorf("verify: %d of %d numbers are the ones the central database linked", matching, want)
	case distinct != persons:
		return fmt.Errorf("verify: %d distinct numbers for %d persons", distinct, persons)
	case numbered-distinct != linked:
		return fmt.Errorf("verify: %d users share a number, but keysync linked %d", numbered-distinct, linked)
	}
	return nil
}

// verifyFilled checks that each of the want users has a distinct number.
func verifyFilled(ctx context.Context, db *sql.DB, want int) error {
	var rows, numbered, distinct int
	err := db.QueryRowContext(ctx, `SELECT COUNT(*), COUNT(NULLIF(tx_keysync_customer_number, '')),
		COUNT(DISTINCT NULLIF(tx_keysync_customer_number, '')) FROM fe_users`).Scan(&rows, &numbered, &distinct)
	if err != nil {
		return fmt.Errorf("verify: %w", err)
	}
	if rows != want || numbered != want || distinct != want {
		return fmt.Errorf("verify: %d rows, %d with a number, %d distinct; want %d of each", rows, numbered, distinct, want)
	}
	return nil
}
