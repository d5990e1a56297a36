package terraform

import (
	"bytes"
	"maps"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/hashicorp/hcl/v2/hclwrite"

	"github.com/aizone/aizone/resources"
)

// TestFormatted checks every file as `terraform fmt -check` (or `tofu fmt
// -check`) would: formatting it again changes nothing. hclwrite.Format
// is the formatter terraform fmt runs; installing Terraform or OpenTofu
// in CI to run it would take longer than the test suite.
func TestFormatted(t *testing.T) {
	for _, f := range examples(t) {
		rs, params := model(t, f)
		for name, data := range emit(t, rs, params) {
			if got := hclwrite.Format(data); !bytes.Equal(got, data) {
				t.Errorf("%s %s is not formatted", filepath.Base(f), name)
			}
			if !bytes.HasSuffix(data, []byte("\n")) || bytes.Contains(data, []byte("\n\n\n")) {
				t.Errorf("%s %s: blank lines", filepath.Base(f), name)
			}
		}
	}
}

// TestFiles checks the module's layout: the same files for every zone.
func TestFiles(t *testing.T) {
	rs, params := model(t, "../../examples/small.yaml")
	files := emit(t, rs, params)
	want := []string{FileCompute, FileGovernance, FileMain, FileNetwork, FileOutputs, FileStorage, FileValues, FileVariables, FileVersions}
	if got := slices.Sorted(maps.Keys(files)); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("files %v, want %v", got, want)
	}
	v := string(files[FileVersions])
	for _, s := range []string{`source  = "Azure/azapi"`, `version = "~> 2.0"`, `required_version = ">= 1.5.0"`} {
		if !strings.Contains(v, s) {
			t.Errorf("versions.tf lacks %s:\n%s", s, v)
		}
	}
	// Each concern in its file.
	for file, typ := range map[string]string{FileNetwork: "Microsoft.Network/virtualNetworks@", FileStorage: "Microsoft.Storage/storageAccounts@",
		FileCompute: "Microsoft.ContainerService/managedClusters@", FileGovernance: "Microsoft.Authorization/policyAssignments@", FileMain: "Microsoft.Resources/resourceGroups@"} {
		if !strings.Contains(string(files[file]), typ) {
			t.Errorf("%s holds no %s", file, typ)
		}
	}
}

// TestDeterministic builds every example twice.
func TestDeterministic(t *testing.T) {
	for _, f := range examples(t) {
		rs, params := model(t, f)
		a, b := emit(t, rs, params), emit(t, rs, params)
		for name := range a {
			if !bytes.Equal(a[name], b[name]) {
				t.Errorf("%s %s differs between two builds", filepath.Base(f), name)
			}
		}
	}
}

// TestChangeShowsUp changes one property of the model: the module shows
// the new value, and the comparison with the unchanged model names the
// property, so the round-trip test would catch an emitter that dropped
// or altered it.
func TestChangeShowsUp(t *testing.T) {
	rs, params := model(t, "../../examples/small.yaml")
	changed := make([]resources.Resource, len(rs))
	copy(changed, rs)
	found := false
	for i, r := range changed {
		if r.Type == "Microsoft.Storage/storageAccounts" {
			props := map[string]any{}
			for k, v := range r.Properties {
				props[k] = v
			}
			props["minimumTlsVersion"] = "TLS1_0"
			changed[i].Properties = props
			found = true
		}
	}
	if !found {
		t.Fatal("no storage account in the example")
	}
	files := emit(t, changed, params)
	if !strings.Contains(string(files[FileStorage]), `minimumTlsVersion = "TLS1_0"`) {
		t.Errorf("the change does not show in storage.tf")
	}
	_, diffs := roundTrip(t, rs, params, files)
	if len(diffs) != 1 || !strings.Contains(diffs[0], "properties.minimumTlsVersion: template has \"TLS1_2\", module \"TLS1_0\"") {
		t.Errorf("the comparison reports %q, want the one changed property", diffs)
	}
	// And the other way: the edited model's module is its template.
	if _, diffs := roundTrip(t, changed, params, files); len(diffs) > 0 {
		t.Errorf("the edited model's module differs from its template: %q", diffs)
	}
}

