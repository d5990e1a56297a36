package policy

import (
	"bytes"
	"compress/gzip"
	"reflect"
	"strings"
	"testing"
)

func gzipped(t *testing.T, s string) string {
	t.Helper()
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	if _, err := w.Write([]byte(s)); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// providerJSON is the shape `az provider list --expand
// "resourceTypes/aliases"` prints, cut down to what the loader reads.
const providerJSON = `[
  {"namespace": "Microsoft.Compute", "resourceTypes": [
    {"resourceType": "virtualMachines", "aliases": [
      {"name": "Microsoft.Compute/imagePublisher", "defaultPath": "properties.storageProfile.imageReference.publisher",
       "paths": [{"path": "properties.storageProfile.imageReference.publisher", "apiVersions": ["2023-03-01"]}]},
      {"name": "Microsoft.Compute/virtualMachines/sku.name", "paths": [{"path": "properties.hardwareProfile.vmSize"}]}
    ]},
    {"resourceType": "virtualMachineScaleSets", "aliases": [
      {"name": "Microsoft.Compute/imagePublisher", "defaultPath": "properties.virtualMachineProfile.storageProfile.imageReference.publisher"}
    ]}
  ]}
]`

func TestLoadAliases(t *testing.T) {
	const csvText = "alias,path\nMicrosoft.Storage/storageAccounts/sku.name,sku.name\n\nMicrosoft.Compute/imagePublisher,properties.storageProfile.imageReference.publisher\nMicrosoft.Compute/imagePublisher,properties.virtualMachineProfile.storageProfile.imageReference.publisher\n"
	for _, tc := range []struct {
		name  string
		input string
		want  map[string][]string // alias → every path
		err   string
	}{
		{name: "provider JSON array", input: providerJSON, want: map[string][]string{
			"microsoft.compute/IMAGEPUBLISHER": {"properties.storageProfile.imageReference.publisher", "properties.virtualMachineProfile.storageProfile.imageReference.publisher"},
			// No defaultPath: the first listed path.
			"Microsoft.Compute/virtualMachines/sku.name": {"properties.hardwareProfile.vmSize"},
		}},
		{name: "provider JSON value wrapper", input: `{"value": ` + providerJSON + `}`, want: map[string][]string{
			"Microsoft.Compute/virtualMachines/sku.name": {"properties.hardwareProfile.vmSize"},
		}},
		{name: "single provider", input: strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(providerJSON), "["), "]"), want: map[string][]string{
			"Microsoft.Compute/virtualMachines/sku.name": {"properties.hardwareProfile.vmSize"},
		}},
		{name: "gzipped provider JSON", input: gzipped(t, providerJSON), want: map[string][]string{
			"Microsoft.Compute/virtualMachines/sku.name": {"properties.hardwareProfile.vmSize"},
		}},
		{name: "CSV with header and blank line", input: csvText, want: map[string][]string{
			"microsoft.storage/storageaccounts/SKU.NAME": {"sku.name"},
			"Microsoft.Compute/imagePublisher":           {"properties.storageProfile.imageReference.publisher", "properties.virtualMachineProfile.storageProfile.imageReference.publisher"},
		}},
		{name: "gzipped CSV", input: gzipped(t, csvText), want: map[string][]string{
			"Microsoft.Storage/storageAccounts/sku.name": {"sku.name"},
		}},
		{name: "CSV line without a path", input: "a/b/c,x\nlonely\n", err: "line 2"},
		{name: "empty", input: "", err: "no aliases"},
		{name: "JSON without aliases", input: `[{"namespace": "X", "resourceTypes": []}]`, err: "no aliases found"},
		{name: "broken JSON", input: `[{"namespace": `, err: "aliases:"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tbl, err := LoadAliases(strings.NewReader(tc.input))
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			mt, ok := tbl.(MultiPathTable)
			if !ok {
				t.Fatalf("%T is not a MultiPathTable", tbl)
			}
			for alias, want := range tc.want {
				if got := mt.LookupAll(alias); !reflect.DeepEqual(got, want) {
					t.Errorf("%s: %q, want %q", alias, got, want)
				}
				if got, _ := tbl.Lookup(alias); got != want[0] {
					t.Errorf("Lookup(%s) = %q, want %q", alias, got, want[0])
				}
			}
		})
	}
}

func TestResolveAlias(t *testing.T) {
	tbl := mapTable{}
	tbl.add("Contoso.Things/widgets/size", "properties.dimensions.size")
	for _, tc := range []struct {
		table    AliasTable
		alias    string
		want     []string
		fallback bool
	}{
		{tbl, "contoso.things/widgets/SIZE", []string{"properties.dimensions.size"}, false},
		// Not in the table: the default mapping, reported as a fallback.
		{tbl, "Microsoft.Storage/storageAccounts/networkAcls.ipRules[*].value", []string{"properties.networkAcls.ipRules[*].value"}, true},
		// Child types: the property path is after the last slash.
		{nil, "Microsoft.Network/virtualNetworks/subnets/networkSecurityGroup.id", []string{"properties.networkSecurityGroup.id"}, true},
		// A slash inside a quoted key is not a type separator.
		{nil, "Microsoft.Web/sites/siteConfig.tags['a/b']", []string{"properties.siteConfig.tags['a/b']"}, true},
		// Exceptions for the types aizone emits.
		{nil, "Microsoft.Compute/virtualMachines/sku.name", []string{"properties.hardwareProfile.vmSize"}, true},
		{nil, "Microsoft.Compute/imageSku", []string{"properties.storageProfile.imageReference.sku", "properties.virtualMachineProfile.storageProfile.imageReference.sku"}, true},
		{DefaultAliases(), "Microsoft.Storage/storageAccounts/sku.name", []string{"sku.name"}, true},
		// Prefix exceptions and singleton child types.
		{nil, "Microsoft.Compute/VirtualMachineScaleSets/osdisk.vhdContainers", []string{"properties.virtualMachineProfile.storageProfile.osDisk.vhdContainers"}, true},
		{nil, "Microsoft.Insights/diagnosticSettings/logs.enabled", []string{"properties.logs[*].enabled"}, true},
		{nil, "Microsoft.Insights/diagnosticSettings/logs[*].category", []string{"properties.logs[*].category"}, true},
		{nil, "Microsoft.Storage/storageAccounts/blobServices/default.deleteRetentionPolicy.enabled", []string{"properties.deleteRetentionPolicy.enabled"}, true},
	} {
		got, fb := resolveAlias(tc.table, tc.alias)
		if !reflect.DeepEqual(got, tc.want) || fb != tc.fallback {
			t.Errorf("%s: %q (fallback %v), want %q (fallback %v)", tc.alias, got, fb, tc.want, tc.fallback)
		}
	}
}
