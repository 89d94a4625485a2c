package wordpress

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"time"

	"keysync/internal/sqlutil"
	"keysync/internal/text"
	keysync "keysync/sync"
)

// WriteBack implements keysync.Source. WordPress has no unique index on
// (user_id, meta_key), so an INSERT is only idempotent if nobody else
// inserts the same key at the same time: the batch holds a named lock of
// this site, reads which keys exist, inserts only the missing ones and fills
// only empty ones. Two daemons or a retry therefore leave exactly one row
// per key.
func (s *Source) WriteBack(ctx context.Context, writes []keysync.Write) ([]keysync.Written, error) {
	if len(writes) == 0 {
		return nil, nil
	}
	conn, release, err := s.lockedConn(ctx)
	if err != nil {
		return nil, err
	}
	defer release()
	mw := &metaWrite{s: s, conn: conn, ids: make([]any, len(writes)), changed: map[uint64]bool{}}
	for i, w := range writes {
		mw.ids[i] = w.ID
	}
	if err := mw.readMeta(ctx); err != nil {
		return nil, fmt.Errorf("read meta: %w", err)
	}
	if err := mw.readUsers(ctx); err != nil {
		return nil, fmt.Errorf("read users: %w", err)
	}
	if err := mw.write(ctx, writes); err != nil {
		return nil, err
	}
	if err := mw.readMeta(ctx); err != nil {
		return nil, fmt.Errorf("read back: %w", err)
	}
	out := mw.written(writes)
	release()
	for _, w := range writes {
		if mw.changed[w.ID] {
			s.afterWrite(ctx, w.ID)
		}
	}
	return out, nil
}

// metaWrite is one WriteBack under way, on the connection that holds the
// site's write lock.
type metaWrite struct {
	s    *Source
	conn *sql.Conn
	ids  []any // the users written, as query arguments
	// existing holds the first meta row of each user and key, by metaKey.
	existing map[string]meta
	// present are the users that still exist: meta for a deleted user
	// would be an orphan.
	present map[uint64]bool
	// changed are the users whose meta this write-back changed.
	changed map[uint64]bool
}

// meta is one usermeta row.
type meta struct {
	umetaID uint64
	value   string
}

func metaKey(id uint64, key string) string { return strconv.FormatUint(id, 10) + "\x00" + key }

// readMeta reads keysync's meta rows of the users, the first of each key.
func (mw *metaWrite) readMeta(ctx context.Context) error {
	s := mw.s
	mw.existing = map[string]meta{}
	rows, err := mw.conn.QueryContext(ctx, `SELECT umeta_id, user_id, meta_key, COALESCE(meta_value, '') FROM `+s.usermeta+
		` WHERE user_id IN (`+sqlutil.Placeholders(len(mw.ids))+`) AND meta_key IN (?, ?, ?) ORDER BY umeta_id`,
		append(mw.ids[:len(mw.ids):len(mw.ids)], s.cfg.NumberKey, s.cfg.HHKey, s.cfg.PEKey)...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var m meta
		var id uint64
		var key string
		if err := rows.Scan(&m.umetaID, &id, &key, &m.value); err != nil {
			return err
		}
		if _, ok := mw.existing[metaKey(id, key)]; !ok {
			mw.existing[metaKey(id, key)] = m
		}
	}
	return rows.Err()
}

// readUsers finds which of the users still exist.
func (mw *metaWrite) readUsers(ctx context.Context) error {
	mw.present = map[uint64]bool{}
	rows, err := mw.conn.QueryContext(ctx, `SELECT ID FROM `+mw.s.users+` WHERE ID IN (`+sqlutil.Placeholders(len(mw.ids))+`)`, mw.ids...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id uint64
		if err := rows.Scan(&id); err != nil {
			return err
		}
		mw.present[id] = true
	}
	return nil
}

