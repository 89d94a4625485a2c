package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"text/tabwriter"
	"time"

	"keysync/internal/testdb"
	keysync "keysync/sync"
)

// Goal of a whole `keysync once` that finds nothing, as the README states
// it: on the big portal within 2 times the small one's.
const onceIdleGoal = 2.0

// changedShare is the part of the big portal's rows changed before each
// timed pass that has changes to read: one row in changedEvery.
const changedEvery = 100

// onceResult times `keysync once` as an operator runs it (a process that
// reads its configuration, checks the schemas, takes the source's lock,
// runs a pass and counts the open conflicts) on two TYPO3 portals in
// steady state, every row numbered and known centrally: a small and a big
// one, and the big one again after 1 % of its rows changed.
type onceResult struct {
	SmallRows int `json:"small_rows"`
	BigRows   int `json:"big_rows"`
	Runs      int `json:"runs"`
	// SmallIdleMS and BigIdleMS are medians of Runs idle runs each.
	SmallIdleMS float64 `json:"small_idle_ms"`
	BigIdleMS   float64 `json:"big_idle_ms"`
	// ChangedRows is how many rows changed before each timed run;
	// ChangedMS the median of three such runs, each with rows of its own.
	ChangedRows int     `json:"changed_rows"`
	ChangedMS   float64 `json:"changed_ms"`
	// Recorded is how many accounts the changed runs recorded as changed.
	Recorded int `json:"recorded"`
}

// onceBench builds both portals, times idle runs on them in turns, so
// that noise on the machine hits both alike, and then runs with changes.
func (s *server) onceBench(ctx context.Context, smallRows, bigRows, runs, batch int, bin string) (onceResult, error) {
	r := onceResult{SmallRows: smallRows, BigRows: bigRows, Runs: runs}
	if err := needBinary(bin); err != nil {
		return r, err
	}
	// Each portal has a central database of its own, holding its accounts
	// alone, as a small and a big installation would.
	smallStore, num, err := s.newCentral(ctx, "once_small_central")
	if err != nil {
		return r, err
	}
	store, _, err := s.newCentral(ctx, "once_big_central")
	if err != nil {
		return r, err
	}
	s.progress("once: small portal of %d users, numbered by one pass", smallRows)
	fillSmall := func(db *sql.DB) error {
		users := testdb.GenerateFeUsers(4, smallRows)
		if _, err := testdb.InsertFeUsersDB(ctx, db, users); err != nil {
			return err
		}
		return settle(ctx, db)
	}
	smallSrc, _, err := s.newPortal(ctx, "once_small", num, fillSmall, nil)
	if err != nil {
		return r, err
	}
	if _, err := engine(smallStore, batch).Pass(ctx, ctx, keysync.Portal{Source: smallSrc, Country: "AT"}); err != nil {
		return r, err
	}

	s.progress("once: big portal of %d users, numbered and linked centrally", bigRows)
	start := time.Now()
	fillBig := func(db *sql.DB) error {
		if err := fillNumbered(ctx, db, bigRows); err != nil {
			return err
		}
		return settle(ctx, db)
	}
	bigSrc, bigDB, err := s.newPortal(ctx, "once_big", num, nil, fillBig)
	if err != nil {
		return r, err
	}
	if err := s.linkAll(ctx, "once_big_central", "once_big", bigRows); err != nil {
		return r, fmt.Errorf("link accounts: %w", err)
	}
	if err := store.RebuildSums(ctx); err != nil {
		return r, fmt.Errorf("compute the accounts' checksums: %w", err)
	}
	if err := store.AdvanceWatermark(ctx, "once_big", uint64(bigRows)); err != nil {
		return r, err
	}
	head, err := bigSrc.ChangeHead(ctx, time.Now())
	if err != nil {
		return r, err
	}
	if err := store.SetChangeCursor(ctx, "once_big", head); err != nil {
		return r, err
	}
	s.progress("once: big portal ready in %.1fs; %d idle runs on each", since(start), runs)

	once := func(source string) (time.Duration, onceReport, error) {
		return s.runOnce(ctx, bin, source+"_central", source, batch)
	}
	var smallTimes, bigTimes []time.Duration
	for i := range runs + 1 {
		ds, rs, err := once("once_small")
		if err != nil {
			return r, err
		}
		db, rb, err := once("once_big")
		if err != nil {
			return r, err
		}
		if rs.Changed+rb.Changed != 0 {
			return r, fmt.Errorf("an idle run recorded %d changed accounts", rs.Changed+rb.Changed)
		}
		if i > 0 { // the first run of each warms the caches
			smallTimes, bigTimes = append(smallTimes, ds), append(bigTimes, db)
		}
	}
	r.SmallIdleMS, r.BigIdleMS = ms(median(smallTimes)), ms(median(bigTimes))

	var changedTimes []time.Duration
	for round := range 3 {
		n, err := changeRows(ctx, bigDB, round)
		if err != nil {
			return r, err
		}
		s.progress("once: %d rows changed (%d of every %d), a run", n, 1, changedEvery)
		d, rep, err := once("once_big")
		if err != nil {
			return r, err
		}
		if rep.Changed != n {
			return r, fmt.Errorf("changed run %d recorded %d changed accounts, want %d", round+1, rep.Changed, n)
		}
		r.ChangedRows, r.Recorded = n, r.Recorded+rep.Changed
		changedTimes = append(changedTimes, d)
	}
	r.ChangedMS = ms(median(changedTimes))
	return r, nil
}

