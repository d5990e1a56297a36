package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aizone/aizone/internal/shared"
)

// run runs aizone with args and returns the exit code and both streams.
func run(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := Main(context.Background(), args, &Streams{In: strings.NewReader(""), Out: &out, Err: &errb})
	return code, out.String(), errb.String()
}

// writeFiles writes name → content into a fresh directory.
func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

const (
	storageDef = `{
  "name": "storage-acls",
  "properties": {
    "displayName": "Storage accounts restrict network access",
    "mode": "Indexed",
    "parameters": {
      "effect": {"type": "String", "defaultValue": "Deny", "allowedValues": ["Audit", "Deny", "Disabled"]}
    },
    "policyRule": {
      "if": {"allOf": [
        {"field": "type", "equals": "Microsoft.Storage/storageAccounts"},
        {"field": "Microsoft.Storage/storageAccounts/networkAcls.defaultAction", "notEquals": "Deny"}
      ]},
      "then": {"effect": "[parameters('effect')]"}
    }
  }
}`
	openStorage = `{"type": "Microsoft.Storage/storageAccounts", "name": "open", "location": "westeurope",
  "properties": {"networkAcls": {"defaultAction": "Allow"}}}`
	closedStorage = `{"type": "Microsoft.Storage/storageAccounts", "name": "closed", "location": "westeurope",
  "properties": {"networkAcls": {"defaultAction": "Deny"}}}`
)

func TestPolicyEval(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"def.json":      storageDef,
		"open.json":     openStorage,
		"closed.json":   closedStorage,
		"both.json":     "[" + openStorage + "," + closedStorage + "]",
		"disabled.json": `{"effect": {"value": "Disabled"}}`,
		"bad.json":      `{"effect": {"value": "Block"}}`,
		"aliases.csv":   "Microsoft.Storage/storageAccounts/networkAcls.defaultAction,properties.networkAcls.defaultAction\n",
		"asg.json":      `{"properties": {"policyDefinitionId": "/x", "enforcementMode": "DoNotEnforce", "parameters": {"effect": {"value": "Audit"}}}}`,
		"set.json":      `{"properties": {"policyDefinitions": [{"policyDefinitionId": "/x"}]}}`,
		"template.json": `{"$schema": "https://schema.management.azure.com/schemas/2018-05-01/subscriptionDeploymentTemplate.json#", "contentVersion": "1.0.0.0",
  "resources": [{"type": "Microsoft.Resources/deployments", "name": "d", "resourceGroup": "data",
    "properties": {"mode": "Incremental", "template": {"contentVersion": "1.0.0.0", "resources": [` + openStorage + `]}}}]}`,
		"broken.json": "{\n  \"properties\": {\"policyRule\": {\"if\": {\"field\": \"type\", \"equalz\": \"x\"}, \"then\": {\"effect\": \"deny\"}}}\n}",
	})
	p := func(name string) string { return filepath.Join(dir, name) }
	for _, tc := range []struct {
		name     string
		args     []string
		code     int
		out, err []string // substrings of stdout and stderr
	}{
		{
			name: "non-compliant resource, text",
			args: []string{"--resource", p("open.json")},
			code: ExitFindings,
			out: []string{"Storage accounts restrict network access", "open (Microsoft.Storage/storageAccounts): deny: NOT COMPLIANT",
				"properties.networkAcls.defaultAction is 'Allow', expected 'Deny'", "1 of 1 resources not compliant",
				"note: resolved by the default alias mapping", "Microsoft.Storage/storageAccounts/networkAcls.defaultAction"},
			err: []string{"1 of 1 resources not compliant with"},
		},
		{
			name: "compliant resource",
			args: []string{"--resource", p("closed.json")},
			code: ExitOK,
			out:  []string{"closed (Microsoft.Storage/storageAccounts): compliant", "(notEquals 'Deny' is false)", "0 of 1 resources"},
		},
		{
			name: "parameters disable the effect",
			args: []string{"--resource", p("open.json"), "--params", p("disabled.json")},
			code: ExitOK,
			out:  []string{"disabled: not applicable"},
		},
		{
			name: "alias table: no fallback note",
			args: []string{"--resource", p("open.json"), "--aliases", p("aliases.csv")},
			code: ExitFindings,
			out:  []string{"NOT COMPLIANT"},
		},
		{
			name: "assignment: parameters and enforcement mode",
			args: []string{"--resource", p("open.json"), "--assignment", p("asg.json")},
			code: ExitFindings,
			out:  []string{"audit: NOT COMPLIANT (not enforced)", "DoNotEnforce"},
		},
		{
			name: "ARM template: nested deployments are evaluated",
			args: []string{"--resource", p("template.json"), "--format", "json"},
			code: ExitFindings,
			out:  []string{`"resourceId": "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/data/providers/Microsoft.Storage/storageAccounts/open"`, `"effect": "deny"`},
		},
		{
			name: "parameter value not allowed",
			args: []string{"--resource", p("open.json"), "--params", p("bad.json")},
			code: ExitUsage,
			err:  []string{"def.json", "'Block' is not an allowed value"},
		},
		{
			name: "set definition given as definition",
			args: []string{"--resource", p("open.json"), "--definition", p("set.json")},
			code: ExitUsage,
			err:  []string{"is a policy setDefinition"},
		},
		{
			name: "definition that does not compile",
			args: []string{"--resource", p("open.json"), "--definition", p("broken.json")},
			code: ExitUsage,
			err:  []string{p("broken.json") + ":2:57: properties.policyRule.if.equalz: unknown operator"},
		},
		{
			name: "unknown format",
			args: []string{"--resource", p("open.json"), "--format", "yaml"},
			code: ExitUsage,
			err:  []string{"unknown --format \"yaml\""},
		},
		{
			name: "missing resource file",
			args: []string{"--resource", p("nope.json")},
			code: ExitUsage,
			err:  []string{"nope.json"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"policy", "eval", "--definition", p("def.json")}, tc.args...)
			code, out, errs := run(t, args...)
			if code != tc.code {
				t.Errorf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tc.code, out, errs)
			}
			for _, w := range tc.out {
				if !strings.Contains(out, w) {
					t.Errorf("stdout lacks %q:\n%s", w, out)
				}
			}
			for _, w := range tc.err {
				if !strings.Contains(errs, w) {
					t.Errorf("stderr lacks %q:\n%s", w, errs)
				}
			}
			if tc.name == "alias table: no fallback note" && strings.Contains(out, "note:") {
				t.Errorf("fallback note with an alias table:\n%s", out)
			}
		})
	}
}

