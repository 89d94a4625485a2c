package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"keysync/internal/text"
	keysync "keysync/sync"
	"keysync/sync/central"
)

// conflictsCommand lists, explains and resolves the cases keysync left to
// an admin.
func init() {
	register("conflicts", "[--open] [--kind K] [--source S] [--limit N] [--json] | show ID | resolve ID --as distinct|merge|ignore [--into N]", "list, show and resolve the conflicts keysync could not decide", func(m *Main) command { return &conflictsCommand{m: m} })
}

type conflictsCommand struct {
	m *Main
}

const conflictsUsage = `Usage:
  keysync conflicts                    (the summary: open conflicts by kind and rule)
  keysync conflicts summary [--source S] [--json]
  keysync conflicts [list] [--open] [--kind K] [--rule R] [--source S] [--before DATE]
                    [--limit N] [--page P | --after ID] [--json]
  keysync conflicts show ID [--json]
  keysync conflicts resolve ID --as distinct|merge|ignore [--into NUMBER] [--note TEXT] [--by WHO] [--json]
  keysync conflicts resolve --kind K|--rule R|--source S|--before DATE... --as distinct|ignore
                    [--yes] [--note TEXT] [--by WHO] [--json]

summary: the open conflicts counted by kind and rule, the largest groups first.
list: newest first, --limit at a time (default 100, 0 for all); --page P shows the P-th
page, --after ID the page after the one that ended with conflict ID (fast at any depth).
show: both sides with all evidence, the rule that fired and its score.
resolve: distinct records two different persons, so the pair is not raised again; merge
moves the other person's accounts to the surviving number (--into, default the person
registered first), retires the other number for good and rewrites the portal rows on the
next pass; for a conflict about an unlinked account merge links it to that person.
ignore closes the conflict. --by defaults to the invoking user ($SUDO_USER, else the
OS user). Without an ID, resolve acts on every open conflict the filters select: it
counts them first and asks on the terminal; without a terminal it needs --yes.
Exit 0 ok, 1 not found or cannot be resolved, 2 usage.`

// ruleOf names the decision rule behind each kind of conflict (DESIGN.md,
// "Deciding who a registration is").
var ruleOf = map[string]string{
	string(keysync.ConflictNumberMismatch):     "1. the account is linked, but its row carries another number than its person's",
	string(keysync.ConflictInvalidNumber):      "2. the row carries a value that is not a well-formed number with a valid check digit",
	string(keysync.ConflictNumberTaken):        "2. the row carries a valid number of another person (other name or birth date)",
	string(keysync.ConflictPETaken):            "2. the row carries the Wibisoft person id of another person; a Wibisoft import row, a PE-ID keysync holds for a person of other names",
	string(keysync.ConflictHHTaken):            "Wibisoft import: a new person's household id is one keysync opened for another household; nothing imported",
	string(keysync.ConflictSharedEmail):        "4. same e-mail address, but another first name or birth date: a shared mailbox; new number, same household",
	string(keysync.ConflictSuspectedDuplicate): "5. no e-mail match, but a fuzzy score at or above KEYSYNC_MATCH_REVIEW, or names that agree with nothing contradicting (one conflict per person named); new number",
	string(keysync.ConflictWriteBack):          "write-back: the column was filled by someone else between read and write",
	string(keysync.ConflictWibisoftMismatch):   "reconciliation: a linked account's row carries other Wibisoft ids than its person's; Wibisoft import: the person found holds other ids than the file's, nothing overwritten",
	string(keysync.ConflictDuplicateNumber):    "reconciliation: the same number is on more than one row of one portal",
	string(keysync.ConflictInvalidWibisoftID):  "2. the row carries a Wibisoft household or person id that is no id (too long for the portals' columns, or characters no id holds); nothing adopted",
	string(keysync.ConflictDuplicateMeta):      "WordPress: the user holds one of keysync's meta keys twice with different values; nothing written until the extra rows are deleted",
	string(keysync.ConflictRowRefused):         "the central database or the portal refused the row's values; skipped while the row (its fingerprint is the value) is unchanged and the conflict open",
}

func (c *conflictsCommand) Run(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return c.summary(ctx, nil)
	}
	if len(args) > 0 {
		switch args[0] {
		case "summary":
			return c.summary(ctx, args[1:])
		case "show":
			return c.show(ctx, args[1:])
		case "resolve":
			return c.resolve(ctx, args[1:])
		case "list":
			args = args[1:]
		}
	}
	return c.list(ctx, args)
}

