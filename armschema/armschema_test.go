package armschema

import (
	"errors"
	"fmt"
	"path"
	"strings"
	"sync"
	"testing"

	"github.com/aizone/aizone/internal/shared"
)

// corpus loads the real schema corpus once per test binary: loading reads
// about 4 MB of JSON and compiled schemas are cached in the Validator.
var corpus = struct {
	once sync.Once
	v    *Validator
	err  error
}{}

func realValidator(tb testing.TB) *Validator {
	tb.Helper()
	dir := shared.Path(tb, "corpora", "arm-schemas")
	corpus.once.Do(func() { corpus.v, corpus.err = Load(dir) })
	if corpus.err != nil {
		tb.Fatalf("Load(%s): %v", dir, corpus.err)
	}
	return corpus.v
}

// obj and arr keep the literals below readable.
type obj = map[string]any
type arr = []any

const (
	subnetID = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-ai/providers/Microsoft.Network/virtualNetworks/vnet-ai/subnets/snet-compute"
	imageRef = "Canonical"
)

func image() obj {
	return obj{"publisher": imageRef, "offer": "ubuntu-24_04-lts", "sku": "server", "version": "latest"}
}

// validResources are minimal but realistic resources of the kinds aizone
// emits; each must pass its schema.
func validResources() []struct {
	name string
	res  obj
} {
	return []struct {
		name string
		res  obj
	}{
		{"resourceGroup", obj{
			"type": "Microsoft.Resources/resourceGroups", "apiVersion": "2025-04-01", "name": "rg-ai-zone",
			"location": "swedencentral", "tags": obj{"workload": "ai"}, "properties": obj{},
		}},
		{"deployment", obj{
			"type": "Microsoft.Resources/deployments", "apiVersion": "2025-04-01", "name": "ai-zone-network",
			"resourceGroup": "rg-ai-zone", "dependsOn": arr{"[resourceId('Microsoft.Resources/resourceGroups', 'rg-ai-zone')]"},
			"properties": obj{
				"mode":                        "Incremental",
				"expressionEvaluationOptions": obj{"scope": "Inner"},
				"template": obj{
					"$schema":        "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
					"contentVersion": "1.0.0.0",
					"resources":      arr{},
				},
			},
		}},
		{"virtualNetwork with subnets", obj{
			"type": "Microsoft.Network/virtualNetworks", "apiVersion": "2025-07-01", "name": "vnet-ai", "location": "swedencentral",
			"properties": obj{
				"addressSpace": obj{"addressPrefixes": arr{"10.20.0.0/16"}},
				"subnets": arr{
					obj{"name": "snet-compute", "properties": obj{
						"addressPrefix":        "10.20.0.0/20",
						"networkSecurityGroup": obj{"id": "[resourceId('Microsoft.Network/networkSecurityGroups', 'nsg-compute')]"},
					}},
					obj{"name": "snet-pe", "properties": obj{"addressPrefix": "10.20.16.0/24", "privateEndpointNetworkPolicies": "Disabled"}},
				},
			},
		}},
		{"subnet", obj{
			"type": "Microsoft.Network/virtualNetworks/subnets", "apiVersion": "2025-07-01", "name": "vnet-ai/snet-amlfs",
			"properties": obj{"addressPrefix": "10.20.17.0/24"},
		}},
		{"networkSecurityGroup", obj{
			"type": "Microsoft.Network/networkSecurityGroups", "apiVersion": "2025-07-01", "name": "nsg-compute", "location": "swedencentral",
			"properties": obj{"securityRules": arr{obj{"name": "deny-internet-out", "properties": obj{
				"priority": 4000, "direction": "Outbound", "access": "Deny", "protocol": "*",
				"sourceAddressPrefix": "VirtualNetwork", "sourcePortRange": "*",
				"destinationAddressPrefix": "Internet", "destinationPortRange": "*",
			}}}},
		}},
		{"storageAccount", obj{
			"type": "Microsoft.Storage/storageAccounts", "apiVersion": "2026-04-01", "name": "staizonedata01", "location": "swedencentral",
			"kind": "StorageV2", "sku": obj{"name": "Standard_ZRS"},
			"properties": obj{
				"accessTier": "Hot", "isHnsEnabled": true, "minimumTlsVersion": "TLS1_2",
				"allowBlobPublicAccess": false, "publicNetworkAccess": "Disabled",
				"networkAcls": obj{"defaultAction": "Deny", "bypass": "AzureServices"},
			},
		}},
		{"managementPolicy", obj{
			"type": "Microsoft.Storage/storageAccounts/managementPolicies", "apiVersion": "2026-04-01", "name": "staizonedata01/default",
			"properties": obj{"policy": obj{"rules": arr{obj{
				"name": "age-out", "enabled": true, "type": "Lifecycle",
				"definition": obj{
					"filters": obj{"blobTypes": arr{"blockBlob"}, "prefixMatch": arr{"corpus/"}},
					"actions": obj{"baseBlob": obj{
						"tierToCool":    obj{"daysAfterModificationGreaterThan": 30},
						"tierToCold":    obj{"daysAfterModificationGreaterThan": 90},
						"tierToArchive": obj{"daysAfterModificationGreaterThan": 180},
					}},
				},
			}}}},
		}},
		{"privateEndpoint", obj{
			"type": "Microsoft.Network/privateEndpoints", "apiVersion": "2025-07-01", "name": "pe-staizonedata01-blob", "location": "swedencentral",
			"properties": obj{
				"subnet": obj{"id": subnetID},
				"privateLinkServiceConnections": arr{obj{"name": "blob", "properties": obj{
					"privateLinkServiceId": "[resourceId('Microsoft.Storage/storageAccounts', 'staizonedata01')]",
					"groupIds":             arr{"blob"},
				}}},
			},
		}},
		{"privateDnsZone", obj{
			"type": "Microsoft.Network/privateDnsZones", "apiVersion": "2024-06-01", "name": "privatelink.blob.core.windows.net",
			"location": "global", "properties": obj{},
		}},
		{"privateDnsZone vnet link", obj{
			"type": "Microsoft.Network/privateDnsZones/virtualNetworkLinks", "apiVersion": "2024-06-01",
			"name": "privatelink.blob.core.windows.net/vnet-ai", "location": "global",
			"properties": obj{"registrationEnabled": false, "virtualNetwork": obj{"id": "[resourceId('Microsoft.Network/virtualNetworks', 'vnet-ai')]"}},
		}},
		{"userAssignedIdentity", obj{
			"type": "Microsoft.ManagedIdentity/userAssignedIdentities", "apiVersion": "2024-11-30", "name": "id-ai-compute",
			"location": "swedencentral", "properties": obj{},
		}},
		{"virtualMachineScaleSet", obj{
			"type": "Microsoft.Compute/virtualMachineScaleSets", "apiVersion": "2026-03-01", "name": "vmss-train", "location": "swedencentral",
			"sku":   obj{"name": "Standard_ND96isr_H100_v5", "tier": "Standard", "capacity": 4},
			"zones": arr{"1"},
			"properties": obj{
				"orchestrationMode":    "Uniform",
				"singlePlacementGroup": true,
				"upgradePolicy":        obj{"mode": "Manual"},
				"virtualMachineProfile": obj{
					"storageProfile": obj{"imageReference": image(), "osDisk": obj{"createOption": "FromImage", "managedDisk": obj{"storageAccountType": "Premium_LRS"}}},
					"osProfile": obj{
						"computerNamePrefix": "train", "adminUsername": "azureuser",
						"linuxConfiguration": obj{"disablePasswordAuthentication": true, "ssh": obj{"publicKeys": arr{obj{
							"path": "/home/azureuser/.ssh/authorized_keys", "keyData": "[parameters('sshPublicKey')]",
						}}}},
					},
					"networkProfile": obj{"networkInterfaceConfigurations": arr{obj{
						"name": "nic", "properties": obj{
							"primary": true, "enableAcceleratedNetworking": true,
							"ipConfigurations": arr{obj{"name": "ipconfig", "properties": obj{"subnet": obj{"id": subnetID}}}},
						},
					}}},
				},
			},
		}},
		{"batch pool", obj{
			"type": "Microsoft.Batch/batchAccounts/pools", "apiVersion": "2025-06-01", "name": "baaizone/gpu-train",
			"properties": obj{
				"vmSize": "Standard_ND96isr_H100_v5",
				"deploymentConfiguration": obj{"virtualMachineConfiguration": obj{
					"imageReference": image(), "nodeAgentSkuId": "batch.node.ubuntu 24.04",
				}},
				"scaleSettings":          obj{"fixedScale": obj{"targetDedicatedNodes": 4, "targetLowPriorityNodes": 0}},
				"interNodeCommunication": "Enabled",
				"taskSlotsPerNode":       1,
				"networkConfiguration":   obj{"subnetId": subnetID},
			},
		}},
		{"AKS managedCluster", obj{
			"type": "Microsoft.ContainerService/managedClusters", "apiVersion": "2026-05-01", "name": "aks-serve", "location": "swedencentral",
			"identity": obj{"type": "SystemAssigned"},
			"sku":      obj{"name": "Base", "tier": "Standard"},
			"properties": obj{
				"dnsPrefix": "aks-serve", "enableRBAC": true,
				"agentPoolProfiles": arr{
					obj{"name": "system", "mode": "System", "count": 3, "vmSize": "Standard_D4s_v5", "osType": "Linux", "vnetSubnetID": subnetID},
					obj{"name": "gpu", "mode": "User", "count": 2, "vmSize": "Standard_NC40ads_H100_v5", "osType": "Linux", "vnetSubnetID": subnetID,
						"nodeTaints": arr{"sku=gpu:NoSchedule"}},
				},
				"networkProfile":         obj{"networkPlugin": "azure", "networkPluginMode": "overlay", "outboundType": "userDefinedRouting"},
				"apiServerAccessProfile": obj{"enablePrivateCluster": true},
			},
		}},
		{"amlFilesystem", obj{
			"type": "Microsoft.StorageCache/amlFilesystems", "apiVersion": "2026-01-01", "name": "amlfs-train", "location": "swedencentral",
			"sku": obj{"name": "AMLFS-Durable-Premium-250"}, "zones": arr{"1"},
			"properties": obj{
				"filesystemSubnet":   subnetID,
				"storageCapacityTiB": 16,
				"maintenanceWindow":  obj{"dayOfWeek": "Sunday", "timeOfDayUTC": "02:00"},
			},
		}},
		{"policyDefinition", obj{
			"type": "Microsoft.Authorization/policyDefinitions", "apiVersion": "2026-06-01", "name": "aizone-allowed-gpu-skus",
			"properties": obj{
				"policyType": "Custom", "mode": "All", "displayName": "Allowed GPU VM sizes",
				"parameters": obj{"allowedSkus": obj{"type": "Array", "metadata": obj{"displayName": "Allowed SKUs"}}},
				"policyRule": obj{
					"if": obj{"allOf": arr{
						obj{"field": "type", "equals": "Microsoft.Compute/virtualMachineScaleSets"},
						obj{"not": obj{"field": "Microsoft.Compute/virtualMachineScaleSets/sku.name", "in": "[parameters('allowedSkus')]"}},
					}},
					"then": obj{"effect": "deny"},
				},
			},
		}},
		{"expressions everywhere", obj{
			"type": "Microsoft.Storage/storageAccounts", "apiVersion": "2026-04-01", "name": "[variables('storageName')]",
			"location": "[resourceGroup().location]", "kind": "StorageV2",
			"sku": "[parameters('sku')]", "properties": "[variables('storageProperties')]",
			"condition": "[parameters('deployStorage')]",
			"copy":      obj{"name": "accounts", "count": "[length(parameters('names'))]"},
		}},
	}
}

