package main

import (
	"bufio"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"keysync/config"
)

// envExample is installed as /etc/keysync/keysync.env.example, the file an
// operator copies to keysync.env.
const envExample = "../../systemd/keysync.env.example"

// envEntry is one variable line of an environment file: KEY=value, or
// #KEY=value for a variable left at its default.
type envEntry struct {
	value     string
	commented bool
}

var envLineRE = regexp.MustCompile(`^(#?)(KEYSYNC_[A-Z0-9_]+)=(.*)$`)

// mustParseEnvFile reads the variables of an EnvironmentFile, commented out
// or not. Lines systemd would not read as KEY=value fail the test.
func mustParseEnvFile(tb testing.TB, path string) map[string]envEntry {
	tb.Helper()
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	entries := map[string]envEntry{}
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if m := envLineRE.FindStringSubmatch(line); m != nil {
			if _, dup := entries[m[2]]; dup {
				tb.Errorf("%s:%d: %s appears twice", path, n, m[2])
			}
			entries[m[2]] = envEntry{value: unquote(m[3]), commented: m[1] == "#"}
			continue
		}
		if trimmed := strings.TrimSpace(line); trimmed != "" && !strings.HasPrefix(trimmed, "#") {
			tb.Errorf("%s:%d: %q is neither a comment nor KEYSYNC_NAME=value", path, n, line)
		}
	}
	if err := sc.Err(); err != nil {
		tb.Fatal(err)
	}
	return entries
}

func unquote(v string) string {
	if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
		return v[1 : len(v)-1]
	}
	return v
}

// usageVar is one row of config.Usage(): the variables keysync reads.
type usageVar struct {
	name, def, desc string
}

// usageVariables parses the tables of config.Usage() into the global
// variables, the per-source ones and the per-sink ones (named with
// <NAME>).
func usageVariables(tb testing.TB) (global, perSource, perSink []usageVar) {
	tb.Helper()
	cols := regexp.MustCompile(`\s{2,}`)
	for line := range strings.Lines(config.Usage()) {
		if !strings.HasPrefix(line, "KEYSYNC_") {
			continue
		}
		f := cols.Split(strings.TrimSpace(line), 3)
		if len(f) != 3 {
			tb.Fatalf("config.Usage() line %q has not three columns", line)
		}
		v := usageVar{name: f[0], def: f[1], desc: f[2]}
		if v.def == "-" {
			v.def = ""
		}
		switch {
		case strings.HasPrefix(v.name, "KEYSYNC_SINK_<NAME>"):
			perSink = append(perSink, v)
		case strings.Contains(v.name, "<NAME>"):
			perSource = append(perSource, v)
		default:
			global = append(global, v)
		}
	}
	if len(global) == 0 || len(perSource) == 0 || len(perSink) == 0 {
		tb.Fatalf("config.Usage() lists %d global, %d per-source and %d per-sink variables", len(global), len(perSource), len(perSink))
	}
	return global, perSource, perSink
}

// exampleSinks are the upper-case names of the example sinks of
// KEYSYNC_SINKS, set or commented out.
func exampleSinks(entries map[string]envEntry) []string {
	var out []string
	for name := range strings.SplitSeq(entries["KEYSYNC_SINKS"].value, ",") {
		if name != "" {
			out = append(out, strings.ToUpper(name))
		}
	}
	return out
}

// forKind reports whether a per-source variable applies to a source of the
// kind: its description starts with "typo3:" or "wordpress:" when it applies
// to one kind only.
func (v usageVar) forKind(kind string) bool {
	for _, k := range config.Kinds {
		if strings.HasPrefix(v.desc, k+":") {
			return k == kind
		}
	}
	return true
}

// TestEnvFile_DocumentsEveryVariable keeps keysync.env.example in step with
// the code: every variable keysync reads is in it, every per-source one for
// each example source of a kind it applies to, and each commented-out line
// shows the real default.
func TestEnvFile_DocumentsEveryVariable(t *testing.T) {
	entries := mustParseEnvFile(t, envExample)
	global, perSource, perSink := usageVariables(t)

	check := func(v usageVar, name string) {
		e, ok := entries[name]
		switch {
		case !ok:
			t.Errorf("%s does not document %s (%s); add it, commented out with its default", envExample, name, v.desc)
		case e.commented && v.def != "" && e.value != v.def:
			t.Errorf("%s: #%s=%s, but the default is %q", envExample, name, e.value, v.def)
		}
	}
	for _, v := range global {
		check(v, v.name)
	}

	sources := entries["KEYSYNC_SOURCES"]
	if sources.commented || sources.value == "" {
		t.Fatalf("%s: KEYSYNC_SOURCES must be set to the example sources", envExample)
	}
	var kinds []string
	for name := range strings.SplitSeq(sources.value, ",") {
		upper := strings.ToUpper(name)
		kind := entries["KEYSYNC_SOURCE_"+upper+"_KIND"]
		if kind.commented || !slices.Contains(config.Kinds, kind.value) {
			t.Errorf("%s: example source %s has no KEYSYNC_SOURCE_%s_KIND set to one of %v", envExample, name, upper, config.Kinds)
			continue
		}
		kinds = append(kinds, kind.value)
		for _, v := range perSource {
			if v.forKind(kind.value) {
				check(v, strings.Replace(v.name, "<NAME>", upper, 1))
			}
		}
	}
	for _, k := range config.Kinds {
		if !slices.Contains(kinds, k) {
			t.Errorf("%s has no example source of kind %s, so its variables go undocumented", envExample, k)
		}
	}
	sinks := exampleSinks(entries)
	if len(sinks) == 0 {
		t.Errorf("%s: KEYSYNC_SINKS names no example sink", envExample)
	}
	for _, name := range sinks {
		for _, v := range perSink {
			if _, ok := entries[strings.Replace(v.name, "<NAME>", name, 1)]; !ok && (v.name == "KEYSYNC_SINK_<NAME>_KIND" || v.name == "KEYSYNC_SINK_<NAME>_SCHEDULE") {
				t.Errorf("%s does not document %s for the example sink %s", envExample, v.name, name)
			}
		}
	}
	for _, v := range perSink {
		documented := slices.ContainsFunc(sinks, func(name string) bool {
			_, ok := entries[strings.Replace(v.name, "<NAME>", name, 1)]
			return ok
		})
		if !documented {
			t.Errorf("%s documents %s for none of its example sinks", envExample, v.name)
		}
	}
}

// TestEnvFile_OnlyKnownVariables catches a typo or a variable keysync no
// longer reads: an operator copying it would get a warning at start-up and
// the setting meant would keep its default.
func TestEnvFile_OnlyKnownVariables(t *testing.T) {
	entries := mustParseEnvFile(t, envExample)
	global, perSource, perSink := usageVariables(t)
	known := map[string]bool{}
	for _, name := range exampleSinks(entries) {
		for _, v := range perSink {
			known[strings.Replace(v.name, "<NAME>", name, 1)] = true
		}
	}
	for _, v := range global {
		known[v.name] = true
	}
	for name := range strings.SplitSeq(entries["KEYSYNC_SOURCES"].value, ",") {
		for _, v := range perSource {
			known[strings.Replace(v.name, "<NAME>", strings.ToUpper(name), 1)] = true
		}
	}
	for name := range entries {
		if !known[name] {
			t.Errorf("%s sets %s, which keysync does not read", envExample, name)
		}
	}
}
