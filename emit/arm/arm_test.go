package arm_test

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aizone/aizone/internal/testkit"

	"github.com/aizone/aizone/armschema"
	"github.com/aizone/aizone/catalog"
	"github.com/aizone/aizone/emit/arm"
	"github.com/aizone/aizone/internal/shared"
	"github.com/aizone/aizone/plan"
	"github.com/aizone/aizone/resources"
	"github.com/aizone/aizone/spec"
)

const asOf = "2026-11-27"

func examples(t *testing.T) []string { return testkit.Examples(t) }

func templateOf(t *testing.T, file string) (map[string]any, *plan.Plan) {
	t.Helper()
	p := testkit.Plan(t, file, nil)
	tmpl := arm.Template(resources.Build(p), nil)
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
			skipped, err := armschema.Without(v.ValidateTemplate(tmpl), armschema.Gaps)
			if err != nil {
				t.Errorf("template does not validate:\n%v", err)
			}
			for _, typ := range skipped {
				t.Logf("%s not checked: %s", typ, armschema.Gaps[typ])
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
		if _, gap := armschema.Gaps[typ]; gap {
			continue
		}
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

// TestSubscriptionScopeResources checks where the guardrail policies land:
// at the top level of the subscription template (they are subscription
// resources, not a resource group's), with the policy language's own
// expressions escaped so that ARM passes them to Azure Policy unevaluated,
// and not at all when the zone turns guardrails off.
func TestSubscriptionScopeResources(t *testing.T) {
	for _, tc := range []struct {
		name       string
		guardrails bool
	}{{"guardrails on", true}, {"guardrails off", false}} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := catalog.Default()
			if err != nil {
				t.Fatal(err)
			}
			z, err := spec.LoadFile("../../examples/small.yaml")
			if err != nil {
				t.Fatal(err)
			}
			on := tc.guardrails
			z.Placement.Guardrails = &on
			tmpl := arm.Template(resources.Build(plan.Make(z, c, plan.Options{AsOf: asOf})), nil)
			data, err := arm.Marshal(tmpl)
			if err != nil {
				t.Fatal(err)
			}
			var m map[string]any
			if err := json.Unmarshal(data, &m); err != nil {
				t.Fatal(err)
			}
			top := map[string]int{}
			for _, r := range m["resources"].([]any) {
				rm := r.(map[string]any)
				typ := rm["type"].(string)
				top[typ]++
				if _, ok := rm["resourceGroup"]; ok && typ != "Microsoft.Resources/deployments" {
					t.Errorf("%s %s names a resource group at the top level", typ, rm["name"])
				}
				if typ == "Microsoft.Resources/deployments" {
					inner := rm["properties"].(map[string]any)["template"].(map[string]any)
					for _, ir := range inner["resources"].([]any) {
						if it := ir.(map[string]any)["type"].(string); strings.HasPrefix(it, "Microsoft.Authorization/policy") {
							t.Errorf("%s inside the nested deployment %s", it, rm["name"])
						}
					}
				}
				if typ == "Microsoft.Authorization/policyDefinitions" || typ == "Microsoft.Authorization/policySetDefinitions" {
					checkEscaped(t, rm["name"].(string), rm["properties"])
				}
				if typ == "Microsoft.Authorization/policyAssignments" && (rm["identity"] == nil || rm["location"] == nil) {
					t.Errorf("assignment %s lacks the identity and location its modify effect needs", rm["name"])
				}
			}
			want := map[string]int{}
			if tc.guardrails {
				want = map[string]int{"Microsoft.Authorization/policySetDefinitions": 1, "Microsoft.Authorization/policyAssignments": 1, "Microsoft.Authorization/roleAssignments": 1}
			}
			for typ, n := range want {
				if top[typ] != n {
					t.Errorf("%d %s at the top level, want %d", top[typ], typ, n)
				}
			}
			if got := top["Microsoft.Authorization/policyDefinitions"]; tc.guardrails != (got > 0) {
				t.Errorf("%d policy definitions with guardrails %v", got, tc.guardrails)
			}
		})
	}
}

// checkEscaped fails on a policy-language expression ARM would evaluate:
// inside policy documents every "[...]" string must be escaped as "[[...]",
// except the member ids, which are ARM expressions on purpose.
func checkEscaped(t *testing.T, name string, v any) {
	t.Helper()
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			if k == "policyDefinitionId" {
				continue
			}
			checkEscaped(t, name, e)
		}
	case []any:
		for _, e := range x {
			checkEscaped(t, name, e)
		}
	case string:
		if strings.HasPrefix(x, "[") && strings.HasSuffix(x, "]") && !strings.HasPrefix(x, "[[") {
			t.Errorf("%s: unescaped expression %s would be evaluated by ARM", name, x)
		}
	}
}