func TestValidResources(t *testing.T) {
	v := realValidator(t)
	for _, tc := range validResources() {
		t.Run(tc.name, func(t *testing.T) {
			if err := v.Validate(tc.res); err != nil {
				t.Errorf("Validate: %v", err)
			}
		})
	}
}

// mutate returns a copy of the named valid resource changed by f.
func mutate(t *testing.T, name string, f func(r obj)) obj {
	t.Helper()
	for _, tc := range validResources() {
		if tc.name == name {
			f(tc.res)
			return tc.res
		}
	}
	t.Fatalf("no valid resource %q", name)
	return nil
}

func TestInvalidResources(t *testing.T) {
	v := realValidator(t)
	tests := []struct {
		name string
		res  obj
		want []Violation // every violation, in order
	}{
		{
			name: "wrong enum value",
			res: mutate(t, "storageAccount", func(r obj) {
				r["kind"] = "StorageV3"
				r["sku"].(obj)["name"] = "Standard_XRS"
			}),
			want: []Violation{
				{"/kind", "value must be one of 'Storage', 'StorageV2', 'BlobStorage', 'FileStorage', 'BlockBlobStorage'"},
				{"/sku/name", "value must be one of 'Standard_LRS', 'Standard_GRS', 'Standard_RAGRS', 'Standard_ZRS', 'Premium_LRS', 'Premium_ZRS', 'Standard_GZRS', 'Standard_RAGZRS', 'StandardV2_LRS', 'StandardV2_GRS', 'StandardV2_ZRS', 'StandardV2_GZRS', 'PremiumV2_LRS', 'PremiumV2_ZRS'"},
			},
		},
		{
			name: "apiVersion the file does not hold",
			res:  mutate(t, "virtualNetwork with subnets", func(r obj) { r["apiVersion"] = "2023-09-01" }),
			want: []Violation{{"/apiVersion", "value must be '2025-07-01'"}},
		},
		{
			name: "wrong type deep inside",
			res: mutate(t, "virtualNetwork with subnets", func(r obj) {
				p := r["properties"].(obj)
				p["addressSpace"].(obj)["addressPrefixes"] = "10.20.0.0/16"
				p["subnets"].(arr)[1].(obj)["properties"].(obj)["addressPrefix"] = 24
			}),
			want: []Violation{
				{"/properties/addressSpace/addressPrefixes", "got string, want array or ARM expression"},
				{"/properties/subnets/1/properties/addressPrefix", "got number, want string"},
			},
		},
		{
			name: "integer or expression wanted, pattern",
			res: mutate(t, "amlFilesystem", func(r obj) {
				r["properties"].(obj)["storageCapacityTiB"] = "sixteen"
				r["properties"].(obj)["maintenanceWindow"].(obj)["timeOfDayUTC"] = "25:00"
			}),
			want: []Violation{
				{"/properties/maintenanceWindow/timeOfDayUTC", "'25:00' does not match pattern '^([0-9]|0[0-9]|1[0-9]|2[0-3]):[0-5][0-9]$'"},
				{"/properties/storageCapacityTiB", "got string, want integer or ARM expression"},
			},
		},
		{
			name: "missing required",
			res: mutate(t, "amlFilesystem", func(r obj) {
				delete(r, "location")
				delete(r["properties"].(obj), "maintenanceWindow")
			}),
			want: []Violation{
				{"", "missing property 'location'"},
				{"/properties", "missing property 'maintenanceWindow'"},
			},
		},
		{
			name: "missing name and properties",
			res:  obj{"type": "Microsoft.Network/privateEndpoints", "apiVersion": "2025-07-01", "location": "swedencentral"},
			want: []Violation{
				{"", "missing property 'name'"},
				{"", "missing property 'properties'"},
			},
		},
		{
			name: "unknown property where additionalProperties is false",
			res: obj{
				"type": "Microsoft.MachineLearningServices/workspaces", "apiVersion": "2026-05-01", "name": "mlw-ai", "location": "swedencentral",
				"properties": obj{"managedNetwork": obj{"isolationMode": "AllowOnlyApprovedOutbound", "outboundRules": obj{
					"pypi": obj{"type": "ServiceTag", "category": "UserDefined", "colour": "blue"},
				}}},
			},
			want: []Violation{{"/properties/managedNetwork/outboundRules/pypi/colour", "additional properties 'colour' not allowed"}},
		},
		{
			name: "dependsOn must be strings",
			res:  mutate(t, "userAssignedIdentity", func(r obj) { r["dependsOn"] = arr{"[resourceId('x', 'y')]", 7} }),
			want: []Violation{{"/dependsOn/1", "got number, want string"}},
		},
		{
			name: "string that is not an expression where an object is wanted",
			res:  mutate(t, "privateDnsZone", func(r obj) { r["properties"] = "parameters('x')" }),
			want: []Violation{{"/properties", "got string, want object or ARM expression"}},
		},
		{
			name: "name pattern with look-ahead (regexp2)",
			res:  mutate(t, "AKS managedCluster", func(r obj) { r["name"] = "-aks" }),
			want: []Violation{{"/name", "'-aks' does not match pattern '^[a-zA-Z0-9]$|^[a-zA-Z0-9][-_a-zA-Z0-9]{0,61}[a-zA-Z0-9]$'"}},
		},
		{
			name: "child name: the child's own segment is checked",
			res:  mutate(t, "batch pool", func(r obj) { r["name"] = "baaizone/gpu train" }),
			want: []Violation{{"/name", "'baaizone/gpu train' does not match pattern '^[a-zA-Z0-9_-]+$'"}},
		},
		{
			name: "child name: a full-form pattern is checked",
			res:  mutate(t, "managementPolicy", func(r obj) { r["name"] = "staizonedata01/lifecycle" }),
			want: []Violation{{"/name", "'staizonedata01/lifecycle' does not match pattern '^.*/default$'"}},
		},
		{
			name: "batch pool wrong types",
			res: mutate(t, "batch pool", func(r obj) {
				p := r["properties"].(obj)
				p["interNodeCommunication"] = true
				p["scaleSettings"].(obj)["fixedScale"].(obj)["targetDedicatedNodes"] = "4"
			}),
			want: []Violation{
				{"/properties/interNodeCommunication", "got boolean, want string or ARM expression"},
				{"/properties/scaleSettings/fixedScale/targetDedicatedNodes", "got string, want integer or ARM expression"},
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := v.Validate(tc.res)
			var re *ResourceError
			if !errors.As(err, &re) {
				t.Fatalf("Validate = %v, want a *ResourceError", err)
			}
			if fmt.Sprint(re.Violations) != fmt.Sprint(tc.want) {
				t.Errorf("violations:\n got %q\nwant %q", re.Violations, tc.want)
			}
			typ, name := tc.res["type"].(string), nameOf(tc.res)
			lines := strings.Split(err.Error(), "\n")
			if len(lines) != len(tc.want) {
				t.Errorf("error has %d lines, want %d:\n%v", len(lines), len(tc.want), err)
			}
			for _, l := range lines {
				if !strings.HasPrefix(l, fmt.Sprintf("%s %q", typ, name)) {
					t.Errorf("line %q lacks the type and name prefix", l)
				}
			}
		})
	}
}

