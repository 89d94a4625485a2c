// Command keysync-bench measures keysync against a MariaDB server and prints
// each figure as a ratio against a baseline measured in the same run, because
// the machines it runs on are shared and noisy:
//
//   - rollout throughput: numbers assigned and written back per second on a
//     backlog of confirmed users, distinct persons with realistic names
//     (linkage.Population), against single autocommit sequence UPDATEs;
//   - idle poll cost: one poll that finds nothing, on a large fe_users
//     against a small one;
//   - reconciliation: `keysync reconcile` of a large portal against a plain
//     scan of its table, and the reconcile process's peak memory;
//   - `keysync once` as a whole process: idle on a large portal against a
//     small one, and after 1 % of the large one's rows changed;
//   - the registration API: p50 and p99 of one request that numbers a new
//     member, against one durable sequence UPDATE;
//   - the open-conflict count of an idle pass with a large backlog against
//     a small one, and against the count before the kept counts;
//   - matching on a population of distinct persons (linkage.Population):
//     automatic merges (goal 0) and registrations flagged for review
//     (goal <= 2 %), by rule;
//   - a growing store: one first rollout of -store plus -backlog such
//     persons, timed every -backlog: the rate of the last registrations,
//     into a store of -store persons, against -backlog other persons into
//     another, empty store on the server as the large rollout left it (and
//     against the first registrations, on the fresh server).
//
// The server comes from KEYSYNC_TEST_DSN (`make bench` provides one). Its
// databases are named ksbench_* and dropped at the end unless -keep is given.
//
//	KEYSYNC_TEST_DSN='root@tcp(127.0.0.1:3306)/' go run ./cmd/keysync-bench [-quick] [-json]
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"runtime/pprof"
	"slices"
	"strings"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "keysync-bench:", err)
		}
		os.Exit(1)
	}
}

// envServer names the MariaDB server: a DSN with the right to create and
// drop databases and no database name.
const envServer = "KEYSYNC_TEST_DSN"

const noServer = envServer + " is not set: run `make bench`, which provides a MariaDB server, or point it at one, e.g. " +
	envServer + "='root@tcp(127.0.0.1:3306)/'"

// options are the bench's flags.
type options struct {
	Backlog     int   `json:"backlog"`
	Batch       int   `json:"batch"`
	BaselineOps int   `json:"baseline_ops"`
	Big         int   `json:"big"`
	Small       int   `json:"small"`
	Polls       int   `json:"polls"`
	OnceRuns    int   `json:"once_runs"`
	Conflicts   int   `json:"conflicts"`
	Population  int   `json:"population"`
	Store       int   `json:"store"`
	Seed        int64 `json:"seed"`
	Requests    int   `json:"requests"`
	// LatencySeconds is how long registrations arrive in each latency run.
	LatencySeconds int  `json:"latency_seconds"`
	Quick          bool `json:"quick"`
	// Only lists the parts to run (rollout, idle, reconcile); empty: all.
	Only string `json:"only,omitempty"`

	bin string

	json       bool
	keep       bool
	cpuProfile string
}

// parts are what the bench can measure, in the order it does.
var parts = []string{"rollout", "idle", "reconcile", "once", "api", "conflicts", "population", "scale", "latency"}

// quick are the sizes of -quick, for smoke runs in CI. The README's figures
// come from a full run.
var quick = map[string]int{"backlog": 3000, "big": 20000, "small": 1000, "baseline-ops": 1000, "polls": 30, "once-runs": 3, "requests": 200, "conflicts": 20000, "population": 10000, "store": 20000, "latency-seconds": 10}

