package armvalidate

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func validateFixture(t testing.TB, name, params string) []Finding {
	t.Helper()
	var p []byte
	if params != "" {
		p = readFixture(t, params)
	}
	fs, err := ValidateJSON(readFixture(t, name), p)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return fs
}

// rp is an expected finding: its rule and path.
type rp struct{ rule, path string }

func rulesAndPaths(fs []Finding) []rp {
	out := make([]rp, len(fs))
	for i, f := range fs {
		out[i] = rp{f.Rule, f.Path}
	}
	return out
}

const identityKey = `identity.userAssignedIdentities['[resourceId(\'rg\', \'Microsoft.ManagedIdentity/userAssignedIdentities\', \'id-x\')]']`

// TestBlockers pins, for each fixture, exactly the findings ARM's refusals
// map to: the rule and the JSON path.
func TestBlockers(t *testing.T) {
	cases := []struct {
		file, params string
		want         []rp
	}{
		{"dependson-cross-deployment.json", "", []rp{
			{RuleDependsOnUndeclared, "resources[3].properties.template.resources[0].dependsOn[0]"},
		}},
		{"identity-unordered.json", "", []rp{
			{RuleReferenceUnordered, "resources[1]." + identityKey},
			{RuleReferenceUnordered, "resources[2]." + identityKey},
			{RuleReferenceUnordered, "resources[3]." + identityKey},
		}},
		{"expressions.json", "", []rp{
			{RuleParameterUndeclared, "resources[0].name"},
			{RuleVariableUndeclared, "resources[1].name"},
			{RuleExpressionParse, "resources[2].tags.owner"},
			{RuleParameterUndeclared, "resources[3].properties.template.resources[0].name"},
			{RuleParameterUndeclared, "resources[4].properties.template.resources[0].location"},
		}},
		{"names.json", "", []rp{
			{RuleNameInvalid, "resources[0].name"},
			{RuleNameInvalid, "resources[1].name"},
			{RuleNameInvalid, "resources[2].properties.agentPoolProfiles[0].name"},
			{RuleNameInvalid, "resources[3].name"},
			{RuleNameDuplicate, "resources[5].name"},
		}},
		{"role-assignments.json", "", []rp{
			{RuleRoleAssignmentName, "resources[0].name"},
			{RuleRoleAssignmentName, "resources[1].name"},
			{RuleRoleAssignmentName, "resources[2].name"},
			{RuleNondeterministic, "resources[4].tags.deployedAt"},
		}},
		{"scope-unknown.json", "", []rp{
			{RuleScopeUnknown, "resources[2].properties.template.resources[0].properties.subnet.id"},
		}},
		{"child-parent.json", "", []rp{
			{RuleChildWithoutParent, "resources[1]"},
			{RuleChildWithoutParent, "resources[3].resources[0]"},
		}},
		{"parameters-file.json", "parameters-file.parameters.json", []rp{
			{RuleParameterMissingValue, "parameters.clusterName"},
			{RuleParameterUnknown, "parametersFile.parameters.nodeCnt"},
		}},
	}
	for _, tc := range cases {
		t.Run(tc.file, func(t *testing.T) {
			fs := validateFixture(t, tc.file, tc.params)
			if got := rulesAndPaths(fs); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("findings:\n%s\nwant (rule, path):\n%v", strings.Join(strs(fs), "\n"), tc.want)
			}
			for _, f := range fs {
				if f.Message == "" || f.Fix == "" {
					t.Errorf("finding without message or fix: %+v", f)
				}
			}
		})
	}
}

func strs(fs []Finding) []string {
	out := make([]string, len(fs))
	for i, f := range fs {
		out[i] = f.String()
	}
	return out
}

// TestValid: templates ARM deploys give no finding.
func TestValid(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "valid-*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no valid fixtures: %v", err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			if fs := validateFixture(t, filepath.Base(f), ""); len(fs) > 0 {
				t.Errorf("want no findings, got:\n%s", strings.Join(strs(fs), "\n"))
			}
		})
	}
}

