package linkage

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"keysync/internal/gazetteer"
)

// Population returns n registrations of n different persons on the
// portal amicas, the same for the same seed: nobody registers twice, so
// every link keysync makes between them is a false merge and every review
// it asks for is a false alarm. Names follow the long tail of Austrian
// name frequencies (popRanks): the commonest surname, Gruber, is borne by
// about one person in 350, the commonest first names by a few in a
// hundred, and most persons bear a surname that few others bear. Half give
// a birth date (born 1935 to 2008), seven in ten a postal address (nine in
// ten of those in Austria); every one has an e-mail address of their own.
func Population(seed int64, n int) []Registration {
	g := &popGenerator{rng: rand.New(rand.NewPCG(uint64(seed), 0x706f70756c6174)), mails: map[string]bool{}}
	g.surnames = newPopRanks(popSurnames(), 50)
	g.women = newPopRanks(uniqueNames(womenNames, rareWomenNames), 4)
	g.men = newPopRanks(uniqueNames(menNames, rareMenNames), 4)
	start := time.Date(2016, 3, 1, 0, 0, 0, 0, time.UTC)
	out := make([]Registration, n)
	for i := range out {
		r := &out[i]
		r.Seq, r.Portal, r.AccountID = i, PortalAmicas, uint64(i+1)
		r.Registered = start.Add(time.Duration(i) * 37 * time.Minute)
		r.PersonID, r.HouseholdID, r.Kind, r.Household, r.Mail = i+1, i+1, KindSingle, KindSingle, MailOwn
		g.fill(r)
	}
	return out
}

// popGenerator draws the persons of Population.
type popGenerator struct {
	rng                  *rand.Rand
	surnames, women, men popRanks
	mails                map[string]bool
}

func (g *popGenerator) fill(r *Registration) {
	woman := g.rng.IntN(2) == 0
	if woman {
		r.FirstName = g.women.draw(g.rng)
	} else {
		r.FirstName = g.men.draw(g.rng)
	}
	r.LastName = g.surnames.draw(g.rng)
	if g.rng.IntN(2) == 0 {
		born := time.Date(1935+g.rng.IntN(74), time.January, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, g.rng.IntN(365))
		r.BirthDate = born.Format("2006-01-02")
	}
	if g.rng.IntN(10) < 7 {
		g.address(r)
	}
	r.Email = g.email(r.FirstName, r.LastName)
}

// address draws a dwelling: a street, a house number and, in Austrian
// towns, often a Stiege and a Top.
func (g *popGenerator) address(r *Registration) {
	if g.rng.IntN(10) < 9 {
		place := gazetteer.ATPlaces[g.rng.IntN(len(gazetteer.ATPlaces))]
		r.Zip, r.City, r.Country = place[0], place[1], "AT"
		r.Street = fmt.Sprintf("%s %d", gazetteer.ATStreets[g.rng.IntN(len(gazetteer.ATStreets))], 1+g.rng.IntN(120))
		if g.rng.IntN(2) == 0 {
			r.Street += fmt.Sprintf("/%d/%d", 1+g.rng.IntN(6), 1+g.rng.IntN(40))
		}
		return
	}
	place := gazetteer.DEPlaces[g.rng.IntN(len(gazetteer.DEPlaces))]
	r.Zip, r.City, r.Country = place[0], place[1], "DE"
	r.Street = fmt.Sprintf("%s %d", gazetteer.DEStreets[g.rng.IntN(len(gazetteer.DEStreets))], 1+g.rng.IntN(120))
}

// email gives the person an address nobody else in the population has.
func (g *popGenerator) email(first, last string) string {
	local := mailName(first) + "." + mailName(last)
	domain := atProviders[g.rng.IntN(len(atProviders))]
	for i := 0; ; i++ {
		addr := local + "@" + domain
		if i > 0 {
			addr = fmt.Sprintf("%s%d@%s", local, i+1, domain)
		}
		if !g.mails[addr] {
			g.mails[addr] = true
			return addr
		}
	}
}

// popRanks draws names by rank r (from 1) with a probability
// proportional to 1/(r+shift): Zipf's law flattened at the top, which is
// how name frequencies fall off. With 60,000 surnames and a shift of 50
// the commonest is borne by 0.28 % of the population, the 64 commonest by
// 11.5 % and the rarest by a few in a million.
type popRanks struct {
	names []string
	cum   []float64
}

func newPopRanks(names []string, shift float64) popRanks {
	p := popRanks{names: names, cum: make([]float64, len(names))}
	sum := 0.0
	for i := range names {
		sum += 1 / (float64(i+1) + shift)
		p.cum[i] = sum
	}
	for i := range p.cum {
		p.cum[i] /= sum
	}
	return p
}

