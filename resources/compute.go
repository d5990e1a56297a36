package resources

import (
	"fmt"
	"sort"
	"strings"

	"github.com/aizone/aizone/compute"
	"github.com/aizone/aizone/identity"
	"github.com/aizone/aizone/naming"
	"github.com/aizone/aizone/network"
)

func (b *builder) compute() {
	tags := b.tagsFor("compute")
	pools := b.p.Compute.Pools
	byOrch := map[string][]compute.Pool{}
	for _, p := range pools {
		if p.SKU == "" {
			continue
		}
		byOrch[p.Orchestrator] = append(byOrch[p.Orchestrator], p)
		// A Batch pool takes no proximity placement group: with inter-node
		// communication Batch places its nodes together itself.
		if p.PlacementGroup && p.Orchestrator != compute.OrchestratorBatch && p.Orchestrator != compute.OrchestratorSlurm {
			b.add(Resource{Type: "Microsoft.Compute/proximityPlacementGroups", Name: ppgName(p), Location: p.Region, Tags: tags, ResourceGroup: b.rgCompute,
				Properties: map[string]any{"proximityPlacementGroupType": "Standard", "intent": map[string]any{"vmSizes": []string{p.SKU}}}})
		}
	}
	if ps := byOrch["batch"]; len(ps) > 0 {
		acct := batchAccountName(b.zone)
		// The account itself needs no identity: pools run as their own.
		b.add(Resource{Type: "Microsoft.Batch/batchAccounts", Name: acct, Location: b.region, Tags: tags, ResourceGroup: b.rgCompute, Output: "batchAccountId",
			Properties: map[string]any{"poolAllocationMode": "BatchService", "publicNetworkAccess": "Disabled", "allowedAuthenticationModes": []string{"AAD", "TaskAuthenticationToken"}}})
		for _, p := range ps {
			b.add(b.batchPool(acct, p))
		}
	}
	// One cluster per region: AKS node pools live in their cluster's
	// region and VNet.
	byRegion := map[string][]compute.Pool{}
	var regions []string
	for _, p := range byOrch["aks"] {
		if _, ok := byRegion[p.Region]; !ok {
			regions = append(regions, p.Region)
		}
		byRegion[p.Region] = append(byRegion[p.Region], p)
	}
	sort.Strings(regions)
	for _, r := range regions {
		b.aks(r, byRegion[r], tags)
	}
	// Slurm pools are deployed by Azure CycleCloud Workspace for Slurm
	// into the zone's network (emit/slurm), not as scale sets here.
	for _, p := range byOrch["vmss"] {
		b.add(b.scaleSet(p))
	}
}

func ppgName(p compute.Pool) string { return naming.Fit("ppg-"+p.Workload, naming.MaxPlacement) }

func batchAccountName(zone string) string {
	n := "ba" + strings.ReplaceAll(zone, "-", "")
	if len(n) > 24 {
		n = n[:24]
	}
	return n
}

// batchNodeAgent is the Batch node agent matching an Ubuntu image's release
// (the HPC images are 22.04 or 24.04 builds).
func batchNodeAgent(urn string) string {
	if strings.Contains(urn, "2404") || strings.Contains(urn, "24_04") {
		return "batch.node.ubuntu 24.04"
	}
	return "batch.node.ubuntu 22.04"
}

func imageRef(urn string) map[string]any {
	parts := strings.Split(urn, ":")
	if len(parts) != 4 {
		return map[string]any{}
	}
	return map[string]any{"publisher": parts[0], "offer": parts[1], "sku": parts[2], "version": parts[3]}
}

func (b *builder) batchPool(acct string, p compute.Pool) Resource {
	scale := map[string]any{"targetDedicatedNodes": p.Nodes + p.SpareNodes, "targetLowPriorityNodes": 0}
	if p.Priority == "spot" {
		scale = map[string]any{"targetDedicatedNodes": 0, "targetLowPriorityNodes": p.Nodes + p.SpareNodes}
	}
	props := map[string]any{
		"vmSize": p.SKU,
		"deploymentConfiguration": map[string]any{"virtualMachineConfiguration": map[string]any{
			"imageReference": imageRef(p.ImageURN),
			"nodeAgentSkuId": batchNodeAgent(p.ImageURN),
		}},
		"scaleSettings":    map[string]any{"fixedScale": scale},
		"taskSlotsPerNode": 1,
		"networkConfiguration": map[string]any{
			"subnetId":                     b.poolSubnetID(p),
			"enableAcceleratedNetworking":  p.AcceleratedNetworking,
			"publicIPAddressConfiguration": map[string]any{"provision": "NoPublicIPAddresses"},
		},
		"targetNodeCommunicationMode": "Simplified",
	}
	if p.Priority == "spot" {
		props["metadata"] = preemptionMetadata()
	}
	b.batchNodes(p, props)
	// Nodes that exchange gradients over InfiniBand need inter-node
	// communication: Batch then allocates the pool in one placement group
	// (and caps it at 100 nodes, which the planner respects).
	if p.Nodes+p.SpareNodes > 1 && p.InfiniBand {
		props["interNodeCommunication"] = "Enabled"
	} else {
		props["interNodeCommunication"] = "Disabled"
	}
	return Resource{Type: "Microsoft.Batch/batchAccounts/pools", Name: acct + "/" + p.Workload, ResourceGroup: b.rgCompute, Identity: b.poolIdentity(p.Workload),
		DependsOn: []string{idExpr(b.rgCompute, "Microsoft.Batch/batchAccounts", acct)}, Properties: props, Output: outputName("pool", p.Workload)}
}

