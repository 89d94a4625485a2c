package main

// RewriteDue implements keysync.Facts: the bench never merges or repairs.
func (f *memFacts) RewriteDue(string, uint64) bool { return false }

// Refused implements keysync.Facts: no database refuses the bench's rows.
func (f *memFacts) Refused(string, uint64, string) bool { return false }
