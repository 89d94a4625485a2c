//go:build !linux

package main

import "os"

// isTTY reports no terminal where keysync cannot ask the terminal driver:
// a confirmation then needs --yes.
func isTTY(*os.File) bool { return false }
