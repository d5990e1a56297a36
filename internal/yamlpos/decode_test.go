package yamlpos

import (
	"errors"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

// size is a Scalar used to check that scalar types get the text and kind
// of their value and that their hint reaches the error.
type size int64

func (s *size) DecodeScalar(text, kind string) error {
	if kind != "string" || !strings.HasSuffix(text, "GB") {
		return &HintError{Msg: "expected a size in GB, got " + text, Hint: `write "8GB"`}
	}
	n, err := strconv.Atoi(strings.TrimSuffix(text, "GB"))
	if err != nil {
		return errors.New("not a number")
	}
	*s = size(n)
	return nil
}

// named accepts a bare name or a mapping, like spec.Model.
type named struct {
	Name  string `yaml:"name"`
	Width int    `yaml:"width"`
}

func (n *named) FromScalar(text, kind string) error {
	if kind != "string" {
		return &HintError{Msg: "expected a name", Hint: "write a word"}
	}
	n.Name = text
	return nil
}

type item struct {
	ID   string `yaml:"id,required"`
	Size size   `yaml:"size"`
}

type doc struct {
	Name    string            `yaml:"name,required"`
	Count   int               `yaml:"count"`
	Small   int32             `yaml:"small"`
	Ratio   float64           `yaml:"ratio"`
	On      bool              `yaml:"on"`
	Opt     *bool             `yaml:"opt"`
	Tags    map[string]string `yaml:"tags"`
	List    []string          `yaml:"list"`
	Items   []item            `yaml:"items"`
	Shape   named             `yaml:"shape"`
	Ref     *named            `yaml:"ref"`
	Extra   any               `yaml:"extra"`
	Skipped string            `yaml:"-"`
	Plain   string            // no tag: key "plain"
}

func decodeDoc(t *testing.T, src string) (*doc, Positions, error) {
	t.Helper()
	var d doc
	pos, err := Decode("t.yaml", []byte(src), &d, Limits{MaxBytes: 1 << 16, MaxDepth: 8, MaxNodes: 1000})
	return &d, pos, err
}

func TestDecodeValues(t *testing.T) {
	src := `name: demo
count: 8.0
small: 7
ratio: 671e9
on: true
opt: false
tags: {a: x, b: "7"}
list: single
items:
  - id: one
    size: 8GB
shape: square
ref: {name: r, width: 3}
extra: {k: [1, 2.5, true, null, text]}
plain: p
`
	d, _, err := decodeDoc(t, src)
	if err != nil {
		t.Fatal(err)
	}
	f := false
	want := &doc{
		Name: "demo", Count: 8, Small: 7, Ratio: 671e9, On: true, Opt: &f,
		Tags: map[string]string{"a": "x", "b": "7"}, List: []string{"single"},
		Items: []item{{ID: "one", Size: 8}}, Shape: named{Name: "square"},
		Ref:   &named{Name: "r", Width: 3},
		Extra: map[string]any{"k": []any{int64(1), 2.5, true, nil, "text"}},
		Plain: "p",
	}
	if !reflect.DeepEqual(d, want) {
		t.Errorf("decoded\n%#v\nwant\n%#v", d, want)
	}
}

func TestDecodeNullKeepsZero(t *testing.T) {
	d, _, err := decodeDoc(t, "name: n\nref: null\nlist: ~\ntags:\nopt: ~\n")
	if err != nil {
		t.Fatal(err)
	}
	if d.Ref != nil || d.List != nil || d.Tags != nil || d.Opt != nil {
		t.Errorf("null values should leave zero values: %#v", d)
	}
}

func TestPositions(t *testing.T) {
	src := `# comment first
name: demo
items:
  - id: one
    size: 8GB
  - id: two
tags:
  a: x
list: [p, q]
shape:
  name: s
`
	_, pos, err := decodeDoc(t, src)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		path string
		want Pos
	}{
		{"", Pos{2, 1}},         // the root is its first key, not the first ':'
		{"name", Pos{2, 7}},     // a scalar is where its value is
		{"items", Pos{3, 1}},    // a list is at the key that names it
		{"items[0]", Pos{4, 5}}, // a mapping item is at its first key
		{"items[0].id", Pos{4, 9}},
		{"items[0].size", Pos{5, 11}},
		{"items[1].id", Pos{6, 9}},
		{"tags", Pos{7, 1}},
		{"tags.a", Pos{8, 6}},
		{"list", Pos{9, 1}},
		{"list[1]", Pos{9, 11}},
		{"shape", Pos{10, 1}},
		{"shape.name", Pos{11, 9}},
	}
	for _, tt := range tests {
		if got, ok := pos[tt.path]; !ok || got != tt.want {
			t.Errorf("pos[%q] = %v (recorded %v), want %v", tt.path, got, ok, tt.want)
		}
	}
}

