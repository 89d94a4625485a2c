package central

// SimilarQuery exposes the fuzzy-candidate query for plan tests.
func SimilarQuery(keys [4][]string) (string, []any) {
	var anyKeys [len(blockColumns)][]any
	for i, ks := range keys {
		for _, k := range ks {
			anyKeys[i] = append(anyKeys[i], k)
		}
	}
	return similarQuery(anyKeys)
}
