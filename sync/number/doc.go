// Package number turns allocated sequence values into customer numbers and
// back.
//
// A Template describes the printed shape of a customer number, for example
// "AT-{seq:6}{check}", so that every portal can use its own prefix and width
// while the allocator only hands out plain integers. An Algorithm appends
// check digits so that a mistyped number is rejected before it is looked up.
package number
