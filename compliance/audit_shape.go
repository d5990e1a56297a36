package compliance

import (
	"strconv"

	"github.com/aizone/aizone/policy"
)

// shapeScanner makes a resource's key of bytes (policy.RawNeeds) from the
// bytes of its element: the properties the assignments read (the read
// set), in the order the element has them, with no white space, but the
// top-level id and name, which it keeps aside with the type: the JSON
// text of what decodePruned decodes, less the id and the name. Most
// resources of an estate are found by this key in the memo of whole
// resources, and are then never decoded.
//
// It walks exactly as decodePruned does, keeps what it keeps, and checks
// what it checks (a number beyond float64 where decodePruned decodes
// one), so that a resource whose decoding would fail is never found by
// its bytes. It gives up (ok false) on anything unusual: a key with an
// escape or a byte beyond ASCII, an id or type that is not a plain ASCII
// string, a name that is not a string without escapes, no id. The resource is then decoded as before.
type shapeScanner struct {
	data          []byte
	pos           int
	key           []byte
	typ, id, name []byte
}

// scan walks data (a resource the first pass checked) with root, the read
// set's top level (nil: everything).
func (s *shapeScanner) scan(data []byte, root *policy.ReadNode) bool {
	s.data, s.pos, s.key = data, 0, s.key[:0]
	s.typ, s.id, s.name = nil, nil, nil
	s.ws()
	if s.pos >= len(data) || data[s.pos] != '{' || !s.value(root, true) {
		return false
	}
	// The type names the group and the id the subscription, as decoded:
	// ASCII bytes are what they decode to.
	return len(s.id) > 0 && s.typ != nil && isASCII(s.id) && isASCII(s.typ)
}

// finish appends to the key what needs asks for beyond the properties
// read, and returns it; it stays valid until the next scan.
func (s *shapeScanner) finish(needs policy.RawNeeds) []byte {
	if needs.Identity {
		s.key = append(s.key, 0)
		s.key = append(s.key, s.id...)
		s.key = append(s.key, 0)
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

// value appends the value at the position as n keeps it (nil: whole).
func (s *shapeScanner) value(n *policy.ReadNode, top bool) bool {
	if n != nil && n.Whole() {
		n = nil
	}
	d := s.data
	switch s.peek() {
	case '{':
		s.pos++
		s.key = append(s.key, '{')
		mark := len(s.key) // members after it need a comma before them
		s.ws()
		if s.peek() == '}' {
			s.pos++
			s.key = append(s.key, '}')
			return true
		}
		for {
			s.ws()
			kat := s.pos
			if s.peek() != '"' {
				return false
			}
			end, escaped, ok := stringClose(d, kat)
			if !ok || escaped {
				return false
			}
			k := d[kat+1 : end]
			if !isASCII(k) {
				return false
			}
			s.pos = end + 1
			s.ws()
			if s.peek() != ':' {
				return false
			}
			s.pos++
			s.ws()
			if !s.member(n, k, d[kat:end+1], top, mark) {
				return false
			}
			s.ws()
			if s.peek() == '}' {
				s.pos++
				s.key = append(s.key, '}')
				return true
			}
			if s.peek() != ',' {
				return false
			}
			s.pos++
		}
	case '[':
		s.pos++
		s.key = append(s.key, '[')
		s.ws()
		if s.peek() == ']' {
			s.pos++
			s.key = append(s.key, ']')
			return true
		}
		for first := true; ; first = false {
			s.ws()
			if !first {
				s.key = append(s.key, ',')
			}
			if !s.value(n, false) {
				return false
			}
			s.ws()
			if s.peek() == ']' {
				s.pos++
				s.key = append(s.key, ']')
				return true
			}
			if s.peek() != ',' {
				return false
			}
			s.pos++
		}
	case '"':
		end, _, ok := stringClose(d, s.pos)
		if !ok {
			return false
		}
		s.key = append(s.key, d[s.pos:end+1]...)
		s.pos = end + 1
		return true
	case 't', 'f', 'n':
		end, complete := valueEnd(d, s.pos)
		if !complete {
			return false
		}
		s.key = append(s.key, d[s.pos:end]...)
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
	s.key = append(s.key, num...)
	return true
}

// member appends the value of the member keyed k (quoted: its bytes in
// quotes) of an object n keeps, or skips it. At the top level it keeps
// the id and the name aside, and the type aside too.
func (s *shapeScanner) member(n *policy.ReadNode, k, quoted []byte, top bool, mark int) bool {
	comma := func() {
		if len(s.key) > mark {
			s.key = append(s.key, ',')
		}
	}
	if top {
		switch {
		case equalFoldASCII(k, "id"):
			return s.identity(&s.id)
		case equalFoldASCII(k, "name"):
			return s.identity(&s.name)
		case equalFoldASCII(k, "type"):
			at := s.pos
			if !s.identity(&s.typ) {
				return false
			}
			if n == nil || n.ChildBytes(k) != nil {
				comma()
				s.key = append(s.key, quoted...)
				s.key = append(s.key, ':')
				s.key = append(s.key, s.data[at:s.pos]...)
			}
			return true
		}
	}
	var kid *policy.ReadNode
	if n != nil {
		if kid = n.ChildBytes(k); kid == nil {
			return s.skip()
		}
	}
	comma()
	s.key = append(s.key, quoted...)
	s.key = append(s.key, ':')
	return s.value(kid, false)
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
	d := s.data
	switch s.peek() {
	case 0:
		return false
	case '{', '[', '"', 't', 'f', 'n':
		end, complete := valueEnd(d, s.pos)
		if end < 0 || !complete {
			return false
		}
		s.pos = end
		return true
	}
	num, ok := s.number()
	if !ok {
		return false
	}
	if len(num) > 300 || containsExponent(string(num)) {
		if _, err := strconv.ParseFloat(string(num), 64); err != nil {
			return false
		}
	}
	return true
}

// number reads a number the first pass checked.
func (s *shapeScanner) number() ([]byte, bool) {
	start := s.pos
	for s.pos < len(s.data) {
		switch c := s.data[s.pos]; {
		case '0' <= c && c <= '9', c == '-', c == '+', c == '.', c == 'e', c == 'E':
			s.pos++
			continue
		}
		break
	}
	return s.data[start:s.pos], s.pos > start
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
