package policy

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/aizone/aizone/policy/expr"
)

// CompiledSet is a policy set definition whose member parameter expressions
// are parsed and whose members are compiled.
type CompiledSet struct {
	Set     *SetDefinition
	members []setMember
}

type setMember struct {
	SetMember
	cp     *Compiled
	params map[string]*valueSrc
}

// Resolver finds a compiled definition by id (case-insensitive, usually the
// last segment matters: built-ins are "/providers/Microsoft.Authorization/
// policyDefinitions/<guid>").
type Resolver func(id string) (*Compiled, error)

// Check parses every expression in the set's member parameters without
// resolving the members: enough to know the set itself is well formed.
func (s *SetDefinition) Check() error {
	_, err := compileSetParams(s)
	return withFile(s.File, withSource(s.src, err))
}

func compileSetParams(s *SetDefinition) ([]map[string]*valueSrc, error) {
	c := &compiler{}
	out := make([]map[string]*valueSrc, len(s.Members))
	for i, m := range s.Members {
		c.funcs = 0 // a member's parameters are a rule's worth of functions
		out[i] = map[string]*valueSrc{}
		for _, k := range sortedKeys(m.Parameters) {
			v, err := c.tree(m.Parameters[k], m.path+".parameters."+k+".value", false)
			if err != nil {
				return nil, err
			}
			if v.tmpl == nil {
				// A single expression string is compiled as such; a tree
				// without expressions stays literal.
				if str, ok := m.Parameters[k].(string); ok && expr.IsExpression(str) {
					if v, err = c.value(str, m.path+".parameters."+k+".value"); err != nil {
						return nil, err
					}
				}
			}
			out[i][k] = v
		}
		for _, n := range referencedParams(m.Parameters) {
			if _, ok := s.Parameters[strings.ToLower(n)]; !ok {
				return nil, errAt(m.path+".parameters", "refers to parameter %q, which the set does not define", n)
			}
		}
	}
	return out, nil
}

// referencedParams lists the names passed to parameters('...') with a
// literal argument anywhere in v.
func referencedParams(v any) []string {
	var out []string
	var visit func(v any)
	visit = func(v any) {
		switch x := v.(type) {
		case string:
			if expr.IsExpression(x) {
				if n, err := expr.Parse(x); err == nil {
					expr.Walk(n, func(m expr.Node) {
						if c, ok := m.(*expr.Call); ok && c.Name == "parameters" && len(c.Args) == 1 {
							if l, ok := c.Args[0].(*expr.Lit); ok {
								if s, ok := l.V.(string); ok {
									out = append(out, s)
								}
							}
						}
					})
				}
			}
		case []any:
			for _, el := range x {
				visit(el)
			}
		case map[string]any:
			for _, el := range x {
				visit(el)
			}
		}
	}
	visit(v)
	return out
}

// CompileSet compiles a set, resolving each member with resolve.
func CompileSet(s *SetDefinition, resolve Resolver) (*CompiledSet, error) {
	params, err := compileSetParams(s)
	if err != nil {
		return nil, withFile(s.File, withSource(s.src, err))
	}
	cs := &CompiledSet{Set: s}
	for i, m := range s.Members {
		cp, err := resolve(m.DefinitionID)
		if err != nil {
			return nil, withFile(s.File, withSource(s.src, &Error{Path: m.path + ".policyDefinitionId", Err: fmt.Errorf("%s: %w", m.DefinitionID, err)}))
		}
		cs.members = append(cs.members, setMember{SetMember: m, cp: cp, params: params[i]})
	}
	return cs, nil
}

// BoundSet is a compiled set with its parameter values.
type BoundSet struct {
	Set     *CompiledSet
	members []*Bound
}

