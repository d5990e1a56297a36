package resources

import (
	"sort"
	"strings"

	"github.com/aizone/aizone/compute"
	"github.com/aizone/aizone/governance"
	"github.com/aizone/aizone/network"
	"github.com/aizone/aizone/plan"
)

// Build turns a plan into the resources that deploy it.
func Build(p *plan.Plan) []Resource {
	b := &builder{p: p, zone: p.Zone.Name, region: p.Zone.Region, tags: p.Governance.Tags}
	b.rgNet = governance.RGName(b.zone, b.region, governance.RGNetwork)
	b.rgCompute = governance.RGName(b.zone, b.region, governance.RGCompute)
	b.rgStorage = governance.RGName(b.zone, b.region, governance.RGStorage)
	for _, rg := range p.Governance.ResourceGroups {
		b.add(Resource{Type: "Microsoft.Resources/resourceGroups", Name: rg.Name, Location: rg.Region, Tags: b.tagsFor(rg.Purpose)})
	}
	b.network()
	b.storage()
	b.compute()
	Sort(b.out)
	return b.out
}

type builder struct {
	p                           *plan.Plan
	zone, region                string
	tags                        map[string]string
	rgNet, rgCompute, rgStorage string
	out                         []Resource
	vnetName                    string
}

func (b *builder) add(r Resource) {
	r.APIVersion = APIVersion(r.Type)
	b.out = append(b.out, r)
}

func (b *builder) tagsFor(purpose string) map[string]string {
	t := make(map[string]string, len(b.tags)+1)
	for k, v := range b.tags {
		t[k] = v
	}
	if purpose != "" {
		t["aizone-part"] = purpose
	}
	return t
}

func (b *builder) subnetID(name string) string {
	return idExpr(b.rgNet, "Microsoft.Network/virtualNetworks/subnets", b.vnetName, name)
}

func (b *builder) identityName() string { return "id-" + b.zone }

func (b *builder) identityID() string {
	return idExpr(b.rgCompute, "Microsoft.ManagedIdentity/userAssignedIdentities", b.identityName())
}

func (b *builder) network() {
	n := b.p.Network
	tags := b.tagsFor("network")
	for _, rt := range n.RouteTables {
		var routes []any
		for _, r := range rt.Routes {
			props := map[string]any{"addressPrefix": r.Prefix, "nextHopType": r.NextHop}
			if r.NextHopIP != "" {
				props["nextHopIpAddress"] = r.NextHopIP
			}
			routes = append(routes, map[string]any{"name": r.Name, "properties": props})
		}
		b.add(Resource{Type: "Microsoft.Network/routeTables", Name: rt.Name, Location: b.region, Tags: tags, ResourceGroup: b.rgNet,
			Properties: map[string]any{"disableBgpRoutePropagation": true, "routes": routes}})
	}
	for _, v := range n.VNets {
		b.vnetName = v.Name
		var subnets []any
		var deps []string
		for _, s := range v.Subnets {
			b.add(Resource{Type: "Microsoft.Network/networkSecurityGroups", Name: s.NSG, Location: v.Region, Tags: tags, ResourceGroup: b.rgNet,
				Properties: map[string]any{"securityRules": nsgRules(s)}})
			props := map[string]any{
				"addressPrefix":                     s.Prefix,
				"networkSecurityGroup":              map[string]any{"id": idExpr(b.rgNet, "Microsoft.Network/networkSecurityGroups", s.NSG)},
				"privateEndpointNetworkPolicies":    "Enabled",
				"privateLinkServiceNetworkPolicies": "Enabled",
				// Outbound goes through the hub firewall or explicit
				// egress, never through implicit default outbound access.
				"defaultOutboundAccess": false,
			}
			deps = append(deps, idExpr(b.rgNet, "Microsoft.Network/networkSecurityGroups", s.NSG))
			if s.RouteTable != "" {
				props["routeTable"] = map[string]any{"id": idExpr(b.rgNet, "Microsoft.Network/routeTables", s.RouteTable)}
			}
			subnets = append(subnets, map[string]any{"name": s.Name, "properties": props})
		}
		for _, rt := range n.RouteTables {
			deps = append(deps, idExpr(b.rgNet, "Microsoft.Network/routeTables", rt.Name))
		}
		b.add(Resource{Type: "Microsoft.Network/virtualNetworks", Name: v.Name, Location: v.Region, Tags: tags, ResourceGroup: b.rgNet, DependsOn: deps,
			Properties: map[string]any{"addressSpace": map[string]any{"addressPrefixes": v.AddressSpace}, "subnets": subnets}})
	}
	for _, pr := range n.Peerings {
		b.add(Resource{Type: "Microsoft.Network/virtualNetworks/virtualNetworkPeerings", Name: pr.VNet + "/" + pr.Name, ResourceGroup: b.rgNet,
			DependsOn: []string{idExpr(b.rgNet, "Microsoft.Network/virtualNetworks", pr.VNet)},
			Properties: map[string]any{
				"remoteVirtualNetwork":      map[string]any{"id": pr.RemoteVNetID},
				"allowVirtualNetworkAccess": true,
				"allowForwardedTraffic":     true,
				"allowGatewayTransit":       false,
				"useRemoteGateways":         pr.UseRemoteGateways,
			}})
	}
	for _, z := range n.PrivateDNSZones {
		b.add(Resource{Type: "Microsoft.Network/privateDnsZones", Name: z, Location: "global", Tags: tags, ResourceGroup: b.rgNet})
		for _, v := range n.VNets {
			b.add(Resource{Type: "Microsoft.Network/privateDnsZones/virtualNetworkLinks", Name: z + "/link-" + v.Name, Location: "global", Tags: tags, ResourceGroup: b.rgNet,
				DependsOn:  []string{idExpr(b.rgNet, "Microsoft.Network/privateDnsZones", z), idExpr(b.rgNet, "Microsoft.Network/virtualNetworks", v.Name)},
				Properties: map[string]any{"registrationEnabled": false, "virtualNetwork": map[string]any{"id": idExpr(b.rgNet, "Microsoft.Network/virtualNetworks", v.Name)}}})
		}
	}
}

