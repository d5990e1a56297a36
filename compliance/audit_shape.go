package compliance

import (
	"strconv"

	"github.com/aizone/aizone/policy"
)

// shapeScanner makes a resource's key of bytes (policy.RawNeeds) from the
// bytes of its element: the properties the rules of its group read, in
// the order the element has them, with no white space, as JSON text, and
// after them what the group's needs add (the id and name, the scope, the
// parent). Most resources of an estate are found by this key in the memo
// of whole resources, and are then never decoded.
//
// It walks as decodePruned does, over the properties the assignments
// read, and checks what it checks (a number beyond float64 where
// decodePruned decodes one, or skips one at the top of an object), so
// that a resource whose decoding would fail is never found by its bytes.
// It gives up (ok false) on anything unusual: a key with an escape or a
// byte beyond ASCII, an id or type that is not a plain ASCII string, a
// name that is not a string without escapes, no id. The resource is then
// decoded as before.
type shapeScanner struct {
	data          []byte
	pos           int
	key           []byte
	typ, id, name []byte
}

// head reads the top-level id, name and type of data (a resource the
// first pass checked): what finds the resource's group.
func (s *shapeScanner) head(data []byte) bool {
	s.data, s.pos = data, 0
	s.typ, s.id, s.name = nil, nil, nil
	s.ws()
	if s.peek() != '{' {
		return false
	}
	s.pos++
	s.ws()
	if s.peek() == '}' {
		return false
	}
	for {
		s.ws()
		k, _, ok := s.objectKey()
		if !ok {
			return false
		}
		var field *[]byte
		switch {
		case equalFoldASCII(k, "id"):
			field = &s.id
		case equalFoldASCII(k, "name"):
			field = &s.name
		case equalFoldASCII(k, "type"):
			field = &s.typ
		}
		if field != nil {
			if !s.identity(field) {
				return false
			}
			if s.id != nil && s.name != nil && s.typ != nil {
				// Resource Graph writes them first: the rest is keyFor's
				// to walk (the first pass checked the element).
				return s.plainHead()
			}
		} else {
			if s.pos >= len(s.data) {
				return false
			}
			end, complete := valueEnd(s.data, s.pos)
			if end < 0 || !complete {
				return false
			}
			s.pos = end
		}
		s.ws()
		switch s.peek() {
		case '}':
			return s.plainHead()
		case ',':
			s.pos++
		default:
			return false
		}
	}
}

// plainHead reports whether the head found has an id and a type in
// ASCII: the type names the group and the id the subscription as
// decoded, and ASCII bytes are what they decode to.
func (s *shapeScanner) plainHead() bool {
	return len(s.id) > 0 && s.typ != nil && isASCII(s.id) && isASCII(s.typ)
}

// objectKey reads a key and its colon: the key's bytes, and its quoted
// bytes; false for a key with an escape or a byte beyond ASCII.
func (s *shapeScanner) objectKey() (k, quoted []byte, ok bool) {
	at := s.pos
	if s.peek() != '"' {
		return nil, nil, false
	}
	end, escaped, ok := stringClose(s.data, at)
	if !ok || escaped {
		return nil, nil, false
	}
	k = s.data[at+1 : end]
	if !isASCII(k) {
		return nil, nil, false
	}
	s.pos = end + 1
	s.ws()
	if s.peek() != ':' {
		return nil, nil, false
	}
	s.pos++
	s.ws()
	return k, s.data[at : end+1], true
}

// keyFor walks the resource head read again, with root, the top of the read
// set of every assignment (nil: everything), and makes its key for needs.
// It stays valid until the next head.
func (s *shapeScanner) keyFor(root *policy.ReadNode, needs policy.RawNeeds) ([]byte, bool) {
	s.pos, s.key = 0, s.key[:0]
	s.ws()
	if !s.value(at(root), at(needs.Reads), true) {
		return nil, false
	}
	return s.finish(needs), true
}

// place is where a walk stands in a read set: outside it, or in it at a
// node (nil: everything below is read).
type place struct {
	in bool
	n  *policy.ReadNode
}

func at(n *policy.ReadNode) place {
	if n != nil && n.Whole() {
		n = nil
	}
	return place{true, n}
}

func (p place) child(k []byte) place {
	if !p.in || p.n == nil {
		return p
	}
	c := p.n.ChildBytes(k)
	if c == nil {
		return place{}
	}
	return at(c)
}

// finish appends to the key what needs asks for beyond the properties
// read.
func (s *shapeScanner) finish(needs policy.RawNeeds) []byte {
	switch {
	case needs.Identity || needs.Name && len(s.name) == 0:
		s.key = append(s.key, 0)
		s.key = append(s.key, s.id...)
		s.key = append(s.key, 0)
		s.key = append(s.key, s.name...)
	case needs.Name:
		s.key = append(s.key, 3)
		s.key = append(s.key, s.name...)
	}
	if needs.Scope {
		sp := policy.ScopeSpans(s.id)
		s.key = append(s.key, 1)
		s.key = append(s.key, s.id[sp[0]:sp[1]]...)
		s.key = append(s.key, 1)
		s.key = append(s.key, s.id[sp[2]:sp[3]]...)
	}
	if needs.Parent {
		// The id less its last two segments stands for the parent's;
		// equal bytes, equal lower-case parent ids.
		s.key = append(s.key, 2)
		s.key = append(s.key, parentPrefix(s.id)...)
	}
	return s.key
}

