// Package equiv reads an ARM template that emit/arm wrote back into the
// resource model's terms, so that the other spellings of the same model
// (the Terraform module, the Bicep files) can be compared with the
// template resource by resource: each resource as a record (the keys the
// template holds, with its resource group, without dependsOn), the order
// in which Azure Resource Manager deploys them, the outputs and the
// parameters.
//
// A nested deployment inside a resource group's deployment (the role
// assignments on the platform's private DNS zones) is read as its
// resources, each with its own scope and no resource group of the zone,
// inheriting the nested deployment's place in the order: that is what
// every spelling deploys, whatever it wraps it in.
package equiv

import (
	"encoding/json"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"sort"
	"strings"

	"github.com/aizone/aizone/emit/armexpr"
)

// Record is one resource as the template holds it, with "resourceGroup"
// (empty for the subscription's own resources) and without "dependsOn".
type Record map[string]any

// Graph holds direct ordering edges: Graph[a][b] says a deploys before b.
type Graph map[string]map[string]bool

// Edge adds from -> to.
func (g Graph) Edge(from, to string) {
	if g[from] == nil {
		g[from] = map[string]bool{}
	}
	g[from][to] = true
}

// Param is a template parameter's declaration and its value in the
// parameters file (nil when the file gives none).
type Param struct {
	Type        string
	Description string
	Default     any
	Value       any
	HasValue    bool
}

// Model is a zone's resources as one spelling says them.
type Model struct {
	Records map[string]Record
	Order   Graph
	Outputs map[string]string // name -> the ARM expression of its value
	Params  map[string]Param
}

// Key names a record: type, resource group, scope and name, which
// together are unique in a template.
func Key(rec Record) string {
	s := func(k string) string { v, _ := rec[k].(string); return v }
	return fmt.Sprintf("%s rg=%s scope=%s name=%s", s("type"), s("resourceGroup"), s("scope"), s("name"))
}

const (
	typeDeployment    = "Microsoft.Resources/deployments"
	typeResourceGroup = "Microsoft.Resources/resourceGroups"
	typeVNet          = "Microsoft.Network/virtualNetworks"
)

