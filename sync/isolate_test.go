package keysync

import (
	"errors"
	"fmt"
	"slices"
	"testing"
)

// TestIsolate: of 100 items two are refused; isolate finds exactly those,
// passes every other item through once, in order, with few calls; an
// outage ends it with the error.
func TestIsolate(t *testing.T) {
	t.Parallel()
	items := make([]int, 100)
	for i := range items {
		items[i] = i
	}
	bad := map[int]bool{13: true, 57: true}
	calls, passed := 0, map[int]int{}
	do := func(part []int) ([]string, error) {
		calls++
		for _, it := range part {
			if bad[it] {
				return nil, fmt.Errorf("insert: %w: item %d", ErrRowRefused, it)
			}
		}
		out := make([]string, len(part))
		for i, it := range part {
			passed[it]++
			out[i] = fmt.Sprint("r", it)
		}
		return out, nil
	}
	done, results, refused, err := isolate(items, do)
	if err != nil {
		t.Fatal(err)
	}
	var got []int
	for _, r := range refused {
		got = append(got, r.item)
		if !errors.Is(r.err, ErrRowRefused) {
			t.Errorf("refusal of %d: %v", r.item, r.err)
		}
	}
	if !slices.Equal(got, []int{13, 57}) || len(done) != 98 || len(results) != 98 {
		t.Fatalf("refused %v, %d done, %d results", got, len(done), len(results))
	}
	for i, it := range done {
		if results[i] != fmt.Sprint("r", it) || passed[it] != 1 || (i > 0 && done[i-1] >= it) {
			t.Fatalf("item %d: result %q, passed %d times, order %v", it, results[i], passed[it], done[:i+1])
		}
	}
	if calls > 30 {
		t.Errorf("%d calls for 2 refused items of 100", calls)
	}

	outage := errors.New("connection refused")
	if _, _, _, err := isolate(items, func([]int) ([]string, error) { return nil, outage }); !errors.Is(err, outage) {
		t.Errorf("outage: %v", err)
	}
	calls = 0
	_, _, _, err = isolate(items, func(part []int) ([]string, error) {
		calls++
		if calls > 1 {
			return nil, outage
		}
		return nil, ErrRowRefused
	})
	if !errors.Is(err, outage) || calls != 2 {
		t.Errorf("outage while halving: %v after %d calls, want it returned at once", err, calls)
	}
}
