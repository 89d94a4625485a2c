package central

import (
	"context"
	"database/sql"
	"fmt"

	"keysync/internal/sqlutil"
	keysync "keysync/sync"
)

// ImportIDs returns the account id of each PE-ID of a Wibisoft import (the
// rows are accounts of keysync.WibisoftSource). A PE-ID seen before keeps
// its id; a new one gets the next, recorded before the rows are decided,
// so an interrupted import run again finds the same ids. With dry set
// nothing is recorded: new PE-IDs get ids above every id in use, in the
// order given.
func (s *Store) ImportIDs(ctx context.Context, pes []string, dry bool) (map[string]uint64, error) {
	ids := make(map[string]uint64, len(pes))
	if !dry {
		if err := s.recordImportIDs(ctx, pes); err != nil {
			return nil, err
		}
	}
	for start := 0; start < len(pes); start += insertChunk {
		chunk := sqlutil.Args(pes[start:min(start+insertChunk, len(pes))])
		q := `SELECT pe_id, account_id FROM wibisoft_rows WHERE pe_id IN (` + sqlutil.Placeholders(len(chunk)) + `)`
		err := sqlutil.Each(ctx, s.db, q, chunk, func(rows *sql.Rows) error {
			var pe string
			var id uint64
			err := rows.Scan(&pe, &id)
			ids[pe] = id
			return err
		})
		if err != nil {
			return nil, fmt.Errorf("read import ids: %w", err)
		}
	}
	return ids, s.provisionalIDs(ctx, pes, ids)
}

// recordImportIDs gives each new PE-ID its account id.
func (s *Store) recordImportIDs(ctx context.Context, pes []string) error {
	now := s.now().UTC()
	return s.retry(ctx, func() error {
		for start := 0; start < len(pes); start += insertChunk {
			chunk := pes[start:min(start+insertChunk, len(pes))]
			args := make([]any, 0, 2*len(chunk))
			for _, pe := range chunk {
				args = append(args, pe, now)
			}
			q := `INSERT IGNORE INTO wibisoft_rows (pe_id, first_seen) VALUES ` + sqlutil.Rows(len(chunk), 2)
			if _, err := s.db.ExecContext(ctx, q, args...); err != nil {
				return fmt.Errorf("record import ids: %w", err)
			}
		}
		return nil
	})
}

// provisionalIDs gives the PE-IDs without an id one above every id in use,
// for a dry run.
func (s *Store) provisionalIDs(ctx context.Context, pes []string, ids map[string]uint64) error {
	var next uint64
	for _, pe := range pes {
		if _, ok := ids[pe]; ok {
			continue
		}
		if next == 0 {
			if err := s.db.QueryRowContext(ctx, `SELECT COALESCE(MAX(account_id), 0) + 1 FROM wibisoft_rows`).Scan(&next); err != nil {
				return fmt.Errorf("read import ids: %w", err)
			}
		}
		ids[pe] = next
		next++
	}
	return nil
}

// RecordImport adds an import of a Wibisoft file to the history, by whom
// and what it did (detail).
func (s *Store) RecordImport(ctx context.Context, by, file, detail string) error {
	return s.retry(ctx, func() error {
		in := eventInsert()
		addEvent(&in, s.now().UTC(), by, "imported", "", keysync.WibisoftSource, nil, "", file, detail)
		tx, err := s.db.BeginTx(ctx, nil)
		if err != nil {
			return fmt.Errorf("begin: %w", err)
		}
		defer tx.Rollback() //nolint:errcheck // a no-op after Commit
		if err := in.exec(ctx, tx); err != nil {
			return err
		}
		return tx.Commit()
	})
}
