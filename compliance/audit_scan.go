package compliance

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
)

// head is what the first pass reads of a resource: its top-level type,
// name and id, as slices of the element's bytes (or, for a string with
// escapes, of its decoded text), valid while the element is.
type head struct{ typ, name, id []byte }

// keyScanner checks one exported resource in a single pass: that it is
// one JSON value as encoding/json accepts it (json.Valid), that it is an
// object, and that no object in it repeats a key. encoding/json keeps the
// last of two keys, and the policy engine, like ARM, reads property names
// without regard to case, so "a" and "A" would be one property with two
// values. On the way it reads the top-level type, name and id (matched
// without regard to case, as the policy engine reads them). It reuses its
// buffers across resources.
//
// One pass rather than json.Valid and then a scan for keys: the first
// pass of an audit reads every byte of the export, and doing so twice
// cost a tenth of the audit.
type keyScanner struct {
	data  []byte
	pos   int
	depth int
	keys  [][]byte // the keys of the objects open, innermost last
	h     head
	err   *ExportError
}

// maxDepth is encoding/json's limit on nesting: anything deeper is
// invalid to it, so here too.
const maxDepth = 10000

// scan checks data and reads its head. The error says what is wrong and
// at which byte of data.
func (s *keyScanner) scan(data []byte) (head, *ExportError) {
	*s = keyScanner{data: data, keys: s.keys[:0]}
	s.ws()
	if s.pos >= len(data) || data[s.pos] != '{' {
		// Checked first, as the message names what the value is.
		if s.value() && s.end() {
			return head{}, &ExportError{Msg: "a resource is a JSON object; got " + describeJSON(data[s.start():])}
		}
		return head{}, s.err
	}
	if !s.value() || !s.end() {
		return head{}, s.err
	}
	return s.h, nil
}

// start is the index of the first byte that is not white space.
func (s *keyScanner) start() int {
	i := 0
	for i < len(s.data) && isSpace(s.data[i]) {
		i++
	}
	return i
}

// end checks that nothing but white space follows the value.
func (s *keyScanner) end() bool {
	s.ws()
	if s.pos != len(s.data) {
		return s.fail("invalid JSON: more after the value")
	}
	return true
}

