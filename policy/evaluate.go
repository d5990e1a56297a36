package policy

import (
	"context"
	"fmt"
	"strings"
	"sync"
)

// Evaluate binds params to the compiled definition and evaluates it against
// one resource. Callers evaluating many resources should Bind once and call
// (*Bound).Evaluate.
func Evaluate(ctx context.Context, cp *Compiled, params map[string]any, res *Resource, env *Env) Result {
	b, err := cp.Bind(params)
	if err != nil {
		return Result{
			ResourceID: res.id, ResourceType: res.typ, DefinitionID: cp.Def.ID,
			State: Failed, Error: err.Error(), Reasons: []string{err.Error()}, Enforced: true,
		}
	}
	return b.Evaluate(ctx, res, env)
}

// ForAssignment returns a copy of b that reports results for assignment a:
// its id, scope, notScopes and enforcement mode apply.
func (b *Bound) ForAssignment(a *Assignment) *Bound {
	cp := *b
	cp.assignment = a
	// A management-group scope contains every resource evaluated under it
	// (the caller decides which resources sit below the group); decide
	// that once rather than for every resource.
	cp.scopeAll = a != nil && (a.Scope == "" || isGroupScope(a.Scope))
	cp.memoID, cp.enforced = int(memoIDs.Add(1)), a.Enforced()
	return &cp
}

// Evaluate evaluates the bound definition against res. env may be nil.
func (b *Bound) Evaluate(ctx context.Context, res *Resource, env *Env) Result {
	return b.evaluate(ctx, res, env, nil)
}

func (b *Bound) evaluate(ctx context.Context, res *Resource, env *Env, m *Memo) Result {
	var r Result
	b.evaluateInto(ctx, res, env, m, &r)
	return r
}

