package compliance

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"
)

// scanOracle is what keyScanner.scan must decide, computed the slow way:
// json.Valid, then a decode for the shape and the head, then a search for
// keys repeated without regard to case.
func scanOracle(data []byte) (head, bool) {
	if !json.Valid(data) {
		return head{}, false
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(data, &top); err != nil || top == nil {
		return head{}, false
	}
	if repeatsKey(json.NewDecoder(bytes.NewReader(data))) {
		return head{}, false
	}
	var h head
	for k, v := range top {
		var s string
		if json.Unmarshal(v, &s) != nil {
			continue
		}
		switch {
		case strings.EqualFold(k, "type"):
			h.typ = []byte(s)
		case strings.EqualFold(k, "name"):
			h.name = []byte(s)
		case strings.EqualFold(k, "id"):
			h.id = []byte(s)
		}
	}
	return h, true
}

// repeatsKey reads one value from dec and reports whether an object in it
// repeats a key (without regard to case).
func repeatsKey(dec *json.Decoder) bool {
	tok, err := dec.Token()
	if err != nil {
		return false
	}
	switch tok {
	case json.Delim('{'):
		var keys []string
		for dec.More() {
			k, _ := dec.Token()
			ks := k.(string)
			for _, o := range keys {
				if bytes.EqualFold([]byte(o), []byte(ks)) {
					return true
				}
			}
			keys = append(keys, ks)
			if repeatsKey(dec) {
				return true
			}
		}
		_, _ = dec.Token()
	case json.Delim('['):
		for dec.More() {
			if repeatsKey(dec) {
				return true
			}
		}
		_, _ = dec.Token()
	}
	return false
}

func TestKeyScanner(t *testing.T) {
	for _, tc := range []struct {
		in   string
		ok   bool
		msg  string // part of the error when not ok
		head [3]string
	}{
		{in: `{"id":"/s/x","Name":"n","TYPE":"T/t"}`, ok: true, head: [3]string{"T/t", "n", "/s/x"}},
		{in: ` {"ty\u0070e": "a\"b", "properties": {"type": "inner"}} `, ok: true, head: [3]string{`a"b`, "", ""}},
		{in: `{"name": {"x": "y"}, "id": 5}`, ok: true},
		{in: `{"a": [1, -0.5e+3, true, false, null, "\u00e9\n", {}, []]}`, ok: true},
		{in: `{"a": 1, "A": 2}`, msg: `duplicate key "A"`},
		{in: `{"p": {"k": 1, "\u004b": 2}}`, msg: `duplicate key "K"`},
		{in: `{"a": {"k": 1}, "b": {"k": 1}}`, ok: true},
		{in: `[{"a": 1}]`, msg: "a resource is a JSON object; got an array"},
		{in: `"x"`, msg: "got a string"},
		{in: `{"a": 01}`, msg: "invalid JSON"},
		{in: `{"a": 1.}`, msg: "invalid JSON"},
		{in: "{\"a\": \"\x01\"}", msg: "control character"},
		{in: `{"a": "\q"}`, msg: "unknown escape"},
		{in: `{"a": "\u12"}`, msg: "four hexadecimal"},
		{in: `{"a": tru}`, msg: "expected true"},
		{in: `{"a": 1,}`, msg: "expected a key"},
		{in: `{"a" 1}`, msg: "expected ':'"},
		{in: `{"a": [1 2]}`, msg: "expected ',' or ']'"},
		{in: `{"a": 1} x`, msg: "more after the value"},
		{in: "{\"a\": \"\xff\"}", ok: true}, // json.Valid does not check UTF-8
		{in: strings.Repeat("[", maxDepth+1) + strings.Repeat("]", maxDepth+1), msg: "invalid JSON"},
		{in: `{"a":` + strings.Repeat("[", maxDepth-1) + strings.Repeat("]", maxDepth-1) + `}`, ok: true},
	} {
		var s keyScanner
		h, err := s.scan([]byte(tc.in))
		if tc.ok != (err == nil) || err != nil && !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("%.60s: error %v, want ok %t or %q", tc.in, err, tc.ok, tc.msg)
			continue
		}
		if got := [3]string{string(h.typ), string(h.name), string(h.id)}; tc.ok && got != tc.head {
			t.Errorf("%.60s: head %q, want %q", tc.in, got, tc.head)
		}
		if _, want := scanOracle([]byte(tc.in)); want != tc.ok {
			t.Errorf("%.60s: the oracle says %t", tc.in, want)
		}
	}
}

// FuzzKeyScanner holds the scanner to json.Valid and a slow search for
// repeated keys: the first pass trusts it to send anything encoding/json
// would refuse to the strict reader.
func FuzzKeyScanner(f *testing.F) {
	for _, s := range []string{
		`{"id":"/subscriptions/s/resourceGroups/rg/providers/A.B/c/n","name":"n","type":"A.B/c","properties":{"x":[1,2.5e-3,{"y":null}]}}`,
		`{"a": 1, "A": 2}`, `{"\u212a": 1, "k": 2}`, `{"a": "\ud83d\ude00"}`, `[1]`, `{"a":1}}`, ` { } `, `{"a":-}`, `{"a":"`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var s keyScanner
		h, err := s.scan(data)
		want, ok := scanOracle(data)
		if ok != (err == nil) {
			t.Fatalf("scan says %v; json.Valid %t, the oracle %t", err, json.Valid(data), ok)
		}
		// Raw invalid UTF-8 in a head is kept as it is, where decoding
		// would replace it; no policy type or id holds it.
		if ok && utf8.Valid(data) && (!bytes.Equal(h.typ, want.typ) || !bytes.Equal(h.name, want.name) || !bytes.Equal(h.id, want.id)) {
			t.Fatalf("head %q %q %q, want %q %q %q", h.typ, h.name, h.id, want.typ, want.name, want.id)
		}
	})
}
