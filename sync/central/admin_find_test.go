package central_test

import (
	"errors"
	"slices"
	"testing"
	"time"

	keysync "keysync/sync"
	"keysync/sync/central"
)

// findFixture is a central store with persons made for searching, and
// their numbers by a short name.
func findFixture(tb testing.TB) (*fixture, map[string]string) {
	tb.Helper()
	f := mustStore(tb)
	day := func(s string) time.Time {
		t, err := time.Parse("2006-01-02", s)
		if err != nil {
			tb.Fatal(err)
		}
		return t
	}
	person := func(id uint64, first, last, email, street, zip, city, country, registered string) keysync.Account {
		return account(id, func(a *keysync.Account) {
			a.FirstName, a.LastName, a.Email, a.Street, a.Zip, a.City, a.Country = first, last, email, street, zip, city, country
			a.Registered = time.Time{}
			if registered != "" {
				a.Registered = day(registered)
			}
		})
	}
	out := f.mustAssign(tb, cands(
		person(1, "Josef", "Maier", "Maier@gmx.at", "Hauptstraße 10", "1010", "Wien", "", "2022-01-10"),
		person(2, "Karl", "Mayer", "mayer@aon.at", "Hauptplatz 1", "A-8010", "Graz", "", "2025-03-01"),
		person(3, "Heinz", "Meyer", "meyer@web.de", "Marienplatz 1", "80331", "München", "Deutschland", "2025-05-01"),
		person(4, "Anna Theresia", "Huber", "huber@gmx.at", "Lindengasse 5", "1070", "Wien", "", "2024-12-01"),
		person(5, "Hans", "Müller", "hans.mueller@gmail.com", "", "", "", "", ""),
	)...)
	club, err := f.Store.Assign(tb.Context(), "club", cands(
		account(6, func(a *keysync.Account) {
			a.Source, a.FirstName, a.LastName, a.Email, a.Registered = "club", "Anna", "Schmid", "anna.schmid@gmx.at", day("2023-02-02")
		}),
	), false)
	if err != nil {
		tb.Fatal(err)
	}
	// The club deleted Anna's row; keysync keeps the account.
	f.EditAccounts(tb, `UPDATE accounts SET status = 'deleted', deleted_at = ? WHERE source = 'club'`, day("2025-04-04"))
	names := map[string]string{"maier": out[0].Number, "mayer": out[1].Number, "meyer": out[2].Number,
		"huber": out[3].Number, "mueller": out[4].Number, "schmid": club[0].Number}
	return f, names
}

