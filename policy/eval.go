package policy

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/aizone/aizone/policy/expr"
)

// State is the outcome of evaluating one definition against one resource.
type State string

const (
	// Compliant: the rule's "if" did not match, or the related resource of
	// an *IfNotExists effect exists.
	Compliant State = "compliant"
	// NonCompliant: the effect applies.
	NonCompliant State = "noncompliant"
	// NotApplicable: the resource is out of the definition's reach (mode,
	// notScopes, assignment scope) or the effect is disabled.
	NotApplicable State = "notApplicable"
	// Skipped: aizone cannot evaluate this definition offline (resource
	// provider modes such as Microsoft.Kubernetes.Data).
	Skipped State = "skipped"
	// Unknown: a manual effect with no attestation.
	Unknown State = "unknown"
	// Failed: evaluation raised an error (a type mismatch, a failing
	// function). Azure treats these as non-compliant; so does Compliant().
	Failed State = "error"
)

// Result is the outcome for one resource and one definition (or assignment).
type Result struct {
	ResourceID   string `json:"resourceId"`
	ResourceType string `json:"resourceType,omitempty"`
	DefinitionID string `json:"definitionId,omitempty"`
	AssignmentID string `json:"assignmentId,omitempty"`
	ReferenceID  string `json:"referenceId,omitempty"`
	State        State  `json:"state"`
	// Effect is the effect that applies (lower camel case, e.g. "deny",
	// "auditIfNotExists"), or "" when the rule did not match.
	Effect string `json:"effect"`
	// Compliant is true unless the effect applies, evaluation failed, or a
	// manual effect is unattested: a wrong "compliant" is worse than none.
	Compliant bool `json:"compliant"`
	// Enforced is false for assignments in DoNotEnforce mode: the effect is
	// reported but Azure would not block or change anything.
	Enforced bool `json:"enforced"`
	// Reasons are the conditions that decided the outcome, for a reader.
	Reasons []string `json:"reasons"`
	// Operations are the changes an append or modify effect would make.
	Operations []Operation `json:"operations,omitempty"`
	// Related are the ids of the related resources an *IfNotExists effect
	// found (and that satisfied the existence condition).
	Related []string `json:"related,omitempty"`
	// FallbackAliases lists aliases resolved by the default mapping rather
	// than an alias table.
	FallbackAliases []string `json:"fallbackAliases,omitempty"`
	Error           string   `json:"error,omitempty"`
}

// Operation is one change an append or modify effect would make.
type Operation struct {
	Operation string `json:"operation"` // append, addOrReplace, add, remove
	Field     string `json:"field"`
	Value     any    `json:"value,omitempty"`
}

// Bound is a compiled definition with its parameter values: what an
// assignment evaluates. Binding checks the values once (types, allowed
// values, missing required parameters) and evaluates every expression that
// depends only on parameters, so per-resource evaluation does not repeat
// that work. It is safe for concurrent use.
type Bound struct {
	cp       *Compiled
	params   map[string]any // lower-case names
	slots    []slotVal
	fields   []*fieldRef
	fieldErr []error
	effect   string
	effErr   error
	// types are the lower-case resource types the rule can match, from
	// the compiled type guard; nil when the rule has no guard.
	types []string
	// deps is what the "if" reads of a resource, for a Memo; nil when it
	// cannot be memoised.
	deps *memoDeps
	// memoID numbers this Bound for a Memo's tables (each Bind and
	// ForAssignment gives a new one); enforced is assignment.Enforced().
	memoID   int
	enforced bool
	// defID is cp.Def.ID, fallbacks cp.fallbacks, provider cp.provider
	// and indexedOnly whether cp.mode is indexed, kept here: reading them
	// through cp for every resource and rule misses the cache.
	defID       string
	fallbacks   []string
	provider    bool
	indexedOnly bool
	// relType is details.type when it is the same for every resource, and
	// relTypeLower its lower case, computed once.
	relType, relTypeLower string
	// lookupFixed: an *IfNotExists lookup whose details.type is relType
	// and whose name, existenceScope and resourceGroupName cannot fail
	// (see fixedLookup); nameFixed: details.name is the same for every
	// resource.
	lookupFixed, nameFixed bool
	// opsFixed: every modify operation is the same for every resource
	// (its condition, name, field and value are literals or expressions
	// of parameters).
	opsFixed bool
	// existDeps is what the existence condition reads of a resource of
	// the related type, when it can look at the evaluated resource
	// itself and a key can hold what it reads (see selfLookup); nil
	// otherwise.
	existDeps *memoDeps
	// Assignment context.
	assignment   *Assignment
	scopeAll     bool // the assignment's scope contains every resource
	setID, refID string
}

