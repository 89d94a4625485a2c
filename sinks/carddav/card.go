package carddav

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"strings"

	"keysync/sinks/columns"
	"keysync/sinks/vcard"
	keysync "keysync/sync"
)

const hashProperty = "X-KEYSYNC-HASH"

// cardWithHash is the person's card carrying a hash of its own content.
// The server rewrites a card in its own form (Radicale moves and merges
// properties), so comparing texts would find every card changed; the hash
// survives as a property of the card and tells whether ours changed.
func cardWithHash(p keysync.PersonRecord, lang columns.Lang) ([]byte, string) {
	card := vcard.Card(p, lang)
	sum := sha256.Sum256(card)
	hash := hex.EncodeToString(sum[:16])
	end := []byte("END:VCARD\r\n")
	out := append(bytes.TrimSuffix(card, end), hashProperty+":"+hash+"\r\n"...)
	return append(out, end...), hash
}

// storedHash reads the hash back from a card as the server keeps it.
func storedHash(card string) string {
	card = strings.NewReplacer("\r\n ", "", "\r\n\t", "", "\n ", "", "\n\t", "").Replace(card)
	for _, l := range strings.Split(card, "\n") {
		name, value, ok := strings.Cut(strings.TrimRight(l, "\r"), ":")
		if ok && strings.EqualFold(name, hashProperty) {
			return value
		}
	}
	return ""
}

// Card is the person's contact as the sink writes it, hash included, for
// a bench that fills a book without a request per contact.
func Card(p keysync.PersonRecord, lang columns.Lang) []byte {
	card, _ := cardWithHash(p, lang)
	return card
}
