package carddav

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/url"
	"path"
	"strings"
)

const propfindETag = `<?xml version="1.0" encoding="utf-8"?>
<D:propfind xmlns:D="DAV:"><D:prop><D:getetag/></D:prop></D:propfind>`

const mkcolBook = `<?xml version="1.0" encoding="utf-8"?>
<D:mkcol xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:carddav"><D:set><D:prop>
<D:resourcetype><D:collection/><C:addressbook/></D:resourcetype>
<D:displayname>keysync</D:displayname>
</D:prop></D:set></D:mkcol>`

// multiget asks for the ETag and the card of each resource.
func multiget(hrefs []string) []byte {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="utf-8"?>
<C:addressbook-multiget xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:carddav">
<D:prop><D:getetag/><C:address-data/></D:prop>`)
	for _, h := range hrefs {
		b.WriteString("<D:href>")
		_ = xml.EscapeText(&b, []byte(h))
		b.WriteString("</D:href>")
	}
	b.WriteString("</C:addressbook-multiget>")
	return []byte(b.String())
}

// response is one resource of a multistatus answer.
type response struct {
	Href     string `xml:"DAV: href"`
	Status   string `xml:"DAV: status"`
	Propstat []struct {
		Status string `xml:"DAV: status"`
		Prop   struct {
			ETag        string `xml:"DAV: getetag"`
			AddressData string `xml:"urn:ietf:params:xml:ns:carddav address-data"`
		} `xml:"DAV: prop"`
	} `xml:"DAV: propstat"`
}

// name is the last part of the resource's path, unescaped.
func (r response) name() string {
	p := r.Href
	if u, err := url.Parse(p); err == nil {
		p = u.Path
	}
	return path.Base(strings.TrimSuffix(p, "/"))
}

// found reports whether the resource exists: a 404 comes as the
// response's status or as the only propstat's.
func (r response) found() bool {
	if strings.Contains(r.Status, " 404") {
		return false
	}
	for _, ps := range r.Propstat {
		if strings.Contains(ps.Status, " 200") {
			return true
		}
	}
	return false
}

func (r response) etag() string {
	for _, ps := range r.Propstat {
		if ps.Prop.ETag != "" {
			return ps.Prop.ETag
		}
	}
	return ""
}

func (r response) card() string {
	for _, ps := range r.Propstat {
		if ps.Prop.AddressData != "" {
			return ps.Prop.AddressData
		}
	}
	return ""
}

// eachResponse streams the responses of a multistatus, one at a time, so
// that listing a book of a hundred thousand contacts holds one of them.
func eachResponse(r io.Reader, fn func(response) error) error {
	dec := xml.NewDecoder(r)
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("read multistatus: %w", err)
		}
		se, ok := tok.(xml.StartElement)
		if !ok || se.Name.Space != "DAV:" || se.Name.Local != "response" {
			continue
		}
		var resp response
		if err := dec.DecodeElement(&resp, &se); err != nil {
			return fmt.Errorf("read multistatus: %w", err)
		}
		if err := fn(resp); err != nil {
			return err
		}
	}
}