// evalJSON is the JSON shape of one result, as far as the tests read it.
type evalJSON struct {
	ResourceID      string   `json:"resourceId"`
	State           string   `json:"state"`
	Effect          *string  `json:"effect"`
	Compliant       *bool    `json:"compliant"`
	Reasons         []string `json:"reasons"`
	FallbackAliases []string `json:"fallbackAliases"`
}

func TestPolicyEvalJSON(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"def.json":  storageDef,
		"one.json":  openStorage,
		"both.json": "[" + openStorage + "," + closedStorage + "]",
	})
	// One resource object in, one result object out.
	code, out, _ := run(t, "policy", "eval", "--definition", filepath.Join(dir, "def.json"), "--resource", filepath.Join(dir, "one.json"), "--format", "json")
	if code != ExitFindings {
		t.Errorf("exit %d", code)
	}
	var one evalJSON
	if err := json.Unmarshal([]byte(out), &one); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if one.Effect == nil || *one.Effect != "deny" || one.Compliant == nil || *one.Compliant || len(one.Reasons) == 0 {
		t.Errorf("result %+v", one)
	}
	// An array in, an array out, in order; keys present even when empty.
	code, out, _ = run(t, "policy", "eval", "--definition", filepath.Join(dir, "def.json"), "--resource", filepath.Join(dir, "both.json"), "--format", "json")
	if code != ExitFindings {
		t.Errorf("exit %d", code)
	}
	var both []evalJSON
	if err := json.Unmarshal([]byte(out), &both); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if len(both) != 2 || both[1].Effect == nil || *both[1].Effect != "" || both[1].Compliant == nil || !*both[1].Compliant || both[1].Reasons == nil {
		t.Errorf("results %+v", both)
	}
	if !strings.HasSuffix(both[0].ResourceID, "/Microsoft.Storage/storageAccounts/open") {
		t.Errorf("resource id %q", both[0].ResourceID)
	}
	// Byte-identical across runs.
	_, again, _ := run(t, "policy", "eval", "--definition", filepath.Join(dir, "def.json"), "--resource", filepath.Join(dir, "both.json"), "--format", "json")
	if again != out {
		t.Error("output differs between runs")
	}
}

