// Package compliance evaluates the policy assignments in effect at a scope
// (from an ALZ library, and aizone's own guardrails) against resources, and
// reports each non-compliance with the assignment, the definition, the
// effect and the reason. It serves both `aizone check` (the resources a
// zone will deploy) and `aizone audit` (an estate exported from Azure
// Resource Graph, streamed).
package compliance

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/aizone/aizone/alz"
	"github.com/aizone/aizone/policy"
)

// Finding is one resource that one assignment (or one member of an
// assigned initiative) does not accept as it is.
type Finding struct {
	Resource     string             `json:"resource"`
	ResourceType string             `json:"resourceType"`
	Subscription string             `json:"subscription,omitempty"`
	Assignment   string             `json:"assignment"`
	Scope        string             `json:"scope"`
	Definition   string             `json:"definition"` // display name
	DefinitionID string             `json:"definitionId"`
	ReferenceID  string             `json:"referenceId,omitempty"` // member of an initiative
	Effect       string             `json:"effect"`
	State        policy.State       `json:"state"`
	Enforced     bool               `json:"enforced"`
	Reasons      []string           `json:"reasons"`
	Operations   []policy.Operation `json:"operations,omitempty"`
	Related      []string           `json:"related,omitempty"`
}

// Problem is an assignment that cannot be evaluated offline (its
// definition is missing, does not compile, or its parameters do not bind).
// Problems are reported, never dropped: a check that silently skipped an
// assignment would claim a compliance it did not test.
type Problem struct {
	Assignment string `json:"assignment"`
	Scope      string `json:"scope"`
	Reason     string `json:"reason"`
}

// Source resolves definition ids to compiled definitions and sets.
type Source struct {
	Library  *alz.Library
	Builtins *alz.Builtins
	// Extra definitions and sets by id (aizone's guardrails), checked first.
	Extra   map[string]*policy.Definition
	Sets    map[string]*policy.SetDefinition
	Aliases policy.AliasTable

	defs map[string]*policy.Compiled
}

func lastSegment(id string) string {
	if i := strings.LastIndex(id, "/"); i >= 0 {
		return id[i+1:]
	}
	return id
}

// definition finds and compiles a policy definition by id.
func (s *Source) definition(id string) (*policy.Compiled, error) {
	key := strings.ToLower(id)
	if cp, ok := s.defs[key]; ok {
		return cp, nil
	}
	var d *policy.Definition
	if x, ok := s.Extra[key]; ok {
		d = x
	}
	name := strings.ToLower(lastSegment(id))
	custom := strings.Contains(key, "/providers/microsoft.management/managementgroups/") || strings.Contains(key, "/subscriptions/")
	if d == nil && custom && s.Library != nil {
		d = s.Library.Definitions[name]
	}
	if d == nil && s.Builtins != nil {
		bd, ok, err := s.Builtins.Definition(name)
		if err != nil {
			return nil, err
		}
		if ok {
			d = bd
		}
	}
	if d == nil && !custom && s.Library != nil {
		d = s.Library.Definitions[name]
	}
	if d == nil {
		where := "the built-in definitions (--builtins)"
		if custom {
			where = "the library's policy definitions (--library)"
		}
		return nil, fmt.Errorf("policy definition %s is not in %s", id, where)
	}
	cp, err := policy.Compile(d, s.Aliases)
	if err != nil {
		return nil, err
	}
	if s.defs == nil {
		s.defs = map[string]*policy.Compiled{}
	}
	s.defs[key] = cp
	return cp, nil
}

// set finds and compiles a policy set definition by id.
func (s *Source) set(id string) (*policy.CompiledSet, error) {
	key := strings.ToLower(id)
	name := strings.ToLower(lastSegment(id))
	var sd *policy.SetDefinition
	if x, ok := s.Sets[key]; ok {
		sd = x
	}
	if sd == nil && s.Library != nil {
		sd = s.Library.SetDefinitions[name]
	}
	if sd == nil && s.Builtins != nil {
		bs, ok, err := s.Builtins.SetDefinition(name)
		if err != nil {
			return nil, err
		}
		if ok {
			sd = bs
		}
	}
	if sd == nil {
		return nil, fmt.Errorf("policy set definition %s is in neither the library nor the built-ins", id)
	}
	return policy.CompileSet(sd, s.definition)
}

// item is one assignment, bound and ready to evaluate.
type item struct {
	eff     alz.Effective
	members []*policy.Bound
	// types[i] are the lower-case resource types member i's rule can
	// match; nil when the rule does not pin them.
	types []map[string]bool
	// names[i] is member i's definition display name, for findings.
	names []string
}