// FromTemplate reads a subscription template and its parameters file
// (both JSON as emit/arm writes them).
func FromTemplate(template, parameters []byte) (*Model, error) {
	var t map[string]any
	if err := json.Unmarshal(template, &t); err != nil {
		return nil, fmt.Errorf("reading the template: %w", err)
	}
	m := &Model{Records: map[string]Record{}, Order: Graph{}, Outputs: map[string]string{}, Params: map[string]Param{}}
	members := map[string][]string{} // deployment name -> record keys
	type deps struct {
		key  string
		list []any
	}
	var explicit []deps
	ids := map[string]string{} // id expression (no brackets) -> key
	add := func(obj map[string]any, rg, deployment string, inherited []any) (string, error) {
		rec := Record{"resourceGroup": rg}
		for k, v := range obj {
			if k != "dependsOn" {
				rec[k] = v
			}
		}
		k := Key(rec)
		if _, dup := m.Records[k]; dup {
			return "", fmt.Errorf("two resources %s", k)
		}
		m.Records[k] = rec
		if deployment != "" {
			members[deployment] = append(members[deployment], k)
		}
		own, _ := obj["dependsOn"].([]any)
		explicit = append(explicit, deps{k, append(append([]any{}, own...), inherited...)})
		ids[IDText(rec)] = k
		if rec["type"] == typeVNet {
			// A subnet is deployed by its VNet.
			props, _ := rec["properties"].(map[string]any)
			subs, _ := props["subnets"].([]any)
			for _, s := range subs {
				sm, _ := s.(map[string]any)
				name, _ := sm["name"].(string)
				ids[fmt.Sprintf("resourceId(%s, '%s/subnets', %s, %s)", armexpr.Quote(rg), typeVNet, armexpr.Quote(rec["name"].(string)), armexpr.Quote(name))] = k
			}
		}
		return k, nil
	}
	list, _ := t["resources"].([]any)
	type deployment struct {
		name, rg string
		deps     []any
	}
	var deployments []deployment
	for _, v := range list {
		obj, ok := v.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("a top-level resource is %T", v)
		}
		if obj["type"] != typeDeployment {
			if _, err := add(obj, "", "", nil); err != nil {
				return nil, err
			}
			continue
		}
		name, _ := obj["name"].(string)
		rg, _ := obj["resourceGroup"].(string)
		inner, err := nested(obj)
		if err != nil {
			return nil, fmt.Errorf("deployment %s: %w", name, err)
		}
		d, _ := obj["dependsOn"].([]any)
		deployments = append(deployments, deployment{name, rg, d})
		for _, ir := range inner {
			if ir["type"] != typeDeployment {
				if _, err := add(ir, rg, name, nil); err != nil {
					return nil, err
				}
				continue
			}
			// A deployment into another resource group: its resources,
			// each with its scope, in this deployment's place.
			innermost, err := nested(ir)
			if err != nil {
				return nil, fmt.Errorf("deployment %s: nested deployment %v: %w", name, ir["name"], err)
			}
			own, _ := ir["dependsOn"].([]any)
			for _, r := range innermost {
				if s, _ := r["scope"].(string); s == "" {
					return nil, fmt.Errorf("deployment %s: nested deployment %v: a resource without a scope", name, ir["name"])
				}
				if _, err := add(r, "", name, own); err != nil {
					return nil, err
				}
			}
		}
	}
	for _, d := range explicit {
		for _, dep := range d.list {
			s, _ := dep.(string)
			from, ok := ids[inner(s)]
			if !ok {
				return nil, fmt.Errorf("%s: dependsOn %v names no resource of the template", d.key, dep)
			}
			m.Order.Edge(from, d.key)
		}
	}
	for _, d := range deployments {
		for _, dep := range d.deps {
			s, _ := dep.(string)
			var from []string
			if k, ok := ids[inner(s)]; ok {
				from = []string{k}
			} else if other, ok := deploymentRef(s); ok {
				from = members[other]
				if from == nil {
					return nil, fmt.Errorf("deployment %s depends on %s, which deploys nothing", d.name, other)
				}
			} else {
				return nil, fmt.Errorf("deployment %s: dependsOn %s names nothing in the template", d.name, s)
			}
			for _, f := range from {
				for _, k := range members[d.name] {
					m.Order.Edge(f, k)
				}
			}
		}
	}
	outs, _ := t["outputs"].(map[string]any)
	for name, v := range outs {
		o, _ := v.(map[string]any)
		if o["type"] != "string" {
			return nil, fmt.Errorf("output %s is of type %v", name, o["type"])
		}
		s, _ := o["value"].(string)
		m.Outputs[name] = s
	}
	decl, _ := t["parameters"].(map[string]any)
	for name, v := range decl {
		d, _ := v.(map[string]any)
		meta, _ := d["metadata"].(map[string]any)
		p := Param{Default: d["defaultValue"]}
		p.Type, _ = d["type"].(string)
		p.Description, _ = meta["description"].(string)
		m.Params[name] = p
	}
	if parameters != nil {
		var pf map[string]any
		if err := json.Unmarshal(parameters, &pf); err != nil {
			return nil, fmt.Errorf("reading the parameters file: %w", err)
		}
		values, _ := pf["parameters"].(map[string]any)
		for name, v := range values {
			p, ok := m.Params[name]
			if !ok {
				return nil, fmt.Errorf("the parameters file sets %s, which the template does not declare", name)
			}
			vm, _ := v.(map[string]any)
			p.Value, p.HasValue = vm["value"], true
			m.Params[name] = p
		}
	}
	return m, nil
}

