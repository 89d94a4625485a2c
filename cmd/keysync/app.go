package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"keysync/config"
	"keysync/sources/typo3"
	"keysync/sources/wordpress"
	keysync "keysync/sync"
	"keysync/sync/central"
)

// app is everything a command needs, built from the configuration.
type app struct {
	cfg     *config.Config
	log     *slog.Logger
	store   *central.Store
	portals []keysync.Portal
	typo3   map[string]*typo3.Source
	closers []func() error
}

// loadConfig reads the environment; a bad value is a configuration error
// (exit 2) naming the variable.
func (m *Main) loadConfig() (*config.Config, error) {
	cfg, err := config.Load()
	if err != nil {
		return nil, &exitError{ExitUsage, fmt.Errorf("configuration:\n%w", err)}
	}
	return cfg, nil
}

// newApp opens the central store and every source. Nothing connects yet.
func (m *Main) newApp() (*app, error) {
	cfg, err := m.loadConfig()
	if err != nil {
		return nil, err
	}
	a := &app{cfg: cfg, log: newLogger(m.Stderr, cfg.LogFormat, cfg.LogLevel), typo3: map[string]*typo3.Source{}}
	for _, w := range cfg.Warnings {
		a.log.Warn("configuration", "warning", w)
	}
	a.store, err = central.Open(cfg.CentralDSN, central.Numbering{
		Number: cfg.Number, Household: cfg.Household, Person: cfg.Person,
		NumberStart: cfg.SequenceStart, HHStart: cfg.HHSequenceStart, PEStart: cfg.PESequenceStart,
	})
	if err != nil {
		return nil, err
	}
	a.store.Thresholds = keysync.Thresholds{Same: cfg.MatchSame, Review: cfg.MatchReview, NamesBits: cfg.MatchNamesBits}
	a.closers = append(a.closers, a.store.Close)
	for _, sc := range cfg.Sources {
		switch sc.Kind {
		case "typo3":
			src, err := typo3.Open(typo3.Config{
				Name: sc.Name, DSN: sc.DSN, Table: sc.Table, PIDs: sc.PIDs,
				NumberColumn: sc.NumberColumn, HHColumn: sc.HHColumn, PEColumn: sc.PEColumn,
				NumberLen: cfg.Number.MaxLen(), HHLen: cfg.Household.MaxLen(), PELen: cfg.Person.MaxLen(),
				Fields: sc.Fields, Salutations: sc.Salutations, Location: sc.Location, Logger: a.log,
			})
			if err != nil {
				a.close()
				return nil, err
			}
			a.typo3[sc.Name] = src
			a.closers = append(a.closers, src.Close)
			a.portals = append(a.portals, keysync.Portal{Source: src, Country: sc.Country})
		case "wordpress":
			src, err := wordpress.Open(wordpress.Config{
				Name: sc.Name, DSN: sc.DSN, TablePrefix: sc.TablePrefix,
				UsersTable: sc.UsersTable, UsermetaTable: sc.UsermetaTable,
				NumberKey: sc.NumberKey, HHKey: sc.HHKey, PEKey: sc.PEKey,
				AfterWrite: sc.AfterWrite, AfterWriteTimeout: sc.AfterWriteTimeout,
				Fields: sc.Fields, Salutations: sc.Salutations, Logger: a.log,
			})
			if err != nil {
				a.close()
				return nil, err
			}
			a.closers = append(a.closers, src.Close)
			a.portals = append(a.portals, keysync.Portal{Source: src, Country: sc.Country})
		default:
			a.close()
			return nil, &exitError{ExitUsage, fmt.Errorf("source %s: kind %q is not supported", sc.Name, sc.Kind)}
		}
	}
	return a, nil
}

func (a *app) engine(dry bool) *keysync.Engine {
	return &keysync.Engine{Store: a.store, BatchSize: a.cfg.BatchSize, DryRun: dry, Logger: a.log}
}

// centralApp is newApp for commands that read the central database: it
// also checks that the schema is the one this keysync expects.
func (m *Main) centralApp(ctx context.Context) (*app, error) {
	a, err := m.newApp()
	if err != nil {
		return nil, err
	}
	if err := a.store.CheckSchema(ctx); err != nil {
		a.close()
		return nil, fmt.Errorf("central database: %w", err)
	}
	return a, nil
}

func (a *app) close() {
	var errs []error
	for i := len(a.closers) - 1; i >= 0; i-- {
		errs = append(errs, a.closers[i]())
	}
	if err := errors.Join(errs...); err != nil {
		a.log.Warn("close", keysync.LogErr, err.Error())
	}
}

// kind returns the kind of the named source.
func (a *app) kind(name string) string {
	if sc, ok := a.cfg.Source(name); ok {
		return sc.Kind
	}
	return ""
}
