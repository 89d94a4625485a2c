package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"keysync/internal/sqlutil"
	"keysync/internal/text"
	"keysync/sync/central"
)

// doctorCommand checks everything keysync depends on outside its own code
// (reachability, privileges, the portals' columns and indexes, collations,
// sql_mode, clocks, TLS) and says for each problem what fixes it.
func init() {
	register("doctor", "[--json] [--strict]", "check the databases, schemas, columns, privileges and checksums keysync relies on", func(m *Main) command { return &doctorCommand{m: m, now: time.Now} })
}

type doctorCommand struct {
	m *Main
	// now is keysync's clock, against which the databases' clocks are
	// measured.
	now func() time.Time
}

// diagnosable is a source that can check its own schema for doctor.
type diagnosable interface {
	DB() *sql.DB
	UserTable() string
	Diagnose(ctx context.Context) ([]sqlutil.Finding, error)
}

// finding is one line of the doctor's report.
type finding struct {
	// Target is "central", a source name, or "databases" for comparisons
	// across them.
	Target string `json:"target"`
	sqlutil.Finding
}

// doctorReport is what `keysync doctor --json` prints.
type doctorReport struct {
	Findings []finding `json:"findings"`
	Fail     int       `json:"fail"`
	Warn     int       `json:"warn"`
}

// doctorTimeout bounds the checks of one database, so that one that hangs
// does not keep the others from being reported.
const doctorTimeout = 30 * time.Second

func (c *doctorCommand) Run(ctx context.Context, args []string) error {
	fs := c.m.flagSet("doctor", "Usage: keysync doctor [--json] [--strict]\n\nChecks connectivity, privileges, the portals' columns and indexes, collations, sql_mode,\nclock skew and TLS of every database, each problem with the statement or command that fixes it.\nExit 0 when nothing needs action, 1 otherwise.")
	asJSON := fs.Bool("json", false, "print JSON")
	strict := fs.Bool("strict", false, "exit 1 on warnings too")
	if err := parseNoArgs(fs, args); err != nil {
		return err
	}
	a, err := c.m.newApp()
	if err != nil {
		return err
	}
	defer a.close()
	dbs, err := a.databases()
	if err != nil {
		return &exitError{ExitUsage, err}
	}
	rep := c.diagnose(ctx, dbs)
	if *asJSON {
		if err := writeJSON(c.m.Stdout, rep); err != nil {
			return err
		}
	} else {
		printDoctor(c.m.Stdout, rep, dbs)
	}
	switch {
	case rep.Fail > 0:
		return &exitError{code: ExitFailed, err: fmt.Errorf("%d problems need action", rep.Fail)}
	case *strict && rep.Warn > 0:
		return &exitError{code: ExitFailed, err: fmt.Errorf("%d warnings (--strict)", rep.Warn)}
	}
	return nil
}

// diagnose runs every check; dbs[0] is the central database.
func (c *doctorCommand) diagnose(ctx context.Context, dbs []database) *doctorReport {
	rep := &doctorReport{Findings: []finding{}}
	add := func(target string, fs ...sqlutil.Finding) {
		for _, f := range fs {
			rep.Findings = append(rep.Findings, finding{Target: target, Finding: f})
			switch f.Status {
			case sqlutil.StatusFail:
				rep.Fail++
			case sqlutil.StatusWarn:
				rep.Warn++
			}
		}
	}
	centralCollation := ""
	var skews []time.Duration
	for _, d := range dbs {
		dctx, cancel := context.WithTimeout(ctx, doctorTimeout)
		fs, srv, ok := c.diagnoseOne(dctx, d, &centralCollation)
		cancel()
		add(d.name, fs...)
		if ok {
			skews = append(skews, srv.Skew)
		}
	}
	if len(skews) > 1 {
		lo, hi := skews[0], skews[0]
		for _, s := range skews {
			lo, hi = min(lo, s), max(hi, s)
		}
		f := sqlutil.Finding{Check: sqlutil.CheckClock, Status: sqlutil.StatusOK,
			Detail: fmt.Sprintf("the databases' clocks differ by at most %s", (hi - lo).Round(time.Millisecond))}
		if hi-lo > sqlutil.MaxSkew {
			f.Status = sqlutil.StatusWarn
			f.Fix = "synchronise the database hosts' clocks with NTP (timedatectl set-ntp true)"
		}
		add("databases", f)
	}
	return rep
}

