package resources

import (
	"strings"

	"github.com/aizone/aizone/network"
)

const netPrefix = "Microsoft.Network/"

// network turns the network plan into resources: route tables, NSGs, NAT
// gateways, VNets with their subnets, the zone's own hub (gateway,
// firewall, Bastion), peerings, private DNS zones and their links, and the
// private endpoints to compute services. Storage's private endpoints are
// built with the storage account (storage.go).
func (b *builder) network() {
	n := b.p.Network
	tags := b.tagsFor("network")
	for _, rt := range n.RouteTables {
		var routes []any
		for _, r := range rt.Routes {
			props := map[string]any{"addressPrefix": r.Prefix, "nextHopType": r.NextHop}
			if r.NextHopIP != "" {
				props["nextHopIpAddress"] = r.NextHopIP
				if r.NextHopIP == b.p.Zone.Network.Hub.FirewallIP {
					// The platform's firewall is the platform's value.
					props["nextHopIpAddress"] = param(ParamFirewallIP)
				}
			}
			routes = append(routes, map[string]any{"name": r.Name, "properties": props})
		}
		b.add(Resource{Type: netPrefix + "routeTables", Name: rt.Name, Location: rt.Region, Tags: tags, ResourceGroup: b.rgNet,
			Properties: map[string]any{"disableBgpRoutePropagation": rt.DisableBGP, "routes": routes}})
	}
	for _, nsg := range n.NSGs {
		b.add(Resource{Type: netPrefix + "networkSecurityGroups", Name: nsg.Name, Location: nsg.Region, Tags: tags, ResourceGroup: b.rgNet,
			Properties: map[string]any{"securityRules": securityRules(nsg.Rules)}})
	}
	for _, ng := range n.NATGateways {
		b.publicIP(ng.PublicIP, ng.Region, tags)
		b.add(Resource{Type: netPrefix + "natGateways", Name: ng.Name, Location: ng.Region, Tags: tags, ResourceGroup: b.rgNet,
			SKU:        map[string]any{"name": "Standard"},
			DependsOn:  []string{b.netID("publicIPAddresses", ng.PublicIP)},
			Properties: map[string]any{"idleTimeoutInMinutes": 4, "publicIpAddresses": []any{map[string]any{"id": b.netID("publicIPAddresses", ng.PublicIP)}}}})
	}
	for _, v := range n.VNets {
		b.vnet(v, tags)
	}
	if n.Hub != nil {
		b.hub(n, tags)
	}
	for _, pr := range n.Peerings {
		b.peering(n, pr)
	}
	for _, z := range n.PrivateDNSZones {
		b.add(Resource{Type: netPrefix + "privateDnsZones", Name: z, Location: "global", Tags: tags, ResourceGroup: b.rgNet})
		for _, v := range n.VNets {
			b.add(Resource{Type: netPrefix + "privateDnsZones/virtualNetworkLinks", Name: z + "/link-" + v.Name, Location: "global", Tags: tags, ResourceGroup: b.rgNet,
				DependsOn:  []string{b.netID("privateDnsZones", z), b.netID("virtualNetworks", v.Name)},
				Properties: map[string]any{"registrationEnabled": false, "virtualNetwork": map[string]any{"id": b.netID("virtualNetworks", v.Name)}}})
		}
	}
	for _, pe := range n.ComputeEndpoints {
		b.computeEndpoint(pe)
	}
	// Storage's endpoints and the compute pools use subnets of the primary
	// spoke, which the plan lists first.
	for _, v := range n.VNets {
		if v.Role == "spoke" {
			b.vnetName = v.Name
			break
		}
	}
}

func (b *builder) netID(typ string, names ...string) string {
	return idExpr(b.rgNet, netPrefix+typ, names...)
}

func (b *builder) publicIP(name, region string, tags map[string]string) {
	b.add(Resource{Type: netPrefix + "publicIPAddresses", Name: name, Location: region, Tags: tags, ResourceGroup: b.rgNet,
		SKU:        map[string]any{"name": "Standard", "tier": "Regional"},
		Properties: map[string]any{"publicIPAllocationMethod": "Static", "publicIPAddressVersion": "IPv4"}})
}

