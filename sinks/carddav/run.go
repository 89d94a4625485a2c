package carddav

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	keysync "keysync/sync"
)

// chunk is how many contacts one multiget reads.
const chunk = 100

// remote is a contact as the server holds it.
type remote struct {
	etag string
	hash string
}

// run is one delivery to the book.
type run struct {
	sink *Sink
	d    keysync.Delivery
	res  keysync.Result
	// listing holds keysync's contacts in the book by name, read at the
	// start of a full delivery; nil otherwise.
	listing map[string]remote
	// handled names the contacts of the persons delivered (full only).
	handled  map[string]bool
	failures []error
}

// prepare creates the book when missing and lists its contacts, for a
// full delivery.
func (r *run) prepare(ctx context.Context) error {
	if !r.d.Full {
		return nil
	}
	r.listing, r.handled = map[string]remote{}, map[string]bool{}
	if !r.d.DryRun {
		if err := r.sink.c.ensureBook(ctx); err != nil {
			return fmt.Errorf("address book: %w", err)
		}
	}
	resp, body, err := r.sink.c.expect(ctx, "PROPFIND", r.sink.c.book.Path,
		map[string]string{"Depth": "1", "Content-Type": xmlType}, []byte(propfindETag), http.StatusMultiStatus, http.StatusNotFound)
	if err != nil || resp.StatusCode == http.StatusNotFound {
		return err
	}
	return eachResponse(bytes.NewReader(body), func(x response) error {
		if n := x.name(); strings.HasPrefix(n, "keysync-") && x.found() {
			r.listing[n] = remote{etag: x.etag()}
		}
		return nil
	})
}

// persons applies the delivery a chunk at a time.
func (r *run) persons(ctx context.Context) error {
	batch := make([]keysync.PersonRecord, 0, chunk)
	for p, err := range r.d.Persons {
		if err != nil {
			return fmt.Errorf("read persons: %w", err)
		}
		if batch = append(batch, p); len(batch) == chunk {
			if err := r.apply(ctx, batch); err != nil {
				return err
			}
			batch = batch[:0]
		}
	}
	return r.apply(ctx, batch)
}

// apply reads the contacts of a chunk of persons and writes or deletes
// each as needed.
func (r *run) apply(ctx context.Context, batch []keysync.PersonRecord) error {
	if len(batch) == 0 {
		return nil
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	held, err := r.read(ctx, batch)
	if err != nil {
		return err
	}
	for _, p := range batch {
		name := ResourceName(p.Number)
		rem, ok := held[name]
		if r.handled != nil {
			r.handled[name] = true
		}
		if err := r.one(ctx, p, name, rem, ok); err != nil {
			return err
		}
	}
	return nil
}

// read fetches ETag and card of the chunk's contacts that exist: after a
// full listing only those listed, otherwise all of them (one request).
func (r *run) read(ctx context.Context, batch []keysync.PersonRecord) (map[string]remote, error) {
	var hrefs []string
	for _, p := range batch {
		name := ResourceName(p.Number)
		if _, listed := r.listing[name]; r.listing == nil || listed {
			hrefs = append(hrefs, r.sink.c.href(name))
		}
	}
	held := map[string]remote{}
	if len(hrefs) == 0 {
		return held, nil
	}
	_, body, err := r.sink.c.expect(ctx, "REPORT", r.sink.c.book.Path,
		map[string]string{"Depth": "1", "Content-Type": xmlType}, multiget(hrefs), http.StatusMultiStatus)
	if err != nil {
		return nil, fmt.Errorf("read contacts: %w", err)
	}
	err = eachResponse(bytes.NewReader(body), func(x response) error {
		if x.found() {
			held[x.name()] = remote{etag: x.etag(), hash: storedHash(x.card())}
		}
		return nil
	})
	return held, err
}

// one brings one person's contact up to date.
func (r *run) one(ctx context.Context, p keysync.PersonRecord, name string, rem remote, exists bool) error {
	if !p.Active() {
		if !exists {
			return nil
		}
		return r.remove(ctx, p.Number, name, rem.etag)
	}
	r.res.Changed++
	card, hash := cardWithHash(p, r.sink.cfg.Lang)
	if exists && rem.hash == hash {
		return nil
	}
	if r.d.DryRun {
		r.res.Written++
		return nil
	}
	err := r.retried(ctx, name, rem.etag, func(etag string) error { return r.sink.c.put(ctx, name, etag, card) })
	if err == nil {
		r.res.Written++
	}
	return r.failed(p.Number, err)
}

// remove deletes a contact; one gone meanwhile is fine.
func (r *run) remove(ctx context.Context, number, name, etag string) error {
	if r.d.DryRun {
		r.res.Removed++
		return nil
	}
	err := r.retried(ctx, name, etag, func(etag string) error {
		if etag == "" {
			return nil
		}
		return r.sink.c.remove(ctx, name, etag)
	})
	if err == nil {
		r.res.Removed++
	}
	return r.failed(number, err)
}

// retried runs a conditional request and, when the server answers 412
// (the contact changed since its ETag was read), reads the ETag again and
// tries once more.
func (r *run) retried(ctx context.Context, name, etag string, op func(etag string) error) error {
	err := op(etag)
	if !errors.Is(err, ErrPrecondition) {
		return err
	}
	etag, rerr := r.sink.c.etag(ctx, name)
	if rerr != nil {
		return rerr
	}
	return op(etag)
}

// failed records a contact the server refused and lets the others go on;
// any other error (the server unreachable) stops the delivery.
func (r *run) failed(number string, err error) error {
	var se *statusError
	if !errors.As(err, &se) {
		return err
	}
	r.failures = append(r.failures, fmt.Errorf("contact %s: %w", number, err))
	r.sink.cfg.Logger.Warn("contact refused", keysync.LogSink, r.sink.cfg.Name, keysync.LogNumber, number, keysync.LogErr, err.Error())
	return nil
}

// refused sums up the refused contacts.
func (r *run) refused() error {
	switch len(r.failures) {
	case 0:
		return nil
	case 1:
		return r.failures[0]
	}
	return fmt.Errorf("%d contacts refused, the first: %w", len(r.failures), r.failures[0])
}

// sweep deletes keysync's contacts of persons a full delivery did not
// list.
func (r *run) sweep(ctx context.Context) error {
	for name, rem := range r.listing {
		if r.handled[name] {
			continue
		}
		number := strings.TrimSuffix(strings.TrimPrefix(name, "keysync-"), ".vcf")
		if err := r.remove(ctx, number, name, rem.etag); err != nil {
			return err
		}
	}
	return nil
}
