// Command keysync-sinkbench measures the sinks on generated persons, each
// figure against a baseline measured in the same run, because the machines
// it runs on are shared and noisy:
//
//   - the Excel list: a full export of a million persons (time and the
//     peak memory of the process that writes it), against writing the same
//     rows as a plain CSV file;
//   - the CardDAV address book: an incremental export after a hundred
//     changes among a hundred thousand contacts on Radicale (requests sent,
//     time), against sending the same changes as unconditional requests.
//
// Each export runs in a child process of its own, whose peak memory the
// kernel reports on exit.
//
//	go run ./cmd/keysync-sinkbench [-quick] [-json]
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
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "keysync-sinkbench:", err)
		}
		os.Exit(1)
	}
}

// options are the bench's flags.
type options struct {
	Persons int    `json:"persons"`
	Book    int    `json:"book"`
	Changes int    `json:"changes"`
	Quick   bool   `json:"quick"`
	Only    string `json:"only,omitempty"`

	dir   string
	child string
	out   string
	json  bool
}

func parseFlags(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("keysync-sinkbench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.IntVar(&o.Persons, "persons", 1_000_000, "xlsx: persons of the full export")
	fs.IntVar(&o.Book, "book", 100_000, "carddav: contacts in the address book")
	fs.IntVar(&o.Changes, "changes", 100, "carddav: persons changed before the incremental export")
	fs.StringVar(&o.Only, "only", "", "run only this part: xlsx or carddav")
	fs.StringVar(&o.dir, "dir", "", "folder for the files (default: a temporary one, removed after)")
	fs.BoolVar(&o.Quick, "quick", false, "small sizes for a smoke run")
	fs.BoolVar(&o.json, "json", false, "print JSON instead of a table")
	fs.StringVar(&o.child, "child", "", "internal: run one export in this process (xlsx, csv, generate)")
	fs.StringVar(&o.out, "out", "", "internal: the child's file")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if o.Quick {
		o.Persons, o.Book, o.Changes = 20_000, 2_000, 20
	}
	if o.Persons < 1 || o.Book < 1 || o.Changes < 1 || o.Changes > o.Book {
		return o, fmt.Errorf("sizes must be at least 1 and -changes at most -book")
	}
	if o.Only != "" && o.Only != "xlsx" && o.Only != "carddav" {
		return o, fmt.Errorf("-only: unknown part %q; the parts are xlsx, carddav", o.Only)
	}
	return o, nil
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	o, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	if o.child != "" {
		return runChild(ctx, o, stdout)
	}
	dir := o.dir
	if dir == "" {
		if dir, err = os.MkdirTemp("", "keysync-sinkbench-"); err != nil {
			return err
		}
		defer func() { _ = os.RemoveAll(dir) }()
	}
	r := report{Options: o, Cores: runtime.NumCPU(), Go: runtime.Version()}
	if o.Only == "" || o.Only == "xlsx" {
		if r.XLSX, err = benchXLSX(ctx, o.Persons, dir, stderr); err != nil {
			return fmt.Errorf("xlsx: %w", err)
		}
	}
	if o.Only == "" || o.Only == "carddav" {
		if r.CardDAV, err = benchCardDAV(ctx, o.Book, o.Changes, dir, stderr); err != nil {
			return fmt.Errorf("carddav: %w", err)
		}
	}
	if o.json {
		return r.writeJSON(stdout)
	}
	return r.writeText(stdout)
}
