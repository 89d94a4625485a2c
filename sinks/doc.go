// Package sinks is the home of the downstream systems that receive each
// person's master data keyed by the customer number, one sub-package per
// system: the Excel master list, Outlook, combit, a CardDAV address book
// and Wibisoft. It holds no code of its own.
//
// Each sub-package implements the engine's keysync.Sink and says so beside
// its type, the way the sources do for keysync.Source:
//
//	var _ keysync.Sink = (*Sink)(nil)
//
// The engine's keysync.Exporter feeds them: per sink a cursor into the
// central change sequence, the persons changed since it (or every person
// for a full export), the cursor moved only after the sink confirmed. A
// file is a snapshot (Sink.Snapshot): it gets every person whenever any
// changed, streamed, with the changed ones marked. A crash repeats a
// delivery and never loses one, so every sink must be idempotent: an upsert
// by customer number, or a whole file written to a temporary file, synced
// and renamed over the old one.
package sinks
