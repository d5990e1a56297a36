package armvalidate

import (
	"fmt"
	"strings"

	"github.com/aizone/aizone/policy/expr"
)

// checkDependencies checks the ordering ARM derives from a template scope:
// dependsOn entries must name resources of the same template, and a
// resource that uses another one's id must be ordered after it, by a chain
// of dependsOn entries or through reference()/list*() (implicit
// dependencies). Children declared beside their parent need a dependsOn on
// it too: ARM infers none.
func (v *validator) checkDependencies(t *template) {
	edges := make([][]edge, len(t.resources))
	for i, r := range t.resources {
		deps, _ := field(r.raw, "dependsOn").([]any)
		path := join(r.path, fieldKey(r.raw, "dependsOn"))
		for j, d := range deps {
			s, ok := d.(string)
			if !ok {
				continue
			}
			targets, decided := t.dependsOnTargets(s)
			edges[i] = append(edges[i], targets...)
			if len(targets) == 0 && decided {
				v.add(RuleDependsOnUndeclared, index(path, j),
					fmt.Sprintf("dependsOn entry %s names %s, which this template does not declare; ARM rejects the deployment (the resource is not defined in the template)", quote(s), describe(t.env, s)),
					"depend only on resources declared in the same template; for a resource another nested deployment creates, make the enclosing deployment depend on that deployment (resourceId('Microsoft.Resources/deployments', '<name>')) and remove this entry")
			}
		}
	}
	uses := make([][]use, len(t.resources))
	for i, r := range t.resources {
		if r.existing {
			continue
		}
		implicit, explicit := t.references(r)
		edges[i] = append(edges[i], implicit...)
		uses[i] = explicit
	}
	for i, r := range t.resources {
		reported := map[int]bool{}
		for _, u := range uses[i] {
			d := t.resources[u.target]
			// Two resources on conditions of their own are often alternatives
			// (a new or an existing network): no order is needed between them.
			// A resource the target itself depends on is ordered first on
			// purpose (adding the dependency would make a cycle).
			if u.target == i || reported[u.target] || d.existing || r.condition && d.condition || ancestor(d, r) || ancestor(r, d) || reachable(edges, i, u.target, false) || reachable(edges, u.target, i, true) {
				continue
			}
			reported[u.target] = true
			v.add(RuleReferenceUnordered, u.path,
				fmt.Sprintf("%s refers to %s %s, declared in this template at %s, without a dependsOn path to it; ARM may deploy %s first, and the reference fails", r.path, d.typ, quote(display(d.name)), d.path, r.path),
				fmt.Sprintf("add %q to the dependsOn of %s (or reach it through reference())", dependsOnEntry(d), r.path))
		}
		v.childOrder(t, edges, i)
	}
}

// childOrder reports a child resource that does not depend on its parent
// declared in the same template.
func (v *validator) childOrder(t *template, edges [][]edge, i int) {
	r := t.resources[i]
	types := strings.Split(r.typ, "/")
	names := strings.Split(r.name, "/")
	if r.existing || len(types) < 3 || len(names) != len(types)-1 || strings.Contains(strings.ToLower(r.typ), "/providers/") {
		return
	}
	parent := ref{typ: strings.Join(types[:len(types)-1], "/"), name: strings.Join(names[:len(names)-1], "/"), rg: r.rg}
	for k, d := range t.resources {
		if k == i || d.existing || r.condition && d.condition || strings.Count(d.typ, "/") != len(types)-2 || !prefix(d, parent) {
			continue
		}
		if !reachable(edges, i, k, false) && !reachable(edges, k, i, true) { // a parent ordered after its child is deliberate
			where := "beside its parent"
			if r.nestedChild {
				where = "inside its parent's resources"
			}
			v.add(RuleChildWithoutParent, r.path,
				fmt.Sprintf("child resource %s %s is declared %s but does not depend on its parent %s %s (%s); ARM infers no dependency and may create the child first", r.typ, quote(display(r.name)), where, d.typ, quote(display(d.name)), d.path),
				fmt.Sprintf("add %q to the child's dependsOn", dependsOnEntry(d)))
		}
		return
	}
}

// edge is a dependency on a resource of the template; sure when the entry
// certainly names it, not only may.
type edge struct {
	to   int
	sure bool
}

// dependsOnTargets returns the resources a dependsOn entry may name, and
// whether the entry is known well enough to say that it names none.
func (t *template) dependsOnTargets(entry string) (targets []edge, decided bool) {
	s := t.env.strValue(entry) // an expression that does not parse is unknown; expression-parse reports it
	r, isID := parseRef(s)
	return t.named(s), known(s) || isID && known(r.typ)
}