type slotVal struct {
	v   any
	err error
}

// Bind checks params against the definition's parameters and prepares the
// definition for evaluation. params are plain values by name (use
// ParseParameterValues to read an assignment's {"value": ...} form).
func (cp *Compiled) Bind(params map[string]any) (*Bound, error) {
	b := &Bound{cp: cp, params: map[string]any{}, defID: cp.Def.ID, fallbacks: cp.fallbacks, provider: cp.provider, indexedOnly: cp.mode == "indexed"}
	given := map[string]any{}
	for k, v := range params {
		given[strings.ToLower(k)] = v
	}
	for _, k := range sortedKeysP(cp.Def.Parameters) {
		p := cp.Def.Parameters[k]
		v, ok := given[k]
		if !ok {
			if !p.HasDefault {
				return nil, fmt.Errorf("parameter %q: no value and no default", p.Name)
			}
			v = p.DefaultValue
		}
		if err := checkParam(p, v); err != nil {
			return nil, err
		}
		b.params[k] = v
	}
	for _, k := range sortedKeys(given) {
		if _, ok := cp.Def.Parameters[k]; !ok {
			return nil, fmt.Errorf("parameter %q is not defined by %s", k, defName(cp.Def))
		}
	}
	ctx := &evalCtx{b: b}
	b.slots = make([]slotVal, len(cp.static))
	for i, vs := range cp.static {
		v, err := expr.Eval(vs.node, ctx)
		b.slots[i] = slotVal{v: v, err: err}
	}
	b.fields = make([]*fieldRef, len(cp.dynFields))
	b.fieldErr = make([]error, len(cp.dynFields))
	for i, df := range cp.dynFields {
		b.fields[i], b.fieldErr[i] = ctx.resolveDynField(df)
	}
	ev, err := ctx.get(cp.effect)
	if err != nil {
		b.effErr = err
	} else if s, ok := ev.(string); !ok {
		b.effErr = fmt.Errorf("effect must be a string, got %s", fmtVal(ev))
	} else if canon, ok := effects[strings.ToLower(s)]; !ok {
		b.effErr = fmt.Errorf("unknown effect %q", s)
	} else {
		b.effect = canon
	}
	if b.effErr != nil {
		return nil, b.effErr
	}
	b.types = guardTypes(cp.guard, ctx)
	b.deps = b.memoDeps()
	b.memoID, b.enforced = int(memoIDs.Add(1)), true
	if d := cp.details; d != nil && d.typ != nil && (d.typ.node == nil || d.typ.static) {
		if v, err := ctx.get(d.typ); err == nil {
			if s, ok := v.(string); ok {
				b.relType, b.relTypeLower = s, strings.ToLower(s)
			}
		}
		b.lookupFixed, b.nameFixed = b.fixedLookup(d)
		if b.selfable(d) {
			b.existDeps = b.depsOf(d.existenceCondition)
		}
	}
	if d := cp.details; d != nil {
		b.opsFixed = true
		for _, o := range d.operations {
			for _, v := range []*valueSrc{o.operation, o.field, o.value, o.condition} {
				if !fixedSrc(v) {
					b.opsFixed = false
				}
			}
		}
	}
	return b, nil
}

// fixedLookup reports whether an *IfNotExists lookup that finds nothing
// gives every resource the same result: details.type is fixed, and the
// name, existenceScope and resourceGroupName are either fixed (a literal,
// or an expression of parameters, evaluated once) or, for the name only,
// field() of the resource's name, full name, id or type, which is always
// a string and cannot fail. nameFixed also says whether the name is fixed:
// explanations name it.
func (b *Bound) fixedLookup(d *details) (lookup, name bool) {
	fixed := fixedSrc
	if b.relTypeLower == "" || !fixed(d.existenceScope) || !fixed(d.resourceGroupName) {
		return false, false
	}
	if fixed(d.name) {
		return true, true
	}
	if d.name.tmpl != nil {
		return false, false
	}
	call, ok := d.name.node.(*expr.Call)
	if !ok || call.Name != "field" || len(call.Args) != 1 {
		return false, false
	}
	lit, ok := call.Args[0].(*expr.Lit)
	if !ok {
		return false, false
	}
	switch s, _ := lit.V.(string); strings.ToLower(s) {
	case "name", "fullname", "id", "type":
		return true, false
	}
	return false, false
}

