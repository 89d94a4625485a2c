package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
)

// config is keysync's configuration for the demo, as an operator writes it
// into the EnvironmentFile; dsn formats each database's DSN.
func (d *demo) config(dsn func(db string) string) []string {
	var names []string
	for _, p := range d.portals {
		names = append(names, p.name)
	}
	env := []string{
		"KEYSYNC_CENTRAL_DSN=" + dsn(dbCentral),
		"KEYSYNC_SOURCES=" + strings.Join(names, ","),
	}
	for _, p := range d.portals {
		up := "KEYSYNC_SOURCE_" + strings.ToUpper(p.name)
		env = append(env, up+"_KIND="+p.kind, up+"_DSN="+dsn(p.dbName), up+"_COUNTRY=AT")
	}
	if d.sinks {
		env = append(env, d.sinkConfig()...)
	}
	return append(env, "KEYSYNC_LOG_FORMAT=text")
}

// printConfig shows the configuration with passwords masked.
func (d *demo) printConfig() {
	fmt.Fprintln(d.out, "keysync reads its configuration from the environment:")
	for _, kv := range d.config(d.srv.ShownDSN) {
		fmt.Fprintln(d.out, "  "+kv)
	}
}

// keysync runs the keysync binary with the demo's configuration, prints its
// output and log, and returns its exit code. An exit code outside want is an
// error.
func (d *demo) keysync(ctx context.Context, want []int, args ...string) (int, error) {
	fmt.Fprintf(d.out, "\n$ keysync %s\n", shellWords(args))
	cmd := exec.CommandContext(ctx, d.bin, args...)
	cmd.Env = append(environWithoutKeysync(), d.config(d.srv.DSN)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		code = exit.ExitCode()
	case err != nil:
		return 0, fmt.Errorf("run %s: %w", d.bin, err)
	}
	for line := range strings.Lines(stdout.String()) {
		fmt.Fprint(d.out, "  "+line)
	}
	sc := bufio.NewScanner(&stderr)
	for sc.Scan() {
		fmt.Fprintln(d.out, "  log: "+withoutTime(sc.Text()))
	}
	fmt.Fprintf(d.out, "  (exit code %d)\n", code)
	if !slices.Contains(want, code) {
		return code, fmt.Errorf("keysync %s exited with %d, want %v", args[0], code, want)
	}
	return code, nil
}

// withoutTime drops the leading time= field of a text log line; the
// timestamps of a run that takes a second add nothing here.
func withoutTime(line string) string {
	if strings.HasPrefix(line, "time=") {
		if _, rest, ok := strings.Cut(line, " "); ok {
			return rest
		}
	}
	return line
}

// environWithoutKeysync is the process environment without KEYSYNC_
// variables, so that nothing from the caller's shell changes the demo.
func environWithoutKeysync() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(strings.ToUpper(kv), "KEYSYNC_") {
			env = append(env, kv)
		}
	}
	return env
}

// shellWords joins args as a shell command line, quoting those with spaces.
func shellWords(args []string) string {
	words := make([]string, len(args))
	for i, a := range args {
		words[i] = a
		if strings.ContainsAny(a, " '\"$") {
			words[i] = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
		}
	}
	return strings.Join(words, " ")
}
