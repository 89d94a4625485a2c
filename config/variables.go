package config

import (
	"fmt"
	"strings"

	"github.com/kelseyhightower/envconfig"
)

// variable is one environment variable as envconfig derives it from a tagged
// field: its full name, its default and what it means.
type variable struct {
	Name, Default, Desc string
}

// variableList is an envconfig usage template that prints one variable per
// line with tab-separated fields; tags hold no tabs or newlines.
const variableList = "{{range .}}{{usage_key .}}\t{{usage_default .}}\t{{usage_description .}}\n{{end}}"

// variables lists the variables envconfig reads into spec under prefix. It
// asks envconfig itself, so the names are exactly those Process looks up.
func variables(prefix string, spec any) []variable {
	var b strings.Builder
	if err := envconfig.Usagef(prefix, spec, &b, variableList); err != nil {
		// Only a change to the spec types can get here, and tests would fail.
		panic(fmt.Sprintf("config: list variables: %v", err))
	}
	var vars []variable
	for line := range strings.Lines(b.String()) {
		f := strings.SplitN(strings.TrimSuffix(line, "\n"), "\t", 3)
		vars = append(vars, variable{Name: f[0], Default: f[1], Desc: f[2]})
	}
	return vars
}

// globalVariables lists the KEYSYNC_ variables that are not per source.
func globalVariables() []variable {
	return variables(prefix, &globalVars{})
}

// sourceVariables lists the variables of the named source.
func sourceVariables(name string) []variable {
	return variables(sourcePrefix(name), &sourceVars{})
}