// parentPrefix is id less its last two segments (all of it when it has
// fewer).
func parentPrefix(id []byte) []byte {
	end := len(id)
	for cut := 0; cut < 2; cut++ {
		for end > 0 && id[end-1] != '/' {
			end--
		}
		if end == 0 {
			return id
		}
		end--
	}
	return id[:end]
}

// peek is the byte at the position; 0 past the end, which no case
// takes: an element cut from an export that changed after the first pass
// checked it ends the walk, not the audit.
func (s *shapeScanner) peek() byte {
	if s.pos < len(s.data) {
		return s.data[s.pos]
	}
	return 0
}

func (s *shapeScanner) ws() {
	for s.pos < len(s.data) && isSpace(s.data[s.pos]) {
		s.pos++
	}
}

// value walks the value at the position, which the assignments read as
// g says; it appends it to the key as k, the group's read set, says.
func (s *shapeScanner) value(g, k place, top bool) bool {
	d := s.data
	switch s.peek() {
	case '{':
		s.pos++
		if k.in {
			s.key = append(s.key, '{')
		}
		mark := len(s.key) // members after it need a comma before them
		s.ws()
		if s.peek() == '}' {
			s.pos++
			if k.in {
				s.key = append(s.key, '}')
			}
			return true
		}
		for {
			s.ws()
			key, quoted, ok := s.objectKey()
			if !ok || !s.member(g.child(key), k.child(key), key, quoted, top, mark) {
				return false
			}
			s.ws()
			switch s.peek() {
			case '}':
				s.pos++
				if k.in {
					s.key = append(s.key, '}')
				}
				return true
			case ',':
				s.pos++
			default:
				return false
			}
		}
	case '[':
		s.pos++
		if k.in {
			s.key = append(s.key, '[')
		}
		s.ws()
		if s.peek() == ']' {
			s.pos++
			if k.in {
				s.key = append(s.key, ']')
			}
			return true
		}
		for first := true; ; first = false {
			s.ws()
			if !first && k.in {
				s.key = append(s.key, ',')
			}
			if !s.value(g, k, false) {
				return false
			}
			s.ws()
			switch s.peek() {
			case ']':
				s.pos++
				if k.in {
					s.key = append(s.key, ']')
				}
				return true
			case ',':
				s.pos++
			default:
				return false
			}
		}
	case '"':
		end, _, ok := stringClose(d, s.pos)
		if !ok {
			return false
		}
		if k.in {
			s.key = append(s.key, d[s.pos:end+1]...)
		}
		s.pos = end + 1
		return true
	case 't', 'f', 'n':
		end, complete := valueEnd(d, s.pos)
		if !complete {
			return false
		}
		if k.in {
			s.key = append(s.key, d[s.pos:end]...)
		}
		s.pos = end
		return true
	}
	num, ok := s.number()
	if !ok {
		return false
	}
	if _, err := strconv.ParseFloat(string(num), 64); err != nil {
		return false // decoding fails: say so as decodePruned does
	}
	if k.in {
		s.key = append(s.key, num...)
	}
	return true
}

// member walks the value of the member keyed key (quoted: its bytes in
// quotes) of an object: g and k say how the assignments and the group
// read it. At the top level the id and the name stay out of the key.
func (s *shapeScanner) member(g, k place, key, quoted []byte, top bool, mark int) bool {
	if top && (equalFoldASCII(key, "id") || equalFoldASCII(key, "name")) {
		var skip []byte
		return s.identity(&skip)
	}
	if !g.in {
		if k.in {
			return false // the group reads what the assignments do not: never so
		}
		return s.skip()
	}
	if k.in {
		if len(s.key) > mark {
			s.key = append(s.key, ',')
		}
		s.key = append(s.key, quoted...)
		s.key = append(s.key, ':')
	}
	return s.value(g, k, false)
}

// identity reads a top-level id, name or type into field: a string
// without escapes, or nothing to go on.
func (s *shapeScanner) identity(field *[]byte) bool {
	d := s.data
	if s.peek() != '"' {
		return false
	}
	end, escaped, ok := stringClose(d, s.pos)
	if !ok || escaped {
		return false
	}
	*field = d[s.pos+1 : end]
	s.pos = end + 1
	return true
}

// skip moves past a value no rule reads, checking what decodePruned's
// skip checks.
func (s *shapeScanner) skip() bool {
	end, ok := skipValue(s.data, s.pos)
	s.pos = end
	return ok
}

// number reads a number.
func (s *shapeScanner) number() ([]byte, bool) {
	end := numberEnd(s.data, s.pos)
	if end < 0 {
		return nil, false
	}
	num := s.data[s.pos:end]
	s.pos = end
	return num, true
}

// equalFoldASCII compares b with an ASCII word without regard to case.
func equalFoldASCII(b []byte, word string) bool {
	if len(b) != len(word) {
		return false
	}
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != word[i] {
			return false
		}
	}
	return true
}

// ID, Type and SubscriptionID say who a finding of the resource scanned
// last is of, as its decoding would (ident).
func (s *shapeScanner) ID() string   { return string(s.id) }
func (s *shapeScanner) Type() string { return string(s.typ) }
func (s *shapeScanner) SubscriptionID() string {
	sp := policy.ScopeSpans(s.id)
	return string(s.id[sp[0]:sp[1]])
}