func TestStore_Find(t *testing.T) {
	t.Parallel()
	f, num := findFixture(t)
	day := func(s string) time.Time {
		t, _ := time.Parse("2006-01-02", s)
		return t
	}
	countries := map[string]string{"amicas": "AT", "club": "AT"}
	for _, tc := range []struct {
		name string
		q    central.Query
		want []string
	}{
		{"everyone", central.Query{}, []string{"maier", "mayer", "meyer", "huber", "mueller", "schmid"}},
		{"number", central.Query{Number: num["meyer"]}, []string{"meyer"}},
		{"email normalised", central.Query{Email: " MAIER@gmx.AT"}, []string{"maier"}},
		{"gmail dots and tags", central.Query{Email: "hansmueller+news@googlemail.com"}, []string{"mueller"}},
		{"postcode with prefix", central.Query{Postcode: "A-8010"}, []string{"mayer"}},
		{"postcode", central.Query{Postcode: "1010"}, []string{"maier"}},
		{"country spelled out", central.Query{Country: "Deutschland"}, []string{"meyer"}},
		{"country default of the portal", central.Query{Country: "AT"}, []string{"maier", "mayer", "huber", "mueller", "schmid"}},
		{"name prefix", central.Query{Name: "Mai"}, []string{"maier"}},
		{"name prefix first name", central.Query{Name: "jo"}, []string{"maier"}},
		{"name from a later word", central.Query{Name: "Theres"}, []string{"huber"}},
		{"name transliterated", central.Query{Name: "Müll"}, []string{"mueller"}},
		{"name wildcard", central.Query{Name: "M*er"}, []string{"maier", "mayer", "meyer", "mueller"}},
		{"name single-letter wildcard", central.Query{Name: "m?yer"}, []string{"mayer", "meyer"}},
		{"name whole word only with a pattern", central.Query{Name: "mai*r"}, []string{"maier"}},
		{"sounds like", central.Query{SoundsLike: "Meier"}, []string{"maier", "mayer", "meyer"}},
		{"sounds like first and last", central.Query{SoundsLike: "Josef Mayr"}, []string{"maier"}},
		{"sounds like in Austria", central.Query{SoundsLike: "Meier", Country: "A"}, []string{"maier", "mayer"}},
		{"registered since", central.Query{RegisteredSince: day("2025-01-01")}, []string{"mayer", "meyer", "mueller"}},
		{"registered before", central.Query{RegisteredBefore: day("2025-01-01")}, []string{"maier", "huber", "schmid"}},
		{"registered between", central.Query{RegisteredSince: day("2024-06-01"), RegisteredBefore: day("2025-04-01")}, []string{"mayer", "huber"}},
		{"deleted accounts", central.Query{Status: "deleted"}, []string{"schmid"}},
		{"source", central.Query{Source: "club", Name: "sch"}, []string{"schmid"}},
		{"nothing", central.Query{Name: "Zz"}, nil},
		{"and", central.Query{Name: "M", Postcode: "1010", RegisteredBefore: day("2023-01-01")}, []string{"maier"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.q.SourceCountries = countries
			got, more, err := f.Store.Find(t.Context(), tc.q)
			if err != nil {
				t.Fatalf("Find(%+v): %v", tc.q, err)
			}
			var want []string
			for _, n := range tc.want {
				want = append(want, num[n])
			}
			slices.Sort(want)
			var numbers []string
			for _, p := range got {
				numbers = append(numbers, p.Number)
			}
			if !slices.Equal(numbers, want) || more {
				t.Errorf("Find(%+v)=%v (more=%v), want %v %v", tc.q, numbers, more, want, tc.want)
			}
		})
	}
}

func TestStore_FindDeletedAndRetired(t *testing.T) {
	t.Parallel()
	f, num := findFixture(t)
	got, _, err := f.Store.Find(t.Context(), central.Query{Email: "anna.schmid@gmx.at"})
	if err != nil || len(got) != 1 {
		t.Fatalf("Find deleted account=%v, %v", got, err)
	}
	a := got[0].Accounts[0]
	if a.Status != "deleted" || a.DeletedAt == nil || a.DeletedAt.Format("2006-01-02") != "2025-04-04" {
		t.Errorf("deleted account=%+v, want status deleted and its deletion date", a)
	}

	testdbExec(t, f, `UPDATE persons SET status = 'retired', merged_into = ? WHERE number = ?`, num["maier"], num["mayer"])
	f.EditAccounts(t, `UPDATE accounts SET number = ? WHERE number = ?`, num["maier"], num["mayer"])
	got, _, err = f.Store.Find(t.Context(), central.Query{SoundsLike: "Meier"})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Number != num["maier"] || len(got[0].Accounts) != 2 {
		t.Errorf("after the merge: %+v, want Maier with both accounts, and Meyer", got)
	}
	got, _, err = f.Store.Find(t.Context(), central.Query{Number: num["mayer"]})
	if err != nil || len(got) != 1 || got[0].Status != "retired" || got[0].MergedInto != num["maier"] {
		t.Errorf("retired number: %+v, %v; want it found, merged into %s", got, err, num["maier"])
	}
}

