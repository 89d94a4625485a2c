package number

// verhoeffD is the multiplication table of the dihedral group D5, the core
// of Verhoeff's scheme.
var verhoeffD = [10][10]uint8{
	{0, 1, 2, 3, 4, 5, 6, 7, 8, 9},
	{1, 2, 3, 4, 0, 6, 7, 8, 9, 5},
	{2, 3, 4, 0, 1, 7, 8, 9, 5, 6},
	{3, 4, 0, 1, 2, 8, 9, 5, 6, 7},
	{4, 0, 1, 2, 3, 9, 5, 6, 7, 8},
	{5, 9, 8, 7, 6, 0, 4, 3, 2, 1},
	{6, 5, 9, 8, 7, 1, 0, 4, 3, 2},
	{7, 6, 5, 9, 8, 2, 1, 0, 4, 3},
	{8, 7, 6, 5, 9, 3, 2, 1, 0, 4},
	{9, 8, 7, 6, 5, 4, 3, 2, 1, 0},
}

// verhoeffP is the position-dependent permutation table; it repeats every
// eight positions and is what makes transpositions detectable.
var verhoeffP = [8][10]uint8{
	{0, 1, 2, 3, 4, 5, 6, 7, 8, 9},
	{1, 5, 7, 6, 2, 8, 3, 0, 9, 4},
	{5, 8, 0, 3, 7, 9, 6, 1, 4, 2},
	{8, 9, 1, 6, 0, 4, 3, 5, 2, 7},
	{9, 4, 5, 3, 1, 2, 6, 8, 7, 0},
	{4, 2, 8, 6, 5, 7, 3, 9, 0, 1},
	{2, 7, 9, 3, 8, 0, 6, 4, 1, 5},
	{7, 0, 4, 6, 9, 1, 3, 2, 5, 8},
}

// verhoeffInv maps each element of D5 to its inverse, turning the running
// product into the digit that brings it back to zero.
var verhoeffInv = [10]uint8{0, 4, 3, 2, 1, 5, 6, 7, 8, 9}

// verhoeff is the Verhoeff algorithm, offered because it detects all
// single-digit errors and adjacent transpositions and is widely deployed.
type verhoeff struct{}

// Name returns "verhoeff", the configuration name of the Verhoeff algorithm.
func (verhoeff) Name() string { return "verhoeff" }

// Digits returns 1 because Verhoeff appends a single check digit.
func (verhoeff) Digits() int { return 1 }

// Compute returns the Verhoeff check digit for a payload of ASCII digits.
func (v verhoeff) Compute(digits string) (string, error) {
	if err := checkPayload(v.Name(), digits); err != nil {
		return "", err
	}
	var c uint8
	// Position 0 belongs to the check digit itself, so the rightmost
	// payload digit is at position 1.
	for i, pos := len(digits)-1, 1; i >= 0; i, pos = i-1, pos+1 {
		c = verhoeffD[c][verhoeffP[pos%8][digits[i]-'0']]
	}
	return digitString(int(verhoeffInv[c])), nil
}

// Valid reports whether s ends in the Verhoeff check digit of its payload.
func (v verhoeff) Valid(s string) bool { return validWith(v, s) }