// diagnoseOne checks one database. ok is false when it could not be
// reached; central's table collation is stored for the portals after it.
func (c *doctorCommand) diagnoseOne(ctx context.Context, d database, centralCollation *string) (out []sqlutil.Finding, srv sqlutil.Server, ok bool) {
	if d.db == nil {
		return []sqlutil.Finding{{Check: sqlutil.CheckConnect, Status: sqlutil.StatusWarn, Detail: "this kind of source cannot be diagnosed"}}, srv, false
	}
	if err := d.db.PingContext(ctx); err != nil {
		return []sqlutil.Finding{sqlutil.ConnectFinding(err, d.dsnVar, d.t)}, srv, false
	}
	srv, err := sqlutil.Probe(ctx, d.db, c.now)
	if err != nil {
		return []sqlutil.Finding{{Check: sqlutil.CheckConnect, Status: sqlutil.StatusFail, Detail: "connected, but reading the session failed: " + err.Error(), Fix: "check " + d.dsnVar}}, srv, false
	}
	out = append(out, sqlutil.Finding{Check: sqlutil.CheckConnect, Status: sqlutil.StatusOK,
		Detail: fmt.Sprintf("connected to %s as %s, database %s", srv.Version, srv.User, srv.Database)})
	// A source's tables are looked at first: which columns it reads (the
	// field mapping, femanager's columns) decides the privileges it needs.
	schema := c.diagnoseSource(ctx, d)
	if p, ok := d.source.(privileged); ok {
		d.reqs = p.Requirements()
	}
	if p, err := sqlutil.ReadPrivileges(ctx, d.db); err != nil {
		out = append(out, sqlutil.Finding{Check: sqlutil.CheckPrivileges, Status: sqlutil.StatusWarn, Detail: "privileges could not be read: " + err.Error()})
	} else {
		out = append(out, sqlutil.PrivilegeFindings(p, d.t.Database, d.reqs)...)
	}
	collation, err := sqlutil.TableCollation(ctx, d.db, d.table)
	if err != nil {
		collation = ""
	}
	if d.source == nil {
		st := central.New(d.db, central.Numbering{})
		schema := centralSchemaFinding(ctx, st)
		out = append(out, schema)
		if schema.Status == sqlutil.StatusOK {
			out = append(out, centralSumsFinding(ctx, st), openCountsFinding(ctx, st))
		}
		out = append(out, sqlutil.SQLModeFinding(srv.SQLMode))
		*centralCollation = collation
	} else {
		out = append(out, schema...)
		out = append(out, sqlutil.CollationFinding(d.table, collation, *centralCollation))
	}
	out = append(out, sqlutil.ClockFinding(srv), sqlutil.TLSFinding(d.t, srv.SSLCipher, srv.SSLVersion))
	return out, srv, true
}

// diagnoseSource checks a source's tables; nil for the central database.
func (c *doctorCommand) diagnoseSource(ctx context.Context, d database) []sqlutil.Finding {
	dg, ok := d.source.(diagnosable)
	if d.source == nil || !ok {
		return nil
	}
	fs, err := dg.Diagnose(ctx)
	if err != nil {
		fs = []sqlutil.Finding{{Check: sqlutil.CheckSchema, Status: sqlutil.StatusFail, Detail: "could not inspect the tables: " + err.Error(), Fix: "run the statements of `keysync grants`"}}
	}
	return fs
}