// fixedSrc reports whether v gives every resource the same value (or
// error): absent, a literal, an expression of parameters (evaluated once
// per assignment), or an object or array holding no expression.
func fixedSrc(v *valueSrc) bool {
	if v == nil {
		return true
	}
	if v.tmpl != nil {
		return !holdsExpression(v.tmpl)
	}
	return v.node == nil || v.static
}

func holdsExpression(v any) bool {
	switch x := v.(type) {
	case string:
		return expr.IsExpression(x)
	case []any:
		for _, el := range x {
			if holdsExpression(el) {
				return true
			}
		}
	case map[string]any:
		for k, el := range x {
			if expr.IsExpression(k) || holdsExpression(el) {
				return true
			}
		}
	}
	return false
}

// selfable reports whether a lookup of b's related type from a resource
// of that type itself can find only that resource, checked with the
// existence condition, as Azure documents for rules whose details.type
// is the evaluated resource's own: the name is absent or field('name'),
// which the resource matches, and the resource group is the resource's.
func (b *Bound) selfable(d *details) bool {
	if b.relTypeLower == "" || d.existenceCondition == nil || d.resourceGroupName != nil || !fixedSrc(d.existenceScope) {
		return false
	}
	if d.name == nil {
		return true
	}
	if d.name.tmpl != nil {
		return false
	}
	call, ok := d.name.node.(*expr.Call)
	if !ok || call.Name != "field" || len(call.Args) != 1 {
		return false
	}
	lit, ok := call.Args[0].(*expr.Lit)
	if !ok {
		return false
	}
	s, _ := lit.V.(string)
	return strings.EqualFold(s, "name")
}

// findsItself reports whether b's *IfNotExists lookup, for a resource of
// type typLower in env, checks the resource itself and nothing else: its
// related type is the resource's own, no resource of that type is known,
// and the existence condition reads what a key can hold (existDeps). Its
// result is then a function of the decision and of what existDeps reads,
// without explanations (which name the resource).
func (b *Bound) findsItself(env *Env, typLower string) bool {
	return b.existDeps != nil && b.relTypeLower == typLower && env.NoReasons &&
		(env.Resources == nil || len(env.Resources.byType[typLower]) == 0)
}

// findsNothing reports whether b's *IfNotExists lookup finds nothing
// for any resource of type typLower in env: no resource of the related
// type is known, and the evaluated resource is not of it (a rule whose
// related type is the resource's own finds the resource itself).
func (b *Bound) findsNothing(env *Env, typLower string) bool {
	if !b.lookupFixed || b.relTypeLower == typLower {
		return false
	}
	return env.Resources == nil || len(env.Resources.byType[b.relTypeLower]) == 0
}

// guardTypes evaluates the type guard's operands once per assignment. Any
// operand that is not a string or an array of strings (a type error the
// full evaluation reports) gives no guard.
func guardTypes(gs []*condNode, ctx *evalCtx) []string {
	if gs == nil {
		return nil
	}
	out := []string{} // non-nil: "in": [] matches nothing
	for _, g := range gs {
		x, err := ctx.get(g.rhs)
		if err != nil {
			return nil
		}
		var list []any
		switch v := x.(type) {
		case string:
			if g.op != opEquals {
				return nil
			}
			list = []any{v}
		case []any:
			if g.op != opIn {
				return nil
			}
			list = v
		default:
			return nil
		}
		for _, el := range list {
			s, ok := el.(string)
			if !ok {
				return nil
			}
			out = append(out, strings.ToLower(s))
		}
	}
	return out
}

// Types are the resource types (lower case) the rule can match, from its
// type guard with this binding's parameters; nil when the rule pins none.
// Callers that index many resources use it to skip the rule for other
// types without asking.
func (b *Bound) Types() []string { return b.types }

// RelatedSpec is what an auditIfNotExists or deployIfNotExists rule looks
// for, as far as it is known before any resource is evaluated.
type RelatedSpec struct {
	// Type is details.type in lower case, or "" when it is an expression
	// of the evaluated resource (any type may be related).
	Type string
	// Name is details.name when it is fixed by the definition and the
	// assignment's parameters, "" when absent or resource-dependent.
	Name string
	// Self reports a details.name of field('name'): the related resource
	// is named as the evaluated one.
	Self bool
	// GroupScoped reports a details.resourceGroupName: the related resource
	// is looked for in another resource group.
	GroupScoped bool
}

