package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"keysync/internal/sqlutil"
)

// Goals of the reconciliation, as the issue states them.
const (
	reconcileGoal    = 3.0 // at most 3 times the plain scan's time
	reconcileMemGoal = 256 // MiB peak resident memory of the reconcile process
)

// driftEvery puts one row of each drift kind into every driftEvery rows
// of the big portal, so that the walk also finds, records and reports.
const driftEvery = 10000

// reconcileResult compares `keysync reconcile` of a large portal, fully
// linked centrally, with a plain scan of the same table's uid and number.
type reconcileResult struct {
	Rows  int `json:"rows"`
	Batch int `json:"batch"`
	// ScanSeconds is the median of three plain scans.
	ScanSeconds      float64 `json:"scan_seconds"`
	ReconcileSeconds float64 `json:"reconcile_seconds"`
	// WalkSeconds is the duration the reconcile report gives: the walk
	// without the process's start, configuration and schema checks.
	WalkSeconds float64 `json:"walk_seconds"`
	// PeakRSSMiB is the reconcile process's maximum resident set size
	// (getrusage ru_maxrss), all of it: Go heap, stacks, runtime, binary.
	PeakRSSMiB float64        `json:"peak_rss_mib"`
	Exit       int            `json:"exit_code"`
	Found      map[string]int `json:"found"`
	Status     string         `json:"status"`
}

// reconcileBench builds a portal of rows users with numbers and a central
// database linking every one of them (as after a finished rollout), puts
// a little drift in, and times a plain scan and `keysync reconcile` in a
// child process, whose peak memory the kernel reports on exit.
func (s *server) reconcileBench(ctx context.Context, rows, batch int, bin string) (reconcileResult, error) {
	r := reconcileResult{Rows: rows, Batch: batch}
	if err := needBinary(bin); err != nil {
		return r, err
	}
	store, _, err := s.newCentral(ctx, "rec_central")
	if err != nil {
		return r, err
	}
	s.progress("reconcile: portal of %d users with numbers", rows)
	start := time.Now()
	fill := func(db *sql.DB) error { return fillNumbered(ctx, db, rows) }
	num, err := numbering()
	if err != nil {
		return r, err
	}
	if _, db, err := s.newPortal(ctx, "rec", num, nil, fill); err != nil {
		return r, err
	} else if _, err := db.ExecContext(ctx, "ANALYZE TABLE fe_users"); err != nil {
		return r, err
	}
	s.progress("reconcile: linking them centrally")
	if err := s.linkAll(ctx, "rec_central", "rec", rows); err != nil {
		return r, fmt.Errorf("link accounts: %w", err)
	}
	// The accounts were inserted past the store, as a migration to schema
	// version 5 finds them: their checksums are computed once.
	if err := store.RebuildSums(ctx); err != nil {
		return r, fmt.Errorf("compute the accounts' checksums: %w", err)
	}
	want, err := s.addDrift(ctx, rows)
	if err != nil {
		return r, fmt.Errorf("add drift: %w", err)
	}
	s.progress("reconcile: ready in %.1fs", since(start))

	scan, err := s.scan(ctx)
	if err != nil {
		return r, fmt.Errorf("scan: %w", err)
	}
	r.ScanSeconds = scan.Seconds()

	s.progress("reconcile: keysync reconcile --source rec, batch %d", batch)
	cmd := s.keysyncCmd(ctx, bin, "rec_central", "rec", batch, "reconcile", "--source", "rec", "--json")
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	start = time.Now()
	err = cmd.Run()
	r.ReconcileSeconds = since(start)
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		return r, err
	}
	r.Exit = cmd.ProcessState.ExitCode()
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		r.PeakRSSMiB = float64(ru.Maxrss) / 1024 // Linux reports KiB
	}
	var rep struct {
		Status  string         `json:"status"`
		Found   map[string]int `json:"found"`
		Sources []struct {
			DurationMS int64 `json:"duration_ms"`
		} `json:"sources"`
	}
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		return r, fmt.Errorf("keysync reconcile exited %d without a report: %v\n%s", r.Exit, err, tail(errb.Bytes()))
	}
	r.Found, r.Status = rep.Found, rep.Status
	for _, src := range rep.Sources {
		r.WalkSeconds += float64(src.DurationMS) / 1000
	}
	// Edited numbers are conflicts: exit 3 is the expected outcome.
	if r.Exit != 3 {
		return r, fmt.Errorf("keysync reconcile exited %d, want 3\n%s", r.Exit, tail(errb.Bytes()))
	}
	for k, n := range want {
		if r.Found[k] != n {
			return r, fmt.Errorf("keysync reconcile found %v, want %v", r.Found, want)
		}
	}
	return r, nil
}