func (c *conflictsCommand) flags(name string) *flag.FlagSet {
	return c.m.flagSet("conflicts "+name, conflictsUsage)
}

var conflictKind = regexp.MustCompile(`^[a-z_]+$`)

func (c *conflictsCommand) list(ctx context.Context, args []string) error {
	fs := c.flags("")
	open := fs.Bool("open", false, "only open conflicts")
	sel := selectionFlags(fs)
	limit := fs.Int("limit", 100, "at most N conflicts a page (0: all)")
	page := fs.Int("page", 0, "the P-th page of --limit conflicts")
	after := fs.Uint64("after", 0, "the page after the one that ended with conflict ID")
	asJSON := fs.Bool("json", false, "print a JSON array")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return &exitError{code: ExitUsage}
	}
	if len(pos) > 0 {
		return usageErr("unknown conflicts subcommand %q; run `keysync conflicts -h`", pos[0])
	}
	f, err := sel.filter()
	if err != nil {
		return err
	}
	if err := pageFilter(&f, *limit, *page, *after); err != nil {
		return err
	}
	f.Open = *open
	a, err := c.m.centralApp(ctx)
	if err != nil {
		return err
	}
	defer a.close()
	list, err := a.store.Conflicts(ctx, f)
	if err != nil {
		return err
	}
	if len(list) == 0 && f.Kind != "" && ruleOf[f.Kind] == "" {
		// An unknown kind is a typo, unless older conflicts carry it.
		if all, err := a.store.Conflicts(ctx, central.ConflictFilter{Kind: f.Kind, Limit: 1}); err == nil && len(all) == 0 {
			return usageErr("--kind %q: a kind is one of %s", f.Kind, knownKinds())
		}
	}
	if *asJSON {
		return writeJSON(c.m.Stdout, list)
	}
	if len(list) == 0 {
		fmt.Fprintln(c.m.Stdout, "no conflicts")
		return nil
	}
	printConflictList(c.m.Stdout, printable(list))
	if f.Limit > 0 && len(list) == f.Limit {
		fmt.Fprintf(c.m.Stdout, "more: --after %d (or --page %d)\n", list[len(list)-1].ID, max(*page, 1)+1)
	}
	return nil
}

// pageFilter sets the page of a listing: --limit conflicts, the --page-th
// of them or those after conflict --after.
func pageFilter(f *central.ConflictFilter, limit, page int, after uint64) error {
	switch {
	case limit < 0:
		return usageErr("--limit must not be negative")
	case page < 0:
		return usageErr("--page %d: pages count from 1", page)
	case page > 0 && after > 0:
		return usageErr("--page and --after both choose the page; give one")
	case page > 0 && limit == 0:
		return usageErr("--page needs a --limit above 0")
	}
	f.Limit, f.Below = limit, after
	if page > 1 {
		f.Offset = (page - 1) * limit
	}
	return nil
}

// selection are the flags that select conflicts, for the list and for
// resolving a filtered set.
type selection struct {
	kind, rule, source, before *string
}

func selectionFlags(fs *flag.FlagSet) selection {
	return selection{
		kind:   fs.String("kind", "", "only conflicts of this kind"),
		rule:   fs.String("rule", "", "only review conflicts raised by this rule"),
		source: fs.String("source", "", "only conflicts of this source"),
		before: fs.String("before", "", "only conflicts raised before DATE (YYYY-MM-DD, local midnight, or RFC 3339)"),
	}
}

// filter checks the selection and turns it into a filter.
func (s selection) filter() (central.ConflictFilter, error) {
	f := central.ConflictFilter{Kind: *s.kind, Rule: *s.rule, Source: *s.source}
	if f.Kind != "" && !conflictKind.MatchString(f.Kind) {
		return f, usageErr("--kind %q: a kind is one of %s", f.Kind, knownKinds())
	}
	if f.Rule != "" && reviewRules[f.Rule] == "" {
		return f, usageErr("--rule %q: a rule is one of %s", f.Rule, knownRules())
	}
	if *s.before != "" {
		t, err := parseBefore(*s.before)
		if err != nil {
			return f, err
		}
		f.Before = t
	}
	return f, nil
}

// given reports whether any selecting flag was set.
func (s selection) given() bool {
	return *s.kind != "" || *s.rule != "" || *s.source != "" || *s.before != ""
}

// parseBefore reads --before: a day (local midnight) or an RFC 3339 time.
func parseBefore(v string) (time.Time, error) {
	if t, err := time.ParseInLocation("2006-01-02", v, time.Local); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t, nil
	}
	return time.Time{}, usageErr("--before %q: want a day (2026-01-31) or an RFC 3339 time (2026-01-31T12:00:00+01:00)", v)
}