// TestPolicyEvalCorpus evaluates real definitions from the shared corpora,
// with the reference alias table.
func TestPolicyEvalCorpus(t *testing.T) {
	builtin := shared.Path(t, "corpora", "azure-policy", "policyDefinitions", "Storage", "Storage_NetworkAcls_Audit.json")
	subnetNSG := shared.Path(t, "corpora", "alz-library", "alz", "policy_definitions", "Deny-Subnet-Without-Nsg.alz_policy_definition.json")
	aliases := shared.Path(t, "reference", "policy-aliases", "policy-aliases.csv.gz")
	dir := writeFiles(t, map[string]string{
		"storage.json": "[" + openStorage + "," + closedStorage + "]",
		"vnet.json": `[
  {"type": "Microsoft.Network/virtualNetworks", "name": "spoke", "location": "swedencentral",
   "properties": {"addressSpace": {"addressPrefixes": ["10.20.0.0/16"]}, "subnets": [
     {"name": "gpu", "properties": {"addressPrefix": "10.20.0.0/24"}},
     {"name": "GatewaySubnet", "properties": {"addressPrefix": "10.20.255.0/27"}},
     {"name": "pe", "properties": {"addressPrefix": "10.20.1.0/24", "networkSecurityGroup": {"id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/networkSecurityGroups/pe"}}}]}},
  {"type": "Microsoft.Network/virtualNetworks", "name": "ok", "location": "swedencentral",
   "properties": {"subnets": [{"name": "GatewaySubnet", "properties": {}}]}}
]`,
	})
	code, out, _ := run(t, "policy", "eval", "--definition", builtin, "--resource", filepath.Join(dir, "storage.json"), "--aliases", aliases, "--format", "json")
	var rs []evalJSON
	if err := json.Unmarshal([]byte(out), &rs); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if code != ExitFindings || len(rs) != 2 || *rs[0].Effect != "audit" || *rs[0].Compliant || !*rs[1].Compliant || len(rs[0].FallbackAliases) != 0 {
		t.Errorf("built-in storage ACLs: exit %d, %+v", code, rs)
	}
	found := false
	for _, r := range rs[0].Reasons {
		found = found || r == "properties.networkAcls.defaultAction is 'Allow', expected 'Deny'"
	}
	if !found {
		t.Errorf("reasons %q", rs[0].Reasons)
	}

	code, out, errs := run(t, "policy", "eval", "--definition", subnetNSG, "--resource", filepath.Join(dir, "vnet.json"), "--aliases", aliases)
	if code != ExitFindings || !strings.Contains(out, "spoke (Microsoft.Network/virtualNetworks): deny: NOT COMPLIANT") ||
		!strings.Contains(out, "ok (Microsoft.Network/virtualNetworks): compliant") || !strings.Contains(out, "1 of 2 resources not compliant") {
		t.Errorf("ALZ subnet NSG: exit %d\n%s\n%s", code, out, errs)
	}
}

