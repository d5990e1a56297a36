package policy

import (
	"fmt"
	"strconv"
	"strings"
)

// seg is one step of a property path: a key, optionally followed by [*]
// (every member) or [n] (one member).
type seg struct {
	key   string
	fold  uint64 // foldHash(key), for the resource's key set
	star  bool
	index int // -1 when absent
}

// parsePath splits "properties.ipRules[*].value" or "tags['a.b']" into
// segments.
func parsePath(p string) ([]seg, error) {
	var out []seg
	i := 0
	for i < len(p) {
		var s seg
		s.index = -1
		if p[i] == '[' {
			// A leading bracketed key: ['name'].
			k, n, err := bracketKey(p[i:])
			if err != nil {
				return nil, fmt.Errorf("path %q: %w", p, err)
			}
			s.key = k
			i += n
		} else {
			start := i
			for i < len(p) && p[i] != '.' && p[i] != '[' {
				i++
			}
			s.key = p[start:i]
		}
		for i < len(p) && p[i] == '[' {
			switch {
			case strings.HasPrefix(p[i:], "[*]"):
				if s.star || s.index >= 0 {
					out = append(out, s)
					s = seg{index: -1}
				}
				s.star = true
				i += 3
			case i+1 < len(p) && p[i+1] >= '0' && p[i+1] <= '9':
				j := strings.IndexByte(p[i:], ']')
				if j < 0 {
					return nil, fmt.Errorf("path %q: unterminated index", p)
				}
				n, err := strconv.Atoi(p[i+1 : i+j])
				if err != nil {
					return nil, fmt.Errorf("path %q: bad index", p)
				}
				if s.star || s.index >= 0 {
					out = append(out, s)
					s = seg{index: -1}
				}
				s.index = n
				i += j + 1
			default:
				// tags['x'] style: a key in brackets after a key.
				out = append(out, s)
				k, n, err := bracketKey(p[i:])
				if err != nil {
					return nil, fmt.Errorf("path %q: %w", p, err)
				}
				s = seg{key: k, index: -1}
				i += n
			}
		}
		out = append(out, s)
		if i < len(p) {
			if p[i] != '.' {
				return nil, fmt.Errorf("path %q: unexpected %q", p, p[i])
			}
			i++
			if i == len(p) {
				return nil, fmt.Errorf("path %q: ends with '.'", p)
			}
		}
	}
	for i, s := range out {
		if s.key == "" && !s.star && s.index < 0 {
			return nil, fmt.Errorf("path %q: empty segment", p)
		}
		out[i].fold = foldHash(s.key)
	}
	return out, nil
}

// bracketKey reads ['key'] (with ” for a quote, and ”' triple quoting as
// in tags[”'name”']) or [key], returning the key and bytes consumed.
func bracketKey(s string) (string, int, error) {
	if len(s) < 2 || s[0] != '[' {
		return "", 0, fmt.Errorf("expected '['")
	}
	if s[1] == '\'' {
		var b strings.Builder
		i := 2
		for i < len(s) {
			if s[i] == '\'' {
				if i+1 < len(s) && s[i+1] == '\'' {
					b.WriteByte('\'')
					i += 2
					continue
				}
				if i+1 < len(s) && s[i+1] == ']' {
					return b.String(), i + 2, nil
				}
				return "", 0, fmt.Errorf("unexpected quote in key")
			}
			b.WriteByte(s[i])
			i++
		}
		return "", 0, fmt.Errorf("unterminated key")
	}
	j := strings.IndexByte(s, ']')
	if j < 0 {
		return "", 0, fmt.Errorf("unterminated key")
	}
	return s[1:j], j + 1, nil
}

func pathString(segs []seg) string {
	var b strings.Builder
	for i, s := range segs {
		if s.key != "" {
			if i > 0 {
				b.WriteByte('.')
			}
			b.WriteString(s.key)
		}
		if s.star {
			b.WriteString("[*]")
		}
		if s.index >= 0 {
			fmt.Fprintf(&b, "[%d]", s.index)
		}
	}
	return b.String()
}

func hasStar(segs []seg) bool {
	for _, s := range segs {
		if s.star {
			return true
		}
	}
	return false
}

// walk collects the values at segs below v. Without [*] it yields one value
// (nil when missing). With [*] it yields one value per member; a missing or
// non-array value where [*] is expected yields a single nil, so that a
// missing array behaves like a missing field, while an empty array yields
// nothing.
//
// lenient is set for aliases resolved by the fallback: a key missing from an
// object is then also looked up in its "properties" object, because the
// nested sub-resources of many resource types (subnets, security rules, IP
// configurations) keep their settings one level down.
func walk(v any, segs []seg, lenient bool, out []any) []any {
	for i, s := range segs {
		if s.key != "" {
			m, ok := v.(map[string]any)
			if !ok {
				return append(out, nil)
			}
			nv, found := lookupCI(m, s.key)
			if !found && lenient {
				if p, ok := getCI(m, "properties").(map[string]any); ok {
					nv, found = lookupCI(p, s.key)
				}
			}
			if !found {
				return append(out, nil)
			}
			v = nv
		}
		if s.index >= 0 {
			arr, ok := v.([]any)
			if !ok || s.index >= len(arr) {
				return append(out, nil)
			}
			v = arr[s.index]
		}
		if s.star {
			arr, ok := v.([]any)
			if !ok {
				return append(out, nil)
			}
			for _, el := range arr {
				out = walk(el, segs[i+1:], lenient, out)
			}
			return out
		}
	}
	return append(out, v)
}