// TestEditsAreCaught edits a module by hand: a changed value, a lost
// ordering and a lost reference each make the round trip fail.
func TestEditsAreCaught(t *testing.T) {
	rs, params := model(t, "../../examples/small.yaml")
	for _, tc := range []struct {
		name, file string
		re         *regexp.Regexp
		repl, want string
	}{
		{"value", FileNetwork, regexp.MustCompile(`"10\.64\.0\.0/20"`), `"10.65.0.0/20"`, `properties.addressSpace.addressPrefixes[0]`},
		{"barrier", FileCompute, regexp.MustCompile(`(?m)^\s*terraform_data\.[a-z0-9_]+,\n`), ``, `; the module need not`},
		{"depends_on", FileCompute, regexp.MustCompile(`(?m)^\s*azapi_resource\.role_assignment[a-z0-9_]+,\n`), ``, `; the module need not`},
		{"reference", FileStorage, regexp.MustCompile(`azapi_resource\.storage_account_([a-z0-9]+)\.id`), `"${azapi_resource.resource_group_rg_contoso_ft_storage_eastus.id}/providers/Microsoft.Storage/storageAccounts/st$1"`, `; the module need not`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			files := emit(t, rs, params)
			edited := tc.re.ReplaceAll(files[tc.file], []byte(tc.repl))
			if bytes.Equal(edited, files[tc.file]) {
				t.Fatalf("the edit changes nothing in %s", tc.file)
			}
			files[tc.file] = edited
			_, diffs := roundTrip(t, rs, params, files)
			if !strings.Contains(strings.Join(diffs, "\n"), tc.want) {
				t.Errorf("no difference %q reported; got %q", tc.want, diffs)
			}
		})
	}
}

// TestLiterals: strings from the zone file that look like expressions or
// templates stay literal in both spellings.
func TestLiterals(t *testing.T) {
	rs, params := model(t, "../../examples/small.yaml")
	for i := range rs {
		if rs[i].Type == typeResourceGroup {
			tags := map[string]string{}
			for k, v := range rs[i].Tags {
				tags[k] = v
			}
			// As resources.Literal escapes them for ARM.
			tags["owner"] = resources.Literal("[listKeys('x', '1').keys[0].value]")
			tags["note"] = "${var.secret} and %{ if true }"
			rs[i].Tags = tags
		}
	}
	files := emit(t, rs, params)
	main := string(files[FileMain])
	for _, s := range []string{`owner              = "[listKeys('x', '1').keys[0].value]"`, `note               = "$${var.secret} and %%{ if true }"`} {
		if !strings.Contains(main, s) {
			t.Errorf("main.tf lacks %s", s)
		}
	}
	if _, diffs := roundTrip(t, rs, params, files); len(diffs) > 0 {
		t.Errorf("%q", diffs)
	}
}

// TestUntranslatable: an expression the module cannot spell faithfully is
// an error that names it.
func TestUntranslatable(t *testing.T) {
	base, params := model(t, "../../examples/small.yaml")
	var kv, id string
	for _, r := range base {
		switch r.Type {
		case "Microsoft.KeyVault/vaults":
			kv = r.Name
		case "Microsoft.ManagedIdentity/userAssignedIdentities":
			id = "resourceId('" + r.ResourceGroup + "', '" + r.Type + "', '" + r.Name + "')"
		}
	}
	for _, expr := range []string{
		"[listKeys(" + id + ", '2024-11-30').keys[0].value]",
		"[reference(" + id + ", '2018-11-30').principalId]",
		"[resourceId(parameters('logAnalyticsWorkspaceId'), 'Microsoft.Foo/bars', 'x')]",
		"[concat(parameters('dnsServers'), 'x')]",
		"[format('{0:N2}', 1)]",
		"[resourceGroup().location]",
		"[parameters('notDeclared')]",
		"[concat('a']",
	} {
		rs := make([]resources.Resource, len(base))
		copy(rs, base)
		for i := range rs {
			if rs[i].Type == "Microsoft.KeyVault/vaults" && rs[i].Name == kv {
				props := map[string]any{"bad": expr}
				for k, v := range rs[i].Properties {
					props[k] = v
				}
				rs[i].Properties = props
			}
		}
		_, err := Module(rs, params)
		if err == nil {
			t.Errorf("%s: no error", expr)
			continue
		}
		if msg := err.Error(); !strings.Contains(msg, "Microsoft.KeyVault/vaults "+kv) || !strings.Contains(msg, "properties.bad") {
			t.Errorf("%s: the error does not name the resource and property: %v", expr, err)
		}
	}
}

