package terraform

import (
	"fmt"
	"reflect"
	"testing"

	"github.com/aizone/aizone/internal/testkit"

	"github.com/hashicorp/hcl/v2/hclsyntax"

	"github.com/aizone/aizone/emit/arm"
	"github.com/aizone/aizone/emit/equiv"
	"github.com/aizone/aizone/resources"
)

func examples(t *testing.T) []string { return testkit.Examples(t) }

// model builds an example's resources and parameters.
func model(t *testing.T, file string) ([]resources.Resource, []resources.Parameter) {
	t.Helper()
	return testkit.Model(t, testkit.Zone{File: file})
}

func emit(t *testing.T, rs []resources.Resource, params []resources.Parameter) map[string][]byte {
	t.Helper()
	files, err := Module(rs, params)
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// TestRoundTrip reads the module of every example and test zone back into
// the resource model and compares it with the ARM template emit/arm
// writes from the same model, resource by resource (type, apiVersion,
// name, scope and resource group, location, identity, sku, kind, zones,
// tags, properties), the order in which Terraform and ARM deploy them,
// the outputs and the parameters.
func TestRoundTrip(t *testing.T) {
	for _, z := range testkit.Zones(t) {
		t.Run(z.Name, func(t *testing.T) {
			rs, params := testkit.Model(t, z)
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
// difference from the ARM template of the model.
func roundTrip(t *testing.T, rs []resources.Resource, params []resources.Parameter, files map[string][]byte) (int, []string) {
	t.Helper()
	m, err := parseModule(files)
	if err != nil {
		t.Fatal(err)
	}
	rd := newReader(m)
	var diffs []string
	got := &equiv.Model{Records: map[string]equiv.Record{}}
	keyOf := map[string]string{} // label -> record key
	for _, label := range m.order {
		r, err := rd.resource(label)
		if err != nil {
			diffs = append(diffs, err.Error())
			continue
		}
		k := equiv.Key(r.record)
		if _, dup := got.Records[k]; dup {
			diffs = append(diffs, "two azapi resources for "+k)
		}
		got.Records[k] = r.record
		keyOf[label] = k
	}
	order, odiffs := moduleOrder(m, keyOf)
	got.Order = order
	diffs = append(diffs, odiffs...)
	diffs = append(diffs, equiv.Compare(testkit.ARMModel(t, rs, params), got, "module")...)
	diffs = append(diffs, compareOutputs(rd, rs)...)
	diffs = append(diffs, compareParameters(t, m, rd, params)...)
	for _, o := range m.other {
		switch o {
		case FileMain + ": data azapi_client_config current", FileVersions + ": terraform ", FileVersions + ": provider azapi":
		default:
			diffs = append(diffs, "unexpected block "+o)
		}
	}
	return len(got.Records), diffs
}

// moduleOrder is the module's deployment order: an edge for every
// reference and depends_on between resources, through the barriers.
func moduleOrder(m *module, keyOf map[string]string) (equiv.Graph, []string) {
	tf := equiv.Graph{}
	var diffs []string
	for label, b := range m.resources {
		to := keyOf[label]
		rs, bs := refs(b.block)
		for _, r := range rs {
			if r != label {
				tf.Edge(keyOf[r], to)
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
				tf.Edge(keyOf[r], to)
			}
		}
	}
	return tf, diffs
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

// normalize passes a record through JSON, so that both sides compare as
// the template would hold them.
func normalize(t *testing.T, rec map[string]any) map[string]any {
	t.Helper()
	out, err := equiv.Normalize(rec)
	if err != nil {
		t.Fatal(err)
	}
	return out.(map[string]any)
}
