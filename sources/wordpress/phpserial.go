package wordpress

import (
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// errSerial is wrapped by every parse error of a PHP-serialised value.
var errSerial = errors.New("malformed PHP-serialised value")

// parseRoles reads the roles from a WordPress capabilities value, a
// PHP-serialised array such as a:1:{s:10:"subscriber";b:1;}. Only the subset
// WordPress writes is accepted: an array with string keys and boolean,
// integer or string values. Objects and references are refused, since
// unserialising them is how PHP deserialisation attacks work; keysync never
// instantiates anything, it only reads names. Roles whose value is false are
// not held. The result is sorted.
func parseRoles(s string) ([]string, error) {
	p := &serialParser{s: s}
	n, err := p.header('a')
	if err != nil {
		return nil, err
	}
	if n > 1000 {
		return nil, fmt.Errorf("%w: %d elements", errSerial, n)
	}
	if err := p.expect('{'); err != nil {
		return nil, err
	}
	var roles []string
	for i := 0; i < n; i++ {
		key, err := p.scalar()
		if err != nil {
			return nil, err
		}
		val, err := p.scalar()
		if err != nil {
			return nil, err
		}
		if val != "" && val != "0" {
			roles = append(roles, strings.ToValidUTF8(key, "\uFFFD"))
		}
	}
	if err := p.expect('}'); err != nil {
		return nil, err
	}
	if p.i != len(p.s) {
		return nil, fmt.Errorf("%w: trailing data at %d", errSerial, p.i)
	}
	sort.Strings(roles)
	return roles, nil
}

type serialParser struct {
	s string
	i int
}

func (p *serialParser) fail(what string) error {
	return fmt.Errorf("%w: %s at offset %d", errSerial, what, p.i)
}

func (p *serialParser) expect(c byte) error {
	if p.i >= len(p.s) || p.s[p.i] != c {
		return p.fail(fmt.Sprintf("want %q", c))
	}
	p.i++
	return nil
}

// header reads "t:N:" and returns N.
func (p *serialParser) header(t byte) (int, error) {
	if err := p.expect(t); err != nil {
		return 0, err
	}
	if err := p.expect(':'); err != nil {
		return 0, err
	}
	end := strings.IndexByte(p.s[p.i:], ':')
	if end < 0 || end > 9 {
		return 0, p.fail("want a length")
	}
	n, err := strconv.Atoi(p.s[p.i : p.i+end])
	if err != nil || n < 0 {
		return 0, p.fail("want a length")
	}
	p.i += end + 1
	return n, nil
}

// scalar reads s:N:"...";  i:N;  b:0|1;  and returns the value as text
// (booleans as "0"/"1").
func (p *serialParser) scalar() (string, error) {
	if p.i >= len(p.s) {
		return "", p.fail("unexpected end")
	}
	switch p.s[p.i] {
	case 's':
		n, err := p.header('s')
		if err != nil {
			return "", err
		}
		if err := p.expect('"'); err != nil {
			return "", err
		}
		if n > len(p.s)-p.i {
			return "", p.fail("string longer than the value")
		}
		v := p.s[p.i : p.i+n]
		p.i += n
		if err := p.expect('"'); err != nil {
			return "", err
		}
		return v, p.expect(';')
	case 'i', 'b':
		t := p.s[p.i]
		p.i++
		if err := p.expect(':'); err != nil {
			return "", err
		}
		end := strings.IndexByte(p.s[p.i:], ';')
		if end < 0 || end > 20 {
			return "", p.fail("want a number")
		}
		v := p.s[p.i : p.i+end]
		if _, err := strconv.ParseInt(v, 10, 64); err != nil || (t == 'b' && v != "0" && v != "1") {
			return "", p.fail("want a number")
		}
		p.i += end + 1
		return v, nil
	default:
		return "", p.fail(fmt.Sprintf("unsupported type %q", p.s[p.i]))
	}
}
