package policy

import (
	"context"
	"strings"
	"testing"
)

// TestSetDefinition evaluates an initiative whose members take their
// parameters from the set's own, and an assignment of it.
func TestSetDefinition(t *testing.T) {
	defs := map[string]string{
		"tls": `{"name": "tls", "properties": {"mode": "Indexed",
  "parameters": {"effect": {"type": "String", "allowedValues": ["Audit", "Deny", "Disabled"]}, "minimum": {"type": "String", "defaultValue": "TLS1_2"}},
  "policyRule": {"if": {"allOf": [{"field": "type", "equals": "Microsoft.Storage/storageAccounts"},
    {"field": "Microsoft.Storage/storageAccounts/minimumTlsVersion", "notEquals": "[parameters('minimum')]"}]},
    "then": {"effect": "[parameters('effect')]"}}}}`,
		"tag": `{"name": "tag", "properties": {"mode": "Indexed",
  "parameters": {"tagName": {"type": "String"}},
  "policyRule": {"if": {"field": "[concat('tags[', parameters('tagName'), ']')]", "exists": false},
    "then": {"effect": "modify", "details": {"roleDefinitionIds": ["/providers/microsoft.authorization/roleDefinitions/x"],
      "operations": [{"operation": "add", "field": "[concat('tags[', parameters('tagName'), ']')]", "value": "[resourceGroup().name]"}]}}}}}`,
	}
	compiled := map[string]*Compiled{}
	for name, doc := range defs {
		d, err := ParseDefinition([]byte(doc))
		if err != nil {
			t.Fatal(err)
		}
		if compiled[name], err = Compile(d, nil); err != nil {
			t.Fatal(err)
		}
	}
	resolve := func(id string) (*Compiled, error) {
		if cp, ok := compiled[strings.ToLower(lastSegment(id))]; ok {
			return cp, nil
		}
		return nil, errString("not found")
	}
	set, err := ParseSetDefinition([]byte(`{"name": "baseline", "properties": {
  "parameters": {"effect": {"type": "String", "defaultValue": "Audit", "allowedValues": ["Audit", "Deny"]}, "costTag": {"type": "String", "defaultValue": "costCenter"}},
  "policyDefinitions": [
    {"policyDefinitionReferenceId": "tls", "policyDefinitionId": "/providers/Microsoft.Authorization/policyDefinitions/tls",
     "parameters": {"effect": {"value": "[parameters('effect')]"}}},
    {"policyDefinitionReferenceId": "cost-tag", "policyDefinitionId": "/providers/Microsoft.Authorization/policyDefinitions/tag",
     "parameters": {"tagName": {"value": "[parameters('costTag')]"}}}]}}`))
	if err != nil {
		t.Fatal(err)
	}
	cs, err := CompileSet(set, resolve)
	if err != nil {
		t.Fatal(err)
	}
	res := NewResource(map[string]any{
		"id":   "/subscriptions/s1/resourceGroups/data-rg/providers/Microsoft.Storage/storageAccounts/sa1",
		"type": "Microsoft.Storage/storageAccounts", "name": "sa1", "location": "westeurope",
		"tags":       map[string]any{"env": "prod"},
		"properties": map[string]any{"minimumTlsVersion": "TLS1_0"},
	})
	ctx := context.Background()

	bs, err := cs.Bind(map[string]any{"effect": "Deny"})
	if err != nil {
		t.Fatal(err)
	}
	got := bs.Evaluate(ctx, res, nil)
	if len(got) != 2 {
		t.Fatalf("%d results", len(got))
	}
	if got[0].ReferenceID != "tls" || got[0].Effect != "deny" || got[0].Compliant {
		t.Errorf("tls: %+v", got[0])
	}
	if got[1].ReferenceID != "cost-tag" || got[1].Effect != "modify" || len(got[1].Operations) != 1 ||
		got[1].Operations[0].Field != "tags[costCenter]" || got[1].Operations[0].Value != "data-rg" {
		t.Errorf("cost-tag: %+v", got[1])
	}

	// An assignment that excludes the resource group.
	a, err := ParseAssignment([]byte(`{"id": "/subscriptions/s1/providers/Microsoft.Authorization/policyAssignments/a1",
  "properties": {"policyDefinitionId": "/providers/Microsoft.Authorization/policySetDefinitions/baseline", "scope": "/subscriptions/s1",
    "notScopes": ["/subscriptions/s1/resourceGroups/DATA-RG"]}}`))
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range bs.ForAssignment(a).Evaluate(ctx, res, nil) {
		if r.State != NotApplicable || r.AssignmentID != a.ID || !strings.Contains(r.Reasons[0], "notScopes") {
			t.Errorf("notScopes: %+v", r)
		}
	}

	// Set parameter values are checked like a definition's.
	if _, err := cs.Bind(map[string]any{"effect": "Disabled"}); err == nil || !strings.Contains(err.Error(), "not an allowed value") {
		t.Errorf("bind with a disallowed value: %v", err)
	}
	if _, err := cs.Bind(map[string]any{"nope": 1}); err == nil {
		t.Error("bind with an undefined parameter: no error")
	}
}

