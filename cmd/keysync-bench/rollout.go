package main

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"keysync/internal/linkage"
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
	// CPUSeconds is the CPU time the rollout took: "keysync" this process
	// (the engine, its decisions, the driver), "server" the MariaDB server
	// when it runs on this machine (absent otherwise).
	CPUSeconds map[string]float64 `json:"cpu_seconds"`
}

// rollout runs keysync's first pass over a portal whose confirmed users,
// backlog distinct persons of a realistic population (linkage.Population),
// have no numbers yet. Then every user must have a number and no two the
// same number.
func (s *server) rollout(ctx context.Context, backlog, batch int, seed int64) (rolloutResult, error) {
	r, _, err := s.firstRollout(ctx, "rollout", linkage.Population(seed, backlog), batch, nil)
	return r, err
}

// firstRollout fills a freshly migrated central database and femanager
// portal (name) with the registrations as confirmed users without numbers
// and runs the engine in-process until a pass finds nothing left to do. at
// holds the time at which the first marks[i] accounts had been decided.
func (s *server) firstRollout(ctx context.Context, name string, regs []linkage.Registration, batch int, marks []int) (r rolloutResult, at []time.Duration, err error) {
	r = rolloutResult{Backlog: len(regs), Batch: batch}
	centralName := name + "_central"
	store, num, err := s.newCentral(ctx, centralName)
	if err != nil {
		return r, nil, err
	}
	s.progress("%s: inserting %d confirmed users without numbers (distinct persons)", name, len(regs))
	fill := func(db *sql.DB) error {
		_, err := testdb.InsertFeUsersDB(ctx, db, populationUsers(regs))
		return err
	}
	src, _, err := s.newPortalOf(ctx, name, testdb.Typo3Femanager, num, fill, nil)
	if err != nil {
		return r, nil, err
	}

	var sp split
	store.Observe = sp.observe
	timed := &timedStore{Store: store, s: &sp, marks: marks}
	eng := engine(timed, batch)
	portal := keysync.Portal{Source: &timedSource{Source: src, s: &sp}, Country: "AT"}
	s.progress("%s: running keysync over the backlog, batch %d", name, batch)
	clock := s.newCPUClock(ctx)
	cpu0 := clock.read()
	timed.start = time.Now()
	c, passes, err := drain(ctx, eng, portal)
	cpu1 := clock.read()
	r.CPUSeconds = map[string]float64{"keysync": (cpu1.self - cpu0.self).Seconds()}
	if clock.serverPID != 0 {
		r.CPUSeconds["server"] = (cpu1.server - cpu0.server).Seconds()
	}
	r.Passes, r.Assigned, r.Linked = passes, c.Assigned, c.Linked
	if err != nil {
		return r, nil, err
	}
	r.Seconds = since(timed.start)
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
	return r, timed.at, s.verifyRollout(ctx, dbPrefix+centralName, dbPrefix+name, name, len(regs), r.Linked)
}

// drain runs passes of the engine over the portal until one finds nothing
// left to do, and fails on a pass that skipped rows or met errors.
func drain(ctx context.Context, eng *keysync.Engine, portal keysync.Portal) (sum keysync.Counts, passes int, err error) {
	for {
		c, err := eng.Pass(ctx, ctx, portal)
		passes++
		sum.Add(c)
		if err != nil {
			return sum, passes, err
		}
		if c.Errors > 0 || c.Skipped > 0 {
			return sum, passes, fmt.Errorf("pass %d: %d errors, %d rows skipped", passes, c.Errors, c.Skipped)
		}
		if c.Assigned+c.Adopted+c.Linked+c.Written == 0 {
			return sum, passes, nil
		}
		if passes > 10 {
			return sum, passes, fmt.Errorf("still working after %d passes", passes)
		}
	}
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
