package policy

import (
	"context"
	"slices"
	"strings"
)

// A whole-resource memo remembers, for one list of bound rules (those that
// apply to one resource type under one set of assignments), what all of
// them gave a resource, keyed by the union of what they read: the numbers
// of every field any of their "if"s reads, the ambient values any of them
// asks for, and the resource's indexed and exempt flags. The caller keeps
// the outcomes; the Memo keeps the keys.
//
// Exactness: a rule's result is stored only when Memo.Reusable says it is
// a function of the rule itself, the resource's lower-case type, indexed
// and exempt flags and the rule's own memo key: nothing before the "if"
// read the id (scope at a management group, no notScopes), the decision
// came from the rule's memo or from an evaluation that read nothing
// outside its key, and the effect's part reads nothing of the resource
// beyond the key: deny, audit, no match; a modify whose operations read
// nothing of the resource; an *IfNotExists lookup that finds nothing
// whatever the resource (no resource of its type is known, and what it
// explains names nothing of the resource); or one that can find only the
// resource itself, whose existence condition's reads the group's key
// then holds (findsItself). Never append, denyAction or manual. The
// caller keeps those results and
// evaluates the other rules again for every resource. Each rule's key is
// a projection of the union key, so a later resource of the same group
// with the same union key has the same key for every rule, hence the same
// results from the kept rules but for its id and the type as spelled.

// wholeGroup is one list of rules' entries.
type wholeGroup struct {
	bounds        []*Bound
	deps          memoDeps
	first         *Bound
	m             map[string]any
	lookups, hits int
	off           bool
	// left: how many rules the key leaves out (see union); idle: the
	// windows that failed and left it unchanged.
	left, idle int
	// typLower and brief: the resources' type, and whether the Env asks
	// for no explanations.
	typLower string
	brief    bool
	// The memo of resources' bytes (see RawNeeds): its entries, what
	// its keys hold, and its window, as for m.
	raw                 map[string]any
	needs               RawNeeds
	rawLookups, rawHits int
}

// union makes g's key of what its rules read, leaving out the rules that
// are never memoised (no deps) and those whose own memo gave up (their
// resources rarely agree: they read names or ids). A rule left out is
// never Reusable, since its decision never comes from its own memo,
// and a table that gave up never takes up again, so the caller evaluates
// it for every resource.
func (g *wholeGroup) union(m *Memo) {
	g.deps, g.left = memoDeps{}, 0
	seen := map[int]bool{}
	for _, b := range g.bounds {
		if b.stopsBefore(g.typLower, g.brief) {
			// Its result never depends on what its "if" reads.
			continue
		}
		var t *memoTable
		if b.memoID < len(m.tables) {
			t = m.tables[b.memoID]
		}
		if t != nil && !t.off && t.lookups >= memoWindow/2 && t.hits < t.lookups/4 {
			// The rule's own memo is about to give up (its window runs a
			// lookup behind the group's): it reads names or ids. Give up
			// now, so that the key leaves it out from this window on; a
			// rule left out must never be memoised.
			t.off = true
			m.size -= len(t.m)
			clear(t.m)
		}
		if b.deps == nil || t != nil && t.off {
			g.left++
			continue
		}
		g.merge(b.deps, seen)
		if b.existDeps != nil && b.relTypeLower == g.typLower {
			// Its lookup can find the resource itself: the key holds what
			// the existence condition reads of it too (findsItself).
			g.merge(b.existDeps, seen)
		}
	}
	// What the key is made of changed: so does what a key of bytes must
	// hold, and the entries of both go.
	g.needs = RawNeeds{On: true, Scope: g.deps.sub || g.deps.rg}
	reads := &ReadSet{}
	top := func(key string) { reads.root.child(key).whole = true }
	for _, f := range g.deps.fields {
		name, id := readsIdentity(f)
		g.needs.Name = g.needs.Name || name
		g.needs.Identity = g.needs.Identity || id
		switch f.kind {
		case fkPath:
			reads.addPath(readPath{f.segs, f.lenient})
			for _, alt := range f.alts {
				reads.addPath(readPath{alt, f.lenient})
			}
		case fkType:
			top("type")
		case fkKind:
			top("kind")
		case fkLocation:
			top("location")
		case fkTags:
			top("tags")
		case fkTag:
			reads.root.child("tags").child(f.tag).whole = true
		}
	}
	if g.deps.rg {
		top("location") // the ambient location (resourceGroup())
	}
	if g.deps.api {
		top("apiVersion")
	}
	if strings.Count(g.typLower, "/") > 1 {
		// Whether a child type is evaluated in mode Indexed can depend on
		// its having a location.
		top("location")
	}
	g.needs.Reads = &reads.root
	m.wholeSize -= len(g.raw)
	clear(g.raw)
	g.rawLookups, g.rawHits = 0, 0
}

