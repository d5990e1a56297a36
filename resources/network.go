package resources

import "github.com/aizone/aizone/network"

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