// nested returns the resources of a nested deployment, refusing one whose
// expressions would not mean what they mean in the outer template.
func nested(obj map[string]any) ([]map[string]any, error) {
	props, _ := obj["properties"].(map[string]any)
	if props["mode"] != "Incremental" {
		return nil, fmt.Errorf("mode %v is not Incremental", props["mode"])
	}
	if eo, _ := props["expressionEvaluationOptions"].(map[string]any); eo == nil || eo["scope"] != "Outer" {
		return nil, fmt.Errorf("expressions are not evaluated in the outer scope")
	}
	tmpl, _ := props["template"].(map[string]any)
	list, _ := tmpl["resources"].([]any)
	out := make([]map[string]any, 0, len(list))
	for _, v := range list {
		r, ok := v.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("a nested resource is %T", v)
		}
		out = append(out, r)
	}
	return out, nil
}

// deploymentRef reads "[resourceId('rg', 'Microsoft.Resources/deployments', 'name')]".
func deploymentRef(s string) (string, bool) {
	const mid = "', '" + typeDeployment + "', '"
	body := inner(s)
	if !strings.HasPrefix(body, "resourceId('") || !strings.HasSuffix(body, "')") {
		return "", false
	}
	_, name, ok := strings.Cut(body, mid)
	if !ok {
		return "", false
	}
	return strings.TrimSuffix(name, "')"), true
}

func inner(s string) string { return strings.TrimSuffix(strings.TrimPrefix(s, "["), "]") }

// IDText spells a record's id as the model's expressions do:
// resourceId(), subscriptionResourceId() or extensionResourceId().
func IDText(rec Record) string {
	typ, _ := rec["type"].(string)
	name, _ := rec["name"].(string)
	rg, _ := rec["resourceGroup"].(string)
	if scope, _ := rec["scope"].(string); scope != "" {
		arg := armexpr.Quote(name)
		if strings.HasPrefix(name, "[") && !strings.HasPrefix(name, "[[") {
			arg = inner(name)
		}
		return fmt.Sprintf("extensionResourceId(%s, %s, %s)", inner(scope), armexpr.Quote(typ), arg)
	}
	var names []string
	for _, n := range strings.Split(name, "/") {
		names = append(names, armexpr.Quote(n))
	}
	if rg == "" {
		return fmt.Sprintf("subscriptionResourceId(%s, %s)", armexpr.Quote(typ), strings.Join(names, ", "))
	}
	return fmt.Sprintf("resourceId(%s, %s, %s)", armexpr.Quote(rg), armexpr.Quote(typ), strings.Join(names, ", "))
}

// Normalize passes a value through JSON, so that both sides compare as a
// template would hold them (numbers as float64, typed maps as generic).
func Normalize(v any) (any, error) {
	data, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var out any
	if err := json.Unmarshal(data, &out); err != nil {
		return nil, err
	}
	return out, nil
}

