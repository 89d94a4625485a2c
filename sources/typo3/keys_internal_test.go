package typo3

import (
	"math"
	"slices"
	"testing"
)

func TestSplitRanges(t *testing.T) {
	for _, c := range []struct {
		lo, hi, size uint64
		n            int
		want         []uint64
	}{
		{1, 1_000_000, 128, 2, []uint64{1, 3906 * 128}},
		{1, 100, 128, 2, []uint64{1}},    // one range: one part
		{1, 0, 128, 2, []uint64{1}},      // empty table
		{500, 1000, 128, 1, []uint64{1}}, // one part asked
		{1, 1024, 128, 3, []uint64{1, 384, 768}},
		{1, math.MaxUint64, 128, 2, []uint64{1, 1 << 63}}, // BIGINT UNSIGNED uids
	} {
		got := splitRanges(c.lo, c.hi, c.size, c.n)
		if !slices.Equal(got, c.want) {
			t.Errorf("splitRanges(%d, %d, %d, %d) = %v, want %v", c.lo, c.hi, c.size, c.n, got, c.want)
		}
		for i := 1; i < len(got); i++ {
			if got[i]%c.size != 0 || got[i] <= got[i-1] {
				t.Errorf("splitRanges(%d, %d, %d, %d): bound %d is not a range boundary above the one before", c.lo, c.hi, c.size, c.n, got[i])
			}
		}
	}
}