// TestValidFixturesAreChecked breaks one thing in each valid fixture and
// expects the finding: the fixtures give no finding because they are right,
// not because the checks cannot read them.
func TestValidFixturesAreChecked(t *testing.T) {
	cases := []struct {
		file  string
		path  []any // where to change the decoded template
		value any   // the new value; nil deletes the member
		want  rp
	}{
		{"valid-nested-scopes.json", []any{"resources", 3, "properties", "template", "resources", 1, "dependsOn"}, nil,
			rp{RuleReferenceUnordered, `resources[3].properties.template.resources[1].identity.userAssignedIdentities['[resourceId(\'Microsoft.ManagedIdentity/userAssignedIdentities\', variables(\'identityName\'))]']`}},
		{"valid-nested-scopes.json", []any{"resources", 3, "properties", "template", "resources", 2, "dependsOn", 0}, "[resourceId('rg-contoso-network', 'Microsoft.Network/virtualNetworks', format('vnet-{0}', parameters('zone')))]",
			rp{RuleDependsOnUndeclared, "resources[3].properties.template.resources[2].dependsOn[0]"}},
		{"valid-nested-scopes.json", []any{"resources", 2, "properties", "template", "resources", 1, "name"}, "[format('vnet-{0}', parameters('zone'), parameters('nozone'))]",
			rp{RuleParameterUndeclared, "resources[2].properties.template.resources[1].name"}},
		{"valid-nested-scopes.json", []any{"resources", 3, "properties", "template", "resources", 3, "name"}, "[guid(resourceGroup().id, newGuid())]",
			rp{RuleRoleAssignmentName, "resources[3].properties.template.resources[3].name"}},
		{"valid-symbolic.json", []any{"resources", "cluster", "dependsOn", 0}, "hubVnet",
			rp{RuleReferenceUnordered, `resources.cluster.identity.userAssignedIdentities['[format(\'{0}\', resourceId(\'Microsoft.ManagedIdentity/userAssignedIdentities\', \'id-train\'))]']`}},
		{"valid-symbolic.json", []any{"resources", "gpuPool", "dependsOn"}, nil,
			rp{RuleChildWithoutParent, "resources.gpuPool"}},
		{"valid-symbolic.json", []any{"resources", "cluster", "dependsOn", 1}, "[resourceId('Microsoft.Network/virtualNetworks', 'vnet-spoke')]",
			rp{RuleDependsOnUndeclared, "resources.cluster.dependsOn[1]"}},
		{"valid-loops-conditions.json", []any{"resources", 4, "dependsOn"}, nil,
			rp{RuleReferenceUnordered, "resources[4].properties.networkProfile.networkInterfaces[0].id"}},
		{"valid-loops-conditions.json", []any{"resources", 5, "dependsOn", 0}, "vmLoops",
			rp{RuleDependsOnUndeclared, "resources[5].dependsOn[0]"}},
		{"valid-loops-conditions.json", []any{"parameters", "storageName", "defaultValue"}, "St-Data",
			rp{RuleNameInvalid, "resources[6].name"}},
		{"valid-comments.json", []any{"parameters", "prefix", "defaultValue"}, "aizone-training-eastus",
			rp{RuleNameInvalid, "resources[0].name"}},
	}
	for _, tc := range cases {
		t.Run(tc.file+"/"+tc.want.rule, func(t *testing.T) {
			fs, err := ValidateJSON(readFixture(t, tc.file), nil)
			if err != nil || len(fs) > 0 {
				t.Fatalf("fixture not valid: %v %v", err, strs(fs))
			}
			var tmpl map[string]any
			if err := json.Unmarshal(relax(readFixture(t, tc.file)), &tmpl); err != nil {
				t.Fatal(err)
			}
			set(t, tmpl, tc.path, tc.value)
			got := rulesAndPaths(Validate(tmpl, nil))
			for _, g := range got {
				if g == tc.want {
					return
				}
			}
			t.Errorf("after the change, findings %v lack %v", got, tc.want)
		})
	}
}

// set changes the member at path; a nil value deletes it.
func set(t *testing.T, v any, path []any, value any) {
	t.Helper()
	for i, p := range path {
		last := i == len(path)-1
		switch k := p.(type) {
		case string:
			m := v.(map[string]any)
			if last {
				if value == nil {
					delete(m, k)
				} else {
					m[k] = value
				}
				return
			}
			v = m[k]
		case int:
			a := v.([]any)
			if last {
				a[k] = value
				return
			}
			v = a[k]
		}
	}
}

