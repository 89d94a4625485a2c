package main

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"

	"keysync/internal/linkage"
)

// scaleGoal: registrations arriving at a store of -store persons go at
// least this fraction of the rate into an empty store.
const scaleGoal = 0.8

// scaleResult is one first rollout of store+segment distinct persons,
// timed at every segment: how the rate of registrations holds up as the
// central store grows.
type scaleResult struct {
	Store   int   `json:"store"`
	Segment int   `json:"segment"`
	Seed    int64 `json:"seed"`
	// StoreSeconds is how long the first Store registrations took: a
	// first rollout of that many persons.
	StoreSeconds float64 `json:"store_seconds"`
	// PerSec is the rate of each segment of Segment registrations, the
	// first into an empty store, the last into a store of Store persons.
	PerSec []float64 `json:"per_sec"`
	// EmptyPerSec is the rate of Segment other persons into another empty
	// store, measured after the large rollout on the server as that left
	// it (its redo log cycling, its page cleaner busy), which the first
	// segment, on a fresh server, is not.
	EmptyPerSec float64       `json:"empty_per_sec"`
	Rollout     rolloutResult `json:"rollout"`
	// StoreBytes is the central database's data and indexes at the end,
	// BufferPoolBytes the server's buffer pool: a store that outgrows the
	// pool is read from disk, and its rate falls with its size.
	StoreBytes      int64 `json:"store_bytes"`
	PortalBytes     int64 `json:"portal_bytes"`
	BufferPoolBytes int64 `json:"buffer_pool_bytes"`
}

// scale runs the rollout over store+segment persons.
func (s *server) scale(ctx context.Context, store, segment, batch int, seed int64) (scaleResult, error) {
	r := scaleResult{Store: store, Segment: segment, Seed: seed}
	n := store + segment
	var marks []int
	for m := segment; m < n; m += segment {
		marks = append(marks, m)
	}
	marks = append(marks, n)
	ro, at, err := s.firstRollout(ctx, "scale", linkage.Population(seed, n), batch, marks)
	r.Rollout = ro
	if err != nil {
		return r, err
	}
	info, err := s.describe(ctx)
	if err != nil {
		return r, err
	}
	r.BufferPoolBytes = info.BufferPoolBytes
	for _, db := range []struct {
		name  string
		bytes *int64
	}{{"scale_central", &r.StoreBytes}, {"scale", &r.PortalBytes}} {
		err = s.Admin.QueryRowContext(ctx, `SELECT COALESCE(SUM(data_length + index_length), 0) FROM information_schema.TABLES WHERE table_schema = ?`,
			dbPrefix+db.name).Scan(db.bytes)
		if err != nil {
			return r, fmt.Errorf("size of database %s: %w", db.name, err)
		}
	}
	if len(at) != len(marks) {
		return r, fmt.Errorf("decided %d marks of %d", len(at), len(marks))
	}
	_, empty, err := s.firstRollout(ctx, "scale_empty", linkage.Population(seed+1, segment), batch, []int{segment})
	if err != nil {
		return r, err
	}
	if len(empty) != 1 {
		return r, fmt.Errorf("empty store: decided %d marks of 1", len(empty))
	}
	r.EmptyPerSec = float64(segment) / empty[0].Seconds()
	prev, prevAt := 0, 0.0
	for i, m := range marks {
		sec := at[i].Seconds()
		r.PerSec = append(r.PerSec, float64(m-prev)/(sec-prevAt))
		if m == store {
			r.StoreSeconds = sec
		}
		prev, prevAt = m, sec
	}
	return r, nil
}

// scaleGrade is the scale part of the report.
type scaleGrade struct {
	scaleResult
	// Ratio is the last segment's rate over the rate into an empty store
	// on the server in the same state; FirstRatio over the first
	// segment's, on the fresh server.
	Ratio      float64 `json:"ratio"`
	FirstRatio float64 `json:"first_ratio"`
	Pass       bool    `json:"pass"`
}

func (g *scaleGrade) grade() {
	last := g.PerSec[len(g.PerSec)-1]
	g.Ratio = last / g.EmptyPerSec
	g.FirstRatio = last / g.PerSec[0]
	g.Pass = g.Ratio >= scaleGoal
}

func (g *scaleGrade) writeText(w io.Writer) error {
	fmt.Fprintf(w, "\n(h) a growing store: first rollout of %d distinct persons (seed %d), timed every %d\n", g.Store+g.Segment, g.Seed, g.Segment)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "  first rollout of %d persons\t%.0fs\t%.0f persons/s on average\n", g.Store, g.StoreSeconds, float64(g.Store)/g.StoreSeconds)
	fmt.Fprintf(tw, "  %d registrations into a store of %d\t%.0f/s\t\n", g.Segment, g.Store, g.PerSec[len(g.PerSec)-1])
	fmt.Fprintf(tw, "  %d other persons into another, empty store, right after\t%.0f/s\t\n", g.Segment, g.EmptyPerSec)
	fmt.Fprintf(tw, "  ratio\t%.2fx\tgoal >= %gx: %s\n", g.Ratio, scaleGoal, verdict(g.Pass))
	fmt.Fprintf(tw, "  the first %d, into the empty store on the fresh server\t%.0f/s\t%.2fx\n", g.Segment, g.PerSec[0], g.FirstRatio)
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprint(w, "  rate per segment:")
	for _, v := range g.PerSec {
		fmt.Fprintf(w, " %.0f", v)
	}
	fmt.Fprintf(w, " /s; %.1f fuzzy candidates per account\n", g.Rollout.CandidatesPerAccount)
	fmt.Fprintf(w, "  data and indexes at the end: the central database %d MiB, the portal's %d MiB; buffer pool %d MiB\n",
		g.StoreBytes>>20, g.PortalBytes>>20, g.BufferPoolBytes>>20)
	if g.StoreBytes+g.PortalBytes > g.BufferPoolBytes {
		fmt.Fprintln(w, "  the databases outgrew the buffer pool: the later registrations read them from disk (WITH_MARIADB_BUFFER_POOL, see the README)")
	}
	return nil
}
