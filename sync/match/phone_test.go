package match

import "testing"

func TestPhone(t *testing.T) {
	same := []string{"+43 664 1234567", "0664/1234567", "0664 123 45 67", "0043-664-1234567", "+43 (0) 664 1234567", "+436641234567"}
	for _, s := range same {
		if got := Phone(s); got != "6641234567" {
			t.Errorf("Phone(%q) = %q, want 6641234567", s, got)
		}
	}
	for s, want := range map[string]string{"+49 30 1234567": "301234567", "030 1234567": "301234567", "+423 234 56 78": "2345678", "": "", "n/a": ""} {
		if got := Phone(s); got != want {
			t.Errorf("Phone(%q) = %q, want %q", s, got, want)
		}
	}
}
