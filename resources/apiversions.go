package resources

// apiVersions is the apiVersion of each type aizone emits: the newest stable
// version whose official schema is in ../shared/corpora/arm-schemas (its
// INDEX.txt; privateDnsZoneGroups, missing from the index, is in the same
// Network schema file as privateEndpoints). A test checks the table against
// the schemas.
var apiVersions = map[string]string{
	"Microsoft.Resources/resourceGroups":                                            "2025-04-01",
	"Microsoft.Resources/deployments":                                               "2025-04-01",
	"Microsoft.Compute/virtualMachineScaleSets":                                     "2026-03-01",
	"Microsoft.Compute/virtualMachines":                                             "2026-03-01",
	"Microsoft.Compute/proximityPlacementGroups":                                    "2026-03-01",
	"Microsoft.Compute/availabilitySets":                                            "2026-03-01",
	"Microsoft.Compute/galleries":                                                   "2025-12-03",
	"Microsoft.Compute/disks":                                                       "2026-03-02",
	"Microsoft.Network/virtualNetworks":                                             "2025-07-01",
	"Microsoft.Network/virtualNetworks/subnets":                                     "2025-07-01",
	"Microsoft.Network/networkSecurityGroups":                                       "2025-07-01",
	"Microsoft.Network/virtualNetworks/virtualNetworkPeerings":                      "2025-07-01",
	"Microsoft.Network/privateEndpoints":                                            "2025-07-01",
	"Microsoft.Network/routeTables":                                                 "2025-07-01",
	"Microsoft.Network/natGateways":                                                 "2025-07-01",
	"Microsoft.Network/publicIPAddresses":                                           "2025-07-01",
	"Microsoft.Network/virtualNetworkGateways":                                      "2025-07-01",
	"Microsoft.Network/expressRouteCircuits":                                        "2025-07-01",
	"Microsoft.Network/connections":                                                 "2025-07-01",
	"Microsoft.Network/azureFirewalls":                                              "2025-07-01",
	"Microsoft.Network/bastionHosts":                                                "2025-07-01",
	"Microsoft.Network/privateDnsZones":                                             "2024-06-01",
	"Microsoft.Network/privateDnsZones/virtualNetworkLinks":                         "2024-06-01",
	"Microsoft.Network/privateEndpoints/privateDnsZoneGroups":                       "2025-07-01",
	"Microsoft.Network/networkInterfaces":                                           "2025-07-01",
	"Microsoft.Network/expressRouteGateways":                                        "2025-07-01",
	"Microsoft.Storage/storageAccounts":                                             "2026-04-01",
	"Microsoft.Storage/storageAccounts/blobServices":                                "2026-04-01",
	"Microsoft.Storage/storageAccounts/blobServices/containers":                     "2026-04-01",
	"Microsoft.Storage/storageAccounts/managementPolicies":                          "2026-04-01",
	"Microsoft.Storage/storageAccounts/fileServices/shares":                         "2026-04-01",
	"Microsoft.StorageCache/amlFilesystems":                                         "2026-01-01",
	"Microsoft.NetApp/netAppAccounts":                                               "2026-05-01",
	"Microsoft.NetApp/netAppAccounts/capacityPools":                                 "2026-05-01",
	"Microsoft.NetApp/netAppAccounts/capacityPools/volumes":                         "2026-05-01",
	"Microsoft.Batch/batchAccounts":                                                 "2025-06-01",
	"Microsoft.Batch/batchAccounts/pools":                                           "2025-06-01",
	"Microsoft.ContainerService/managedClusters":                                    "2026-05-01",
	"Microsoft.ContainerService/managedClusters/agentPools":                         "2026-05-01",
	"Microsoft.ManagedIdentity/userAssignedIdentities":                              "2024-11-30",
	"Microsoft.KeyVault/vaults":                                                     "2026-02-01",
	"Microsoft.OperationalInsights/workspaces":                                      "2025-07-01",
	"Microsoft.Insights/diagnosticSettings":                                         "2016-09-01",
	"Microsoft.Authorization/policyAssignments":                                     "2026-06-01",
	"Microsoft.Authorization/roleAssignments":                                       "2022-04-01",
	"Microsoft.Authorization/policyDefinitions":                                     "2026-06-01",
	"Microsoft.Authorization/policySetDefinitions":                                  "2026-06-01",
	"Microsoft.Management/managementGroups":                                         "2023-04-01",
	"Microsoft.MachineLearningServices/workspaces":                                  "2026-05-01",
	"Microsoft.ContainerRegistry/registries":                                        "2025-11-01",
	"Microsoft.Network/firewallPolicies":                                            "2025-07-01",
	"Microsoft.Network/firewallPolicies/ruleCollectionGroups":                       "2025-07-01",
	"Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials": "2024-11-30",
	// Not in the schema corpus; the newest stable version the Consumption
	// REST reference lists.
	"Microsoft.Consumption/budgets": "2024-08-01",
}

// APIVersion returns the apiVersion used for a resource type.
func APIVersion(typ string) string {
	if v, ok := apiVersions[typ]; ok {
		return v
	}
	panic("resources: no apiVersion for " + typ + "; add it to apiversions.go")
}

// APIVersions returns a copy of the table, for tests and docs.
func APIVersions() map[string]string {
	out := make(map[string]string, len(apiVersions))
	for k, v := range apiVersions {
		out[k] = v
	}
	return out
}