// TestLookAround checks a pattern Go's RE2 cannot compile (a look-behind)
// is enforced, through regexp2.
func TestLookAround(t *testing.T) {
	v := realValidator(t)
	gallery := func(name string) obj {
		return obj{"type": "Microsoft.Compute/galleries", "apiVersion": "2025-12-03", "name": name, "location": "swedencentral", "properties": obj{}}
	}
	if err := v.Validate(gallery("gal_ai_images")); err != nil {
		t.Errorf("valid gallery name: %v", err)
	}
	err := v.Validate(gallery("gal_ai_images-"))
	if err == nil || !strings.Contains(err.Error(), `at /name: 'gal_ai_images-' does not match pattern '^[^_\\W][\\w-._]{0,79}(?<![-.])$'`) {
		t.Errorf("gallery name ending in '-' = %v, want a pattern violation at /name", err)
	}
}

func TestUnknownType(t *testing.T) {
	v := realValidator(t)
	err := v.Validate(obj{"type": "Microsoft.Quantum/workspaces", "apiVersion": "2023-11-13-preview", "name": "q"})
	if !errors.Is(err, ErrUnknownType) || !strings.Contains(err.Error(), "Microsoft.Quantum/workspaces") {
		t.Errorf("Validate = %v, want ErrUnknownType naming the type", err)
	}
	err = v.Validate(obj{"name": "typeless"})
	if err == nil || !strings.Contains(err.Error(), "missing property 'type'") {
		t.Errorf("Validate(no type) = %v", err)
	}
}