func (p popRanks) draw(rng *rand.Rand) string {
	i, _ := slices.BinarySearch(p.cum, rng.Float64())
	return p.names[min(i, len(p.names)-1)]
}

// popSurnameCount is how many surnames the population draws from: Austria
// has far more, but beyond a few tens of thousands each is borne by so
// few that two distinct persons sharing one is as rare as it gets.
const popSurnameCount = 60000

// popSurnames lists surnames from the commonest down: the common and the
// other surnames of the labelled generator, then compounds of a place, a
// farm or a trade (Oberhuber, Steinleitner, Mühlbacher) and of two stems
// (Oberholzbauer) in a fixed shuffled order, so that no family of names
// holds the top ranks of the tail.
func popSurnames() []string {
	names := uniqueNames(commonLastNames, otherLastNames)
	seen := map[string]bool{}
	for _, n := range names {
		seen[n] = true
	}
	var tail []string
	for _, s := range surnameStems {
		for _, e := range surnameEndings {
			tail = append(tail, s+e)
			for _, m := range surnameStems {
				if m != s {
					tail = append(tail, s+strings.ToLower(m)+e)
				}
			}
		}
	}
	rng := rand.New(rand.NewPCG(7, 11))
	rng.Shuffle(len(tail), func(i, j int) { tail[i], tail[j] = tail[j], tail[i] })
	for _, t := range tail {
		if len(names) == popSurnameCount {
			break
		}
		if !seen[t] {
			seen[t] = true
			names = append(names, t)
		}
	}
	return names
}

// uniqueNames joins lists, each name once, in the order of first
// appearance: lists weighted by repetition become lists by rank.
func uniqueNames(lists ...[]string) []string {
	var out []string
	seen := map[string]bool{}
	for _, l := range lists {
		for _, n := range l {
			if !seen[n] {
				seen[n] = true
				out = append(out, n)
			}
		}
	}
	return out
}

// rareWomenNames and rareMenNames are first names of the long tail: given
// in Austria in every decade, but each to few.
var (
	rareWomenNames = []string{
		"Adelheid", "Agathe", "Agnes", "Alexandra", "Aloisia", "Amalia", "Amelie", "Antonia", "Apollonia",
		"Beate", "Benedikta", "Berta", "Bettina", "Bianca", "Burgi", "Carina", "Carmen", "Charlotte",
		"Constanze", "Dagmar", "Dorothea", "Edeltraud", "Edith", "Eleonore", "Ella", "Erika",
		"Erna", "Esther", "Eugenie", "Fanny", "Felicitas", "Friederike", "Gerlinde", "Gisela", "Gudrun",
		"Gundula", "Hanna", "Heidemarie", "Helene", "Henriette", "Hermine", "Ida", "Ilse", "Irene",
		"Isabella", "Jacqueline", "Jasmin", "Johanna-Maria", "Judith", "Klara", "Kreszenz", "Leopoldine",
		"Liane", "Lieselotte", "Lisa", "Lore", "Luise", "Manuela", "Mathilde", "Melanie", "Miriam",
		"Nadine", "Notburga", "Olga", "Ottilie", "Pauline", "Regina", "Roswitha", "Ruth", "Sieglinde",
		"Silvia", "Sonja", "Stephanie", "Sybille", "Theresa", "Trude", "Ulrike", "Viktoria", "Walburga",
		"Wilhelmine", "Xenia", "Yvonne", "Zita",
	}
	rareMenNames = []string{
		"Adalbert", "Adolf", "Albin", "Albert", "Alfons", "Alfred", "Ambros", "Arnold", "Arthur", "August",
		"Balthasar", "Benedikt", "Benno", "Berthold", "Blasius", "Bruno", "Cornelius", "Dietmar", "Egon",
		"Emil", "Erich", "Erwin", "Eugen", "Ferdinand", "Gabriel", "Gebhard", "Gottfried", "Gregor",
		"Gustav", "Harald", "Hartmut", "Heribert", "Hermann", "Hieronymus", "Ignaz", "Isidor",
		"Jodok", "Julian", "Kajetan", "Kilian", "Klemens", "Konrad", "Korbinian", "Kurt", "Laurenz",
		"Leonhard", "Lorenz", "Ludwig", "Luis", "Marcel", "Meinrad", "Moritz", "Nikolaus",
		"Norbert", "Oskar", "Oswald", "Otto", "Pankraz", "Raimund", "Reinhard", "Richard", "Robert",
		"Roland", "Roman", "Rupert", "Severin", "Siegfried", "Sigmund", "Theodor", "Valentin", "Viktor",
		"Vinzenz", "Volker", "Wendelin", "Werner", "Wilfried", "Willibald", "Xaver", "Zacharias",
	}
)
