package config

import (
	"fmt"
	"strings"
	"text/tabwriter"
)

// Usage returns a table of every variable with its default and meaning, for
// `keysync help config`. It is generated from the same tags Load reads, so
// it cannot drift from what the daemon does.
func Usage() string {
	var b strings.Builder
	w := tabwriter.NewWriter(&b, 0, 4, 2, ' ', 0)
	table := func(vars []variable) {
		fmt.Fprintln(w, "VARIABLE\tDEFAULT\tMEANING")
		for _, v := range vars {
			def := v.Default
			if def == "" {
				def = "-"
			}
			fmt.Fprintf(w, "%s\t%s\t%s\n", v.Name, def, v.Desc)
		}
	}
	fmt.Fprintln(w, "keysync reads its configuration from these environment variables:")
	fmt.Fprintln(w)
	table(globalVariables())
	fmt.Fprintln(w)
	fmt.Fprintln(w, "For each name in KEYSYNC_SOURCES, with <NAME> the name in upper case:")
	fmt.Fprintln(w)
	table(sourceVariables("<NAME>"))
	fmt.Fprintln(w)
	fmt.Fprintln(w, "For each name in KEYSYNC_SINKS, with <NAME> the name in upper case:")
	fmt.Fprintln(w)
	table(sinkVariables("<NAME>"))
	w.Flush()
	return b.String()
}
