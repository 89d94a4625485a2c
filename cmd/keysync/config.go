package main

import (
	"context"
	"flag"
	"fmt"

	"keysync/config"
)

// configCommand prints the effective configuration with passwords redacted,
// so an operator can see what keysync will do before it does it.
func init() {
	register("config", "[--json]", "print the effective configuration, passwords redacted, and its warnings", func(m *Main) command { return &configCommand{m: m} })
}

type configCommand struct {
	m *Main
}

// configReport is what `keysync config --json` prints.
type configReport struct {
	Settings []config.Setting `json:"settings"`
	Warnings []string         `json:"warnings"`
}

func (c *configCommand) Run(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("keysync config", flag.ContinueOnError)
	fs.SetOutput(c.m.Stderr)
	asJSON := fs.Bool("json", false, "print JSON")
	if err := parseNoArgs(fs, args); err != nil {
		return err
	}
	cfg, err := c.m.loadConfig()
	if err != nil {
		return err
	}
	settings := cfg.Redacted()
	if *asJSON {
		return writeJSON(c.m.Stdout, configReport{Settings: settings, Warnings: append([]string{}, cfg.Warnings...)})
	}
	for _, s := range settings {
		note := ""
		if s.Default {
			note = "  # default"
		}
		fmt.Fprintf(c.m.Stdout, "%s=%s%s\n", s.Var, s.Value, note)
	}
	for _, w := range cfg.Warnings {
		fmt.Fprintf(c.m.Stdout, "# warning: %s\n", w)
	}
	return nil
}

func (m *Main) help(args []string) error {
	if len(args) > 0 && args[0] == "config" {
		fmt.Fprint(m.Stdout, config.Usage())
		return nil
	}
	fmt.Fprint(m.Stdout, usage())
	return nil
}
