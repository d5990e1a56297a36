package policy

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/aizone/aizone/policy/expr"
)

// Resources of an estate repeat themselves: thousands of storage accounts
// with the same settings, VMs of one size. What a rule's "if" decides
// (matched or not, its error, its reasons) is a function of the values the
// rule reads and of nothing else, so resources that agree on those values
// can share one evaluation. A Memo remembers these outcomes, keyed by a
// canonical encoding of exactly what the rule reads of the resource.
//
// Exactness rests on two things. First, the key holds the value of every
// field a condition or count of the rule reads from the resource (as the
// evaluation reads it: a child's location or tags inherited from its
// parent, a lenient alias found one level down), every field() argument
// known before evaluation, and the resource's subscription, resource
// group, location and apiVersion when an expression can ask for them
// (resourceGroup(), subscription(), resourceId(), requestContext()). What
// the evaluation reads besides is the same for every resource: parameters,
// the Env (a Memo serves one Env) and the policy itself. Second, the
// evaluation that fills an entry is watched: if it asks for anything the
// key does not hold (a field() named by an expression of the resource, an
// ambient function the analysis did not expect), its outcome is used for
// that resource but not remembered. An evaluation that asked for nothing
// outside the key takes the same path for any resource with the same key,
// so the remembered outcome is the one it would compute.
//
// Only the decision of the "if" is remembered. The effect's part (an
// *IfNotExists lookup of related resources, modify operations) and the
// checks before the "if" (scope, notScopes, mode, type guard) run for
// every resource, as without a Memo.

// memoDeps is what a bound rule's "if" reads of a resource, beyond the
// Env and parameters. nil in a Bound: the rule reads something a key
// cannot hold (a field named per resource), and is never memoised.
type memoDeps struct {
	// fields are the distinct fields read from the resource itself (not
	// relative to a counted member, which is inside a counted array that
	// is itself read whole); ids[i] numbers fields[i] among the fields of
	// every rule, so that a Memo encodes each once per resource.
	fields []*fieldRef
	ids    []int
	// names are the field() arguments whose fields are in fields.
	names map[string]bool
	// rg: the resource group, subscription and location (resourceGroup(),
	// resourceId()); sub: the subscription; api: the apiVersion
	// (requestContext()).
	rg, sub, api bool
}

// memoDeps analyses what b's "if" reads; nil when a key cannot hold it.
func (b *Bound) memoDeps() *memoDeps {
	return b.depsOf(b.cp.cond)
}

// depsOf analyses what condition n reads of the resource it is evaluated
// against; nil when a key cannot hold it.
func (b *Bound) depsOf(n node) *memoDeps {
	d := &memoDeps{names: map[string]bool{}}
	a := &depWalker{b: b, d: d, seen: map[string]bool{}}
	a.node(n)
	if a.fail {
		return nil
	}
	return d
}

type depWalker struct {
	b    *Bound
	d    *memoDeps
	seen map[string]bool // signatures of fields already in d.fields
	fail bool
}

func (a *depWalker) node(n node) {
	switch x := n.(type) {
	case *allOfNode:
		for _, k := range x.kids {
			a.node(k)
		}
	case *anyOfNode:
		for _, k := range x.kids {
			a.node(k)
		}
	case *notNode:
		a.node(x.kid)
	case *condNode:
		a.field(x.field)
		if x.dynField != nil {
			if x.dynField.slot < 0 {
				a.fail = true // resolved per resource
			} else {
				a.field(a.b.fields[x.dynField.slot])
			}
		}
		a.value(x.value)
		a.value(x.rhs)
		if x.count != nil {
			a.field(x.count.field)
			a.value(x.count.value)
			if x.count.where != nil {
				a.node(x.count.where)
			}
		}
	}
}

// field adds a field read from the resource itself.
func (a *depWalker) field(f *fieldRef) {
	if f == nil || f.scope >= 0 {
		return
	}
	var sig strings.Builder
	fmt.Fprintf(&sig, "%d|%s|%t|%t|%s", f.kind, f.tag, f.lenient, f.coll, pathString(f.segs))
	for _, alt := range f.alts {
		sig.WriteString("|" + pathString(alt))
	}
	if a.seen[sig.String()] {
		return
	}
	a.seen[sig.String()] = true
	a.d.fields = append(a.d.fields, f)
	a.d.ids = append(a.d.ids, fieldID(sig.String()))
}

