package number

// dammTable is the totally anti-symmetric quasigroup of order 10 from Damm's
// 2004 thesis; it makes the scheme catch every single-digit error and every
// adjacent transposition with one check digit.
var dammTable = [10][10]uint8{
	{0, 3, 1, 7, 5, 9, 8, 6, 4, 2},
	{7, 0, 9, 2, 1, 5, 4, 8, 6, 3},
	{4, 2, 0, 6, 8, 7, 1, 3, 5, 9},
	{1, 7, 5, 0, 9, 8, 3, 4, 2, 6},
	{6, 1, 2, 3, 0, 4, 5, 9, 7, 8},
	{3, 6, 7, 4, 2, 0, 9, 5, 8, 1},
	{5, 8, 6, 9, 7, 2, 0, 1, 3, 4},
	{8, 9, 4, 5, 3, 6, 2, 0, 1, 7},
	{9, 4, 3, 8, 6, 1, 7, 2, 0, 5},
	{2, 5, 8, 1, 4, 3, 6, 7, 9, 0},
}

// damm is the Damm algorithm, the default choice because it detects all
// single-digit errors and adjacent transpositions using plain table lookups.
type damm struct{}

// Name returns "damm", the configuration name of the Damm algorithm.
func (damm) Name() string { return "damm" }

// Digits returns 1 because Damm appends a single check digit.
func (damm) Digits() int { return 1 }

// Compute returns the Damm check digit for a payload of ASCII digits.
func (d damm) Compute(digits string) (string, error) {
	if err := checkPayload(d.Name(), digits); err != nil {
		return "", err
	}
	var interim uint8
	for i := 0; i < len(digits); i++ {
		interim = dammTable[interim][digits[i]-'0']
	}
	return digitString(int(interim)), nil
}

// Valid reports whether s ends in the Damm check digit of its payload.
func (d damm) Valid(s string) bool { return validWith(d, s) }
