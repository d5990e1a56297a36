package armschema

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestUnlistedTypesIndexed: the real INDEX.txt does not list the firewall
// policy types, but 2025-07-01/Microsoft.Network.NRP.json, which it names
// for virtualNetworks, defines them; they are indexed from that file, at
// its version, and validate against their official schemas.
func TestUnlistedTypesIndexed(t *testing.T) {
	v := realValidator(t)
	versions := v.APIVersions()
	for _, typ := range []string{"Microsoft.Network/firewallPolicies", "Microsoft.Network/firewallPolicies/ruleCollectionGroups"} {
		ts, ok := v.types[strings.ToLower(typ)]
		if !ok {
			t.Fatalf("%s: not indexed", typ)
		}
		if ts.file != "2025-07-01/Microsoft.Network.NRP.json" || versions[ts.typ] != "2025-07-01" {
			t.Errorf("%s: file %s, apiVersion %s; want 2025-07-01/Microsoft.Network.NRP.json at 2025-07-01", typ, ts.file, versions[ts.typ])
		}
		if ts.typ != typ {
			t.Errorf("spelled %q, want the schema's %q", ts.typ, typ)
		}
	}

	policy := obj{
		"type": "Microsoft.Network/firewallPolicies", "apiVersion": "2025-07-01", "name": "afwp-ai-eastus", "location": "eastus",
		"properties": obj{"sku": obj{"tier": "Standard"}, "threatIntelMode": "Deny", "dnsSettings": obj{"enableProxy": true}},
	}
	group := obj{
		"type": "Microsoft.Network/firewallPolicies/ruleCollectionGroups", "apiVersion": "2025-07-01", "name": "afwp-ai-eastus/aks",
		"dependsOn": arr{"[resourceId('Microsoft.Network/firewallPolicies', 'afwp-ai-eastus')]"},
		"properties": obj{"priority": 200, "ruleCollections": arr{
			obj{"ruleCollectionType": "FirewallPolicyFilterRuleCollection", "name": "aks-network", "priority": 100,
				"action": obj{"type": "Allow"}, "rules": arr{obj{
					"ruleType": "NetworkRule", "name": "batch-node-management", "ipProtocols": arr{"TCP"},
					"sourceAddresses": arr{"10.0.0.0/24"}, "destinationAddresses": arr{"BatchNodeManagement.eastus"}, "destinationPorts": arr{"443"},
				}}},
			obj{"ruleCollectionType": "FirewallPolicyFilterRuleCollection", "name": "aks-application", "priority": 200,
				"action": obj{"type": "Allow"}, "rules": arr{obj{
					"ruleType": "ApplicationRule", "name": "aks-required", "description": "what AKS nodes need",
					"sourceAddresses": arr{"10.0.0.0/24"}, "targetFqdns": arr{"mcr.microsoft.com"},
					"protocols": arr{obj{"protocolType": "Https", "port": 443}},
				}}},
		}},
	}
	for _, r := range []obj{policy, group} {
		if err := v.Validate(r); err != nil {
			t.Errorf("Validate(%s): %v", r["type"], err)
		}
	}

	// The official schema is really applied: a misspelt rule collection
	// type and a string priority are both reported.
	group["properties"].(obj)["priority"] = "high"
	group["properties"].(obj)["ruleCollections"].(arr)[0].(obj)["ruleCollectionType"] = "FilterRuleCollection"
	err := v.Validate(group)
	if err == nil {
		t.Fatal("Validate(broken rule collection group) = nil")
	}
	for _, want := range []string{"at /properties/priority", "at /properties/ruleCollections/0"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("Validate = %v\nwant a violation %s", err, want)
		}
	}
}

// TestFileTypesPrecedence uses a corpus written for the test: the index
// names two provider files, each for one type. Every type either file
// defines is indexed; a type the index lists keeps its file even when the
// other file defines it too; a type both files define but the index does
// not list comes from the file the index names first; a file the index
// does not name adds nothing.
func TestFileTypesPrecedence(t *testing.T) {
	dir := t.TempDir()
	common, err := os.ReadFile("testdata/corpus/common/definitions.json")
	if err != nil {
		t.Fatal(err)
	}
	def := func(typ string) string {
		return `{"type": "object", "properties": {"type": {"enum": ["` + typ + `"]}, "apiVersion": {"enum": ["VERSION"]}, "name": {"type": "string"}}, "required": ["type", "apiVersion", "name"]}`
	}
	provider := func(version string, types ...string) string {
		var defs []string
		for _, typ := range types {
			defs = append(defs, `"`+strings.NewReplacer(".", "_", "/", "_").Replace(typ)+`": `+def(typ))
		}
		return strings.ReplaceAll(`{"$schema": "http://json-schema.org/draft-04/schema#", "resourceDefinitions": {`+strings.Join(defs, ", ")+`}}`, "VERSION", version)
	}
	files := map[string]string{
		"common/definitions.json":      string(common),
		"INDEX.txt":                    "Test.Widgets/widgets 2099-01-01/Test.Widgets.json\nTest.Old/sprockets 2098-01-01/Test.Old.json\n",
		"2099-01-01/Test.Widgets.json": provider("2099-01-01", "Test.Widgets/widgets", "Test.Widgets/widgets/parts", "Test.Shared/things"),
		"2098-01-01/Test.Old.json":     provider("2098-01-01", "Test.Old/sprockets", "Test.Widgets/widgets", "Test.Shared/things", "Test.Old/gadgets"),
		"2097-01-01/Test.Unnamed.json": provider("2097-01-01", "Test.Unnamed/doodads"),
	}
	for name, text := range files {
		path := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	v, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"Test.Widgets/widgets":       "2099-01-01", // listed: its own file, not the older one
		"Test.Widgets/widgets/parts": "2099-01-01",
		"Test.Shared/things":         "2099-01-01", // both files: the one the index names first
		"Test.Old/sprockets":         "2098-01-01",
		"Test.Old/gadgets":           "2098-01-01",
	}
	got := v.APIVersions()
	if len(got) != len(want) {
		t.Errorf("APIVersions = %v, want %v", got, want)
	}
	for typ, ver := range want {
		if got[typ] != ver {
			t.Errorf("%s: apiVersion %q, want %q", typ, got[typ], ver)
		}
	}
	if err := v.Compile(); err != nil {
		t.Fatalf("Compile: %v", err)
	}
	if err := v.Validate(obj{"type": "Test.Old/gadgets", "apiVersion": "2098-01-01", "name": "g"}); err != nil {
		t.Errorf("Validate(gadget) = %v", err)
	}
	if err := v.Validate(obj{"type": "Test.Unnamed/doodads", "apiVersion": "2097-01-01", "name": "d"}); !errors.Is(err, ErrUnknownType) {
		t.Errorf("Validate(type of a file the index does not name) = %v, want ErrUnknownType", err)
	}
}
