package equiv

import (
	"strings"
	"testing"
)

const tmpl = `{"parameters": {"p": {"type": "string", "metadata": {"description": "d"}}},
 "outputs": {"o": {"type": "string", "value": "[resourceId('rg', 'A/b', 'x')]"}},
 "resources": [
  {"type": "Microsoft.Resources/resourceGroups", "apiVersion": "1", "name": "rg", "properties": {}},
  {"type": "Microsoft.Resources/deployments", "apiVersion": "1", "name": "d", "resourceGroup": "rg",
   "dependsOn": ["[subscriptionResourceId('Microsoft.Resources/resourceGroups', 'rg')]"],
   "properties": {"mode": "Incremental", "expressionEvaluationOptions": {"scope": "Outer"}, "template": {"resources": [
     {"type": "A/b", "apiVersion": "1", "name": "x", "properties": {"v": 1}},
     {"type": "A/b/c", "apiVersion": "1", "name": "x/y", "properties": {}, "dependsOn": ["[resourceId('rg', 'A/b', 'x')]"]}
   ]}}}]}`

func TestFromTemplate(t *testing.T) {
	m, err := FromTemplate([]byte(tmpl), []byte(`{"parameters": {"p": {"value": "v"}}}`))
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Records) != 3 || m.Outputs["o"] == "" || !m.Params["p"].HasValue {
		t.Fatalf("model %+v", m)
	}
	c := Closure(m.Order)
	rg, x, y := "Microsoft.Resources/resourceGroups rg= scope= name=rg", "A/b rg=rg scope= name=x", "A/b/c rg=rg scope= name=x/y"
	if !c[rg][y] || !c[x][y] || c[y][x] {
		t.Errorf("order %v", c)
	}
	if d := Compare(m, m, "same"); len(d) != 0 {
		t.Errorf("a model differs from itself: %q", d)
	}
	other, _ := FromTemplate([]byte(strings.Replace(tmpl, `"v": 1`, `"v": 2`, 1)), nil)
	other.Order = Graph{}
	d := Compare(m, other, "other")
	if len(d) < 2 || !strings.Contains(strings.Join(d, "\n"), "properties.v: template has 1, other 2") || !strings.Contains(strings.Join(d, "\n"), "the other need not") {
		t.Errorf("differences %q", d)
	}
}

func TestFromTemplateRefuses(t *testing.T) {
	for _, tc := range []struct{ edit, want string }{
		{`"scope": "Outer"`, "outer scope"},
		{`"dependsOn": ["[resourceId('rg', 'A/b', 'x')]"]`, "names no resource"},
	} {
		bad := strings.Replace(tmpl, tc.edit, map[string]string{
			`"scope": "Outer"`: `"scope": "Inner"`,
			`"dependsOn": ["[resourceId('rg', 'A/b', 'x')]"]`: `"dependsOn": ["[resourceId('rg', 'A/b', 'z')]"]`,
		}[tc.edit], 1)
		if _, err := FromTemplate([]byte(bad), nil); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("error %v, want %q", err, tc.want)
		}
	}
}
