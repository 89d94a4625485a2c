package match

// JaroWinkler returns the Jaro-Winkler similarity of a and b in [0, 1],
// compared rune by rune so that umlauts count as one character. Names
// should be normalised with Name first. It uses the usual prefix scale 0.1
// over at most four runes and boosts only when the Jaro similarity exceeds
// 0.7, as Winkler proposed. Two empty strings are identical (1).
func JaroWinkler(a, b string) float64 {
	ra, rb := []rune(a), []rune(b)
	j := jaro(ra, rb)
	if j <= 0.7 {
		return j
	}
	prefix := 0
	for prefix < 4 && prefix < len(ra) && prefix < len(rb) && ra[prefix] == rb[prefix] {
		prefix++
	}
	return j + float64(prefix)*0.1*(1-j)
}

// jaro returns the Jaro similarity on which JaroWinkler builds.
func jaro(a, b []rune) float64 {
	if len(a) == 0 && len(b) == 0 {
		return 1
	}
	if len(a) == 0 || len(b) == 0 {
		return 0
	}
	window := max(len(a), len(b))/2 - 1
	window = max(window, 0)
	matchedA := make([]bool, len(a))
	matchedB := make([]bool, len(b))
	matches := 0
	for i, r := range a {
		lo, hi := max(0, i-window), min(len(b), i+window+1)
		for k := lo; k < hi; k++ {
			if !matchedB[k] && b[k] == r {
				matchedA[i], matchedB[k] = true, true
				matches++
				break
			}
		}
	}
	if matches == 0 {
		return 0
	}
	transpositions, k := 0, 0
	for i, r := range a {
		if !matchedA[i] {
			continue
		}
		for !matchedB[k] {
			k++
		}
		if r != b[k] {
			transpositions++
		}
		k++
	}
	m := float64(matches)
	return (m/float64(len(a)) + m/float64(len(b)) + (m-float64(transpositions)/2)/m) / 3
}

// DamerauLevenshtein returns the unrestricted Damerau-Levenshtein distance
// between a and b, counted in runes: the fewest insertions, deletions,
// substitutions and transpositions of adjacent runes, where a transposed
// pair may be edited further ("ca" -> "abc" is 2, unlike the restricted
// optimal-string-alignment distance of 3). Typing errors in names are
// mostly of these kinds.
func DamerauLevenshtein(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	n, m := len(ra), len(rb)
	if n == 0 || m == 0 {
		return n + m
	}
	inf := n + m
	// d has an extra border row and column holding inf (Lowrance-Wagner).
	d := make([][]int, n+2)
	for i := range d {
		d[i] = make([]int, m+2)
	}
	d[0][0] = inf
	for i := 0; i <= n; i++ {
		d[i+1][0] = inf
		d[i+1][1] = i
	}
	for j := 0; j <= m; j++ {
		d[0][j+1] = inf
		d[1][j+1] = j
	}
	lastRow := make(map[rune]int)
	for i := 1; i <= n; i++ {
		lastCol := 0
		for j := 1; j <= m; j++ {
			i1 := lastRow[rb[j-1]]
			j1 := lastCol
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
				lastCol = j
			}
			d[i+1][j+1] = min(
				d[i][j]+cost,
				d[i+1][j]+1,
				d[i][j+1]+1,
				d[i1][j1]+(i-i1-1)+1+(j-j1-1),
			)
		}
		lastRow[ra[i-1]] = i
	}
	return d[n+1][m+1]
}
