package main

import (
	"fmt"
	"log/slog"

	"keysync/config"
	"keysync/sinks/carddav"
	"keysync/sinks/combit"
	"keysync/sinks/csvfile"
	"keysync/sinks/vcard"
	sinkwibisoft "keysync/sinks/wibisoft"
	"keysync/sinks/xlsx"
	keysync "keysync/sync"
)

// buildSinks constructs the configured sinks; with only set, just the one
// of that name. A sink the configuration let pass but its package refuses
// is a configuration error (exit 2) naming its kind.
func buildSinks(cfgs []config.Sink, only string, log *slog.Logger) ([]keysync.Sink, error) {
	var out []keysync.Sink
	for _, sc := range cfgs {
		if only != "" && sc.Name != only {
			continue
		}
		s, err := buildSink(sc, log)
		if err != nil {
			return nil, &exitError{ExitUsage, fmt.Errorf("configuration: sink %s (%s): %w", sc.Name, sc.Kind, err)}
		}
		out = append(out, s)
	}
	return out, nil
}

// buildSink constructs one sink with its package's constructor.
func buildSink(sc config.Sink, log *slog.Logger) (keysync.Sink, error) {
	switch sc.Kind {
	case "xlsx":
		return xlsx.New(xlsx.Config{Name: sc.Name, Path: sc.Path, Columns: sc.Columns, Lang: sc.Lang})
	case "csv", "outlook-csv":
		return csvfile.New(csvfile.Config{Name: sc.Name, Kind: csvfile.Kind(sc.Kind), Path: sc.Path, Columns: sc.Columns, Lang: sc.Lang})
	case "combit":
		return combit.New(combit.Config{Name: sc.Name, Path: sc.Path, Columns: sc.Columns, Lang: sc.Lang})
	case "vcard":
		return vcard.New(vcard.Config{Name: sc.Name, Path: sc.Path, Lang: sc.Lang})
	case "wibisoft":
		return sinkwibisoft.New(sinkwibisoft.Config{Name: sc.Name, Path: sc.Path, Encoding: sc.Encoding, Columns: sc.WibisoftColumns})
	case "carddav":
		return carddav.New(carddav.Config{Name: sc.Name, URL: sc.URL, User: sc.User, Password: sc.Password, Lang: sc.Lang,
			Logger: log.With(keysync.LogSink, sc.Name)})
	}
	return nil, fmt.Errorf("kind %q is not supported", sc.Kind)
}