// walkOne returns the single value at segs (no [*] in segs).
func walkOne(v any, segs []seg, lenient bool) any {
	for _, s := range segs {
		if s.key != "" {
			m, ok := v.(map[string]any)
			if !ok {
				return nil
			}
			nv, found := lookupCI(m, s.key)
			if !found && lenient {
				if p, ok := getCI(m, "properties").(map[string]any); ok {
					nv, found = lookupCI(p, s.key)
				}
			}
			if !found {
				return nil
			}
			v = nv
		}
		if s.index >= 0 {
			arr, ok := v.([]any)
			if !ok || s.index >= len(arr) {
				return nil
			}
			v = arr[s.index]
		}
	}
	return v
}

type fieldKind int

const (
	fkPath fieldKind = iota
	fkName
	fkFullName
	fkType
	fkID
	fkKind
	fkLocation
	fkTags
	fkTag
)

// fieldRef is a compiled field reference.
type fieldRef struct {
	text string // as written
	kind fieldKind
	tag  string
	segs []seg
	// alts are the other paths of an alias with several (see
	// MultiPathTable), tried in order when segs selects nothing.
	alts [][]seg
	coll bool // segs (relative to the scope, if any) have [*]
	// array is set when the alias as written has [*]: field() then returns
	// an array of the selected values, even inside a count's where, where
	// the counted alias selects one member (Azure documents this; policies
	// use first(field(...)) to get the member itself).
	array    bool
	lenient  bool
	fallback bool
	scope    int    // index of the enclosing count scope it is relative to, or -1
	display  string // the path a reader understands, for reasons
}

// compileScope is a count being compiled: field references below it that
// start with its alias are relative to its current member.
type compileScope struct {
	alias string // lower-case alias ending in [*], "" for value counts
	name  string // value count name
	segs  []seg  // resolved path of the counted array (absolute)
}

func (c *compiler) resolveField(text string, scopes []compileScope) (*fieldRef, error) {
	f := &fieldRef{text: text, scope: -1, display: text}
	low := strings.ToLower(text)
	switch low {
	case "name":
		f.kind = fkName
		return f, nil
	case "fullname":
		f.kind = fkFullName
		return f, nil
	case "type":
		f.kind = fkType
		return f, nil
	case "id":
		f.kind = fkID
		return f, nil
	case "kind":
		f.kind = fkKind
		return f, nil
	case "location":
		f.kind = fkLocation
		return f, nil
	case "tags":
		f.kind = fkTags
		return f, nil
	}
	if strings.HasPrefix(low, "tags[") || strings.HasPrefix(low, "tags.") {
		f.kind = fkTag
		if low[4] == '.' {
			f.tag = text[5:]
		} else {
			k, n, err := bracketKey(text[4:])
			if err != nil || 4+n != len(text) {
				return nil, fmt.Errorf("field %q: malformed tag reference", text)
			}
			f.tag = k
		}
		if f.tag == "" {
			return nil, fmt.Errorf("field %q: empty tag name", text)
		}
		f.display = "tags['" + f.tag + "']"
		return f, nil
	}
	paths := []string{text} // identity.type and other plain property paths
	if isAlias(text) {
		paths, f.fallback = resolveAlias(c.aliases, text)
		f.lenient = f.fallback
		if f.fallback {
			c.noteFallback(text)
		}
	}
	segs, err := parsePath(paths[0])
	if err != nil {
		return nil, fmt.Errorf("field %q: %w", text, err)
	}
	for _, p := range paths[1:] {
		alt, err := parsePath(p)
		if err != nil {
			return nil, fmt.Errorf("field %q: %w", text, err)
		}
		f.alts = append(f.alts, alt)
	}
	f.segs = segs
	f.array = hasStar(segs)
	f.display = pathString(segs)
	// Relative to an enclosing count? Innermost first.
	for i := len(scopes) - 1; i >= 0; i-- {
		sc := scopes[i]
		if sc.alias == "" || !strings.HasPrefix(low, sc.alias) {
			continue
		}
		rest := low[len(sc.alias):]
		if rest != "" && rest[0] != '.' && rest[0] != '[' {
			continue
		}
		if rel, ok := relativeSegs(segs, sc.segs); ok {
			f.scope = i
			f.segs = rel
			f.alts = nil // the scope fixed which path the array came from
			f.display = pathString(sc.segs) + displayRest(rel)
			break
		}
	}
	f.coll = hasStar(f.segs)
	c.fieldReads(f, scopes)
	return f, nil
}

