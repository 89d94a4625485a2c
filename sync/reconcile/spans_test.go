package reconcile

import (
	"context"
	"slices"
	"testing"
)

// TestAcrossSpans reads ids of three spans through pages of 4: every id of
// the spans once, in order, pages full until the last, whatever the sums
// counted; the first read of a span asks for what they counted and one
// more, so an agreeing span costs one query.
func TestAcrossSpans(t *testing.T) {
	ids := []uint64{1, 2, 3, 9, 10, 11, 12, 13, 14, 15, 20, 40, 41}
	spans := []span{{lo: 0, hi: 3, rows: 3}, {lo: 8, hi: 15, rows: 0}, {lo: 40, hi: 47, rows: 2}}
	var reads [][3]uint64 // after, upTo, limit
	read := func(_ context.Context, after, upTo uint64, limit int) ([]uint64, error) {
		reads = append(reads, [3]uint64{after, upTo, uint64(limit)})
		var out []uint64
		for _, id := range ids {
			if id > after && id <= upTo && len(out) < limit {
				out = append(out, id)
			}
		}
		return out, nil
	}
	next := acrossSpans(spans, 4, "ids", func(sp span) int { return sp.rows }, func(id uint64) uint64 { return id }, read)
	var pages [][]uint64
	for {
		page, err := next(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		pages = append(pages, page)
		if len(page) < 4 {
			break
		}
	}
	want := [][]uint64{{1, 2, 3, 9}, {10, 11, 12, 13}, {14, 15, 40, 41}, {}}
	if len(pages) != len(want) {
		t.Fatalf("pages %v, want %v", pages, want)
	}
	for i := range want {
		if !slices.Equal(pages[i], want[i]) && !(len(pages[i]) == 0 && len(want[i]) == 0) {
			t.Fatalf("pages %v, want %v", pages, want)
		}
	}
	// Span 1 counted 0 rows (sums out of step): its first read asks for
	// one, the next for whole pages.
	wantReads := [][3]uint64{{0, 3, 4}, {8 - 1, 15, 1}, {9, 15, 4}, {13, 15, 4}, {39, 47, 2}, {41, 47, 4}}
	if !slices.Equal(reads, wantReads) {
		t.Errorf("reads (after, upTo, limit) %v, want %v", reads, wantReads)
	}
}
