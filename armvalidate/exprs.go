package armvalidate

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/aizone/aizone/policy/expr"
)

// walkStrings calls fn for every string in v, object keys included (keys
// such as identity.userAssignedIdentities' are expressions too).
func walkStrings(v any, path string, fn func(s, path string)) {
	switch x := v.(type) {
	case string:
		fn(x, path)
	case map[string]any:
		for _, k := range expr.SortedKeys(x) {
			p := join(path, k)
			fn(k, p)
			walkStrings(x[k], p, fn)
		}
	case []any:
		for i, m := range x {
			walkStrings(m, index(path, i), fn)
		}
	}
}

// resourceFields calls fn for each member of a resource that belongs to
// it: not the child resources declared inside it, and not a nested
// deployment's inline template, which are checked as their own.
func resourceFields(r *resource, fn func(key string, v any, path string)) {
	for _, k := range expr.SortedKeys(r.raw) {
		v := r.raw[k]
		if strings.EqualFold(k, "resources") {
			if _, ok := v.([]any); ok {
				continue
			}
		}
		if strings.EqualFold(k, "properties") && strings.EqualFold(r.typ, "Microsoft.Resources/deployments") {
			if props, ok := v.(map[string]any); ok {
				if _, inline := field(props, "template").(map[string]any); inline {
					rest := make(map[string]any, len(props))
					for pk, pv := range props {
						if !strings.EqualFold(pk, "template") {
							rest[pk] = pv
						}
					}
					v = rest
				}
			}
		}
		fn(k, v, join(r.path, k))
	}
}

// site is where an expression stands.
type site struct {
	t            *template
	allowNondet  bool // a parameter's defaultValue: newGuid() and utcNow() are allowed
	inFunctions  bool // a user-defined function: parameters() are the function's own
	roleAssignee bool // a role assignment's name: role-assignment-name reports it
}

// checkExpressions parses every expression of a template scope and checks
// the parameters and variables it names, the functions it calls and the
// resource groups its resource ids name.
func (v *validator) checkExpressions(t *template) {
	for _, key := range expr.SortedKeys(t.raw) {
		val := t.raw[key]
		path := join(t.path, key)
		s := site{t: t}
		switch strings.ToLower(key) {
		case "resources", "$schema", "contentversion", "metadata", "languageversion", "apiprofile", "definitions":
			continue
		case "parameters", "variables":
			if t.outer {
				continue // ARM ignores them: the parent's are used
			}
			if strings.EqualFold(key, "parameters") {
				v.parameterSection(s, val, path)
				continue
			}
		case "functions":
			s.inFunctions = true
		}
		walkStrings(val, path, func(str, p string) { v.expression(s, str, p) })
	}
	for _, r := range t.resources {
		ra := isRoleAssignment(r.typ)
		resourceFields(r, func(key string, val any, path string) {
			s := site{t: t, roleAssignee: ra && strings.EqualFold(key, "name")}
			walkStrings(val, path, func(str, p string) { v.expression(s, str, p) })
		})
	}
}

// parameterSection checks parameter declarations; only defaultValue may
// call newGuid() and utcNow(), and descriptions are not expressions.
func (v *validator) parameterSection(s site, val any, path string) {
	ps, ok := val.(map[string]any)
	if !ok {
		return
	}
	for _, name := range expr.SortedKeys(ps) {
		pm, ok := ps[name].(map[string]any)
		if !ok {
			continue
		}
		for _, k := range expr.SortedKeys(pm) {
			if strings.EqualFold(k, "metadata") {
				continue
			}
			ds := s
			ds.allowNondet = strings.EqualFold(k, "defaultValue")
			walkStrings(pm[k], join(join(path, name), k), func(str, p string) { v.expression(ds, str, p) })
		}
	}
}

// expression checks one template string.
func (v *validator) expression(s site, str, path string) {
	if !expr.IsExpression(str) {
		return
	}
	n, err := parseExpr(str)
	if err != nil {
		msg := err.Error()
		var se *expr.SyntaxError
		if errors.As(err, &se) {
			msg = fmt.Sprintf("%s at offset %d", se.Msg, se.Pos)
		}
		v.add(RuleExpressionParse, path,
			fmt.Sprintf("%s is not a valid template expression: %s", quote(str), msg),
			"correct the syntax (functions called as name(arg, ...), strings in single quotes with '' for a quote, balanced parentheses); a literal string that starts with '[' is written '[['")
		return
	}
	expr.Walk(n, func(m expr.Node) {
		c, ok := m.(*expr.Call)
		if !ok {
			return
		}
		switch c.Name {
		case "parameters", "variables":
			if !s.inFunctions {
				v.declared(s, c, path)
			}
		case "newguid", "utcnow":
			if !s.allowNondet && !s.roleAssignee {
				v.add(RuleNondeterministic, path,
					fmt.Sprintf("%s() is used outside a parameter's defaultValue; ARM allows it only there and rejects the template", funcName(c.Name)),
					fmt.Sprintf("declare a parameter with \"defaultValue\": \"[%s()]\" and use parameters('<name>') here", funcName(c.Name)))
			}
		case "resourceid":
			v.scope(s, c, path)
		}
	})
}