// Related describes the related resource of an *IfNotExists rule with this
// binding's parameters; ok is false for every other effect. Callers that
// stream large estates use it to hold only resources some rule may ask for.
func (b *Bound) Related() (spec RelatedSpec, ok bool) {
	d := b.cp.details
	if (b.effect != "auditIfNotExists" && b.effect != "deployIfNotExists") || d == nil || d.typ == nil {
		return spec, false
	}
	ctx := &evalCtx{b: b}
	constant := func(v *valueSrc) string {
		if v == nil || (v.node != nil && !v.static) {
			return ""
		}
		x, err := ctx.get(v)
		if err != nil {
			return ""
		}
		s, _ := x.(string)
		return s
	}
	spec.Type = strings.ToLower(constant(d.typ))
	spec.Name = constant(d.name)
	spec.Self = d.name != nil && strings.EqualFold(strings.ReplaceAll(d.name.text, " ", ""), "[field('name')]")
	spec.GroupScoped = d.resourceGroupName != nil
	return spec, true
}

// excludes reports that the type guard rules res out.
func (b *Bound) excludes(res *Resource) bool {
	if b.types == nil {
		return false
	}
	for _, t := range b.types {
		if t == res.typLower {
			return false
		}
	}
	return true
}

func sortedKeysP(m map[string]*Parameter) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sortStrings(keys)
	return keys
}

func defName(d *Definition) string {
	if d.Name != "" {
		return d.Name
	}
	if d.DisplayName != "" {
		return fmt.Sprintf("%q", d.DisplayName)
	}
	return "the definition"
}

// checkParam checks a value against a parameter's type and allowed values.
// Allowed values compare ignoring the case of strings, as Azure does when an
// assignment is made: the ALZ library's Enforce-TLS-SSL-Q225 assigns "deny"
// to a definition that allows "Deny", and deploys.
func checkParam(p *Parameter, v any) error {
	if v != nil {
		ok := true
		switch strings.ToLower(p.Type) {
		case "string", "datetime":
			_, ok = v.(string)
		case "array":
			_, ok = v.([]any)
		case "object":
			_, ok = v.(map[string]any)
		case "boolean":
			_, ok = v.(bool)
		case "integer":
			f, isNum := v.(float64)
			ok = isNum && f == math.Trunc(f)
		case "float":
			_, ok = v.(float64)
		}
		if !ok {
			return fmt.Errorf("parameter %q: want %s, got %s", p.Name, p.Type, jsonType(v))
		}
	}
	if len(p.AllowedValues) == 0 {
		return nil
	}
	check := func(x any) bool {
		for _, a := range p.AllowedValues {
			if equalFold(a, x) {
				return true
			}
		}
		return false
	}
	if arr, ok := v.([]any); ok && !check(v) {
		// An array parameter's allowed values constrain its members.
		for _, el := range arr {
			if !check(el) {
				return fmt.Errorf("parameter %q: %s is not an allowed value (allowed: %s)", p.Name, fmtVal(el), fmtVal(p.AllowedValues))
			}
		}
		return nil
	}
	if !check(v) {
		return fmt.Errorf("parameter %q: %s is not an allowed value (allowed: %s)", p.Name, fmtVal(v), fmtVal(p.AllowedValues))
	}
	return nil
}

// equalFold is expr.Equal with strings, object keys included, compared
// ignoring case.
func equalFold(a, b any) bool {
	if eq, ok := equalContainers(a, b, equalFold); ok {
		return eq
	}
	if x, ok := a.(string); ok {
		y, ok := b.(string)
		return ok && strings.EqualFold(x, y)
	}
	return expr.Equal(a, b)
}

// Effect is the bound effect, canonical case.
func (b *Bound) Effect() string { return b.effect }

// Definition is the definition b evaluates.
func (b *Bound) Definition() *Definition { return b.cp.Def }

// Fallbacks lists the aliases the definition resolved by the default
// mapping rather than the alias table (as every Result also does).
func (b *Bound) Fallbacks() []string { return b.cp.fallbacks }