// TestLabels: labels are identifiers, unique, and each depends only on
// its resource: removing other resources leaves them as they were.
func TestLabels(t *testing.T) {
	rs, _ := model(t, "../../examples/large.yaml")
	e := &emitter{byKey: map[string]*item{}, ext: map[string]*item{}}
	if err := e.expand(rs); err != nil {
		t.Fatal(err)
	}
	assignLabels(e.items)
	seen := map[string]bool{}
	full := map[string]string{}
	for _, it := range e.items {
		if !hclsyntax.ValidIdentifier(it.label) || strings.Contains(it.label, "-") {
			t.Errorf("label %q is not a snake-case identifier", it.label)
		}
		if seen[it.label] {
			t.Errorf("label %s twice", it.label)
		}
		seen[it.label] = true
		full[it.r.Type+"|"+it.r.Scope+"|"+it.r.Name] = it.label
	}
	half := &emitter{byKey: map[string]*item{}, ext: map[string]*item{}}
	if err := half.expand(rs[:len(rs)/2]); err != nil {
		t.Fatal(err)
	}
	assignLabels(half.items)
	for _, it := range half.items {
		if want := full[it.r.Type+"|"+it.r.Scope+"|"+it.r.Name]; it.label != want {
			t.Errorf("label %s became %s with fewer resources", want, it.label)
		}
	}
	for in, want := range map[string]string{"publicIPAddresses": "public_ip_address", "userAssignedIdentities": "user_assigned_identity",
		"firewallPolicies": "firewall_policy", "blobServices": "blob_service", "amlFilesystems": "aml_filesystem", "vaults": "vault"} {
		if got := typeWord(in); got != want {
			t.Errorf("typeWord(%s) = %s, want %s", in, got, want)
		}
	}
}

// TestBudgetStart: the budget's start, a parameter ARM defaults to the
// first of the month at deployment, comes from a local computed at the
// first plan, and the budget ignores later changes of it.
func TestBudgetStart(t *testing.T) {
	rs, params := model(t, "../../examples/small.yaml")
	files := emit(t, rs, params)
	if !strings.Contains(string(files[FileMain]), `budgetStartDate = coalesce(var.budgetStartDate, formatdate("YYYY-MM-01", plantimestamp()))`) {
		t.Errorf("main.tf lacks the budget start local:\n%s", files[FileMain])
	}
	gov := string(files[FileGovernance])
	if !strings.Contains(gov, "startDate = local.budgetStartDate") || !strings.Contains(gov, "ignore_changes = [body.properties.timePeriod.startDate]") {
		t.Errorf("the budget does not take its start from the local, once")
	}
}

func TestFormatString(t *testing.T) {
	for in, want := range map[string]string{
		"{0}/providers/x/{1}":  "%s/providers/x/%s",
		"{1}-{0}":              "%[2]s-%[1]s",
		"100% {{literal}} {0}": "100%% {literal} %s",
	} {
		got, err := formatString(in, 2)
		if err != nil || got != want {
			t.Errorf("formatString(%q) = %q, %v; want %q", in, got, err, want)
		}
		back, err := netFormat(got)
		if err != nil || back != in {
			t.Errorf("netFormat(%q) = %q, %v; want %q", got, back, err, in)
		}
	}
	for _, bad := range []string{"{0:N2}", "{2}", "{x}", "}"} {
		if _, err := formatString(bad, 2); err == nil {
			t.Errorf("formatString(%q): no error", bad)
		}
	}
	if got, err := dateFormat("yyyy-MM-ddTHH:mm:ssZ"); err != nil || got != "YYYY-MM-DD'T'hh:mm:ss'Z'" {
		t.Errorf("dateFormat = %q, %v", got, err)
	}
}