func (b *builder) vnet(v network.VNet, tags map[string]string) {
	var subnets []any
	var deps []string
	dep := func(id string) {
		for _, d := range deps {
			if d == id {
				return
			}
		}
		deps = append(deps, id)
	}
	for _, s := range v.Subnets {
		props := map[string]any{"addressPrefix": s.Prefix}
		reserved := s.Kind == network.KindGateway || s.Kind == network.KindFirewall || s.Kind == network.KindBastion || s.Kind == network.KindRouteServer
		if !reserved {
			props["privateEndpointNetworkPolicies"] = "Enabled"
			props["privateLinkServiceNetworkPolicies"] = "Enabled"
			// Outbound goes through the firewall or a NAT gateway, never
			// through implicit default outbound access.
			props["defaultOutboundAccess"] = false
		}
		if s.NSG != "" {
			props["networkSecurityGroup"] = map[string]any{"id": b.netID("networkSecurityGroups", s.NSG)}
			dep(b.netID("networkSecurityGroups", s.NSG))
		}
		if s.RouteTable != "" {
			props["routeTable"] = map[string]any{"id": b.netID("routeTables", s.RouteTable)}
			dep(b.netID("routeTables", s.RouteTable))
		}
		if s.NATGateway != "" {
			props["natGateway"] = map[string]any{"id": b.netID("natGateways", s.NATGateway)}
			dep(b.netID("natGateways", s.NATGateway))
		}
		if s.Delegation != "" {
			props["delegations"] = []any{map[string]any{"name": strings.ReplaceAll(s.Delegation, "/", "."), "properties": map[string]any{"serviceName": s.Delegation}}}
		}
		subnets = append(subnets, map[string]any{"name": s.Name, "properties": props})
	}
	props := map[string]any{"addressSpace": map[string]any{"addressPrefixes": v.AddressSpace}, "subnets": subnets}
	if len(b.p.Zone.Network.DNSServers) > 0 {
		props["dhcpOptions"] = map[string]any{"dnsServers": param(ParamDNSServers)}
	}
	out := ""
	if v.Role == "spoke" {
		out = outputName("vnet", v.Region)
	}
	b.add(Resource{Type: netPrefix + "virtualNetworks", Name: v.Name, Location: v.Region, Tags: tags, ResourceGroup: b.rgNet, DependsOn: deps,
		Properties: props, Output: out})
}

// hub deploys what runs in the zone's own hub: the ExpressRoute gateway,
// the firewall with the plan's rules, and Bastion when asked for. (Route
// Server's subnet is planned; the service itself is left to the platform.)
func (b *builder) hub(n network.Result, tags map[string]string) {
	h := n.Hub
	vnetID := b.netID("virtualNetworks", h.VNet)
	subnet := func(name string) map[string]any {
		return map[string]any{"id": b.netID("virtualNetworks/subnets", h.VNet, name)}
	}
	if h.GatewayName != "" {
		pip := "pip-" + h.GatewayName
		b.publicIP(pip, h.Region, tags)
		props := map[string]any{
			"gatewayType": "ExpressRoute",
			"sku":         map[string]any{"name": h.Gateway, "tier": h.Gateway},
			"ipConfigurations": []any{map[string]any{"name": "default", "properties": map[string]any{
				"privateIPAllocationMethod": "Dynamic", "subnet": subnet(network.GatewaySubnet),
				"publicIPAddress": map[string]any{"id": b.netID("publicIPAddresses", pip)}}}},
		}
		if h.ScaleUnits > 0 {
			// A fixed number of scale units: minimum equals maximum.
			props["autoScaleConfiguration"] = map[string]any{"bounds": map[string]any{"min": h.ScaleUnits, "max": h.ScaleUnits}}
		}
		b.add(Resource{Type: netPrefix + "virtualNetworkGateways", Name: h.GatewayName, Location: h.Region, Tags: tags, ResourceGroup: b.rgNet,
			DependsOn: []string{vnetID, b.netID("publicIPAddresses", pip)}, Properties: props})
	}
	if h.Firewall != "" {
		pip := "pip-" + h.Firewall
		b.publicIP(pip, h.Region, tags)
		// The firewall carries no rules of its own: its policy holds the
		// plan's egress rules (firewall.go).
		policyID, deps := b.firewallPolicy(h, tags)
		props := map[string]any{
			"sku":            map[string]any{"name": "AZFW_VNet", "tier": h.FirewallTier},
			"firewallPolicy": map[string]any{"id": policyID},
			"ipConfigurations": []any{map[string]any{"name": "default", "properties": map[string]any{
				"subnet": subnet(network.FirewallSubnet), "publicIPAddress": map[string]any{"id": b.netID("publicIPAddresses", pip)}}}},
		}
		b.add(Resource{Type: netPrefix + "azureFirewalls", Name: h.Firewall, Location: h.Region, Tags: tags, ResourceGroup: b.rgNet,
			DependsOn: append([]string{vnetID, b.netID("publicIPAddresses", pip)}, deps...), Properties: props})
	}
	if h.Bastion {
		name := "bas-" + b.zone + "-" + h.Region
		pip := "pip-" + name
		b.publicIP(pip, h.Region, tags)
		b.add(Resource{Type: netPrefix + "bastionHosts", Name: name, Location: h.Region, Tags: tags, ResourceGroup: b.rgNet,
			SKU: map[string]any{"name": "Standard"}, DependsOn: []string{vnetID, b.netID("publicIPAddresses", pip)},
			Properties: map[string]any{"ipConfigurations": []any{map[string]any{"name": "default", "properties": map[string]any{
				"subnet": subnet(network.BastionSubnet), "publicIPAddress": map[string]any{"id": b.netID("publicIPAddresses", pip)}}}}}})
	}
}

