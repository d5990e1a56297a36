package terraform

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/aizone/aizone/internal/testkit"

	"github.com/hashicorp/hcl/v2/hclsyntax"

	"github.com/aizone/aizone/emit/arm"
	"github.com/aizone/aizone/resources"
)

func examples(t *testing.T) []string { return testkit.Examples(t) }

// model builds an example's resources and parameters as emit/arm's tests
// do.
func model(t *testing.T, file string) ([]resources.Resource, []resources.Parameter) {
	t.Helper()
	p := testkit.Plan(t, file, nil)
	rs := resources.Build(p)
	return rs, resources.Parameters(p, rs)
}

func emit(t *testing.T, rs []resources.Resource, params []resources.Parameter) map[string][]byte {
	t.Helper()
	files, err := Module(rs, params)
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// TestRoundTrip reads every example's module back into the resource
// model and compares it with the model it was written from, resource by
// resource (type, apiVersion, name, scope and resource group, location,
// identity, sku, kind, zones, tags, properties), the order in which
// Terraform and ARM deploy them, the outputs and the parameters.
func TestRoundTrip(t *testing.T) {
	for _, f := range examples(t) {
		t.Run(filepath.Base(f), func(t *testing.T) {
			rs, params := model(t, f)
			files := emit(t, rs, params)
			n, diffs := roundTrip(t, rs, params, files)
			for _, d := range diffs {
				t.Error(d)
			}
			if n < 10 {
				t.Errorf("only %d resources round-trip", n)
			}
			t.Logf("%d resources round-trip with their properties, identities, scopes and order", n)
		})
	}
}

// roundTrip returns how many resources the module holds and every
// difference from the model.
func roundTrip(t *testing.T, rs []resources.Resource, params []resources.Parameter, files map[string][]byte) (int, []string) {
	t.Helper()
	m, err := parseModule(files)
	if err != nil {
		t.Fatal(err)
	}
	rd := newReader(m)
	var diffs []string
	got := map[string]map[string]any{}
	keyOf := map[string]string{} // label -> record key
	for _, label := range m.order {
		r, err := rd.resource(label)
		if err != nil {
			diffs = append(diffs, err.Error())
			continue
		}
		k := recordKey(r.record)
		if _, dup := got[k]; dup {
			diffs = append(diffs, "two azapi resources for "+k)
		}
		got[k] = normalize(t, r.record)
		keyOf[label] = k
	}
	want, arm := expected(t, rs)
	for _, k := range sortedKeys(want) {
		g, ok := got[k]
		if !ok {
			diffs = append(diffs, "missing from the module: "+k)
			continue
		}
		diffs = append(diffs, compare(k, want[k], g)...)
	}
	for _, k := range sortedKeys(got) {
		if _, ok := want[k]; !ok {
			diffs = append(diffs, "not in the model: "+k)
		}
	}
	diffs = append(diffs, compareOrder(t, m, keyOf, arm)...)
	diffs = append(diffs, compareOutputs(rd, rs)...)
	diffs = append(diffs, compareParameters(t, m, rd, params)...)
	for _, o := range m.other {
		switch o {
		case FileMain + ": data azapi_client_config current", FileVersions + ": terraform ", FileVersions + ": provider azapi":
		default:
			diffs = append(diffs, "unexpected block "+o)
		}
	}
	return len(got), diffs
}

func recordKey(rec map[string]any) string {
	s := func(k string) string { v, _ := rec[k].(string); return v }
	return fmt.Sprintf("%s rg=%s scope=%s name=%s", s("type"), s("resourceGroup"), s("scope"), s("name"))
}

// normalize passes a record through JSON, so that both sides compare as
// the template would hold them.
func normalize(t *testing.T, rec map[string]any) map[string]any {
	t.Helper()
	data, err := json.Marshal(rec)
	if err != nil {
		t.Fatal(err)
	}
	var out map[string]any
	if err := json.Unmarshal(data, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// armOrder is the model's deployment order: direct edges between record
// keys, as ARM runs them.
type armOrder map[string]map[string]bool

// expected returns the model's records, a nested deployment spelled as
// its resources (whose scopes lie outside the zone's resource groups),
// and the order ARM deploys them in: each resource after what its
// dependsOn names, each nested deployment after its resource group and
// after every resource of the deployments it depends on.
func expected(t *testing.T, rs []resources.Resource) (map[string]map[string]any, armOrder) {
	t.Helper()
	want := map[string]map[string]any{}
	members := map[string][]string{} // deployment -> keys
	type deps struct {
		key  string
		list []string
	}
	var explicit []deps
	ids := map[string]string{} // id expression -> key
	addRecord := func(rec map[string]any, deployment string) string {
		k := recordKey(rec)
		want[k] = normalize(t, rec)
		if deployment != "" {
			members[deployment] = append(members[deployment], k)
		}
		return k
	}
	for _, r := range rs {
		dep := ""
		if r.ResourceGroup != "" {
			dep = resources.DeploymentName(r.ResourceGroup, r.Stage)
		}
		if r.Type == typeDeployment {
			tmpl := r.Properties["template"].(map[string]any)
			for _, ir := range tmpl["resources"].([]any) {
				rec := map[string]any{"resourceGroup": ""}
				for k, v := range ir.(map[string]any) {
					rec[k] = v
				}
				k := addRecord(rec, dep)
				explicit = append(explicit, deps{k, r.DependsOn})
				ids[idText(rec)] = k
			}
			continue
		}
		rec := r.Map()
		delete(rec, "dependsOn")
		rec["resourceGroup"] = r.ResourceGroup
		k := addRecord(rec, dep)
		explicit = append(explicit, deps{k, r.DependsOn})
		ids[idText(rec)] = k
		if r.Type == "Microsoft.Network/virtualNetworks" {
			// A subnet is deployed by its VNet.
			subs, _ := r.Properties["subnets"].([]any)
			for _, s := range subs {
				name := s.(map[string]any)["name"].(string)
				ids[fmt.Sprintf("resourceId(%s, 'Microsoft.Network/virtualNetworks/subnets', %s, %s)", quoteArm(r.ResourceGroup), quoteArm(r.Name), quoteArm(name))] = k
			}
		}
	}
	order := armOrder{}
	edge := func(from, to string) {
		if order[from] == nil {
			order[from] = map[string]bool{}
		}
		order[from][to] = true
	}
	for _, d := range explicit {
		for _, dep := range d.list {
			from, ok := ids[strings.TrimSuffix(strings.TrimPrefix(dep, "["), "]")]
			if !ok {
				t.Fatalf("%s: dependsOn %s names nothing in the model", d.key, dep)
			}
			edge(from, d.key)
		}
	}
	for _, d := range resources.Deployments(rs) {
		rg := ids[fmt.Sprintf("subscriptionResourceId('Microsoft.Resources/resourceGroups', %s)", quoteArm(d.ResourceGroup))]
		for _, k := range members[d.Name] {
			edge(rg, k)
			for _, other := range d.DependsOn {
				for _, o := range members[other] {
					edge(o, k)
				}
			}
		}
	}
	return want, order
}

// idText spells a record's id as the model's expressions do.
func idText(rec map[string]any) string {
	typ, name, rg := rec["type"].(string), rec["name"].(string), rec["resourceGroup"].(string)
	arg := func(s string) string {
		if strings.HasPrefix(s, "[") && !strings.HasPrefix(s, "[[") {
			return s[1 : len(s)-1]
		}
		return quoteArm(s)
	}
	if scope, _ := rec["scope"].(string); scope != "" {
		return fmt.Sprintf("extensionResourceId(%s, %s, %s)", scope[1:len(scope)-1], quoteArm(typ), arg(name))
	}
	var names []string
	for _, n := range strings.Split(name, "/") {
		names = append(names, quoteArm(n))
	}
	switch {
	case typ == typeResourceGroup:
		return fmt.Sprintf("subscriptionResourceId(%s, %s)", quoteArm(typ), quoteArm(name))
	case rg == "":
		return fmt.Sprintf("subscriptionResourceId(%s, %s)", quoteArm(typ), strings.Join(names, ", "))
	}
	return fmt.Sprintf("resourceId(%s, %s, %s)", quoteArm(rg), quoteArm(typ), strings.Join(names, ", "))
}

// compare returns the paths at which two records differ.
func compare(key string, want, got any) []string {
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
			for _, k := range sortedKeys(keys) {
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
			out = append(out, fmt.Sprintf("%s: %s: model has %s, module %s", key, strings.TrimPrefix(path, "."), short(w), short(g)))
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

// compareOrder checks that Terraform deploys in ARM's order: that the
// transitive closures of the two graphs are the same, so that nothing
// waits for less than in ARM (a cluster before its subnet's role
// assignment) nor for more.
func compareOrder(t *testing.T, m *module, keyOf map[string]string, arm armOrder) []string {
	t.Helper()
	tf := armOrder{}
	var diffs []string
	for label, b := range m.resources {
		to := keyOf[label]
		rs, bs := refs(b.block)
		for _, r := range rs {
			if r != label {
				if tf[keyOf[r]] == nil {
					tf[keyOf[r]] = map[string]bool{}
				}
				tf[keyOf[r]][to] = true
			}
		}
		for _, bl := range bs {
			barrier, ok := m.barriers[bl]
			if !ok {
				diffs = append(diffs, fmt.Sprintf("%s waits for undeclared terraform_data.%s", label, bl))
				continue
			}
			brs, bbs := refs(barrier.block)
			if len(bbs) > 0 || len(barrier.block.Body.Attributes) != 1 {
				diffs = append(diffs, "barrier "+bl+" is more than a depends_on on resources")
			}
			for _, r := range brs {
				if tf[keyOf[r]] == nil {
					tf[keyOf[r]] = map[string]bool{}
				}
				tf[keyOf[r]][to] = true
			}
		}
	}
	a, b := closure(arm), closure(tf)
	var only []string
	for from, tos := range a {
		for to := range tos {
			if !b[from][to] {
				only = append(only, fmt.Sprintf("ARM deploys %s before %s; Terraform need not", from, to))
			}
		}
	}
	for from, tos := range b {
		for to := range tos {
			if !a[from][to] {
				only = append(only, fmt.Sprintf("Terraform deploys %s before %s; ARM does not", from, to))
			}
		}
	}
	sort.Strings(only)
	return append(diffs, only...)
}

func closure(g armOrder) armOrder {
	out := armOrder{}
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

// compareOutputs checks the outputs against the model's.
func compareOutputs(rd *reader, rs []resources.Resource) []string {
	var diffs []string
	outs := resources.Outputs(rs)
	if len(outs) != len(rd.m.outputs) {
		diffs = append(diffs, fmt.Sprintf("%d outputs, model has %d", len(rd.m.outputs), len(outs)))
	}
	for _, o := range outs {
		b, ok := rd.m.outputs[o.Name]
		if !ok {
			diffs = append(diffs, "no output "+o.Name)
			continue
		}
		v, err := rd.eval(b.attr("value").Expr)
		if err != nil {
			diffs = append(diffs, fmt.Sprintf("output %s: %v", o.Name, err))
			continue
		}
		if got := materialize(v); got != o.Value {
			diffs = append(diffs, fmt.Sprintf("output %s is %v, model has %s", o.Name, got, o.Value))
		}
	}
	return diffs
}

// compareParameters checks the variables against the parameters (name,
// type, description, default) and terraform.tfvars against the values
// of the ARM parameters file.
func compareParameters(t *testing.T, m *module, rd *reader, params []resources.Parameter) []string {
	t.Helper()
	var diffs []string
	text := func(file string, e hclsyntax.Expression) string {
		r := e.Range()
		return string(m.src[file][r.Start.Byte:r.End.Byte])
	}
	for name := range m.locals {
		if name == subscriptionL {
			continue
		}
		if _, err := rd.eval(m.locals[name].Expr); err != nil {
			diffs = append(diffs, fmt.Sprintf("local %s: %v", name, err))
		}
	}
	values := arm.Parameters(params)["parameters"].(map[string]any)
	if len(m.variables) != len(params) {
		diffs = append(diffs, fmt.Sprintf("%d variables, %d parameters", len(m.variables), len(params)))
	}
	for _, p := range params {
		v, ok := m.variables[p.Name]
		if !ok {
			diffs = append(diffs, "no variable "+p.Name)
			continue
		}
		if got := text(v.file, v.attr("type").Expr); got != tfTypes[p.Type] {
			diffs = append(diffs, fmt.Sprintf("variable %s has type %s for %s", p.Name, got, p.Type))
		}
		if d, err := rd.eval(v.attr("description").Expr); err != nil || d != p.Description {
			diffs = append(diffs, fmt.Sprintf("variable %s: description %v", p.Name, d))
		}
		if s, ok := p.DefaultValue.(string); ok {
			if a := v.attr("default"); a == nil || text(v.file, a.Expr) != "null" {
				diffs = append(diffs, fmt.Sprintf("variable %s: default is not null", p.Name))
			}
			if got := "[" + rd.defaults[p.Name] + "]"; got != s {
				diffs = append(diffs, fmt.Sprintf("variable %s: the local computes %s, ARM's default is %s", p.Name, got, s))
			}
		}
		want, given := values[p.Name]
		a, set := m.values[p.Name]
		switch {
		case given != set:
			diffs = append(diffs, fmt.Sprintf("%s: in the ARM parameters file %v, in terraform.tfvars %v", p.Name, given, set))
		case set:
			g, err := rd.eval(a.Expr)
			if err != nil {
				diffs = append(diffs, fmt.Sprintf("%s: %v", p.Name, err))
				continue
			}
			w := normalize(t, map[string]any{"v": want.(map[string]any)["value"]})["v"]
			if gn := normalize(t, map[string]any{"v": g})["v"]; !reflect.DeepEqual(w, gn) {
				diffs = append(diffs, fmt.Sprintf("%s = %v, the ARM parameters file has %v", p.Name, gn, w))
			}
		}
	}
	return diffs
}
