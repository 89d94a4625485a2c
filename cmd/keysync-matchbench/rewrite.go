package main

// RewriteDue implements keysync.Facts: the bench never merges or repairs.
func (f *memFacts) RewriteDue(string, uint64) bool { return false }
