package policy

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aizone/aizone/policy/expr"
)

// nestedReplace is the definition of the outside test campaign (issue 12,
// item 10): a rule of about a kilobyte whose value nests replace() deep
// times, each call doubling the string, so that 30 levels would build a
// gigabyte.
func nestedReplace(deep int) string {
	e := "'ab'"
	for range deep {
		e = "replace(" + e + ", 'a', 'aa')"
	}
	return `{"properties": {"mode": "All", "policyRule": {
		"if": {"value": "[` + e + `]", "equals": "x"},
		"then": {"effect": "deny"}}}}`
}

// TestNestedReplaceFailsFast: the definition fails to evaluate, as Azure
// fails a function that returns a string over its documented limit, with
// an error that names the function and the limit; the engine never builds
// the string (the test would take seconds and gigabytes if it did).
func TestNestedReplaceFailsFast(t *testing.T) {
	src := nestedReplace(30)
	if len(src) > 1200 {
		t.Fatalf("definition is %d bytes, want about a kilobyte", len(src))
	}
	d, err := ParseDefinition([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	cp, err := Compile(d, nil)
	if err != nil {
		t.Fatal(err)
	}
	res := NewResource(map[string]any{"type": "Microsoft.Storage/storageAccounts", "name": "sa", "location": "eastus"})
	r := Evaluate(context.Background(), cp, nil, res, nil)
	if r.State != Failed || r.Compliant {
		t.Fatalf("state %s, compliant %v; want a failed, non-compliant evaluation", r.State, r.Compliant)
	}
	for _, want := range []string{"replace()", "131072 characters"} {
		if !strings.Contains(r.Error, want) {
			t.Errorf("error %q does not say %q", r.Error, want)
		}
	}
	// Seventeen levels build 131,073 characters: just too long. Sixteen
	// stay under the limit and evaluate.
	for deep, fails := range map[int]bool{17: true, 16: false} {
		d, err := ParseDefinition([]byte(nestedReplace(deep)))
		if err != nil {
			t.Fatal(err)
		}
		cp, err := Compile(d, nil)
		if err != nil {
			t.Fatal(err)
		}
		if r := Evaluate(context.Background(), cp, nil, res, nil); (r.State == Failed) != fails {
			t.Errorf("%d levels: state %s (%s)", deep, r.State, r.Error)
		}
	}
}

// BenchmarkNestedReplace measures how fast the 30-deep replace() definition
// fails.
func BenchmarkNestedReplace(b *testing.B) {
	d, err := ParseDefinition([]byte(nestedReplace(30)))
	if err != nil {
		b.Fatal(err)
	}
	cp, err := Compile(d, nil)
	if err != nil {
		b.Fatal(err)
	}
	res := NewResource(map[string]any{"type": "Microsoft.Storage/storageAccounts", "name": "sa", "location": "eastus"})
	for b.Loop() {
		if r := Evaluate(context.Background(), cp, nil, res, nil); r.State != Failed {
			b.Fatalf("state %s", r.State)
		}
	}
}

// TestExpressionLimitsAtCompile: the limits Azure enforces when a
// definition is created are compile errors, naming the limit.
func TestExpressionLimitsAtCompile(t *testing.T) {
	deep := "'x'"
	for range expr.MaxNesting + 1 {
		deep = "toLower(" + deep + ")"
	}
	args := strings.Repeat("'a', ", expr.MaxArguments) + "'a'"
	long := "'" + strings.Repeat("a", expr.MaxExpressionLength) + "'"
	for name, value := range map[string]string{
		"nesting":   "[" + deep + "]",
		"arguments": "[concat(" + args + ")]",
		"length":    "[concat(" + long + ", 'b')]",
	} {
		t.Run(name, func(t *testing.T) {
			d, err := ParseDefinition([]byte(`{"properties": {"policyRule": {
				"if": {"value": "` + value + `", "equals": "x"}, "then": {"effect": "deny"}}}}`))
			if err != nil {
				t.Fatal(err)
			}
			_, err = Compile(d, nil)
			if err == nil || !errors.Is(err, expr.ErrLimit) || !strings.Contains(err.Error(), "properties.policyRule.if.value") {
				t.Fatalf("compile error %v, want a limit error at properties.policyRule.if.value", err)
			}
		})
	}
}

// TestRuleLimits: Azure's limits on a rule's structure are compile errors
// at the path of the part over the limit; a value count over too many
// members fails the evaluation.
func TestRuleLimits(t *testing.T) {
	conds := func(k int) string {
		return `{"anyOf": [` + strings.TrimSuffix(strings.Repeat(`{"field": "name", "equals": "x"}, `, k), ", ") + `]}`
	}
	counts := func(k int, field bool) string {
		c := `{"count": {"value": [1], "where": {"value": "[current()]", "equals": 1}}, "equals": 1}`
		if field {
			c = `{"count": {"field": "Microsoft.Network/virtualNetworks/subnets[*]"}, "equals": 1}`
		}
		return `{"allOf": [` + strings.TrimSuffix(strings.Repeat(c+", ", k), ", ") + `]}`
	}
	// funcs is an allOf of value conditions calling k functions in all,
	// at most 100 in each.
	funcs := func(k int) string {
		var parts []string
		for k > 0 {
			n := min(k, 100)
			parts = append(parts, `{"value": "[concat(`+strings.TrimSuffix(strings.Repeat("toLower('a'), ", n-1), ", ")+`)]", "equals": "x"}`)
			k -= n
		}
		return `{"allOf": [` + strings.Join(parts, ", ") + `]}`
	}
	aine := func(k int) string {
		return `{"if": {"field": "type", "equals": "A.B/c"}, "then": {"effect": "auditIfNotExists", "details": {"type": "A.B/d", "existenceCondition": ` + conds(k) + `}}}`
	}
	for _, tc := range []struct {
		name, rule string
		path       string // "" when the rule must compile
	}{
		{"4096 conditions", `{"if": ` + conds(4096) + `, "then": {"effect": "deny"}}`, ""},
		{"4097 conditions", `{"if": ` + conds(4097) + `, "then": {"effect": "deny"}}`, "properties.policyRule.if: 4097 conditions"},
		{"128 existence conditions", aine(128), ""},
		{"129 existence conditions", aine(129), "properties.policyRule.then.details.existenceCondition: 129 conditions"},
		{"2048 functions", `{"if": ` + funcs(2048) + `, "then": {"effect": "deny"}}`, ""},
		{"2049 functions", `{"if": ` + funcs(2049) + `, "then": {"effect": "deny"}}`, "properties.policyRule.if.allOf[20].value: the policy rule calls more than 2048 functions"},
		{"5 field counts", `{"if": ` + counts(5, true) + `, "then": {"effect": "deny"}}`, ""},
		{"6 field counts", `{"if": ` + counts(6, true) + `, "then": {"effect": "deny"}}`, "properties.policyRule.if.allOf[5].count.field: more than 5 field count"},
		{"10 value counts", `{"if": ` + counts(10, false) + `, "then": {"effect": "deny"}}`, ""},
		{"11 value counts", `{"if": ` + counts(11, false) + `, "then": {"effect": "deny"}}`, "properties.policyRule.if.allOf[10].count.value: more than 10 value count"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, err := ParseDefinition([]byte(`{"properties": {"mode": "All", "policyRule": ` + tc.rule + `}}`))
			if err != nil {
				t.Fatal(err)
			}
			_, err = Compile(d, nil)
			if tc.path == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !errors.Is(err, expr.ErrLimit) || !strings.Contains(err.Error(), tc.path) {
				t.Fatalf("error %v, want a limit error containing %q", err, tc.path)
			}
		})
	}
	res := NewResource(map[string]any{"type": "A.B/c", "name": "x", "location": "eastus"})
	for _, tc := range []struct {
		name, rule string
		fails      bool
	}{
		{"100 iterations", `{"count": {"value": "[range(0, 100)]", "where": {"value": "[current()]", "less": 0}}, "equals": 0}`, false},
		{"101 iterations", `{"count": {"value": "[range(0, 101)]", "where": {"value": "[current()]", "less": 0}}, "equals": 0}`, true},
		{"nested, 10 times 10", `{"count": {"value": "[range(0, 10)]", "name": "a", "where": {"count": {"value": "[range(0, 10)]", "name": "b", "where": {"value": "[current('b')]", "less": 0}}, "equals": 0}}, "equals": 10}`, false},
		{"nested, 10 times 11", `{"count": {"value": "[range(0, 10)]", "name": "a", "where": {"count": {"value": "[range(0, 11)]", "name": "b", "where": {"value": "[current('b')]", "less": 0}}, "equals": 0}}, "equals": 10}`, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, err := ParseDefinition([]byte(`{"properties": {"mode": "All", "policyRule": {"if": ` + tc.rule + `, "then": {"effect": "deny"}}}}`))
			if err != nil {
				t.Fatal(err)
			}
			cp, err := Compile(d, nil)
			if err != nil {
				t.Fatal(err)
			}
			r := Evaluate(context.Background(), cp, nil, res, nil)
			if (r.State == Failed) != tc.fails {
				t.Fatalf("state %s (%s)", r.State, r.Error)
			}
			if tc.fails && !strings.Contains(r.Error, "more than the 100 Azure Policy allows") {
				t.Errorf("error %q does not name the limit", r.Error)
			}
		})
	}
}
