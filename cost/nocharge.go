package cost

import "sort"

// noChargeTypes are the ARM resource types aizone deploys that carry no
// charge of their own. What they carry is billed elsewhere, on a line of
// its own or under unpriced.
var noChargeTypes = map[string]string{
	"Microsoft.Resources/resourceGroups":                                            "a container; no fee",
	"Microsoft.Resources/deployments":                                               "a nested deployment; no fee",
	"Microsoft.Management/managementGroups":                                         "no fee",
	"Microsoft.Authorization/policyDefinitions":                                     "Azure Policy on Azure resources has no fee",
	"Microsoft.Authorization/policySetDefinitions":                                  "Azure Policy on Azure resources has no fee",
	"Microsoft.Authorization/policyAssignments":                                     "Azure Policy on Azure resources has no fee",
	"Microsoft.Authorization/roleAssignments":                                       "Azure RBAC has no fee",
	"Microsoft.Authorization/roleDefinitions":                                       "Azure RBAC has no fee",
	"Microsoft.ManagedIdentity/userAssignedIdentities":                              "managed identities have no fee",
	"Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials": "no fee",
	"Microsoft.Consumption/budgets":                                                 "Cost Management budgets have no fee",
	"Microsoft.Network/virtualNetworks":                                             "a virtual network has no fee; traffic over its peerings is billed (see the peering items)",
	"Microsoft.Network/virtualNetworks/subnets":                                     "no fee",
	"Microsoft.Network/networkSecurityGroups":                                       "network security groups have no fee",
	"Microsoft.Network/routeTables":                                                 "route tables have no fee",
	"Microsoft.Network/networkInterfaces":                                           "no fee; billed with the VM",
	"Microsoft.Network/privateEndpoints/privateDnsZoneGroups":                       "no fee; the endpoint and its DNS zone are billed",
	"Microsoft.Network/privateDnsZones/virtualNetworkLinks":                         "no fee; the zone and its queries are billed",
	"Microsoft.Network/firewallPolicies":                                            "billed with its firewall: a policy on one firewall has no fee of its own (Firewall Manager bills policies across several firewalls; not in ../shared/reference)",
	"Microsoft.Network/firewallPolicies/ruleCollectionGroups":                       "part of the firewall policy; no fee",
	"Microsoft.Network/connections":                                                 "an ExpressRoute connection of a VNet gateway has no fee; the gateway and circuit are billed",
	"Microsoft.Compute/proximityPlacementGroups":                                    "no fee",
	"Microsoft.Compute/availabilitySets":                                            "no fee",
	"Microsoft.Compute/galleries":                                                   "a gallery has no fee; image versions are billed as storage (the template publishes none)",
	"Microsoft.Batch/batchAccounts":                                                 "Azure Batch has no charge beyond the VMs, disks and network it uses (network.md, V); the pools' VMs are priced per workload",
	"Microsoft.Storage/storageAccounts":                                             "no fee of its own: billed by the data and operations of its containers (the blob items)",
	"Microsoft.Storage/storageAccounts/blobServices":                                "no fee; billed by its containers",
	"Microsoft.Storage/storageAccounts/managementPolicies":                          "lifecycle rules have no fee; the tier changes they make are billed as operations (see Blob operations)",
	"Microsoft.NetApp/netAppAccounts":                                               "a NetApp account has no fee; its capacity pool is billed",
	"Microsoft.NetApp/netAppAccounts/capacityPools/volumes":                         "volumes have no fee; billed by their capacity pool's size",
	"Microsoft.Storage/storageAccounts/fileServices/shares":                         "billed by the account's file data; the shares aizone writes hold a few scripts",
	"Microsoft.MachineLearningServices/workspaces":                                  "an Azure Machine Learning workspace has no fee; its compute and dependent resources are billed",
}

// unpricedTypes are types aizone can deploy that the examples do not,
// with the meter that would price them; a test keeps this table and
// noChargeTypes covering every type resources knows.
var unpricedTypes = map[string]string{
	"Microsoft.Insights/diagnosticSettings":                     "Log Analytics: Analytics Logs Data Ingestion (billed to the workspace)",
	"Microsoft.Compute/virtualMachines":                         "Virtual Machines: the size's meter",
	"Microsoft.Compute/disks":                                   "Storage: the disk tier's meter (for example P30 LRS Disk)",
	"Microsoft.Network/expressRouteCircuits":                    "ExpressRoute: the circuit's bandwidth and plan",
	"Microsoft.Network/expressRouteGateways":                    "Virtual WAN: ExpressRoute Scale Unit",
	"Microsoft.Network/bastionHosts":                            "Azure Bastion: Standard Gateway",
	"Microsoft.Network/virtualNetworkGateways":                  "ExpressRoute: the gateway SKU",
	"Microsoft.OperationalInsights/workspaces":                  "Log Analytics: Analytics Logs Data Ingestion",
	"Microsoft.StorageCache/amlFilesystems":                     "Azure Managed Lustre: the tier's capacity",
	"Microsoft.KeyVault/vaults":                                 "Key Vault: Operations",
	"Microsoft.ContainerRegistry/registries":                    "Container Registry: Premium Registry Unit",
	"Microsoft.NetApp/netAppAccounts/capacityPools":             "Azure NetApp Files: the level's Capacity",
	"Microsoft.Network/azureFirewalls":                          "Azure Firewall: the tier's Deployment",
	"Microsoft.Network/natGateways":                             "NAT Gateway: Standard Gateway",
	"Microsoft.Network/publicIPAddresses":                       "Virtual Network: Standard IPv4 Static Public IP",
	"Microsoft.Network/privateEndpoints":                        "Virtual Network: Standard Private Endpoint",
	"Microsoft.Network/privateDnsZones":                         "Azure DNS: Private Zone",
	"Microsoft.Network/virtualNetworks/virtualNetworkPeerings":  "Virtual Network: Intra-Region Ingress/Egress",
	"Microsoft.ContainerService/managedClusters":                "Azure Kubernetes Service: Standard Uptime SLA",
	"Microsoft.ContainerService/managedClusters/agentPools":     "Virtual Machines: the node size's meter",
	"Microsoft.Compute/virtualMachineScaleSets":                 "Virtual Machines: the size's meter",
	"Microsoft.Batch/batchAccounts/pools":                       "Virtual Machines: the size's meter",
	"Microsoft.Storage/storageAccounts/blobServices/containers": "Storage: Hot LRS Data Stored",
}

// KnownTypes returns every resource type the engine knows how to account
// for: no charge, or the meter that prices it.
func KnownTypes() map[string]string {
	out := map[string]string{}
	for k, v := range unpricedTypes {
		out[k] = "meter " + v
	}
	for k, v := range noChargeTypes {
		out[k] = "no charge: " + v
	}
	return out
}

func noCharge() []NoCharge {
	out := make([]NoCharge, 0, len(noChargeTypes))
	for k, v := range noChargeTypes {
		out = append(out, NoCharge{Type: k, Why: v})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Type < out[j].Type })
	return out
}