// merge adds what d reads to the group's key; seen holds the field ids
// already in it.
func (g *wholeGroup) merge(d *memoDeps, seen map[int]bool) {
	for i, f := range d.fields {
		if id := d.ids[i]; !seen[id] {
			seen[id] = true
			g.deps.fields = append(g.deps.fields, f)
			g.deps.ids = append(g.deps.ids, id)
		}
	}
	g.deps.rg = g.deps.rg || d.rg
	g.deps.sub = g.deps.sub || d.sub
	g.deps.api = g.deps.api || d.api
}

// readsIdentity reports whether f can read a resource's name (the
// top-level "name", or the name field, which is its last segment) or its
// id (the id field, the full name made from it, or the top-level "id"):
// the identity fields, or a path whose walk can look at the top-level
// "id" or "name" (its first key; for a lenient path under "properties",
// the next, which the walk also looks for at the top).
func readsIdentity(f *fieldRef) (name, id bool) {
	switch f.kind {
	case fkName:
		return true, false
	case fkFullName, fkID:
		return true, true
	case fkPath:
	default:
		return false, false
	}
	top := func(segs []seg) {
		var keys []string
		for _, sg := range segs {
			if sg.key != "" {
				keys = append(keys, sg.key)
				if len(keys) == 2 {
					break
				}
			}
		}
		if len(keys) == 0 {
			return
		}
		k := keys[0]
		if f.lenient && len(keys) > 1 && strings.EqualFold(k, "properties") {
			k = keys[1]
		}
		switch {
		case strings.EqualFold(keys[0], "name") || strings.EqualFold(k, "name"):
			name = true
		case strings.EqualFold(keys[0], "id") || strings.EqualFold(k, "id"):
			id = true
		}
	}
	top(f.segs)
	for _, alt := range f.alts {
		top(alt)
	}
	return name, id
}

// RawNeeds says what a key made of a resource's bytes must hold to stand
// for a group's key (Memo.Resource), when it holds the bytes of every
// property the group's rules read (Reads) but the id and the name, in
// the order the resource has them:
//
//   - Identity: the id and the name, when a rule of the group can read
//     the id (most do not, and the key then serves every resource that
//     reads alike); Name: the name alone, when one can read the name
//     (and the id too when there is no name, as the name is then taken
//     from the id);
//   - Scope: the subscription and resource group in the id, when a rule
//     asks for them (resourceGroup(), subscription(), resourceId());
//   - Parent: the id less its last type and name, whenever the Env knows
//     resources, one of which may be the parent whose location and tags
//     a child is evaluated with.
//
// Equal bytes decode to equal values, so two resources whose keys of
// bytes are equal have equal keys, and the outcome kept for one is the
// other's: a caller finds it without decoding the resource (RawLookup).
// The converse does not hold (the same value spelled two ways), which
// only costs a miss. On is false when the group keeps no such memo:
// resources rarely agreed.
type RawNeeds struct {
	On, Identity, Name, Scope, Parent bool
	// Reads is what the group's rules read of a resource: the properties
	// whose bytes the key holds (a subset of the ReadSet of every rule).
	Reads *ReadNode
}

// RawNeeds is what keys of bytes for group g must hold.
func (m *Memo) RawNeeds(g int) RawNeeds {
	if g < 0 || m.groups[g].off {
		return RawNeeds{}
	}
	n := m.groups[g].needs
	n.Parent = m.env != nil && m.env.Resources != nil && len(m.env.Resources.all) > 0
	return n
}

// RawLookup finds the outcome kept for a resource of group g whose key of
// bytes (see RawNeeds) is key.
func (m *Memo) RawLookup(g int, key []byte) (outcome any, found bool) {
	grp := m.groups[g]
	if !grp.needs.On {
		return nil, false
	}
	grp.rawLookups++
	if o, ok := grp.raw[string(key)]; ok {
		grp.rawHits++
		m.RawHits++
		return o, true
	}
	m.RawMisses++
	if grp.rawLookups >= memoWindow {
		if grp.rawHits < memoWindow/4 {
			// Resources rarely agree byte for byte (they differ in what
			// is read, or in how it is spelled): stop until the group's
			// key changes.
			grp.needs.On = false
			m.wholeSize -= len(grp.raw)
			clear(grp.raw)
		}
		grp.rawLookups, grp.rawHits = 0, 0
	}
	return nil, false
}