// poolSubnetID is the pool's subnet, in the spoke of the pool's region.
func (b *builder) poolSubnetID(p compute.Pool) string {
	return idExpr(b.rgNet, "Microsoft.Network/virtualNetworks/subnets", b.p.Network.VNetFor(p.Region), "snet-"+p.Workload)
}

// aksNetworkProfile takes the cluster's address ranges and egress from the
// network plan, which chose them clear of the VNets, on-premises and the
// hub; the template never picks ranges of its own.
func (b *builder) aksNetworkProfile() map[string]any {
	n := b.p.Network
	outbound := "loadBalancer"
	switch {
	case n.Egress.Kind == network.EgressNAT:
		outbound = "userAssignedNATGateway"
	case len(n.RouteTables) > 0:
		outbound = "userDefinedRouting"
	}
	prof := map[string]any{"networkPlugin": "azure", "outboundType": outbound, "loadBalancerSku": "standard"}
	a := n.AKS
	if a == nil {
		a = &network.AKSNetwork{Mode: "overlay", PodCIDR: "100.64.0.0/16", ServiceCIDR: "10.254.0.0/16", DNSServiceIP: "10.254.0.10"}
	}
	if a.Mode == "overlay" {
		prof["networkPluginMode"] = "overlay"
		prof["podCidr"] = a.PodCIDR
	}
	prof["serviceCidr"] = a.ServiceCIDR
	prof["dnsServiceIP"] = a.DNSServiceIP
	return prof
}

// AKSClusterName is the cluster of a region: the primary region's is
// aks-<zone>, another region's aks-<zone>-<region>.
func AKSClusterName(zone, primary, region string) string {
	if region == primary || region == "" {
		return "aks-" + zone
	}
	return "aks-" + zone + "-" + region
}

