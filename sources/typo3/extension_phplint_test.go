package typo3_test

import (
	"testing"

	"keysync/internal/testdb"
)

// TestExtension_PHPLint checks the PHP syntax of the TYPO3 extension, which
// TYPO3 only loads on a live site.
func TestExtension_PHPLint(t *testing.T) {
	testdb.PHPLint(t, extDir)
}