func knownKinds() string {
	var kinds []string
	for k := range ruleOf {
		kinds = append(kinds, k)
	}
	slices.Sort(kinds)
	return strings.Join(kinds, ", ")
}

func printConflictList(w io.Writer, list []central.ConflictView) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  ID\tKIND\tRULE\tSTATUS\tACCOUNT\tPERSON\tOTHER\tVALUE\tRAISED\tDETAIL")
	for _, cf := range list {
		status := cf.Status
		if cf.Resolution != "" && cf.Status != "open" {
			status += " (" + cf.Resolution + ")"
		}
		fmt.Fprintf(tw, "  %d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", cf.ID, cf.Kind, dash(cf.Rule), status, cf.Account, dash(cf.AccountNumber),
			dash(cf.Number), dash(quoteValue(cf.Value)), fmtTime(&cf.CreatedAt), text.Abbrev(cf.Detail, 70, "…"))
	}
	tw.Flush()
}

// quoteValue shows a value in quotes, so that white space at its ends
// shows; the value has been through printable already.
func quoteValue(v string) string {
	if v == "" {
		return ""
	}
	return `"` + v + `"`
}

// parseID reads the one positional argument of show and resolve.
func parseID(pos []string) (uint64, error) {
	if len(pos) != 1 {
		return 0, usageErr("need exactly one conflict ID, got %q", pos)
	}
	id, err := strconv.ParseUint(strings.TrimPrefix(pos[0], "#"), 10, 64)
	if err != nil || id == 0 {
		return 0, usageErr("conflict ID %q is not a number", pos[0])
	}
	return id, nil
}

func (c *conflictsCommand) resolve(ctx context.Context, args []string) error {
	fs := c.flags("resolve")
	as := fs.String("as", "", "distinct, merge or ignore")
	into := fs.String("into", "", "merge: the surviving number (one of the conflict's persons)")
	note := fs.String("note", "", "why; kept with the resolution")
	by := fs.String("by", invokingUser(), "who decides")
	asJSON := fs.Bool("json", false, "print what was done as JSON")
	sel := selectionFlags(fs)
	yes := fs.Bool("yes", false, "a filtered set: resolve without asking")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return &exitError{code: ExitUsage}
	}
	if len(pos) == 0 && sel.given() {
		return c.resolveSet(ctx, setResolution{sel: sel, as: *as, into: *into, note: *note, by: *by, yes: *yes, json: *asJSON})
	}
	if sel.given() || *yes {
		return usageErr("--kind, --rule, --source, --before and --yes resolve a filtered set: give them without a conflict ID")
	}
	id, err := parseID(pos)
	if err != nil {
		return err
	}
	if err := checkResolution(*as, *into, *by, *note); err != nil {
		return err
	}
	a, err := c.m.centralApp(ctx)
	if err != nil {
		return err
	}
	defer a.close()
	cf, err := a.store.Conflict(ctx, id)
	if err != nil {
		return adminErr(err)
	}
	r := central.Resolution{ID: id, As: *as, Into: strings.TrimSpace(*into), By: strings.TrimSpace(*by), Note: *note}
	if *as == central.ResolveMerge && cf.Status == "open" && cf.AccountNumber == "" {
		// Linking an account keysync never linked needs its portal row.
		cand, err := portalCandidate(ctx, a, cf.Source, cf.AccountID)
		if err != nil {
			return err
		}
		r.Account = &cand
	}
	res, err := a.store.Resolve(ctx, r)
	if err != nil {
		return adminErr(err)
	}
	a.log.Info("conflict resolved", "id", id, keysync.LogKind, cf.Kind, "resolution", *as, "by", r.By,
		"survivor", res.Survivor, "retired", res.Retired)
	if *asJSON {
		return writeJSON(c.m.Stdout, res)
	}
	w := c.m.Stdout
	fmt.Fprintf(w, "conflict %d (%s) %s as %s by %s\n", id, cf.Kind, res.Conflict.Status, *as, r.By)
	switch {
	case len(res.Distinct) == 2:
		fmt.Fprintf(w, "%s and %s are recorded as different persons\n", res.Distinct[0], res.Distinct[1])
	case res.Retired != "":
		fmt.Fprintf(w, "%s retired and merged into %s; accounts moved: %s\n", res.Retired, res.Survivor, strings.Join(res.Moved, ", "))
		fmt.Fprintf(w, "their portal rows get %s on the next pass\n", res.Survivor)
	case res.Survivor != "":
		fmt.Fprintf(w, "%s linked to %s; its portal row gets %s's values on the next pass\n", strings.Join(res.Moved, ", "), res.Survivor, res.Survivor)
	}
	if len(res.Also) > 0 {
		fmt.Fprintf(w, "also resolved: %s (same persons)\n", joinIDs(res.Also))
	}
	if len(res.SettledDistinct) > 0 {
		fmt.Fprintf(w, "also resolved as distinct: %s (persons declared different before)\n", joinIDs(res.SettledDistinct))
	}
	return nil
}

