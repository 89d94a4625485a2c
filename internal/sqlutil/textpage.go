package sqlutil

// TextPage gathers the text values of one page of rows into one buffer and
// hands them out as substrings of one string. A reconciliation reads
// millions of short values (numbers, household and person ids); taking each
// as a string of its own would cost an allocation per value and keep the
// garbage collector busy, one string per page costs one.
//
// Add the values (sql.RawBytes, valid only until the next Scan) while
// reading, call Done once the page is read, then Text for each value.
type TextPage struct {
	buf  []byte
	text string
}

// TextRef names one value of a TextPage.
type TextRef struct{ start, end int }

// Add copies b and returns its reference.
func (p *TextPage) Add(b []byte) TextRef {
	start := len(p.buf)
	p.buf = append(p.buf, b...)
	return TextRef{start, len(p.buf)}
}

// Done ends the page: from now on Text returns the values.
func (p *TextPage) Done() {
	p.text = string(p.buf)
	p.buf = nil
}

// Text returns a value added before Done.
func (p *TextPage) Text(r TextRef) string { return p.text[r.start:r.end] }
