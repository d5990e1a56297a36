package policy

import (
	"reflect"
	"testing"
)

// TestTypeGuard: which rules can dismiss a resource by its type alone. A
// guard must never change an outcome, including an evaluation error, so
// only conditions evaluated before anything that could fail qualify.
func TestTypeGuard(t *testing.T) {
	for _, tc := range []struct {
		name string
		rule string
		want []string // nil: no guard
	}{
		{"equals", `{"field": "type", "equals": "Microsoft.Storage/storageAccounts"}`, []string{"microsoft.storage/storageaccounts"}},
		{"first of allOf", `{"allOf": [{"field": "type", "in": ["A.B/c", "A.B/d"]}, {"field": "name", "like": "x*"}]}`, []string{"a.b/c", "a.b/d"}},
		{"parameter", `{"allOf": [{"field": "type", "in": "[parameters('types')]"}, {"field": "name", "equals": "x"}]}`, []string{"a.b/p"}},
		{"every member of anyOf", `{"anyOf": [{"allOf": [{"field": "type", "equals": "A.B/c"}, {"field": "name", "equals": "x"}]}, {"field": "type", "equals": "A.B/d"}]}`, []string{"a.b/c", "a.b/d"}},
		{"anyOf with an unguarded member", `{"anyOf": [{"field": "type", "equals": "A.B/c"}, {"field": "name", "equals": "x"}]}`, nil},
		{"not first in allOf", `{"allOf": [{"value": "[substring(field('name'), 0, 3)]", "equals": "abc"}, {"field": "type", "equals": "A.B/c"}]}`, nil},
		{"notEquals", `{"field": "type", "notEquals": "A.B/c"}`, nil},
		{"under not", `{"not": {"field": "type", "equals": "A.B/c"}}`, nil},
		{"depends on the resource", `{"field": "type", "equals": "[field('kind')]"}`, nil},
		{"in an empty list", `{"field": "type", "in": []}`, []string{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := bindDefinition(t, `{"parameters": {"types": {"type": "Array", "defaultValue": ["A.B/p"]}},
				"policyRule": {"if": `+tc.rule+`, "then": {"effect": "audit"}}}`)
			if !reflect.DeepEqual(b.types, tc.want) {
				t.Errorf("guard %q, want %q", b.types, tc.want)
			}
		})
	}
}

// TestRelated: what an *IfNotExists rule asks for, resolved with the
// assignment's parameters but never with a resource.
func TestRelated(t *testing.T) {
	for _, tc := range []struct {
		name    string
		then    string
		want    RelatedSpec
		wantOK  bool
		binding map[string]any
	}{
		{"literal", `{"effect": "auditIfNotExists", "details": {"type": "Microsoft.Insights/diagnosticSettings"}}`,
			RelatedSpec{Type: "microsoft.insights/diagnosticsettings"}, true, nil},
		{"named by a parameter", `{"effect": "[parameters('effect')]", "details": {"type": "[parameters('t')]", "name": "[parameters('n')]"}}`,
			RelatedSpec{Type: "microsoft.network/networkwatchers", Name: "NetworkWatcher_eastus"}, true,
			map[string]any{"effect": "DeployIfNotExists", "n": "NetworkWatcher_eastus"}},
		{"itself", `{"effect": "auditIfNotExists", "details": {"type": "A.B/c", "name": "[field('name')]"}}`,
			RelatedSpec{Type: "a.b/c", Self: true}, true, nil},
		{"in another group", `{"effect": "auditIfNotExists", "details": {"type": "A.B/c", "name": "[field('name')]", "resourceGroupName": "rg-x"}}`,
			RelatedSpec{Type: "a.b/c", Self: true, GroupScoped: true}, true, nil},
		{"type from the resource", `{"effect": "auditIfNotExists", "details": {"type": "[concat(field('type'), '/x')]"}}`,
			RelatedSpec{}, true, nil},
		{"disabled by its parameter", `{"effect": "[parameters('effect')]", "details": {"type": "A.B/c"}}`,
			RelatedSpec{}, false, map[string]any{"effect": "Disabled"}},
		{"audit", `{"effect": "audit"}`, RelatedSpec{}, false, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, err := ParseDefinition([]byte(`{"properties": {"parameters": {
				"effect": {"type": "String", "defaultValue": "AuditIfNotExists"},
				"t": {"type": "String", "defaultValue": "Microsoft.Network/networkWatchers"},
				"n": {"type": "String", "defaultValue": "nw"}},
				"policyRule": {"if": {"field": "type", "equals": "A.B/c"}, "then": ` + tc.then + `}}}`))
			if err != nil {
				t.Fatal(err)
			}
			cp, err := Compile(d, nil)
			if err != nil {
				t.Fatal(err)
			}
			b, err := cp.Bind(tc.binding)
			if err != nil {
				t.Fatal(err)
			}
			got, ok := b.Related()
			if ok != tc.wantOK || got != tc.want {
				t.Errorf("Related() = %+v, %v; want %+v, %v", got, ok, tc.want, tc.wantOK)
			}
		})
	}
}