func TestLookupFallsBackToParent(t *testing.T) {
	pos := Positions{"": {1, 1}, "items": {3, 1}, "items[0]": {4, 5}, "items[0].id": {4, 9}}
	tests := []struct {
		path string
		want Pos
	}{
		{"items[0].id", Pos{4, 9}},
		{"items[0].size", Pos{4, 5}},      // defaulted: its item
		{"items[0].size.unit", Pos{4, 5}}, // two levels up
		{"items[3]", Pos{3, 1}},           // [ is a separator too
		{"tags.a", Pos{1, 1}},             // nothing written: the root
		{"", Pos{1, 1}},
	}
	for _, tt := range tests {
		if got := pos.Lookup(tt.path); got != tt.want {
			t.Errorf("Lookup(%q) = %v, want %v", tt.path, got, tt.want)
		}
	}
	if got := (Positions{}).Lookup("a.b"); got != (Pos{1, 1}) {
		t.Errorf("empty Positions: Lookup = %v, want 1:1", got)
	}
}

func TestDecodeErrors(t *testing.T) {
	tests := []struct {
		name, src string
		pos       Pos
		msg, hint string // substrings
	}{
		{"unknown top-level key", "name: n\nnmae: m\n", Pos{2, 1}, `unknown key "nmae" at the top level`, `did you mean "name"?`},
		{"unknown nested key", "name: n\nitems:\n  - id: a\n    sise: 8GB\n", Pos{4, 5}, `unknown key "sise" in items[0]`, `did you mean "size"?`},
		{"unknown key lists valid ones", "name: n\nzzzzzz: 1\n", Pos{2, 1}, `unknown key "zzzzzz"`, "valid keys here: name, count,"},
		{"skipped field is unknown", "name: n\nskipped: x\n", Pos{2, 1}, `unknown key "skipped"`, "valid keys"},
		{"missing required", "count: 1\n", Pos{1, 1}, `missing required key "name" at the top level`, "add name:"},
		{"missing required nested", "name: n\nitems:\n  - size: 8GB\n", Pos{3, 5}, `missing required key "id" in items[0]`, "add id:"},
		{"text got list", "name: [a]\n", Pos{1, 7}, "expected text, got a list", "not a list or a mapping"},
		{"text got number", "name: 12\n", Pos{1, 7}, "expected text, got the number 12", `quote it to make it text: "12"`},
		{"text got bool", "name: true\n", Pos{1, 7}, "expected text, got a boolean true", `"true"`},
		{"bool got word", "name: n\non: yes\n", Pos{2, 5}, `expected true or false, got "yes"`, "write true or false"},
		{"int got fraction", "name: n\ncount: 1.5\n", Pos{2, 8}, "expected a whole number, got the number 1.5", "whole number"},
		{"int got text", "name: n\ncount: many\n", Pos{2, 8}, `expected a whole number, got "many"`, "whole number"},
		{"int got quoted number", "name: n\ncount: \"8\"\n", Pos{2, 8}, `expected a whole number, got "8"`, "whole number"},
		{"int too large", "name: n\ncount: 99999999999999999999999\n", Pos{2, 8}, "number 99999999999999999999999 is out of range", "extra digits"},
		{"int float too large", "name: n\ncount: 1.0e30\n", Pos{2, 8}, "out of range", "extra digits"},
		{"int32 overflow", "name: n\nsmall: 3000000000\n", Pos{2, 8}, "number 3000000000 is out of range", "extra digits"},
		{"float got word", "name: n\nratio: half\n", Pos{2, 8}, `expected a number, got "half"`, "0.5"},
		{"float NaN word", "name: n\nratio: NaN\n", Pos{2, 8}, `expected a number, got "NaN"`, "0.5"},
		{"float .nan", "name: n\nratio: .nan\n", Pos{2, 8}, "expected a finite number, got not-a-number (.nan)", "0.5"},
		{"float .inf", "name: n\nratio: -.inf\n", Pos{2, 8}, "expected a finite number, got infinity (-.inf)", "0.5"},
		{"float too large", "name: n\nratio: 1e400\n", Pos{2, 8}, "number 1e400 is out of range", "extra digits"},
		{"float hex", "name: n\nratio: 0x1p4\n", Pos{2, 8}, "expected a number", "0.5"},
		{"mapping got list", "name: n\ntags: [a]\n", Pos{2, 7}, "expected a mapping, got a list", "key: value"},
		{"struct got list", "name: n\nitems: [[a]]\n", Pos{2, 9}, "expected a mapping with keys id, size; got a list", "key: value"},
		{"list got mapping", "name: n\nlist: {a: b}\n", Pos{2, 7}, "expected a list, got a mapping", "- "},
		{"scalar type hint", "name: n\nitems:\n  - id: a\n    size: 8TB\n", Pos{4, 11}, "expected a size in GB, got 8TB", `write "8GB"`},
		{"scalar type got list", "name: n\nitems:\n  - id: a\n    size: [8GB]\n", Pos{4, 11}, "expected a single value, got a list", "single value"},
		{"scalar type plain error", "name: n\nitems:\n  - id: a\n    size: xGB\n", Pos{4, 11}, "not a number", "check how this value is written"},
		{"scalar-or-mapping scalar", "name: n\nshape: 5\n", Pos{2, 8}, "expected a name", "write a word"},
		{"scalar-or-mapping mapping", "name: n\nshape: {name: s, depth: 2}\n", Pos{2, 18}, `unknown key "depth" in shape`, "valid keys here: name, width"},
		{"merge key", "name: n\nshape: &s {name: a}\nref:\n  <<: *s\n", Pos{4, 3}, "merge keys (<<) are not supported", "write the keys out"},
		{"more than one document", "name: n\n---\nname: m\n", Pos{3, 1}, "more than one YAML document", "'---'"},
		{"empty", "", Pos{1, 1}, "file is empty", "only comments"},
		{"only comments", "# a\n\n# b\n", Pos{1, 1}, "file is empty", "only comments"},
		{"only a separator", "---\n", Pos{1, 1}, "file is empty", "only comments"},
		{"top-level scalar", "hello\n", Pos{1, 1}, `expected a mapping with keys name, count`, "key: value"},
		{"syntax error", "name: \"open\n", Pos{1, 7}, "invalid YAML: could not find end character of double-quoted text", "quoting"},
		{"tab indentation", "name: n\ntags:\n\ta: b\n", Pos{3, 1}, "a tab character", "indent with spaces"},
		{"binary", "name: n\nx: \x00\x01\n", Pos{2, 4}, "binary data (byte 0x00 at offset 11)", "not of a compressed or binary file"},
		{"invalid UTF-8", "name: caf\xe9\n", Pos{1, 10}, "binary data (byte 0xe9 at offset 9)", "binary"},
		{"undefined alias", "name: *nope\n", Pos{1, 7}, "", ""},
		{"long unknown key is shortened", "name: n\n" + strings.Repeat("k", 500) + ": 1\n", Pos{2, 1}, `unknown key "kkkk`, "valid keys"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := decodeDoc(t, tt.src)
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %v (%T), want *Error", err, err)
			}
			if e.Pos != tt.pos {
				t.Errorf("position %v, want %v (error: %v)", e.Pos, tt.pos, e)
			}
			if !strings.Contains(e.Msg, tt.msg) {
				t.Errorf("message %q does not contain %q", e.Msg, tt.msg)
			}
			if e.Hint == "" || !strings.Contains(e.Hint, tt.hint) {
				t.Errorf("hint %q does not contain %q", e.Hint, tt.hint)
			}
			if s := e.Error(); strings.Contains(s, "\n") || len(s) > 400 {
				t.Errorf("error is not one short line: %q", s)
			}
		})
	}
}

