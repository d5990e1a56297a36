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
			d, err := ParseDefinition([]byte(`{"properties": {"parameters": {"types": {"type": "Array", "defaultValue": ["A.B/p"]}},
				"policyRule": {"if": ` + tc.rule + `, "then": {"effect": "audit"}}}}`))
			if err != nil {
				t.Fatal(err)
			}
			cp, err := Compile(d, nil)
			if err != nil {
				t.Fatal(err)
			}
			b, err := cp.Bind(nil)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(b.types, tc.want) {
				t.Errorf("guard %q, want %q", b.types, tc.want)
			}
		})
	}
}