func parseFlags(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("keysync-bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.IntVar(&o.Backlog, "backlog", 100000, "rollout: confirmed users without numbers; growing store: registrations per timed segment")
	fs.IntVar(&o.Batch, "batch", 500, "rollout: accounts per batch (KEYSYNC_BATCH_SIZE)")
	fs.IntVar(&o.BaselineOps, "baseline-ops", 5000, "rollout: sequence UPDATEs of the baseline")
	fs.IntVar(&o.Big, "big", 1000000, "idle poll: rows of the large fe_users")
	fs.IntVar(&o.Small, "small", 1000, "idle poll: rows of the small fe_users")
	fs.IntVar(&o.Polls, "polls", 200, "idle poll: polls measured on each table")
	fs.IntVar(&o.Population, "population", 100000, "distinct persons: registrations of different persons")
	fs.IntVar(&o.Store, "store", 1000000, "growing store: persons in the central store before the last -backlog registrations")
	fs.Int64Var(&o.Seed, "seed", 1, "distinct persons: seed of the generated population")
	fs.IntVar(&o.Conflicts, "conflicts", 1000000, "open-conflict count: open conflicts of the big backlog (the small one has -small)")
	fs.IntVar(&o.OnceRuns, "once-runs", 9, "once: idle runs of keysync once measured on each portal")
	fs.IntVar(&o.Requests, "requests", 2000, "api: registrations numbered through the registration API")
	fs.IntVar(&o.LatencySeconds, "latency-seconds", 60, "latency: seconds of 20 registrations a second, with one and with three portals")
	fs.StringVar(&o.Only, "only", "", "run only these parts, comma-separated: "+strings.Join(parts, ", "))
	fs.StringVar(&o.bin, "bin", "bin/keysync", "reconcile, once, api, latency: keysync binary to run (`make build` creates it)")
	fs.BoolVar(&o.Quick, "quick", false, "small sizes for a smoke run (flags given explicitly still win)")
	fs.BoolVar(&o.json, "json", false, "print JSON instead of a table")
	fs.BoolVar(&o.keep, "keep", false, "keep the ksbench_* databases for a look")
	fs.StringVar(&o.cpuProfile, "cpuprofile", "", "write a CPU profile of the rollout to this file")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: keysync-bench [-quick] [-json] [flags]\n\nMeasures rollout throughput, idle poll cost, reconciliation, whole keysync once runs, the registration API, open-conflict counts, matching on distinct persons, the rate as the store grows and the latency from registration to number on the MariaDB server in "+envServer+".")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if o.Quick {
		set := map[string]bool{}
		fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
		for name, v := range quick {
			if !set[name] {
				_ = fs.Set(name, fmt.Sprint(v))
			}
		}
	}
	for _, f := range []struct {
		name string
		v    int
	}{{"backlog", o.Backlog}, {"batch", o.Batch}, {"baseline-ops", o.BaselineOps}, {"big", o.Big}, {"small", o.Small}, {"polls", o.Polls}, {"once-runs", o.OnceRuns}, {"requests", o.Requests}, {"conflicts", o.Conflicts}, {"population", o.Population}, {"store", o.Store}, {"latency-seconds", o.LatencySeconds}} {
		if f.v < 1 {
			return o, fmt.Errorf("-%s must be at least 1, got %d", f.name, f.v)
		}
	}
	if o.Only != "" {
		for _, part := range strings.Split(o.Only, ",") {
			if !slices.Contains(parts, part) {
				return o, fmt.Errorf("-only: unknown part %q; the parts are %s", part, strings.Join(parts, ", "))
			}
		}
	}
	if o.Batch > 5000 {
		return o, fmt.Errorf("-batch must be at most 5000 (the limit of KEYSYNC_BATCH_SIZE), got %d", o.Batch)
	}
	return o, nil
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	o, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	dsn := os.Getenv(envServer)
	if dsn == "" {
		return errors.New(noServer)
	}
	srv, err := openServer(ctx, dsn, stderr)
	if err != nil {
		return err
	}
	defer srv.close(context.WithoutCancel(ctx), o.keep)

	r := report{Options: o, Cores: runtime.NumCPU(), GOMAXPROCS: runtime.GOMAXPROCS(0),
		Go: runtime.Version(), OS: runtime.GOOS + "/" + runtime.GOARCH}
	if r.Server, err = srv.describe(ctx); err != nil {
		return err
	}
	srv.progress("%s, %d cores", r.Server.Version, r.Cores)

	if o.runs("rollout") {
		stopProfile, err := startProfile(o.cpuProfile)
		if err != nil {
			return err
		}
		r.Rollout.Baseline, err = srv.around(ctx, o.BaselineOps, func() (err error) {
			r.Rollout.Keysync, err = srv.rollout(ctx, o.Backlog, o.Batch, o.Seed)
			stopProfile()
			if err != nil {
				return fmt.Errorf("rollout: %w", err)
			}
			return nil
		})
		if err != nil {
			return err
		}
		r.gradeRollout()
	}

	srv.release(ctx, o.keep)
	if o.runs("idle") {
		if r.Idle.idleResult, err = srv.idlePolls(ctx, o.Small, o.Big, o.Polls, o.Batch); err != nil {
			return fmt.Errorf("idle poll: %w", err)
		}
		r.gradeIdle()
	}

	srv.release(ctx, o.keep)
	if o.runs("reconcile") {
		r.Reconcile = &reconcileGrade{}
		if r.Reconcile.reconcileResult, err = srv.reconcileBench(ctx, o.Big, o.Batch, o.bin); err != nil {
			return fmt.Errorf("reconcile: %w", err)
		}
		r.Reconcile.grade()
	}

	srv.release(ctx, o.keep)
	if o.runs("once") {
		r.Once = &onceGrade{}
		if r.Once.onceResult, err = srv.onceBench(ctx, o.Small, o.Big, o.OnceRuns, o.Batch, o.bin); err != nil {
			return fmt.Errorf("once: %w", err)
		}
		r.Once.grade()
	}

	srv.release(ctx, o.keep)
	if o.runs("api") {
		r.API = &apiGrade{}
		if r.API.apiResult, err = srv.apiBench(ctx, o.Requests, o.BaselineOps, o.bin); err != nil {
			return fmt.Errorf("api: %w", err)
		}
		r.API.grade()
	}

	srv.release(ctx, o.keep)
	if o.runs("conflicts") {
		r.Conflicts = &conflictsGrade{}
		if r.Conflicts.conflictsResult, err = srv.conflictCounts(ctx, o.Small, o.Conflicts, min(o.Polls, 30)); err != nil {
			return fmt.Errorf("open-conflict count: %w", err)
		}
		r.gradeConflicts()
	}

	srv.release(ctx, o.keep)
	if o.runs("population") {
		r.Population = &populationGrade{}
		if r.Population.populationResult, err = srv.population(ctx, o.Population, o.Seed, o.Batch); err != nil {
			return fmt.Errorf("distinct persons: %w", err)
		}
		r.Population.grade()
	}

	srv.release(ctx, o.keep)
	if o.runs("scale") {
		r.Scale = &scaleGrade{}
		if r.Scale.scaleResult, err = srv.scale(ctx, o.Store, o.Backlog, o.Batch, o.Seed); err != nil {
			return fmt.Errorf("growing store: %w", err)
		}
		r.Scale.grade()
	}

	srv.release(ctx, o.keep)
	if o.runs("latency") {
		r.Latency = &latencyGrade{}
		if r.Latency.latencyResult, err = srv.latencyBench(ctx, o.LatencySeconds, 20, o.bin); err != nil {
			return fmt.Errorf("latency: %w", err)
		}
		r.Latency.grade()
	}

	if o.json {
		return r.writeJSON(stdout)
	}
	return r.writeText(stdout)
}

func startProfile(path string) (stop func(), err error) {
	if path == "" {
		return func() {}, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}, nil
}

// runs reports whether the part is to be measured in this run.
func (o options) runs(part string) bool {
	return o.Only == "" || slices.Contains(strings.Split(o.Only, ","), part)
}
