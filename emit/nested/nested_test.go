package nested

import (
	"strings"
	"testing"

	"github.com/aizone/aizone/resources"
)

func deployment(props map[string]any) resources.Resource {
	return resources.Resource{Type: "Microsoft.Resources/deployments", Name: "d", Properties: props}
}

func TestResources(t *testing.T) {
	inner := map[string]any{
		"type": "Microsoft.Authorization/roleAssignments", "apiVersion": "2022-04-01",
		"name": "[guid('x')]", "scope": "[resourceId('rg', 'T/x', 'n')]",
		"properties": map[string]any{"principalType": "ServicePrincipal"},
	}
	good := func() map[string]any {
		return map[string]any{
			"mode":                        "Incremental",
			"expressionEvaluationOptions": map[string]any{"scope": "Outer"},
			"template":                    map[string]any{"$schema": "s", "contentVersion": "1.0.0.0", "resources": []any{inner}},
		}
	}
	out, err := Resources(deployment(good()), "Terraform")
	if err != nil {
		t.Fatal(err)
	}
	if len(out) != 1 || out[0].Type != inner["type"] || out[0].Name != inner["name"] || out[0].Scope != inner["scope"] ||
		out[0].APIVersion != inner["apiVersion"] || out[0].Properties["principalType"] != "ServicePrincipal" {
		t.Errorf("read %+v", out)
	}
	for _, tc := range []struct {
		name string
		edit func(p map[string]any)
		want string
	}{
		{"complete mode", func(p map[string]any) { p["mode"] = "Complete" }, "mode Complete is not Incremental"},
		{"inner scope", func(p map[string]any) { p["expressionEvaluationOptions"] = map[string]any{"scope": "Inner"} }, "not evaluated in the outer scope"},
		{"template parameters", func(p map[string]any) { p["template"].(map[string]any)["parameters"] = map[string]any{} }, `nested template key "parameters" has no Terraform spelling`},
		{"not an object", func(p map[string]any) { p["template"].(map[string]any)["resources"] = []any{"x"} }, "is not an object"},
		{"resource key", func(p map[string]any) {
			p["template"].(map[string]any)["resources"] = []any{map[string]any{"type": "T/x", "location": "eastus"}}
		}, `nested resource key "location" has no Terraform spelling`},
		{"wrong type", func(p map[string]any) {
			p["template"].(map[string]any)["resources"] = []any{map[string]any{"name": 3.0}}
		}, `nested resource key "name": unexpected float64`},
		{"no scope", func(p map[string]any) {
			p["template"].(map[string]any)["resources"] = []any{map[string]any{"type": "T/x", "name": "n"}}
		}, "nested resource T/x n names no scope"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := good()
			tc.edit(p)
			_, err := Resources(deployment(p), "Terraform")
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want %q", err, tc.want)
			}
		})
	}
}