// Engine evaluates a fixed list of assignments. It is safe for concurrent
// use once built.
type Engine struct {
	items    []item
	problems []Problem
	// related are the resource types *IfNotExists effects look for; an
	// audit keeps resources of these types in memory and streams the rest.
	related    map[string]*need
	relatedAny bool
	byType     map[string][]memberRef
	anyType    []memberRef
}

// New compiles and binds every assignment. Assignments that cannot be
// evaluated become Problems.
func New(src *Source, assignments []alz.Effective) *Engine {
	e := &Engine{related: map[string]*need{}}
	for _, a := range assignments {
		it := item{eff: a}
		pa := &policy.Assignment{
			ID: a.ID, Name: a.Name, DisplayName: a.DisplayName, PolicyDefinitionID: a.DefinitionID,
			Scope: a.Scope, NotScopes: a.NotScopes, EnforcementMode: a.EnforcementMode, Parameters: a.Parameters,
		}
		var err error
		if a.Set {
			var cs *policy.CompiledSet
			cs, err = src.set(a.DefinitionID)
			if err == nil {
				var bs *policy.BoundSet
				bs, err = cs.Bind(a.Parameters)
				if err == nil {
					it.members = bs.ForAssignment(pa).Members()
				}
			}
		} else {
			var cp *policy.Compiled
			cp, err = src.definition(a.DefinitionID)
			if err == nil {
				var b *policy.Bound
				b, err = cp.Bind(a.Parameters)
				if err == nil {
					it.members = []*policy.Bound{b.ForAssignment(pa)}
				}
			}
		}
		if err != nil {
			e.problems = append(e.problems, Problem{Assignment: a.Name, Scope: a.Scope, Reason: err.Error()})
			continue
		}
		// The engine's type guard, bound to this assignment's parameters,
		// says which types each member can match.
		for _, m := range it.members {
			it.types = append(it.types, typeSet(m.Types()))
		}
		e.items = append(e.items, it)
	}
	for i := range e.items {
		it := &e.items[i]
		for j, m := range it.members {
			d := m.Definition()
			name := d.DisplayName
			if name == "" {
				name = d.Name
			}
			it.names = append(it.names, name)
			if spec, ok := m.Related(); ok && !itself(spec, it.types[j]) {
				e.needs(spec, it.types[j])
			}
		}
	}
	e.index()
	return e
}

// typeSet turns a rule's guard types into a set; nil stays nil (the rule
// pins no type).
func typeSet(types []string) map[string]bool {
	if types == nil {
		return nil
	}
	m := make(map[string]bool, len(types))
	for _, t := range types {
		m[t] = true
	}
	return m
}

// itself reports an *IfNotExists rule about the evaluated resource itself
// (its own type, named field('name'), in its own group): it needs nothing
// held, because the engine takes the evaluated resource.
func itself(spec policy.RelatedSpec, guard map[string]bool) bool {
	return spec.Self && !spec.GroupScoped && spec.Type != "" && guard[spec.Type]
}

// Problems are the assignments that could not be evaluated.
func (e *Engine) Problems() []Problem { return e.problems }

// Assignments is the number of assignments the engine evaluates.
func (e *Engine) Assignments() int { return len(e.items) }

// need says which resources of one type *IfNotExists rules may look for:
// those named in names (nil: any name), and only when a resource of one of
// the guard types exists (nil: always).
type need struct {
	guards map[string]bool
	names  map[string]bool
}

// needs records what a rule matching the guard types may look for; a type
// that is an expression of the evaluated resource may be any type.
func (e *Engine) needs(spec policy.RelatedSpec, guard map[string]bool) {
	if spec.Type == "" {
		e.relatedAny = true
		return
	}
	n := e.related[spec.Type]
	if n == nil {
		n = &need{guards: map[string]bool{}, names: map[string]bool{}}
		e.related[spec.Type] = n
	}
	if guard == nil || n.guards == nil {
		n.guards = nil
	} else {
		for k := range guard {
			n.guards[k] = true
		}
	}
	name := spec.Name
	if name == "" || strings.Contains(name, "/") || n.names == nil {
		n.names = nil
	} else {
		n.names[strings.ToLower(name)] = true
	}
}

// Related reports whether a resource of type typ named name may be needed
// as the related resource of an *IfNotExists rule, given the types present
// in the estate (nil: assume every type is).
func (e *Engine) Related(typ, name string, present map[string]bool) bool {
	var lower []byte
	if !e.candidate([]byte(typ), []byte(name), &lower) {
		return false
	}
	return e.relatedAny || present == nil || e.guarded(appendLower(lower[:0], []byte(typ)), present)
}