func (b *builder) aks(region string, ps []compute.Pool, tags map[string]string) {
	name := AKSClusterName(b.zone, b.region, region)
	sysSubnet := idExpr(b.rgNet, "Microsoft.Network/virtualNetworks/subnets", b.p.Network.VNetFor(region), network.AKSSystemSubnet)
	output := "aksClusterId"
	if region != b.region {
		output = outputName("aksCluster", region)
	}
	kubelet := identity.KubeletIdentityName(b.zone)
	// The control plane joins its subnets and route table only once its
	// identity holds Network Contributor there: the cluster waits for
	// those grants (they sit in the network deployment, which finishes
	// first), and for Managed Identity Operator on the kubelet identity.
	var deps []string
	for _, g := range b.p.Identity.Grants {
		if g.Principal == identity.AKSIdentityName(b.zone) {
			if scope, rg := b.grantScope(g.Scope); rg == b.rgCompute {
				deps = append(deps, roleAssignmentRef(scope, quote(g.Principal), g.Role.ID))
			}
		}
	}
	b.add(Resource{Type: "Microsoft.ContainerService/managedClusters", Name: name, Location: region, Tags: tags, ResourceGroup: b.rgCompute,
		Identity: b.userIdentity(identity.AKSIdentityName(b.zone)), DependsOn: deps, Output: output,
		SKU: map[string]any{"name": "Base", "tier": "Standard"},
		Properties: map[string]any{
			"dnsPrefix":              name,
			"enableRBAC":             true,
			"disableLocalAccounts":   true,
			"aadProfile":             map[string]any{"managed": true, "enableAzureRBAC": true},
			"apiServerAccessProfile": b.apiServerAccess(region),
			"networkProfile":         b.aksNetworkProfile(),
			"agentPoolProfiles": []any{map[string]any{
				"name": "system", "mode": "System", "vmSize": "Standard_D4ds_v5", "count": 3, "osType": "Linux",
				"availabilityZones": []string{"1", "2", "3"}, "vnetSubnetID": sysSubnet, "type": "VirtualMachineScaleSets",
				"enableNodePublicIP": false,
			}},
			"addonProfiles": b.aksAddons(),
			// Workload identity: pods authenticate as their workload's
			// identity through a federated credential on the cluster's
			// OIDC issuer (no secrets on nodes).
			"oidcIssuerProfile": map[string]any{"enabled": true},
			"securityProfile":   map[string]any{"workloadIdentity": map[string]any{"enabled": true}},
			// The Blob CSI driver mounts model weights and datasets
			// (BlobFuse2) into pods; NFS for NetApp needs no driver.
			"storageProfile": map[string]any{"blobCSIDriver": map[string]any{"enabled": true}, "diskCSIDriver": map[string]any{"enabled": true}},
			// Managed Prometheus scrapes the serving engines' metrics,
			// which the autoscaler reads.
			"azureMonitorProfile": map[string]any{"metrics": map[string]any{"enabled": true}},
			"identityProfile": map[string]any{"kubeletidentity": map[string]any{
				"resourceId": b.identityID(kubelet),
				"clientId":   b.identityRef(kubelet, "clientId"),
				"objectId":   b.identityRef(kubelet, "principalId"),
			}},
		}})
	for _, p := range ps {
		if p.Kind == "inference" {
			b.federatedCredential(name, p)
		}
		props := map[string]any{
			"mode": "User", "vmSize": p.SKU, "count": p.Nodes + p.SpareNodes, "osType": "Linux", "type": "VirtualMachineScaleSets",
			"vnetSubnetID": b.poolSubnetID(p), "enableNodePublicIP": false,
			"nodeTaints": gpuTaints(p),
			"nodeLabels": map[string]string{"aizone.workload": p.Workload},
			"tags":       b.poolTags(p),
		}
		if len(p.Zones) > 0 {
			props["availabilityZones"] = p.Zones
		}
		if p.Priority == "spot" {
			props["scaleSetPriority"] = "Spot"
			props["scaleSetEvictionPolicy"] = "Delete"
		}
		if p.PlacementGroup {
			props["proximityPlacementGroupID"] = idExpr(b.rgCompute, "Microsoft.Compute/proximityPlacementGroups", ppgName(p))
		}
		if p.GPU != "" && !strings.Contains(p.Image, "amd") {
			// AKS installs the NVIDIA driver matching its node image.
			props["gpuProfile"] = map[string]any{"driver": "Install"}
		}
		if lo, hi, ok := AKSScale(p); ok {
			props["enableAutoScaling"] = true
			props["minCount"] = lo
			props["maxCount"] = hi
			props["count"] = lo
		}
		b.add(Resource{Type: "Microsoft.ContainerService/managedClusters/agentPools", Name: name + "/" + naming.AKSPool(p.Workload), ResourceGroup: b.rgCompute, Output: outputName("pool", p.Workload),
			DependsOn: []string{idExpr(b.rgCompute, "Microsoft.ContainerService/managedClusters", name)}, Properties: props})
	}
}

// gpuTaints keeps other pods off a pool's GPU nodes: the NVIDIA device
// plugin's resource name, or the AMD GPU Operator's.
func gpuTaints(p compute.Pool) []string {
	switch {
	case p.GPU == "":
		return []string{}
	case strings.Contains(p.Image, "amd"):
		return []string{"amd.com/gpu=present:NoSchedule"}
	}
	return []string{"nvidia.com/gpu=present:NoSchedule"}
}