func joinIDs(ids []uint64) string {
	s := make([]string, len(ids))
	for i, x := range ids {
		s[i] = strconv.FormatUint(x, 10)
	}
	return strings.Join(s, ", ")
}

// adminErr turns the store's admin errors into exit 1 with their message.
func adminErr(err error) error {
	if errors.Is(err, central.ErrNotFound) || errors.Is(err, central.ErrNotOpen) || errors.Is(err, central.ErrCannotResolve) {
		return &exitError{ExitFailed, err}
	}
	return err
}

// portalCandidate reads one account from its portal, normalised as a pass
// would.
func portalCandidate(ctx context.Context, a *app, source string, id uint64) (keysync.Candidate, error) {
	for _, p := range a.portals {
		if p.Source.Name() != source {
			continue
		}
		accts, err := p.Source.Accounts(ctx, []uint64{id}, time.Now())
		if err != nil {
			return keysync.Candidate{}, fmt.Errorf("read %s:%d from the portal: %w", source, id, err)
		}
		if len(accts) == 0 {
			return keysync.Candidate{}, &exitError{ExitFailed, fmt.Errorf("%s:%d no longer exists in the portal", source, id)}
		}
		acct := accts[0]
		acct.Source = source
		return keysync.Candidate{Account: acct, Profile: keysync.NewProfile(acct, p.Country)}, nil
	}
	return keysync.Candidate{}, &exitError{ExitFailed, fmt.Errorf("source %s is not configured (KEYSYNC_SOURCES)", source)}
}

// conflictReport is `keysync conflicts show --json`: the conflict, both
// sides with their evidence, the rule that fired and the score now.
type conflictReport struct {
	Conflict central.ConflictView `json:"conflict"`
	Rule     string               `json:"rule"`
	// Account is the central record of the conflict's account; PortalRow
	// the portal's row when the account is not linked centrally.
	Account     *central.AccountView `json:"account,omitempty"`
	PortalRow   *central.AccountView `json:"portal_row,omitempty"`
	PortalError string               `json:"portal_error,omitempty"`
	// Person is the account's person, Other the other person involved.
	Person *central.PersonView `json:"person,omitempty"`
	Other  *central.PersonView `json:"other,omitempty"`
	Score  *scoreReport        `json:"score,omitempty"`
}

// scoreReport is the fuzzy score between the account and the closest
// account of the other person, with the thresholds it is judged by.
type scoreReport struct {
	Value    float64 `json:"value"`
	Evidence string  `json:"evidence"`
	Against  string  `json:"against"`
	Review   float64 `json:"review_threshold"`
	Same     float64 `json:"same_threshold"`
}

func (c *conflictsCommand) show(ctx context.Context, args []string) error {
	fs := c.flags("show")
	asJSON := fs.Bool("json", false, "print JSON")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return &exitError{code: ExitUsage}
	}
	id, err := parseID(pos)
	if err != nil {
		return err
	}
	a, err := c.m.centralApp(ctx)
	if err != nil {
		return err
	}
	defer a.close()
	cf, err := a.store.Conflict(ctx, id)
	if err != nil {
		return adminErr(err)
	}
	r := conflictReport{Conflict: cf, Rule: ruleOf[cf.Kind]}
	var profile *keysync.Profile
	if acct, err := a.store.Account(ctx, cf.Source, cf.AccountID); err == nil {
		r.Account = &acct
		p := acct.Profile()
		profile = &p
		if person, err := a.store.Person(ctx, acct.Number); err == nil {
			r.Person = &person
		}
	} else if !errors.Is(err, central.ErrNotFound) {
		return err
	} else if cand, err := portalCandidate(ctx, a, cf.Source, cf.AccountID); err != nil {
		r.PortalError = err.Error()
	} else {
		row := central.PortalAccount(cand)
		r.PortalRow = &row
		p := row.Profile()
		profile = &p
	}
	for _, n := range []string{cf.Number, cf.Value} {
		if n == "" || (r.Person != nil && n == r.Person.Number) {
			continue
		}
		if other, err := a.store.Person(ctx, n); err == nil {
			r.Other = &other
			break
		}
	}
	if profile != nil && r.Other != nil {
		for _, oa := range r.Other.Accounts {
			v, why := keysync.Score(*profile, oa.Profile())
			if r.Score == nil || v > r.Score.Value {
				r.Score = &scoreReport{Value: v, Evidence: why, Against: oa.Account, Review: a.store.Thresholds.Review, Same: a.store.Thresholds.Same}
			}
		}
	}
	if *asJSON {
		return writeJSON(c.m.Stdout, r)
	}
	printConflict(c.m.Stdout, printable(r))
	return nil
}