func displayRest(rel []seg) string {
	if len(rel) == 0 {
		return ""
	}
	s := pathString(rel)
	if rel[0].key == "" {
		return s
	}
	return "." + s
}

// relativeSegs strips prefix (which ends with a [*] segment) from segs.
func relativeSegs(segs, prefix []seg) ([]seg, bool) {
	if len(prefix) == 0 || len(segs) < len(prefix) {
		return nil, false
	}
	for i := range prefix {
		a, b := segs[i], prefix[i]
		if !strings.EqualFold(a.key, b.key) || a.index != b.index {
			return nil, false
		}
		if i < len(prefix)-1 && a.star != b.star {
			return nil, false
		}
	}
	last := segs[len(prefix)-1]
	if !last.star {
		return nil, false
	}
	return segs[len(prefix):], true
}

// value reads a single-valued field (no [*]).
func (f *fieldRef) value(c *evalCtx, r *Resource) any {
	switch f.kind {
	case fkName:
		return r.nameV
	case fkFullName:
		return r.fullNameV
	case fkType:
		return r.typV
	case fkID:
		return r.idV
	case fkKind:
		return getCI(r.Raw, "kind")
	case fkLocation:
		return c.own(r, "location")
	case fkTags:
		return c.own(r, "tags")
	case fkTag:
		if m, ok := c.own(r, "tags").(map[string]any); ok {
			return getCI(m, f.tag)
		}
		return nil
	}
	var root any = r.Raw
	if f.scope >= 0 {
		root = c.scopes[f.scope].elem
	} else if !f.mayHold(r) {
		// A key of every path is absent from the whole resource: the
		// value is missing, found without walking (most alias paths a
		// resource is evaluated against are absent from it).
		return nil
	}
	v := walkOne(root, f.segs, f.lenient)
	for _, alt := range f.alts {
		if v != nil {
			break
		}
		v = walkOne(root, alt, f.lenient)
	}
	if v == nil && f.lenient && f.scope < 0 && len(f.segs) > 1 && strings.EqualFold(f.segs[0].key, "properties") {
		// The default mapping put a top-level property (sku, zones,
		// identity) under "properties"; look for it where it really is.
		v = walkOne(root, f.segs[1:], true)
	}
	return v
}

// own reads r's location or tags. A child resource whose type has none of
// its own (a route created on its own, a subnet) is evaluated by Azure
// with its parent's, as an Azure Policy maintainer describes in
// Azure/azure-policy#122; the parent is looked for among the resources the
// evaluation knows (Env.Resources), and its own parent in turn.
func (c *evalCtx) own(r *Resource, key string) any {
	v := getCI(r.Raw, key)
	for v == nil && r.parentLower != "" && c.env != nil && c.env.Resources != nil {
		p := c.env.Resources.ids[r.parentLower]
		if p == nil {
			break
		}
		r = p
		v = getCI(r.Raw, key)
	}
	return v
}

// mayHold reports whether any path value() walks may be present in r.
func (f *fieldRef) mayHold(r *Resource) bool {
	if r.mayHold(f.segs) {
		return true
	}
	for _, alt := range f.alts {
		if r.mayHold(alt) {
			return true
		}
	}
	return f.lenient && len(f.segs) > 1 && strings.EqualFold(f.segs[0].key, "properties") && r.mayHold(f.segs[1:])
}

// missing reports whether walk found nothing at all: a missing or
// non-array value where [*] was expected.
func missing(vals []any) bool { return len(vals) == 1 && vals[0] == nil }

// values reads a field with [*]: every member's value.
func (f *fieldRef) values(c *evalCtx, r *Resource) []any {
	var root any = r.Raw
	if f.scope >= 0 {
		root = c.scopes[f.scope].elem
	}
	out := walk(root, f.segs, f.lenient, nil)
	for _, alt := range f.alts {
		if !missing(out) {
			break
		}
		out = walk(root, alt, f.lenient, out[:0])
	}
	if f.lenient && f.scope < 0 && missing(out) && len(f.segs) > 1 && strings.EqualFold(f.segs[0].key, "properties") {
		out = walk(root, f.segs[1:], true, out[:0])
	}
	return out
}

// get returns the field's value as the field() function sees it. An alias
// with [*] gives an array of the selected values: empty when the array is
// missing, and a single value inside a where that counts that array.
func (f *fieldRef) get(c *evalCtx, r *Resource) any {
	if !f.array {
		return f.value(c, r)
	}
	if f.coll {
		vals := f.values(c, r)
		if missing(vals) {
			return []any{}
		}
		return vals
	}
	v := f.value(c, r)
	if v == nil {
		return []any{}
	}
	return []any{v}
}