func TestSetDefinitionErrors(t *testing.T) {
	for _, tc := range []struct{ doc, want string }{
		{`{"properties": {"policyDefinitions": [{"policyDefinitionId": "/x", "parameters": {"p": {"value": "[parameters('undeclared')]"}}}]}}`,
			`properties.policyDefinitions[0].parameters: refers to parameter "undeclared"`},
		{`{"properties": {"policyDefinitions": [{"parameters": {}}]}}`, "properties.policyDefinitions[0].policyDefinitionId: missing"},
		{`{"properties": {"displayName": "x"}}`, "properties.policyDefinitions: missing"},
	} {
		s, err := ParseSetDefinition([]byte(tc.doc))
		if err == nil {
			err = s.Check()
		}
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want %q", tc.doc, err, tc.want)
		}
	}
}

type errString string

func (e errString) Error() string { return string(e) }

// TestSetPinnedVersion: a member pinned to a definitionVersion other than
// the one available, whose parameters differ, is reported as exactly that:
// which set, which member, which version is pinned and which available,
// which parameters differ. Versions that match bind as before.
func TestSetPinnedVersion(t *testing.T) {
	d, err := ParseDefinition([]byte(`{"name": "ports", "properties": {"mode": "All", "version": "7.0.0",
  "parameters": {"effect": {"type": "String", "defaultValue": "Audit"}, "allowedHostPorts": {"type": "Object"}},
  "policyRule": {"if": {"field": "type", "equals": "A.B/c"}, "then": {"effect": "[parameters('effect')]"}}}}`))
	if err != nil {
		t.Fatal(err)
	}
	cp, err := Compile(d, nil)
	if err != nil {
		t.Fatal(err)
	}
	resolve := func(string) (*Compiled, error) { return cp, nil }
	set := func(version, params string) *CompiledSet {
		t.Helper()
		s, err := ParseSetDefinition([]byte(`{"name": "benchmark", "properties": {"displayName": "Security benchmark",
  "policyDefinitions": [{"policyDefinitionReferenceId": "HostPorts", "policyDefinitionId": "/providers/Microsoft.Authorization/policyDefinitions/ports",
    "definitionVersion": "` + version + `", "parameters": ` + params + `}]}}`))
		if err != nil {
			t.Fatal(err)
		}
		cs, err := CompileSet(s, resolve)
		if err != nil {
			t.Fatal(err)
		}
		return cs
	}
	_, err = set("6.*.*", `{"minPort": {"value": 0}, "maxPort": {"value": 1}}`).Bind(nil)
	if err == nil {
		t.Fatal("bound")
	}
	for _, want := range []string{
		`set benchmark ("Security benchmark") pins member HostPorts (policy definition /providers/Microsoft.Authorization/policyDefinitions/ports) to definitionVersion 6.*.*, but the definition available is version 7.0.0`,
		"the set passes maxPort, minPort, which version 7.0.0 does not declare",
		"version 7.0.0 requires allowedHostPorts, which the set does not pass",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q\ndoes not say %q", err, want)
		}
	}
	// A pin the available version satisfies binds.
	if _, err := set("7.*.*", `{"allowedHostPorts": {"value": {}}}`).Bind(nil); err != nil {
		t.Errorf("7.*.*: %v", err)
	}
	// Another failure of a mismatched version names both versions.
	_, err = set("6.*.*", `{"allowedHostPorts": {"value": []}}`).Bind(nil)
	if err == nil || !strings.Contains(err.Error(), "definitionVersion 6.*.*, but the definition available is version 7.0.0: ") || !strings.Contains(err.Error(), "want Object") {
		t.Errorf("type error of a mismatched version: %v", err)
	}
	for _, tc := range []struct {
		pattern, version string
		ok               bool
	}{
		{"6.*.*", "6.1.0", true}, {"6.*.*", "7.0.0", false}, {"1.0.*", "1.0.3-preview", true}, {"1.1.0", "1.0.0", false}, {"2.*.*", "", false},
	} {
		if versionMatches(tc.pattern, tc.version) != tc.ok {
			t.Errorf("versionMatches(%q, %q) != %v", tc.pattern, tc.version, tc.ok)
		}
	}
}
