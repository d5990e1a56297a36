package lifecycle

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"sort"
	"strconv"
	"strings"
)

// Error is one problem in a policy document, located by its JSON path
// (rules[0].definition.filters.prefixMatch[2]) and, when the policy came
// from text, by line and column.
type Error struct {
	File      string
	Line, Col int // 0 when unknown
	Path      string
	Msg       string
	Hint      string
}

func (e *Error) Error() string {
	var b strings.Builder
	if e.File != "" {
		b.WriteString(e.File)
		if e.Line > 0 {
			fmt.Fprintf(&b, ":%d:%d", e.Line, e.Col)
		}
		b.WriteString(": ")
	}
	if e.Path != "" {
		b.WriteString(e.Path)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	if e.Hint != "" {
		b.WriteString(" (")
		b.WriteString(e.Hint)
		b.WriteString(")")
	}
	return b.String()
}

// Errors is every problem found, in document order.
type Errors []*Error

func (es Errors) Error() string {
	msgs := make([]string, len(es))
	for i, e := range es {
		msgs[i] = e.Error()
	}
	return strings.Join(msgs, "\n")
}

// Unwrap lets errors.As find the first located problem.
func (es Errors) Unwrap() []error {
	out := make([]error, len(es))
	for i, e := range es {
		out[i] = e
	}
	return out
}

func (es Errors) err() error {
	if len(es) == 0 {
		return nil
	}
	return es
}

// LoadFile reads, parses and validates a policy file.
func LoadFile(path string, acct *Account) (*Policy, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading lifecycle policy: %w", err)
	}
	return Load(path, data, acct)
}

// Load parses and validates a policy document; every error carries the
// JSON path and the line and column of the offending value.
func Load(file string, data []byte, acct *Account) (*Policy, error) {
	root, err := parseTree(data)
	if err != nil {
		var e *Error
		if errors.As(err, &e) {
			e.File = file
		}
		return nil, err
	}
	d := &decoder{}
	p := d.policyDocument(root)
	if len(d.errs) == 0 {
		d.errs = Validate(p, acct)
		// Validation knows paths, not positions: look them up in the tree.
		for _, e := range d.errs {
			if n := root.lookup(d.prefix, e.Path); n != nil {
				e.Line, e.Col = lineCol(data, n.off)
			}
		}
	} else {
		for _, e := range d.errs {
			e.Line, e.Col = lineCol(data, d.offsets[e])
		}
	}
	for _, e := range d.errs {
		e.File = file
	}
	if err := d.errs.err(); err != nil {
		return nil, err
	}
	return p, nil
}

// Parse decodes a policy document without validating its rules: the
// "policy" object ({"rules": [...]}), or that object wrapped the way ARM
// and the REST API carry it ({"policy": {...}} or
// {"properties": {"policy": {...}}}). Unknown fields and wrong types are
// errors with their JSON path.
func Parse(data []byte) (*Policy, error) {
	root, err := parseTree(data)
	if err != nil {
		return nil, err
	}
	d := &decoder{}
	p := d.policyDocument(root)
	for _, e := range d.errs {
		e.Line, e.Col = lineCol(data, d.offsets[e])
	}
	if err := d.errs.err(); err != nil {
		return nil, err
	}
	return p, nil
}

// ParseRule decodes a single rule object, as some documentation samples
// show a rule on its own.
func ParseRule(data []byte) (*Rule, error) {
	root, err := parseTree(data)
	if err != nil {
		return nil, err
	}
	d := &decoder{}
	r := d.rule(root, "")
	for _, e := range d.errs {
		e.Line, e.Col = lineCol(data, d.offsets[e])
	}
	if err := d.errs.err(); err != nil {
		return nil, err
	}
	return &r, nil
}

// node is a JSON value with the byte offset where it starts; objects keep
// their keys in document order so that errors come out in that order.
type node struct {
	kind byte // 'o' object, 'a' array, 's' string, 'n' number, 'b' bool, 'z' null
	off  int64
	keys []string
	vals []*node
	arr  []*node
	str  string
	num  json.Number
	b    bool
}

