package policy

import (
	"reflect"
	"testing"

	"github.com/aizone/aizone/policy/expr"
	"github.com/aizone/aizone/policy/policytest"
)

// TestFieldFunctionTable is the table of field() results in Microsoft's
// "Author policies for array properties on Azure resources" (Referencing
// array fields), on its example resource, followed by what follows from its
// first row: a missing property is "", so the string functions take it.
func TestFieldFunctionTable(t *testing.T) {
	res := NewResource(policytest.JSONRoundTrip(t, map[string]any{
		"id":   "/subscriptions/s1/resourceGroups/rg1/providers/Microsoft.Test/resourceType/r1",
		"name": "r1", "type": "Microsoft.Test/resourceType", "location": "eastus",
		"tags": map[string]any{"env": "prod"},
		"properties": map[string]any{
			"stringArray": []any{"a", "b", "c"},
			"objectArray": []any{
				map[string]any{"property": "value1", "nestedArray": []any{1, 2}},
				map[string]any{"property": "value2", "nestedArray": []any{3, 4}},
			},
		},
	}).(map[string]any))
	objects := res.Raw["properties"].(map[string]any)["objectArray"]
	for _, tc := range []struct {
		expr string
		want any
	}{
		{"[field('Microsoft.Test/resourceType/missingArray')]", ""},
		{"[field('Microsoft.Test/resourceType/missingArray[*]')]", []any{}},
		{"[field('Microsoft.Test/resourceType/missingArray[*].property')]", []any{}},
		{"[field('Microsoft.Test/resourceType/stringArray')]", []any{"a", "b", "c"}},
		{"[field('Microsoft.Test/resourceType/stringArray[*]')]", []any{"a", "b", "c"}},
		{"[field('Microsoft.Test/resourceType/objectArray[*]')]", objects},
		{"[field('Microsoft.Test/resourceType/objectArray[*].property')]", []any{"value1", "value2"}},
		{"[field('Microsoft.Test/resourceType/objectArray[*].nestedArray')]", []any{[]any{1.0, 2.0}, []any{3.0, 4.0}}},
		{"[field('Microsoft.Test/resourceType/objectArray[*].nestedArray[*]')]", []any{1.0, 2.0, 3.0, 4.0}},
		// A missing property is "" wherever a function takes it.
		{"[length(field('Microsoft.Test/resourceType/missing'))]", 0.0},
		{"[toLower(field('Microsoft.Test/resourceType/missing'))]", ""},
		{"[split(field('Microsoft.Test/resourceType/missing'), '/')]", []any{""}},
		{"[empty(field('Microsoft.Test/resourceType/missing'))]", true},
		{"[equals(field('Microsoft.Test/resourceType/missing'), '')]", true}, // the built-in Cosmos DB throughput policies test for missing this way
		{"[coalesce(field('Microsoft.Test/resourceType/missing'), 'default')]", ""},
		{"[field('tags[missing]')]", ""},
		{"[field('kind')]", ""},
		{"[field('tags.env')]", "prod"},
	} {
		t.Run(tc.expr, func(t *testing.T) {
			got := evalOn(t, res, tc.expr)
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("%s = %#v, want %#v", tc.expr, got, tc.want)
			}
		})
	}
}

// evalOn evaluates one expression of a policy rule against res.
func evalOn(t *testing.T, res *Resource, text string) any {
	t.Helper()
	b := bindDefinition(t, `{"mode": "All", "policyRule": {"if": {"field": "type", "equals": "x"}, "then": {"effect": "audit"}}}`)
	n, err := expr.Parse(text)
	if err != nil {
		t.Fatal(err)
	}
	v, err := expr.Eval(n, &evalCtx{b: b, res: res, primary: res, env: &Env{}})
	if err != nil {
		t.Fatal(err)
	}
	return v
}