func TestDeterministic(t *testing.T) {
	data := readFixture(t, "names.json")
	first, _ := ValidateJSON(data, nil)
	for range 5 {
		again, _ := ValidateJSON(data, nil)
		if !reflect.DeepEqual(first, again) {
			t.Fatal("two runs differ")
		}
	}
	if !sort.SliceIsSorted(first, func(i, j int) bool { return first[i].Path < first[j].Path }) {
		t.Error("findings are not sorted by path")
	}
}

func TestFindingString(t *testing.T) {
	f := Finding{Rule: "r", Path: "resources[0].name", Message: "bad", Fix: "rename"}
	if got, want := f.String(), "resources[0].name: bad (r); fix: rename"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
}

func TestValidateJSONErrors(t *testing.T) {
	cases := []struct {
		name             string
		template, params string
		input            string
		line, col        int
	}{
		{"syntax", "{\n  \"resources\": [\n    {,}\n  ]\n}", "", "template", 3, 6},
		{"not an object", "\n  [1, 2]", "", "template", 2, 3},
		{"empty", "", "", "template", 1, 1},
		{"parameters", `{"resources": []}`, "{\n \"parameters\": {\"a\": }\n}", "parameters", 2, 22},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ValidateJSON([]byte(tc.template), []byte(tc.params))
			var je *JSONError
			if !errors.As(err, &je) {
				t.Fatalf("error %v is not a *JSONError", err)
			}
			if je.Input != tc.input || je.Line != tc.line || je.Col != tc.col {
				t.Errorf("got %s:%d:%d, want %s:%d:%d (%v)", je.Input, je.Line, je.Col, tc.input, tc.line, tc.col, err)
			}
		})
	}
}