// RawRemember keeps outcome, what the rules of group g gave a resource
// whose key of bytes, made for needs, is key, as Remember keeps it under
// the group's key. Nothing is kept when the group's needs have changed
// since (its key left out a rule).
func (m *Memo) RawRemember(g int, needs RawNeeds, key []byte, outcome any) {
	grp := m.groups[g]
	if grp.off || !grp.needs.On || needs.Identity != grp.needs.Identity || needs.Name != grp.needs.Name || needs.Scope != grp.needs.Scope {
		return
	}
	if m.wholeSize >= m.max {
		m.clearWhole()
	}
	if grp.raw == nil {
		grp.raw = map[string]any{}
	}
	grp.raw[string(key)] = outcome
	m.wholeSize++
}

// clearWhole forgets every outcome of whole resources.
func (m *Memo) clearWhole() {
	for _, o := range m.groups {
		clear(o.m)
		clear(o.raw)
	}
	m.wholeSize = 0
}

// GroupOf returns the number of the group id names (comparable), made
// from bounds on first use; -1 when there are no rules. Every resource of
// a group must be of type typLower (in lower case).
func (m *Memo) GroupOf(id any, typLower string, bounds func() []*Bound) int {
	// Resources come grouped by type and subscription: the group of the
	// resource before is most often this one's.
	if m.groupIDs != nil && id == m.lastGroupID {
		return m.lastGroup
	}
	if g, ok := m.groupIDs[id]; ok {
		m.lastGroupID, m.lastGroup = id, g
		return g
	}
	if m.groupIDs == nil {
		m.groupIDs = map[any]int{}
	}
	bs := bounds()
	n := -1
	if len(bs) > 0 {
		g := &wholeGroup{bounds: bs, first: bs[0], m: map[string]any{}, typLower: typLower, brief: m.env != nil && m.env.Brief}
		g.union(m)
		n = len(m.groups)
		m.groups = append(m.groups, g)
	}
	m.groupIDs[id] = n
	m.lastGroupID, m.lastGroup = id, n
	return n
}

// Resource looks up what the rules of group g gave a resource that reads
// as res does; found is false when none is remembered, and then
// Remember may store the outcome under the key built here, until res
// changes.
func (m *Memo) Resource(ctx context.Context, res *Resource, env *Env, g int) (outcome any, found bool) {
	m.wkey = m.wkey[:0]
	if g < 0 || env != m.env {
		return nil, false
	}
	grp := m.groups[g]
	if grp.off {
		return nil, false
	}
	c := &m.ctx
	*c = evalCtx{ctx: ctx, b: grp.first, res: res, primary: res, env: env, scopes: c.scopes[:0]}
	key, ok := m.key(c, &grp.deps)
	if !ok {
		return nil, false
	}
	var flags byte
	if res.indexed {
		flags |= 1
	}
	if res.exempt {
		flags |= 2
	}
	m.wkey = append(append(m.wkey, key...), flags)
	grp.lookups++
	if o, ok := grp.m[string(m.wkey)]; ok {
		grp.hits++
		m.ResourceHits++
		return o, true
	}
	m.ResourceMisses++
	if grp.lookups >= memoWindow {
		if grp.hits < memoWindow/4 {
			// Resources rarely agree: on a rule whose own memo has since
			// given up, then the key leaves it out; else give up.
			left := grp.left
			m.wholeSize -= len(grp.m)
			clear(grp.m)
			// Rules' memos give up on the same window: the group gives
			// up after two windows left it as it was.
			if grp.union(m); grp.left != left {
				grp.idle = 0
			} else if grp.idle++; grp.idle >= 2 {
				grp.off = true
			}
		}
		grp.lookups, grp.hits = 0, 0
	}
	return nil, false
}

// Remember stores outcome for the key the last Resource call built for
// group g (nothing when it built none), and reports whether it did.
func (m *Memo) Remember(g int, outcome any) bool {
	if g < 0 || len(m.wkey) == 0 || m.groups[g].off {
		return false
	}
	if m.wholeSize >= m.max {
		m.clearWhole()
	}
	m.groups[g].m[string(m.wkey)] = outcome
	m.wholeSize++
	return true
}

// Reusable reports whether the result of the last evaluation through m is
// a function of the rule, the resource's type and flags and the rule's
// memo key (see GroupOf).
func (m *Memo) Reusable() bool { return m.reusable }

// stopsBefore reports whether every resource of type typLower stops before
// b's "if" whatever it holds (with brief, the Env's Brief): the rule is
// evaluated by the provider or disabled, Azure Policy exempts the type, or
// the rule's leading type condition excludes it.
func (b *Bound) stopsBefore(typLower string, brief bool) bool {
	if b.provider || b.effect == "disabled" || exemptType(typLower) {
		return true
	}
	if !brief || b.types == nil {
		return false
	}
	return !slices.Contains(b.types, typLower)
}
