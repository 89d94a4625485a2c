// Package linkage generates labelled registrations for measuring how well
// keysync recognises the same person across member portals.
//
// No labelled German or Austrian linkage data set is public, so Generate
// builds one from a seed: first persons and their households, then one to
// three registrations per person on distinct portals, each written with the
// variations members produce. Every registration carries the truth
// (PersonID, HouseholdID, DwellingID) and the scenario it stands for (Kind,
// Household, Mail, Tags), so that a bench can report quality per scenario.
// The same seed and n always give the same registrations.
//
// # Persons and households
//
// Households are drawn with these weights (shares of households; a
// namesake needs an earlier person to share a name with):
//
//	single          68 %  one member at the address
//	couple          12 %  two partners, one address, an e-mail address each,
//	                      the same surname in 70 %
//	couple_mailbox   9 %  as couple, but both register with one mailbox
//	                      (familie.gruber@, hansundmaria@, or one partner's)
//	namesake         7 %  an unrelated person with the first name and
//	                      surname of an earlier person (Maria Gruber again),
//	                      another birth date, address and e-mail address
//	parent_child     3 %  parent and child with the same first name, surname
//	                      and address, born 25-35 years apart; "jun."/"sen."
//	                      on 30 % of their registrations, one family mailbox
//	                      in 15 % of these households
//	twin             1 %  same surname, address and birth date; in 50 % alike
//	                      names (Michael/Michaela, Lena/Lea, Jan/Jana); one
//	                      family mailbox in 15 %
//
// Names come from weighted lists: 8 % of surnames are the common Austrian
// and German ones (Gruber, Huber, Wagner, Müller, Bauer ..., each about
// 0.3 % of people as in the population), 5 % are double-barrelled, the
// rest form the long tail: a quarter from a list with umlauts, ß and names
// of the neighbours, the others compounded like Alpine farm and place
// names (Oberhuber, Steinleitner, Mühlbacher), about 1,500 in all;
// first names are weighted towards Maria, Anna, Johann, Josef, Franz,
// Thomas, Michael. 12 % of persons hold an academic title. 70 % live in
// Austria, where towns have Stiege and Top numbers; 30 % in Germany.
//
// # Registrations
//
// 68 % of persons register on one portal, 24 % on two, 8 % on all three, at
// random times over nine years (Registered gives the arrival order). The
// portals collect different things (see Portals): amicas asks for a birth
// date (80 % filled) and an address (85 %), club 60 % and 80 %, the
// WordPress community 5 % and 40 %. Overall about 49 % of registrations
// have no birth date, 29 % no address, and 3 % no e-mail address.
//
// A person's first registration has the household kind as Kind. Each later
// one has a repeat kind, drawn with these weights among the kinds that
// apply to the person (shares of repeats at n = 20,000 in parentheses):
//
//	exact          30  (36 %)  the same data, written with the usual noise
//	other_email    14  (16 %)  another e-mail address (work, other provider)
//	moved          12  (14 %)  a new address
//	typo_first      6   (7 %)  one-letter substitution (neighbouring key) or
//	typo_last       6   (7 %)  transposition, never of the first letter
//	nickname        7   (4 %)  Hans for Johann, Sepp for Josef, Resi ...
//	umlaut         15   (4 %)  Mueller or Muller for Müller, Weiss for Weiß
//	swapped         3   (4 %)  first and last name in each other's field
//	gmail_variant  12   (3 %)  the same Gmail mailbox with dots, +tag or
//	                           googlemail.com
//	married        12   (3 %)  a new (25 %: double-barrelled) surname, same
//	                           first name and birth date; a new address in
//	                           50 %, a new e-mail address in 60 %
//	birth_typo      2   (2 %)  a digit off, day and month swapped
//
// Married and moved persons keep their new name and address on later
// registrations. Except for exact, other_email, gmail_variant and married,
// a repeat keeps the e-mail address in 60 % (Mail "same") and uses another
// one otherwise; 10 % of unchanged addresses are typed with capitals.
//
// Noise on every registration: a title in the title field (70 % of title
// holders) or typed before the first name (10 %); the surname in capitals
// (2 %) or both names in lower case (2 %); stray spaces (2 %); streets with
// Str./Strasse/Pl./St. spellings; Austrian units as 10/4/15, 10/Stiege
// 4/Top 15, 10 Stg. 4 Top 15, 10, Stiege 4, Top 15, 10/A/4/15, 10/15, 10
// Top 15 or 10/4/07; postcodes with A-/D- (6 %); the country field as AT,
// Österreich, Austria, A, DE, Deutschland ... or empty.
package linkage