func TestPolicyCompile(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"defs/good.json":    storageDef,
		"defs/bad.json":     "{\n  \"properties\": {\n    \"policyRule\": {\"if\": {\"value\": \"[toLower('a', 'b')]\", \"equals\": \"a\"}, \"then\": {\"effect\": \"deny\"}}\n  }\n}",
		"defs/garbled.json": "{\"properties\": {\"policyRule\": ",
		"sets/set.json":     `{"properties": {"policyDefinitions": [{"policyDefinitionId": "/providers/Microsoft.Authorization/policyDefinitions/storage-acls"}, {"policyDefinitionId": "/providers/Microsoft.Authorization/policyDefinitions/elsewhere"}]}}`,
		"other/role.json":   `{"name": "role", "properties": {"roleName": "x"}}`,
		"notes.txt":         "not JSON, not looked at",
	})
	code, out, errs := run(t, "policy", "compile", dir)
	if code != ExitFindings {
		t.Errorf("exit %d, want %d\n%s\n%s", code, ExitFindings, out, errs)
	}
	for _, w := range []string{
		filepath.Join(dir, "defs", "bad.json") + ":3:27: properties.policyRule.if.value: ",
		"wrong number of arguments",
		filepath.Join(dir, "defs", "garbled.json") + ":1:31: properties.policyRule: invalid JSON",
		"warning: " + filepath.Join(dir, "sets", "set.json") + ":1:133: properties.policyDefinitions[1].policyDefinitionId: 1 of 2 member definitions are not in the tree: /providers/Microsoft.Authorization/policyDefinitions/elsewhere",
		"3 definitions, 1 set definitions, 0 assignments (1 other JSON files skipped): 2 failed, 1 warnings",
	} {
		if !strings.Contains(out, w) {
			t.Errorf("stdout lacks %q:\n%s", w, out)
		}
	}
	if !strings.Contains(errs, "2 of 4 policy documents do not compile") {
		t.Errorf("stderr: %s", errs)
	}

	// JSON: stable keys, failures located.
	code, out, _ = run(t, "policy", "compile", filepath.Join(dir, "defs"), "--format", "json")
	var rep struct {
		Definitions int `json:"definitions"`
		Failed      int `json:"failed"`
		Failures    []struct {
			File string `json:"file"`
			Line int    `json:"line"`
			Path string `json:"path"`
		} `json:"failures"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if code != ExitFindings || rep.Definitions != 3 || rep.Failed != 2 || rep.Failures[0].Line != 3 || rep.Failures[0].Path != "properties.policyRule.if.value" {
		t.Errorf("exit %d, report %+v", code, rep)
	}

	for _, tc := range []struct {
		name string
		args []string
		code int
		err  string
	}{
		{"missing directory", []string{filepath.Join(dir, "nope")}, ExitUsage, "nope"},
		{"no policy documents", []string{filepath.Join(dir, "other")}, ExitUsage, "no policy documents"},
		{"no arguments", nil, ExitUsage, "requires at least 1 arg"},
		{"good file alone", []string{filepath.Join(dir, "defs", "good.json")}, ExitOK, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errs := run(t, append([]string{"policy", "compile"}, tc.args...)...)
			if code != tc.code || !strings.Contains(errs, tc.err) {
				t.Errorf("exit %d (want %d), stderr %q, stdout %q", code, tc.code, errs, out)
			}
		})
	}
}

// TestPolicyCompileCorpus compiles the real ALZ library: everything
// compiles, and its set definitions' built-in members are reported as
// warnings unless the built-ins are given too.
func TestPolicyCompileCorpus(t *testing.T) {
	alz := shared.Path(t, "corpora", "alz-library", "alz")
	builtin := shared.Path(t, "corpora", "azure-policy", "policyDefinitions")
	code, out, errs := run(t, "policy", "compile", alz, builtin, "--format", "json")
	var rep struct {
		Definitions    int   `json:"definitions"`
		SetDefinitions int   `json:"setDefinitions"`
		Assignments    int   `json:"assignments"`
		Failed         int   `json:"failed"`
		Warnings       []any `json:"warnings"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("%v\n%s", err, errs)
	}
	if code != ExitOK || rep.Failed != 0 || len(rep.Warnings) != 0 || rep.Definitions < 3000 || rep.SetDefinitions == 0 || rep.Assignments == 0 {
		t.Errorf("exit %d, %+v\n%s", code, rep, errs)
	}
}