// settle leaves the rows as long after their last change as a portal in
// steady state: nothing stamped within the last day (the generated stamps
// reach into the future, which a pass reads again until their time).
func settle(ctx context.Context, db *sql.DB) error {
	day := time.Now().Add(-24 * time.Hour).Unix()
	_, err := db.ExecContext(ctx, "UPDATE fe_users SET tstamp = LEAST(tstamp, ?), crdate = LEAST(crdate, ?)", day, day)
	return err
}

// changeRows changes one row in every changedEvery the way a profile edit
// in TYPO3 does (a new phone number, tstamp now), a different set of rows
// in each round, and returns how many it changed.
func changeRows(ctx context.Context, db *sql.DB, round int) (int, error) {
	res, err := db.ExecContext(ctx, `UPDATE fe_users SET telephone = CONCAT('+43 664 ', ?, LPAD(uid, 7, '0')), tstamp = UNIX_TIMESTAMP()
		WHERE uid % ? = ?`, round+1, changedEvery, round)
	if err != nil {
		return 0, fmt.Errorf("change rows: %w", err)
	}
	n, err := res.RowsAffected()
	return int(n), err
}

// onceReport is what the bench reads of `keysync once --json`.
type onceReport struct {
	Changed int `json:"changed"`
}

// runOnce runs `keysync once --json` on one source of the central database
// and returns its time.
func (s *server) runOnce(ctx context.Context, bin, centralDB, source string, batch int) (time.Duration, onceReport, error) {
	var rep onceReport
	cmd := s.keysyncCmd(ctx, bin, centralDB, source, batch, "once", "--json")
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	start := time.Now()
	err := cmd.Run()
	d := time.Since(start)
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		return d, rep, err
	}
	// 3 is done with conflicts open: the generated registrations hold
	// some (shared mailboxes, mistyped numbers).
	if code := cmd.ProcessState.ExitCode(); code != 0 && code != 3 {
		return d, rep, fmt.Errorf("keysync once on %s exited %d\n%s", source, code, tail(errb.Bytes()))
	}
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		return d, rep, fmt.Errorf("keysync once on %s: no report: %v\n%s", source, err, tail(out.Bytes()))
	}
	return d, rep, nil
}

// onceGrade is the section of the report on `keysync once`.
type onceGrade struct {
	onceResult
	IdleRatio    float64 `json:"idle_ratio"`
	ChangedRatio float64 `json:"changed_ratio"`
	Goal         string  `json:"goal"`
	Pass         bool    `json:"pass"`
}

func (g *onceGrade) grade() {
	g.IdleRatio = g.BigIdleMS / g.SmallIdleMS
	g.ChangedRatio = g.ChangedMS / g.BigIdleMS
	g.Goal = fmt.Sprintf("idle within %gx", onceIdleGoal)
	g.Pass = g.IdleRatio <= onceIdleGoal
}

func (g *onceGrade) writeText(w io.Writer) error {
	fmt.Fprintf(w, "\n(d) keysync once, a whole process: median of %d runs on each portal in steady state\n", g.Runs)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "  small fe_users, idle\t%d rows\t%.1f ms\n", g.SmallRows, g.SmallIdleMS)
	fmt.Fprintf(tw, "  big fe_users, idle\t%d rows\t%.1f ms\n", g.BigRows, g.BigIdleMS)
	fmt.Fprintf(tw, "  ratio\t%.2fx\tgoal %s: %s\n", g.IdleRatio, g.Goal, verdict(g.Pass))
	fmt.Fprintf(tw, "  big fe_users, %d rows changed (1 %%)\t%.1f ms\tmedian of 3 runs, each recording its changes\n", g.ChangedRows, g.ChangedMS)
	fmt.Fprintf(tw, "  ratio to the idle run\t%.2fx\t\n", g.ChangedRatio)
	return tw.Flush()
}
