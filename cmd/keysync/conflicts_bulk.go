package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"keysync/internal/text"
	"keysync/sync/central"
)

// checkResolution refuses an --as, --into, --by or --note that fits no
// resolution.
func checkResolution(as, into, by, note string) error {
	switch as {
	case central.ResolveDistinct, central.ResolveMerge, central.ResolveIgnore:
	case "":
		return usageErr("resolve needs --as distinct, merge or ignore")
	default:
		return usageErr("--as %q: want distinct, merge or ignore", as)
	}
	if into != "" && as != central.ResolveMerge {
		return usageErr("--into chooses the survivor of a merge; it does not go with --as %s", as)
	}
	return checkAdminText(by, note)
}

// setResolution is `conflicts resolve` of a filtered set.
type setResolution struct {
	sel                selection
	as, into, note, by string
	yes, json          bool
	filter             central.ConflictFilter
}

// setResult is what resolving a filtered set did (--json).
type setResult struct {
	Matched int    `json:"matched"`
	As      string `json:"as"`
	By      string `json:"by"`
	// Resolved counts the conflicts closed as asked; Also those a
	// distinct decision settled together with another one of the set.
	Resolved int `json:"resolved"`
	Also     int `json:"also_resolved"`
	// Skipped counts conflicts the resolution does not fit (distinct for
	// a conflict about one person), left open, with the first reason.
	Skipped    int    `json:"skipped"`
	SkipReason string `json:"skip_reason,omitempty"`
}

// setPage is how many conflicts of a set are read, and ignored, at once.
const setPage = 500

func (c *conflictsCommand) resolveSet(ctx context.Context, r setResolution) error {
	if r.as == central.ResolveMerge {
		return usageErr("--as merge decides one conflict at a time: give its ID (a set can be resolved as distinct or ignore)")
	}
	if err := checkResolution(r.as, r.into, r.by, r.note); err != nil {
		return err
	}
	f, err := r.sel.filter()
	if err != nil {
		return err
	}
	r.filter, r.by = f, strings.TrimSpace(r.by)
	a, err := c.m.centralApp(ctx)
	if err != nil {
		return err
	}
	defer a.close()
	n, err := a.store.CountOpenConflicts(ctx, f)
	if err != nil {
		return err
	}
	fmt.Fprintf(c.m.Stderr, "%d open conflicts match %s\n", n, describeSelection(f))
	if n == 0 {
		return c.printSet(setResult{As: r.as, By: r.by}, r.json)
	}
	if err := confirm(c.m, r, n); err != nil {
		return err
	}
	res, err := resolveAll(ctx, a.store, r)
	res.Matched = n
	if err != nil {
		return err
	}
	a.log.Info("conflicts resolved", "resolution", r.as, "by", r.by, "matched", n, "resolved", res.Resolved,
		"also", res.Also, "skipped", res.Skipped)
	return c.printSet(res, r.json)
}

// describeSelection names a filter for the preview.
func describeSelection(f central.ConflictFilter) string {
	var parts []string
	for _, p := range []struct{ name, value string }{{"kind", f.Kind}, {"rule", f.Rule}, {"source", f.Source}} {
		if p.value != "" {
			parts = append(parts, p.name+"="+p.value)
		}
	}
	if !f.Before.IsZero() {
		parts = append(parts, "raised before "+f.Before.Format("2006-01-02 15:04:05 MST"))
	}
	return text.Printable(strings.Join(parts, ", "))
}

// confirm asks on the terminal before a set is resolved; --yes answers for
// scripts. Without a terminal and without --yes nothing is resolved.
func confirm(m *Main, r setResolution, n int) error {
	if r.yes {
		return nil
	}
	if !m.Interactive || m.Stdin == nil {
		return usageErr("%d open conflicts would be resolved as %s: no terminal to confirm on; add --yes to resolve them", n, r.as)
	}
	fmt.Fprintf(m.Stderr, "resolve these %d conflicts as %s by %s? [y/N] ", n, r.as, r.by)
	line, err := bufio.NewReader(m.Stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("read the answer: %w", err)
	}
	switch strings.ToLower(strings.TrimSpace(line)) {
	case "y", "yes":
		return nil
	}
	return &exitError{ExitFailed, errors.New("not confirmed: nothing resolved")}
}

// resolveAll works through the set page by page, oldest first: ignore a
// page in one transaction, distinct each conflict as `resolve ID` would.
func resolveAll(ctx context.Context, st *central.Store, r setResolution) (setResult, error) {
	res := setResult{As: r.as, By: r.by}
	var after uint64
	for ctx.Err() == nil {
		ids, err := st.OpenConflictIDs(ctx, r.filter, after, setPage)
		if err != nil || len(ids) == 0 {
			return res, err
		}
		after = ids[len(ids)-1]
		if r.as == central.ResolveIgnore {
			closed, err := st.IgnoreConflicts(ctx, ids, r.by, r.note)
			res.Resolved += len(closed)
			if err != nil {
				return res, err
			}
			continue
		}
		if err := resolveEach(ctx, st, r, ids, &res); err != nil {
			return res, err
		}
	}
	return res, ctx.Err()
}

// resolveEach resolves the conflicts one by one; one settled by an earlier
// decision is counted there, one the resolution does not fit is skipped.
func resolveEach(ctx context.Context, st *central.Store, r setResolution, ids []uint64, res *setResult) error {
	for _, id := range ids {
		done, err := st.Resolve(ctx, central.Resolution{ID: id, As: r.as, By: r.by, Note: r.note})
		switch {
		case errors.Is(err, central.ErrNotOpen):
			continue // settled together with one before
		case errors.Is(err, central.ErrCannotResolve):
			res.Skipped++
			if res.SkipReason == "" {
				res.SkipReason = err.Error()
			}
			continue
		case err != nil:
			return err
		}
		res.Resolved++
		res.Also += len(done.Also) + len(done.SettledDistinct)
	}
	return nil
}

func (c *conflictsCommand) printSet(res setResult, asJSON bool) error {
	if asJSON {
		return writeJSON(c.m.Stdout, res)
	}
	w := c.m.Stdout
	fmt.Fprintf(w, "resolved %d as %s by %s", res.Resolved, res.As, res.By)
	if res.Also > 0 {
		fmt.Fprintf(w, ", %d more settled with them", res.Also)
	}
	fmt.Fprintln(w)
	if res.Skipped > 0 {
		fmt.Fprintf(w, "left open: %d, e.g. %s\n", res.Skipped, res.SkipReason)
	}
	return nil
}