// TestNameRules checks names against each rule of the table, one good and
// one bad name per type at least.
func TestNameRules(t *testing.T) {
	cases := []struct {
		typ, name string
		ok        bool
	}{
		{"Microsoft.Storage/storageAccounts", "staizone01", true},
		{"Microsoft.Storage/storageAccounts", "st-aizone", false},
		{"Microsoft.Storage/storageAccounts", "st", false},
		{"Microsoft.Storage/storageAccounts/blobServices", "sa/default", true},
		{"Microsoft.Storage/storageAccounts/blobServices", "sa/blobs", false},
		{"Microsoft.Storage/storageAccounts/blobServices/containers", "sa/default/$web", true},
		{"Microsoft.Storage/storageAccounts/blobServices/containers", "sa/default/sft-corpus", true},
		{"Microsoft.Storage/storageAccounts/blobServices/containers", "sa/default/sft--corpus", false},
		{"Microsoft.Storage/storageAccounts/blobServices/containers", "sa/default/-corpus", false},
		{"Microsoft.KeyVault/vaults", "kv-aizone-01", true},
		{"Microsoft.KeyVault/vaults", "kv--aizone", false},
		{"Microsoft.KeyVault/vaults", "1kv", false},
		{"Microsoft.KeyVault/vaults", "kv-aizone-", false},
		{"Microsoft.ContainerRegistry/registries", "craizone", true},
		{"Microsoft.ContainerRegistry/registries", "cr-aizone", false},
		{"Microsoft.Batch/batchAccounts", "baaizone", true},
		{"Microsoft.Batch/batchAccounts", "BaAizone", false},
		{"Microsoft.Batch/batchAccounts/pools", "ba/finetune_h100-1", true},
		{"Microsoft.ContainerService/managedClusters", "aks-contoso_ft", true},
		{"Microsoft.ContainerService/managedClusters", "aks-", false},
		{"Microsoft.ContainerService/managedClusters/agentPools", "aks/gpu1", true},
		{"Microsoft.ContainerService/managedClusters/agentPools", "aks/1gpu", false},
		{"Microsoft.ManagedIdentity/userAssignedIdentities", "id-contoso_ft", true},
		{"Microsoft.ManagedIdentity/userAssignedIdentities", "id", false},
		{"Microsoft.Network/virtualNetworks", "vnet-hub.eastus_", true},
		{"Microsoft.Network/virtualNetworks", "v", false},
		{"Microsoft.Network/virtualNetworks/subnets", "vnet/GatewaySubnet", true},
		{"Microsoft.Network/virtualNetworks/subnets", "vnet/snet-", false},
		{"Microsoft.Network/privateEndpoints", "pe-blob", true},
		{"Microsoft.Network/privateEndpoints", "pe-" + strings.Repeat("x", 62), false},
		{"Microsoft.Network/privateDnsZones", "privatelink.blob.core.windows.net", true},
		{"Microsoft.Network/privateDnsZones", "0a1b2c3d-4e5f-6789-abcd-ef0123456789.privatelink.eastus.azmk8s.io", true},
		{"Microsoft.Network/privateDnsZones", "localhost", false},
		{"Microsoft.StorageCache/amlFilesystems", "amlfs-train01", true},
		{"Microsoft.StorageCache/amlFilesystems", "amlfs-", false},
		{"Microsoft.NetApp/netAppAccounts/capacityPools/volumes", "anf/pool/vol-data", true},
		{"Microsoft.NetApp/netAppAccounts/capacityPools/volumes", "anf/pool/default", false},
		{"Microsoft.Resources/resourceGroups", "rg-contoso(ft)", true},
		{"Microsoft.Resources/resourceGroups", "rg-contoso.", false},
		{"Microsoft.Resources/deployments", "aizone-rg-network", true},
		{"Microsoft.Resources/deployments", "aizone rg", false},
		{"Microsoft.Authorization/policyDefinitions", "aizone-allowed-gpu-sizes", true},
		{"Microsoft.Authorization/policyDefinitions", "aizone/allowed", false},
		{"Microsoft.Authorization/policyAssignments", strings.Repeat("a", 65), false},
		{"Microsoft.Compute/virtualMachineScaleSets", "vmss-" + strings.Repeat("x", 60), false},
		{"Microsoft.OperationalInsights/workspaces", "log-aizone", true},
		{"Microsoft.OperationalInsights/workspaces", "log", false},
	}
	for _, tc := range cases {
		t.Run(tc.typ+"/"+tc.name, func(t *testing.T) {
			tmpl := map[string]any{"resources": []any{map[string]any{"type": tc.typ, "name": tc.name}}}
			var got []Finding
			for _, f := range Validate(tmpl, nil) {
				if f.Rule == RuleNameInvalid {
					got = append(got, f)
				}
			}
			if tc.ok && len(got) > 0 || !tc.ok && len(got) == 0 {
				t.Errorf("valid=%v, findings %v", tc.ok, strs(got))
			}
		})
	}
	for _, r := range nameRules {
		if r.Source == "" || r.Rule == "" || r.Min < 1 || r.Max < r.Min {
			t.Errorf("rule %s: incomplete (%+v)", r.Type, r)
		}
	}
}

// TestManagementGroupPolicyAssignment: 24 characters at management-group scope.
func TestManagementGroupPolicyAssignment(t *testing.T) {
	name := "Deploy-Diagnostics-Activity" // 27 characters
	for _, tc := range []struct {
		schema string
		want   int
	}{
		{"https://schema.management.azure.com/schemas/2019-08-01/managementGroupDeploymentTemplate.json#", 1},
		{"https://schema.management.azure.com/schemas/2018-05-01/subscriptionDeploymentTemplate.json#", 0},
	} {
		tmpl := map[string]any{"$schema": tc.schema, "resources": []any{map[string]any{"type": "Microsoft.Authorization/policyAssignments", "name": name}}}
		if got := len(Validate(tmpl, nil)); got != tc.want {
			t.Errorf("%s: %d findings, want %d", tc.schema, got, tc.want)
		}
	}
}

