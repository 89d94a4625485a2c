package main

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"

	keysync "keysync/sync"
	"keysync/sync/central"
)

// reviewRules explains the rules that raise review conflicts
// (keysync.Rule*), as the summary shows them and --rule accepts them.
var reviewRules = map[string]string{
	keysync.RuleScore:            "a fuzzy score at or above KEYSYNC_MATCH_REVIEW",
	keysync.RuleNamesBirth:       "the same names and birth date, another address",
	keysync.RuleFirstBirth:       "the same first name and birth date, another surname (married?)",
	keysync.RuleNamesOnly:        "the same names, nothing else to compare",
	keysync.RuleNamesMoved:       "the same names, no birth date, another address (moved?)",
	keysync.RuleAlikeNames:       "alike names (a typo?), nothing else to compare",
	keysync.RuleMailboxSameNames: "a shared mailbox, the same names: no birth date tells person from relative",
	keysync.RuleMailboxOther:     "a shared mailbox of another first name, birth date or jun./sen.",
}

func knownRules() string {
	rules := make([]string, 0, len(reviewRules))
	for r := range reviewRules {
		rules = append(rules, r)
	}
	slices.Sort(rules)
	return strings.Join(rules, ", ")
}

// conflictSummary is `keysync conflicts summary --json`.
type conflictSummaryReport struct {
	Open   int                     `json:"open"`
	Groups []central.ConflictGroup `json:"groups"`
}

// summary counts the open conflicts by kind and rule: where a backlog
// comes from, and what `conflicts resolve --kind K --rule R` would act on.
func (c *conflictsCommand) summary(ctx context.Context, args []string) error {
	fs := c.flags("summary")
	source := fs.String("source", "", "only conflicts of this source")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := parseNoArgs(fs, args); err != nil {
		return err
	}
	a, err := c.m.centralApp(ctx)
	if err != nil {
		return err
	}
	defer a.close()
	groups, err := a.store.ConflictSummary(ctx, *source)
	if err != nil {
		return err
	}
	r := conflictSummaryReport{Groups: groups}
	for _, g := range groups {
		r.Open += g.Count
	}
	if *asJSON {
		return writeJSON(c.m.Stdout, r)
	}
	printSummary(c.m.Stdout, printable(r))
	return nil
}

func printSummary(w io.Writer, r conflictSummaryReport) {
	fmt.Fprintf(w, "open conflicts: %d\n", r.Open)
	if r.Open == 0 {
		return
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "     COUNT\tKIND\tRULE\tWHAT")
	for _, g := range r.Groups {
		what := reviewRules[g.Rule]
		if what == "" {
			what = ruleOf[g.Kind]
		}
		fmt.Fprintf(tw, "  %8d\t%s\t%s\t%s\n", g.Count, g.Kind, dash(g.Rule), dash(what))
	}
	tw.Flush()
	fmt.Fprintln(w, "\nlist a group:    keysync conflicts list --open --kind KIND --rule RULE")
	fmt.Fprintln(w, "resolve a group: keysync conflicts resolve --kind KIND --rule RULE --as distinct|ignore")
}