// nsgRules are the rules a subnet's contents need, beyond Azure's defaults
// (which allow traffic inside the VNet and deny inbound from the internet).
func nsgRules(s network.Subnet) []any {
	rule := func(name string, prio int, dir, access, proto, src, dst, ports, desc string) any {
		return map[string]any{"name": name, "properties": map[string]any{
			"priority": prio, "direction": dir, "access": access, "protocol": proto,
			"sourceAddressPrefix": src, "sourcePortRange": "*", "destinationAddressPrefix": dst,
			"destinationPortRange": ports, "description": desc,
		}}
	}
	var rules []any
	if s.Purpose == "Azure Managed Lustre" {
		rules = append(rules,
			rule("allow-lustre-lnet-in", 100, "Inbound", "Allow", "Tcp", "VirtualNetwork", "VirtualNetwork", "988", "Lustre LNet"),
			rule("allow-lustre-ports-in", 110, "Inbound", "Allow", "Tcp", "VirtualNetwork", "VirtualNetwork", "1019-1023", "Lustre client ports"),
			rule("allow-lustre-lnet-out", 100, "Outbound", "Allow", "Tcp", "VirtualNetwork", "VirtualNetwork", "988", "Lustre LNet"),
			rule("allow-lustre-ports-out", 110, "Outbound", "Allow", "Tcp", "VirtualNetwork", "VirtualNetwork", "1019-1023", "Lustre client ports"),
			rule("allow-azurecloud-out", 120, "Outbound", "Allow", "Tcp", "VirtualNetwork", "AzureCloud", "443", "Managed Lustre service and Blob integration"),
		)
	}
	// Explicit, so that no later rule can open the subnet to the internet.
	rules = append(rules, rule("deny-internet-in", 4096, "Inbound", "Deny", "*", "Internet", "*", "*", "no inbound from the internet"))
	return rules
}

