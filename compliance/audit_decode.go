package compliance

import (
	"bytes"
	"encoding/json"
	"errors"
	"strconv"
	"unicode/utf8"

	"github.com/aizone/aizone/policy"
)

// validJSON reports whether data is one JSON value.
func validJSON(data []byte) bool { return json.Valid(data) }

// errPrune is any problem the pruning decoder meets; the element is then
// decoded by encoding/json, whose error (or value) is the one reported.
var errPrune = errors.New("prune")

// decodePruned decodes one exported resource as decodeResource does, but
// builds only the properties the read set holds (root nil: all of them).
// A property no assigned rule reads is never compared, so leaving it out
// changes no result; it saves building the maps and strings of most of
// an export. Values are what encoding/json gives: float64 numbers, strings
// with invalid UTF-8 replaced.
func decodePruned(data []byte, root *policy.ReadNode, i int) (*policy.Resource, error) {
	d := pruneDecoder{data: data}
	d.ws()
	v, err := d.node(root)
	if err == nil {
		d.ws()
		if d.pos != len(d.data) {
			err = errPrune
		}
	}
	m, isMap := v.(map[string]any)
	if err != nil || !isMap {
		// Whatever is wrong, encoding/json says it as before.
		raw, err := decodeResource(data, i)
		if err != nil {
			return nil, err
		}
		return policy.NewResource(raw), nil
	}
	return policy.NewResourceKeys(m, &d.keys), nil
}

type pruneDecoder struct {
	data []byte
	pos  int
	// keys are those of every object built: the resource's filter of
	// keys, made here rather than by walking it again.
	keys policy.KeyFilter
}

func (d *pruneDecoder) ws() {
	for d.pos < len(d.data) {
		switch d.data[d.pos] {
		case ' ', '\t', '\r', '\n':
			d.pos++
		default:
			return
		}
	}
}

// node decodes the value at the position keeping what n holds; a nil n
// (or one that reads the whole value) keeps all of it.
func (d *pruneDecoder) node(n *policy.ReadNode) (any, error) {
	if n != nil && n.Whole() {
		n = nil
	}
	if d.pos >= len(d.data) {
		return nil, errPrune
	}
	switch d.data[d.pos] {
	case '{':
		d.pos++
		m := map[string]any{}
		d.ws()
		if d.pos < len(d.data) && d.data[d.pos] == '}' {
			d.pos++
			return m, nil
		}
		for {
			d.ws()
			key, err := d.str()
			if err != nil {
				return nil, err
			}
			d.ws()
			if d.pos >= len(d.data) || d.data[d.pos] != ':' {
				return nil, errPrune
			}
			d.pos++
			d.ws()
			var kid *policy.ReadNode
			if n != nil {
				if kid = n.Child(key); kid == nil {
					if err := d.skip(); err != nil {
						return nil, err
					}
				}
			}
			if n == nil || kid != nil {
				v, err := d.node(kid)
				if err != nil {
					return nil, err
				}
				m[key] = v
				d.keys.Add(key)
			}
			if done, err := d.next('}'); err != nil || done {
				return m, err
			}
		}
	case '[':
		d.pos++
		out := []any{}
		d.ws()
		if d.pos < len(d.data) && d.data[d.pos] == ']' {
			d.pos++
			return out, nil
		}
		for {
			d.ws()
			v, err := d.node(n)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
			if done, err := d.next(']'); err != nil || done {
				return out, err
			}
		}
	case '"':
		return d.str()
	case 't':
		return true, d.lit("true")
	case 'f':
		return false, d.lit("false")
	case 'n':
		return nil, d.lit("null")
	}
	s, err := d.number()
	if err != nil {
		return nil, err
	}
	return strconv.ParseFloat(s, 64)
}

// next reads the ',' between members or the closing byte.
func (d *pruneDecoder) next(closing byte) (bool, error) {
	d.ws()
	if d.pos >= len(d.data) {
		return false, errPrune
	}
	switch d.data[d.pos] {
	case ',':
		d.pos++
		return false, nil
	case closing:
		d.pos++
		return true, nil
	}
	return false, errPrune
}

func (d *pruneDecoder) lit(word string) error {
	if len(d.data)-d.pos < len(word) || string(d.data[d.pos:d.pos+len(word)]) != word {
		return errPrune
	}
	d.pos += len(word)
	return nil
}

// number reads a number's text.
func (d *pruneDecoder) number() (string, error) {
	end := numberEnd(d.data, d.pos)
	if end < 0 {
		return "", errPrune
	}
	s := string(d.data[d.pos:end])
	d.pos = end
	return s, nil
}

// numberEnd is where the number at data[i] ends in JSON's grammar,
// -?(0|[1-9]d*)(.d+)?([eE][+-]?d+)?, or -1 when there is none.
func numberEnd(data []byte, i int) int {
	digits := func() bool {
		j := i
		for i < len(data) && '0' <= data[i] && data[i] <= '9' {
			i++
		}
		return i > j
	}
	if i < len(data) && data[i] == '-' {
		i++
	}
	switch {
	case i < len(data) && data[i] == '0':
		i++
	case !digits():
		return -1
	}
	if i < len(data) && data[i] == '.' {
		i++
		if !digits() {
			return -1
		}
	}
	if i < len(data) && (data[i] == 'e' || data[i] == 'E') {
		i++
		if i < len(data) && (data[i] == '+' || data[i] == '-') {
			i++
		}
		if !digits() {
			return -1
		}
	}
	return i
}

// str decodes the string at the position: plain ASCII directly, anything
// with escapes or other bytes as encoding/json decodes it.
func (d *pruneDecoder) str() (string, error) {
	if d.pos >= len(d.data) || d.data[d.pos] != '"' {
		return "", errPrune
	}
	for j := d.pos + 1; j < len(d.data); j++ {
		c := d.data[j]
		if c == '"' {
			s := string(d.data[d.pos+1 : j])
			d.pos = j + 1
			return s, nil
		}
		if c == '\\' || c >= utf8.RuneSelf || c < 0x20 {
			end, ok := quoteEnd(d.data, d.pos)
			if !ok {
				return "", errPrune
			}
			var s string
			if err := json.Unmarshal(d.data[d.pos:end+1], &s); err != nil {
				return "", errPrune
			}
			d.pos = end + 1
			return s, nil
		}
	}
	return "", errPrune
}

// skip moves past the value at the position without building it.
func (d *pruneDecoder) skip() error {
	end, ok := skipValue(d.data, d.pos)
	if !ok {
		return errPrune
	}
	d.pos = end
	return nil
}

// skipValue is where the value at data[i] ends, found without building
// it. A number too large for a float64 is still an error (false), as
// encoding/json makes it.
func skipValue(data []byte, i int) (int, bool) {
	if i >= len(data) {
		return 0, false
	}
	switch c := data[i]; c {
	case '{', '[', '"':
		end, complete := valueEnd(data, i)
		return end, end >= 0 && complete
	case 't', 'f', 'n':
		word := "null"
		switch c {
		case 't':
			word = "true"
		case 'f':
			word = "false"
		}
		if len(data)-i < len(word) || string(data[i:i+len(word)]) != word {
			return 0, false
		}
		return i + len(word), true
	}
	end := numberEnd(data, i)
	if end < 0 {
		return 0, false
	}
	if s := data[i:end]; len(s) > 300 || bytes.ContainsAny(s, "eE") {
		if _, err := strconv.ParseFloat(string(s), 64); err != nil {
			return 0, false
		}
	}
	return end, true
}
