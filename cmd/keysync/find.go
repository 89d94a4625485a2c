package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"keysync/sync/central"
)

// findCommand searches persons the way master-data offices do: exact
// values, name patterns, sound-alike names and registration periods.
func init() {
	register("find", "[--name P] [--sounds-like NAME] [--email E] [--phone P] [--birth-date D|FROM..TO] [--born-in M] [--since 12m] ... [--json]", "search persons", func(m *Main) command { return &findCommand{m: m} })
}

type findCommand struct {
	m *Main
}

func (c *findCommand) Run(ctx context.Context, args []string) error {
	q, asJSON, err := c.parse(args)
	if err != nil {
		return err
	}
	persons, err := c.search(ctx, q)
	if err != nil {
		return err
	}
	if asJSON {
		if persons == nil {
			persons = []central.PersonView{}
		}
		return writeJSON(c.m.Stdout, persons)
	}
	printPersons(c.m.Stdout, printable(persons))
	return nil
}

// parse reads the filters into a query, and whether to print JSON.
func (c *findCommand) parse(args []string) (central.Query, bool, error) {
	fs := c.m.flagSet("find", "Usage: keysync find [filters] [--limit N] [--json]\n\nPersons with every account, deleted ones included with their deletion date. Filters\ncombine with AND; a person matches when one of its accounts matches them all. The\nregistration date is the person's first on any portal. Exit 0 ok (also when nothing\nmatches), 1 failed, 2 usage.")
	var q central.Query
	fs.StringVar(&q.Number, "number", "", "exact customer number (also finds retired numbers)")
	fs.StringVar(&q.Email, "email", "", "exact e-mail address, compared normalised")
	fs.StringVar(&q.Postcode, "postcode", "", "exact postcode (\"A-1010\" finds 1010)")
	fs.StringVar(&q.Country, "country", "", "country, any spelling (AT, Österreich, A); rows without one have their portal's")
	fs.StringVar(&q.Name, "name", "", "first or last name: a prefix, or a pattern with * and ?")
	fs.StringVar(&q.SoundsLike, "sounds-like", "", "first or last name sounding alike (Kölner Phonetik): Meier finds Maier, Mayer")
	fs.StringVar(&q.Source, "source", "", "only accounts of this portal")
	fs.StringVar(&q.Status, "status", "", "only accounts in this state: active, inactive, deleted or gone")
	fs.StringVar(&q.Phone, "phone", "", "phone or mobile number, compared by its digits (+43 664 1234567 finds 0664/1234567)")
	birth := fs.String("birth-date", "", "born on DATE (YYYY-MM-DD), or in a range FROM..TO (1980-01-01..1989-12-31; either end may be left open)")
	fs.IntVar(&q.BirthMonth, "born-in", 0, "born in this month of any year, 1-12 (5: members born in May)")
	fs.IntVar(&q.BirthMonth, "birth-month", 0, "the same as --born-in")
	since := fs.String("since", "", "first registered within this period: 12m (months), 30d (days), 2w, 1y")
	regSince := fs.String("registered-since", "", "first registered on or after DATE (YYYY-MM-DD)")
	regBefore := fs.String("registered-before", "", "first registered before DATE (YYYY-MM-DD)")
	fs.IntVar(&q.Limit, "limit", 100, "at most N persons")
	asJSON := fs.Bool("json", false, "print a JSON array of persons")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return q, false, &exitError{code: ExitUsage}
	}
	if len(pos) > 0 {
		return q, false, usageErr("find takes only flags, got %q; e.g. --name %s", pos, pos[0])
	}
	if q.Limit <= 0 {
		return q, false, usageErr("--limit must be positive")
	}
	if err := birthRange(&q, *birth); err != nil {
		return q, false, err
	}
	return q, *asJSON, registrationPeriod(&q, *since, *regSince, *regBefore, time.Now())
}

// birthRange sets the query's bounds on the birth date from --birth-date:
// one day, or FROM..TO with either end open. The store checks the dates.
func birthRange(q *central.Query, s string) error {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil
	}
	from, to, isRange := strings.Cut(s, "..")
	if !isRange {
		to = from
	}
	q.BirthFrom, q.BirthTo = strings.TrimSpace(from), strings.TrimSpace(to)
	if q.BirthFrom == "" && q.BirthTo == "" {
		return usageErr("--birth-date %q: want a date YYYY-MM-DD or a range FROM..TO", s)
	}
	return nil
}