func (b *builder) storage() {
	st := b.p.Storage
	tags := b.tagsFor("storage")
	a := st.Account
	acctID := idExpr(b.rgStorage, "Microsoft.Storage/storageAccounts", a.Name)
	b.add(Resource{Type: "Microsoft.Storage/storageAccounts", Name: a.Name, Location: b.region, Kind: a.Kind, SKU: map[string]any{"name": a.SKU}, Tags: tags, ResourceGroup: b.rgStorage,
		Properties: map[string]any{
			"accessTier":               a.AccessTier,
			"allowBlobPublicAccess":    false,
			"allowSharedKeyAccess":     st.HotTier.BlobIntegration && st.HotTier.Kind == "lustre", // Managed Lustre's Blob integration needs key access
			"minimumTlsVersion":        "TLS1_2",
			"supportsHttpsTrafficOnly": true,
			"publicNetworkAccess":      "Disabled",
			"networkAcls":              map[string]any{"defaultAction": "Deny", "bypass": "AzureServices"},
			"encryption": map[string]any{"keySource": "Microsoft.Storage", "requireInfrastructureEncryption": true,
				"services": map[string]any{"blob": map[string]any{"enabled": true}, "file": map[string]any{"enabled": true}}},
		}})
	b.add(Resource{Type: "Microsoft.Storage/storageAccounts/blobServices", Name: a.Name + "/default", ResourceGroup: b.rgStorage, DependsOn: []string{acctID},
		Properties: map[string]any{
			"deleteRetentionPolicy":          map[string]any{"enabled": true, "days": 7},
			"containerDeleteRetentionPolicy": map[string]any{"enabled": true, "days": 7},
			// Last-access tracking lets later rules tier by access.
			"lastAccessTimeTrackingPolicy": map[string]any{"enable": true, "name": "AccessTimeTracking", "trackingGranularityInDays": 1, "blobType": []string{"blockBlob"}},
		}})
	for _, c := range a.Containers {
		b.add(Resource{Type: "Microsoft.Storage/storageAccounts/blobServices/containers", Name: a.Name + "/default/" + c.Name, ResourceGroup: b.rgStorage,
			DependsOn:  []string{idExpr(b.rgStorage, "Microsoft.Storage/storageAccounts/blobServices", a.Name, "default")},
			Properties: map[string]any{"publicAccess": "None"}})
	}
	if len(a.Policy.Rules) > 0 {
		b.add(Resource{Type: "Microsoft.Storage/storageAccounts/managementPolicies", Name: a.Name + "/default", ResourceGroup: b.rgStorage, DependsOn: []string{acctID},
			Properties: map[string]any{"policy": toMap(a.Policy)}})
	}
	for _, pe := range b.p.Network.PrivateEndpoints {
		b.add(Resource{Type: "Microsoft.Network/privateEndpoints", Name: pe.Name, Location: b.region, Tags: tags, ResourceGroup: b.rgStorage, DependsOn: []string{acctID},
			Properties: map[string]any{
				"subnet": map[string]any{"id": b.subnetID(pe.Subnet)},
				"privateLinkServiceConnections": []any{map[string]any{"name": pe.Name, "properties": map[string]any{
					"privateLinkServiceId": acctID, "groupIds": []string{pe.GroupID}}}},
			}})
		b.add(Resource{Type: "Microsoft.Network/privateEndpoints/privateDnsZoneGroups", Name: pe.Name + "/default", ResourceGroup: b.rgStorage,
			DependsOn: []string{idExpr(b.rgStorage, "Microsoft.Network/privateEndpoints", pe.Name)},
			Properties: map[string]any{"privateDnsZoneConfigs": []any{map[string]any{"name": strings.ReplaceAll(pe.DNSZone, ".", "-"),
				"properties": map[string]any{"privateDnsZoneId": idExpr(b.rgNet, "Microsoft.Network/privateDnsZones", pe.DNSZone)}}}}})
	}
	if ht := st.HotTier; ht.Kind == "lustre" && ht.SKU != "" {
		props := map[string]any{
			"storageCapacityTiB": ht.CapacityTiB,
			"filesystemSubnet":   b.subnetID("snet-lustre"),
			"maintenanceWindow":  map[string]any{"dayOfWeek": "Sunday", "timeOfDayUTC": "02:00"},
		}
		if ht.BlobIntegration && len(a.Containers) > 0 {
			props["hsm"] = map[string]any{"settings": map[string]any{
				"container":        idExpr(b.rgStorage, "Microsoft.Storage/storageAccounts/blobServices/containers", a.Name, "default", a.Containers[0].Name),
				"loggingContainer": idExpr(b.rgStorage, "Microsoft.Storage/storageAccounts/blobServices/containers", a.Name, "default", a.Containers[0].Name),
				"importPrefix":     "/",
			}}
		}
		b.add(Resource{Type: "Microsoft.StorageCache/amlFilesystems", Name: "amlfs-" + b.zone, Location: b.region, Tags: tags, ResourceGroup: b.rgStorage,
			SKU: map[string]any{"name": ht.SKU}, Zones: []string{"1"}, DependsOn: []string{acctID}, Properties: props})
	}
}

