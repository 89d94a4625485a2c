package main

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"keysync/internal/linkage"
	"keysync/internal/testdb"
	keysync "keysync/sync"
)

// Goals for a population of distinct persons, as the README states them.
const (
	populationMergesGoal  = 0
	populationFlaggedGoal = 0.02
)

// populationResult is keysync's first pass over a portal of distinct
// persons (linkage.Population): nobody registered twice, so every link is
// a false merge and every registration sent to review a false alarm.
type populationResult struct {
	Persons int     `json:"persons"`
	Seed    int64   `json:"seed"`
	Seconds float64 `json:"seconds"`
	// Merges counts registrations put on the number of another person.
	Merges int `json:"merges"`
	// Flagged counts registrations with a review conflict (shared_email,
	// suspected_duplicate); Conflicts the conflicts themselves.
	Flagged   int          `json:"flagged"`
	Conflicts int          `json:"conflicts"`
	ByRule    []ruleFigure `json:"by_rule"`
}

// ruleFigure is what one rule sent to review.
type ruleFigure struct {
	Kind          string `json:"kind"`
	Rule          string `json:"rule"`
	Conflicts     int    `json:"conflicts"`
	Registrations int    `json:"registrations"`
}

// population runs the engine over a femanager portal holding the
// population, with birth dates in date_of_birth, until a pass finds
// nothing to do, and reads what the central store decided.
func (s *server) population(ctx context.Context, n int, seed int64, batch int) (populationResult, error) {
	r := populationResult{Persons: n, Seed: seed}
	store, num, err := s.newCentral(ctx, "population_central")
	if err != nil {
		return r, err
	}
	s.progress("population: %d distinct persons (seed %d) into a femanager portal", n, seed)
	fill := func(db *sql.DB) error {
		_, err := testdb.InsertFeUsersDB(ctx, db, populationUsers(linkage.Population(seed, n)))
		return err
	}
	src, _, err := s.newPortalOf(ctx, "population", testdb.Typo3Femanager, num, fill, nil)
	if err != nil {
		return r, err
	}
	eng := engine(store, batch)
	portal := keysync.Portal{Source: src, Country: "AT"}
	start := time.Now()
	if _, _, err := drain(ctx, eng, portal); err != nil {
		return r, err
	}
	r.Seconds = since(start)
	return r, s.readPopulation(ctx, dbPrefix+"population_central", &r)
}

// populationUsers turns the registrations into fe_users rows.
func populationUsers(regs []linkage.Registration) []testdb.FeUser {
	users := make([]testdb.FeUser, len(regs))
	for i, g := range regs {
		u := &users[i]
		u.UID, u.Pid = g.AccountID, 5
		u.Username, u.Email, u.FirstName, u.LastName = g.Email, g.Email, g.FirstName, g.LastName
		u.Address, u.Zip, u.City, u.Country = g.Street, g.Zip, g.City, g.Country
		u.Crdate, u.Tstamp = g.Registered.Unix(), g.Registered.Unix()
		if g.BirthDate != "" {
			born, _ := time.ParseInLocation("2006-01-02", g.BirthDate, vienna)
			u.DateOfBirth = born.Unix()
		}
	}
	return users
}

// readPopulation counts the merges and the reviews the pass left.
func (s *server) readPopulation(ctx context.Context, db string, r *populationResult) error {
	q := func(query string, dest ...any) error {
		return s.Admin.QueryRowContext(ctx, fmt.Sprintf(query, "`"+db+"`")).Scan(dest...)
	}
	var accounts, persons int
	if err := q(`SELECT COUNT(*), COUNT(DISTINCT number) FROM %s.accounts`, &accounts, &persons); err != nil {
		return fmt.Errorf("read population: %w", err)
	}
	r.Merges = accounts - persons
	if accounts != r.Persons {
		return fmt.Errorf("read population: %d accounts, want %d", accounts, r.Persons)
	}
	const review = `kind IN ('shared_email', 'suspected_duplicate')`
	if err := q(`SELECT COUNT(*), COUNT(DISTINCT account_id) FROM %s.conflicts WHERE `+review, &r.Conflicts, &r.Flagged); err != nil {
		return fmt.Errorf("read population: %w", err)
	}
	rows, err := s.Admin.QueryContext(ctx, "SELECT kind, rule, COUNT(*), COUNT(DISTINCT account_id) FROM `"+db+"`.conflicts WHERE "+review+
		" GROUP BY kind, rule ORDER BY 4 DESC")
	if err != nil {
		return fmt.Errorf("read population: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var f ruleFigure
		if err := rows.Scan(&f.Kind, &f.Rule, &f.Conflicts, &f.Registrations); err != nil {
			return err
		}
		r.ByRule = append(r.ByRule, f)
	}
	return rows.Err()
}

// populationGrade is the population part of the report.
type populationGrade struct {
	populationResult
	FlaggedShare float64 `json:"flagged_share"`
	Pass         bool    `json:"pass"`
}

func (p *populationGrade) grade() {
	p.FlaggedShare = float64(p.Flagged) / float64(p.Persons)
	p.Pass = p.Merges <= populationMergesGoal && p.FlaggedShare <= populationFlaggedGoal
}

func (p *populationGrade) writeText(w io.Writer) error {
	fmt.Fprintf(w, "\n(g) distinct persons: %d (seed %d, long-tailed Austrian names, half with a birth date, 7 in 10 with an address), one pass in %.1fs\n",
		p.Persons, p.Seed, p.Seconds)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "  automatic merges\t%d\tgoal %d\n", p.Merges, populationMergesGoal)
	fmt.Fprintf(tw, "  registrations flagged for review\t%d = %.2f %%\tgoal <= %.0f %%: %s\n", p.Flagged, 100*p.FlaggedShare, 100*populationFlaggedGoal, verdict(p.Pass))
	fmt.Fprintf(tw, "  review conflicts\t%d\t\n", p.Conflicts)
	for _, f := range p.ByRule {
		fmt.Fprintf(tw, "    %s %s\t%d registrations\t%d conflicts\n", f.Kind, f.Rule, f.Registrations, f.Conflicts)
	}
	return tw.Flush()
}
