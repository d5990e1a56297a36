package arm_test

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aizone/aizone/armschema"
	"github.com/aizone/aizone/catalog"
	"github.com/aizone/aizone/emit/arm"
	"github.com/aizone/aizone/internal/shared"
	"github.com/aizone/aizone/plan"
	"github.com/aizone/aizone/resources"
	"github.com/aizone/aizone/spec"
)

const asOf = "2026-11-27"

func examples(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob("../../examples/*.yaml")
	if err != nil || len(files) < 3 {
		t.Fatalf("examples not found: %v", err)
	}
	return files
}

func templateOf(t *testing.T, file string) (map[string]any, *plan.Plan) {
	t.Helper()
	c, err := catalog.Default()
	if err != nil {
		t.Fatal(err)
	}
	z, err := spec.LoadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if err := plan.Check(z, c); err != nil {
		t.Fatal(err)
	}
	p := plan.Make(z, c, plan.Options{AsOf: asOf})
	tmpl := arm.Template(resources.Build(p))
	// Round-trip through JSON: the validator sees exactly what is written.
	data, err := arm.Marshal(tmpl)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	return m, p
}

// TestTemplatesValidate checks every resource of every example's template
// against the official ARM schemas.
func TestTemplatesValidate(t *testing.T) {
	v, err := armschema.Load(shared.Path(t, "corpora", "arm-schemas"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range examples(t) {
		t.Run(filepath.Base(f), func(t *testing.T) {
			tmpl, _ := templateOf(t, f)
			if err := v.ValidateTemplate(tmpl); err != nil {
				t.Errorf("template does not validate:\n%v", err)
			}
			n := countResources(tmpl)
			if n < 10 {
				t.Errorf("only %d resources in the template", n)
			}
			t.Logf("%d resources validated", n)
		})
	}
}

func countResources(tmpl map[string]any) int {
	n := 0
	rs, _ := tmpl["resources"].([]any)
	for _, r := range rs {
		n++
		m, _ := r.(map[string]any)
		if strings.EqualFold(m["type"].(string), "Microsoft.Resources/deployments") {
			props, _ := m["properties"].(map[string]any)
			inner, _ := props["template"].(map[string]any)
			n += countResources(inner)
		}
	}
	return n
}

// TestAPIVersionsMatchSchemas pins the emitted apiVersions to the schemas.
func TestAPIVersionsMatchSchemas(t *testing.T) {
	v, err := armschema.Load(shared.Path(t, "corpora", "arm-schemas"))
	if err != nil {
		t.Fatal(err)
	}
	fromSchemas := map[string]string{}
	for typ, ver := range v.APIVersions() {
		fromSchemas[strings.ToLower(typ)] = ver
	}
	for typ, ver := range resources.APIVersions() {
		want, ok := fromSchemas[strings.ToLower(typ)]
		if !ok {
			t.Errorf("%s: not in the schema index", typ)
			continue
		}
		if want != ver {
			t.Errorf("%s: apiVersion %s, schema has %s", typ, ver, want)
		}
	}
}