// TestTypeCaseInsensitive: ARM resource types are case-insensitive.
func TestTypeCaseInsensitive(t *testing.T) {
	v := realValidator(t)
	r := mutate(t, "userAssignedIdentity", func(r obj) { r["type"] = "microsoft.managedidentity/USERASSIGNEDIDENTITIES" })
	if err := v.Validate(r); err != nil {
		t.Errorf("Validate: %v", err)
	}
}

// TestGoValues: resources built in Go ([]string, map[string]string, int)
// validate as their JSON would.
func TestGoValues(t *testing.T) {
	v := realValidator(t)
	r := obj{
		"type": "Microsoft.Network/virtualNetworks", "apiVersion": "2025-07-01", "name": "vnet-ai", "location": "swedencentral",
		"tags":      map[string]string{"workload": "ai"},
		"dependsOn": []string{"[resourceId('Microsoft.Network/networkSecurityGroups', 'nsg')]"},
		"properties": map[string]any{
			"addressSpace": map[string][]string{"addressPrefixes": {"10.0.0.0/16"}},
			"subnets":      []map[string]any{{"name": "a", "properties": map[string]any{"addressPrefix": "10.0.0.0/24"}}},
		},
	}
	if err := v.Validate(r); err != nil {
		t.Errorf("Validate: %v", err)
	}
	r["properties"].(map[string]any)["subnets"] = []map[string]any{{"name": "a", "properties": map[string]any{"addressPrefix": 24}}}
	if err := v.Validate(r); err == nil || !strings.Contains(err.Error(), "at /properties/subnets/0/properties/addressPrefix: got number, want string") {
		t.Errorf("Validate = %v", err)
	}
}

