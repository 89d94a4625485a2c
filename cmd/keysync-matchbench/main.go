// Command keysync-matchbench measures how well keysync recognises the same
// person across portal registrations. It generates a labelled data set of
// German and Austrian registrations (package linkage), runs the real
// decision over it in arrival order (keysync.Decide with NewProfile, Score
// and the thresholds, against an in-memory copy of what the central store
// knows), and compares the numbers handed out with the truth:
//
//   - precision of automatic reuse: of all pairs of registrations put on
//     one number, the share that are truly one person (goal >= 0.998), and
//     the false merges, two people sharing a number, with their scenarios;
//   - recall: of all pairs of registrations of one person, the share put on
//     one number or joined by a review (a shared_email or
//     suspected_duplicate conflict naming the right person) (goal >= 0.93),
//     and the share put on one number automatically;
//   - the share of registrations routed to review (goal <= 8 %);
//   - the same figures for the naive rule "same e-mail means same person";
//   - a table per scenario;
//   - a population of distinct persons (linkage.Population), where every
//     link is a false merge (goal 0) and every review a false alarm (goal
//     <= 2 % of the registrations flagged);
//   - the trade-off between them: both data sets at several thresholds of
//     the evidence names alone must carry (KEYSYNC_MATCH_NAMES_BITS).
//
// Usage:
//
//	go run ./cmd/keysync-matchbench [-n 20000] [-seed 1] [-same 0.95] [-review 0.8] [-names-bits 4]
//	  [-population 100000] [-tradeoff 0,2,3,4,5,6,8] [-json] [-examples 3]
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	keysync "keysync/sync"
)

func main() {
	err := run(os.Args[1:], os.Stdout, os.Stderr)
	if err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "keysync-matchbench:", err)
		}
		os.Exit(1)
	}
}

// Goals of matching quality.
const (
	goalPrecision = 0.998
	goalRecall    = 0.93
	goalReview    = 0.08
	// goalPopulationMerges and goalPopulationFlagged are the goals on
	// distinct persons: no merge, at most 2 % flagged.
	goalPopulationMerges  = 0
	goalPopulationFlagged = 0.02
)

type options struct {
	N      int     `json:"n"`
	Seed   int64   `json:"seed"`
	Same   float64 `json:"same"`
	Review float64 `json:"review"`
	// NamesBits is the evidence names alone must carry (rule 5b).
	NamesBits float64 `json:"names_bits"`
	// Population is the size of the population of distinct persons.
	Population   int `json:"population"`
	List         int `json:"-"`
	tradeoffBits []float64
	Examples     int `json:"-"`
	json         bool
}

func parseFlags(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("keysync-matchbench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.IntVar(&o.N, "n", 20000, "registrations to generate")
	fs.Int64Var(&o.Seed, "seed", 1, "seed of the generated data set")
	fs.Float64Var(&o.Same, "same", defaultSame(), "threshold: same person (reuse the number)")
	fs.Float64Var(&o.Review, "review", defaultReview(), "threshold: possible match (new number and a conflict)")
	fs.Float64Var(&o.NamesBits, "names-bits", keysync.DefaultNamesBits, "bits names alone must carry to send a registration to review")
	fs.IntVar(&o.Population, "population", 100000, "distinct persons to generate (0: none)")
	bits := fs.String("tradeoff", "0,2,3,4,5,6,8", "names-bits thresholds to print the trade-off for (empty: none)")
	fs.IntVar(&o.List, "list", 40, "false merges to list")
	fs.IntVar(&o.Examples, "examples", 0, "missed repeats and needless reviews to show per scenario")
	fs.BoolVar(&o.json, "json", false, "print JSON instead of tables")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: keysync-matchbench [flags]\n\nMeasures person-matching quality on generated, labelled registrations.")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if o.N < 1 {
		return o, fmt.Errorf("-n must be at least 1, got %d", o.N)
	}
	if err := thresholds(o).Validate(); err != nil {
		return o, fmt.Errorf("-same/-review: %w", err)
	}
	if o.Population < 0 {
		return o, fmt.Errorf("-population must not be negative, got %d", o.Population)
	}
	var err error
	o.tradeoffBits, err = parseBits(*bits)
	return o, err
}

func run(args []string, stdout, stderr io.Writer) error {
	o, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	r, err := measure(o)
	if err != nil {
		return err
	}
	if o.json {
		return r.writeJSON(stdout)
	}
	return r.writeText(stdout, o)
}
