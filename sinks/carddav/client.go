package carddav

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// client speaks the few WebDAV and CardDAV requests the sink needs to one
// address book, with Basic authentication.
type client struct {
	http     *http.Client
	book     *url.URL // the address book collection, ending in /
	user     string
	password string
}

// ErrPrecondition is a 412: the contact changed on the server since its
// ETag was read, or exists although it was thought new.
var ErrPrecondition = errors.New("precondition failed")

// statusError is an answer the sink did not expect.
type statusError struct {
	method, target string
	status         int
}

func (e *statusError) Error() string {
	return fmt.Sprintf("%s %s: %d %s", e.method, e.target, e.status, http.StatusText(e.status))
}

// Is makes a 412 match ErrPrecondition.
func (e *statusError) Is(target error) bool {
	return target == ErrPrecondition && e.status == http.StatusPreconditionFailed
}

// href is the server path of a resource in the book.
func (c *client) href(name string) string { return c.book.Path + url.PathEscape(name) }

// do sends a request and returns the response with its body read. The
// error never holds the password: it names the method, the address
// without user information and the status.
func (c *client) do(ctx context.Context, method, target string, hdr map[string]string, body []byte) (*http.Response, []byte, error) {
	u := *c.book
	u.Path, u.RawPath, u.User = target, "", nil
	req, err := http.NewRequestWithContext(ctx, method, u.String(), bytes.NewReader(body))
	if err != nil {
		return nil, nil, fmt.Errorf("%s %s: %w", method, target, err)
	}
	if c.user != "" || c.password != "" {
		req.SetBasicAuth(c.user, c.password)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, nil, fmt.Errorf("%s %s: %w", method, u.Redacted(), redact(err, c.password))
	}
	defer func() { _ = resp.Body.Close() }()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<30))
	if err != nil {
		return nil, nil, fmt.Errorf("%s %s: read answer: %w", method, target, err)
	}
	return resp, b, nil
}

// redact keeps a password out of a transport error, should one ever
// quote the request.
func redact(err error, password string) error {
	if password == "" || !strings.Contains(err.Error(), password) {
		return err
	}
	return errors.New(strings.ReplaceAll(err.Error(), password, "xxxxx"))
}

// expect sends a request and fails unless the answer has one of the
// statuses.
func (c *client) expect(ctx context.Context, method, target string, hdr map[string]string, body []byte, ok ...int) (*http.Response, []byte, error) {
	resp, b, err := c.do(ctx, method, target, hdr, body)
	if err != nil {
		return nil, nil, err
	}
	for _, s := range ok {
		if resp.StatusCode == s {
			return resp, b, nil
		}
	}
	return resp, b, &statusError{method: method, target: target, status: resp.StatusCode}
}

const xmlType = "application/xml; charset=utf-8"

// put writes a contact: with If-None-Match: * when it is new, so that a
// contact created meanwhile is never overwritten, else with If-Match on
// the ETag read, so that a change made meanwhile is never overwritten.
func (c *client) put(ctx context.Context, name, etag string, card []byte) error {
	hdr := map[string]string{"Content-Type": "text/vcard; charset=utf-8", "If-None-Match": "*"}
	if etag != "" {
		hdr = map[string]string{"Content-Type": "text/vcard; charset=utf-8", "If-Match": etag}
	}
	_, _, err := c.expect(ctx, http.MethodPut, c.href(name), hdr, card, http.StatusCreated, http.StatusNoContent, http.StatusOK)
	return err
}

// remove deletes a contact if it still has the ETag read; one already
// gone is fine.
func (c *client) remove(ctx context.Context, name, etag string) error {
	_, _, err := c.expect(ctx, http.MethodDelete, c.href(name), map[string]string{"If-Match": etag}, nil,
		http.StatusOK, http.StatusNoContent, http.StatusNotFound)
	return err
}

// etag reads a contact's current ETag; "" when it does not exist.
func (c *client) etag(ctx context.Context, name string) (string, error) {
	resp, b, err := c.expect(ctx, "PROPFIND", c.href(name), map[string]string{"Depth": "0", "Content-Type": xmlType},
		[]byte(propfindETag), http.StatusMultiStatus, http.StatusNotFound)
	if err != nil || resp.StatusCode == http.StatusNotFound {
		return "", err
	}
	var found string
	err = eachResponse(bytes.NewReader(b), func(r response) error {
		found = r.etag()
		return nil
	})
	return found, err
}

// ensureBook creates the address book when it does not exist yet.
func (c *client) ensureBook(ctx context.Context) error {
	resp, _, err := c.expect(ctx, "PROPFIND", c.book.Path, map[string]string{"Depth": "0", "Content-Type": xmlType},
		[]byte(propfindETag), http.StatusMultiStatus, http.StatusNotFound)
	if err != nil || resp.StatusCode != http.StatusNotFound {
		return err
	}
	_, _, err = c.expect(ctx, "MKCOL", c.book.Path, map[string]string{"Content-Type": xmlType}, []byte(mkcolBook), http.StatusCreated)
	return err
}