func TestValidateTemplate(t *testing.T) {
	v := realValidator(t)
	valid := validResources()
	var resources arr
	for _, tc := range valid {
		resources = append(resources, tc.res)
	}
	tmpl := obj{
		"$schema":        "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
		"contentVersion": "1.0.0.0",
		"resources":      resources,
	}
	if err := v.ValidateTemplate(tmpl); err != nil {
		t.Fatalf("ValidateTemplate(valid) = %v", err)
	}

	badVnet := mutate(t, "virtualNetwork with subnets", func(r obj) { r["properties"].(obj)["subnets"] = "snet" })
	badNSG := mutate(t, "networkSecurityGroup", func(r obj) {
		r["properties"].(obj)["securityRules"].(arr)[0].(obj)["properties"].(obj)["access"] = "Maybe"
	})
	inner := obj{
		"type": "Microsoft.Resources/deployments", "apiVersion": "2025-04-01", "name": "inner",
		"properties": obj{"mode": "Incremental", "template": obj{"resources": arr{
			mutate(t, "userAssignedIdentity", unchanged),
			badNSG,
		}}},
	}
	outer := obj{
		"type": "Microsoft.Resources/deployments", "apiVersion": "2025-04-01", "name": "outer", "location": "swedencentral",
		"properties": obj{"mode": "Incremental", "template": obj{"resources": arr{
			badVnet,
			inner,
			obj{"type": "Microsoft.Quantum/workspaces", "apiVersion": "2023-11-13-preview", "name": "q"},
		}}},
	}
	tmpl["resources"] = arr{mutate(t, "resourceGroup", unchanged), outer}
	err := v.ValidateTemplate(tmpl)
	if err == nil {
		t.Fatal("ValidateTemplate(invalid) = nil")
	}
	want := []string{
		`resources[1].properties.template.resources[0]: Microsoft.Network/virtualNetworks "vnet-ai" at /properties/subnets: got string, want array or ARM expression`,
		`resources[1].properties.template.resources[1].properties.template.resources[1]: Microsoft.Network/networkSecurityGroups "nsg-compute" at /properties/securityRules/0/properties/access: value must be one of 'Allow', 'Deny'`,
		`resources[1].properties.template.resources[2]: armschema: resource type not in the schema index: Microsoft.Quantum/workspaces "q"`,
	}
	if got := strings.Split(err.Error(), "\n"); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("ValidateTemplate:\n got %q\nwant %q", got, want)
	}
	if !errors.Is(err, ErrUnknownType) {
		t.Error("joined error does not wrap ErrUnknownType")
	}

	// languageVersion 2.0 templates key resources by symbolic name.
	sym := obj{"languageVersion": "2.0", "resources": obj{"zeta": badVnet, "alpha": mutate(t, "privateDnsZone", unchanged)}}
	if err := v.ValidateTemplate(sym); err == nil || !strings.HasPrefix(err.Error(), `resources["zeta"]: Microsoft.Network/virtualNetworks`) {
		t.Errorf("ValidateTemplate(symbolic) = %v", err)
	}
}

