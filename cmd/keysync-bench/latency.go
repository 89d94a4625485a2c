package main

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"text/tabwriter"
	"time"

	"keysync/internal/sqlutil"
	"keysync/internal/testdb"
)

// latencyPollInterval is keysync's default KEYSYNC_POLL_INTERVAL, which the
// daemon of the latency bench runs with.
const latencyPollInterval = 5 * time.Second

// latencySlack is the latency goal's allowance beyond one poll interval.
const latencySlack = 500 * time.Millisecond

// latencyWatch is how often the bench looks for numbers in the rows it
// inserted: the latencies it measures are at most this much too long.
const latencyWatch = 20 * time.Millisecond

// latencyRun is the time from a registration (its row committed) to its
// number in the row, for registrations arriving at a steady rate spread
// over a number of portals that one `keysync run` polls.
type latencyRun struct {
	Portals       int     `json:"portals"`
	Registrations int     `json:"registrations"`
	P50MS         float64 `json:"p50_ms"`
	P99MS         float64 `json:"p99_ms"`
	MaxMS         float64 `json:"max_ms"`
}

type latencyResult struct {
	PollIntervalMS float64      `json:"poll_interval_ms"`
	PerSecond      int          `json:"per_second"`
	Seconds        int          `json:"seconds"`
	Runs           []latencyRun `json:"runs"`
}

// latencyBench measures latencyRun with one portal and with three.
func (s *server) latencyBench(ctx context.Context, seconds, perSecond int, bin string) (latencyResult, error) {
	r := latencyResult{PollIntervalMS: ms(latencyPollInterval), PerSecond: perSecond, Seconds: seconds}
	if err := needBinary(bin); err != nil {
		return r, err
	}
	for _, n := range []int{1, 3} {
		run, err := s.latencyRun(ctx, n, seconds, perSecond, bin)
		if err != nil {
			return r, fmt.Errorf("%d portals: %w", n, err)
		}
		r.Runs = append(r.Runs, run)
	}
	return r, nil
}

func (s *server) latencyRun(ctx context.Context, portals, seconds, perSecond int, bin string) (latencyRun, error) {
	run := latencyRun{Portals: portals}
	name := "lat" + strconv.Itoa(portals)
	if _, _, err := s.newCentral(ctx, name+"_central"); err != nil {
		return run, err
	}
	num, err := numbering()
	if err != nil {
		return run, err
	}
	env := append(benchEnv(), "KEYSYNC_CENTRAL_DSN="+s.DSN(dbPrefix+name+"_central"), "KEYSYNC_LOG_FORMAT=json", "KEYSYNC_LOG_LEVEL=warn")
	var dbs []*sql.DB
	var names []string
	for i := range portals {
		p := name + "_p" + strconv.Itoa(i+1)
		_, db, err := s.newPortal(ctx, p, num, nil, nil)
		if err != nil {
			return run, err
		}
		dbs, names = append(dbs, db), append(names, p)
		up := strings.ToUpper(p)
		env = append(env, "KEYSYNC_SOURCE_"+up+"_KIND=typo3", "KEYSYNC_SOURCE_"+up+"_DSN="+s.DSN(dbPrefix+p))
	}
	env = append(env, "KEYSYNC_SOURCES="+strings.Join(names, ","))
	stop, err := startDaemon(bin, env)
	if err != nil {
		return run, err
	}
	defer stop()
	w := &watcher{dbs: dbs, inserted: map[key]time.Time{}}
	s.progress("latency: %d portals, the daemon's first polls", portals)
	if _, err := w.measure(ctx, 1, len(dbs)); err != nil {
		return run, err
	}
	s.progress("latency: %d portals, %d registrations a second for %d s, poll interval %s", portals, perSecond, seconds, latencyPollInterval)
	times, err := w.measure(ctx, seconds, perSecond)
	if err != nil {
		return run, err
	}
	slices.Sort(times)
	run.Registrations = len(times)
	run.P50MS, run.P99MS, run.MaxMS = ms(percentile(times, 50)), ms(percentile(times, 99)), ms(times[len(times)-1])
	return run, nil
}

// startDaemon starts `keysync run` with env and returns what stops it.
func startDaemon(bin string, env []string) (stop func(), err error) {
	log := &lockedBuffer{}
	cmd := exec.Command(bin, "run")
	cmd.Env = env
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	return func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
	}, nil
}

// key is one inserted row: its portal and uid.
type key struct {
	portal int
	uid    uint64
}

// watcher inserts registrations and notes when each row got its number.
type watcher struct {
	dbs      []*sql.DB
	mu       sync.Mutex
	inserted map[key]time.Time
}