// fieldIDs numbers field signatures across all rules.
var fieldIDs = struct {
	sync.Mutex
	m map[string]int
}{m: map[string]int{}}

func fieldID(sig string) int {
	fieldIDs.Lock()
	defer fieldIDs.Unlock()
	id, ok := fieldIDs.m[sig]
	if !ok {
		id = len(fieldIDs.m)
		fieldIDs.m[sig] = id
	}
	return id
}

// value adds what an expression evaluated per resource can read.
func (a *depWalker) value(v *valueSrc) {
	if v == nil || v.node == nil || v.static {
		return // a literal, or evaluated once per assignment
	}
	expr.Walk(v.node, func(m expr.Node) {
		call, ok := m.(*expr.Call)
		if !ok {
			return
		}
		switch call.Name {
		case "field":
			a.fieldCall(call)
		case "resourcegroup", "resourceid", "subscriptionresourceid", "extensionresourceid", "tenantresourceid":
			a.d.rg, a.d.sub = true, true
		case "subscription":
			a.d.sub = true
		case "requestcontext":
			a.d.api = true
		}
	})
}

// fieldCall adds the field a field() call reads when its name is known
// before evaluation: a literal, or an expression of parameters alone.
func (a *depWalker) fieldCall(call *expr.Call) {
	if len(call.Args) != 1 {
		return // an error whatever the resource
	}
	var name string
	if lit, ok := call.Args[0].(*expr.Lit); ok {
		s, ok := lit.V.(string)
		if !ok {
			return // an error whatever the resource
		}
		name = s
	} else {
		if expr.Uses(call.Args[0], dynamicFuncs...) {
			a.fail = true
			return
		}
		v, err := expr.Eval(call.Args[0], &evalCtx{b: a.b})
		s, ok := v.(string)
		if err != nil || !ok {
			// Evaluation will see the name it computes, not in names,
			// and not remember the outcome.
			return
		}
		name = s
	}
	a.d.names[name] = true
	comp := &compiler{aliases: a.b.cp.aliases}
	f, err := comp.resolveField(name, nil)
	if err != nil {
		return // Field fails the same way for every resource
	}
	a.field(f)
}

// Memo remembers the decisions of bound rules' "if" for resources that
// read alike (see the comment at the top of this file). It serves one Env
// and one goroutine at a time; results are those of (*Bound).Evaluate,
// byte for byte. It holds at most a fixed number of entries, forgetting
// them all when full, so its memory does not grow with the estate.
type Memo struct {
	env *Env
	// tables by Bound.memoID: a slice index rather than a map lookup for
	// every rule and resource.
	tables []*memoTable
	size   int // entries held
	max    int
	buf    []byte
	keys   []string // scratch for sorting object keys
	// The encoded values of the fields of the resource last evaluated
	// (res), by field id, valid when stamped with epoch: the rules
	// evaluated against one resource read many of the same fields.
	res   *Resource
	epoch uint32
	slots []memoSlot
	// The numbers of the resource's subscription, resource group,
	// location and apiVersion (whether the last two have one), valid
	// when stamped with epoch.
	ambEpoch uint32
	amb      [4]uint32
	ambOK    [2]bool
	scratch  []byte
	// intern numbers the encoded values keys are made of; gen counts
	// the times it was forgotten.
	intern map[string]uint32
	gen    uint32
	// The last subscription and resource group numbered, with gen then.
	lastSub, lastRG       string
	lastSubNum, lastRGNum uint32
	lastSubGen, lastRGGen uint32
	// ctx is the evaluation context of the worker's evaluations.
	ctx evalCtx
	// The encodings of the location and apiVersion of the resource
	// before, and gen when they were numbered.
	locEnc, apiEnc []byte
	locGen, apiGen uint32
	// Hits and Misses count lookups that found an entry and those that
	// evaluated (remembered or not), for tests and benchmarks.
	Hits, Misses int64

	// covered: the last decideMemo's decision is a function of the rule's
	// key (found, or evaluated reading nothing outside it). reusable:
	// the last evaluateInto's whole result is (see Memo.Resource).
	covered, reusable bool
	// The whole-resource memo: groups by the caller's id, their
	// entries counted in wholeSize.
	groups   []*wholeGroup
	groupIDs map[any]int
	// The group Group returned last, and its id.
	lastGroupID any
	lastGroup   int
	wholeSize   int
	wkey        []byte
	// Whole asks callers that evaluate every rule of a resource to use
	// the whole-resource memo (GroupOf, Resource, Remember).
	Whole bool
	// ResourceHits and ResourceMisses count lookups of whole resources;
	// RawHits and RawMisses those by their bytes (RawLookup).
	ResourceHits, ResourceMisses int64
	RawHits, RawMisses           int64
}