// Evaluate evaluates every assignment that applies to mgs (the management
// groups above the resource's subscription, nil for "all") against res and
// calls emit for each finding, in assignment order.
func (e *Engine) Evaluate(ctx context.Context, res *policy.Resource, env *policy.Env, mgs map[string]bool, emit func(Finding)) {
	e.evaluate(ctx, res, env, e.applies(mgs), nil, emit, nil)
}

// applies says, by item, whether it applies under mgs (the management
// groups above a subscription; nil for "all", then the result is nil):
// computed once per subscription rather than a map lookup per resource
// and item.
func (e *Engine) applies(mgs map[string]bool) []bool {
	if mgs == nil {
		return nil
	}
	out := make([]bool, len(e.items))
	for i := range e.items {
		mg := e.items[i].eff.ManagementGroup
		out[i] = mg == "" || mgs[mg]
	}
	return out
}

// evaluate is Evaluate with the decisions of the rules' conditions taken
// from memo (nil: none) when a resource that reads alike was evaluated
// before; the findings are the same. applies is e.applies of the
// resource's management groups. count, when set, is called for each
// finding with its item's index and effect; emit, when set, with the
// finding (built only then).
func (e *Engine) evaluate(ctx context.Context, res *policy.Resource, env *policy.Env, applies []bool, memo *policy.Memo, emit func(Finding), count func(item int, effect string)) (outcome []wholeStep, kept bool) {
	lt := res.TypeLower()
	// A resource whose rules all read as those of one before gives what
	// that one gave, but for its id and type (policy.Memo.Resource).
	group := -1
	if memo != nil && memo.Whole {
		group = e.group(memo, applies, lt)
		if group >= 0 {
			if o, ok := memo.Resource(ctx, res, env, group); ok {
				steps := o.([]wholeStep)
				_ = e.replay(ctx, steps, resIdent{res}, func() (*policy.Resource, error) { return res, nil }, env, memo, emit, count)
				return steps, true
			}
		}
	}
	refs, ok := e.byType[lt]
	if !ok {
		refs = e.anyType
	}
	// What to do for a resource that reads alike: the findings of rules
	// whose results are functions of their keys, and the rules to
	// evaluate again (an *IfNotExists lookup, modify, a rule reading
	// outside its key), in order.
	var steps []wholeStep
	var r policy.Result // one for every rule: no copy out of each evaluation
	for _, ref := range refs {
		if applies != nil && !applies[ref.item] {
			continue
		}
		finding := e.evalRule(ctx, res, env, memo, ref, &r, emit, count)
		if group < 0 {
			continue
		}
		if !memo.Reusable() {
			steps = append(steps, wholeStep{ref: ref, eval: true})
		} else if finding {
			steps = append(steps, wholeStep{ref: ref, r: r})
		}
	}
	if group >= 0 {
		steps = slices.Clip(steps)
		return steps, memo.Remember(group, steps)
	}
	return nil, false
}

// group is the number of the memo's group of whole resources of type
// typLower (lower case) under applies.
func (e *Engine) group(memo *policy.Memo, applies []bool, typLower string) int {
	var ap *bool
	if len(applies) > 0 {
		ap = &applies[0]
	}
	return memo.GroupOf(groupID{ap, typLower}, typLower, func() []*policy.Bound {
		refs, ok := e.byType[typLower]
		if !ok {
			refs = e.anyType
		}
		var bs []*policy.Bound
		for _, ref := range refs {
			if applies == nil || applies[ref.item] {
				bs = append(bs, e.items[ref.item].members[ref.member])
			}
		}
		return bs
	})
}

// ident is who a finding is of: the resource's id, type as written and
// subscription, asked for only when findings are emitted one by one.
type ident interface {
	ID() string
	Type() string
	SubscriptionID() string
}

type resIdent struct{ r *policy.Resource }

func (x resIdent) ID() string             { return x.r.ID() }
func (x resIdent) Type() string           { return x.r.Type() }
func (x resIdent) SubscriptionID() string { return x.r.SubscriptionID() }