// linkAll records every portal row centrally as a linked, written account
// of a person of its own, by INSERT ... SELECT across the two databases,
// a range of uids per statement. Like Store.Written after a rollout's
// write-back, each account gets the copy of its person's Wibisoft ids.
func (s *server) linkAll(ctx context.Context, centralDB, source string, rows int) error {
	central, portal := "`"+dbPrefix+centralDB+"`", "`"+dbPrefix+source+"`"
	const chunk = 50000
	for from := 0; from < rows; from += chunk {
		args := []any{from, from + chunk}
		if _, err := s.Admin.ExecContext(ctx, `INSERT INTO `+central+`.persons (number, seq, pe_id, hh_id, origin, first_name, last_name, email, created_at, updated_at)
 SELECT tx_keysync_customer_number, uid, tx_keysync_wibisoft_pe_id, tx_keysync_wibisoft_hh_id, 'assigned', first_name, last_name, email, NOW(6), NOW(6)
 FROM `+portal+`.fe_users WHERE uid > ? AND uid <= ?`, args...); err != nil {
			return err
		}
		if _, err := s.Admin.ExecContext(ctx, `INSERT INTO `+central+`.accounts (source, account_id, number, status, username, email, first_name, last_name, linked_at, written_at,
  hh_id_copy, pe_id_copy, copied_from)
 SELECT ?, uid, tx_keysync_customer_number,
  CASE WHEN deleted = 0 AND disable = 0 AND starttime <= UNIX_TIMESTAMP() AND (endtime = 0 OR endtime > UNIX_TIMESTAMP()) THEN 'active'
   WHEN deleted <> 0 THEN 'deleted' ELSE 'inactive' END,
  username, email, first_name, last_name, NOW(6), NOW(6),
  tx_keysync_wibisoft_hh_id, tx_keysync_wibisoft_pe_id, tx_keysync_customer_number
 FROM `+portal+`.fe_users WHERE uid > ? AND uid <= ?`, append([]any{source}, args...)...); err != nil {
			return err
		}
	}
	_, err := s.Admin.ExecContext(ctx, "ANALYZE TABLE "+central+".accounts, "+central+".persons")
	return err
}

// addDrift disables, removes and edits one row each in every driftEvery
// and returns what reconcile must find.
func (s *server) addDrift(ctx context.Context, rows int) (map[string]int, error) {
	portal := "`" + dbPrefix + "rec`.fe_users"
	n := 0
	for uid := 1; uid+2 <= rows; uid += driftEvery {
		n++
	}
	for _, q := range []string{
		`UPDATE ` + portal + ` SET disable = 1 WHERE uid % ? = 1`,
		`DELETE FROM ` + portal + ` WHERE uid % ? = 2`,
		`UPDATE ` + portal + ` SET tx_keysync_customer_number = CONCAT('E', uid) WHERE uid % ? = 3`,
	} {
		if _, err := s.Admin.ExecContext(ctx, q, driftEvery); err != nil {
			return nil, err
		}
	}
	return map[string]int{"inactive": n, "gone": n, "number_edited": n}, nil
}

// scan times the plain scan the reconciliation is measured against, the
// cheapest way to look at every row's number: SELECT uid, number FROM
// fe_users, read to the end. One warm-up, then the median of three.
func (s *server) scan(ctx context.Context) (time.Duration, error) {
	db, err := sqlutil.Open(s.DSN(dbPrefix + "rec"))
	if err != nil {
		return 0, err
	}
	defer db.Close()
	once := func() (time.Duration, error) {
		start := time.Now()
		rows, err := db.QueryContext(ctx, "SELECT uid, tx_keysync_customer_number FROM fe_users")
		if err != nil {
			return 0, err
		}
		defer rows.Close()
		var uid uint64
		var number string
		n := 0
		for rows.Next() {
			if err := rows.Scan(&uid, &number); err != nil {
				return 0, err
			}
			n++
		}
		if err := rows.Err(); err != nil {
			return 0, err
		}
		if n == 0 {
			return 0, errors.New("the scan read no rows")
		}
		return time.Since(start), nil
	}
	if _, err := once(); err != nil {
		return 0, err
	}
	var times []time.Duration
	for range 3 {
		d, err := once()
		if err != nil {
			return 0, err
		}
		times = append(times, d)
	}
	slices.Sort(times)
	return times[1], nil
}

