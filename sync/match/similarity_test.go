package match

import (
	"math"
	"testing"
)

func TestJaroWinkler(t *testing.T) {
	tests := []struct {
		a, b string
		want float64
	}{
		{"martha", "marhta", 0.961},
		{"dwayne", "duane", 0.840},
		{"dixon", "dicksonx", 0.813},
		{"jellyfish", "smellyfish", 0.896},
		{"mueller", "mueller", 1},
		{"müller", "mueller", 0.804}, // why names are transliterated first
		{"", "", 1},
		{"abc", "", 0},
		{"", "abc", 0},
		{"abc", "xyz", 0},
		{"a", "a", 1},
		{"maier", "meier", 0.880},
	}
	for _, tt := range tests {
		got := JaroWinkler(tt.a, tt.b)
		if math.Abs(got-tt.want) > 0.0015 {
			t.Errorf("JaroWinkler(%q, %q) = %.4f, want %.3f", tt.a, tt.b, got, tt.want)
		}
		if back := JaroWinkler(tt.b, tt.a); math.Abs(back-got) > 1e-12 {
			t.Errorf("JaroWinkler not symmetric for %q, %q: %v vs %v", tt.a, tt.b, got, back)
		}
	}
}

func TestJaroWinklerUmlautIsOneRune(t *testing.T) {
	// A byte-based implementation would see six bytes in "müller".
	if got := JaroWinkler("müller", "muller"); math.Abs(got-0.9) > 0.001 {
		t.Errorf("JaroWinkler(müller, muller) = %.4f, want 0.9", got)
	}
}

func TestDamerauLevenshtein(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"ca", "abc", 2},
		{"", "", 0},
		{"", "abc", 3},
		{"abc", "", 3},
		{"mueller", "mueller", 0},
		{"mueller", "meuller", 1},
		{"huber", "hubre", 1},
		{"kitten", "sitting", 3},
		{"müller", "muller", 1},
		{"gruber", "gruaber", 1},
		{"abcdef", "badcfe", 3},
		{"a cat", "an act", 2},
		{"hans", "hnas", 1},
		{"maier", "meyer", 2},
	}
	for _, tt := range tests {
		if got := DamerauLevenshtein(tt.a, tt.b); got != tt.want {
			t.Errorf("DamerauLevenshtein(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
		if got := DamerauLevenshtein(tt.b, tt.a); got != tt.want {
			t.Errorf("DamerauLevenshtein(%q, %q) = %d, want %d", tt.b, tt.a, got, tt.want)
		}
	}
}