func TestDuplicateKeys(t *testing.T) {
	tests := []struct {
		name, src string
		pos       Pos
		msg       string
	}{
		{"top level", "name: a\nname: b\n", Pos{2, 1}, `duplicate key "name" (first written at line 1, column 1)`},
		{"in a map", "name: a\ntags:\n  k: 1\n  k: 2\n", Pos{4, 3}, `duplicate key "k" (first written at line 3, column 3)`},
		{"in a list item", "name: a\nitems:\n  - id: x\n    id: y\n", Pos{4, 5}, `duplicate key "id"`},
		{"in a flow mapping", "name: a\nextra: {k: 1, k: 2}\n", Pos{2, 15}, `duplicate key "k"`},
		// Keys that differ as text but decode to the same string.
		{"quoted and plain", "name: a\ntags:\n  k: 1\n  \"k\": 2\n", Pos{4, 3}, `duplicate key "k"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := decodeDoc(t, tt.src)
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %v, want *Error", err)
			}
			if e.Pos != tt.pos || !strings.Contains(e.Msg, tt.msg) || !strings.Contains(e.Hint, "once") {
				t.Errorf("got %v, want %v: %s (hint about keys appearing once)", e, tt.pos, tt.msg)
			}
		})
	}
}

func TestLimits(t *testing.T) {
	lim := Limits{MaxBytes: 4096, MaxDepth: 8, MaxNodes: 50}
	tests := []struct {
		name, src string
		pos       Pos
		msg       string // empty: must decode without error
	}{
		{"too large", "name: n\n" + strings.Repeat("# padding\n", 500), Pos{1, 1}, "file is 4.9 KiB; at most 4.0 KiB is accepted"},
		{"flow nesting", "name: n\nextra: " + strings.Repeat("[", 9) + strings.Repeat("]", 9) + "\n", Pos{2, 16}, "nesting deeper than 8 levels"},
		{"flow nesting across lines", "name: n\nextra: [[[[\n  [[[[\n  [x]]]]]]]]]\n", Pos{4, 3}, "nesting deeper than 8 levels"},
		{"block indicators on one line", "name: n\nextra:\n  " + strings.Repeat("- ", 9) + "x\n", Pos{3, 19}, "nesting deeper than 8 levels"},
		{"block indicators with anchors", "name: n\nextra:\n  " + strings.Repeat("- &a ", 9) + "x\n", Pos{3, 43}, "nesting deeper than 8 levels"},
		// A quote inside a plain scalar does not open a quoted scalar, so
		// it cannot hide brackets from the check.
		{"apostrophe does not hide brackets", "name: n\nextra: [it's, " + strings.Repeat("[", 9) + strings.Repeat("]", 10) + "\n", Pos{2, 22}, "nesting deeper than 8 levels"},
		{"indentation nesting", "name: n\nextra:\n" + indented(10), Pos{11, 19}, "nesting deeper than 8 levels"},
		{"alias expansion", "name: n\nlist: &l [a, b, c, d, e, f, g, h, i, j]\nextra: [*l, *l, *l, *l, *l]\n", Pos{3, 21}, "document expands to more than 50 values"},
		// What the depth check must not count.
		{"brackets in quotes", "name: n\nlist: [\"" + strings.Repeat("[", 20) + "\", '" + strings.Repeat("{", 20) + "']\n", Pos{}, ""},
		{"brackets in comments", "name: n # " + strings.Repeat("[", 20) + "\nlist: [a] # " + strings.Repeat("{", 20) + "\n", Pos{}, ""},
		{"dashes in values", "name: n\nlist:\n  - a - b - c - d - e - f - g - h - i - j\n", Pos{}, ""},
		{"document separators", "---\nname: n\n...\n", Pos{}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var d doc
			_, err := Decode("t.yaml", []byte(tt.src), &d, lim)
			if tt.msg == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %v, want *Error", err)
			}
			if e.Pos != tt.pos || !strings.Contains(e.Msg, tt.msg) || e.Hint == "" {
				t.Errorf("got %v, want %v: %s, with a hint", e, tt.pos, tt.msg)
			}
		})
	}
}

// indented returns n levels of nested block mappings.
func indented(n int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		b.WriteString(strings.Repeat("  ", i+1) + "k" + strconv.Itoa(i) + ":\n")
	}
	b.WriteString(strings.Repeat("  ", n+1) + "leaf\n")
	return b.String()
}

func TestByteOrderMark(t *testing.T) {
	d, pos, err := decodeDoc(t, "\ufeffname: demo\n")
	if err != nil {
		t.Fatal(err)
	}
	if d.Name != "demo" || pos["name"] != (Pos{1, 7}) {
		t.Errorf("name %q at %v, want demo at 1:7", d.Name, pos["name"])
	}
}

func TestDecodeNeedsPointer(t *testing.T) {
	var d doc
	for _, v := range []any{d, (*doc)(nil)} {
		if _, err := Decode("t.yaml", []byte("name: n\n"), v, DefaultLimits); err == nil {
			t.Errorf("Decode(%T) succeeded, want an error", v)
		}
	}
}

func TestErrorFormat(t *testing.T) {
	tests := []struct {
		err  Error
		want string
	}{
		{Error{File: "z.yaml", Pos: Pos{3, 7}, Msg: "bad value", Hint: "write a good one"}, "z.yaml:3:7: bad value (hint: write a good one)"},
		{Error{File: "z.yaml", Pos: Pos{1, 1}, Msg: "bad value"}, "z.yaml:1:1: bad value"},
		// Whatever a message embeds, the error stays on one line.
		{Error{File: "z.yaml", Pos: Pos{2, 1}, Msg: "two\nlines", Hint: "and\r\nmore"}, "z.yaml:2:1: two lines (hint: and more)"},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("Error() = %q, want %q", got, tt.want)
		}
	}
	he := &HintError{Msg: "m", Hint: "h"}
	if he.Error() != "m" {
		t.Errorf("HintError.Error() = %q, want the message alone", he.Error())
	}
}

func TestQuote(t *testing.T) {
	long := strings.Repeat("é", 100)
	tests := []struct{ in, want string }{
		{"eastus", `"eastus"`},
		{"a\nb", `"a\nb"`},
		{long, strconv.Quote(strings.Repeat("é", 64)) + "... (100 characters)"},
	}
	for _, tt := range tests {
		if got := Quote(tt.in); got != tt.want {
			t.Errorf("Quote(%.20q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestSuggest(t *testing.T) {
	keys := []string{"name", "region", "regions", "placement", "network", "workloads", "data"}
	tests := []struct {
		in   string
		want string
	}{
		{"regoin", "region"},      // transposition
		{"Region", "region"},      // case
		{"nmae", "name"},          // short key, two edits
		{"workload", "workloads"}, // missing letter
		{"regionss", "regions"},   // ties go to the closer word
		{"networking", "network"}, // three extra letters in ten
		{"owner", ""},             // nothing close
		{"x", ""},                 // one letter suggests nothing
		{"da", ""},                // too little of any word
		{"dta", "data"},           // one edit in three letters
		{"", ""},                  // nothing written
		{strings.Repeat("a", 1<<16), ""},
	}
	for _, tt := range tests {
		if got := Suggest(tt.in, keys); got != tt.want {
			t.Errorf("Suggest(%.20q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	// Ties are broken alphabetically, so the hint does not depend on the
	// order of the candidates.
	if a, b := Suggest("eastus4", []string{"eastus2", "eastus"}), Suggest("eastus4", []string{"eastus", "eastus2"}); a != b || a != "eastus" {
		t.Errorf("Suggest tie = %q and %q, want eastus both times", a, b)
	}
}

func TestFieldNames(t *testing.T) {
	got := FieldNames(reflect.TypeFor[item]())
	if want := []string{"id", "size"}; !reflect.DeepEqual(got, want) {
		t.Errorf("FieldNames = %v, want %v", got, want)
	}
}

func TestPosOf(t *testing.T) {
	if got := PosOf(nil); got != (Pos{1, 1}) {
		t.Errorf("PosOf(nil) = %v, want 1:1", got)
	}
}

// FuzzDecode decodes arbitrary input into a struct and into generic values:
// whatever the input, Decode returns a located, one-line error or a result,
// and never panics.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{
		"name: n\n",
		"name: n\nitems:\n  - id: a\n    size: 8GB\n",
		"name: n\nextra: {a: [1, 2, {b: c}]}\n",
		"name: &a n\nplain: *a\n",
		"name: n\nshape: square\nref: {name: r}\n",
		"- - - x\n",
		"[[[{]]]\n",
		"name: \"unterminated\n",
		"? [a]\n: b\n",
		"name: n\n---\nname: m\n",
		"\ufeffname: n\n",
		"name: 1e308\ntags: {NaN: Inf, 4711: x}\n",
		"%YAML 1.1\n---\nname: n\n",
		"name: n\nitems:\n  - &i {id: a}\n  - *i\nshape: *i\n",
		"\xff\xfen\x00a\x00m\x00e\x00:\x00 \x00n\x00\n\x00",
		"\xfe\xff\x00n\x00:\x00 \xd8\x00",
		"\xff\xfe\x00\x00n\x00\x00\x00",
	} {
		f.Add([]byte(s))
	}
	lim := Limits{MaxBytes: 1 << 16, MaxDepth: 16, MaxNodes: 10_000}
	f.Fuzz(func(t *testing.T, data []byte) {
		var d doc
		checkErr(t, decodeInto(data, &d, lim))
		var g any
		checkErr(t, decodeInto(data, &g, lim))
	})
}

func decodeInto(data []byte, v any, lim Limits) error {
	_, err := Decode("f.yaml", data, v, lim)
	return err
}

func checkErr(t *testing.T, err error) {
	t.Helper()
	if err == nil {
		return
	}
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T) is not a located *Error", err, err)
	}
	if e.Pos.Line < 1 || e.Pos.Col < 1 {
		t.Errorf("error has no position: %v", e)
	}
	if e.Hint == "" {
		t.Errorf("error has no hint: %v", e)
	}
	if strings.Contains(e.Error(), "\n") {
		t.Errorf("error is not one line: %q", e.Error())
	}
}