// evaluateInto is evaluate writing its result into r: an audit reuses one
// rather than copying a result out for every rule and resource.
func (b *Bound) evaluateInto(ctx context.Context, res *Resource, env *Env, m *Memo, r *Result) {
	if env == nil {
		env = &Env{}
	}
	cp := b.cp
	// idFree: nothing before the "if" reads the resource's id. Every
	// outcome below marked reusable for m is a function of the rule,
	// the resource's type, indexed and exempt flags, and the rule's memo
	// key (see Memo.Resource).
	idFree := b.assignment == nil || (b.scopeAll && len(b.assignment.NotScopes) == 0)
	reuse := func(ok bool) {
		if m != nil {
			m.reusable = ok && idFree
		}
	}
	reuse(false)
	*r = Result{
		ResourceID:      res.id,
		ResourceType:    res.typ,
		DefinitionID:    b.defID,
		ReferenceID:     b.refID,
		Enforced:        b.enforced,
		FallbackAliases: b.fallbacks,
		Compliant:       true,
	}
	if b.assignment != nil {
		r.AssignmentID = b.assignment.ID
		if !b.scopeAll && !inScope(res.id, b.assignment.Scope) {
			r.State = NotApplicable
			if !env.Brief { // boxing the arguments costs even when because ignores them
				r.Reasons = env.because("outside the assignment scope %s", b.assignment.Scope)
			}
			return
		}
		for _, ns := range b.assignment.NotScopes {
			if inScope(res.id, ns) {
				r.State = NotApplicable
				if !env.Brief {
					r.Reasons = env.because("excluded by notScopes entry %s", ns)
				}
				return
			}
		}
	}
	if res.exempt {
		reuse(true)
		r.State = NotApplicable
		if !env.Brief {
			r.Reasons = env.because("Azure Policy does not evaluate resources of type %s", res.typ)
		}
		return
	}
	if b.provider {
		reuse(true)
		r.State = Skipped
		if !env.Brief {
			r.Reasons = env.because("mode %s is evaluated by the resource provider inside Azure, not by an offline engine", cp.mode)
		}
		return
	}
	if b.effect == "disabled" {
		reuse(true)
		r.State = NotApplicable
		r.Effect = "disabled"
		r.Reasons = []string{"effect is disabled"}
		return
	}
	if b.indexedOnly && !res.indexed {
		reuse(true)
		r.State = NotApplicable
		if !env.Brief {
			r.Reasons = env.because("mode Indexed evaluates only resource types that support tags and location, which %s does not", res.typ)
		}
		return
	}
	if env.Brief && b.excludes(res) {
		// The rule's leading type condition fails: compliant, and with no
		// explanation asked for there is nothing more to do.
		reuse(true)
		r.State = Compliant
		return
	}
	var c *evalCtx
	if m != nil {
		// The worker's own context stays in its cache, unlike one from
		// the pool. A Memo serves one goroutine, and nothing evaluated
		// here evaluates another rule through it.
		c = &m.ctx
	} else {
		c = ctxPool.Get().(*evalCtx)
		defer ctxPool.Put(c)
	}
	*c = evalCtx{ctx: ctx, b: b, res: res, primary: res, env: env, scopes: c.scopes[:0]}
	matched, reasons, err := b.decideMemo(c, m)
	covered := m != nil && m.covered
	if err != nil {
		reuse(covered)
		*r = failed(*r, b.effect, err)
		return
	}
	r.Reasons = reasons
	if !matched {
		reuse(covered)
		r.State = Compliant
		return
	}
	r.Effect = b.effect
	switch b.effect {
	case "deny", "audit":
		reuse(covered)
		r.State = NonCompliant
		r.Compliant = false
	case "append":
		ops, err := b.appendOps(c)
		if err != nil {
			*r = failed(*r, b.effect, err)
			return
		}
		r.Operations = ops
		r.State = NonCompliant
		r.Compliant = false
	case "modify":
		ops, err := b.modifyOps(c)
		if err != nil {
			*r = failed(*r, b.effect, err)
			return
		}
		r.Operations = ops
		r.State = NonCompliant
		r.Compliant = false
		if len(ops) == 0 {
			r.State = Compliant
			r.Compliant = true
			r.Reasons = append(r.Reasons, "no modify operation applies (every operation's condition is false)")
		}
		// Operations that read nothing of the resource are the same for
		// every resource the decision is.
		reuse(covered && b.opsFixed)
	case "auditIfNotExists", "deployIfNotExists":
		self := m != nil && b.findsItself(env, res.typLower)
		if self {
			c.existTrack = b.existDeps
		}
		*r = b.ifNotExists(c, *r)
		// A lookup that finds nothing, whatever the resource, gives a
		// result that is a function of the decision and of the rule: its
		// explanation names the related type and, when the caller asks
		// for explanations, the name, which must then be fixed too.
		// One that finds the resource alone, checked by a condition that
		// read nothing outside what the memo of whole resources keys
		// (the group's key adds existDeps), is a function of that key.
		reuse(covered && (b.findsNothing(env, res.typLower) && (env.NoReasons || b.nameFixed) || self && !c.existUncovered))
		return
	case "denyAction", "auditAction":
		// denyAction blocks deletes; it does not make a resource
		// non-compliant.
		r.State = Compliant
		names, _ := c.get(detailsField(cp.details, func(d *details) *valueSrc { return d.actionNames }))
		r.Reasons = append(r.Reasons, fmt.Sprintf("actions %s would be denied", fmtVal(names)))
	case "manual":
		state := "Unknown"
		if v, err := c.get(detailsField(cp.details, func(d *details) *valueSrc { return d.defaultState })); err == nil && v != nil {
			state, _ = v.(string)
		}
		switch strings.ToLower(state) {
		case "compliant":
			r.State = Compliant
		case "noncompliant":
			r.State, r.Compliant = NonCompliant, false
		default:
			r.State, r.Compliant = Unknown, false
			r.Reasons = append(r.Reasons, "manual effect: compliance must be attested")
		}
	default:
		reuse(covered)
		r.State = NonCompliant
		r.Compliant = false
	}
	if !r.Enforced && !r.Compliant && !env.NoReasons {
		r.Reasons = append(r.Reasons, "enforcement mode DoNotEnforce: reported only, not enforced")
	}
}

// ctxPool recycles evaluation contexts: one is needed per resource and
// definition, and nothing keeps it once Evaluate returns.
var ctxPool = sync.Pool{New: func() any { return new(evalCtx) }}

func failed(r Result, effect string, err error) Result {
	r.State = Failed
	r.Compliant = false
	r.Effect = effect
	r.Error = err.Error()
	r.Reasons = append(r.Reasons, "evaluation failed: "+err.Error())
	return r
}

func prefix(p string, rs []string) []string {
	out := make([]string, len(rs))
	for i, s := range rs {
		out[i] = p + s
	}
	return out
}

func detailsField(d *details, f func(*details) *valueSrc) *valueSrc {
	if d == nil {
		return nil
	}
	return f(d)
}

// inScope reports whether id is scope or below it. Management group scopes
// cannot be checked without the hierarchy and are taken to contain
// everything.
func inScope(id, scope string) bool {
	// Called for every resource and assignment: compare without allocating.
	s := strings.TrimRight(scope, "/")
	if isGroupScope(s) {
		return true
	}
	if len(id) < len(s) || !strings.EqualFold(id[:len(s)], s) {
		return false
	}
	return len(id) == len(s) || id[len(s)] == '/'
}