// Bind evaluates the members' parameter expressions with the set's
// parameter values and binds each member.
func (cs *CompiledSet) Bind(params map[string]any) (*BoundSet, error) {
	// Evaluate the set's own parameters like a definition's.
	setDef := &Definition{ID: cs.Set.ID, Name: cs.Set.Name, Parameters: cs.Set.Parameters}
	holder := &Compiled{Def: setDef}
	sb := &Bound{cp: holder, params: map[string]any{}}
	given := map[string]any{}
	for k, v := range params {
		given[strings.ToLower(k)] = v
	}
	for _, k := range sortedKeys(given) {
		if _, ok := cs.Set.Parameters[k]; !ok {
			return nil, fmt.Errorf("parameter %q is not defined by set %s", k, cs.Set.Name)
		}
	}
	for _, k := range sortedKeysP(cs.Set.Parameters) {
		p := cs.Set.Parameters[k]
		v, ok := given[k]
		if !ok {
			if !p.HasDefault {
				return nil, fmt.Errorf("set parameter %q: no value and no default", p.Name)
			}
			v = p.DefaultValue
		}
		if err := checkParam(p, v); err != nil {
			return nil, fmt.Errorf("set %w", err)
		}
		sb.params[k] = v
	}
	ctx := &evalCtx{b: sb}
	bs := &BoundSet{Set: cs}
	for _, m := range cs.members {
		mp := map[string]any{}
		for k, src := range m.params {
			v, err := ctx.get(src)
			if err != nil {
				return nil, fmt.Errorf("member %s parameter %q: %w", m.ReferenceID, k, err)
			}
			mp[k] = v
		}
		b, err := m.cp.Bind(mp)
		if err != nil {
			return nil, cs.memberError(m, err)
		}
		b.setID = cs.Set.ID
		b.refID = m.ReferenceID
		bs.members = append(bs.members, b)
	}
	return bs, nil
}

// memberError explains why member m does not bind. When the set pins a
// version of the definition other than the one at hand (a corpus holds
// only the newest version of each built-in), the parameters the two
// versions declare may differ, and the message says so.
func (cs *CompiledSet) memberError(m setMember, err error) error {
	pinned, available := m.DefinitionVersion, m.cp.Def.Version
	if pinned == "" || versionMatches(pinned, available) {
		return fmt.Errorf("member %s: %w", m.ReferenceID, err)
	}
	if available == "" {
		available = "(unversioned)"
	}
	head := fmt.Sprintf("set %s pins member %s (policy definition %s) to definitionVersion %s, but the definition available is version %s",
		setName(cs.Set), m.ReferenceID, m.DefinitionID, pinned, available)
	var passed, required []string
	given := map[string]bool{}
	for k := range m.Parameters {
		given[strings.ToLower(k)] = true
		if _, ok := m.cp.Def.Parameters[strings.ToLower(k)]; !ok {
			passed = append(passed, k)
		}
	}
	for _, k := range sortedKeysP(m.cp.Def.Parameters) {
		if p := m.cp.Def.Parameters[k]; !p.HasDefault && !given[k] {
			required = append(required, p.Name)
		}
	}
	sort.Strings(passed)
	var diffs []string
	if len(passed) > 0 {
		diffs = append(diffs, fmt.Sprintf("the set passes %s, which version %s does not declare", strings.Join(passed, ", "), available))
	}
	if len(required) > 0 {
		diffs = append(diffs, fmt.Sprintf("version %s requires %s, which the set does not pass", available, strings.Join(required, ", ")))
	}
	if len(diffs) == 0 {
		return fmt.Errorf("%s: %w", head, err)
	}
	return fmt.Errorf("%s, and their parameters differ: %s (add version %s of the definition to evaluate this member)", head, strings.Join(diffs, "; "), pinned)
}

// setName names a set for messages: its name and display name.
func setName(s *SetDefinition) string {
	switch {
	case s.Name != "" && s.DisplayName != "":
		return fmt.Sprintf("%s (%q)", s.Name, s.DisplayName)
	case s.Name != "":
		return s.Name
	case s.DisplayName != "":
		return fmt.Sprintf("%q", s.DisplayName)
	}
	return s.ID
}

// versionMatches reports whether version satisfies pattern, a
// definitionVersion such as "6.*.*" or "1.2.0": each part is equal or "*".
// A preview or other suffix of version ("7.0.0-preview") is ignored.
func versionMatches(pattern, version string) bool {
	version, _, _ = strings.Cut(version, "-")
	p, v := strings.Split(pattern, "."), strings.Split(version, ".")
	for i, part := range p {
		if part == "*" {
			continue
		}
		if i >= len(v) || !strings.EqualFold(strings.TrimLeft(part, "0"), strings.TrimLeft(v[i], "0")) {
			return false
		}
	}
	return true
}

// Members returns the bound members in the set's order.
func (bs *BoundSet) Members() []*Bound { return bs.members }

// ForAssignment returns a copy reporting results for assignment a.
func (bs *BoundSet) ForAssignment(a *Assignment) *BoundSet {
	out := &BoundSet{Set: bs.Set}
	for _, m := range bs.members {
		out.members = append(out.members, m.ForAssignment(a))
	}
	return out
}

// Evaluate evaluates every member against res, in the set's order.
func (bs *BoundSet) Evaluate(ctx context.Context, res *Resource, env *Env) []Result {
	out := make([]Result, 0, len(bs.members))
	for _, m := range bs.members {
		out = append(out, m.Evaluate(ctx, res, env))
	}
	return out
}
