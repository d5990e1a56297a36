package policy

import (
	"strings"
	"unicode/utf8"

	"github.com/aizone/aizone/policy/expr"
)

// readPath is a property path a rule reads: everything at and below its
// end may be compared, so it is kept whole. lenient paths (aliases the
// default mapping resolved) may be found one "properties" level down at
// any step, so they keep more (see ReadSet.addPath).
type readPath struct {
	segs    []seg
	lenient bool
}

// fieldReads records what a resolved field reads: its paths made
// absolute (a field inside a count's where is relative to the counted
// array's member). The identity fields, kind, location and tags are
// always kept (see NewReadSet).
func (c *compiler) fieldReads(f *fieldRef, scopes []compileScope) {
	if c.skipReads || f.kind != fkPath {
		return
	}
	abs := func(segs []seg) []seg {
		if f.scope < 0 {
			return segs
		}
		return append(append([]seg(nil), scopes[f.scope].segs...), segs...)
	}
	c.reads = append(c.reads, readPath{abs(f.segs), f.lenient})
	for _, alt := range f.alts {
		c.reads = append(c.reads, readPath{abs(alt), f.lenient})
	}
}

// exprReads records the field() calls of an expression: a literal
// argument is resolved now, one that depends only on parameters for each
// assignment (Reads), and any other makes the rule read everything.
// current() reads members of counted arrays, which are kept whole.
func (c *compiler) exprReads(n expr.Node) {
	if c.skipReads {
		return
	}
	expr.Walk(n, func(m expr.Node) {
		call, ok := m.(*expr.Call)
		if !ok || call.Name != "field" {
			return
		}
		if len(call.Args) != 1 {
			return // an evaluation error whatever the resource holds
		}
		if lit, ok := call.Args[0].(*expr.Lit); ok {
			if s, ok := lit.V.(string); ok {
				// Resolved apart, so that the rule's own list of
				// fallback aliases stays what its conditions use.
				// Errors are the evaluation's to report.
				sub := &compiler{aliases: c.aliases}
				_, _ = sub.resolveField(s, nil)
				c.reads = append(c.reads, sub.reads...)
				return
			}
		}
		if expr.Uses(call.Args[0], dynamicFuncs...) {
			c.readAll = true
			return
		}
		c.readArgs = append(c.readArgs, call.Args[0])
	})
}

// ReadSet is the set of a resource's properties some rules can read: an
// audit decodes only these from an export. The zero value reads nothing
// beyond what every evaluation reads; see NewReadSet.
type ReadSet struct {
	all  bool
	root ReadNode
}

// ReadNode is one object level of a ReadSet. Arrays are transparent: the
// node applies to each member.
type ReadNode struct {
	whole bool
	kids  map[string]*ReadNode // by lower-case key
	// fold is set when a key is not ASCII: keys are then compared with
	// strings.EqualFold, as the engine's lookups compare them.
	fold bool
}

// alwaysRead are the top-level properties every evaluation may read: the
// identity fields, kind, location and tags (field() names for them),
// subscriptionId and resourceGroup (a template resource's placement),
// apiVersion (requestContext()) and managedBy (resourceGroup()).
var alwaysRead = []string{"id", "name", "type", "kind", "location", "tags", "subscriptionId", "resourceGroup", "apiVersion", "managedBy"}

// NewReadSet returns the set every evaluation reads.
func NewReadSet() *ReadSet {
	s := &ReadSet{}
	for _, k := range alwaysRead {
		s.root.child(k).whole = true
	}
	return s
}

// ReadAll makes the set hold everything.
func (s *ReadSet) ReadAll() { s.all = true }

// Root is the top level of the set, or nil when everything is read.
func (s *ReadSet) Root() *ReadNode {
	if s.all {
		return nil
	}
	return &s.root
}

func (n *ReadNode) child(key string) *ReadNode {
	low := strings.ToLower(key)
	if k := n.kids[low]; k != nil {
		return k
	}
	if n.kids == nil {
		n.kids = map[string]*ReadNode{}
	}
	k := &ReadNode{}
	n.kids[low] = k
	if !isASCII(key) {
		n.fold = true
	}
	return k
}

// Whole reports whether everything below n is read.
func (n *ReadNode) Whole() bool { return n.whole }

// Child is the node for key below n (compared as the engine compares
// property names, without regard to case), or nil when no rule reads it.
// key is a JSON object key as decoded.
func (n *ReadNode) Child(key string) *ReadNode { return childOf(n, key) }

// ChildBytes is Child of a key given as the bytes of a JSON string
// without escapes, looked up without building a string.
func (n *ReadNode) ChildBytes(key []byte) *ReadNode { return childOf(n, key) }

func childOf[S ~string | ~[]byte](n *ReadNode, key S) *ReadNode {
	if len(n.kids) == 0 {
		return nil
	}
	var buf [64]byte
	if !n.fold && len(key) <= len(buf) {
		b := buf[:len(key)]
		ascii := true
		for i := 0; i < len(key) && ascii; i++ {
			c := key[i]
			ascii = c < utf8.RuneSelf
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			b[i] = c
		}
		if ascii {
			return n.kids[string(b)] // no allocation for a map lookup
		}
	}
	k := string(key)
	if !n.fold && isASCII(k) {
		return n.kids[strings.ToLower(k)]
	}
	for low, kid := range n.kids {
		if strings.EqualFold(low, k) {
			return kid
		}
	}
	return nil
}

// addPath adds segs (kept whole at their end). A lenient path may be
// found under "properties" at any step, and as a top-level property less
// its leading "properties": its first key, "properties" and that
// top-level property are kept whole, which holds every place the lenient
// walk looks.
func (s *ReadSet) addPath(p readPath) {
	if p.lenient {
		for i, sg := range p.segs {
			if sg.key == "" {
				continue
			}
			s.root.child(sg.key).whole = true
			if i == 0 && strings.EqualFold(sg.key, "properties") && len(p.segs) > 1 && p.segs[1].key != "" {
				s.root.child(p.segs[1].key).whole = true
			}
			break
		}
		s.root.child("properties").whole = true
		return
	}
	n := &s.root
	for _, sg := range p.segs {
		if n.whole {
			return
		}
		if sg.key == "" {
			continue // [*] or [n] alone: the same object level, member by member
		}
		n = n.child(sg.key)
	}
	n.whole = true
}

// Reads adds to s every property of a resource the bound rule can read
// (its "if", its existence condition, the expressions of its details),
// or makes s read everything when a path is known only per resource.
func (b *Bound) Reads(s *ReadSet) {
	cp := b.cp
	if cp.readAll {
		s.ReadAll()
		return
	}
	for _, p := range cp.reads {
		s.addPath(p)
	}
	for i, df := range cp.dynFields {
		f := b.fields[i]
		if f == nil {
			// The name does not resolve (an empty tag name, say): the
			// condition fails whatever the resource holds.
			continue
		}
		c := &compiler{}
		c.fieldReads(f, df.scopes)
		for _, p := range c.reads {
			s.addPath(p)
		}
	}
	ctx := &evalCtx{b: b}
	for _, n := range cp.readArgs {
		v, err := expr.Eval(n, ctx)
		name, ok := v.(string)
		if err != nil || !ok {
			continue // field() fails whatever the resource holds
		}
		c := &compiler{aliases: cp.aliases}
		if _, err := c.resolveField(name, nil); err != nil {
			continue
		}
		for _, p := range c.reads {
			s.addPath(p)
		}
	}
}