// isGroupScope reports a management-group scope.
func isGroupScope(s string) bool {
	return containsFold(s, "/providers/microsoft.management/managementgroups/") && !containsFold(s, "/subscriptions/")
}

// containsFold reports whether sub (lower case) occurs in s, ignoring case.
func containsFold(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if strings.EqualFold(s[i:i+len(sub)], sub) {
			return true
		}
	}
	return false
}

func (b *Bound) appendOps(c *evalCtx) ([]Operation, error) {
	d := b.cp.details
	if d == nil {
		return nil, nil
	}
	var ops []Operation
	for _, a := range d.appends {
		f, err := c.get(a.field)
		if err != nil {
			return nil, err
		}
		v, err := c.get(a.value)
		if err != nil {
			return nil, err
		}
		ops = append(ops, Operation{Operation: "append", Field: fmt.Sprint(f), Value: v})
	}
	return ops, nil
}

func (b *Bound) modifyOps(c *evalCtx) ([]Operation, error) {
	d := b.cp.details
	if d == nil {
		return nil, nil
	}
	var ops []Operation
	for _, o := range d.operations {
		if o.condition != nil {
			cv, err := c.get(o.condition)
			if err != nil {
				return nil, err
			}
			ok, err := toBool(cv)
			if err != nil {
				return nil, fmt.Errorf("modify condition: %w", err)
			}
			if !ok {
				continue
			}
		}
		name, err := c.get(o.operation)
		if err != nil {
			return nil, err
		}
		f, err := c.get(o.field)
		if err != nil {
			return nil, err
		}
		v, err := c.get(o.value)
		if err != nil {
			return nil, err
		}
		ops = append(ops, Operation{Operation: fmt.Sprint(name), Field: fmt.Sprint(f), Value: v})
	}
	return ops, nil
}

