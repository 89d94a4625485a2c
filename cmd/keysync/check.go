package main

import (
	"context"
	"fmt"

	"keysync/config"
)

// checkCommand validates numbers against the configured template and check
// digit: for office staff typing numbers from a letter into another system.
func init() {
	register("check", "NUMBER...", "is each number well-formed with a valid check digit?", func(m *Main) command { return &checkCommand{m: m} })
}

type checkCommand struct {
	m *Main
}

func (c *checkCommand) Run(ctx context.Context, args []string) error {
	fs := c.m.flagSet("check", "Usage: keysync check [--format T] [--check-digit A] NUMBER...\n\nExit 0 when every number is well-formed with a valid check digit, 1 otherwise.")
	format := fs.String("format", "", "number template (default: KEYSYNC_NUMBER_FORMAT or {seq:8}{check})")
	alg := fs.String("check-digit", "", "check digit algorithm (default: KEYSYNC_CHECK_DIGIT or damm)")
	if err := fs.Parse(args); err != nil {
		return &exitError{code: ExitUsage}
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return &exitError{code: ExitUsage}
	}
	tmpl, err := config.NumberTemplate(*format, *alg)
	if err != nil {
		return &exitError{ExitUsage, err}
	}
	bad := 0
	for _, n := range fs.Args() {
		if err := tmpl.Validate(n); err != nil {
			bad++
			fmt.Fprintf(c.m.Stdout, "%q invalid: %v\n", n, err)
			continue
		}
		fmt.Fprintf(c.m.Stdout, "%s valid\n", n)
	}
	if bad > 0 {
		return &exitError{code: ExitFailed, err: fmt.Errorf("%d of %d numbers invalid", bad, fs.NArg())}
	}
	return nil
}