// write fills each empty meta value and inserts each missing one, in one
// INSERT, for the users that still exist.
func (mw *metaWrite) write(ctx context.Context, writes []keysync.Write) error {
	s := mw.s
	var inserts []any
	for _, w := range writes {
		if !mw.present[w.ID] {
			continue
		}
		for _, kv := range [][2]string{{s.cfg.NumberKey, w.Number}, {s.cfg.HHKey, w.HH}, {s.cfg.PEKey, w.PE}} {
			if kv[1] == "" {
				continue
			}
			m, ok := mw.existing[metaKey(w.ID, kv[0])]
			switch {
			case !ok:
				inserts = append(inserts, w.ID, kv[0], kv[1])
				mw.changed[w.ID] = true
			case strings.TrimSpace(m.value) == "":
				if err := mw.fill(ctx, w.ID, m, kv[1]); err != nil {
					return err
				}
			}
		}
	}
	if len(inserts) == 0 {
		return nil
	}
	q := `INSERT INTO ` + s.usermeta + ` (user_id, meta_key, meta_value) VALUES ` + sqlutil.Rows(len(inserts)/3, 3)
	if _, err := mw.conn.ExecContext(ctx, q, inserts...); err != nil {
		return sqlutil.MarkData(fmt.Errorf("insert meta: %w", err), keysync.ErrRowRefused)
	}
	return nil
}

// fill writes a value into an empty meta row, compare-and-set on the
// value read.
func (mw *metaWrite) fill(ctx context.Context, id uint64, m meta, value string) error {
	res, err := mw.conn.ExecContext(ctx, `UPDATE `+mw.s.usermeta+` SET meta_value = ? WHERE umeta_id = ? AND COALESCE(meta_value, '') = ?`, value, m.umetaID, m.value)
	if err != nil {
		return sqlutil.MarkData(fmt.Errorf("fill meta: %w", err), keysync.ErrRowRefused)
	}
	if n, _ := res.RowsAffected(); n > 0 {
		mw.changed[id] = true
	}
	return nil
}

// written is what every user's meta holds after the write-back.
func (mw *metaWrite) written(writes []keysync.Write) []keysync.Written {
	cfg := mw.s.cfg
	out := make([]keysync.Written, len(writes))
	for i, w := range writes {
		out[i] = keysync.Written{ID: w.ID, Found: mw.present[w.ID],
			Number: strings.TrimSpace(mw.existing[metaKey(w.ID, cfg.NumberKey)].value),
			HH:     strings.TrimSpace(mw.existing[metaKey(w.ID, cfg.HHKey)].value),
			PE:     strings.TrimSpace(mw.existing[metaKey(w.ID, cfg.PEKey)].value)}
	}
	return out
}

// lockedConn pins a connection and takes the site's write lock on it;
// release (safe to call twice) gives both back. The lock serialises meta
// writes across daemons, since usermeta has no unique key to do it.
func (s *Source) lockedConn(ctx context.Context) (*sql.Conn, func(), error) {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("connect: %w", err)
	}
	unlock, err := sqlutil.GetLock(ctx, conn, s.lockName, 30*time.Second)
	if err != nil {
		conn.Close()
		return nil, nil, err
	}
	var once sync.Once
	return conn, func() {
		once.Do(func() {
			unlock()
			conn.Close()
		})
	}, nil
}

// afterWrite runs the configured hook for one user, bounded by its
// timeout. A failure is logged; the meta stays written.
func (s *Source) afterWrite(ctx context.Context, id uint64) {
	if s.cfg.AfterWrite == "" {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.cfg.AfterWriteTimeout)
	defer cancel()
	uid := strconv.FormatUint(id, 10)
	cmd := exec.CommandContext(ctx, "/bin/sh", "-c", strings.ReplaceAll(s.cfg.AfterWrite, "{id}", uid))
	cmd.Env = hookEnv(os.Getenv, uid, s.cfg.Name)
	cmd.WaitDelay = time.Second
	out, err := cmd.CombinedOutput()
	if err != nil {
		if ctx.Err() != nil {
			err = fmt.Errorf("timed out after %s", s.cfg.AfterWriteTimeout)
		}
		s.cfg.Logger.Warn("after-write command failed", keysync.LogSource, s.cfg.Name, keysync.LogUID, id,
			keysync.LogErr, err.Error(), "output", text.Abbrev(string(out), 500, "..."))
	}
}
