package central

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"keysync/internal/sqlutil"
	keysync "keysync/sync"
)

// loadFacts reads, for one batch, the existing links of its accounts, the
// persons sharing their e-mail addresses, the owners of the numbers and
// Wibisoft ids found in the rows, the households of their addresses, and
// the fuzzy candidates under their blocking keys.
func loadFacts(ctx context.Context, tx *sql.Tx, source string, cands []keysync.Candidate) (*facts, error) {
	f := newFacts(source)
	k := keysOf(cands)
	steps := []struct {
		what string
		load func(context.Context, *sql.Tx, batchKeys) error
	}{
		{"load links", f.loadLinks},
		{"load refused rows", f.loadRefused},
		{"load e-mail matches", f.loadEmails},
		{"load numbers", f.loadNumbers},
		{"load person ids", f.loadPersonIDs},
		{"load households", f.loadHouseholds},
		{"load imported households", f.loadImported},
		{"load fuzzy candidates", f.loadSimilar},
		{"count names", f.loadNameCounts},
	}
	for _, st := range steps {
		if err := st.load(ctx, tx, k); err != nil {
			return nil, fmt.Errorf("%s: %w", st.what, err)
		}
	}
	return f, nil
}

func newFacts(source string) *facts {
	f := &facts{
		source:   source,
		linked:   map[uint64]keysync.Person{},
		byEmail:  map[string][]keysync.Person{},
		byNumber: map[string]keysync.Person{},
		byPE:     map[string]keysync.Person{},
		rewrite:  map[uint64]bool{},
		stored:   map[uint64]storedAccount{},
		refused:  map[uint64][]string{},
		firsts:   map[string]int{},
		lasts:    map[string]int{},
		imported: map[string]bool{},
	}
	for i := range f.similar {
		f.similar[i] = map[string][]int{}
	}
	return f
}

// batchKeys are the values of a batch that loadFacts looks up, as query
// arguments.
type batchKeys struct {
	ids, emails, numbers, pes, households, hhs []any
	blocks                                     [len(blockColumns)][]any
	// firsts and lasts are the batch's normalised names.
	firsts, lasts []string
}

func keysOf(cands []keysync.Candidate) batchKeys {
	var k batchKeys
	for _, c := range cands {
		k.ids = append(k.ids, c.Account.ID)
		k.firsts, k.lasts = append(k.firsts, c.Profile.FirstName), append(k.lasts, c.Profile.LastName)
		if c.Profile.Email != "" {
			k.emails = append(k.emails, c.Profile.Email)
		}
		if c.Account.Number != "" {
			k.numbers = append(k.numbers, c.Account.Number)
		}
		if c.Account.PE != "" {
			k.pes = append(k.pes, c.Account.PE)
		}
		if c.Account.HH != "" {
			k.hhs = append(k.hhs, c.Account.HH)
		}
		if c.Profile.Household != "" {
			k.households = append(k.households, c.Profile.Household)
		}
		for i, b := range blockValues(c.Profile.Blocks) {
			if b != "" {
				k.blocks[i] = append(k.blocks[i], b)
			}
		}
	}
	return k
}

// loadLinks reads the persons the batch's accounts are linked to already.
func (f *facts) loadLinks(ctx context.Context, tx *sql.Tx, k batchKeys) error {
	if len(k.ids) == 0 {
		return nil
	}
	q := `SELECT a.account_id, a.pending_write, a.status, a.data_hash, ` + personColumns + ` FROM accounts a JOIN persons p ON p.number = a.number WHERE a.source = ? AND a.account_id IN (` + sqlutil.Placeholders(len(k.ids)) + `)`
	return sqlutil.Each(ctx, tx, q, append([]any{f.source}, k.ids...), func(rows *sql.Rows) error {
		var id uint64
		var rewrite bool
		var st storedAccount
		var hash sql.Null[uint64]
		p, err := scanPerson(rows, &id, &rewrite, &st.status, &hash)
		st.hash, st.hashed = hash.V, hash.Valid
		f.linked[id] = p
		f.rewrite[id] = rewrite
		f.stored[id] = st
		return err
	})
}

// loadEmails reads the persons having accounts with the batch's e-mail
// addresses. The profile of a candidate under an e-mail address is that
// of the account carrying the address: a person may use other names
// elsewhere, and parent and child sharing the mailbox differ in their
// birth date, generation marker or household. The index is named: the
// optimiser scanned the accounts for a batch's hundreds of addresses while
// it deemed the table small.
func (f *facts) loadEmails(ctx context.Context, tx *sql.Tx, k batchKeys) error {
	if len(k.emails) == 0 {
		return nil
	}
	q := `SELECT a.first_norm, a.last_norm, a.birth_date, a.first_name, a.last_name, a.address_key, ` + personColumns + ` FROM accounts a FORCE INDEX (email_norm) JOIN persons p ON p.number = a.number WHERE a.email_norm IN (` + sqlutil.Placeholders(len(k.emails)) + `) ORDER BY p.created_at, p.number`
	return sqlutil.Each(ctx, tx, q, k.emails, func(rows *sql.Rows) error {
		var first, last, birth, rawFirst, rawLast, addr string
		p, err := scanPerson(rows, &first, &last, &birth, &rawFirst, &rawLast, &addr)
		p.Profile.FirstName, p.Profile.LastName, p.Profile.BirthDate = first, last, birth
		p.Profile.Generation = keysync.Generation(rawFirst, rawLast)
		p.Profile.Household = keysync.HouseholdKeyOf(addr, last)
		f.byEmail[p.Profile.Email] = append(f.byEmail[p.Profile.Email], p)
		// A shared mailbox puts a new person into this household, whose
		// row exists already.
		f.Add("", p.HH)
		return err
	})
}

