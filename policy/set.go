package policy

import (
	"context"
	"fmt"
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
			return nil, fmt.Errorf("member %s: %w", m.ReferenceID, err)
		}
		b.setID = cs.Set.ID
		b.refID = m.ReferenceID
		bs.members = append(bs.members, b)
	}
	return bs, nil
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
