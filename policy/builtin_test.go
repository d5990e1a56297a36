package policy

import (
	"context"
	"encoding/json"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/aizone/aizone/internal/shared"
)

// TestBuiltinIntent evaluates real built-in and ALZ definitions against
// resources whose outcome their authors intended, one compliant and one not
// where it makes sense. Where the conformance suite checks the language
// rule by rule, this checks that the rules add up to what the idioms the
// corpus uses mean (a notLike '*' absence test, a tag read from the
// resource group, an API version guard).
func TestBuiltinIntent(t *testing.T) {
	aliases := sharedAliases(t)
	builtin := shared.Path(t, "corpora", "azure-policy", "policyDefinitions")
	alz := shared.Path(t, "corpora", "alz-library", "alz", "policy_definitions")
	const rg = "/subscriptions/s1/resourceGroups/rg1/providers/"
	type out struct {
		effect    string
		compliant bool
		ops       []Operation
	}
	deny := func(e string) out { return out{effect: e} }
	ok := out{compliant: true}
	for _, tc := range []struct {
		name     string
		file     string
		params   map[string]any
		resource string
		related  []string
		want     out
	}{
		{name: "https only false", file: filepath.Join(builtin, "Storage", "Storage_AuditForHTTPSEnabled_Audit.json"),
			resource: `{"type": "Microsoft.Storage/storageAccounts", "name": "sa", "location": "eastus", "properties": {"supportsHttpsTrafficOnly": false}}`,
			want:     deny("audit")},
		{name: "https only unset on a current API version", file: filepath.Join(builtin, "Storage", "Storage_AuditForHTTPSEnabled_Audit.json"),
			resource: `{"type": "Microsoft.Storage/storageAccounts", "name": "sa", "location": "eastus", "properties": {}}`,
			want:     ok},
		{name: "https only unset on an old API version", file: filepath.Join(builtin, "Storage", "Storage_AuditForHTTPSEnabled_Audit.json"),
			resource: `{"type": "Microsoft.Storage/storageAccounts", "apiVersion": "2018-07-01", "name": "sa", "location": "eastus", "properties": {}}`,
			want:     deny("audit")},
		{name: "TLS 1.0", file: filepath.Join(builtin, "Storage", "StorageAccountMinimumTLSVersion_Audit.json"),
			resource: `{"type": "Microsoft.Storage/storageAccounts", "name": "sa", "location": "eastus", "properties": {"minimumTlsVersion": "TLS1_0"}}`,
			want:     deny("audit")},
		{name: "TLS 1.2", file: filepath.Join(builtin, "Storage", "StorageAccountMinimumTLSVersion_Audit.json"),
			resource: `{"type": "Microsoft.Storage/storageAccounts", "name": "sa", "location": "eastus", "properties": {"minimumTlsVersion": "TLS1_2"}}`,
			want:     ok},
		{name: "network ACLs allow", file: filepath.Join(builtin, "Storage", "Storage_NetworkAcls_Audit.json"),
			resource: `{"type": "Microsoft.Storage/storageAccounts", "name": "sa", "location": "eastus", "properties": {"networkAcls": {"defaultAction": "Allow"}}}`,
			want:     deny("audit")},
		{name: "VM size not allowed", file: filepath.Join(builtin, "Compute", "VMSkusAllowed_Deny.json"),
			params:   map[string]any{"listOfAllowedSKUs": []any{"Standard_ND96isr_H100_v5"}},
			resource: `{"type": "Microsoft.Compute/virtualMachines", "name": "vm", "location": "eastus", "properties": {"hardwareProfile": {"vmSize": "Standard_NC24ads_A100_v4"}}}`,
			want:     deny("deny")},
		{name: "VM size allowed", file: filepath.Join(builtin, "Compute", "VMSkusAllowed_Deny.json"),
			params:   map[string]any{"listOfAllowedSKUs": []any{"standard_nd96isr_h100_v5"}},
			resource: `{"type": "Microsoft.Compute/virtualMachines", "name": "vm", "location": "eastus", "properties": {"hardwareProfile": {"vmSize": "Standard_ND96isr_H100_v5"}}}`,
			want:     ok},
		{name: "unmanaged OS disk", file: filepath.Join(builtin, "Compute", "VMRequireManagedDisk_Audit.json"),
			resource: `{"type": "Microsoft.Compute/virtualMachines", "name": "vm", "location": "eastus", "properties": {"storageProfile": {"osDisk": {"vhd": {"uri": "https://sa.blob.core.windows.net/vhds/os.vhd"}}}}}`,
			want:     deny("audit")},
		{name: "managed disks on a scale set", file: filepath.Join(builtin, "Compute", "VMRequireManagedDisk_Audit.json"),
			resource: `{"type": "Microsoft.Compute/virtualMachineScaleSets", "name": "vmss", "location": "eastus", "sku": {"name": "Standard_ND96isr_H100_v5"}, "properties": {"virtualMachineProfile": {"storageProfile": {"osDisk": {"managedDisk": {"storageAccountType": "Premium_LRS"}}}}}}`,
			want:     ok},
		{name: "key vault without purge protection", file: filepath.Join(builtin, "Key Vault", "Recoverable_Audit.json"),
			resource: `{"type": "Microsoft.KeyVault/vaults", "name": "kv", "location": "eastus", "properties": {"enableSoftDelete": true}}`,
			want:     deny("audit")},
		{name: "key vault recoverable", file: filepath.Join(builtin, "Key Vault", "Recoverable_Audit.json"),
			resource: `{"type": "Microsoft.KeyVault/vaults", "name": "kv", "location": "eastus", "properties": {"enableSoftDelete": true, "enablePurgeProtection": true}}`,
			want:     ok},
		{name: "tag inherited from the resource group", file: filepath.Join(builtin, "Tags", "InheritTag_AddOrReplace_Modify.json"),
			params:   map[string]any{"tagName": "costCenter"},
			resource: `{"id": "` + rg + `Microsoft.Storage/storageAccounts/sa", "type": "Microsoft.Storage/storageAccounts", "name": "sa", "location": "eastus", "tags": {}}`,
			want:     out{effect: "modify", ops: []Operation{{Operation: "addOrReplace", Field: "tags[costCenter]", Value: "42"}}}},
		{name: "resource group without the tag", file: filepath.Join(builtin, "Tags", "InheritTag_AddOrReplace_Modify.json"),
			params:   map[string]any{"tagName": "owner"},
			resource: `{"id": "` + rg + `Microsoft.Storage/storageAccounts/sa", "type": "Microsoft.Storage/storageAccounts", "name": "sa", "location": "eastus", "tags": {}}`,
			want:     ok},
		{name: "required tag missing", file: filepath.Join(builtin, "Tags", "RequireTag_Deny.json"),
			params:   map[string]any{"tagName": "owner"},
			resource: `{"type": "Microsoft.Network/virtualNetworks", "name": "v", "location": "eastus", "tags": {"Owner ": "x"}}`,
			want:     deny("deny")},
		{name: "location display name allowed", file: filepath.Join(builtin, "General", "AllowedLocations_Deny.json"),
			params:   map[string]any{"listOfAllowedLocations": []any{"swedencentral"}},
			resource: `{"type": "Microsoft.Network/virtualNetworks", "name": "v", "location": "Sweden Central"}`,
			want:     ok},
		{name: "location not allowed", file: filepath.Join(builtin, "General", "AllowedLocations_Deny.json"),
			params:   map[string]any{"listOfAllowedLocations": []any{"swedencentral"}},
			resource: `{"type": "Microsoft.Network/virtualNetworks", "name": "v", "location": "westeurope"}`,
			want:     deny("deny")},
		{name: "NIC with a public IP", file: filepath.Join(builtin, "Network", "NetworkPublicIPNic_Deny.json"),
			resource: `{"type": "Microsoft.Network/networkInterfaces", "name": "nic", "location": "eastus", "properties": {"ipConfigurations": [{"name": "c", "properties": {"publicIPAddress": {"id": "` + rg + `Microsoft.Network/publicIPAddresses/pip"}}}]}}`,
			want:     deny("deny")},
		{name: "NIC without a public IP", file: filepath.Join(builtin, "Network", "NetworkPublicIPNic_Deny.json"),
			resource: `{"type": "Microsoft.Network/networkInterfaces", "name": "nic", "location": "eastus", "properties": {"ipConfigurations": [{"name": "c", "properties": {"privateIPAddress": "10.0.0.4"}}]}}`,
			want:     ok},
		{name: "subnet assessment healthy", file: filepath.Join(builtin, "Security Center", "ASC_NetworkSecurityGroupsOnSubnets_Audit.json"),
			resource: `{"id": "` + rg + `Microsoft.Network/virtualNetworks/v/subnets/s", "type": "Microsoft.Network/virtualNetworks/subnets", "name": "v/s"}`,
			related: []string{`{"id": "` + rg + `Microsoft.Network/virtualNetworks/v/subnets/s/providers/Microsoft.Security/assessments/eade5b56-eefd-444f-95c8-23f29e5d93cb",
				"type": "Microsoft.Security/assessments", "name": "eade5b56-eefd-444f-95c8-23f29e5d93cb", "properties": {"status": {"code": "Healthy"}}}`},
			want: ok},
		{name: "subnet assessment missing", file: filepath.Join(builtin, "Security Center", "ASC_NetworkSecurityGroupsOnSubnets_Audit.json"),
			resource: `{"id": "` + rg + `Microsoft.Network/virtualNetworks/v/subnets/s", "type": "Microsoft.Network/virtualNetworks/subnets", "name": "v/s"}`,
			want:     deny("auditIfNotExists")},
		{name: "ALZ: subnet without NSG", file: filepath.Join(alz, "Deny-Subnet-Without-Nsg.alz_policy_definition.json"),
			resource: `{"type": "Microsoft.Network/virtualNetworks", "name": "v", "location": "eastus", "properties": {"subnets": [{"name": "gpu", "properties": {}}, {"name": "GatewaySubnet", "properties": {}}]}}`,
			want:     deny("deny")},
		{name: "ALZ: only excluded subnets", file: filepath.Join(alz, "Deny-Subnet-Without-Nsg.alz_policy_definition.json"),
			resource: `{"type": "Microsoft.Network/virtualNetworks", "name": "v", "location": "eastus", "properties": {"subnets": [{"name": "GatewaySubnet", "properties": {}}]}}`,
			want:     ok},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, err := LoadDefinition(tc.file)
			if err != nil {
				t.Fatal(err)
			}
			cp, err := Compile(d, aliases)
			if err != nil {
				t.Fatal(err)
			}
			if len(cp.Fallbacks()) > 0 {
				t.Errorf("aliases missing from the reference table: %v", cp.Fallbacks())
			}
			b, err := cp.Bind(tc.params)
			if err != nil {
				t.Fatal(err)
			}
			res := parseRes(t, tc.resource)
			all := []*Resource{res}
			for _, r := range tc.related {
				all = append(all, parseRes(t, r))
			}
			env := &Env{Resources: NewResources(all), ResourceGroups: map[string]map[string]any{
				"rg1": {"tags": map[string]any{"costCenter": "42"}},
			}}
			got := b.Evaluate(context.Background(), res, env)
			if got.Effect != tc.want.effect || got.Compliant != tc.want.compliant || (tc.want.ops != nil && !reflect.DeepEqual(got.Operations, tc.want.ops)) {
				t.Errorf("got %s effect %q compliant %v ops %v, want effect %q compliant %v ops %v\nreasons: %q",
					got.State, got.Effect, got.Compliant, got.Operations, tc.want.effect, tc.want.compliant, tc.want.ops, got.Reasons)
			}
		})
	}
}

func parseRes(t *testing.T, s string) *Resource {
	t.Helper()
	var raw map[string]any
	if err := json.Unmarshal([]byte(s), &raw); err != nil {
		t.Fatalf("%v: %s", err, s)
	}
	return NewResource(raw)
}
