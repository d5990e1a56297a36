package policy

import (
	"context"
	"slices"
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
// (deny, audit, no match, or an *IfNotExists lookup that finds nothing
// whatever the resource: no resource of its type is known, and what it
// explains names nothing of the resource; never modify, append,
// denyAction or manual). The caller keeps those results and
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
		if b.deps == nil || (b.memoID < len(m.tables) && m.tables[b.memoID] != nil && m.tables[b.memoID].off) {
			g.left++
			continue
		}
		for i, f := range b.deps.fields {
			if id := b.deps.ids[i]; !seen[id] {
				seen[id] = true
				g.deps.fields = append(g.deps.fields, f)
				g.deps.ids = append(g.deps.ids, id)
			}
		}
		g.deps.rg = g.deps.rg || b.deps.rg
		g.deps.sub = g.deps.sub || b.deps.sub
		g.deps.api = g.deps.api || b.deps.api
	}
}

// Group returns the number of the group id names (comparable), made from
// bounds on first use; -1 when there are no rules. Every resource of a
// group must have the type of res (compared without regard to case).
func (m *Memo) Group(id any, res *Resource, bounds func() []*Bound) int {
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
		g := &wholeGroup{bounds: bs, first: bs[0], m: map[string]any{}, typLower: res.typLower, brief: m.env != nil && m.env.Brief}
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
// group g (nothing when it built none).
func (m *Memo) Remember(g int, outcome any) {
	if g < 0 || len(m.wkey) == 0 || m.groups[g].off {
		return
	}
	if m.wholeSize >= m.max {
		for _, o := range m.groups {
			clear(o.m)
		}
		m.wholeSize = 0
	}
	m.groups[g].m[string(m.wkey)] = outcome
	m.wholeSize++
}

// Reusable reports whether the result of the last evaluation through m is
// a function of the rule, the resource's type and flags and the rule's
// memo key (see Group).
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
