package typo3

import (
	"math"
	"testing"
	"time"
)

func TestLenientInt(t *testing.T) {
	for _, tc := range []struct {
		in   any
		want int64
	}{
		{nil, 0}, {int64(42), 42}, {int64(-3), -3}, {uint64(math.MaxUint64), math.MaxInt64},
		{[]byte("1700000000"), 1700000000}, {[]byte("18446744073709551615"), math.MaxInt64},
		{[]byte(" 12 "), 12}, {[]byte("12.9"), 12}, {[]byte("abc"), 0}, {"-99999999999999999999", math.MinInt64},
		{float64(1e30), math.MaxInt64}, {true, 1}, {time.Unix(5, 0), 5},
	} {
		var n lenientInt
		if err := n.Scan(tc.in); err != nil || int64(n) != tc.want {
			t.Errorf("Scan(%#v) = %d, %v, want %d", tc.in, n, err, tc.want)
		}
	}
}

func TestRegistered(t *testing.T) {
	if got := registered(latestRegistration + 1); !got.IsZero() {
		t.Errorf("crdate past year 9999: %v, want unknown", got)
	}
	if got := registered(math.MaxInt64); !got.IsZero() {
		t.Errorf("crdate MaxInt64: %v, want unknown", got)
	}
	if got := registered(latestRegistration); got.Year() != 9999 {
		t.Errorf("last second of 9999: %v", got)
	}
	if got := registered(0); !got.IsZero() {
		t.Errorf("crdate 0: %v, want unknown", got)
	}
}

// FuzzLenientInt: no text a column can hold makes the scan fail.
func FuzzLenientInt(f *testing.F) {
	for _, s := range []string{"0", "-1", "18446744073709551616", "1e400", "NaN", "", " 7", "0x10"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var n lenientInt
		if err := n.Scan([]byte(s)); err != nil {
			t.Fatalf("Scan(%q): %v", s, err)
		}
		_ = registered(int64(n))
	})
}
