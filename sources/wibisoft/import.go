package wibisoft

import (
	"context"
	"fmt"
	"log/slog"

	keysync "keysync/sync"
)

// Store is what an import needs of the central store: the engine's own
// decisions (Assign, through keysync.Decide), the account ids of the rows
// and the history.
type Store interface {
	Assign(ctx context.Context, source string, cands []keysync.Candidate, dry bool) ([]keysync.Outcome, error)
	ImportIDs(ctx context.Context, pes []string, dry bool) (map[string]uint64, error)
	RecordImport(ctx context.Context, by, file, detail string) error
}

// Importer applies a Wibisoft file to the central store. Each row is an
// account of keysync.WibisoftSource under the account id of its PE-ID and
// is decided like a portal row, so a person Wibisoft knows and a
// registration on a portal find each other by the same rules.
type Importer struct {
	Store Store
	// BatchSize is how many rows one transaction holds; 0 means 500.
	BatchSize int
	// DryRun decides every row in one transaction and rolls it back.
	DryRun bool
	// By names who imports, for the history.
	By     string
	Logger *slog.Logger
	// AfterBatch, if set, is called after each committed batch with the
	// number of rows applied so far.
	AfterBatch func(done int)
}

// Report is what an import did, or in a dry run would do.
type Report struct {
	File     string `json:"file"`
	SHA256   string `json:"sha256"`
	Encoding string `json:"encoding"`
	DryRun   bool   `json:"dry_run"`
	// Rows counts the data rows read, rejected ones included.
	Rows    int     `json:"rows"`
	Matched Matched `json:"matched"`
	// New rows created a person; Updated rows were linked before and
	// brought changed values; Unchanged ones brought nothing new.
	New       int `json:"new"`
	Updated   int `json:"updated"`
	Unchanged int `json:"unchanged"`
	// Conflicting rows raised a conflict that keeps them from being
	// applied, or that asks about their ids (ConflictLine); Rejected rows
	// could not be read (Rejection).
	Conflicting int `json:"conflicting"`
	Rejected    int `json:"rejected"`
	// Applied counts the rows committed; less than Rows-Rejected when the
	// import was interrupted.
	Applied    int            `json:"applied"`
	Rejections []Rejection    `json:"rejections"`
	Conflicts  []ConflictLine `json:"conflicts"`
	// linked counts the rows linked to a person found.
	linked int
}

// Matched counts the rows found as a person keysync knows, by the rule
// that found them; those whose ids differ from the person's count as
// conflicting too, as nothing of them is applied.
type Matched struct {
	ByNumber   int `json:"by_number"`
	ByPE       int `json:"by_pe_id"`
	ByIdentity int `json:"by_identity"`
}

// ConflictLine is a conflict a row raised, with the row's line.
type ConflictLine struct {
	Line   int    `json:"line"`
	PE     string `json:"pe_id"`
	Kind   string `json:"kind"`
	Number string `json:"number,omitempty"`
	Detail string `json:"detail"`
	// Known: the same conflict was open before this import.
	Known bool `json:"known"`
}

// Changed reports whether the import changed anything centrally.
func (r *Report) Changed() bool {
	if r.New+r.Updated+r.linked > 0 {
		return true
	}
	for _, c := range r.Conflicts {
		if !c.Known {
			return true
		}
	}
	return false
}

// NeedsReview reports rows an admin must look at: rejected ones and
// conflicts.
func (r *Report) NeedsReview() bool { return r.Rejected > 0 || len(r.Conflicts) > 0 }

// Import applies f, named name, in batches of one transaction each; ctx
// stops it between batches (the batch under way finishes), batchCtx
// inside one. The rows applied stay applied, and the same file imported
// again finishes the rest with the same result. The history records the
// import when it changed anything.
func (im *Importer) Import(ctx, batchCtx context.Context, name string, f *File) (*Report, error) {
	r := &Report{File: name, SHA256: f.SHA256, Encoding: f.Encoding, DryRun: im.DryRun,
		Rows: len(f.Rows) + len(f.Rejected), Rejected: len(f.Rejected), Rejections: f.Rejected}
	cands, lines, err := im.candidates(batchCtx, f)
	if err != nil {
		return r, err
	}
	size := im.BatchSize
	if size <= 0 {
		size = 500
	}
	if im.DryRun {
		size = max(len(cands), 1) // one transaction: the preview sees the whole file
	}
	for start := 0; start < len(cands) && err == nil; start += size {
		if ctx.Err() != nil {
			err = fmt.Errorf("interrupted after %d of %d rows: import the file again to apply the rest", r.Applied, len(cands))
			break
		}
		err = im.batch(batchCtx, r, cands[start:min(start+size, len(cands))], lines)
	}
	if !im.DryRun && r.Changed() {
		if rerr := im.Store.RecordImport(batchCtx, im.By, name, r.detail(err)); rerr != nil && err == nil {
			err = rerr
		}
	}
	return r, err
}

