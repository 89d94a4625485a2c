// Package filesink is what every file sink shares: a full delivery
// streamed through a file format into a file that is replaced atomically,
// and the counts of the export report.
package filesink

import (
	"context"
	"errors"
	"fmt"
	"io"

	"keysync/internal/atomicfile"
	keysync "keysync/sync"
)

// Format writes one kind of file, a person at a time.
type Format interface {
	// Row writes one person.
	Row(p keysync.PersonRecord) error
	// Finish writes what follows the last row.
	Finish() error
	// Close frees what the format holds (a spooled sheet); it is called
	// whether or not the file was finished.
	Close() error
}

// Dropper is a format that acts on the persons the file does not keep,
// such as removing their files from a folder.
type Dropper interface {
	Drop(p keysync.PersonRecord, changed bool) error
}

// Keep says which persons a file holds: every person (the Excel list) or
// the active ones (address lists).
type Keep func(p keysync.PersonRecord) bool

// Everyone keeps every person, those who left included.
func Everyone(keysync.PersonRecord) bool { return true }

// Active keeps the persons who have not left.
func Active(p keysync.PersonRecord) bool { return p.Active() }

// Write streams a full delivery into path through the format and replaces
// the file; a dry run only counts. Any error leaves the old file whole.
func Write(ctx context.Context, path string, d keysync.Delivery, keep Keep, format func(w io.Writer) (Format, error)) (keysync.Result, error) {
	if !d.Full {
		return keysync.Result{Where: path}, errors.New("a file needs every person")
	}
	if d.DryRun {
		var t Tally
		err := Each(ctx, d, func(p keysync.PersonRecord) error { t.Add(d, p, keep(p)); return nil })
		return t.Result(path), err
	}
	var t Tally
	err := atomicfile.Write(path, func(w io.Writer) error {
		t = Tally{}
		return fill(ctx, w, d, keep, format, &t)
	})
	return t.Result(path), err
}

func fill(ctx context.Context, w io.Writer, d keysync.Delivery, keep Keep, format func(w io.Writer) (Format, error), t *Tally) error {
	f, err := format(w)
	if err != nil {
		return err
	}
	defer func() { _ = f.Close() }()
	err = Each(ctx, d, func(p keysync.PersonRecord) error {
		kept := keep(p)
		t.Add(d, p, kept)
		if kept {
			return f.Row(p)
		}
		if dr, ok := f.(Dropper); ok {
			return dr.Drop(p, d.IsChanged(p.Number))
		}
		return nil
	})
	if err != nil {
		return err
	}
	return f.Finish()
}

// Each calls fn for every person of the delivery and stops at the first
// error, of the feed, of fn or of the context.
func Each(ctx context.Context, d keysync.Delivery, fn func(p keysync.PersonRecord) error) error {
	for p, err := range d.Persons {
		if err != nil {
			return fmt.Errorf("read persons: %w", err)
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := fn(p); err != nil {
			return err
		}
	}
	return nil
}

// Tally counts a delivery for the export report.
type Tally struct{ written, changed, removed int }

// Add counts a person: written when the file keeps them, and changed or
// removed when they changed since the last delivery.
func (t *Tally) Add(d keysync.Delivery, p keysync.PersonRecord, kept bool) {
	changed := d.IsChanged(p.Number)
	switch {
	case kept:
		t.written++
		if changed {
			t.changed++
		}
	case changed:
		t.removed++
	}
}

// Result is the counts, at where.
func (t Tally) Result(where string) keysync.Result {
	return keysync.Result{Written: t.written, Changed: t.changed, Removed: t.removed, Where: where}
}
