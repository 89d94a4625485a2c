package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"keysync/internal/text"
	keysync "keysync/sync"
	"keysync/sync/central"
)

// forgetCommand erases a person (GDPR Art. 17): every value keysync holds
// on it goes, the number stays retired for ever.
func init() {
	register("forget", "NUMBER [--by NAME] [--note TEXT] [--dry-run] [--json]",
		"erase a person whose accounts are all deleted; the number stays retired for ever", func(m *Main) command { return &forgetCommand{m: m} })
}

type forgetCommand struct {
	m *Main
}

const forgetUsage = `Usage: keysync forget NUMBER [--by NAME] [--note TEXT] [--dry-run] [--json]

Removes every value keysync holds on the person (names, e-mail addresses, addresses,
birth dates, phone numbers, memberships, matching keys, the values in its history,
field history and conflicts) and keeps the number, retired for ever, the Wibisoft ids,
each account's source, id and status, and one history event "forgotten" with when and
by whom. Numbers merged into the person are forgotten with it. Refused while one of the
person's accounts is still active or inactive in its portal: delete it there first.
Exit 0 forgotten (or, with --dry-run, would be), 1 refused, not found or failed, 2 usage.`

func (c *forgetCommand) Run(ctx context.Context, args []string) error {
	fs := c.m.flagSet("forget", forgetUsage)
	by := fs.String("by", invokingUser(), "who decides")
	note := fs.String("note", "", "why (kept in the history: no personal data)")
	dry := fs.Bool("dry-run", false, "say what would be removed, change nothing")
	asJSON := fs.Bool("json", false, "print what was done as JSON")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return &exitError{code: ExitUsage}
	}
	if len(pos) != 1 || strings.TrimSpace(pos[0]) == "" {
		return usageErr("forget needs exactly one number, got %q", pos)
	}
	if err := checkAdminText(*by, *note); err != nil {
		return err
	}
	a, err := c.m.centralApp(ctx)
	if err != nil {
		return err
	}
	defer a.close()
	res, err := a.store.Forget(ctx, central.Forgetting{Number: strings.TrimSpace(pos[0]), By: strings.TrimSpace(*by), Note: *note, DryRun: *dry})
	if err != nil {
		return forgetErr(err)
	}
	if !*dry {
		a.log.Info("person forgotten", keysync.LogNumber, res.Number, "by", res.By)
	}
	if *asJSON {
		return writeJSON(c.m.Stdout, res)
	}
	printForgotten(c.m, printable(res))
	return nil
}

// checkAdminText refuses a --by or --note that names nobody or holds a
// control character: both end up in the history and in every later show,
// where a control character could forge a line or drive a terminal.
func checkAdminText(by, note string) error {
	if strings.TrimSpace(by) == "" {
		return usageErr("--by must name who decides")
	}
	for _, f := range []struct{ name, value string }{{"--by", by}, {"--note", note}} {
		if text.HasControl(f.value) {
			return usageErr("%s %q holds a control or bidi character; give plain text on one line", f.name, f.value)
		}
	}
	return nil
}

// forgetErr turns a refusal or an unknown number into exit 1.
func forgetErr(err error) error {
	if errors.Is(err, central.ErrCannotForget) {
		return &exitError{ExitFailed, err}
	}
	return adminErr(err)
}

func printForgotten(m *Main, res central.Forgotten) {
	w := m.Stdout
	verb := "forgotten"
	if res.DryRun {
		verb = "would be forgotten (dry run, nothing changed)"
	}
	fmt.Fprintf(w, "%s %s by %s\n", res.Number, verb, res.By)
	if len(res.Merged) > 0 {
		fmt.Fprintf(w, "numbers merged into it, forgotten with it: %s\n", strings.Join(res.Merged, ", "))
	}
	kept := make([]string, len(res.Accounts))
	for i, ac := range res.Accounts {
		kept[i] = ac.Account + " (" + string(ac.Status) + ")"
	}
	fmt.Fprintf(w, "accounts kept without their values: %s\n", dash(strings.Join(kept, ", ")))
	fmt.Fprintf(w, "history events removed: %d, field changes removed: %d, conflicts cleared: %d\n", res.Events, res.FieldChanges, res.Conflicts)
	fmt.Fprintln(w, "the number and the Wibisoft ids stay taken for ever")
}
