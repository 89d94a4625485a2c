// Command keysync assigns one customer number per person across TYPO3 and
// WordPress portals and writes it back together with the Wibisoft household
// and person ids. See README.md.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
)

func main() {
	// The first SIGTERM or SIGINT cancels soft: the current batch finishes
	// and the command returns. A second one cancels hard: stop waiting.
	hard, cancelHard := context.WithCancel(context.Background())
	soft, cancelSoft := context.WithCancel(hard)
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	go func() {
		<-sigs
		cancelSoft()
		<-sigs
		cancelHard()
	}()

	m := NewMain()
	m.Hard = hard
	err := m.Run(soft, os.Args[1:])
	if code := ExitCode(err); code != 0 {
		if msg := err.Error(); msg != "" {
			fmt.Fprintln(os.Stderr, "keysync:", msg)
		}
		os.Exit(code)
	}
}

// Exit codes, documented in the README; cron and systemd act on them.
const (
	ExitOK        = 0
	ExitFailed    = 1
	ExitUsage     = 2
	ExitConflicts = 3
)

// exitError carries an exit code through Run.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string {
	if e.err == nil {
		return ""
	}
	return e.err.Error()
}
func (e *exitError) Unwrap() error { return e.err }

// parseNoArgs parses the flags of a command that takes no arguments; a bad
// flag or a stray argument is a usage error (exit 2).
// flagSet returns the flags of the command "keysync name", which print
// usage and then the flags' defaults to standard error on -h or a bad flag.
func (m *Main) flagSet(name, usage string) *flag.FlagSet {
	fs := flag.NewFlagSet("keysync "+name, flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	fs.Usage = func() {
		fmt.Fprintln(m.Stderr, usage)
		fs.PrintDefaults()
	}
	return fs
}

func parseNoArgs(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		return &exitError{code: ExitUsage}
	}
	if fs.NArg() > 0 {
		return usageErr("%s takes no arguments, got %q", strings.TrimPrefix(fs.Name(), "keysync "), fs.Args())
	}
	return nil
}

func usageErr(format string, args ...any) error {
	return &exitError{ExitUsage, fmt.Errorf(format, args...)}
}

// errConflicts ends a command that finished its work but left conflicts
// for an admin; it prints nothing more.
var errConflicts = &exitError{code: ExitConflicts}

// ExitCode maps an error returned by Run to the process exit code.
func ExitCode(err error) int {
	if err == nil {
		return ExitOK
	}
	var e *exitError
	if errors.As(err, &e) {
		return e.code
	}
	return ExitFailed
}

// Main is the keysync command line. Nothing below it calls os.Exit, so the
// whole CLI runs in-process in tests.
type Main struct {
	// Stdin answers confirmations; Interactive says it is a terminal, so
	// that a question can be asked there at all.
	Stdin       io.Reader
	Interactive bool
	Stdout      io.Writer
	Stderr      io.Writer
	// Hard is cancelled on the second signal; batches run under it so that
	// the first signal lets them finish.
	Hard context.Context
}

// NewMain returns a Main writing to the process's standard streams.
func NewMain() *Main {
	return &Main{Stdin: os.Stdin, Interactive: isTTY(os.Stdin), Stdout: os.Stdout, Stderr: os.Stderr, Hard: context.Background()}
}

type command interface {
	Run(ctx context.Context, args []string) error
}

// commands maps each subcommand to its entry. Every command registers
// itself in its own file, so adding one touches nothing else; `keysync
// help` is written from the same table, so it lists every command.
var commands = map[string]commandEntry{}

// commandEntry is one subcommand: its arguments and one line on what it
// does, as help shows them, and its constructor.
type commandEntry struct {
	synopsis string
	summary  string
	newCmd   func(*Main) command
}

func register(name, synopsis, summary string, newCmd func(*Main) command) {
	if _, dup := commands[name]; dup {
		panic("keysync: command registered twice: " + name)
	}
	commands[name] = commandEntry{synopsis: synopsis, summary: summary, newCmd: newCmd}
}

// Run dispatches to a subcommand.
func (m *Main) Run(ctx context.Context, args []string) error {
	if m.Hard == nil {
		m.Hard = context.Background()
	}
	if len(args) == 0 {
		fmt.Fprint(m.Stderr, usage())
		return &exitError{code: ExitUsage}
	}
	switch args[0] {
	case "help", "-h", "--help":
		return m.help(args[1:])
	case "version", "--version":
		fmt.Fprintln(m.Stdout, "keysync", version)
		return nil
	}
	entry, ok := commands[args[0]]
	if !ok {
		return usageErr("unknown command %q; run `keysync help`", args[0])
	}
	return entry.newCmd(m).Run(ctx, args[1:])
}

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

// usage is the text of `keysync help`: every registered command, with the
// two that are not commands of their own (help and version).
func usage() string {
	var b strings.Builder
	b.WriteString("keysync assigns one customer number per person across member portals.\n\nUsage:\n")
	line := func(name, synopsis, summary string) {
		b.WriteString("  keysync " + name)
		if synopsis != "" {
			b.WriteString(" " + synopsis)
		}
		b.WriteString("\n      " + summary + "\n")
	}
	for _, name := range slices.Sorted(maps.Keys(commands)) {
		e := commands[name]
		line(name, e.synopsis, e.summary)
	}
	line("help", "[config]", "this text, or every configuration variable")
	line("version", "", "the version of this binary")
	b.WriteString("\nEach command's own flags: keysync COMMAND --help.\n")
	b.WriteString("Exit codes: 0 done, 1 failed, 2 usage or configuration error, 3 done but conflicts need review.\n")
	return b.String()
}

// writeJSON writes what a command's --json prints: indented, one document.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