func (b *builder) compute() {
	tags := b.tagsFor("compute")
	identity := map[string]any{"type": "UserAssigned", "userAssignedIdentities": map[string]any{b.identityID(): map[string]any{}}}
	b.add(Resource{Type: "Microsoft.ManagedIdentity/userAssignedIdentities", Name: b.identityName(), Location: b.region, Tags: tags, ResourceGroup: b.rgCompute})
	pools := b.p.Compute.Pools
	byOrch := map[string][]compute.Pool{}
	for _, p := range pools {
		if p.SKU == "" {
			continue
		}
		byOrch[p.Orchestrator] = append(byOrch[p.Orchestrator], p)
		if p.PlacementGroup {
			b.add(Resource{Type: "Microsoft.Compute/proximityPlacementGroups", Name: ppgName(p), Location: p.Region, Tags: tags, ResourceGroup: b.rgCompute,
				Properties: map[string]any{"proximityPlacementGroupType": "Standard", "intent": map[string]any{"vmSizes": []string{p.SKU}}}})
		}
	}
	if ps := byOrch["batch"]; len(ps) > 0 {
		acct := batchAccountName(b.zone)
		b.add(Resource{Type: "Microsoft.Batch/batchAccounts", Name: acct, Location: b.region, Tags: tags, ResourceGroup: b.rgCompute, Identity: identity,
			Properties: map[string]any{"poolAllocationMode": "BatchService", "publicNetworkAccess": "Disabled", "allowedAuthenticationModes": []string{"AAD", "TaskAuthenticationToken"}}})
		for _, p := range ps {
			b.add(b.batchPool(acct, p, identity))
		}
	}
	if ps := byOrch["aks"]; len(ps) > 0 {
		b.aks(ps, tags, identity)
	}
	for _, orch := range []string{"vmss", "slurm"} {
		for _, p := range byOrch[orch] {
			b.add(b.scaleSet(p, tags, identity))
		}
	}
}

func ppgName(p compute.Pool) string { return "ppg-" + p.Workload }

func batchAccountName(zone string) string {
	n := "ba" + strings.ReplaceAll(zone, "-", "")
	if len(n) > 24 {
		n = n[:24]
	}
	return n
}

func imageRef(urn string) map[string]any {
	parts := strings.Split(urn, ":")
	if len(parts) != 4 {
		return map[string]any{}
	}
	return map[string]any{"publisher": parts[0], "offer": parts[1], "sku": parts[2], "version": parts[3]}
}

func (b *builder) batchPool(acct string, p compute.Pool, identity map[string]any) Resource {
	scale := map[string]any{"targetDedicatedNodes": p.Nodes, "targetLowPriorityNodes": 0}
	if p.Priority == "spot" {
		scale = map[string]any{"targetDedicatedNodes": 0, "targetLowPriorityNodes": p.Nodes}
	}
	props := map[string]any{
		"vmSize": p.SKU,
		"deploymentConfiguration": map[string]any{"virtualMachineConfiguration": map[string]any{
			"imageReference": imageRef(p.ImageURN),
			"nodeAgentSkuId": "batch.node.ubuntu 22.04",
		}},
		"scaleSettings":    map[string]any{"fixedScale": scale},
		"taskSlotsPerNode": 1,
		"networkConfiguration": map[string]any{
			"subnetId":                     b.subnetID("snet-" + p.Workload),
			"enableAcceleratedNetworking":  true,
			"publicIPAddressConfiguration": map[string]any{"provision": "NoPublicIPAddresses"},
		},
		"targetNodeCommunicationMode": "Simplified",
	}
	if p.PlacementGroup {
		props["interNodeCommunication"] = "Enabled"
	} else {
		props["interNodeCommunication"] = "Disabled"
	}
	return Resource{Type: "Microsoft.Batch/batchAccounts/pools", Name: acct + "/" + p.Workload, ResourceGroup: b.rgCompute, Identity: identity,
		DependsOn: []string{idExpr(b.rgCompute, "Microsoft.Batch/batchAccounts", acct)}, Properties: props}
}

// podCIDR is the overlay range for AKS pods: outside the VNet, on-premises
// and hub ranges (RFC 6598 shared space first).
func (b *builder) podCIDR() string {
	used := append(append([]string{}, b.p.Zone.Network.AddressSpace...), b.p.Zone.Network.OnPremises...)
	used = append(used, b.p.Zone.Network.Hub.AddressSpace...)
	for _, cand := range []string{"100.64.0.0/16", "100.65.0.0/16", "100.66.0.0/16", "192.168.0.0/16"} {
		if !overlapsAny(cand, used) {
			return cand
		}
	}
	return "100.96.0.0/16"
}

