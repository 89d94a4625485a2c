package config

import (
	"fmt"
	"slices"
	"strings"
)

// ignoredPrefixes belong to keysync's test and benchmark tooling, which
// shares the KEYSYNC_ namespace but is not the daemon's configuration.
var ignoredPrefixes = []string{"KEYSYNC_TEST_", "KEYSYNC_BENCH_"}

// unusedVariables warns about KEYSYNC_ variables in env ("K=V" pairs) that
// no setting reads. Such a variable is almost always a typo, and the setting
// it was meant for silently keeps its default.
func unusedVariables(env, sources, sinks []string) []string {
	known := map[string]bool{}
	for _, v := range globalVariables() {
		known[v.Name] = true
	}
	listed := map[string]bool{}
	for _, name := range sources {
		listed[name] = true
		for _, v := range sourceVariables(name) {
			known[v.Name] = true
		}
	}
	for _, name := range sinks {
		for _, v := range sinkVariables(name) {
			known[v.Name] = true
		}
	}
	var warnings []string
	for _, kv := range env {
		key, _, _ := strings.Cut(kv, "=")
		upper := strings.ToUpper(key)
		if known[key] || !strings.HasPrefix(upper, prefix+"_") || hasAnyPrefix(upper, ignoredPrefixes) {
			continue
		}
		if name, ok := sinkOf(upper); ok {
			warnings = append(warnings, fmt.Sprintf("%s is set, but %q is not listed in %s", key, name, varSinks))
			continue
		}
		if name, ok := sourceOf(upper); ok && !listed[name] {
			warnings = append(warnings, fmt.Sprintf("%s is set, but %q is not listed in %s", key, name, varSources))
			continue
		}
		warnings = append(warnings, key+" is set, but keysync does not read it (a typo?)")
	}
	slices.Sort(warnings)
	return slices.Compact(warnings)
}

// sourceOf returns the lower-case source name in a per-source variable name
// such as KEYSYNC_SOURCE_SHOP_KIND, and false for any other name.
func sourceOf(key string) (string, bool) {
	p := sourcePrefix("")
	if !strings.HasPrefix(key, p) {
		return "", false
	}
	for _, v := range sourceVariables("") {
		suffix := strings.TrimPrefix(v.Name, p)
		if name, ok := strings.CutSuffix(key[len(p):], suffix); ok && name != "" {
			return strings.ToLower(name), true
		}
	}
	return "", false
}

// sinkOf returns the lower-case sink name in a per-sink variable name such
// as KEYSYNC_SINK_LISTE_KIND, and false for any other name.
func sinkOf(key string) (string, bool) {
	p := sinkPrefix("")
	if !strings.HasPrefix(key, p) {
		return "", false
	}
	for _, v := range sinkVariables("") {
		if name, ok := strings.CutSuffix(key[len(p):], strings.TrimPrefix(v.Name, p)); ok && name != "" {
			return strings.ToLower(name), true
		}
	}
	return "", false
}

// hasAnyPrefix reports whether s starts with one of prefixes.
func hasAnyPrefix(s string, prefixes []string) bool {
	return slices.ContainsFunc(prefixes, func(p string) bool { return strings.HasPrefix(s, p) })
}
