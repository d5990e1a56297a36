package policy

import (
	"context"
	"strings"
	"testing"
)

// FuzzParseDefinition feeds arbitrary bytes through parse, compile, bind and
// evaluate: whatever the input, the engine must return an error or a
// result, never panic.
func FuzzParseDefinition(f *testing.F) {
	seeds := []string{
		`{"properties":{"mode":"All","policyRule":{"if":{"field":"type","equals":"Microsoft.Storage/storageAccounts"},"then":{"effect":"deny"}}}}`,
		`{"policyRule":{"if":{"count":{"field":"Microsoft.Network/networkSecurityGroups/securityRules[*]","where":{"field":"Microsoft.Network/networkSecurityGroups/securityRules[*].access","equals":"Allow"}},"greater":0},"then":{"effect":"audit"}}}`,
		`{"policyRule":{"if":{"value":"[concat(field('name'), parameters('p'))]","like":"a*"},"then":{"effect":"[parameters('effect')]"}},"parameters":{"p":{"type":"String","defaultValue":"x"},"effect":{"type":"String","defaultValue":"Audit"}}}`,
		`{"policyRule":{"if":{"not":{"anyOf":[{"field":"tags['a']","exists":false}]}},"then":{"effect":"auditIfNotExists","details":{"type":"Microsoft.Insights/diagnosticSettings","existenceCondition":{"field":"name","equals":"[field('name')]"}}}}}`,
		`{"policyRule":{"if":{"count":{"value":[1,2],"name":"n","where":{"value":"[current('n')]","greater":1}},"equals":1},"then":{"effect":"modify","details":{"operations":[{"operation":"addOrReplace","field":"tags['x']","value":"y"}]}}}}`,
		`{"policyRule":{"if":{"field":"[concat('tags[', 'x', ']')]","equals":""},"then":{"effect":"append","details":[{"field":"tags","value":{"a":"b"}}]}}}`,
		`{]`, `null`, `[]`, `{"policyRule":{}}`,
		// Inputs of the outside test campaign (issue 12).
		`{"properties":{"mode":"All","policyRule":{"if":{"value":"[length(field('Microsoft.Storage/storageAccounts/missing'))]","equals":0},"then":{"effect":"deny"}}}}`,
		`{"properties":{"mode":"All","parameters":{"s":{"type":"Object","defaultValue":{"eastus":{"ip":"10.0.0.4"}}}},"policyRule":{"if":{"allOf":[{"field":"type","equals":"Microsoft.Network/routeTables/routes"},{"field":"Microsoft.Network/routeTables/routes/nextHopIpAddress","notEquals":"[parameters('s')[field('location')].ip]"}]},"then":{"effect":"deny"}}}}`,
		`{"properties":{"mode":"Indexed","parameters":{"effect":{"type":"String","allowedValues":["Audit","Deny"],"defaultValue":"deny"}},"policyRule":{"if":{"field":"location","exists":true},"then":{"effect":"[parameters('effect')]"}}}}`,
		nestedReplace(30),
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	res := generateResources(24)
	env := &Env{Resources: NewResources(res)}
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := ParseDefinition(data)
		if err != nil {
			return
		}
		cp, err := Compile(d, nil)
		if err != nil {
			return
		}
		b, err := cp.Bind(nil)
		if err != nil {
			return
		}
		for _, r := range res {
			b.Evaluate(context.Background(), r, env)
		}
	})
}

// FuzzLike checks the allocation-free ASCII matcher against the plain
// lower-case one it stands in for.
func FuzzLike(f *testing.F) {
	for _, c := range [][2]string{
		{"Microsoft.Compute/virtualMachines", "microsoft.compute/*"},
		{"vm-GPU-01", "*gpu*"},
		{"abc", "a**c"},
		{"abc", "*"},
		{"", ""},
		{"ab", "a*b*"},
		{"aXbXc", "a*b*c"},
		{"abcabc", "*abc"},
		{"Standard_ND96isr_H100_v5", "standard_nd*_v5"},
	} {
		f.Add(c[0], c[1])
	}
	f.Fuzz(func(t *testing.T, s, p string) {
		if !isASCII(s) || !isASCII(p) {
			return
		}
		if got, want := likeASCII(s, p), likeLower(strings.ToLower(s), strings.ToLower(p)); got != want {
			t.Errorf("like(%q, %q) = %v, want %v", s, p, got, want)
		}
	})
}

// FuzzParseSetDefinition feeds arbitrary bytes through set parsing,
// compiling (every member resolves to one definition, version 7.0.0) and
// binding, which explains members pinned to another definitionVersion.
func FuzzParseSetDefinition(f *testing.F) {
	for _, s := range []string{
		`{"name":"s","properties":{"parameters":{"e":{"type":"String","defaultValue":"audit","allowedValues":["Audit","Deny"]}},"policyDefinitions":[{"policyDefinitionId":"/providers/Microsoft.Authorization/policyDefinitions/d","parameters":{"effect":{"value":"[parameters('e')]"}}}]}}`,
		`{"name":"mcsb","properties":{"policyDefinitions":[{"policyDefinitionReferenceId":"ports","policyDefinitionId":"/providers/Microsoft.Authorization/policyDefinitions/d","definitionVersion":"6.*.*","parameters":{"minPort":{"value":0},"maxPort":{"value":1}}}]}}`,
		`{"properties":{"policyDefinitions":[{"policyDefinitionId":"d","definitionVersion":"*.*.*"}]}}`,
		`{"properties":{"policyDefinitions":{}}}`, `{]`, `[]`,
	} {
		f.Add([]byte(s))
	}
	d, err := ParseDefinition([]byte(`{"name": "d", "properties": {"mode": "All", "version": "7.0.0",
		"parameters": {"effect": {"type": "String", "defaultValue": "Audit", "allowedValues": ["Audit", "Deny", "Disabled"]}, "allowedHostPorts": {"type": "Object", "defaultValue": {}}},
		"policyRule": {"if": {"field": "type", "equals": "A.B/c"}, "then": {"effect": "[parameters('effect')]"}}}}`))
	if err != nil {
		f.Fatal(err)
	}
	cp, err := Compile(d, nil)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := ParseSetDefinition(data)
		if err != nil {
			return
		}
		cs, err := CompileSet(s, func(string) (*Compiled, error) { return cp, nil })
		if err != nil {
			return
		}
		_, _ = cs.Bind(nil)
	})
}