func unchanged(obj) {}

// TestIndexResolves: every type of INDEX.txt resolves to a resource
// definition whose apiVersion is the file's version, and compiles.
func TestIndexResolves(t *testing.T) {
	v := realValidator(t)
	if err := v.Compile(); err != nil {
		t.Fatalf("Compile:\n%v", err)
	}
	types := v.Types()
	if len(types) < 40 {
		t.Errorf("%d types, want the whole index", len(types))
	}
	versions := v.APIVersions()
	for _, typ := range types {
		ts := v.types[strings.ToLower(typ)]
		if want := path.Dir(ts.file); versions[typ] != want {
			t.Errorf("%s: apiVersion %q, want %q (the file's version)", typ, versions[typ], want)
		}
	}
	if p := v.Permissive(); len(p) > 0 {
		t.Logf("permissive (missing from the corpus, not checked): %s", strings.Join(p, ", "))
	} else {
		t.Logf("permissive: none; every referenced schema file is in the corpus")
	}
}

func TestDeterministic(t *testing.T) {
	v := realValidator(t)
	r := mutate(t, "batch pool", func(r obj) {
		p := r["properties"].(obj)
		p["vmSize"] = 96
		p["interNodeCommunication"] = "Sometimes"
		p["taskSlotsPerNode"] = "one"
		p["networkConfiguration"] = arr{}
	})
	first := v.Validate(r).Error()
	for range 20 {
		if got := v.Validate(r).Error(); got != first {
			t.Fatalf("error changed between runs:\n%s\n---\n%s", first, got)
		}
	}
}