// ifNotExists looks for related resources of details.type and checks the
// existence condition on each. Related resources are found as Azure does:
// below the evaluated resource when details.type is a child or extension
// type of it, otherwise in the same resource group (existenceScope
// ResourceGroup, the default, or details.resourceGroupName) or subscription.
func (b *Bound) ifNotExists(c *evalCtx, r Result) Result {
	d := b.cp.details
	if d == nil || d.typ == nil {
		return failed(r, b.effect, fmt.Errorf("%s needs details.type", b.effect))
	}
	tv, err := c.get(d.typ)
	if err != nil {
		return failed(r, b.effect, err)
	}
	typ, _ := tv.(string)
	name := ""
	if d.name != nil {
		nv, err := c.get(d.name)
		if err != nil {
			return failed(r, b.effect, err)
		}
		name, _ = nv.(string)
	}
	scope := "resourcegroup"
	if d.existenceScope != nil {
		sv, err := c.get(d.existenceScope)
		if err != nil {
			return failed(r, b.effect, err)
		}
		if s, ok := sv.(string); ok {
			scope = strings.ToLower(s)
		}
	}
	rgName := c.res.rg
	if d.resourceGroupName != nil {
		gv, err := c.get(d.resourceGroupName)
		if err != nil {
			return failed(r, b.effect, err)
		}
		if s, ok := gv.(string); ok && s != "" {
			rgName = s
		}
	}
	res := c.res
	rs := c.env.Resources
	typLower := b.relTypeLower
	if typ != b.relType || typ == "" {
		typLower = strings.ToLower(typ)
	}
	var candidates []*Resource
	if rs != nil {
		// Child and extension types are looked for below the evaluated
		// resource; other types in its resource group or subscription.
		below := isExtensionType(typLower) || len(typLower) > len(res.typLower) && typLower[len(res.typLower)] == '/' && strings.HasPrefix(typLower, res.typLower)
		nested := rs.below[[2]string{typLower, res.idLower}]
		if below || len(nested) > 0 {
			candidates = nested
		} else {
			key := scopeKey{typ: typLower, sub: res.subLower, wholeSub: scope == "subscription"}
			if !key.wholeSub {
				key.rg = res.rgLower
				if rgName != res.rg {
					key.rg = strings.ToLower(rgName)
				}
			}
			// A named related resource is looked up by its (last) name
			// rather than by scanning every resource of the type;
			// nameMatches below still checks any parent segments.
			if last := name[strings.LastIndexByte(name, '/')+1:]; name != "" && last != "?" {
				key.name = strings.ToLower(last)
			}
			candidates = rs.byScope[key]
		}
	}
	// A rule whose related resource is the evaluated resource itself
	// (details.type its own type) finds it even when the caller did not
	// index it: an audit streams such resources rather than holding them.
	if typLower == res.typLower && (rs == nil || rs.ids[res.idLower] == nil) && (rgName == res.rg || strings.EqualFold(rgName, res.rg)) {
		candidates = append([]*Resource{res}, candidates...)
	}
	var checked []string
	var first *Resource // the first candidate checked, for the reason
	for _, cand := range candidates {
		// The evaluated resource itself is a candidate: when details.type
		// is its own type, Azure requires name to be field('name') and the
		// related resource is the resource.
		if name != "" && !nameMatches(cand, name) {
			continue
		}
		checked = append(checked, cand.id)
		if first == nil {
			first = cand
		}
		if d.existenceCondition == nil {
			r.Related = append(r.Related, cand.id)
			break
		}
		ec := &evalCtx{ctx: c.ctx, b: b, res: cand, primary: res, env: c.env, track: c.existTrack}
		ok, err := d.existenceCondition.eval(ec)
		c.existUncovered = c.existUncovered || ec.uncovered
		if err != nil {
			return failed(r, b.effect, fmt.Errorf("existenceCondition on %s: %w", cand.id, err))
		}
		if ok {
			r.Related = append(r.Related, cand.id)
			break
		}
	}
	if c.env.NoReasons {
		// The caller counts results: formatting what was looked for and
		// found costs more than the lookup, for a text nobody reads.
		if len(r.Related) > 0 {
			r.State, r.Compliant, r.Effect = Compliant, true, ""
		} else {
			r.State, r.Compliant = NonCompliant, false
		}
		return r
	}
	what := typ
	if name != "" {
		what += " named " + fmtVal(name)
	}
	if len(r.Related) > 0 {
		r.State = Compliant
		r.Compliant = true
		r.Effect = ""
		r.Reasons = append(r.Reasons, fmt.Sprintf("related %s exists and satisfies the existence condition: %s", what, r.Related[0]))
		return r
	}
	r.State = NonCompliant
	r.Compliant = false
	switch {
	case len(checked) == 0:
		r.Reasons = append(r.Reasons, fmt.Sprintf("no related %s found", what))
	default:
		ec := &evalCtx{ctx: c.ctx, b: b, res: first, primary: res, env: c.env, miss: true}
		_, why, _ := d.existenceCondition.why(ec, false)
		r.Reasons = append(r.Reasons, fmt.Sprintf("%d related %s found, none satisfies the existence condition", len(checked), what))
		r.Reasons = append(r.Reasons, prefix(checked[0]+": ", why)...)
	}
	if !r.Enforced {
		r.Reasons = append(r.Reasons, "enforcement mode DoNotEnforce: reported only, not enforced")
	}
	return r
}

// nameMatches compares details.name with a candidate's name, or with its
// full name when details.name has parent segments ("server/db"); a "?"
// segment matches any name, which is how a policy asks for every child of
// one parent ("[concat(field('name'), '/?')]"). Segments are compared from
// the end: a child's full name may include more parents than the policy
// spells out. It runs for every candidate, so it does not allocate.
func nameMatches(r *Resource, name string) bool {
	if strings.IndexByte(name, '/') < 0 {
		return name == "?" || strings.EqualFold(r.name, name)
	}
	got := r.fullName
	for {
		wi := strings.LastIndexByte(name, '/')
		gi := strings.LastIndexByte(got, '/')
		w, g := name[wi+1:], got[gi+1:]
		if w != "?" && !strings.EqualFold(w, g) {
			return false
		}
		if wi < 0 {
			return true
		}
		if gi < 0 {
			return false // the policy names more parents than there are
		}
		name, got = name[:wi], got[:gi]
	}
}

// isExtensionType names the resource types that exist only as extensions
// of another resource, so that related-resource lookups search below the
// evaluated resource even when the resource set holds none of them yet.
func isExtensionType(typLower string) bool {
	switch typLower {
	case "microsoft.insights/diagnosticsettings",
		"microsoft.guestconfiguration/guestconfigurationassignments",
		"microsoft.security/assessments",
		"microsoft.security/advancedthreatprotectionsettings",
		"microsoft.authorization/locks",
		"microsoft.authorization/roleassignments",
		"microsoft.maintenance/configurationassignments",
		"microsoft.insights/datacollectionruleassociations",
		"microsoft.security/defenderforstoragesettings":
		return true
	}
	return false
}