// named returns the resources a dependsOn entry or reference() argument,
// evaluated, may name: by id, or by name.
func (t *template) named(s string) []edge {
	r, isID := parseRef(s)
	var out []edge
	for k, d := range t.resources {
		level := noMatch
		switch {
		case isID:
			level = matchRef(r, d)
			// "NS/type/name" may also be a plain name with dots and slashes.
			if !strings.HasPrefix(s, "/") && strings.EqualFold(s, d.name) {
				level = sameName
			}
		default:
			level = namedBy(s, d)
		}
		if level > noMatch {
			out = append(out, edge{to: k, sure: level == sameName})
		}
	}
	return out
}

// namedBy says whether a plain dependsOn name names d: its name, the last
// segments of its name (ARM finds a child by them too), its symbolic name
// or its copy loop.
func namedBy(s string, d *resource) int {
	symbol := s
	if base, _, ok := strings.Cut(s, "["); ok && strings.HasSuffix(s, "]") {
		symbol = base // "name[2]" is one member of a symbolic copy loop
	}
	if d.symbol != "" && strings.EqualFold(symbol, d.symbol) || d.copyName != "" && strings.EqualFold(s, d.copyName) {
		return sameName
	}
	best := noMatch
	for _, name := range d.names() {
		best = max(best, matchText(s, name))
		// A computed segment of a suffix is no wildcard, or every child
		// would match.
		full := strings.Split(name, "/")
		for i := 1; i < len(full); i++ {
			if suffix := strings.Join(full[i:], "/"); known(suffix) || strings.EqualFold(s, suffix) {
				best = max(best, matchText(s, suffix))
			}
		}
	}
	return best
}

// matchRef says whether a resource id may name d.
func matchRef(r ref, d *resource) int {
	if r.rg != "" && known(r.rg) && known(d.rg) && !strings.EqualFold(r.rg, d.rg) {
		return noMatch
	}
	best := noMatch
	for _, name := range d.names() {
		best = max(best, min(matchText(r.typ, d.typ), matchText(r.name, name)))
	}
	return best
}

// prefix reports whether d is the resource r names or one of its ancestors
// (a subnet id names its virtual network too), segment by segment.
func prefix(d *resource, r ref) bool {
	if r.rg != "" && known(r.rg) && known(d.rg) && !strings.EqualFold(r.rg, d.rg) {
		return false
	}
	dt, rt := strings.Split(d.typ, "/"), strings.Split(r.typ, "/")
	if len(dt) > len(rt) || !segmentsEqual(dt, rt[:len(dt)]) {
		return false
	}
	rn := strings.Split(r.name, "/")
	for _, name := range d.names() {
		dn := strings.Split(name, "/")
		if len(dn) == len(dt)-1 && len(dn) <= len(rn) && segmentsEqual(dn, rn[:len(dn)]) {
			return true
		}
	}
	return false
}

func segmentsEqual(a, b []string) bool {
	for i := range a {
		if !strings.EqualFold(a[i], b[i]) {
			return false
		}
	}
	return true
}

// ancestor reports whether d is r or one of its parents.
func ancestor(d, r *resource) bool { return prefix(d, ref{typ: r.typ, name: r.name, rg: r.rg}) }

// reachable reports whether a chain of dependencies leads from one resource
// to another; with sure, only through dependencies certainly named.
func reachable(edges [][]edge, from, to int, sure bool) bool {
	seen := map[int]bool{from: true}
	stack := []int{from}
	for len(stack) > 0 {
		k := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		for _, e := range edges[k] {
			if sure && !e.sure {
				continue
			}
			if e.to == to {
				return true
			}
			if !seen[e.to] {
				seen[e.to] = true
				stack = append(stack, e.to)
			}
		}
	}
	return false
}

// use is a resource id, outside reference() and list*(), that names a
// resource of the same template.
type use struct {
	path   string
	target int
}