func printConflict(w io.Writer, r conflictReport) {
	cf := r.Conflict
	fmt.Fprintf(w, "Conflict %d  %s  %s  (raised %s)\n", cf.ID, cf.Kind, cf.Status, fmtTime(&cf.CreatedAt))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "  Rule:\t%s\n", dash(r.Rule))
	if what := reviewRules[cf.Rule]; what != "" {
		fmt.Fprintf(tw, "  Raised by:\t%s: %s\n", cf.Rule, what)
	}
	fmt.Fprintf(tw, "  Found:\t%s\n", dash(cf.Detail))
	if cf.Value != "" {
		fmt.Fprintf(tw, "  Value:\t%s\n", quoteValue(cf.Value))
	}
	if s := r.Score; s != nil {
		fmt.Fprintf(tw, "  Score now:\t%.3f against %s (review from %.2f, same person from %.2f with equal birth dates): %s\n",
			s.Value, s.Against, s.Review, s.Same, s.Evidence)
	}
	if cf.Status != "open" {
		fmt.Fprintf(tw, "  Resolved:\t%s as %s by %s on %s\n", cf.Status, dash(cf.Resolution), dash(cf.ResolvedBy), fmtTime(cf.ResolvedAt))
		if cf.Note != "" {
			fmt.Fprintf(tw, "  Note:\t%s\n", cf.Note)
		}
	}
	tw.Flush()

	fmt.Fprintf(w, "\nThis side: account %s\n", cf.Account)
	switch {
	case r.Account != nil:
		printAccounts(w, []central.AccountView{*r.Account})
	case r.PortalRow != nil:
		p := r.PortalRow
		fmt.Fprintln(w, "  not linked to a person; the portal row now:")
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "  ACCOUNT\tSTATUS\tUSERNAME\tNAME\tE-MAIL\tBIRTH DATE\tADDRESS\tNUMBER\tHH\tPE")
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", p.Account, p.Status, dash(p.Username),
			dash(strings.TrimSpace(p.FirstName+" "+p.LastName)), dash(p.Email), dash(p.BirthDate),
			dash(address(*p)),
			dash(p.Number), dash(p.HH), dash(p.PE))
		tw.Flush()
	default:
		fmt.Fprintf(w, "  not linked to a person; portal row unavailable: %s\n", dash(r.PortalError))
	}
	if r.Person != nil {
		fmt.Fprintf(w, "  person %s  HH %s  PE %s  %s\n", r.Person.Number, dash(r.Person.HH), dash(r.Person.PE), personBirth(*r.Person))
		if others := otherAccounts(r.Person.Accounts, cf.Account); len(others) > 0 {
			fmt.Fprintln(w, "  the person's other accounts:")
			printAccounts(w, others)
		}
	}
	if r.Other != nil {
		o := r.Other
		status := o.Status
		if o.MergedInto != "" {
			status += ", merged into " + o.MergedInto
		}
		fmt.Fprintf(w, "\nOther side: person %s  %s  HH %s  PE %s  %s\n", o.Number, status, dash(o.HH), dash(o.PE), personBirth(*o))
		printAccounts(w, o.Accounts)
	}
	if cf.Status == "open" {
		fmt.Fprintf(w, "\nResolve: keysync conflicts resolve %d --as distinct|merge|ignore [--into NUMBER] [--note TEXT]\n", cf.ID)
	}
}

func personBirth(p central.PersonView) string {
	if p.BirthDate == "" {
		return "born -"
	}
	return "born " + p.BirthDate
}

func otherAccounts(list []central.AccountView, except string) []central.AccountView {
	var out []central.AccountView
	for _, a := range list {
		if a.Account != except {
			out = append(out, a)
		}
	}
	return out
}