// benchEnv is the bench's environment without KEYSYNC_ variables, so that
// the child runs with exactly the bench's configuration.
func benchEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if len(kv) < 8 || kv[:8] != "KEYSYNC_" {
			env = append(env, kv)
		}
	}
	return env
}

// keysyncCmd is the keysync binary run as an operator would, on one TYPO3
// source of a central database, both bench databases, logging warnings
// and errors as JSON.
func (s *server) keysyncCmd(ctx context.Context, bin, centralDB, source string, batch int, args ...string) *exec.Cmd {
	upper := strings.ToUpper(source)
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = append(benchEnv(),
		"KEYSYNC_CENTRAL_DSN="+s.DSN(dbPrefix+centralDB),
		"KEYSYNC_SOURCES="+source,
		"KEYSYNC_SOURCE_"+upper+"_KIND=typo3",
		"KEYSYNC_SOURCE_"+upper+"_DSN="+s.DSN(dbPrefix+source),
		"KEYSYNC_BATCH_SIZE="+strconv.Itoa(batch),
		"KEYSYNC_LOG_FORMAT=json",
		"KEYSYNC_LOG_LEVEL=warn",
	)
	return cmd
}

// needBinary checks that the keysync binary the bench runs is there.
func needBinary(bin string) error {
	if _, err := os.Stat(bin); err != nil {
		return fmt.Errorf("keysync binary %s not found: run `make build` first, or pass -bin", bin)
	}
	return nil
}

// tail returns the last lines of a child's log for an error message.
func tail(b []byte) string {
	const max = 2000
	if len(b) > max {
		b = b[len(b)-max:]
	}
	return string(b)
}

// reconcileGrade is the reconciliation section of the report.
type reconcileGrade struct {
	reconcileResult
	Ratio   float64 `json:"ratio"`
	Goal    string  `json:"goal"`
	MemGoal string  `json:"memory_goal"`
	Pass    bool    `json:"pass"`
}

func (g *reconcileGrade) grade() {
	g.Ratio = g.ReconcileSeconds / g.ScanSeconds
	g.Goal = fmt.Sprintf("<= %gx", reconcileGoal)
	g.MemGoal = fmt.Sprintf("<= %d MiB", reconcileMemGoal)
	g.Pass = g.Ratio <= reconcileGoal && g.PeakRSSMiB <= reconcileMemGoal
}

func (g *reconcileGrade) writeText(w io.Writer) error {
	fmt.Fprintf(w, "\n(c) reconcile: %d accounts, batch %d, every account linked centrally, %d rows of drift per kind\n",
		g.Rows, g.Batch, g.Found["gone"])
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "  baseline: SELECT uid, number FROM fe_users\t%.2fs\tmedian of 3\n", g.ScanSeconds)
	fmt.Fprintf(tw, "  keysync reconcile (child process, exit %d)\t%.2fs\tfound %v\n", g.Exit, g.ReconcileSeconds, g.Found)
	fmt.Fprintf(tw, "    of which the walk (report's duration)\t%.2fs\t%.2fx the scan\n", g.WalkSeconds, g.WalkSeconds/g.ScanSeconds)
	fmt.Fprintf(tw, "  ratio\t%.2fx\tgoal %s: %s\n", g.Ratio, g.Goal, verdict(g.Ratio <= reconcileGoal))
	fmt.Fprintf(tw, "  peak memory (max RSS of the process)\t%.0f MiB\tgoal %s: %s\n", g.PeakRSSMiB, g.MemGoal, verdict(g.PeakRSSMiB <= reconcileMemGoal))
	return tw.Flush()
}