// evalCtx is the state of one evaluation; it implements expr.Context.
type evalCtx struct {
	ctx     context.Context
	b       *Bound
	res     *Resource // the resource "field" conditions read
	primary *Resource // the resource field() reads (the "if" resource)
	env     *Env
	scopes  []runScope
	// iterations is how many times the enclosing value counts iterate
	// (0 outside any), which nested value counts multiply.
	iterations int
	// miss selects how why() words reasons: false explains a match (what
	// compliance needs), true a condition that did not hold (its operator
	// and truth value, which stays exact under any number of nots).
	miss bool
	// track, while a Memo's entry is computed, is what its key holds;
	// uncovered is set when the evaluation reads anything else, and the
	// outcome is then not remembered.
	track     *memoDeps
	uncovered bool
	// existTrack and existUncovered are track and uncovered for the
	// existence condition of an *IfNotExists lookup (see findsItself).
	existTrack     *memoDeps
	existUncovered bool
}

type runScope struct {
	compileScope
	elem any
}

func (c *evalCtx) get(v *valueSrc) (any, error) {
	switch {
	case v == nil:
		return nil, nil
	case v.tmpl != nil:
		return c.evalTree(v.tmpl)
	case v.node == nil:
		return v.lit, nil
	case v.static && c.b.slots != nil:
		s := c.b.slots[v.slot]
		return s.v, s.err
	}
	return expr.Eval(v.node, c)
}

func (c *evalCtx) evalTree(v any) (any, error) {
	switch x := v.(type) {
	case string:
		if expr.IsExpression(x) {
			n, err := expr.Parse(x)
			if err != nil {
				return nil, err
			}
			return expr.Eval(n, c)
		}
		return expr.Unescape(x), nil
	case []any:
		out := make([]any, len(x))
		for i, el := range x {
			e, err := c.evalTree(el)
			if err != nil {
				return nil, err
			}
			out[i] = e
		}
		return out, nil
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, el := range x {
			e, err := c.evalTree(el)
			if err != nil {
				return nil, err
			}
			out[k] = e
		}
		return out, nil
	}
	return v, nil
}

func (c *evalCtx) resolveDynField(df *dynField) (*fieldRef, error) {
	v, err := c.get(df.src)
	if err != nil {
		return nil, err
	}
	s, ok := v.(string)
	if !ok {
		return nil, fmt.Errorf("field expression %s gave %s, not a field name", df.src.text, fmtVal(v))
	}
	comp := &compiler{aliases: c.b.cp.aliases}
	return comp.resolveField(s, df.scopes)
}

// Parameter implements expr.Context.
func (c *evalCtx) Parameter(name string) (any, error) {
	if v, ok := c.b.params[strings.ToLower(name)]; ok {
		return v, nil
	}
	return nil, fmt.Errorf("parameter %q is not defined", name)
}

// Field implements expr.Context: field() reads the resource the "if"
// evaluates, also inside an existenceCondition, which is how such a
// condition compares a related resource with the evaluated one. A missing
// (or null) property reads as "".
func (c *evalCtx) Field(name string) (any, error) {
	if c.primary == nil {
		return nil, errors.New("field() needs a resource")
	}
	if c.track != nil && !c.track.names[name] {
		c.uncovered = true
	}
	key := name
	if len(c.scopes) > 0 {
		var b strings.Builder
		for _, s := range c.scopes {
			b.WriteString(s.alias)
			b.WriteByte('|')
		}
		key = b.String() + name
	}
	var f *fieldRef
	if cached, ok := c.b.cp.fieldFns.Load(key); ok {
		f = cached.(*fieldRef)
	} else {
		scopes := make([]compileScope, len(c.scopes))
		for i, s := range c.scopes {
			scopes[i] = s.compileScope
		}
		comp := &compiler{aliases: c.b.cp.aliases}
		var err error
		if f, err = comp.resolveField(name, scopes); err != nil {
			return nil, err
		}
		c.b.cp.fieldFns.Store(key, f)
	}
	v := f.get(c, c.primary)
	if v == nil {
		// Azure documents field() of a missing property as "" (a [*]
		// alias gives []); the "field" of a condition still sees it as
		// missing, so exists and the other operators are unchanged.
		return "", nil
	}
	return v, nil
}