// memoTable holds one bound rule's decisions.
type memoTable struct {
	m map[string]memoEntry
	// Lookups and hits in the current window: a rule whose resources
	// rarely agree (it reads names, ids) stops being memoised, which
	// saves building keys that are never found again.
	lookups, hits int
	off           bool
}

type memoSlot struct {
	epoch uint32
	ok    bool
	enc   []byte
	num   uint32 // enc's number
	gen   uint32 // Memo.gen when num was given
	prev  []byte // scratch for the next encoding
}

type memoEntry struct {
	matched bool
	reasons []string
	err     error
}

// memoWindow is the lookups after which a rule that found fewer than a
// quarter of them stops being memoised.
const memoWindow = 1024

// NewMemo returns a memo for evaluations with env holding at most max
// entries (0: 1<<15).
func NewMemo(env *Env, max int) *Memo {
	if max <= 0 {
		max = 1 << 15
	}
	return &Memo{env: env, max: max}
}

// memoIDs numbers Bounds for Memo.tables.
var memoIDs atomic.Int64

// EvaluateMemo is Evaluate, with the decision of the "if" taken from m
// when a resource that reads alike has been evaluated before. env must be
// the memo's (otherwise m is not used).
func (b *Bound) EvaluateMemo(ctx context.Context, res *Resource, env *Env, m *Memo) Result {
	return b.evaluate(ctx, res, env, m)
}

// EvaluateMemoInto is EvaluateMemo writing the result into r, which the
// caller may reuse from one evaluation to the next.
func (b *Bound) EvaluateMemoInto(ctx context.Context, res *Resource, env *Env, m *Memo, r *Result) {
	b.evaluateInto(ctx, res, env, m, r)
}

// decide evaluates the "if": whether it matches, the reasons the Env asks
// for, or the error.
func (b *Bound) decide(c *evalCtx) (bool, []string, error) {
	cp := b.cp
	matched, err := cp.cond.eval(c)
	if err != nil {
		return false, nil, err
	}
	var reasons []string
	if !matched {
		if !c.env.Brief {
			c.miss = true
			_, reasons, _ = cp.cond.why(c, false)
			reasons = prefix("the rule does not apply: ", reasons)
		}
		return false, reasons, nil
	}
	if !c.env.NoReasons {
		_, reasons, _ = cp.cond.why(c, false)
	}
	return true, reasons, nil
}

