package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/user"
	"regexp"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	keysync "keysync/sync"
	"keysync/sync/central"
	"keysync/sync/match"
)

// showCommand prints everything keysync knows of one person: for the office
// answering "which number does she have, and since when?".
func init() {
	register("show", "NUMBER|EMAIL|SOURCE:ID [--json]", "a person: ids, the record with its sources, every account, history newest first", func(m *Main) command { return &showCommand{m: m} })
}

type showCommand struct {
	m *Main
}

// personReport is one person as `keysync show --json` prints it.
type personReport struct {
	central.PersonView
	OpenConflicts []central.ConflictView `json:"open_conflicts"`
	// Conflicts are all conflicts about the person, open and closed,
	// newest first: with the open ones and the rest, the record is the
	// whole of what keysync holds on the person (GDPR Art. 15).
	Conflicts []central.ConflictView `json:"conflicts"`
	History   []central.HistoryEntry `json:"history"`
	// FieldHistory is every change of the person's master data, newest
	// first; the current values are the PersonView's record.
	FieldHistory []central.FieldChange `json:"field_history"`
}

// accountRef is "source:id" as typed on the command line.
var accountRef = regexp.MustCompile(`^([A-Za-z_][A-Za-z0-9_]*):([0-9]+)$`)

func (c *showCommand) Run(ctx context.Context, args []string) error {
	fs := c.m.flagSet("show", "Usage: keysync show NUMBER|EMAIL|SOURCE:ID [--json]\n\nThe person's number, Wibisoft ids, the record of the master data with the account\neach value came from, every account on every portal (deleted ones with their deletion\ndate), the history and every change of the master data, newest first. An e-mail address shared by\nseveral persons shows each. Exit 0 found, 1 nothing found or failed, 2 usage.")
	asJSON := fs.Bool("json", false, "print a JSON array of persons")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return &exitError{code: ExitUsage}
	}
	if len(pos) != 1 || strings.TrimSpace(pos[0]) == "" {
		fs.Usage()
		return &exitError{code: ExitUsage}
	}
	arg := strings.TrimSpace(pos[0])
	a, err := c.m.centralApp(ctx)
	if err != nil {
		return err
	}
	defer a.close()

	var persons []central.PersonView
	switch ref := accountRef.FindStringSubmatch(arg); {
	case strings.Contains(arg, "@"):
		email := match.Email(arg)
		if email == "" {
			return usageErr("%q is not an e-mail address", arg)
		}
		persons, err = a.store.PersonsByEmail(ctx, email)
		if err == nil && len(persons) == 0 {
			err = fmt.Errorf("no person with the e-mail address %s", arg)
		}
	case ref != nil:
		id, _ := strconv.ParseUint(ref[2], 10, 64)
		var acct central.AccountView
		acct, err = a.store.Account(ctx, ref[1], id)
		if errors.Is(err, central.ErrNotFound) {
			return c.unlinked(ctx, a.store, ref[1], id, *asJSON)
		}
		if err == nil {
			persons, err = a.store.Persons(ctx, []string{acct.Number})
		}
	default:
		var p central.PersonView
		p, err = a.store.Person(ctx, arg)
		if errors.Is(err, central.ErrNotFound) {
			err = fmt.Errorf("no person with the number %s", arg)
		}
		persons = []central.PersonView{p}
	}
	if err != nil {
		return err
	}
	reports := make([]personReport, 0, len(persons))
	for _, p := range persons {
		r := personReport{PersonView: p}
		if r.History, err = a.store.History(ctx, p); err != nil {
			return err
		}
		if r.FieldHistory, err = a.store.FieldHistory(ctx, p); err != nil {
			return err
		}
		if r.Conflicts, err = a.store.Conflicts(ctx, central.ConflictFilter{Number: p.Number}); err != nil {
			return err
		}
		r.OpenConflicts = openOnly(r.Conflicts)
		reports = append(reports, r)
	}
	if *asJSON {
		return writeJSON(c.m.Stdout, reports)
	}
	for i, r := range reports {
		if i > 0 {
			fmt.Fprintln(c.m.Stdout)
		}
		printPerson(c.m.Stdout, printable(r))
	}
	return nil
}

// unlinked reports an account that is not linked to any person: nothing
// found, but its open conflicts say why.
func (c *showCommand) unlinked(ctx context.Context, store *central.Store, source string, id uint64, asJSON bool) error {
	mine, err := store.Conflicts(ctx, central.ConflictFilter{Open: true, Source: source, AccountID: id})
	if err != nil {
		return err
	}
	if asJSON {
		if err := writeJSON(c.m.Stdout, []personReport{}); err != nil {
			return err
		}
	}
	msg := fmt.Sprintf("%s:%d is not linked to a person", source, id)
	if len(mine) > 0 && !asJSON {
		fmt.Fprintf(c.m.Stdout, "%s; open conflicts:\n", msg)
		printConflictList(c.m.Stdout, printable(mine))
	}
	return &exitError{ExitFailed, errors.New(msg)}
}

