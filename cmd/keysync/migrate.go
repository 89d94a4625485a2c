package main

import (
	"context"
	"fmt"
	"strings"

	keysync "keysync/sync"
)

// migrateCommand creates or upgrades the central schema, adds keysync's
// columns and indexes to every TYPO3 source and its change table to every
// WordPress source.
func init() {
	register("migrate", "", "create or upgrade the central schema and the portals' columns and indexes", func(m *Main) command { return &migrateCommand{m: m} })
}

type migrateCommand struct {
	m *Main
}

// migrator is a source that adds what keysync needs to its portal's
// database and returns the statements it ran.
type migrator interface {
	Migrate(ctx context.Context) ([]string, error)
}

// upToDate is what migrate says of a portal that needs nothing, by kind.
var upToDate = map[string]string{
	"typo3":     "columns and indexes present",
	"wordpress": "user tables and change table present",
}

func (c *migrateCommand) Run(ctx context.Context, args []string) error {
	fs := c.m.flagSet("migrate", "Usage: keysync migrate\n\nCreates or upgrades the central schema (versioned, idempotent, safe when two run at once)\nand adds keysync's columns and poll index to each portal table that lacks them.")
	if err := parseNoArgs(fs, args); err != nil {
		return err
	}
	a, err := c.m.newApp()
	if err != nil {
		return err
	}
	defer a.close()

	applied, err := a.store.Migrate(ctx)
	if err != nil {
		return fmt.Errorf("central database: %w", err)
	}
	if len(applied) == 0 {
		fmt.Fprintln(c.m.Stdout, "central: schema up to date")
	}
	for _, v := range applied {
		fmt.Fprintf(c.m.Stdout, "central: applied schema version %d\n", v)
	}
	var failed []string
	for _, p := range a.portals {
		name := p.Source.Name()
		src, ok := p.Source.(migrator)
		if !ok {
			continue
		}
		stmts, err := src.Migrate(ctx)
		if err != nil {
			failed = append(failed, name)
			fmt.Fprintf(c.m.Stderr, "%s: %v\n", name, err)
			a.log.Error("migrate failed", keysync.LogSource, name, keysync.LogErr, err.Error())
			continue
		}
		if len(stmts) == 0 {
			fmt.Fprintf(c.m.Stdout, "%s: %s\n", name, upToDate[a.kind(name)])
		}
		for _, s := range stmts {
			fmt.Fprintf(c.m.Stdout, "%s: %s\n", name, s)
		}
	}
	if len(failed) > 0 {
		return fmt.Errorf("migrate failed for %s", strings.Join(failed, ", "))
	}
	return nil
}
