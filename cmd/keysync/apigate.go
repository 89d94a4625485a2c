package main

import "sync/atomic"

// sourceGate tells the registration API whether this daemon works a
// source now: its poll loop holds the source lock and has checked the
// portal's tables (so rows are read with every mapped column). The loop
// opens and closes it at each round; between rounds a lost lock shows at
// the next one, and meanwhile the central commit and the compare-and-set
// write-back keep two daemons from giving an account two numbers, as they
// do for two passes.
type sourceGate struct {
	open atomic.Bool
}

// set opens or closes the gate; a nil gate stays closed.
func (g *sourceGate) set(open bool) {
	if g != nil {
		g.open.Store(open)
	}
}

// isOpen reports whether requests for the source are worked on here.
func (g *sourceGate) isOpen() bool {
	return g != nil && g.open.Load()
}
