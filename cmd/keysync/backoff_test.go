package main

import (
	"slices"
	"testing"
	"time"
)

// TestBackoff_DoublesUpToMaxAndResets: the waits after failures start at
// the poll interval, double up to the maximum and stay there; a success
// starts over at the poll interval.
func TestBackoff_DoublesUpToMaxAndResets(t *testing.T) {
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	b := newBackoff(200*time.Millisecond, 1500*time.Millisecond)
	b.now = func() time.Time { return now }
	var waits []time.Duration
	for range 6 {
		waits = append(waits, b.next())
		now = now.Add(waits[len(waits)-1])
	}
	want := []time.Duration{200 * time.Millisecond, 400 * time.Millisecond, 800 * time.Millisecond, 1500 * time.Millisecond, 1500 * time.Millisecond, 1500 * time.Millisecond}
	if !slices.Equal(waits, want) {
		t.Errorf("waits = %v, want %v", waits, want)
	}
	if got, want := b.downFor(), 5900*time.Millisecond; got != want {
		t.Errorf("down for %v, want %v", got, want)
	}
	b.reset()
	if got := b.next(); got != 200*time.Millisecond {
		t.Errorf("first wait after a success = %v, want the poll interval again", got)
	}
}

// TestBackoff_Bounds: a poll interval above the maximum waits the maximum;
// many failures never overflow into a short or negative wait.
func TestBackoff_Bounds(t *testing.T) {
	b := newBackoff(10*time.Minute, 5*time.Minute)
	if got := b.next(); got != 5*time.Minute {
		t.Errorf("first wait = %v, want the maximum 5m", got)
	}
	b = newBackoff(5*time.Second, 5*time.Minute)
	for i := range 100 {
		if d := b.next(); d < 5*time.Second || d > 5*time.Minute {
			t.Fatalf("failure %d: wait %v outside [5s, 5m]", i+1, d)
		}
	}
}

// TestBackoff_LogOncePerMinute: the error of the first failure is logged,
// then one a minute, whatever the waits.
func TestBackoff_LogOncePerMinute(t *testing.T) {
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	b := newBackoff(time.Second, 5*time.Minute)
	b.now = func() time.Time { return now }
	var logged []int
	for i := 1; i <= 10; i++ {
		now = now.Add(b.next())
		if b.shouldLog() {
			logged = append(logged, i)
		}
	}
	// Waits 1, 2, 4, ... 256 s: the clock stands at 1, 3, 7, 15, 31, 63,
	// 127, 255, 511 and 767 s when the failures are logged or not.
	if want := []int{1, 6, 7, 8, 9, 10}; !slices.Equal(logged, want) {
		t.Errorf("logged failures %v, want %v", logged, want)
	}
}
