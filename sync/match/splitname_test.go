package match

import "testing"

func TestSplitName(t *testing.T) {
	tests := []struct{ in, first, last string }{
		{"Müller, Hans", "Hans", "Müller"},
		{"Hans Müller", "Hans", "Müller"},
		{"Mag. Hans Peter Müller", "Hans Peter", "Müller"},
		{"  Hans   Müller ", "Hans", "Müller"},
		{"Müller, Mag. Hans", "Hans", "Müller"},
		{"Dr. Müller, Hans-Peter", "Hans-Peter", "Müller"},
		{"Hans Müller, MBA", "Hans", "Müller"},
		{"Müller, Hans, BSc", "Hans", "Müller"},
		{"Dipl.-Ing. Franz Huber MSc", "Franz", "Huber"},
		{"Hans von der Heide", "Hans", "von der Heide"},
		{"Ludwig van Beethoven", "Ludwig", "van Beethoven"},
		{"Anna Maria Di Stefano", "Anna Maria", "Di Stefano"},
		{"Van Morrison", "Van", "Morrison"},
		{"Maria Müller-Lüdenscheidt", "Maria", "Müller-Lüdenscheidt"},
		{"Müller", "", "Müller"},
		{"Dr. Müller", "", "Müller"},
		{"", "", ""},
		{"Mag.", "", ""},
		{",", "", ""},
		{"Müller,", "", "Müller"},
		{"Hans Gruber jun.", "Hans", "Gruber jun."},
		{"Hans Peter Gruber sen.", "Hans Peter", "Gruber sen."},
		{"Hans von der Heide jun.", "Hans", "von der Heide jun."},
		{"Hans Huber d. J.", "Hans", "Huber d. J."},
		{"Gruber jun.", "", "Gruber jun."},
		{"Hans S R", "Hans S", "R"},
		{"Gruber, Hans jun.", "Hans jun.", "Gruber"},
	}
	for _, tt := range tests {
		first, last := SplitName(tt.in)
		if first != tt.first || last != tt.last {
			t.Errorf("SplitName(%q) = %q, %q; want %q, %q", tt.in, first, last, tt.first, tt.last)
		}
	}
}