func (s *keyScanner) fail(msg string) bool {
	if s.err == nil {
		s.err = &ExportError{Offset: int64(s.pos), Msg: msg}
	}
	return false
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

func (s *keyScanner) ws() {
	for s.pos < len(s.data) && isSpace(s.data[s.pos]) {
		s.pos++
	}
}

// value checks the value at the position and moves past it.
func (s *keyScanner) value() bool {
	if s.pos >= len(s.data) {
		return s.fail("invalid JSON: the value ends early")
	}
	switch c := s.data[s.pos]; {
	case c == '{':
		return s.object()
	case c == '[':
		return s.array()
	case c == '"':
		_, _, ok := s.str()
		return ok
	case c == 't':
		return s.lit("true")
	case c == 'f':
		return s.lit("false")
	case c == 'n':
		return s.lit("null")
	case c == '-' || '0' <= c && c <= '9':
		return s.number()
	}
	return s.fail(fmt.Sprintf("invalid JSON: unexpected %q", s.data[s.pos]))
}

func (s *keyScanner) push() bool {
	if s.depth++; s.depth > maxDepth {
		return s.fail("invalid JSON: nested too deep")
	}
	return true
}

func (s *keyScanner) object() bool {
	if !s.push() {
		return false
	}
	top := s.depth == 1
	first := len(s.keys)
	s.pos++ // '{'
	s.ws()
	if s.pos < len(s.data) && s.data[s.pos] == '}' {
		s.pos++
		s.depth--
		return true
	}
	for {
		s.ws()
		at := s.pos
		if at >= len(s.data) || s.data[at] != '"' {
			return s.fail("invalid JSON: expected a key")
		}
		key, escaped, ok := s.str()
		if !ok {
			return false
		}
		if escaped {
			key = unescape(s.data[at:s.pos])
		}
		// Keys of different lengths differ, unless case folding maps a
		// byte sequence to one of another length (the Kelvin sign to k).
		ascii := isASCII(key)
		for _, k := range s.keys[first:] {
			if (len(k) == len(key) || !ascii || !isASCII(k)) && bytes.EqualFold(k, key) {
				s.pos = at
				return s.fail(fmt.Sprintf("duplicate key %q in one object (keys are compared without regard to case, as ARM compares property names)", key))
			}
		}
		s.keys = append(s.keys, key)
		s.ws()
		if s.pos >= len(s.data) || s.data[s.pos] != ':' {
			return s.fail("invalid JSON: expected ':' after a key")
		}
		s.pos++
		s.ws()
		var field *[]byte
		if top {
			switch {
			case bytes.EqualFold(key, keyType):
				field = &s.h.typ
			case bytes.EqualFold(key, keyName):
				field = &s.h.name
			case bytes.EqualFold(key, keyID):
				field = &s.h.id
			}
		}
		if field != nil && s.pos < len(s.data) && s.data[s.pos] == '"' {
			vat := s.pos
			text, escaped, ok := s.str()
			if !ok {
				return false
			}
			if escaped {
				text = unescape(s.data[vat:s.pos])
			}
			*field = text
		} else if !s.value() {
			return false
		}
		s.ws()
		if s.pos >= len(s.data) {
			return s.fail("invalid JSON: the object ends early")
		}
		switch s.data[s.pos] {
		case ',':
			s.pos++
		case '}':
			s.pos++
			s.keys = s.keys[:first]
			s.depth--
			return true
		default:
			return s.fail("invalid JSON: expected ',' or '}'")
		}
	}
}

func (s *keyScanner) array() bool {
	if !s.push() {
		return false
	}
	s.pos++ // '['
	s.ws()
	if s.pos < len(s.data) && s.data[s.pos] == ']' {
		s.pos++
		s.depth--
		return true
	}
	for {
		s.ws()
		if !s.value() {
			return false
		}
		s.ws()
		if s.pos >= len(s.data) {
			return s.fail("invalid JSON: the array ends early")
		}
		switch s.data[s.pos] {
		case ',':
			s.pos++
		case ']':
			s.pos++
			s.depth--
			return true
		default:
			return s.fail("invalid JSON: expected ',' or ']'")
		}
	}
}

// plain marks the bytes a string holds as they are: not the quote, the
// backslash, or a control character.
var plain = func() (t [256]bool) {
	for c := 0x20; c < 256; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// str checks the string at the position and moves past it; text is its
// bytes between the quotes, escaped whether it holds escapes.
func (s *keyScanner) str() (text []byte, escaped, ok bool) {
	d := s.data
	start := s.pos + 1
	i := start
	for {
		for i < len(d) && plain[d[i]] {
			i++
		}
		if i >= len(d) {
			s.pos = i
			return nil, escaped, s.fail("invalid JSON: a string ends early")
		}
		switch c := d[i]; {
		case c == '"':
			s.pos = i + 1
			return d[start:i], escaped, true
		case c == '\\':
			escaped = true
			if i+1 >= len(d) {
				s.pos = i
				return nil, escaped, s.fail("invalid JSON: a string ends early")
			}
			switch d[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if i+6 > len(d) || !isHex(d[i+2]) || !isHex(d[i+3]) || !isHex(d[i+4]) || !isHex(d[i+5]) {
					s.pos = i
					return nil, escaped, s.fail(`invalid JSON: \u needs four hexadecimal digits`)
				}
				i += 6
			default:
				s.pos = i
				return nil, escaped, s.fail("invalid JSON: unknown escape")
			}
		default:
			s.pos = i
			return nil, escaped, s.fail("invalid JSON: a control character in a string")
		}
	}
}

func isHex(c byte) bool { return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F' }

func (s *keyScanner) lit(word string) bool {
	if len(s.data)-s.pos < len(word) || string(s.data[s.pos:s.pos+len(word)]) != word {
		return s.fail("invalid JSON: expected " + word)
	}
	s.pos += len(word)
	return true
}

// number checks JSON's grammar for a number.
func (s *keyScanner) number() bool {
	end := numberEnd(s.data, s.pos)
	if end < 0 {
		return s.fail("invalid JSON: a malformed number")
	}
	s.pos = end
	return true
}

// unescape decodes a quoted JSON string that the scanner checked.
func unescape(quoted []byte) []byte {
	var u string
	_ = json.Unmarshal(quoted, &u)
	return []byte(u)
}

var keyType, keyName, keyID = []byte("type"), []byte("name"), []byte("id")

func describeJSON(data []byte) string {
	switch {
	case len(data) == 0:
		return "nothing"
	case data[0] == '[':
		return "an array"
	case data[0] == '"':
		return "a string"
	}
	return string(data[:min(len(data), 20)])
}

// appendLower appends b in lower case, as strings.ToLower gives it.
func appendLower(dst, b []byte) []byte {
	if !isASCII(b) {
		return append(dst, strings.ToLower(string(b))...)
	}
	for _, c := range b {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		dst = append(dst, c)
	}
	return dst
}