// decideMemo is decide through m.
func (b *Bound) decideMemo(c *evalCtx, m *Memo) (bool, []string, error) {
	if m != nil {
		m.covered = false
	}
	if m == nil || b.deps == nil || m.env != c.env {
		return b.decide(c)
	}
	if b.memoID >= len(m.tables) {
		m.tables = append(m.tables, make([]*memoTable, b.memoID+1-len(m.tables))...)
	}
	t := m.tables[b.memoID]
	if t == nil {
		t = &memoTable{m: map[string]memoEntry{}}
		m.tables[b.memoID] = t
	}
	if t.off {
		return b.decide(c)
	}
	key, ok := m.key(c, b.deps)
	if !ok {
		return b.decide(c)
	}
	t.lookups++
	if e, ok := t.m[string(key)]; ok {
		t.hits++
		m.Hits++
		m.covered = true
		return e.matched, e.reasons, e.err
	}
	m.Misses++
	if t.lookups >= memoWindow {
		if t.hits < memoWindow/4 {
			t.off = true
			m.size -= len(t.m)
			clear(t.m)
		}
		t.lookups, t.hits = 0, 0
	}
	c.track, c.uncovered = b.deps, false
	matched, reasons, err := b.decide(c)
	c.track = nil
	if c.uncovered || t.off {
		return matched, reasons, err
	}
	if m.size >= m.max {
		// The numbers stay: the key just built is made of them.
		for _, o := range m.tables {
			if o != nil {
				clear(o.m)
			}
		}
		m.size = 0
	}
	// Clipped: a caller appending to one result's reasons must not write
	// into another's.
	reasons = slices.Clip(reasons)
	t.m[string(key)] = memoEntry{matched, reasons, err}
	m.size++
	m.covered = true
	return matched, reasons, err
}

// key encodes what the rule reads of c.res; ok is false when a value is
// of a type the encoding does not know (then the rule is evaluated).
//
// Each value's encoding is computed and interned once per resource: the
// key is the values' numbers, four bytes each, so a rule's lookup hashes
// and compares a few bytes rather than every value it reads again. Two
// values have one number only if their encodings are equal, for as long
// as the numbers are kept; the numbers and every entry keyed by them are
// forgotten together.
func (m *Memo) key(c *evalCtx, d *memoDeps) ([]byte, bool) {
	buf := m.buf[:0]
	r := c.res
	if r != m.res {
		// Holding r keeps its address from being reused by another.
		m.res = r
		m.epoch++
		if len(m.intern) >= m.max {
			m.forget()
		}
	}
	for i, f := range d.fields {
		id := d.ids[i]
		if id >= len(m.slots) {
			m.slots = append(m.slots, make([]memoSlot, id+1-len(m.slots))...)
		}
		sl := &m.slots[id]
		if sl.epoch != m.epoch {
			sl.epoch = m.epoch
			enc, ok := m.appendField(sl.prev[:0], c, f)
			// A field often holds what it held in the resource before:
			// then its number is known without hashing.
			if ok && !(sl.ok && sl.gen == m.gen && bytes.Equal(enc, sl.enc)) {
				sl.num, sl.gen = m.number(enc), m.gen
			}
			sl.prev, sl.enc, sl.ok = sl.enc, enc, ok
		}
		if !sl.ok {
			return nil, false
		}
		buf = binary.LittleEndian.AppendUint32(buf, sl.num)
	}
	if d.sub || d.rg || d.api {
		if m.ambEpoch != m.epoch {
			m.ambEpoch = m.epoch
			m.ambOK = m.ambient(r)
		}
		if d.sub || d.rg {
			buf = binary.LittleEndian.AppendUint32(buf, m.amb[0])
		}
		if d.rg {
			if !m.ambOK[0] {
				return nil, false
			}
			buf = binary.LittleEndian.AppendUint32(buf, m.amb[1])
			buf = binary.LittleEndian.AppendUint32(buf, m.amb[2])
		}
		if d.api {
			if !m.ambOK[1] {
				return nil, false
			}
			buf = binary.LittleEndian.AppendUint32(buf, m.amb[3])
		}
	}
	m.buf = buf
	return buf, true
}

// ambient numbers r's subscription, resource group, location and
// apiVersion into m.amb; it reports whether the location and the
// apiVersion have encodings.
func (m *Memo) ambient(r *Resource) [2]bool {
	var ok [2]bool
	// Resources come grouped by subscription and resource group, as a
	// Resource Graph export lists them.
	if m.lastSubGen != m.gen+1 || m.lastSub != r.sub {
		m.scratch = appendString(m.scratch[:0], r.sub)
		m.lastSub, m.lastSubNum, m.lastSubGen = r.sub, m.number(m.scratch), m.gen+1
	}
	m.amb[0] = m.lastSubNum
	if m.lastRGGen != m.gen+1 || m.lastRG != r.rg {
		m.scratch = appendString(m.scratch[:0], r.rg)
		m.lastRG, m.lastRGNum, m.lastRGGen = r.rg, m.number(m.scratch), m.gen+1
	}
	m.amb[1] = m.lastRGNum
	ok[0] = m.numberAgain(&m.amb[2], &m.locEnc, &m.locGen, getCI(r.Raw, "location"))
	ok[1] = m.numberAgain(&m.amb[3], &m.apiEnc, &m.apiGen, getCI(r.Raw, "apiVersion"))
	return ok
}

