package resources_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/aizone/aizone/catalog"
	"github.com/aizone/aizone/emit/arm"
	"github.com/aizone/aizone/plan"
	"github.com/aizone/aizone/resources"
	"github.com/aizone/aizone/spec"
)

// TestUserStringsAreLiterals: a zone file's strings that look like
// template expressions reach the template escaped, in every field, keys
// included, and the template stays valid (issue 12 item 1).
func TestUserStringsAreLiterals(t *testing.T) {
	const payload = "listKeys(resourceId('Microsoft.Storage/storageAccounts', 'x'), '2023-01-01').keys[0].value"
	zone := `name: inject
region: eastus
placement:
  tags:
    costCenter: "[` + payload + `]"
    workload: "[concat('a', 'b')]"
    dataClassification: confidential
    "[concat('a', 'key')]": owner
  budget:
    contact_emails: ["[x@contoso.com]"]
network:
  address_space: [10.64.0.0/16]
workloads:
  - {name: train, kind: training, model: llama-3.1-8b, tokens: 1B, deadline: 7d}
  - {name: chat, kind: inference, model: llama-3.1-8b, requests_per_second: 5}
`
	z, err := spec.Parse("inject.yaml", []byte(zone))
	if err != nil {
		t.Fatal(err)
	}
	c, err := catalog.Default()
	if err != nil {
		t.Fatal(err)
	}
	if err := plan.Check(z, c); err != nil {
		t.Fatal(err)
	}
	p := plan.Make(z, c, plan.Options{AsOf: "2026-11-27"})
	rs := resources.Build(p)
	data, err := arm.Marshal(arm.Template(rs, resources.Parameters(p, rs)))
	if err != nil {
		t.Fatal(err)
	}
	var tmpl any
	if err := json.Unmarshal(data, &tmpl); err != nil {
		t.Fatal(err)
	}
	found := 0
	var walk func(path string, v any)
	check := func(path, s string) {
		if strings.Contains(s, "listKeys") || strings.Contains(s, "concat('a'") {
			found++
			if !strings.HasPrefix(s, "[[") {
				t.Errorf("%s: user string %q reaches the template unescaped", path, s)
			}
		}
	}
	walk = func(path string, v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, e := range x {
				check(path+" key", k)
				walk(path+"."+k, e)
			}
		case []any:
			for _, e := range x {
				walk(path+"[]", e)
			}
		case string:
			check(path, x)
		}
	}
	walk("$", tmpl)
	if found < 10 {
		t.Errorf("only %d places carry the injected strings: the test did not reach the tags", found)
	}
	if resources.Literal("[x]") != "[[x]" || resources.Literal("[[x]") != "[[[x]" || resources.Literal("x]") != "x]" {
		t.Error("Literal")
	}
}
