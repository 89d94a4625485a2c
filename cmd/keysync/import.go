package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"keysync/sources/wibisoft"
	keysync "keysync/sync"
)

// importCommand imports a Wibisoft export: households and persons Wibisoft
// numbered itself, with a preview first.
func init() {
	register("import", "wibisoft FILE [--dry-run] [--json] [--by NAME]", "import Wibisoft's households and persons, with a preview",
		func(m *Main) command { return &importCommand{m: m} })
}

type importCommand struct {
	m *Main
}

const importUsage = `Usage: keysync import wibisoft FILE [--dry-run] [--json] [--by NAME]

Imports a Wibisoft persons export (';', header row, UTF-8 or Windows-1252, dates dd.mm.yyyy):
each row creates or updates a central person with Wibisoft's HH-ID and PE-ID, found by the
customer number, the PE-ID or the identity rules of a registration. --dry-run shows what would
happen and changes nothing. Exit 0 done, 1 failed or interrupted, 2 usage or configuration
error or a file that is no Wibisoft export, 3 done but rows were rejected or raised conflicts.`

func (c *importCommand) Run(ctx context.Context, args []string) error {
	fs := c.m.flagSet("import", importUsage)
	dry := fs.Bool("dry-run", false, "show what the import would do; change nothing")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	by := fs.String("by", invokingUser(), "who imports, for the history")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return &exitError{code: ExitUsage}
	}
	if len(pos) != 2 || pos[0] != "wibisoft" {
		return usageErr("import takes the kind wibisoft and one file: keysync import wibisoft FILE")
	}
	if err := checkAdminText(*by, ""); err != nil {
		return err
	}
	a, err := c.m.centralApp(ctx)
	if err != nil {
		return err
	}
	defer a.close()
	f, err := c.read(pos[1], a)
	if err != nil {
		return err
	}
	a.store.Actor = strings.TrimSpace(*by)
	im := &wibisoft.Importer{Store: a.store, BatchSize: a.cfg.BatchSize, DryRun: *dry, By: a.store.Actor, Logger: a.log}
	defer logStops(ctx, c.m.Hard, a.log)()
	r, err := im.Import(ctx, c.m.Hard, filepath.Base(pos[1]), f)
	if perr := c.print(r, *asJSON); perr != nil && err == nil {
		err = perr
	}
	switch {
	case err != nil:
		return &exitError{code: ExitFailed, err: err}
	case r.NeedsReview():
		return errConflicts
	}
	return nil
}

// read reads and checks the file; a file that is no Wibisoft export as
// configured is a usage error.
func (c *importCommand) read(path string, a *app) (*wibisoft.File, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, usageErr("import: %v", err)
	}
	defer fh.Close()
	f, err := wibisoft.Read(fh, a.cfg.WibisoftColumns, wibisoft.Limits{
		HHLen: keysync.WibisoftIDLen(a.cfg.Household), PELen: keysync.WibisoftIDLen(a.cfg.Person), Now: time.Now()})
	if errors.Is(err, wibisoft.ErrHeader) {
		return nil, usageErr("import %s: %v", path, err)
	}
	if err != nil {
		return nil, fmt.Errorf("import %s: %w", path, err)
	}
	return f, nil
}

func (c *importCommand) print(r *wibisoft.Report, asJSON bool) error {
	if asJSON {
		return writeJSON(c.m.Stdout, r)
	}
	printImport(c.m.Stdout, printable(*r))
	return nil
}

// printImport prints the report as text.
func printImport(w io.Writer, r wibisoft.Report) {
	verb := "imported"
	if r.DryRun {
		verb = "would import (dry run, nothing changed)"
	}
	fmt.Fprintf(w, "%s %s (%s, sha256 %s): %d rows\n", verb, r.File, r.Encoding, r.SHA256, r.Rows)
	fmt.Fprintf(w, "  matched:     %d by customer number, %d by PE-ID, %d by the identity rules\n", r.Matched.ByNumber, r.Matched.ByPE, r.Matched.ByIdentity)
	fmt.Fprintf(w, "  new:         %d\n  updated:     %d\n  unchanged:   %d\n  conflicting: %d\n  rejected:    %d\n",
		r.New, r.Updated, r.Unchanged, r.Conflicting, r.Rejected)
	for _, rj := range r.Rejections {
		fmt.Fprintf(w, "  line %d: rejected: %s\n", rj.Line, rj.Reason)
	}
	for _, cf := range r.Conflicts {
		known := ""
		if cf.Known {
			known = " (open before)"
		}
		fmt.Fprintf(w, "  line %d: conflict %s%s: %s\n", cf.Line, cf.Kind, known, cf.Detail)
	}
}
