package keysync

import "errors"

// ErrSchema is wrapped by every finding about a portal's tables that needs
// an admin (or `keysync migrate`) before the source can work: a missing
// table or column, a column renamed by TYPO3's analyzer, one too narrow.
var ErrSchema = errors.New("portal schema needs attention")