// registrationPeriod sets the query's bounds on the first registration
// from --since, --registered-since and --registered-before.
func registrationPeriod(q *central.Query, since, regSince, regBefore string, now time.Time) error {
	var err error
	if since != "" {
		if regSince != "" {
			return usageErr("--since and --registered-since both set a start; give one")
		}
		if q.RegisteredSince, err = sinceStart(since, now); err != nil {
			return err
		}
	}
	if regSince != "" {
		if q.RegisteredSince, err = parseDate("--registered-since", regSince); err != nil {
			return err
		}
	}
	if regBefore != "" {
		if q.RegisteredBefore, err = parseDate("--registered-before", regBefore); err != nil {
			return err
		}
	}
	return nil
}

// search runs the query on the central store, each portal's default
// country standing in for rows without one, and says so when more
// persons match than the limit.
func (c *findCommand) search(ctx context.Context, q central.Query) ([]central.PersonView, error) {
	a, err := c.m.centralApp(ctx)
	if err != nil {
		return nil, err
	}
	defer a.close()
	q.SourceCountries = map[string]string{}
	for _, p := range a.portals {
		q.SourceCountries[p.Source.Name()] = p.Country
	}
	persons, more, err := a.store.Find(ctx, q)
	if errors.Is(err, central.ErrBadQuery) {
		return nil, &exitError{ExitUsage, err}
	}
	if err != nil {
		return nil, err
	}
	if more {
		fmt.Fprintf(c.m.Stderr, "more than %d persons match: showing the first %d; narrow the search or raise --limit\n", q.Limit, q.Limit)
	}
	return persons, nil
}

// printPersons lists the persons, one line per account.
func printPersons(w io.Writer, persons []central.PersonView) {
	if len(persons) == 0 {
		fmt.Fprintln(w, "no persons found")
		return
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "NUMBER\tHH\tPE\tREGISTERED\tBORN\tACCOUNT\tSTATUS\tNAME\tE-MAIL\tPLACE\tDELETED")
	for _, p := range persons {
		head := fmt.Sprintf("%s\t%s\t%s\t%s\t%s", p.Number, dash(p.HH), dash(p.PE), fmtDate(p.Registered), dash(p.BirthDate))
		if p.Status != "active" {
			head = fmt.Sprintf("%s (%s into %s)\t%s\t%s\t%s\t%s", p.Number, p.Status, dash(p.MergedInto), dash(p.HH), dash(p.PE), fmtDate(p.Registered), dash(p.BirthDate))
		}
		if len(p.Accounts) == 0 {
			fmt.Fprintf(tw, "%s\t-\t-\t%s\t%s\t-\t-\n", head, dash(strings.TrimSpace(p.FirstName+" "+p.LastName)), dash(p.Email))
		}
		for i, ac := range p.Accounts {
			if i > 0 {
				head = "\t\t\t\t"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", head, ac.Account, ac.Status,
				dash(strings.TrimSpace(ac.FirstName+" "+ac.LastName)), dash(ac.Email),
				dash(strings.TrimSpace(ac.Zip+" "+ac.City)), fmtDate(deletedAt(ac)))
		}
	}
	tw.Flush()
	if len(persons) == 1 {
		fmt.Fprintln(w, "1 person")
	} else {
		fmt.Fprintf(w, "%d persons\n", len(persons))
	}
}

var periodRE = regexp.MustCompile(`^([0-9]+)\s*([dwmy])$`)

// sinceStart turns "12m", "30d", "2w" or "1y" into the start of that period
// before now.
func sinceStart(s string, now time.Time) (time.Time, error) {
	m := periodRE.FindStringSubmatch(strings.ToLower(strings.TrimSpace(s)))
	if m == nil {
		return time.Time{}, usageErr("--since %q: want a number and a unit, e.g. 12m (months), 30d (days), 2w (weeks), 1y (years)", s)
	}
	n, err := strconv.Atoi(m[1])
	if err != nil || n > 10000 {
		return time.Time{}, usageErr("--since %q: out of range", s)
	}
	switch m[2] {
	case "d":
		return now.AddDate(0, 0, -n), nil
	case "w":
		return now.AddDate(0, 0, -7*n), nil
	case "m":
		return now.AddDate(0, -n, 0), nil
	default:
		return now.AddDate(-n, 0, 0), nil
	}
}

// parseDate reads YYYY-MM-DD as the start of that day in local time, or a
// full RFC 3339 time.
func parseDate(flagName, s string) (time.Time, error) {
	if t, err := time.ParseInLocation("2006-01-02", strings.TrimSpace(s), time.Local); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.RFC3339, strings.TrimSpace(s)); err == nil {
		return t, nil
	}
	return time.Time{}, usageErr("%s %q: want a date YYYY-MM-DD", flagName, s)
}