func TestStore_FindLimitAndBadQueries(t *testing.T) {
	t.Parallel()
	f, _ := findFixture(t)
	got, more, err := f.Store.Find(t.Context(), central.Query{Name: "*", Limit: 2})
	if err != nil || len(got) != 2 || !more {
		t.Errorf("limit 2: %d persons, more=%v, %v; want 2 and more", len(got), more, err)
	}
	for _, q := range []central.Query{
		{Email: "no address"}, {Country: "Narnia"}, {Status: "lost"}, {SoundsLike: "1234"}, {Name: "-"}, {Postcode: "Wien"}, {Limit: -1},
	} {
		if _, _, err := f.Store.Find(t.Context(), q); !errors.Is(err, central.ErrBadQuery) {
			t.Errorf("Find(%+v)=%v, want ErrBadQuery", q, err)
		}
	}
}

func testdbExec(tb testing.TB, f *fixture, q string, args ...any) {
	tb.Helper()
	if _, err := f.DB.ExecContext(tb.Context(), q, args...); err != nil {
		tb.Fatalf("%s: %v", q, err)
	}
}

// TestStore_FindPhoneAndBirthDate: a phone number is found however it was
// typed, in the phone or the mobile field; birth dates are found exactly,
// in a range and by month, from the person's current record (a changed
// birth date is found under the new one).
func TestStore_FindPhoneAndBirthDate(t *testing.T) {
	t.Parallel()
	f := mustStore(t)
	born := func(id uint64, date, phone, mobile string) keysync.Account {
		return account(id, func(a *keysync.Account) { a.BirthDate, a.Phone, a.Mobile = date, phone, mobile })
	}
	out := f.mustAssign(t, cands(
		born(1, "1980-05-17", "+43 664 1234567", ""),
		born(2, "1985-05-02", "", "0043 660 7654321"),
		born(3, "1989-12-31", "01 234 56 78", ""),
		born(4, "1990-01-01", "", ""),
		born(5, "", "", ""),
	)...)
	num := func(i int) string { return out[i].Number }
	find := func(q central.Query) []string {
		t.Helper()
		ps, _, err := f.Store.Find(t.Context(), q)
		if err != nil {
			t.Fatalf("Find(%+v): %v", q, err)
		}
		var got []string
		for _, p := range ps {
			got = append(got, p.Number)
		}
		return got
	}
	for name, c := range map[string]struct {
		q    central.Query
		want []string
	}{
		"phone typed nationally":    {central.Query{Phone: "0664/123 45 67"}, []string{num(0)}},
		"mobile":                    {central.Query{Phone: "+43 660 7654321"}, []string{num(1)}},
		"no such phone":             {central.Query{Phone: "0664 1234568"}, nil},
		"exact birth date":          {central.Query{BirthFrom: "1980-05-17", BirthTo: "1980-05-17"}, []string{num(0)}},
		"the eighties":              {central.Query{BirthFrom: "1980-01-01", BirthTo: "1989-12-31"}, []string{num(0), num(1), num(2)}},
		"born from 1989":            {central.Query{BirthFrom: "1989-01-01"}, []string{num(2), num(3)}},
		"born up to 1980":           {central.Query{BirthTo: "1980-12-31"}, []string{num(0)}},
		"born in May":               {central.Query{BirthMonth: 5}, []string{num(0), num(1)}},
		"born in May, in the 1980s": {central.Query{BirthMonth: 5, BirthFrom: "1981-01-01", BirthTo: "1989-12-31"}, []string{num(1)}},
	} {
		if got := find(c.q); !slices.Equal(got, c.want) {
			t.Errorf("%s: found %v, want %v", name, got, c.want)
		}
	}
	// The birth date changes in the portal: found under the new one.
	f.mustAssign(t, cand(born(4, "1990-05-01", "", "")))
	if got := find(central.Query{BirthMonth: 5}); !slices.Equal(got, []string{num(0), num(1), num(3)}) {
		t.Errorf("born in May after a change: %v", got)
	}
	for _, bad := range []central.Query{{Phone: "n/a"}, {BirthFrom: "1980-13-01"}, {BirthFrom: "1990-01-01", BirthTo: "1980-01-01"}, {BirthMonth: 13}} {
		if _, _, err := f.Store.Find(t.Context(), bad); !errors.Is(err, central.ErrBadQuery) {
			t.Errorf("Find(%+v) = %v, want ErrBadQuery", bad, err)
		}
	}
}