// measure inserts perSecond registrations a second for seconds, the
// portals in turn, while it looks for their numbers every latencyWatch,
// and returns each one's time to its number.
func (w *watcher) measure(ctx context.Context, seconds, perSecond int) ([]time.Duration, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	found := make(chan []time.Duration, 1)
	failed := make(chan error, 1)
	total := seconds * perSecond
	go func() {
		times, err := w.watch(ctx, total)
		if err != nil {
			failed <- err
			return
		}
		found <- times
	}()
	if err := w.insert(ctx, total, perSecond); err != nil {
		return nil, err
	}
	select {
	case times := <-found:
		return times, nil
	case err := <-failed:
		return nil, err
	case <-time.After(2 * time.Minute):
		return nil, fmt.Errorf("registrations still without a number two minutes after the last arrived")
	}
}

// insert adds total confirmed registrations at perSecond a second.
func (w *watcher) insert(ctx context.Context, total, perSecond int) error {
	t := time.NewTicker(time.Second / time.Duration(perSecond))
	defer t.Stop()
	for i := range total {
		<-t.C
		u := testdb.GenerateFeUsers(time.Now().UnixNano(), 1)
		u[0].Deleted, u[0].Disable, u[0].Starttime, u[0].Endtime = 0, 0, 0, 0
		p := i % len(w.dbs)
		uids, err := testdb.InsertFeUsersDB(ctx, w.dbs[p], u)
		if err != nil {
			return err
		}
		w.mu.Lock()
		w.inserted[key{p, uids[0]}] = time.Now()
		w.mu.Unlock()
	}
	return nil
}

// watch looks for numbers in the inserted rows until total have one.
func (w *watcher) watch(ctx context.Context, total int) ([]time.Duration, error) {
	var times []time.Duration
	for len(times) < total {
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(latencyWatch):
		}
		for p, db := range w.dbs {
			got, err := w.numbered(ctx, db, p)
			if err != nil {
				return nil, err
			}
			times = append(times, got...)
		}
	}
	return times, nil
}

// numbered returns the times of the pending rows of portal p that hold a
// number now, and forgets them.
func (w *watcher) numbered(ctx context.Context, db *sql.DB, p int) ([]time.Duration, error) {
	w.mu.Lock()
	var pending []any
	for k := range w.inserted {
		if k.portal == p {
			pending = append(pending, k.uid)
		}
	}
	w.mu.Unlock()
	if len(pending) == 0 {
		return nil, nil
	}
	now := time.Now()
	var times []time.Duration
	err := sqlutil.Each(ctx, db, `SELECT uid FROM fe_users WHERE tx_keysync_customer_number <> '' AND uid IN (`+sqlutil.Placeholders(len(pending))+`)`, pending, func(rows *sql.Rows) error {
		var uid uint64
		if err := rows.Scan(&uid); err != nil {
			return err
		}
		w.mu.Lock()
		times = append(times, now.Sub(w.inserted[key{p, uid}]))
		delete(w.inserted, key{p, uid})
		w.mu.Unlock()
		return nil
	})
	return times, err
}

// latencyGrade is the section of the report on the latency.
type latencyGrade struct {
	latencyResult
	// Ratios are each run's p99 over the poll interval.
	Ratios []float64 `json:"p99_to_poll_interval"`
	Goal   string    `json:"goal"`
	Pass   bool      `json:"pass"`
}

func (g *latencyGrade) grade() {
	limit := ms(latencyPollInterval + latencySlack)
	g.Goal = fmt.Sprintf("p99 <= poll interval + %d ms", latencySlack.Milliseconds())
	g.Pass = len(g.Runs) > 0
	for _, r := range g.Runs {
		g.Ratios = append(g.Ratios, r.P99MS/g.PollIntervalMS)
		g.Pass = g.Pass && r.P99MS <= limit
	}
}

func (g *latencyGrade) writeText(w io.Writer) error {
	fmt.Fprintf(w, "\n(i) latency: registration to number in the row, %d registrations a second for %d s, poll interval %.0f ms (looked for every %d ms)\n",
		g.PerSecond, g.Seconds, g.PollIntervalMS, latencyWatch.Milliseconds())
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for i, r := range g.Runs {
		fmt.Fprintf(tw, "  %d portal(s), %d registrations\tp50 %.0f ms\tp99 %.0f ms: %.2fx the poll interval\tmax %.0f ms\t\n",
			r.Portals, r.Registrations, r.P50MS, r.P99MS, g.Ratios[i], r.MaxMS)
	}
	fmt.Fprintf(tw, "  goal %s\t%s\t\n", g.Goal, verdict(g.Pass))
	return tw.Flush()
}
