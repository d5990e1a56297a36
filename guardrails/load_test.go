package guardrails

import (
	"strings"
	"testing"
	"testing/fstest"
)

// TestLoadRejects checks that load refuses embedded files that would break
// the promises the package makes (an effect parameter with Disabled, every
// definition in the initiative, members that bind).
func TestLoadRejects(t *testing.T) {
	def := func(name, params, effect, cond string) string {
		return `{"name": "` + name + `", "type": "Microsoft.Authorization/policyDefinitions", "properties": {
			"displayName": "x", "mode": "All", "parameters": {` + params + `},
			"policyRule": {"if": ` + cond + `, "then": {"effect": "` + effect + `"}}}}`
	}
	const effect = `"effect": {"type": "String", "allowedValues": ["Deny", "Disabled"], "defaultValue": "Deny"}`
	const cond = `{"field": "type", "equals": "Microsoft.Compute/virtualMachines"}`
	good := def("aizone-a", effect, "[parameters('effect')]", cond)
	set := func(params, members string) string {
		return `{"name": "aizone-ai-guardrails", "properties": {"parameters": {` + params + `}, "policyDefinitions": [` + members + `]}}`
	}
	const setEffect = `"aEffect": {"type": "String", "allowedValues": ["Deny", "Disabled"], "defaultValue": "Deny"}`
	member := func(id, params string) string {
		return `{"policyDefinitionReferenceId": "A", "policyDefinitionId": "` + id + `", "parameters": {` + params + `}}`
	}
	const at = PlaceholderScope + "/providers/Microsoft.Authorization/policyDefinitions/"
	goodMember := member(at+"aizone-a", `"effect": {"value": "[parameters('aEffect')]"}`)
	for _, tc := range []struct {
		name  string
		files map[string]string
		want  string
	}{
		{"no definitions", map[string]string{"initiative/aizone-ai-guardrails.json": set(setEffect, goodMember)}, "no definitions"},
		{"name differs from file", map[string]string{"definitions/aizone-b.json": good}, `want the file's name "aizone-b"`},
		{"no effect parameter", map[string]string{"definitions/aizone-a.json": def("aizone-a", `"x": {"type": "String"}`, "Deny", cond)}, "no effect parameter"},
		{"effect default not allowed", map[string]string{"definitions/aizone-a.json": def("aizone-a",
			`"effect": {"type": "String", "allowedValues": ["Deny", "Disabled"], "defaultValue": "Audit"}`, "[parameters('effect')]", cond)}, "not one of its allowed values"},
		{"effect cannot be disabled", map[string]string{"definitions/aizone-a.json": def("aizone-a",
			`"effect": {"type": "String", "allowedValues": ["Deny"], "defaultValue": "Deny"}`, "[parameters('effect')]", cond)}, "must allow Disabled"},
		{"effect not the parameter", map[string]string{"definitions/aizone-a.json": def("aizone-a", effect, "Deny", cond)}, "[parameters('effect')]"},
		{"rule does not compile", map[string]string{"definitions/aizone-a.json": def("aizone-a", effect, "[parameters('effect')]", `{"field": "type", "resembles": "x"}`)}, "resembles"},
		{"no initiative", map[string]string{"definitions/aizone-a.json": good}, "aizone-ai-guardrails.json"},
		{"unknown member", map[string]string{"definitions/aizone-a.json": good,
			"initiative/aizone-ai-guardrails.json": set(setEffect, goodMember+","+member(at+"aizone-z", ""))}, "no embedded definition aizone-z"},
		{"member at another scope", map[string]string{"definitions/aizone-a.json": good,
			"initiative/aizone-ai-guardrails.json": set(setEffect, member("/providers/Microsoft.Authorization/policyDefinitions/aizone-a", ""))}, "is not at"},
		{"required parameter not passed", map[string]string{
			"definitions/aizone-a.json":            def("aizone-a", effect+`, "sizes": {"type": "Array"}`, "[parameters('effect')]", cond),
			"initiative/aizone-ai-guardrails.json": set(setEffect, goodMember)}, "required parameter sizes"},
		{"effect not an initiative parameter", map[string]string{"definitions/aizone-a.json": good,
			"initiative/aizone-ai-guardrails.json": set(setEffect, member(at+"aizone-a", `"effect": {"value": "Deny"}`))}, "effect must be an initiative parameter"},
		{"definition in no member", map[string]string{"definitions/aizone-a.json": good,
			"definitions/aizone-b.json":            def("aizone-b", effect, "[parameters('effect')]", cond),
			"initiative/aizone-ai-guardrails.json": set(setEffect, goodMember)}, "aizone-b is in no member"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fsys := fstest.MapFS{}
			for n, data := range tc.files {
				fsys[n] = &fstest.MapFile{Data: []byte(data)}
			}
			_, err := load(fsys)
			if err == nil {
				t.Fatalf("loaded, want an error containing %q", tc.want)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q, want it to contain %q", err, tc.want)
			}
		})
	}
	t.Run("minimal set loads", func(t *testing.T) {
		fsys := fstest.MapFS{
			"definitions/aizone-a.json":            {Data: []byte(good)},
			"initiative/aizone-ai-guardrails.json": {Data: []byte(set(setEffect, goodMember))},
		}
		s, err := load(fsys)
		if err != nil {
			t.Fatal(err)
		}
		if len(s.Members) != 1 || s.Members[0].EffectParameter != "aEffect" || s.Members[0].Guardrail != "aizone-a" {
			t.Errorf("members %+v", s.Members)
		}
	})
}
