package typo3

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"time"

	keysync "keysync/sync"
)

var _ keysync.ChangeSource = (*Source)(nil)

// ChangeIndex keeps reading the changed rows cheap on any table size:
// TYPO3 bumps tstamp on every change made through the DataHandler or
// Extbase (backend forms, femanager's profile edits); keysync's own
// write-back never touches it.
const ChangeIndex = "tx_keysync_changed"

// ChangeOverlap bounds how late a change may become visible: a row whose
// transaction committed after a pass read past it, or which a web server
// with a lagging clock stamped, is read by the next pass as long as its
// tstamp is at most this much older than that pass's read. Rows read
// again are recognised as unchanged centrally.
const ChangeOverlap = 5 * time.Minute

// changeCursor is a position among the rows ordered by (tstamp, uid), and
// when it was read; its text is "tstamp:uid:read".
type changeCursor struct {
	tstamp int64
	uid    uint64
	read   int64
}

func parseChangeCursor(s string) changeCursor {
	var c changeCursor
	parts := strings.SplitN(s, ":", 3)
	for len(parts) < 3 {
		parts = append(parts, "")
	}
	c.tstamp, _ = strconv.ParseInt(parts[0], 10, 64)
	c.uid, _ = strconv.ParseUint(parts[1], 10, 64)
	c.read, _ = strconv.ParseInt(parts[2], 10, 64)
	return c
}

func (c changeCursor) String() string {
	return strconv.FormatInt(c.tstamp, 10) + ":" + strconv.FormatUint(c.uid, 10) + ":" + strconv.FormatInt(c.read, 10)
}

// start is where a pass's first page begins: at the cursor, unless rows
// stamped before it may have committed since it was read (within
// ChangeOverlap of that read); then that much before the read, which also
// reads a row stamped in the future again until its time has come.
func (c changeCursor) start() changeCursor {
	lag := int64(ChangeOverlap / time.Second)
	if c.tstamp < c.read-lag {
		return changeCursor{tstamp: c.tstamp, uid: c.uid}
	}
	return changeCursor{tstamp: max(0, c.read-lag)}
}

// ChangeHead implements keysync.ChangeSource: the row changed last.
func (s *Source) ChangeHead(ctx context.Context, now time.Time) (string, error) {
	head := changeCursor{read: now.Unix()}
	pids, args := s.pidFilter(nil)
	where := ""
	if pids != "" {
		where = " WHERE 1 = 1" + pids
	}
	err := s.db.QueryRowContext(ctx, `SELECT tstamp, uid FROM `+s.table+where+` ORDER BY tstamp DESC, uid DESC LIMIT 1`, args...).Scan(&head.tstamp, &head.uid)
	if err != nil && err != sql.ErrNoRows {
		return "", fmt.Errorf("read %s: %w", s.cfg.Table, err)
	}
	return head.String(), nil
}

// Changes implements keysync.ChangeSource: the rows after the cursor in
// (tstamp, uid) order, through ChangeIndex; a pass's first page starts
// where changeCursor.start says.
func (s *Source) Changes(ctx context.Context, cursor string, first bool, limit int, now time.Time) (keysync.ChangePage, error) {
	from := parseChangeCursor(cursor)
	if first {
		from = from.start()
	}
	index := ""
	if s.hasChangeIndex {
		index = ` FORCE INDEX (` + ChangeIndex + `)`
	}
	pids, args := s.pidFilter([]any{from.tstamp, from.tstamp, from.uid})
	q := index + ` WHERE tstamp >= ? AND (tstamp > ? OR uid > ?)` + pids + ` ORDER BY tstamp, uid LIMIT ?`
	accts, err := s.query(ctx, q, append(args, limit), now)
	if err != nil {
		return keysync.ChangePage{}, err
	}
	next := parseChangeCursor(cursor)
	if n := len(accts); n > 0 {
		next.tstamp, next.uid = 0, accts[n-1].ID
		if !accts[n-1].Changed.IsZero() {
			next.tstamp = accts[n-1].Changed.Unix()
		}
	}
	next.read = now.Unix()
	return keysync.ChangePage{Accounts: accts, Cursor: next.String(), More: len(accts) == limit}, nil
}

// ChangesRecorded implements keysync.ChangeSource; TYPO3 keeps no queue.
func (s *Source) ChangesRecorded(context.Context, keysync.ChangePage) error { return nil }
