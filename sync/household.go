package keysync

import "keysync/sync/match"

// Households is what a batch of decisions knows of the Wibisoft
// households: the household id under each household key, and every
// household id in use. Under a key the household opened first stays: a
// later one under the same key came from an id adopted from a row. The
// central store loads it for a batch and adds every household the batch
// opens; the zero value is empty and ready to use.
type Households struct {
	byKey map[string]string
	known map[string]bool
}

// Add records the household hh, under key unless the key has a household
// already. An empty key records the id only: an incomplete address never
// joins people into one household.
func (h *Households) Add(key, hh string) {
	if hh == "" {
		return
	}
	if h.known == nil {
		h.byKey, h.known = map[string]string{}, map[string]bool{}
	}
	h.known[hh] = true
	if _, ok := h.byKey[key]; !ok && key != "" {
		h.byKey[key] = hh
	}
}

// Household returns the household id under a household key (Facts).
func (h *Households) Household(key string) (string, bool) {
	hh, ok := h.byKey[key]
	return hh, ok
}

// Known reports whether a household id is in use.
func (h *Households) Known(hh string) bool { return h.known[hh] }

// HouseholdKey is the key under which persons share a Wibisoft household:
// the dwelling's match.Address.Key followed by "|" and the normalised
// surname (match.Name). It is "" when either part is empty, so people
// without a complete address or surname always get a household of their
// own.
func HouseholdKey(a match.Address, surname string) string {
	return HouseholdKeyOf(a.Key(), surname)
}

// HouseholdKeyOf is HouseholdKey for an address already reduced to its Key,
// as the central store keeps it.
func HouseholdKeyOf(addressKey, surname string) string {
	n := match.Name(surname)
	if addressKey == "" || n == "" {
		return ""
	}
	return addressKey + "|" + n
}

// joinHousehold returns the household a decided person belongs to: the id
// already in the row, never replaced; else the household the decision
// found (a shared mailbox's, hh); else the household of the same address
// and surname; else "", and the store opens a new one.
func joinHousehold(hh string, a Account, p Profile, f Facts) string {
	switch {
	case a.HH != "":
		return a.HH
	case hh != "":
		return hh
	case p.Household != "":
		hh, _ = f.Household(p.Household)
		return hh
	}
	return ""
}

// sameHousehold reports two profiles at the same dwelling under the same
// surname.
func sameHousehold(a, b Profile) bool {
	return a.Household != "" && a.Household == b.Household
}