func (n *node) get(key string) *node {
	for i, k := range n.keys {
		if k == key {
			return n.vals[i]
		}
	}
	return nil
}

// lookup finds the node at a validation path such as
// rules[0].definition.filters.prefixMatch[1], below prefix (the wrapper
// keys Parse skipped).
func (n *node) lookup(prefix []string, path string) *node {
	cur := n
	for _, k := range prefix {
		if cur == nil || cur.kind != 'o' {
			return nil
		}
		cur = cur.get(k)
	}
	last := cur
	for _, part := range splitPath(path) {
		if cur == nil {
			return last
		}
		if part.index >= 0 {
			if cur.kind != 'a' || part.index >= len(cur.arr) {
				return last
			}
			cur = cur.arr[part.index]
		} else {
			if cur.kind != 'o' {
				return last
			}
			cur = cur.get(part.key)
		}
		if cur != nil {
			last = cur
		}
	}
	return last
}

type pathPart struct {
	key   string
	index int
}

func splitPath(path string) []pathPart {
	var out []pathPart
	for _, seg := range strings.Split(path, ".") {
		if seg == "" {
			continue
		}
		key := seg
		var idx []int
		if i := strings.IndexByte(seg, '['); i >= 0 {
			key = seg[:i]
			for _, ix := range strings.Split(seg[i+1:], "[") {
				n, err := strconv.Atoi(strings.TrimSuffix(ix, "]"))
				if err == nil {
					idx = append(idx, n)
				}
			}
		}
		if key != "" {
			out = append(out, pathPart{key: key, index: -1})
		}
		for _, n := range idx {
			out = append(out, pathPart{index: n})
		}
	}
	return out
}

// maxDepth bounds nesting so that hostile input cannot exhaust the stack.
const maxDepth = 64

// parseTree reads one JSON value with positions, rejecting duplicate keys
// (encoding/json would silently keep the last one, hiding a mistake).
func parseTree(data []byte) (*node, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	n, err := readNode(dec, data, 0)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		line, col := lineCol(data, dec.InputOffset())
		return nil, &Error{Line: line, Col: col, Msg: "unexpected data after the policy object", Hint: "a policy file holds one JSON object"}
	}
	return n, nil
}

func readNode(dec *json.Decoder, data []byte, depth int) (*node, error) {
	if depth > maxDepth {
		line, col := lineCol(data, dec.InputOffset())
		return nil, &Error{Line: line, Col: col, Msg: "JSON nested too deeply"}
	}
	start := valueStart(data, dec.InputOffset())
	tok, err := dec.Token()
	if err != nil {
		return nil, syntaxError(data, dec, err)
	}
	n := &node{off: start}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			n.kind = 'o'
			for dec.More() {
				koff := valueStart(data, dec.InputOffset())
				kt, err := dec.Token()
				if err != nil {
					return nil, syntaxError(data, dec, err)
				}
				key, _ := kt.(string)
				for _, k := range n.keys {
					if k == key {
						line, col := lineCol(data, koff)
						return nil, &Error{Line: line, Col: col, Msg: fmt.Sprintf("duplicate key %q", key), Hint: "JSON readers keep only one of them"}
					}
				}
				v, err := readNode(dec, data, depth+1)
				if err != nil {
					return nil, err
				}
				n.keys = append(n.keys, key)
				n.vals = append(n.vals, v)
			}
		case '[':
			n.kind = 'a'
			for dec.More() {
				v, err := readNode(dec, data, depth+1)
				if err != nil {
					return nil, err
				}
				n.arr = append(n.arr, v)
			}
		}
		if _, err := dec.Token(); err != nil { // closing delimiter
			return nil, syntaxError(data, dec, err)
		}
	case string:
		n.kind, n.str = 's', t
	case json.Number:
		n.kind, n.num = 'n', t
	case bool:
		n.kind, n.b = 'b', t
	case nil:
		n.kind = 'z'
	}
	return n, nil
}

