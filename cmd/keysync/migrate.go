package main

import (
	"context"
	"fmt"
	"strings"

	keysync "keysync/sync"
)

// migrateCommand creates or upgrades the central schema and adds keysync's
// columns and poll index to every TYPO3 source.
func init() { register("migrate", func(m *Main) command { return &migrateCommand{m: m} }) }

type migrateCommand struct {
	m *Main
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
		src, ok := a.typo3[name]
		if !ok {
			// WordPress keeps keysync's values as user meta: nothing to add,
			// only the tables to check.
			if err := p.Source.Check(ctx); err != nil {
				failed = append(failed, name)
				fmt.Fprintf(c.m.Stderr, "%s: %v\n", name, err)
				continue
			}
			fmt.Fprintf(c.m.Stdout, "%s: user tables present, nothing to migrate\n", name)
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
			fmt.Fprintf(c.m.Stdout, "%s: columns and index present\n", name)
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