func funcName(lower string) string {
	if lower == "newguid" {
		return "newGuid"
	}
	return "utcNow"
}

// declared checks that parameters('x') and variables('x') name a
// declaration of the scope the expression is evaluated in.
func (v *validator) declared(s site, c *expr.Call, path string) {
	if len(c.Args) != 1 {
		return
	}
	lit, ok := c.Args[0].(*expr.Lit)
	if !ok {
		return
	}
	name, ok := lit.V.(string)
	if !ok {
		return
	}
	e := s.t.env
	where := "this template"
	if s.t.outer {
		where = "the parent template (this nested deployment evaluates expressions in the outer scope)"
	}
	if c.Name == "parameters" {
		if _, ok := e.params[strings.ToLower(name)]; !ok {
			v.add(RuleParameterUndeclared, path,
				fmt.Sprintf("parameters(%s) names a parameter %s does not declare", quote(name), where),
				fmt.Sprintf("declare %q under parameters%s, or use one of the declared names: %s", name, scopeHint(s.t), names(e.params)))
		}
		return
	}
	if !e.varDeclared(name) {
		v.add(RuleVariableUndeclared, path,
			fmt.Sprintf("variables(%s) names a variable %s does not declare", quote(name), where),
			fmt.Sprintf("declare %q under variables%s, or use one of the declared names: %s", name, scopeHint(s.t), names(e.vars)))
	}
}

func scopeHint(t *template) string {
	if t.outer {
		return " of the parent template, or set properties.expressionEvaluationOptions.scope to \"inner\" and pass it as a parameter"
	}
	return ""
}

func names[V any](m map[string]V) string {
	if len(m) == 0 {
		return "(none)"
	}
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return strings.Join(out, ", ")
}

func quote(s string) string { return "'" + s + "'" }

// scope checks that a literal resource group in resourceId() is one the
// deployment creates, when the templates create resource groups at all.
func (v *validator) scope(s site, c *expr.Call, path string) {
	if v.rgs == nil || len(c.Args) < 3 {
		return
	}
	e := s.t.env
	ti := -1
	for i, a := range c.Args {
		if strings.Contains(text(e.eval(a, 0)), "/") {
			ti = i
			break
		}
	}
	if ti != 1 && ti != 2 {
		return
	}
	rg, ok := literal(e, c.Args[ti-1])
	if !ok || v.rgs[strings.ToLower(rg)] {
		return
	}
	v.add(RuleScopeUnknown, path,
		fmt.Sprintf("resourceId names resource group %q, which no template of this deployment declares (declared: %s); the resource cannot exist there", rg, names(v.rgs)),
		"name a resource group the deployment declares (best through the same parameter or variable the Microsoft.Resources/resourceGroups resource uses), or declare that group")
}

// literal returns the value of a literal argument: a string, or a variable
// whose value is a plain string. Parameters may be anything at deployment.
func literal(e *env, n expr.Node) (string, bool) {
	switch x := n.(type) {
	case *expr.Lit:
		s, ok := x.V.(string)
		return s, ok
	case *expr.Call:
		if x.Name != "variables" || len(x.Args) != 1 {
			return "", false
		}
		lit, ok := x.Args[0].(*expr.Lit)
		if !ok {
			return "", false
		}
		name, _ := lit.V.(string)
		raw, ok := e.vars[strings.ToLower(name)].(string)
		if !ok || expr.IsExpression(raw) {
			return "", false
		}
		return expr.Unescape(raw), true
	}
	return "", false
}

// declaredGroups collects the resource groups the templates declare:
// Microsoft.Resources/resourceGroups resources and the resourceGroup of
// nested deployments. It returns nil when there are none (the template
// deploys into groups that exist already) or when one is not known.
func declaredGroups(root *template) map[string]bool {
	rgs := map[string]bool{}
	ok := true
	var walk func(t *template)
	walk = func(t *template) {
		for _, r := range t.resources {
			name := ""
			switch {
			case strings.EqualFold(r.typ, "Microsoft.Resources/resourceGroups"):
				name = r.name
			case strings.EqualFold(r.typ, "Microsoft.Resources/deployments"):
				if _, has := lookup(r.raw, "resourceGroup"); has {
					name = r.rg
				}
			}
			if name == "" {
				continue
			}
			if !known(name) {
				ok = false
			}
			rgs[strings.ToLower(name)] = true
		}
		for _, n := range t.nested {
			walk(n)
		}
	}
	walk(root)
	if !ok || len(rgs) == 0 {
		return nil
	}
	return rgs
}