// Current implements expr.Context.
func (c *evalCtx) Current(name string) (any, error) {
	if len(c.scopes) == 0 {
		return nil, errors.New("current() is only valid inside a count's where")
	}
	if name == "" {
		return c.scopes[len(c.scopes)-1].elem, nil
	}
	low := strings.ToLower(name)
	for i := len(c.scopes) - 1; i >= 0; i-- {
		s := c.scopes[i]
		if s.name != "" && strings.EqualFold(s.name, name) {
			return s.elem, nil
		}
		if s.alias == "" {
			continue
		}
		if low == s.alias {
			return s.elem, nil
		}
		if strings.HasPrefix(low, s.alias) && (low[len(s.alias)] == '.' || low[len(s.alias)] == '[') {
			paths, fallback := resolveAlias(c.b.cp.aliases, name)
			segs, err := parsePath(paths[0])
			if err != nil {
				return nil, err
			}
			rel, ok := relativeSegs(segs, s.segs)
			if !ok {
				continue
			}
			if hasStar(rel) {
				return walk(s.elem, rel, fallback, nil), nil
			}
			return walkOne(s.elem, rel, fallback), nil
		}
	}
	return nil, fmt.Errorf("current(%q): no enclosing count with that alias or name", name)
}

// Ambient implements expr.Context.
func (c *evalCtx) Ambient(name string) (any, error) {
	r := c.primary
	if t := c.track; t != nil {
		switch name {
		case "resourcegroup":
			c.uncovered = c.uncovered || !t.rg
		case "subscription":
			c.uncovered = c.uncovered || !t.sub
		case "requestcontext":
			c.uncovered = c.uncovered || !t.api
		}
	}
	switch name {
	case "resourcegroup":
		if r == nil || r.rg == "" {
			return nil, errors.New("resourceGroup(): the resource is not in a resource group")
		}
		rg := map[string]any{
			"id":       "/subscriptions/" + r.sub + "/resourceGroups/" + r.rg,
			"name":     r.rg,
			"type":     "Microsoft.Resources/resourceGroups",
			"location": getCI(r.Raw, "location"),
			"tags":     map[string]any{},
			"properties": map[string]any{
				"provisioningState": "Succeeded",
			},
		}
		if c.env != nil {
			for k, v := range c.env.ResourceGroups[strings.ToLower(r.rg)] {
				rg[k] = v
			}
		}
		return rg, nil
	case "subscription":
		sub := ""
		if r != nil {
			sub = r.sub
		}
		m := map[string]any{
			"id":             "/subscriptions/" + sub,
			"subscriptionId": sub,
			"displayName":    sub,
			"tenantId":       "00000000-0000-0000-0000-000000000000",
		}
		if c.env != nil {
			for k, v := range c.env.Subscription {
				m[k] = v
			}
		}
		return m, nil
	case "requestcontext":
		// Offline there is no request. The API version is Env's, else the
		// resource's own (a template resource is deployed with it), else
		// LatestAPIVersion: Azure evaluates existing resources with the
		// latest version. The caller identity is Env's, null by default.
		api := ""
		if c.env != nil {
			api = c.env.APIVersion
		}
		if api == "" && r != nil {
			api, _ = getCI(r.Raw, "apiVersion").(string)
		}
		if api == "" {
			api = LatestAPIVersion
		}
		m := map[string]any{"apiVersion": api, "identity": nil}
		if c.env != nil && c.env.Identity != nil {
			m["identity"] = c.env.Identity
		}
		return m, nil
	case "policy":
		m := map[string]any{
			"definitionId":          c.b.cp.Def.ID,
			"assignmentId":          "",
			"setDefinitionId":       c.b.setID,
			"definitionReferenceId": c.b.refID,
		}
		if c.b.assignment != nil {
			m["assignmentId"] = c.b.assignment.ID
		}
		return m, nil
	}
	return nil, fmt.Errorf("%s() cannot be evaluated offline by a policy", name)
}

// Now implements expr.Context.
func (c *evalCtx) Now() time.Time { return c.env.now() }

func (n *allOfNode) eval(c *evalCtx) (bool, error) {
	for _, k := range n.kids {
		ok, err := k.eval(c)
		if err != nil || !ok {
			return false, err
		}
	}
	return true, nil
}

func (n *anyOfNode) eval(c *evalCtx) (bool, error) {
	for _, k := range n.kids {
		ok, err := k.eval(c)
		if err != nil {
			return false, err
		}
		if ok {
			return true, nil
		}
	}
	return false, nil
}

func (n *notNode) eval(c *evalCtx) (bool, error) {
	ok, err := n.kid.eval(c)
	return !ok && err == nil, err
}

