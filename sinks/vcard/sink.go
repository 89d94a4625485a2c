// Package vcard writes persons as vCard 3.0 into a folder: one .vcf per
// person, for a phone or a mail client to pick up one by one, plus one
// combined file of every active person (Outlook desktop imports only the
// first contact of a combined file; other clients take them all).
package vcard

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"keysync/internal/atomicfile"
	"keysync/sinks/columns"
	"keysync/sinks/internal/filesink"
	keysync "keysync/sync"
)

// Config is one vCard folder sink.
type Config struct {
	Name string
	// Path is the folder; it belongs to the sink, which removes the .vcf
	// files of persons who are no longer on the list.
	Path string
	Lang columns.Lang
}

// Sink writes the folder.
type Sink struct{ cfg Config }

var _ keysync.Sink = (*Sink)(nil)

// New checks the configuration.
func New(cfg Config) (*Sink, error) {
	if cfg.Path == "" {
		return nil, errors.New("no folder for the vCards")
	}
	return &Sink{cfg: cfg}, nil
}

// Name is the configured name.
func (s *Sink) Name() string { return s.cfg.Name }

// Snapshot is true: the combined file holds every active person.
func (s *Sink) Snapshot() bool { return true }

// Combined is the name of the file with every active person.
func (s *Sink) Combined() string {
	if s.cfg.Lang == columns.English {
		return "all.vcf"
	}
	return "alle.vcf"
}

// Export writes the cards of the changed persons, removes those of the
// persons who left, and writes the combined file anew. A full delivery
// (every person counting as changed) also removes cards the folder holds
// for persons not on the list.
func (s *Sink) Export(ctx context.Context, d keysync.Delivery) (keysync.Result, error) {
	if fi, err := os.Stat(s.cfg.Path); err != nil || !fi.IsDir() {
		return keysync.Result{Where: s.cfg.Path}, fmt.Errorf("vCard folder %s: not a folder (%v)", s.cfg.Path, err)
	}
	f := &folder{sink: s, d: d, listed: map[string]bool{}}
	combined := filepath.Join(s.cfg.Path, s.Combined())
	res, err := filesink.Write(ctx, combined, d, filesink.Active, func(w io.Writer) (filesink.Format, error) {
		f.w = w
		return f, nil
	})
	res.Where = s.cfg.Path
	return res, err
}

// folder is one delivery: each card goes into the combined file and, when
// the person changed, into the person's own file.
type folder struct {
	sink   *Sink
	d      keysync.Delivery
	w      io.Writer
	listed map[string]bool
}

func (f *folder) path(number string) string {
	return filepath.Join(f.sink.cfg.Path, number+".vcf")
}

// Row writes the card into the combined file and, when the person
// changed, into the person's own file.
func (f *folder) Row(p keysync.PersonRecord) error {
	card := Card(p, f.sink.cfg.Lang)
	changed := f.d.IsChanged(p.Number)
	if f.d.Changed == nil {
		f.listed[p.Number+".vcf"] = true
	}
	if changed {
		err := atomicfile.WriteUnsynced(f.path(p.Number), func(w io.Writer) error {
			_, err := w.Write(card)
			return err
		})
		if err != nil {
			return err
		}
	}
	_, err := f.w.Write(card)
	return err
}

// Drop removes the card of a person who left or was merged since the
// last delivery.
func (f *folder) Drop(p keysync.PersonRecord, changed bool) error {
	if !changed {
		return nil
	}
	return atomicfile.Remove(f.path(p.Number))
}

// Finish syncs the folder; after a full delivery it first removes the
// cards of persons not on the list (the folder belongs to the sink).
func (f *folder) Finish() error {
	if f.d.Changed == nil {
		if err := f.sweep(); err != nil {
			return err
		}
	}
	return atomicfile.SyncDir(f.sink.cfg.Path)
}

func (f *folder) sweep() error {
	entries, err := os.ReadDir(f.sink.cfg.Path)
	if err != nil {
		return fmt.Errorf("read folder: %w", err)
	}
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.HasSuffix(name, ".vcf") || f.listed[name] || name == f.sink.Combined() {
			continue
		}
		if err := atomicfile.Remove(filepath.Join(f.sink.cfg.Path, name)); err != nil {
			return err
		}
	}
	return nil
}

// Close does nothing: the cards are written as they come.
func (f *folder) Close() error { return nil }
