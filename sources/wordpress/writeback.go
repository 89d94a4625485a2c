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

	ids := make([]any, len(writes))
	for i, w := range writes {
		ids[i] = w.ID
	}
	keys := []any{s.cfg.NumberKey, s.cfg.HHKey, s.cfg.PEKey}
	type meta struct {
		umetaID uint64
		value   string
	}
	existing := map[string]meta{} // "id\x00key" -> first row
	read := func() error {
		clear(existing)
		rows, err := conn.QueryContext(ctx, `SELECT umeta_id, user_id, meta_key, COALESCE(meta_value, '') FROM `+s.usermeta+
			` WHERE user_id IN (`+sqlutil.Placeholders(len(ids))+`) AND meta_key IN (?, ?, ?) ORDER BY umeta_id`, append(ids, keys...)...)
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
			k := strconv.FormatUint(id, 10) + "\x00" + key
			if _, ok := existing[k]; !ok {
				existing[k] = m
			}
		}
		return rows.Err()
	}
	if err := read(); err != nil {
		return nil, fmt.Errorf("read meta: %w", err)
	}
	// Users that still exist: meta for a deleted user would be an orphan.
	present := map[uint64]bool{}
	prow, err := conn.QueryContext(ctx, `SELECT ID FROM `+s.users+` WHERE ID IN (`+sqlutil.Placeholders(len(ids))+`)`, ids...)
	if err != nil {
		return nil, fmt.Errorf("read users: %w", err)
	}
	for prow.Next() {
		var id uint64
		if err := prow.Scan(&id); err != nil {
			prow.Close()
			return nil, fmt.Errorf("read users: %w", err)
		}
		present[id] = true
	}
	prow.Close()

	var inserts []any
	nInserts := 0
	changed := map[uint64]bool{}
	for _, w := range writes {
		if !present[w.ID] {
			continue
		}
		for _, kv := range [][2]string{{s.cfg.NumberKey, w.Number}, {s.cfg.HHKey, w.HH}, {s.cfg.PEKey, w.PE}} {
			if kv[1] == "" {
				continue
			}
			m, ok := existing[strconv.FormatUint(w.ID, 10)+"\x00"+kv[0]]
			switch {
			case !ok:
				inserts = append(inserts, w.ID, kv[0], kv[1])
				nInserts++
				changed[w.ID] = true
			case strings.TrimSpace(m.value) == "":
				res, err := conn.ExecContext(ctx, `UPDATE `+s.usermeta+` SET meta_value = ? WHERE umeta_id = ? AND COALESCE(meta_value, '') = ?`, kv[1], m.umetaID, m.value)
				if err != nil {
					return nil, fmt.Errorf("fill meta: %w", err)
				}
				if n, _ := res.RowsAffected(); n > 0 {
					changed[w.ID] = true
				}
			}
		}
	}
	if nInserts > 0 {
		q := `INSERT INTO ` + s.usermeta + ` (user_id, meta_key, meta_value) VALUES ` + sqlutil.Rows(nInserts, 3)
		if _, err := conn.ExecContext(ctx, q, inserts...); err != nil {
			return nil, fmt.Errorf("insert meta: %w", err)
		}
	}
	if err := read(); err != nil {
		return nil, fmt.Errorf("read back: %w", err)
	}
	out := make([]keysync.Written, len(writes))
	for i, w := range writes {
		got := keysync.Written{ID: w.ID, Found: present[w.ID]}
		id := strconv.FormatUint(w.ID, 10) + "\x00"
		got.Number = strings.TrimSpace(existing[id+s.cfg.NumberKey].value)
		got.HH = strings.TrimSpace(existing[id+s.cfg.HHKey].value)
		got.PE = strings.TrimSpace(existing[id+s.cfg.PEKey].value)
		out[i] = got
	}
	release()
	for _, w := range writes {
		if changed[w.ID] {
			s.afterWrite(ctx, w.ID)
		}
	}
	return out, nil
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
	cmd.Env = append(os.Environ(), "KEYSYNC_USER_ID="+uid, "KEYSYNC_SOURCE="+s.cfg.Name)
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