// loadNumbers reads the owners of the numbers the batch's rows carry. A
// retired number (merged away) stands for its survivor: the survivor is
// returned under the retired number.
func (f *facts) loadNumbers(ctx context.Context, tx *sql.Tx, k batchKeys) error {
	if len(k.numbers) == 0 {
		return nil
	}
	q := `SELECT p.number, ` + survivorColumns + ` FROM persons p LEFT JOIN persons s ON s.number = p.merged_into AND p.status = 'retired' WHERE p.number IN (` + sqlutil.Placeholders(len(k.numbers)) + `)`
	return sqlutil.Each(ctx, tx, q, k.numbers, func(rows *sql.Rows) error {
		var asked string
		p, err := scanPerson(rows, &asked)
		f.byNumber[asked] = p
		return err
	})
}

// loadPersonIDs reads the owners of the Wibisoft person ids the batch's
// rows carry.
func (f *facts) loadPersonIDs(ctx context.Context, tx *sql.Tx, k batchKeys) error {
	if len(k.pes) == 0 {
		return nil
	}
	q := `SELECT ` + personColumns + ` FROM persons p WHERE p.pe_id IN (` + sqlutil.Placeholders(len(k.pes)) + `)`
	return sqlutil.Each(ctx, tx, q, k.pes, func(rows *sql.Rows) error {
		p, err := scanPerson(rows)
		f.byPE[p.PE] = p
		return err
	})
}

// loadHouseholds reads the households of the batch's household keys and
// of the household ids its rows carry, the first opened under a key first.
func (f *facts) loadHouseholds(ctx context.Context, tx *sql.Tx, k batchKeys) error {
	if len(k.households)+len(k.hhs) == 0 {
		return nil
	}
	var where []string
	if len(k.households) > 0 {
		where = append(where, `match_key IN (`+sqlutil.Placeholders(len(k.households))+`)`)
	}
	if len(k.hhs) > 0 {
		where = append(where, `hh_id IN (`+sqlutil.Placeholders(len(k.hhs))+`)`)
	}
	q := `SELECT hh_id, match_key FROM households WHERE ` + strings.Join(where, " OR ") + ` ORDER BY created_at, hh_id`
	return sqlutil.Each(ctx, tx, q, append(k.households, k.hhs...), func(rows *sql.Rows) error {
		var hh, key string
		if err := rows.Scan(&hh, &key); err != nil {
			return err
		}
		f.Add(key, hh)
		return nil
	})
}

// loadRefused reads the fingerprints of the rows of the batch that a
// database refused before and whose conflicts are open.
func (f *facts) loadRefused(ctx context.Context, tx *sql.Tx, k batchKeys) error {
	if len(k.ids) == 0 {
		return nil
	}
	q := `SELECT account_id, value FROM conflicts WHERE source = ? AND account_id IN (` + sqlutil.Placeholders(len(k.ids)) + `) AND kind = ? AND status = 'open'`
	args := append(append([]any{f.source}, k.ids...), string(keysync.ConflictRowRefused))
	return sqlutil.Each(ctx, tx, q, args, func(rows *sql.Rows) error {
		var id uint64
		var fp string
		err := rows.Scan(&id, &fp)
		f.refused[id] = append(f.refused[id], fp)
		return err
	})
}

// loadImported reads which household ids of a Wibisoft import's rows hold
// a person an import carried. It starts from the source's accounts, whose
// primary key leads with the source, as persons have no index on hh_id.
func (f *facts) loadImported(ctx context.Context, tx *sql.Tx, k batchKeys) error {
	if f.source != keysync.WibisoftSource || len(k.hhs) == 0 {
		return nil
	}
	q := `SELECT DISTINCT p.hh_id FROM accounts a JOIN persons p ON p.number = a.number WHERE a.source = ? AND p.hh_id IN (` + sqlutil.Placeholders(len(k.hhs)) + `)`
	return sqlutil.Each(ctx, tx, q, append([]any{keysync.WibisoftSource}, k.hhs...), func(rows *sql.Rows) error {
		var hh string
		err := rows.Scan(&hh)
		f.imported[hh] = true
		return err
	})
}
