package main

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"

	"keysync/internal/testdb"
	keysync "keysync/sync"
)

// idleResult compares the poll that finds nothing, which the daemon runs
// every few seconds for ever, on a large and a small portal.
type idleResult struct {
	SmallRows     int     `json:"small_rows"`
	BigRows       int     `json:"big_rows"`
	Polls         int     `json:"polls"`
	SmallMedianMS float64 `json:"small_median_ms"`
	BigMedianMS   float64 `json:"big_median_ms"`
}

// idlePolls builds both portals in steady state (every user numbered, the
// sweep's watermark at the last uid) and times polls on them in turns, so
// that noise on the machine hits both alike.
func (s *server) idlePolls(ctx context.Context, smallRows, bigRows, polls, batch int) (idleResult, error) {
	r := idleResult{SmallRows: smallRows, BigRows: bigRows, Polls: polls}
	store, num, err := s.newCentral(ctx, "idle_central")
	if err != nil {
		return r, err
	}
	eng := engine(store, batch)

	// The small portal gets its numbers from keysync itself.
	s.progress("idle poll: small portal of %d users, numbered by one pass", smallRows)
	fillSmall := func(db *sql.DB) error {
		_, err := testdb.InsertFeUsersDB(ctx, db, testdb.GenerateFeUsers(2, smallRows))
		return err
	}
	smallSrc, smallDB, err := s.newPortal(ctx, "small", num, fillSmall, nil)
	if err != nil {
		return r, err
	}
	small := keysync.Portal{Source: smallSrc, Country: "AT"}
	c, err := eng.Pass(ctx, ctx, small)
	if err != nil {
		return r, err
	}
	if err := s.verifyRollout(ctx, dbPrefix+"idle_central", dbPrefix+"small", "small", smallRows, c.Linked); err != nil {
		return r, err
	}

	// The big portal is filled with numbers already in place, its
	// watermark set to the last uid and its changes read up to the
	// latest, as after a completed rollout.
	s.progress("idle poll: big portal of %d users, numbers filled in directly", bigRows)
	start := time.Now()
	fillBig := func(db *sql.DB) error {
		if err := fillNumbered(ctx, db, bigRows); err != nil {
			return err
		}
		// Nothing changed lately: no row is within the overlap that a
		// pass reads again (the generated stamps reach into the future).
		day := time.Now().Add(-24 * time.Hour).Unix()
		_, err := db.ExecContext(ctx, "UPDATE fe_users SET tstamp = LEAST(tstamp, ?), crdate = LEAST(crdate, ?)", day, day)
		return err
	}
	bigSrc, bigDB, err := s.newPortal(ctx, "big", num, nil, fillBig)
	if err != nil {
		return r, err
	}
	if err := store.AdvanceWatermark(ctx, "big", uint64(bigRows)); err != nil {
		return r, err
	}
	head, err := bigSrc.ChangeHead(ctx, time.Now())
	if err != nil {
		return r, err
	}
	if err := store.SetChangeCursor(ctx, "big", head); err != nil {
		return r, err
	}
	if err := verifyFilled(ctx, bigDB, bigRows); err != nil {
		return r, err
	}
	for _, db := range []*sql.DB{smallDB, bigDB} {
		if _, err := db.ExecContext(ctx, "ANALYZE TABLE fe_users"); err != nil {
			return r, err
		}
	}
	s.progress("idle poll: big portal ready in %.1fs; %d polls on each", since(start), polls)
	big := keysync.Portal{Source: bigSrc, Country: "AT"}

	poll := func(p keysync.Portal) (time.Duration, error) {
		start := time.Now()
		c, err := eng.Pass(ctx, ctx, p)
		d := time.Since(start)
		if err != nil {
			return d, err
		}
		if c != (keysync.Counts{}) {
			return d, fmt.Errorf("%s: the poll was not idle: %+v", p.Source.Name(), c)
		}
		return d, nil
	}
	const warmUp = 5
	var smallTimes, bigTimes []time.Duration
	for i := range warmUp + polls {
		ds, err := poll(small)
		if err != nil {
			return r, err
		}
		db, err := poll(big)
		if err != nil {
			return r, err
		}
		if i >= warmUp {
			smallTimes, bigTimes = append(smallTimes, ds), append(bigTimes, db)
		}
	}
	r.SmallMedianMS = ms(median(smallTimes))
	r.BigMedianMS = ms(median(bigTimes))
	return r, nil
}

// templateRows is how many generated users fillNumbered copies over and
// over.
const templateRows = 10000

// fillNumbered fills fe_users with n users whose uids run from 1 to n and
// who all carry a customer number, Wibisoft household and person id: copies
// of generated users, each copy with its own uid and a distinct dummy
// number, written by the server itself in INSERT ... SELECT statements.
func fillNumbered(ctx context.Context, db *sql.DB, n int) error {
	t := min(n, templateRows)
	users := testdb.GenerateFeUsers(3, t)
	for i := range users {
		users[i].UID = uint64(i + 1)
	}
	if _, err := testdb.InsertFeUsersDB(ctx, db, users); err != nil {
		return err
	}
	if _, err := db.ExecContext(ctx, "CREATE TABLE fe_users_template AS SELECT * FROM fe_users"); err != nil {
		return err
	}
	if _, err := db.ExecContext(ctx, "TRUNCATE fe_users"); err != nil {
		return err
	}
	cols, err := copiedColumns(ctx, db)
	if err != nil {
		return err
	}
	list := strings.Join(cols, ", ")
	q := `INSERT INTO fe_users (uid, ` + list + `, tx_keysync_customer_number, tx_keysync_wibisoft_hh_id, tx_keysync_wibisoft_pe_id)
		SELECT uid + ?, ` + list + `, CONCAT('D', LPAD(uid + ?, 9, '0')), LPAD(uid + ?, 7, '0'), LPAD(uid + ?, 8, '0')
		FROM fe_users_template WHERE uid <= ? ORDER BY uid`
	for off := 0; off < n; off += t {
		if _, err := db.ExecContext(ctx, q, off, off, off, off, min(t, n-off)); err != nil {
			return fmt.Errorf("copy rows %d-%d: %w", off+1, off+t, err)
		}
	}
	_, err = db.ExecContext(ctx, "DROP TABLE fe_users_template")
	return err
}

// copiedColumns lists the columns of fe_users but uid and keysync's own.
func copiedColumns(ctx context.Context, db *sql.DB) ([]string, error) {
	rows, err := db.QueryContext(ctx, `SELECT COLUMN_NAME FROM information_schema.COLUMNS
		WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'fe_users' AND COLUMN_NAME <> 'uid'
		AND COLUMN_NAME NOT LIKE 'tx\_keysync\_%' ORDER BY ORDINAL_POSITION`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var cols []string
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			return nil, err
		}
		cols = append(cols, "`"+c+"`")
	}
	return cols, rows.Err()
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