func (n *allOfNode) why(c *evalCtx, neg bool) (bool, []string, error) {
	var all []string
	for _, k := range n.kids {
		ok, rs, err := k.why(c, neg)
		if err != nil {
			return false, rs, err
		}
		if !ok {
			return false, rs, nil
		}
		all = append(all, rs...)
	}
	return true, all, nil
}

func (n *anyOfNode) why(c *evalCtx, neg bool) (bool, []string, error) {
	var all []string
	for _, k := range n.kids {
		ok, rs, err := k.why(c, neg)
		if err != nil {
			return false, rs, err
		}
		if ok {
			return true, rs, nil
		}
		all = append(all, rs...)
	}
	return false, all, nil
}

func (n *notNode) why(c *evalCtx, neg bool) (bool, []string, error) {
	ok, rs, err := n.kid.why(c, !neg)
	return !ok && err == nil, rs, err
}

func (n *condNode) eval(c *evalCtx) (bool, error) {
	ok, _, _, _, err := n.run(c, false)
	return ok, err
}

// run evaluates the condition and returns what a reason needs: the
// subject's display name and value and, for a count with where when
// collect is set, the members it counted.
func (n *condNode) run(c *evalCtx, collect bool) (ok bool, subject string, actual any, counted []any, err error) {
	x, err := c.get(n.rhs)
	if err != nil {
		return false, "", nil, nil, err
	}
	switch {
	case n.count != nil:
		k, ms, err := n.count.count(c, collect && n.count.where != nil)
		if err != nil {
			return false, "", nil, nil, err
		}
		ok, err = apply(n.op, float64(k), x)
		return ok, n.count.disp, float64(k), ms, err
	case n.value != nil:
		v, err := c.get(n.value)
		if err != nil {
			return false, "", nil, nil, err
		}
		ok, err = apply(n.op, v, x)
		subject = "value"
		if n.value.node != nil {
			subject = n.value.text
		}
		return ok, subject, v, nil, err
	}
	f := n.field
	if n.dynField != nil {
		if f, err = c.dynFieldRef(n.dynField); err != nil {
			return false, "", nil, nil, err
		}
	}
	if !f.coll {
		v := f.value(c, c.res)
		if f.kind == fkLocation {
			ok, err = apply(n.op, normLocation(v), normLocation(x))
			return ok, f.display, v, nil, err
		}
		ok, err = apply(n.op, v, x)
		return ok, f.display, v, nil, err
	}
	vals := f.values(c, c.res)
	for _, v := range vals {
		ok, err := apply(n.op, v, x)
		if err != nil || !ok {
			return false, f.display, valsOrNil(vals), nil, err
		}
	}
	// Every member holds, which is also the case for an empty array.
	return true, f.display, valsOrNil(vals), nil, nil
}

// normLocation puts region names in one form, as Azure does for the
// location field: "East US 2" and "eastus2" are the same region. Arrays (the
// operand of in and notIn) are normalised member by member.
func normLocation(v any) any {
	switch x := v.(type) {
	case string:
		if strings.IndexByte(x, ' ') < 0 {
			// Case is ignored by the operators anyway. Return v, not x:
			// boxing x again would allocate on every evaluation.
			return v
		}
		return strings.ReplaceAll(x, " ", "")
	case []any:
		// Copy only when a member changes: allowed-location lists are long
		// and evaluated for every resource.
		for i, el := range x {
			if s, ok := el.(string); ok && strings.IndexByte(s, ' ') >= 0 {
				out := append([]any(nil), x...)
				for j := i; j < len(out); j++ {
					out[j] = normLocation(out[j])
				}
				return out
			}
		}
	}
	return v
}

func valsOrNil(vals []any) any {
	if len(vals) == 1 && vals[0] == nil {
		return nil
	}
	if vals == nil {
		return []any{}
	}
	return vals
}

func (c *evalCtx) dynFieldRef(df *dynField) (*fieldRef, error) {
	if df.slot >= 0 && c.b.fields != nil {
		return c.b.fields[df.slot], c.b.fieldErr[df.slot]
	}
	if c.track != nil {
		c.uncovered = true // named per resource: not in the key
	}
	return c.resolveDynField(df)
}