func TestConcurrent(t *testing.T) {
	dir := shared.Path(t, "corpora", "arm-schemas")
	v, err := Load(dir) // fresh, so goroutines race to compile
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 8 {
		for _, tc := range validResources() {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if err := v.Validate(tc.res); err != nil {
					t.Errorf("%s: %v", tc.name, err)
				}
			}()
		}
	}
	wg.Wait()
}

// TestPermissive uses a small hand-written corpus whose provider file
// references a file that is absent.
func TestPermissive(t *testing.T) {
	v, err := Load("testdata/corpus")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"https://schema.management.azure.com/schemas/2099-01-01-preview/Test.Missing.json"}
	if got := v.Permissive(); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("Permissive = %q, want %q", got, want)
	}
	if got := v.APIVersions(); fmt.Sprint(got) != "map[Test.Widgets/widgets:2099-01-01 Test.Widgets/widgets/parts:2099-01-01]" {
		t.Errorf("APIVersions = %v", got)
	}
	tests := []struct {
		name string
		res  obj
		want string // "" for valid
	}{
		{"anything goes in the missing schema's part", obj{
			"type": "Test.Widgets/widgets", "apiVersion": "2099-01-01", "name": "w1",
			"properties": obj{"size": 3, "gadget": obj{"whatever": arr{1, "two"}}},
		}, ""},
		{"checked parts still checked", obj{
			"type": "Test.Widgets/widgets", "apiVersion": "2099-01-01", "name": "w1",
			"properties": obj{"size": "big", "gadget": 5, "extra": true},
		}, "Test.Widgets/widgets \"w1\" at /properties/extra: additional properties 'extra' not allowed\n" +
			"Test.Widgets/widgets \"w1\" at /properties/size: got string, want integer or ARM expression"},
		{"look-behind pattern", obj{
			"type": "Test.Widgets/widgets/parts", "apiVersion": "2099-01-01", "name": "w1/part-",
		}, "Test.Widgets/widgets/parts \"w1/part-\" at /name: 'w1/part-' does not match pattern '^[a-z0-9/-]+(?<!-)$'"},
		{"subscription-scope section", obj{
			"type": "test.widgets/WIDGETS/parts", "apiVersion": "2099-01-01", "name": "w1/part",
		}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := v.Validate(tc.res)
			got := ""
			if err != nil {
				got = err.Error()
			}
			if got != tc.want {
				t.Errorf("Validate:\n got %q\nwant %q", got, tc.want)
			}
		})
	}
}

func TestLoadErrors(t *testing.T) {
	for _, tc := range []struct{ dir, want string }{
		{"testdata/nonexistent", "INDEX.txt"},
		{"testdata/badindex", "expected \"<resource type> <dir>/<file>.json\""},
		{"testdata/notype", "no resource definition has type Test.Widgets/gizmos"},
	} {
		_, err := Load(tc.dir)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Load(%s) = %v, want an error containing %q", tc.dir, err, tc.want)
		}
	}
}

// BenchmarkValidate validates a typical resource: a virtual network with
// two subnets, its schema already compiled.
func BenchmarkValidate(b *testing.B) {
	v := realValidator(b)
	var vnet obj
	for _, tc := range validResources() {
		if tc.name == "virtualNetwork with subnets" {
			vnet = tc.res
		}
	}
	if err := v.Validate(vnet); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := v.Validate(vnet); err != nil {
			b.Fatal(err)
		}
	}
}
