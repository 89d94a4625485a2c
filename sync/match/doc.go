// Package match recognises the same person across member portals.
//
// It turns raw registration fields (e-mail, names, postal addresses,
// countries) into canonical comparison keys, and provides the phonetic code
// and string distances used to find and score candidate matches. All
// functions are pure, safe for concurrent use and never panic on any input.
package match