// Compare returns every difference between the template's model (want)
// and another spelling's (got), named by what holds it: records, the
// order as transitive closures (so that nothing deploys earlier or later
// than in ARM), outputs and, when got has any, parameters. what names the
// other spelling in the messages.
func Compare(want, got *Model, what string) []string {
	var diffs []string
	for _, k := range slices.Sorted(maps.Keys(want.Records)) {
		g, ok := got.Records[k]
		if !ok {
			diffs = append(diffs, fmt.Sprintf("missing from the %s: %s", what, k))
			continue
		}
		w, err1 := Normalize(map[string]any(want.Records[k]))
		gn, err2 := Normalize(map[string]any(g))
		if err1 != nil || err2 != nil {
			diffs = append(diffs, fmt.Sprintf("%s: %v %v", k, err1, err2))
			continue
		}
		diffs = append(diffs, Diff(k, w, gn, what)...)
	}
	for _, k := range slices.Sorted(maps.Keys(got.Records)) {
		if _, ok := want.Records[k]; !ok {
			diffs = append(diffs, fmt.Sprintf("not in the template: %s (%s)", k, what))
		}
	}
	diffs = append(diffs, CompareOrder(want.Order, got.Order, what)...)
	if got.Outputs != nil {
		for _, n := range slices.Sorted(maps.Keys(want.Outputs)) {
			g, ok := got.Outputs[n]
			switch {
			case !ok:
				diffs = append(diffs, fmt.Sprintf("output %s: missing from the %s", n, what))
			case g != want.Outputs[n]:
				diffs = append(diffs, fmt.Sprintf("output %s: template has %s, %s %s", n, want.Outputs[n], what, g))
			}
		}
		for _, n := range slices.Sorted(maps.Keys(got.Outputs)) {
			if _, ok := want.Outputs[n]; !ok {
				diffs = append(diffs, fmt.Sprintf("output %s: not in the template (%s)", n, what))
			}
		}
	}
	if got.Params != nil {
		for _, n := range slices.Sorted(maps.Keys(want.Params)) {
			g, ok := got.Params[n]
			if !ok {
				diffs = append(diffs, fmt.Sprintf("parameter %s: missing from the %s", n, what))
				continue
			}
			w := want.Params[n]
			wv, _ := Normalize(map[string]any{"t": w.Type, "d": w.Description, "def": w.Default, "v": w.Value, "has": w.HasValue})
			gv, _ := Normalize(map[string]any{"t": g.Type, "d": g.Description, "def": g.Default, "v": g.Value, "has": g.HasValue})
			diffs = append(diffs, Diff("parameter "+n, wv, gv, what)...)
		}
		for _, n := range slices.Sorted(maps.Keys(got.Params)) {
			if _, ok := want.Params[n]; !ok {
				diffs = append(diffs, fmt.Sprintf("parameter %s: not in the template (%s)", n, what))
			}
		}
	}
	return diffs
}

// Diff returns the paths at which two generic JSON values differ.
func Diff(key string, want, got any, what string) []string {
	var out []string
	var walk func(path string, w, g any)
	walk = func(path string, w, g any) {
		wm, wok := w.(map[string]any)
		gm, gok := g.(map[string]any)
		if wok && gok {
			keys := map[string]bool{}
			for k := range wm {
				keys[k] = true
			}
			for k := range gm {
				keys[k] = true
			}
			for _, k := range slices.Sorted(maps.Keys(keys)) {
				walk(path+"."+k, wm[k], gm[k])
			}
			return
		}
		wl, wok := w.([]any)
		gl, gok := g.([]any)
		if wok && gok && len(wl) == len(gl) {
			for i := range wl {
				walk(fmt.Sprintf("%s[%d]", path, i), wl[i], gl[i])
			}
			return
		}
		if !reflect.DeepEqual(w, g) {
			out = append(out, fmt.Sprintf("%s: %s: template has %s, %s %s", key, strings.TrimPrefix(path, "."), short(w), what, short(g)))
		}
	}
	walk("", want, got)
	return out
}

func short(v any) string {
	data, _ := json.Marshal(v)
	if len(data) > 200 {
		return string(data[:200]) + "..."
	}
	return string(data)
}

// CompareOrder compares the transitive closures of two orders.
func CompareOrder(want, got Graph, what string) []string {
	a, b := Closure(want), Closure(got)
	var only []string
	for from, tos := range a {
		for to := range tos {
			if !b[from][to] {
				only = append(only, fmt.Sprintf("ARM deploys %s before %s; the %s need not", from, to, what))
			}
		}
	}
	for from, tos := range b {
		for to := range tos {
			if !a[from][to] {
				only = append(only, fmt.Sprintf("the %s deploys %s before %s; ARM does not", what, from, to))
			}
		}
	}
	sort.Strings(only)
	return only
}

// Closure is the transitive closure of g.
func Closure(g Graph) Graph {
	out := Graph{}
	var visit func(from, n string)
	visit = func(from, n string) {
		for next := range g[n] {
			if !out[from][next] {
				out[from][next] = true
				visit(from, next)
			}
		}
	}
	for from := range g {
		out[from] = map[string]bool{}
		visit(from, from)
	}
	return out
}