// candidates gives every row its account id and normalises it.
func (im *Importer) candidates(ctx context.Context, f *File) ([]keysync.Candidate, map[uint64]Row, error) {
	pes := make([]string, len(f.Rows))
	for i, row := range f.Rows {
		pes[i] = row.Account.PE
	}
	ids, err := im.Store.ImportIDs(ctx, pes, im.DryRun)
	if err != nil {
		return nil, nil, err
	}
	cands := make([]keysync.Candidate, len(f.Rows))
	lines := make(map[uint64]Row, len(f.Rows))
	for i, row := range f.Rows {
		a := row.Account
		a.ID = ids[a.PE]
		cands[i] = keysync.Candidate{Account: a, Profile: keysync.NewProfile(a, "")}
		lines[a.ID] = row
	}
	return cands, lines, nil
}

// batch decides and commits one batch and counts what it did.
func (im *Importer) batch(ctx context.Context, r *Report, cands []keysync.Candidate, lines map[uint64]Row) error {
	outcomes, err := im.Store.Assign(ctx, keysync.WibisoftSource, cands, im.DryRun)
	if err != nil {
		return fmt.Errorf("import rows: %w", err)
	}
	log := im.logger()
	for _, o := range outcomes {
		row := lines[o.Account.ID]
		r.count(o, row)
		for _, cf := range o.Conflicts {
			keysync.LogConflict(log, cf)
		}
	}
	r.Applied += len(outcomes)
	if !im.DryRun {
		log.Info("import batch committed", "rows", len(outcomes), "applied", r.Applied)
		if im.AfterBatch != nil {
			im.AfterBatch(r.Applied)
		}
	}
	return nil
}

// count adds one outcome to the report.
func (r *Report) count(o keysync.Outcome, row Row) {
	for _, cf := range o.Conflicts {
		r.Conflicts = append(r.Conflicts, ConflictLine{Line: row.Line, PE: row.Account.PE, Kind: string(cf.Kind),
			Number: cf.Number, Detail: cf.Detail, Known: cf.Known})
	}
	if o.By != "" {
		r.matched(o.By)
	}
	switch o.Action {
	case keysync.ActionNew, keysync.ActionAdopt:
		r.New++
	case keysync.ActionLink:
		r.linked++
	case keysync.ActionKeep:
		switch {
		case len(o.Conflicts) > 0:
			r.Conflicting++
		case o.Changed:
			r.Updated++
		default:
			r.Unchanged++
		}
	case keysync.ActionConflict:
		r.Conflicting++
	case keysync.ActionSkip:
		reason := "not decided"
		if o.Err != nil {
			reason = "not numbered: " + o.Err.Error()
		}
		r.Rejected++
		r.Rejections = append(r.Rejections, Rejection{Line: row.Line, PE: row.Account.PE, Reason: reason})
	}
}

// matched counts a row found as a person keysync knows.
func (r *Report) matched(by keysync.MatchRule) {
	switch by {
	case keysync.MatchNumber:
		r.Matched.ByNumber++
	case keysync.MatchPE:
		r.Matched.ByPE++
	default:
		r.Matched.ByIdentity++
	}
}

// detail is the history's account of the import.
func (r *Report) detail(err error) string {
	s := fmt.Sprintf("sha256=%s encoding=%s rows=%d new=%d matched=%d updated=%d unchanged=%d conflicting=%d rejected=%d",
		r.SHA256, r.Encoding, r.Rows, r.New, r.Matched.ByNumber+r.Matched.ByPE+r.Matched.ByIdentity, r.Updated, r.Unchanged, r.Conflicting, r.Rejected)
	if err != nil {
		s += fmt.Sprintf("; stopped after %d rows: %v", r.Applied, err)
	}
	return s
}

func (im *Importer) logger() *slog.Logger {
	l := im.Logger
	if l == nil {
		l = slog.Default()
	}
	return l.With(keysync.LogSource, keysync.WibisoftSource)
}