// valueStart skips the separators json.Decoder has not consumed yet, so that
// an offset points at the value itself.
func valueStart(data []byte, off int64) int64 {
	for off < int64(len(data)) {
		switch data[off] {
		case ' ', '\t', '\r', '\n', ',', ':':
			off++
		default:
			return off
		}
	}
	return off
}

func syntaxError(data []byte, dec *json.Decoder, err error) error {
	off := dec.InputOffset()
	var se *json.SyntaxError
	if errors.As(err, &se) {
		off = se.Offset
	}
	msg := "invalid JSON: " + strings.TrimPrefix(err.Error(), "json: ")
	if err == io.EOF || errors.Is(err, io.ErrUnexpectedEOF) {
		msg = "invalid JSON: the document ends early"
	}
	line, col := lineCol(data, off)
	return &Error{Line: line, Col: col, Msg: msg}
}

func lineCol(data []byte, off int64) (int, int) {
	if off > int64(len(data)) {
		off = int64(len(data))
	}
	if off < 0 {
		return 0, 0
	}
	line, col := 1, 1
	for _, c := range data[:off] {
		if c == '\n' {
			line++
			col = 1
		} else {
			col++
		}
	}
	return line, col
}

// decoder turns a node tree into the typed policy, collecting every error
// rather than stopping at the first.
type decoder struct {
	errs    Errors
	offsets map[*Error]int64
	prefix  []string // wrapper keys above the policy object
}