// centralSchemaFinding checks the central schema version.
func centralSchemaFinding(ctx context.Context, st *central.Store) sqlutil.Finding {
	f := sqlutil.Finding{Check: sqlutil.CheckSchema}
	err := st.CheckSchema(ctx)
	switch {
	case err == nil:
		f.Status, f.Detail = sqlutil.StatusOK, fmt.Sprintf("central schema is at version %d", central.SchemaVersion())
	case errors.Is(err, central.ErrSchemaOutdated):
		f.Status, f.Detail, f.Fix = sqlutil.StatusFail, "the central schema is missing or older than this keysync", "keysync migrate"
	default:
		f.Status, f.Detail, f.Fix = sqlutil.StatusFail, err.Error(), "upgrade keysync, or run `keysync migrate` with this version"
	}
	return f
}

// centralSumsFinding checks that the stored checksums of the accounts
// agree with the accounts (see keysync reconcile).
func centralSumsFinding(ctx context.Context, st *central.Store) sqlutil.Finding {
	f := sqlutil.Finding{Check: sqlutil.CheckChecksums}
	bad, err := st.CheckSums(ctx)
	switch {
	case err != nil:
		f.Status, f.Detail = sqlutil.StatusWarn, "the accounts' checksums could not be checked: "+err.Error()
	case len(bad) == 0:
		f.Status, f.Detail = sqlutil.StatusOK, "the accounts' stored checksums agree with the accounts"
	default:
		f.Status, f.Fix = sqlutil.StatusFail, "keysync reconcile --full"
		f.Detail = fmt.Sprintf("the stored checksums of %d ranges of accounts disagree with the accounts, which were changed past keysync (first: %s); until they are recomputed a reconciliation may miss drift in those ranges", len(bad), bad[0])
	}
	return f
}

// openCountsFinding checks that the kept counts of open conflicts agree
// with the conflicts (see keysync once and keysync conflicts).
func openCountsFinding(ctx context.Context, st *central.Store) sqlutil.Finding {
	f := sqlutil.Finding{Check: sqlutil.CheckOpenCounts}
	bad, err := st.CheckOpenCounts(ctx)
	switch {
	case err != nil:
		f.Status, f.Detail = sqlutil.StatusWarn, "the counts of open conflicts could not be checked: "+err.Error()
	case len(bad) == 0:
		f.Status, f.Detail = sqlutil.StatusOK, "the counts of open conflicts agree with the conflicts"
	default:
		f.Status, f.Fix = sqlutil.StatusFail, "keysync reconcile --full"
		f.Detail = fmt.Sprintf("the kept counts of %d groups of open conflicts disagree with the conflicts, which were changed past keysync (first: %s); keysync once and keysync conflicts show those counts", len(bad), bad[0])
	}
	return f
}

// printDoctor writes the report for a human, grouped by database. What
// the servers said (names, messages) reaches the terminal through
// text.Printable, line by line, since a fix may span lines.
func printDoctor(w io.Writer, rep *doctorReport, dbs []database) {
	heads := map[string]string{}
	for _, d := range dbs {
		heads[d.name] = text.Printable(fmt.Sprintf("%s (%s, %s on %s)", d.name, d.dsnVar, d.t.Database, d.t.Addr))
	}
	heads["databases"] = "all databases"
	last := ""
	for _, f := range rep.Findings {
		if f.Target != last {
			if last != "" {
				fmt.Fprintln(w)
			}
			fmt.Fprintln(w, heads[f.Target])
			last = f.Target
		}
		fmt.Fprintf(w, "  %-4s  %-12s  %s\n", strings.ToUpper(string(f.Status)), f.Check, text.Printable(f.Detail))
		if f.Fix != "" {
			for i, line := range strings.Split(f.Fix, "\n") {
				lead := "        fix:"
				if i > 0 {
					lead = "            "
				}
				fmt.Fprintf(w, "%s %s\n", lead, text.Printable(line))
			}
		}
	}
	fmt.Fprintf(w, "\n%d need action, %d warnings\n", rep.Fail, rep.Warn)
}