// replay gives the findings a resource that reads alike gave: the kept
// results, with who of, and the rules to evaluate again, for which the
// resource is decoded (once).
func (e *Engine) replay(ctx context.Context, steps []wholeStep, who ident, decode func() (*policy.Resource, error), env *policy.Env, memo *policy.Memo, emit func(Finding), count func(item int, effect string)) error {
	var r policy.Result
	var res *policy.Resource
	for _, w := range steps {
		if w.eval {
			if res == nil {
				var err error
				if res, err = decode(); err != nil {
					return err
				}
			}
			e.evalRule(ctx, res, env, memo, w.ref, &r, emit, count)
			continue
		}
		r = w.r
		sub := ""
		if emit != nil {
			r.ResourceID, r.ResourceType, sub = who.ID(), who.Type(), who.SubscriptionID()
		}
		e.finding(sub, w.ref, &r, emit, count)
	}
	return nil
}

// evalRule evaluates ref's rule for res into r, counts and emits its
// finding, and reports whether there was one.
func (e *Engine) evalRule(ctx context.Context, res *policy.Resource, env *policy.Env, memo *policy.Memo, ref memberRef, r *policy.Result, emit func(Finding), count func(item int, effect string)) bool {
	e.items[ref.item].members[ref.member].EvaluateMemoInto(ctx, res, env, memo, r)
	if r.Compliant || r.State == policy.NotApplicable || r.State == policy.Skipped {
		return false
	}
	e.finding(res.SubscriptionID(), ref, r, emit, count)
	return true
}

// groupID names the rules evaluated for one resource type under one
// subscription's assignments (applies' first element; nil: all apply).
type groupID struct {
	applies *bool
	typ     string
}

// wholeStep is a finding a resource gave (r), or a rule to evaluate again
// (eval), kept for resources that read alike.
type wholeStep struct {
	ref  memberRef
	r    policy.Result
	eval bool
}

// finding counts and emits the finding r of ref's rule for a resource of
// subscription sub.
func (e *Engine) finding(sub string, ref memberRef, r *policy.Result, emit func(Finding), count func(item int, effect string)) {
	effect := r.Effect
	if effect == "" && r.State == policy.Failed {
		effect = "error"
	}
	if count != nil {
		count(ref.item, effect)
	}
	if emit == nil {
		return
	}
	it := &e.items[ref.item]
	emit(Finding{
		Resource: r.ResourceID, ResourceType: r.ResourceType, Subscription: sub,
		Assignment: it.eff.Name, Scope: it.eff.Scope, Definition: it.names[ref.member], DefinitionID: r.DefinitionID, ReferenceID: r.ReferenceID,
		Effect: effect, State: r.State, Enforced: r.Enforced, Reasons: r.Reasons, Operations: r.Operations, Related: r.Related,
	})
}

// memberRef names one member of one item.
type memberRef struct{ item, member int }

// index lists, for every resource type some rule pins, the members that
// can match it, in assignment order; anyType lists the members that pin no
// type. A resource is then evaluated against its list alone, rather than
// every member testing its type.
func (e *Engine) index() {
	types := map[string]bool{}
	for _, it := range e.items {
		for _, ts := range it.types {
			for t := range ts {
				types[t] = true
			}
		}
	}
	e.byType = map[string][]memberRef{}
	e.anyType = nil
	for i, it := range e.items {
		for j := range it.members {
			var ts map[string]bool
			if j < len(it.types) {
				ts = it.types[j]
			}
			ref := memberRef{i, j}
			if ts == nil {
				e.anyType = append(e.anyType, ref)
				for t := range types {
					e.byType[t] = append(e.byType[t], ref)
				}
				continue
			}
			for t := range ts {
				e.byType[t] = append(e.byType[t], ref)
			}
		}
	}
	// Appending in (item, member) order keeps each list in that order.
}

// Summary counts findings by effect.
type Summary struct {
	Resources   int            `json:"resources"`
	Assignments int            `json:"assignments"`
	Findings    int            `json:"findings"`
	ByEffect    map[string]int `json:"byEffect"`
}

// Add counts f.
func (s *Summary) Add(f Finding) {
	if s.ByEffect == nil {
		s.ByEffect = map[string]int{}
	}
	s.Findings++
	s.ByEffect[f.Effect]++
}

// Denies is the number of enforced deny findings: what Azure would refuse.
func Denies(fs []Finding) int {
	n := 0
	for _, f := range fs {
		if strings.EqualFold(f.Effect, "deny") && f.Enforced {
			n++
		}
	}
	return n
}

// Sort orders findings by resource, assignment and reference for stable output.
func Sort(fs []Finding) {
	sort.SliceStable(fs, func(i, j int) bool {
		a, b := fs[i], fs[j]
		if a.Resource != b.Resource {
			return a.Resource < b.Resource
		}
		if a.Assignment != b.Assignment {
			return a.Assignment < b.Assignment
		}
		return a.ReferenceID < b.ReferenceID
	})
}
