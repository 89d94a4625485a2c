// Package carddav keeps a live address book on a CardDAV server (Radicale,
// Nextcloud, Baïkal, SOGo; Outlook reaches it through the CalDav
// Synchronizer add-in, phones natively): one contact per active person,
// named and identified by the customer number, written only when its card
// changed and deleted when the person left.
package carddav

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"keysync/sinks/columns"
	keysync "keysync/sync"
)

// Config is one address book sink.
type Config struct {
	Name string
	// URL is the address book collection, such as
	// https://dav.example.org/keysync/kunden/; it holds no password.
	URL      string
	User     string
	Password string
	Lang     columns.Lang
	// Client sends the requests; nil means one with a 30 s time limit.
	Client *http.Client
	Logger *slog.Logger
}

// Sink writes the address book.
type Sink struct {
	cfg Config
	c   *client
}

var _ keysync.Sink = (*Sink)(nil)

// New checks the configuration.
func New(cfg Config) (*Sink, error) {
	u, err := url.Parse(cfg.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("address book URL %q is no http(s) address", redactURL(cfg.URL))
	}
	if u.User != nil {
		return nil, fmt.Errorf("address book URL %s holds user information: give the user and the password file instead", u.Redacted())
	}
	if !strings.HasSuffix(u.Path, "/") {
		u.Path += "/"
	}
	if cfg.Client == nil {
		cfg.Client = &http.Client{Timeout: 30 * time.Second}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	cfg.URL = u.String()
	return &Sink{cfg: cfg, c: &client{http: cfg.Client, book: u, user: cfg.User, password: cfg.Password}}, nil
}

// redactURL shows a URL that did not parse without anything after a '@'
// that could be a password.
func redactURL(s string) string {
	if i := strings.LastIndex(s, "@"); i >= 0 {
		return "…" + s[i:]
	}
	return s
}

// Name is the configured name.
func (s *Sink) Name() string { return s.cfg.Name }

// Snapshot is false: the book gets only the changed persons.
func (s *Sink) Snapshot() bool { return false }

// ResourceName is the name of a person's contact in the book: the prefix
// marks the contacts keysync owns, the only ones a full export removes.
func ResourceName(number string) string { return "keysync-" + number + ".vcf" }

// Export brings the changed persons' contacts up to date: a changed card
// is written, an unchanged one is left alone, a person who left is
// deleted. A full delivery also creates the book when it is missing and
// deletes keysync's contacts of persons no longer listed. A contact the
// server refuses does not stop the others; the delivery then fails, and
// the next one tries again.
func (s *Sink) Export(ctx context.Context, d keysync.Delivery) (keysync.Result, error) {
	r := &run{sink: s, d: d, res: keysync.Result{Where: s.cfg.URL}}
	if err := r.prepare(ctx); err != nil {
		return r.res, err
	}
	err := r.persons(ctx)
	if err == nil && d.Full {
		err = r.sweep(ctx)
	}
	return r.res, errors.Join(err, r.refused())
}