func printPerson(w io.Writer, r personReport) {
	status := r.Status
	if r.MergedInto != "" {
		status += ", merged into " + r.MergedInto
	}
	fmt.Fprintf(w, "Person %s  %s  (%s %s)\n", r.Number, status, r.Origin, fmtTime(&r.CreatedAt))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "  Wibisoft:\tHH %s\tPE %s\n", dash(r.HH), dash(r.PE))
	fmt.Fprintf(tw, "  Name:\t%s\t%s\n", dash(strings.TrimSpace(r.FirstName+" "+r.LastName)), dash(r.Email))
	if r.BirthDate != "" {
		fmt.Fprintf(tw, "  Birth date:\t%s\n", r.BirthDate)
	}
	fmt.Fprintf(tw, "  Registered:\t%s\n", fmtDate(r.Registered))
	if len(r.Merged) > 0 {
		fmt.Fprintf(tw, "  Merged:\t%s (retired)\n", strings.Join(r.Merged, ", "))
	}
	tw.Flush()
	switch {
	case len(r.Accounts) > 0:
		fmt.Fprintf(w, "Accounts (%d):\n", len(r.Accounts))
		printAccounts(w, r.Accounts)
	case r.MergedInto != "":
		fmt.Fprintf(w, "Accounts: none, they moved to %s\n", r.MergedInto)
	default:
		fmt.Fprintln(w, "Accounts: none")
	}
	printRecord(w, r)
	if len(r.OpenConflicts) > 0 {
		fmt.Fprintf(w, "Open conflicts (%d):\n", len(r.OpenConflicts))
		printConflictList(w, r.OpenConflicts)
	}
	fmt.Fprintf(w, "History (newest first):\n")
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, h := range r.History {
		change := ""
		if h.Old != "" || h.New != "" {
			change = dash(h.Old) + " -> " + dash(h.New)
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\t%s\n", fmtTime(&h.At), h.Kind, dash(h.Account), change, dash(h.Actor), h.Detail)
	}
	tw.Flush()
}

// printRecord prints the person's master data with the account each
// value came from, and every change of it.
func printRecord(w io.Writer, r personReport) {
	fmt.Fprintln(w, "Record:")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, v := range r.Record {
		from := v.Account
		if from == "" {
			from = "(recorded before keysync kept the master data)"
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", v.Field, dash(v.Value), from, fmtTime(&v.Changed))
	}
	tw.Flush()
	if len(r.FieldHistory) == 0 {
		return
	}
	fmt.Fprintln(w, "Field history (newest first):")
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, c := range r.FieldHistory {
		fmt.Fprintf(tw, "  %s\t%s\t%s -> %s\t%s\t%s\n", fmtTime(&c.Changed), c.Field, dash(c.Old), dash(c.New), dash(c.Account), c.Actor)
	}
	tw.Flush()
}

// printAccounts prints one line per account, deleted ones with the date.
func printAccounts(w io.Writer, accounts []central.AccountView) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  ACCOUNT\tSTATUS\tUSERNAME\tNAME\tE-MAIL\tBORN\tADDRESS\tGROUPS\tREGISTERED\tWRITTEN\tDELETED")
	for _, ac := range accounts {
		status := ac.Status
		if ac.PendingWrite {
			status += " (rewrite due)"
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", ac.Account, status, dash(ac.Username),
			dash(strings.TrimSpace(ac.FirstName+" "+ac.LastName)), dash(ac.Email), dash(ac.BirthDate), dash(address(ac)),
			dash(strings.Join(ac.Groups, "; ")), fmtDate(ac.RegisteredAt), fmtDate(ac.WrittenAt), fmtDate(deletedAt(ac)))
	}
	tw.Flush()
}

// deletedAt is the deletion date of a deleted or vanished account.
func deletedAt(a central.AccountView) *time.Time {
	if a.DeletedAt != nil {
		return a.DeletedAt
	}
	if a.Status == keysync.StatusDeleted || a.Status == keysync.StatusGone {
		return a.StatusChangedAt
	}
	return nil
}

func address(a central.AccountView) string {
	place := strings.TrimSpace(a.Zip + " " + a.City)
	parts := []string{}
	for _, p := range []string{a.Street, place, a.Country} {
		if p != "" {
			parts = append(parts, p)
		}
	}
	return strings.Join(parts, ", ")
}

// parseInterspersed parses flags wherever they stand among the positional
// arguments ("show 123 --json" as well as "show --json 123").
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

// invokingUser names the admin in resolutions: the user behind sudo, else
// the OS user.
func invokingUser() string {
	if u := os.Getenv("SUDO_USER"); u != "" {
		return u
	}
	if u, err := user.Current(); err == nil && u.Username != "" {
		return u.Username
	}
	return "unknown"
}

func fmtTime(t *time.Time) string {
	if t == nil || t.IsZero() {
		return "-"
	}
	return t.UTC().Format("2006-01-02 15:04:05 UTC")
}

func fmtDate(t *time.Time) string {
	if t == nil || t.IsZero() {
		return "-"
	}
	return t.UTC().Format("2006-01-02")
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// openOnly returns the open conflicts among cs, in their order.
func openOnly(cs []central.ConflictView) []central.ConflictView {
	out := []central.ConflictView{}
	for _, c := range cs {
		if c.Status == "open" {
			out = append(out, c)
		}
	}
	return out
}