// numberAgain sets *num to v's number, without hashing when v encodes as
// *prev did (numbered in generation *gen, stored as gen+1); false when v
// has no encoding.
func (m *Memo) numberAgain(num *uint32, prev *[]byte, gen *uint32, v any) bool {
	enc, ok := m.appendValue(m.scratch[:0], v)
	if !ok {
		return false
	}
	m.scratch = enc
	if *gen == m.gen+1 && bytes.Equal(enc, *prev) {
		return true
	}
	*num = m.number(enc)
	*prev = append((*prev)[:0], enc...)
	*gen = m.gen + 1
	return true
}

// number is the number of an encoded value, the same for equal
// encodings until the memo forgets.
func (m *Memo) number(enc []byte) uint32 {
	if n, ok := m.intern[string(enc)]; ok {
		return n
	}
	if m.intern == nil {
		m.intern = map[string]uint32{}
	}
	n := uint32(len(m.intern))
	m.intern[string(enc)] = n
	return n
}

// forget drops every entry and the numbers their keys are made of; the
// resource being evaluated has its values numbered again.
func (m *Memo) forget() {
	for _, o := range m.tables {
		if o != nil {
			clear(o.m)
		}
	}
	m.size = 0
	clear(m.intern)
	m.clearWhole()
	m.gen++
	m.epoch++
}

// appendField appends the encoding of the field's value in c.res.
func (m *Memo) appendField(buf []byte, c *evalCtx, f *fieldRef) ([]byte, bool) {
	if !f.coll {
		return m.appendValue(buf, f.value(c, c.res))
	}
	vals := f.values(c, c.res)
	buf = binary.AppendUvarint(append(buf, 'A'), uint64(len(vals)))
	var ok bool
	for _, v := range vals {
		if buf, ok = m.appendValue(buf, v); !ok {
			return buf, false
		}
	}
	return buf, true
}

// appendValue appends a canonical, self-delimiting encoding of a decoded
// JSON value: its type, then its content (object keys sorted). Two values
// have the same encoding only if they are equal, of the same type, with
// object keys spelled alike.
func (m *Memo) appendValue(buf []byte, v any) ([]byte, bool) {
	switch x := v.(type) {
	case nil:
		return append(buf, 'n'), true
	case bool:
		if x {
			return append(buf, 't'), true
		}
		return append(buf, 'f'), true
	case float64:
		return binary.LittleEndian.AppendUint64(append(buf, 'd'), math.Float64bits(x)), true
	case string:
		return appendString(buf, x), true
	case []any:
		buf = binary.AppendUvarint(append(buf, 'a'), uint64(len(x)))
		var ok bool
		for _, el := range x {
			if buf, ok = m.appendValue(buf, el); !ok {
				return nil, false
			}
		}
		return buf, true
	case map[string]any:
		buf = binary.AppendUvarint(append(buf, 'o'), uint64(len(x)))
		start := len(m.keys)
		for k := range x {
			m.keys = append(m.keys, k)
		}
		keys := m.keys[start:]
		slices.Sort(keys)
		var ok bool
		for _, k := range keys {
			buf = appendString(buf, k)
			if buf, ok = m.appendValue(buf, x[k]); !ok {
				m.keys = m.keys[:start]
				return nil, false
			}
		}
		m.keys = m.keys[:start]
		return buf, true
	}
	return nil, false
}

func appendString(buf []byte, s string) []byte {
	buf = binary.AppendUvarint(append(buf, 's'), uint64(len(s)))
	return append(buf, s...)
}