// references finds what a resource's definition uses of other resources of
// its template: the implicit dependencies reference() and list*() make, and
// the ids it uses otherwise, following variables (only the member used).
func (t *template) references(r *resource) (implicit []edge, explicit []use) {
	seen := map[string]bool{}
	var scan func(n expr.Node, path string, inImplicit bool)
	scanValue := func(v any, path string) {
		walkStrings(v, path, func(s, _ string) {
			if !expr.IsExpression(s) {
				return
			}
			if m, err := parseExpr(s); err == nil {
				scan(m, path, false)
			}
		})
	}
	scan = func(n expr.Node, path string, inImplicit bool) {
		switch x := n.(type) {
		case *expr.Prop, *expr.Index:
			root, sel, indexes := accessChain(n)
			for _, i := range indexes {
				scan(i, path, inImplicit)
			}
			if name, ok := variableName(root); ok && !inImplicit {
				key := strings.ToLower(name) + fmt.Sprint(sel)
				if raw, ok := t.env.vars[strings.ToLower(name)]; ok && !seen[key] {
					seen[key] = true
					scanValue(selectMember(raw, sel), path)
				}
				return
			}
			scan(root, path, inImplicit)
		case *expr.Call:
			switch {
			case x.Name == "reference" || strings.HasPrefix(x.Name, "list"):
				if len(x.Args) > 0 {
					implicit = append(implicit, t.dependsOnTargetsOf(x.Args[0])...)
				}
				inImplicit = true
			case inImplicit:
			case x.Name == "resourceid" || x.Name == "subscriptionresourceid" || x.Name == "extensionresourceid" || x.Name == "tenantresourceid":
				if k, ok := t.target(text(t.env.eval(x, 0))); ok {
					explicit = append(explicit, use{path: path, target: k})
				}
			case x.Name == "variables":
				if name, ok := variableName(x); ok {
					key := strings.ToLower(name)
					if raw, ok := t.env.vars[key]; ok && !seen[key] {
						seen[key] = true
						scanValue(raw, path)
					}
				}
			}
			for _, a := range x.Args {
				scan(a, path, inImplicit)
			}
		}
	}
	resourceFields(r, func(key string, val any, path string) {
		switch strings.ToLower(key) {
		case "dependson", "name", "type", "apiversion", "copy", "condition", "comments", "existing", "location", "tags":
			return // not sent to the resource provider, or not checked by it (tags)
		case "scope":
			// An extension resource's scope is a resource it needs.
			if s, ok := val.(string); ok {
				if k, ok := t.target(t.env.strValue(s)); ok {
					explicit = append(explicit, use{path: path, target: k})
				}
			}
			return
		}
		walkStrings(val, path, func(s, p string) {
			if !expr.IsExpression(s) {
				return
			}
			if n, err := parseExpr(s); err == nil {
				scan(n, p, false)
			}
		})
	})
	return implicit, explicit
}

// accessChain splits x.a[0].b into its root x, the literal selectors
// ("a", 0, "b"; nil where an index is computed) and the index expressions.
func accessChain(n expr.Node) (root expr.Node, sel []any, indexes []expr.Node) {
	for {
		switch x := n.(type) {
		case *expr.Prop:
			sel = append([]any{x.Name}, sel...)
			n = x.X
		case *expr.Index:
			var s any
			if lit, ok := x.I.(*expr.Lit); ok {
				s = lit.V
			}
			sel = append([]any{s}, sel...)
			indexes = append(indexes, x.I)
			n = x.X
		default:
			return n, sel, indexes
		}
	}
}

// selectMember follows literal selectors into a raw JSON value, as far as
// they go.
func selectMember(v any, sel []any) any {
	for _, s := range sel {
		switch k := s.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				return v
			}
			next, ok := lookup(m, k)
			if !ok {
				return nil
			}
			v = next
		case float64:
			a, ok := v.([]any)
			if !ok || k < 0 || int(k) >= len(a) {
				return v
			}
			v = a[int(k)]
		default:
			return v
		}
	}
	return v
}

// variableName returns x of variables('x').
func variableName(n expr.Node) (string, bool) {
	c, ok := n.(*expr.Call)
	if !ok || c.Name != "variables" || len(c.Args) != 1 {
		return "", false
	}
	lit, ok := c.Args[0].(*expr.Lit)
	if !ok {
		return "", false
	}
	name, ok := lit.V.(string)
	return name, ok
}

// dependsOnTargetsOf is dependsOnTargets for the argument of reference().
func (t *template) dependsOnTargetsOf(n expr.Node) []edge {
	return t.named(text(t.env.eval(n, 0)))
}

// target returns the declared resource an id certainly names: the resource
// itself or, for an id below it (a subnet of a declared virtual network),
// its nearest declared ancestor.
func (t *template) target(id string) (int, bool) {
	r, ok := parseRef(id)
	if !ok {
		return 0, false
	}
	best, depth := -1, 0
	for k, d := range t.resources {
		if n := strings.Count(d.typ, "/"); n > depth && prefix(d, r) {
			best, depth = k, n
		}
	}
	return best, best >= 0
}

// describe says what a dependsOn entry names, for messages.
func describe(e *env, entry string) string {
	s := e.strValue(entry)
	if r, ok := parseRef(s); ok {
		where := ""
		if r.rg != "" && known(r.rg) {
			where = " in resource group " + quote(r.rg)
		}
		return fmt.Sprintf("%s %s%s", r.typ, quote(display(r.name)), where)
	}
	return "a resource named " + quote(display(s))
}

// dependsOnEntry suggests how to depend on d.
func dependsOnEntry(d *resource) string {
	if d.symbol != "" {
		return d.symbol
	}
	if !known(d.name) {
		return fmt.Sprintf("[resourceId('%s', ...)] for %s", d.typ, d.path)
	}
	args := []string{"'" + d.typ + "'"}
	for _, n := range strings.Split(d.name, "/") {
		args = append(args, "'"+n+"'")
	}
	return "[resourceId(" + strings.Join(args, ", ") + ")]"
}
