package bicep

import (
	"bytes"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/aizone/aizone/emit/equiv"
	"github.com/aizone/aizone/emit/terraform"
	"github.com/aizone/aizone/internal/testkit"
	"github.com/aizone/aizone/resources"
)

// TestChangeShowsInEveryFormat edits one property of the model (a
// subnet's prefix, and a tag) and checks that the change reaches the ARM
// template, the Terraform module and the Bicep files, and that the Bicep
// read back matches the edited template and not the original one.
func TestChangeShowsInEveryFormat(t *testing.T) {
	rs, params := testkit.Model(t, testkit.Zone{File: "../../examples/small.yaml"})
	for _, tc := range []struct {
		name, path, value string
		edit              func(r *resources.Resource) bool
	}{
		{"subnet prefix", "properties.subnets[0].properties.addressPrefix", "10.64.15.192/26", func(r *resources.Resource) bool {
			if r.Type != typeVNet {
				return false
			}
			props := clone(r.Properties).(map[string]any)
			subs := props["subnets"].([]any)
			subs[0].(map[string]any)["properties"].(map[string]any)["addressPrefix"] = "10.64.15.192/26"
			r.Properties = props
			return true
		}},
		{"tag", "tags.costCenter", "9999", func(r *resources.Resource) bool {
			if r.Type != "Microsoft.Storage/storageAccounts" {
				return false
			}
			tags := map[string]string{}
			for k, v := range r.Tags {
				tags[k] = v
			}
			tags["costCenter"] = "9999"
			r.Tags = tags
			return true
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			edited := make([]resources.Resource, len(rs))
			copy(edited, rs)
			n := 0
			for i := range edited {
				if tc.edit(&edited[i]) {
					n++
				}
			}
			if n != 1 {
				t.Fatalf("the edit applies to %d resources, want 1", n)
			}
			before, after := testkit.ARMModel(t, rs, params), testkit.ARMModel(t, edited, params)
			// ARM: the template differs from the original exactly there.
			if d := equiv.Compare(before, after, "edited template"); len(d) != 1 || !strings.Contains(d[0], tc.path) {
				t.Errorf("the edited template differs in %q, want only %s", d, tc.path)
			}
			// Terraform: the module says the new value.
			mod, err := terraform.Module(edited, params)
			if err != nil {
				t.Fatal(err)
			}
			var all bytes.Buffer
			for _, name := range slices.Sorted(maps.Keys(mod)) {
				all.Write(mod[name])
			}
			if !bytes.Contains(all.Bytes(), []byte(`"`+tc.value+`"`)) {
				t.Errorf("the Terraform module does not say %s", tc.value)
			}
			// Bicep: says it, reads back as the edited template, and
			// differs from the original exactly there.
			files := emit(t, edited, params)
			got, err := Read(files)
			if err != nil {
				t.Fatal(err)
			}
			var text bytes.Buffer
			for _, name := range slices.Sorted(maps.Keys(files)) {
				text.Write(files[name])
			}
			if !bytes.Contains(text.Bytes(), []byte("'"+tc.value+"'")) {
				t.Errorf("the Bicep does not say %s", tc.value)
			}
			if d := equiv.Compare(after, got, "Bicep"); len(d) > 0 {
				t.Errorf("the edited model's Bicep differs from its template: %q", d)
			}
			if d := equiv.Compare(before, got, "Bicep"); len(d) != 1 || !strings.Contains(d[0], tc.path) {
				t.Errorf("the edited model's Bicep differs from the original template in %q, want only %s", d, tc.path)
			}
		})
	}
}

func clone(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = clone(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = clone(e)
		}
		return out
	}
	return v
}

// TestRebuildIsByteIdentical plans and builds every zone twice, from the
// zone file on: the ARM template and parameters, the Terraform module
// and the Bicep files are byte-identical.
func TestRebuildIsByteIdentical(t *testing.T) {
	build := func(z testkit.Zone) map[string][]byte {
		rs, params := testkit.Model(t, z)
		out := map[string][]byte{}
		out["arm/main.json"], out["arm/main.parameters.json"] = testkit.ARM(t, rs, params)
		mod, err := terraform.Module(rs, params)
		if err != nil {
			t.Fatal(err)
		}
		for n, d := range mod {
			out["terraform/"+n] = d
		}
		for n, d := range emit(t, rs, params) {
			out["bicep/"+n] = d
		}
		return out
	}
	for _, z := range testkit.Zones(t) {
		a, b := build(z), build(z)
		if len(a) != len(b) {
			t.Errorf("%s: %d files, then %d", z.Name, len(a), len(b))
		}
		for name := range a {
			if !bytes.Equal(a[name], b[name]) {
				t.Errorf("%s: %s differs between two builds", z.Name, name)
			}
		}
	}
}