func (b *builder) aks(ps []compute.Pool, tags map[string]string, identity map[string]any) {
	name := "aks-" + b.zone
	outbound := "loadBalancer"
	if len(b.p.Network.RouteTables) > 0 {
		outbound = "userDefinedRouting"
	}
	sysSubnet := b.subnetID(network.AKSSystemSubnet)
	b.add(Resource{Type: "Microsoft.ContainerService/managedClusters", Name: name, Location: b.region, Tags: tags, ResourceGroup: b.rgCompute, Identity: identity,
		SKU: map[string]any{"name": "Base", "tier": "Standard"},
		Properties: map[string]any{
			"dnsPrefix":              name,
			"enableRBAC":             true,
			"disableLocalAccounts":   true,
			"aadProfile":             map[string]any{"managed": true, "enableAzureRBAC": true},
			"apiServerAccessProfile": map[string]any{"enablePrivateCluster": true},
			"networkProfile": map[string]any{"networkPlugin": "azure", "networkPluginMode": "overlay", "podCidr": b.podCIDR(),
				"serviceCidr": "10.254.0.0/16", "dnsServiceIP": "10.254.0.10", "outboundType": outbound, "loadBalancerSku": "standard"},
			"agentPoolProfiles": []any{map[string]any{
				"name": "system", "mode": "System", "vmSize": "Standard_D4ds_v5", "count": 3, "osType": "Linux",
				"availabilityZones": []string{"1", "2", "3"}, "vnetSubnetID": sysSubnet, "type": "VirtualMachineScaleSets",
				"enableNodePublicIP": false,
			}},
			"addonProfiles": map[string]any{"azurepolicy": map[string]any{"enabled": true}},
		}})
	for _, p := range ps {
		props := map[string]any{
			"mode": "User", "vmSize": p.SKU, "count": p.Nodes, "osType": "Linux", "type": "VirtualMachineScaleSets",
			"vnetSubnetID": b.subnetID("snet-" + p.Workload), "enableNodePublicIP": false,
			"nodeTaints": []string{"nvidia.com/gpu=present:NoSchedule"},
			"nodeLabels": map[string]string{"aizone.workload": p.Workload},
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
		b.add(Resource{Type: "Microsoft.ContainerService/managedClusters/agentPools", Name: name + "/" + poolName(p.Workload), ResourceGroup: b.rgCompute,
			DependsOn: []string{idExpr(b.rgCompute, "Microsoft.ContainerService/managedClusters", name)}, Properties: props})
	}
}

// poolName makes an AKS agent pool name: lowercase letters and digits, at
// most 12 characters.
func poolName(w string) string {
	var s strings.Builder
	for _, r := range w {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			s.WriteRune(r)
		}
	}
	n := s.String()
	if len(n) > 12 {
		n = n[:12]
	}
	if n == "" || n[0] < 'a' {
		n = "gpu" + n
		if len(n) > 12 {
			n = n[:12]
		}
	}
	return n
}

func (b *builder) scaleSet(p compute.Pool, tags map[string]string, identity map[string]any) Resource {
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
				"computerNamePrefix": p.Workload,
				"adminUsername":      "azureuser",
				"linuxConfiguration": map[string]any{"disablePasswordAuthentication": true,
					"ssh": map[string]any{"publicKeys": []any{map[string]any{"path": "/home/azureuser/.ssh/authorized_keys", "keyData": "[parameters('sshPublicKey')]"}}}},
			},
			"networkProfile": map[string]any{
				"networkApiVersion": "2022-11-01",
				"networkInterfaceConfigurations": []any{map[string]any{"name": "nic-" + p.Workload, "properties": map[string]any{
					"primary": true, "enableAcceleratedNetworking": true,
					"ipConfigurations": []any{map[string]any{"name": "ipconfig1", "properties": map[string]any{
						"primary": true, "subnet": map[string]any{"id": b.subnetID("snet-" + p.Workload)}}}},
				}}},
			},
			"securityProfile": map[string]any{"securityType": "Standard"},
		},
	}
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
	return Resource{Type: "Microsoft.Compute/virtualMachineScaleSets", Name: "vmss-" + p.Workload, Location: p.Region, Tags: tags, ResourceGroup: b.rgCompute,
		Identity: identity, SKU: map[string]any{"name": p.SKU, "tier": "Standard", "capacity": p.Nodes}, DependsOn: deps, Properties: props}
}

func overlapsAny(cidr string, list []string) bool {
	for _, l := range list {
		if cidrOverlap(cidr, l) {
			return true
		}
	}
	return false
}

// NeedsSSHKey reports whether the resources take an SSH public key parameter.
func NeedsSSHKey(rs []Resource) bool {
	for _, r := range rs {
		if r.Type == "Microsoft.Compute/virtualMachineScaleSets" {
			return true
		}
	}
	return false
}

// ResourceGroups lists the resource groups that hold resources, sorted.
func ResourceGroups(rs []Resource) []string {
	seen := map[string]bool{}
	var out []string
	for _, r := range rs {
		if r.ResourceGroup != "" && !seen[r.ResourceGroup] {
			seen[r.ResourceGroup] = true
			out = append(out, r.ResourceGroup)
		}
	}
	sort.Strings(out)
	return out
}