func (n *condNode) why(c *evalCtx, neg bool) (bool, []string, error) {
	ok, subject, actual, counted, err := n.run(c, true)
	if err != nil {
		return false, []string{fmt.Sprintf("%s: %v", n.path, err)}, err
	}
	x, _ := c.get(n.rhs)
	is := fmtVal(actual)
	if actual == nil && subject != "" && n.field == nil && n.dynField == nil && n.count == nil {
		is = "null"
	}
	if len(counted) > 0 {
		// Say which members the where condition selected.
		is += " (" + memberLabels(counted) + ")"
	}
	if c.miss {
		under := ""
		if neg {
			under = ", inside not"
		}
		return ok, []string{fmt.Sprintf("%s is %s (%s %s is %t%s)", subject, is, n.op, fmtVal(x), ok, under)}, nil
	}
	// The effective condition is "op x" (or its inverse under not). When it
	// holds, the reader wants what would make it fail; when it fails, what
	// the rule needs.
	eo, ex := n.op, x
	if neg {
		eo, ex = invert(n.op, x)
	}
	effective := ok != neg
	var msg string
	switch {
	case effective && n.field != nil && n.field.kind == fkType && !neg && (n.op == opEquals || n.op == opIn || n.op == opLike):
		// A condition selecting the resource type is context, not a
		// violation: "expected not 'Microsoft.Storage/storageAccounts'"
		// would only confuse.
		msg = fmt.Sprintf("type is %s", is)
	case effective:
		io, ix := invert(eo, ex)
		msg = fmt.Sprintf("%s is %s, expected %s", subject, is, phrase(io, ix))
	default:
		msg = fmt.Sprintf("%s is %s, not %s", subject, is, phrase(eo, ex))
	}
	return ok, []string{msg}, nil
}

// display names the count for reasons; the compiler stores it in disp.
func (n *countNode) display() string {
	what := ""
	if n.field != nil {
		what = n.field.display
	} else if n.value != nil {
		if n.value.node != nil {
			what = n.value.text
		} else {
			what = fmtVal(n.value.lit)
		}
	}
	if n.where != nil {
		return "count of " + what + " matching the where condition"
	}
	return "count of " + what
}

// count counts the members that satisfy where and, when collect is set,
// returns them too (for reasons).
func (n *countNode) count(c *evalCtx, collect bool) (int, []any, error) {
	var members []any
	if n.field != nil {
		members = n.field.values(c, c.res)
		if missing(members) {
			members = nil // a missing array has no members
		}
	} else {
		v, err := c.get(n.value)
		if err != nil {
			return 0, nil, err
		}
		switch x := v.(type) {
		case []any:
			members = x
		case nil:
		default:
			return 0, nil, fmt.Errorf("count value must be an array, got %s", jsonType(v))
		}
		outer := max(c.iterations, 1)
		if outer*len(members) > maxValueCountIterations {
			return 0, nil, fmt.Errorf("value count over %d members iterates %d times, counting the value counts it is nested in, more than the %d Azure Policy allows: %w",
				len(members), outer*len(members), maxValueCountIterations, expr.ErrLimit)
		}
		if n.where != nil {
			saved := c.iterations
			c.iterations = outer * len(members)
			defer func() { c.iterations = saved }()
		}
	}
	if n.where == nil {
		if collect {
			return len(members), members, nil
		}
		return len(members), nil, nil
	}
	k := 0
	var matched []any
	c.scopes = append(c.scopes, runScope{compileScope: n.scope})
	defer func() { c.scopes = c.scopes[:len(c.scopes)-1] }()
	for _, m := range members {
		c.scopes[len(c.scopes)-1].elem = m
		ok, err := n.where.eval(c)
		if err != nil {
			return 0, nil, err
		}
		if ok {
			k++
			if collect {
				matched = append(matched, m)
			}
		}
	}
	return k, matched, nil
}

// memberLabels names counted members for a reader: by their "name" when
// they are objects that have one (subnets, security rules), else by value;
// at most five, then how many more.
func memberLabels(ms []any) string {
	const most = 5
	var parts []string
	for i, m := range ms {
		if i == most {
			parts = append(parts, fmt.Sprintf("and %d more", len(ms)-most))
			break
		}
		if o, ok := m.(map[string]any); ok {
			if name, ok := getCI(o, "name").(string); ok {
				parts = append(parts, "'"+name+"'")
				continue
			}
		}
		parts = append(parts, fmtVal(m))
	}
	return strings.Join(parts, ", ")
}

func sortStrings(s []string) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}