func (b *builder) peering(n network.Result, pr network.Peering) {
	remote := pr.RemoteVNetID
	if remote != "" && remote == b.p.Zone.Network.Hub.VNetID {
		remote = param(ParamHubVNetID)
	}
	deps := []string{b.netID("virtualNetworks", pr.VNet)}
	if pr.RemoteVNet != "" {
		remote = b.netID("virtualNetworks", pr.RemoteVNet)
		deps = append(deps, remote)
	}
	// A peering that uses or offers the zone hub's gateway needs it built.
	if n.Hub != nil && n.Hub.GatewayName != "" && (pr.UseRemoteGateways && pr.RemoteVNet == n.Hub.VNet || pr.AllowGatewayTransit) {
		deps = append(deps, b.netID("virtualNetworkGateways", n.Hub.GatewayName))
	}
	b.add(Resource{Type: netPrefix + "virtualNetworks/virtualNetworkPeerings", Name: pr.VNet + "/" + pr.Name, ResourceGroup: b.rgNet, DependsOn: deps,
		Properties: map[string]any{
			"remoteVirtualNetwork":      map[string]any{"id": remote},
			"allowVirtualNetworkAccess": true,
			"allowForwardedTraffic":     true,
			"allowGatewayTransit":       pr.AllowGatewayTransit,
			"useRemoteGateways":         pr.UseRemoteGateways,
		}})
}

// computeEndpoint deploys a private endpoint to a compute service (the
// Batch account), beside it in the compute resource group.
func (b *builder) computeEndpoint(pe network.PrivateEndpoint) {
	target := idExpr(b.rgCompute, pe.TargetType, pe.Target)
	zoneID := b.dnsZoneID(pe)
	b.add(Resource{Type: netPrefix + "privateEndpoints", Name: pe.Name, Location: pe.Region, Tags: b.tagsFor("compute"), ResourceGroup: b.rgCompute,
		DependsOn: []string{target, b.netID("virtualNetworks", pe.VNet)},
		Properties: map[string]any{
			"subnet": map[string]any{"id": b.netID("virtualNetworks/subnets", pe.VNet, pe.Subnet)},
			"privateLinkServiceConnections": []any{map[string]any{"name": pe.Name, "properties": map[string]any{
				"privateLinkServiceId": target, "groupIds": []string{pe.GroupID}}}},
		}})
	b.add(Resource{Type: netPrefix + "privateEndpoints/privateDnsZoneGroups", Name: pe.Name + "/default", ResourceGroup: b.rgCompute,
		DependsOn: []string{idExpr(b.rgCompute, netPrefix+"privateEndpoints", pe.Name)},
		Properties: map[string]any{"privateDnsZoneConfigs": []any{map[string]any{"name": strings.ReplaceAll(pe.DNSZone, ".", "-"),
			"properties": map[string]any{"privateDnsZoneId": zoneID}}}}})
}

// dnsZoneID is the private DNS zone an endpoint registers in: the
// platform's (a parameter) or the zone's own.
func (b *builder) dnsZoneID(pe network.PrivateEndpoint) string {
	switch {
	case pe.DNSZoneID != "" && b.p.Zone.Network.PrivateDNSZones != "":
		return platformDNSZone(pe.DNSZone)
	case pe.DNSZoneID != "":
		return pe.DNSZoneID
	}
	return b.netID("privateDnsZones", pe.DNSZone)
}

// securityRules writes the plan's rules in ARM's shape: singular fields
// for one value, plural for several.
func securityRules(rules []network.Rule) []any {
	out := make([]any, 0, len(rules))
	for _, r := range rules {
		props := map[string]any{
			"priority": r.Priority, "direction": r.Direction, "access": r.Access, "protocol": r.Protocol,
			"sourcePortRange": "*", "description": shorten(r.Reason, maxRuleDescription),
		}
		one := func(single, plural string, v []string) {
			if len(v) == 1 {
				props[single] = v[0]
			} else {
				props[plural] = v
			}
		}
		one("sourceAddressPrefix", "sourceAddressPrefixes", r.Source)
		one("destinationAddressPrefix", "destinationAddressPrefixes", r.Destination)
		one("destinationPortRange", "destinationPortRanges", r.Ports)
		out = append(out, map[string]any{"name": r.Name, "properties": props})
	}
	return out
}

// maxRuleDescription is the longest description Azure accepts on a
// security rule.
const maxRuleDescription = 140

// shorten cuts s to at most n bytes at a word boundary; the plan keeps the
// full reason.
func shorten(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := strings.LastIndex(s[:n-3], " ")
	if cut <= 0 {
		cut = n - 3
	}
	return strings.TrimRight(s[:cut], " ,;:(") + "..."
}