func TestEvaluate(t *testing.T) {
	tmpl := map[string]any{
		"parameters": map[string]any{
			"zone":  map[string]any{"type": "string", "defaultValue": "Contoso"},
			"given": map[string]any{"type": "string"},
		},
		"variables": map[string]any{
			"names": map[string]any{"vnet": "[format('vnet-{0}', toLower(parameters('zone')))]"},
			"self":  "[variables('self')]",
		},
	}
	e := newEnv(tmpl, nil, placeholder("resourceGroup().name"))
	cases := []struct{ expr, want string }{
		{"[variables('names').vnet]", "vnet-contoso"},
		{"[concat('a', 'b', 'c')]", "abc"},
		{"[format('{0}/{1}', 'x', 2)]", "x/2"},
		{"[replace('a-b', '-', '')]", "ab"},
		{"[resourceId('rg', 'Microsoft.Network/virtualNetworks/subnets', 'v', 's')]", "/subscriptions/" + placeholder("subscription().subscriptionId") + "/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/s"},
		{"[subscriptionResourceId('Microsoft.Resources/resourceGroups', 'rg')]", "/subscriptions/" + placeholder("subscription().subscriptionId") + "/providers/Microsoft.Resources/resourceGroups/rg"},
		{"[split('a/b', '/')[1]]", "b"},
		{"[[literal]", "[literal]"},
		{"[parameters('given')]", placeholder("parameters('given')")},
		{"[variables('self')]", placeholder("variables('self')")},
	}
	for _, tc := range cases {
		if got := e.strValue(tc.expr); got != tc.want {
			t.Errorf("%s = %q, want %q", tc.expr, display(got), display(tc.want))
		}
	}
	// Placeholders from the same expression are equal; against a literal they
	// are wildcards.
	a, b := e.strValue("[concat('pe-', uniqueString(resourceGroup().id))]"), e.strValue("[concat('pe-', uniqueString(resourceGroup().id))]")
	if matchText(a, b) != sameName || matchText(a, "pe-abc") != mayMatch || matchText(a, "vnet") != noMatch {
		t.Errorf("matching placeholders: %d %d %d", matchText(a, b), matchText(a, "pe-abc"), matchText(a, "vnet"))
	}
}

func TestQualifiedCalls(t *testing.T) {
	for in, want := range map[string]string{
		"[__bicep.name('a.b(')]":            "[__bicep_name('a.b(')]",
		"[reference('x').outputs.y]":        "[reference('x').outputs.y]",
		"[concat(ns.f(1), 'ns.g(2)')]":      "[concat(ns_f(1), 'ns.g(2)')]",
		"[parameters('a').b.c]":             "[parameters('a').b.c]",
		"[if(true(), mod.f(), 'x')]":        "[if(true(), mod_f(), 'x')]",
		"[format('{0}', a.b( 'quote''s'))]": "[format('{0}', a_b( 'quote''s'))]",
	} {
		if got := qualifiedCalls(in); got != want {
			t.Errorf("qualifiedCalls(%s) = %s, want %s", in, got, want)
		}
	}
}

// FuzzValidateJSON: no input makes Validate panic, and findings are sorted.
func FuzzValidateJSON(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.json"))
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data, []byte(nil))
	}
	f.Add(readFixture(f, "parameters-file.json"), readFixture(f, "parameters-file.parameters.json"))
	f.Add([]byte(`{"resources":[{"type":"a/b","name":"[concat(parameters('x'),"}]}`), []byte(`{"x":{"value":1}}`))
	f.Fuzz(func(t *testing.T, data, params []byte) {
		fs, err := ValidateJSON(data, params)
		if err != nil {
			return
		}
		for i := 1; i < len(fs); i++ {
			if fs[i-1].Path > fs[i].Path {
				t.Fatalf("findings not sorted: %q before %q", fs[i-1].Path, fs[i].Path)
			}
		}
	})
}

// TestDoubling: variables that double a string at each step stay cheap
// (evaluation bounds what it builds).
func TestDoubling(t *testing.T) {
	vars := map[string]any{"v0": "[parameters('p')]"}
	for i := 1; i < 64; i++ {
		prev := "variables('v" + strconv.Itoa(i-1) + "')"
		vars["v"+strconv.Itoa(i)] = "[concat(" + prev + ", " + prev + ")]"
	}
	tmpl := map[string]any{
		"parameters": map[string]any{"p": map[string]any{"type": "string"}},
		"variables":  vars,
		"resources":  []any{map[string]any{"type": "Microsoft.Storage/storageAccounts", "name": "[variables('v63')]"}},
	}
	start := time.Now()
	Validate(tmpl, nil)
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %v", d)
	}
}
