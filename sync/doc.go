// Package keysync is the engine that decides, for every portal account, which
// person it belongs to and which customer number that person carries, and
// the domain it decides about: accounts, persons and their profiles,
// households, conflicts.
//
// The folder is called sync because that is what the product does, but the
// package is named keysync so that files which also need the standard
// library's sync package can import both without an alias, and so that the
// domain reads naturally at call sites: keysync.Account, keysync.Source,
// keysync.Engine. Backends (the TYPO3 and WordPress sources, the central
// store, the sinks) live in their own packages and implement the interfaces
// declared here, in the package that uses them: Source, Store, Sink and
// ChangeFeed. Reconciliation, a subsystem with interfaces of its own, is
// the package sync/reconcile.
package keysync