func (d *decoder) fail(n *node, path, hint, format string, args ...any) {
	e := &Error{Path: path, Msg: fmt.Sprintf(format, args...), Hint: hint}
	if d.offsets == nil {
		d.offsets = map[*Error]int64{}
	}
	if n != nil {
		d.offsets[e] = n.off
	}
	d.errs = append(d.errs, e)
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func kindName(k byte) string {
	switch k {
	case 'o':
		return "an object"
	case 'a':
		return "an array"
	case 's':
		return "a string"
	case 'n':
		return "a number"
	case 'b':
		return "a boolean"
	}
	return "null"
}

// fields checks that n is an object and reports keys not in allowed, with a
// suggestion when a key differs from an allowed one only in case.
func (d *decoder) fields(n *node, path string, allowed ...string) bool {
	if n.kind != 'o' {
		d.fail(n, path, "", "expected an object, found %s", kindName(n.kind))
		return false
	}
	for i, k := range n.keys {
		known := false
		hint := "allowed: " + strings.Join(sorted(allowed), ", ")
		for _, a := range allowed {
			if k == a {
				known = true
				break
			}
			if strings.EqualFold(k, a) {
				hint = fmt.Sprintf("did you mean %q? names are case-sensitive", a)
			}
		}
		if !known {
			d.fail(n.vals[i], join(path, k), hint, "unknown field %q", k)
		}
	}
	return true
}

func sorted(s []string) []string {
	out := append([]string(nil), s...)
	sort.Strings(out)
	return out
}

func (d *decoder) str(n *node, path string) string {
	if n.kind != 's' {
		d.fail(n, path, "", "expected a string, found %s", kindName(n.kind))
		return ""
	}
	return n.str
}

func (d *decoder) boolean(n *node, path string) *bool {
	if n.kind != 'b' {
		d.fail(n, path, "", "expected true or false, found %s", kindName(n.kind))
		return nil
	}
	b := n.b
	return &b
}

// days reads a run-condition value: the documentation types it Integer and
// the ARM schema gives a minimum of 0.
func (d *decoder) days(n *node, path string) *int {
	if n.kind != 'n' {
		d.fail(n, path, "a whole number of days, such as 30", "expected a number, found %s", kindName(n.kind))
		return nil
	}
	v, err := strconv.ParseInt(n.num.String(), 10, 64)
	if err != nil {
		f, ferr := n.num.Float64()
		if ferr == nil && f == math.Trunc(f) && math.Abs(f) <= math.MaxInt32 {
			v = int64(f)
		} else {
			d.fail(n, path, "a whole number of days, such as 30", "%s is not an integer", n.num)
			return nil
		}
	}
	if v < 0 {
		d.fail(n, path, "run conditions count days since an event", "%d is negative; the minimum is 0", v)
		return nil
	}
	if v > math.MaxInt32 {
		d.fail(n, path, "", "%d days is out of range", v)
		return nil
	}
	i := int(v)
	return &i
}

func (d *decoder) strings(n *node, path string) []string {
	if n.kind != 'a' {
		d.fail(n, path, "", "expected an array of strings, found %s", kindName(n.kind))
		return nil
	}
	out := make([]string, 0, len(n.arr))
	for i, v := range n.arr {
		out = append(out, d.str(v, fmt.Sprintf("%s[%d]", path, i)))
	}
	return out
}

func (d *decoder) policyDocument(n *node) *Policy {
	if n.kind == 'o' {
		// Unwrap {"properties": {"policy": ...}} and {"policy": ...}.
		if p := n.get("properties"); p != nil && n.get("rules") == nil && p.kind == 'o' && p.get("policy") != nil {
			d.prefix = []string{"properties", "policy"}
			return d.policy(p.get("policy"), "properties.policy")
		}
		if p := n.get("policy"); p != nil && n.get("rules") == nil {
			d.prefix = []string{"policy"}
			return d.policy(p, "policy")
		}
	}
	return d.policy(n, "")
}

func (d *decoder) policy(n *node, path string) *Policy {
	p := &Policy{}
	if !d.fields(n, path, "rules") {
		return p
	}
	rules := n.get("rules")
	if rules == nil {
		d.fail(n, join(path, "rules"), "a policy is {\"rules\": [...]}", "missing required field")
		return p
	}
	if rules.kind != 'a' {
		d.fail(rules, join(path, "rules"), "", "expected an array of rules, found %s", kindName(rules.kind))
		return p
	}
	p.Rules = make([]Rule, 0, len(rules.arr))
	for i, r := range rules.arr {
		p.Rules = append(p.Rules, d.rule(r, fmt.Sprintf("%s[%d]", join(path, "rules"), i)))
	}
	return p
}

func (d *decoder) rule(n *node, path string) Rule {
	var r Rule
	if !d.fields(n, path, "name", "enabled", "type", "definition") {
		return r
	}
	if v := n.get("name"); v != nil {
		r.Name = d.str(v, join(path, "name"))
	}
	if v := n.get("enabled"); v != nil {
		r.Enabled = d.boolean(v, join(path, "enabled"))
	}
	if v := n.get("type"); v != nil {
		r.Type = d.str(v, join(path, "type"))
	}
	if v := n.get("definition"); v != nil {
		r.Definition = d.definition(v, join(path, "definition"))
	}
	return r
}

func (d *decoder) definition(n *node, path string) Definition {
	var def Definition
	if !d.fields(n, path, "filters", "actions") {
		return def
	}
	if v := n.get("filters"); v != nil {
		def.Filters = d.filters(v, join(path, "filters"))
	}
	if v := n.get("actions"); v != nil {
		def.Actions = d.actions(v, join(path, "actions"))
	}
	return def
}

func (d *decoder) filters(n *node, path string) *Filters {
	f := &Filters{}
	if !d.fields(n, path, "blobTypes", "prefixMatch", "blobIndexMatch") {
		return f
	}
	if v := n.get("blobTypes"); v != nil {
		f.BlobTypes = d.strings(v, join(path, "blobTypes"))
	}
	if v := n.get("prefixMatch"); v != nil {
		f.PrefixMatch = d.strings(v, join(path, "prefixMatch"))
	}
	if v := n.get("blobIndexMatch"); v != nil {
		p := join(path, "blobIndexMatch")
		if v.kind != 'a' {
			d.fail(v, p, "", "expected an array of tag conditions, found %s", kindName(v.kind))
		} else {
			f.BlobIndexMatch = make([]TagFilter, 0, len(v.arr))
			for i, t := range v.arr {
				tp := fmt.Sprintf("%s[%d]", p, i)
				var tf TagFilter
				if d.fields(t, tp, "name", "op", "value") {
					for _, req := range []string{"name", "op", "value"} {
						if t.get(req) == nil {
							d.fail(t, join(tp, req), "a tag condition is {\"name\": ..., \"op\": \"==\", \"value\": ...}", "missing required field")
						}
					}
					if x := t.get("name"); x != nil {
						tf.Name = d.str(x, join(tp, "name"))
					}
					if x := t.get("op"); x != nil {
						tf.Op = d.str(x, join(tp, "op"))
					}
					if x := t.get("value"); x != nil {
						tf.Value = d.str(x, join(tp, "value"))
					}
				}
				f.BlobIndexMatch = append(f.BlobIndexMatch, tf)
			}
		}
	}
	return f
}

func (d *decoder) actions(n *node, path string) Actions {
	var a Actions
	if !d.fields(n, path, "baseBlob", "snapshot", "version") {
		return a
	}
	if v := n.get("baseBlob"); v != nil {
		p := join(path, "baseBlob")
		b := &BaseBlobActions{}
		if d.fields(v, p, "tierToCool", "tierToCold", "tierToArchive", "tierToHot", "delete", "enableAutoTierToHotFromCool") {
			b.TierToCool = d.cond(v, p, "tierToCool")
			b.TierToCold = d.cond(v, p, "tierToCold")
			b.TierToArchive = d.cond(v, p, "tierToArchive")
			b.TierToHot = d.cond(v, p, "tierToHot")
			b.Delete = d.cond(v, p, "delete")
			if x := v.get("enableAutoTierToHotFromCool"); x != nil {
				b.EnableAutoTierToHotFromCool = d.boolean(x, join(p, "enableAutoTierToHotFromCool"))
			}
		}
		a.BaseBlob = b
	}
	for _, target := range []string{"snapshot", "version"} {
		v := n.get(target)
		if v == nil {
			continue
		}
		p := join(path, target)
		va := &VersionActions{}
		hint := ""
		if v.kind == 'o' && v.get("enableAutoTierToHotFromCool") != nil {
			hint = "enableAutoTierToHotFromCool applies to baseBlob only"
		}
		if d.fields(v, p, "tierToCool", "tierToCold", "tierToArchive", "tierToHot", "delete") {
			va.TierToCool = d.cond(v, p, "tierToCool")
			va.TierToCold = d.cond(v, p, "tierToCold")
			va.TierToArchive = d.cond(v, p, "tierToArchive")
			va.TierToHot = d.cond(v, p, "tierToHot")
			va.Delete = d.cond(v, p, "delete")
		}
		if hint != "" && len(d.errs) > 0 {
			d.errs[len(d.errs)-1].Hint = hint
		}
		if target == "snapshot" {
			a.Snapshot = va
		} else {
			a.Version = va
		}
	}
	return a
}

func (d *decoder) cond(parent *node, path, key string) *Condition {
	n := parent.get(key)
	if n == nil {
		return nil
	}
	p := join(path, key)
	c := &Condition{}
	if !d.fields(n, p, "daysAfterModificationGreaterThan", "daysAfterCreationGreaterThan", "daysAfterLastAccessTimeGreaterThan", "daysAfterLastTierChangeGreaterThan") {
		return c
	}
	if v := n.get("daysAfterModificationGreaterThan"); v != nil {
		c.DaysAfterModificationGreaterThan = d.days(v, join(p, "daysAfterModificationGreaterThan"))
	}
	if v := n.get("daysAfterCreationGreaterThan"); v != nil {
		c.DaysAfterCreationGreaterThan = d.days(v, join(p, "daysAfterCreationGreaterThan"))
	}
	if v := n.get("daysAfterLastAccessTimeGreaterThan"); v != nil {
		c.DaysAfterLastAccessTimeGreaterThan = d.days(v, join(p, "daysAfterLastAccessTimeGreaterThan"))
	}
	if v := n.get("daysAfterLastTierChangeGreaterThan"); v != nil {
		c.DaysAfterLastTierChangeGreaterThan = d.days(v, join(p, "daysAfterLastTierChangeGreaterThan"))
	}
	return c
}