func (b *builder) scaleSet(p compute.Pool) Resource {
	props := map[string]any{
		"orchestrationMode":        "Flexible",
		"platformFaultDomainCount": 1,
		"singlePlacementGroup":     p.InfiniBand,
		"virtualMachineProfile": map[string]any{
			"storageProfile": map[string]any{
				"imageReference": imageRef(p.ImageURN),
				"osDisk":         map[string]any{"createOption": "FromImage", "diskSizeGB": 256, "managedDisk": map[string]any{"storageAccountType": "Premium_LRS"}},
			},
			"osProfile": map[string]any{
				"computerNamePrefix": naming.Fit(p.Workload, naming.MaxComputerName),
				"adminUsername":      "azureuser",
				"linuxConfiguration": map[string]any{"disablePasswordAuthentication": true,
					"ssh": map[string]any{"publicKeys": []any{map[string]any{"path": "/home/azureuser/.ssh/authorized_keys", "keyData": "[parameters('sshPublicKey')]"}}}},
			},
			"networkProfile": map[string]any{
				"networkApiVersion": "2022-11-01",
				"networkInterfaceConfigurations": []any{map[string]any{"name": "nic-" + p.Workload, "properties": map[string]any{
					"primary": true, "enableAcceleratedNetworking": p.AcceleratedNetworking,
					"ipConfigurations": []any{map[string]any{"name": "ipconfig1", "properties": map[string]any{
						"primary": true, "subnet": map[string]any{"id": b.poolSubnetID(p)}}}},
				}}},
			},
			"securityProfile": map[string]any{"securityType": "Standard"},
		},
	}
	props["virtualMachineProfile"].(map[string]any)["osProfile"].(map[string]any)["customData"] = b.cloudInit(p)
	if p.Priority == "spot" {
		vm := props["virtualMachineProfile"].(map[string]any)
		vm["priority"] = "Spot"
		vm["evictionPolicy"] = "Delete"
	}
	var deps []string
	if p.PlacementGroup {
		props["proximityPlacementGroup"] = map[string]any{"id": idExpr(b.rgCompute, "Microsoft.Compute/proximityPlacementGroups", ppgName(p))}
		deps = append(deps, idExpr(b.rgCompute, "Microsoft.Compute/proximityPlacementGroups", ppgName(p)))
	}
	return Resource{Type: "Microsoft.Compute/virtualMachineScaleSets", Name: naming.Fit("vmss-"+p.Workload, naming.MaxScaleSet), Location: p.Region, Tags: b.poolTags(p), ResourceGroup: b.rgCompute,
		Identity: b.poolIdentity(p.Workload), SKU: map[string]any{"name": p.SKU, "tier": "Standard", "capacity": p.Nodes + p.SpareNodes}, Zones: p.Zones, DependsOn: deps, Properties: props,
		Output: outputName("pool", p.Workload)}
}

// apiServerAccess makes the cluster private; with the platform's DNS zones
// its API server registers in the platform's zone for the region.
func (b *builder) apiServerAccess(region string) map[string]any {
	a := map[string]any{"enablePrivateCluster": true}
	if b.p.Zone.Network.PrivateDNSZones != "" {
		a["privateDNSZone"] = platformDNSZone(identity.AKSPrivateDNSZone(region))
	}
	return a
}

// AKSScale is the cluster autoscaler's range for an inference pool: from
// the nodes of the minimum replicas for availability (two when the plan
// has two or more, so that one survives a node's loss or upgrade) to the
// nodes of the replicas at peak. Training pools keep a fixed size.
func AKSScale(p compute.Pool) (lo, hi int, ok bool) {
	if p.Kind != "inference" || p.Inference == nil || p.Inference.Replicas < 1 || p.Nodes < 1 {
		return 0, 0, false
	}
	perReplica := max(1, p.Nodes/p.Inference.Replicas)
	return MinReplicas(p) * perReplica, p.Nodes, true
}

// MinReplicas is the fewest replicas an inference workload keeps.
func MinReplicas(p compute.Pool) int {
	if p.Inference == nil || p.Inference.Replicas < 2 {
		return 1
	}
	return 2
}

// aksAddons: the Azure Policy add-on always; Container Insights to the
// platform's workspace when the zone names one.
func (b *builder) aksAddons() map[string]any {
	a := map[string]any{"azurepolicy": map[string]any{"enabled": true}}
	if b.p.Zone.Placement.LogAnalytics != "" {
		a["omsagent"] = map[string]any{"enabled": true, "config": map[string]any{
			"logAnalyticsWorkspaceResourceID": param(ParamWorkspaceID), "useAADAuth": "true"}}
	}
	return a
}

// federatedCredential lets the serving pods of an inference workload
// authenticate as the workload's identity: the cluster's OIDC issuer
// vouches for the workload's Kubernetes service account.
func (b *builder) federatedCredential(cluster string, p compute.Pool) {
	id := identity.PoolIdentityName(b.zone, p.Workload)
	issuer := fmt.Sprintf("[reference(%s, '%s').oidcIssuerProfile.issuerURL]", inner(idExpr(b.rgCompute, "Microsoft.ContainerService/managedClusters", cluster)), APIVersion("Microsoft.ContainerService/managedClusters"))
	b.add(Resource{Type: "Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials", Name: id + "/" + naming.Fit("aks-"+p.Workload, 120),
		ResourceGroup: b.rgCompute,
		Properties: map[string]any{
			"issuer":    issuer,
			"subject":   identity.FederatedSubject(b.zone, p.Workload),
			"audiences": []string{"api://AzureADTokenExchange"},
		}})
}
