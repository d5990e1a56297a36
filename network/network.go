// Package network plans a zone's network: the spoke VNet and its subnets
// carved from the zone's address space, peering to the platform hub, route
// tables and NSGs, private endpoints and their DNS zones, and the
// ExpressRoute capacity needed to bring data in. A pure engine.
//
// First version: one spoke VNet per zone in the primary region, subnets
// sized from what goes in them and allocated best-fit (largest first,
// aligned), peered to the hub when one is given.
package network

import (
	"fmt"
	"net/netip"
	"sort"

	"github.com/aizone/aizone/catalog"
	"github.com/aizone/aizone/compute"
	"github.com/aizone/aizone/finding"
	"github.com/aizone/aizone/spec"
	"github.com/aizone/aizone/storage"
)

// AKSSystemSubnet holds the AKS system node pool.
const AKSSystemSubnet = "snet-aks-system"

// RDMAReserved is the range Azure's InfiniBand stack uses; a VNet that
// overlaps it breaks MPI over IB (HPC sizes documentation).
var RDMAReserved = netip.MustParsePrefix("172.16.0.0/16")

// Subnet sizing rules.
const (
	azureReservedIPs          = 5    // network, gateway, two DNS, broadcast
	scaleHeadroom             = 0.25 // room to scale out a pool without resizing its subnet
	minSubnetBits             = 29   // smallest IPv4 subnet Azure allows
	privateEndpointSubnetBits = 27
)

// Result is the network part of a plan.
type Result struct {
	VNets            []VNet            `json:"vnets"`
	Peerings         []Peering         `json:"peerings"`
	RouteTables      []RouteTable      `json:"route_tables"`
	PrivateEndpoints []PrivateEndpoint `json:"private_endpoints"`
	PrivateDNSZones  []string          `json:"private_dns_zones"`
	Transfers        []Transfer        `json:"transfers"`
}

// VNet is a virtual network with its subnets.
type VNet struct {
	Name         string   `json:"name"`
	Region       string   `json:"region"`
	AddressSpace []string `json:"address_space"`
	Subnets      []Subnet `json:"subnets"`
}

// Subnet is one allocated subnet.
type Subnet struct {
	Name       string `json:"name"`
	Prefix     string `json:"prefix"`
	Purpose    string `json:"purpose"`
	Hosts      int    `json:"hosts"` // addresses needed, before headroom
	Usable     int    `json:"usable"`
	Reason     string `json:"reason"`
	Delegation string `json:"delegation,omitempty"`
	NSG        string `json:"nsg"`
	RouteTable string `json:"route_table,omitempty"`
	// Pool names the compute pool placed here, if any.
	Pool string `json:"pool,omitempty"`
}

// Peering joins the spoke to the hub.
type Peering struct {
	Name              string `json:"name"`
	VNet              string `json:"vnet"`
	RemoteVNetID      string `json:"remote_vnet_id"`
	UseRemoteGateways bool   `json:"use_remote_gateways"`
	Note              string `json:"note"`
}

// RouteTable sends traffic to the hub firewall.
type RouteTable struct {
	Name   string  `json:"name"`
	Routes []Route `json:"routes"`
}

// Route is one user-defined route.
type Route struct {
	Name      string `json:"name"`
	Prefix    string `json:"prefix"`
	NextHop   string `json:"next_hop"`
	NextHopIP string `json:"next_hop_ip,omitempty"`
}

// PrivateEndpoint connects a PaaS resource into a subnet.
type PrivateEndpoint struct {
	Name    string `json:"name"`
	Target  string `json:"target"` // resource kind: storage
	GroupID string `json:"group_id"`
	Subnet  string `json:"subnet"`
	DNSZone string `json:"dns_zone"`
}

// Plan allocates the zone's network.
func Plan(z *spec.Zone, c *catalog.Catalog, pools []compute.Pool, st storage.Result) (Result, finding.List) {
	var fs finding.List
	res := Result{Peerings: []Peering{}, RouteTables: []RouteTable{}, PrivateEndpoints: []PrivateEndpoint{}, PrivateDNSZones: []string{}, Transfers: []Transfer{}}
	usesIB := false
	for _, p := range pools {
		if p.InfiniBand {
			usesIB = true
		}
	}
	rt := ""
	if !z.Network.Hub.None && z.Network.Hub.FirewallIP != "" {
		rt = "rt-" + z.Name + "-spoke"
		res.RouteTables = append(res.RouteTables, RouteTable{Name: rt, Routes: []Route{{Name: "default-to-hub-firewall", Prefix: "0.0.0.0/0", NextHop: "VirtualAppliance", NextHopIP: z.Network.Hub.FirewallIP}}})
	}
	var reqs []request
	for _, p := range pools {
		if p.SKU == "" {
			continue
		}
		hosts := p.Nodes
		reason := fmt.Sprintf("%d nodes", p.Nodes)
		if p.Orchestrator == "aks" {
			// Azure CNI Overlay: pods take addresses from an overlay range,
			// the subnet holds nodes plus one surge node per pool.
			hosts = p.Nodes + 1
			reason = fmt.Sprintf("%d AKS nodes + 1 surge (Azure CNI Overlay: pods outside the VNet)", p.Nodes)
		}
		reqs = append(reqs, request{name: "snet-" + p.Workload, purpose: p.Kind + " pool (" + p.Orchestrator + ")", hosts: hosts, headroom: true, reason: reason, pool: p.Workload})
	}
	for _, p := range pools {
		if p.Orchestrator == "aks" && p.SKU != "" {
			// The AKS system pool (three zonal nodes) stays off the GPU subnets.
			reqs = append(reqs, request{name: AKSSystemSubnet, purpose: "AKS system pool", hosts: 4, headroom: true,
				reason: "3 system nodes (one per zone) + 1 surge"})
			break
		}
	}
	if st.HotTier.Kind == "lustre" && st.HotTier.SubnetPrefix > 0 {
		reqs = append(reqs, request{name: "snet-lustre", purpose: "Azure Managed Lustre", bits: st.HotTier.SubnetPrefix,
			reason: fmt.Sprintf("/%d recommended for %.0f TiB of Managed Lustre", st.HotTier.SubnetPrefix, st.HotTier.CapacityTiB)})
	}
	reqs = append(reqs, request{name: "snet-private-endpoints", purpose: "private endpoints", bits: privateEndpointSubnetBits,
		reason: "private endpoints for storage, registry and key vault, with room for more"})

	spaces := make([]netip.Prefix, 0, len(z.Network.AddressSpace))
	for _, s := range z.Network.AddressSpace {
		p, err := spec.ParseCIDR(s)
		if err == nil {
			spaces = append(spaces, p)
		}
	}
	var avoid []netip.Prefix
	if usesIB {
		avoid = append(avoid, RDMAReserved)
	}
	subnets, err := Allocate(spaces, avoid, reqs)
	if err != nil {
		fs.Add(finding.Error, "network.space-too-small", "network.address_space", err.Error())
	}
	for i := range subnets {
		subnets[i].NSG = "nsg-" + z.Name + "-" + subnets[i].Name
		if rt != "" {
			subnets[i].RouteTable = rt
		}
	}
	vnet := VNet{Name: "vnet-" + z.Name + "-" + z.Region, Region: z.Region, AddressSpace: z.Network.AddressSpace, Subnets: subnets}
	res.VNets = append(res.VNets, vnet)
	if !z.Network.Hub.None {
		useGW := z.Network.Hub.Gateway != nil && *z.Network.Hub.Gateway
		res.Peerings = append(res.Peerings, Peering{Name: "peer-to-hub", VNet: vnet.Name, RemoteVNetID: z.Network.Hub.VNetID, UseRemoteGateways: useGW,
			Note: "the hub-to-spoke peering (allowGatewayTransit) is created by the platform team in the hub's subscription"})
	}
	res.PrivateEndpoints = append(res.PrivateEndpoints, PrivateEndpoint{Name: "pe-" + st.Account.Name + "-blob", Target: st.Account.Name, GroupID: "blob", Subnet: "snet-private-endpoints", DNSZone: "privatelink.blob.core.windows.net"})
	res.PrivateDNSZones = append(res.PrivateDNSZones, "privatelink.blob.core.windows.net")
	res.Transfers = transfers(z, c, &fs)
	return res, fs
}

// request is one subnet to allocate.
type request struct {
	name, purpose, reason, pool string
	hosts                       int
	headroom                    bool
	bits                        int // fixed prefix length, or 0 to size from hosts
}

// PrefixFor returns the longest prefix holding hosts addresses plus Azure's
// five reserved ones, never longer than /29.
func PrefixFor(hosts int) int {
	for bits := minSubnetBits; bits >= 8; bits-- {
		if (1<<(32-bits))-azureReservedIPs >= hosts {
			return bits
		}
	}
	return 8
}

// Allocate places subnets in spaces, largest first, each at the lowest
// aligned address free of the avoided ranges and of earlier subnets.
func Allocate(spaces, avoid []netip.Prefix, reqs []request) ([]Subnet, error) {
	type sized struct {
		request
		bits int
	}
	var list []sized
	total := 0
	for _, r := range reqs {
		bits := r.bits
		if bits == 0 {
			need := r.hosts
			if r.headroom {
				need = r.hosts + int(float64(r.hosts)*scaleHeadroom+0.999)
			}
			bits = PrefixFor(need)
		}
		list = append(list, sized{r, bits})
		total += 1 << (32 - bits)
	}
	sort.SliceStable(list, func(i, j int) bool {
		if list[i].bits != list[j].bits {
			return list[i].bits < list[j].bits
		}
		return list[i].name < list[j].name
	})
	var used []netip.Prefix
	used = append(used, avoid...)
	out := make([]Subnet, 0, len(list))
	for _, r := range list {
		p, ok := place(spaces, used, r.bits)
		if !ok {
			have := 0
			for _, s := range spaces {
				have += 1 << (32 - s.Bits())
			}
			return out, fmt.Errorf("the address space (%d addresses) cannot hold the subnets: %d addresses are needed, %s alone needs a /%d; give a larger address_space (at least a /%d)",
				have, total, r.name, r.bits, 32-ceilLog2(total))
		}
		used = append(used, p)
		reason := r.reason
		if r.headroom {
			reason += fmt.Sprintf(" + %.0f%% headroom + %d Azure-reserved addresses", scaleHeadroom*100, azureReservedIPs)
		}
		out = append(out, Subnet{Name: r.name, Prefix: p.String(), Purpose: r.purpose, Hosts: r.hosts, Usable: (1 << (32 - r.bits)) - azureReservedIPs, Reason: reason, Pool: r.pool})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Prefix < out[j].Prefix })
	sortByAddr(out)
	return out, nil
}

func sortByAddr(s []Subnet) {
	sort.SliceStable(s, func(i, j int) bool {
		a := netip.MustParsePrefix(s[i].Prefix)
		b := netip.MustParsePrefix(s[j].Prefix)
		return a.Addr().Less(b.Addr())
	})
}

func ceilLog2(n int) int {
	b := 0
	for (1 << b) < n {
		b++
	}
	return b
}

// place finds the lowest aligned /bits inside spaces overlapping nothing used.
func place(spaces, used []netip.Prefix, bits int) (netip.Prefix, bool) {
	for _, s := range spaces {
		if bits < s.Bits() {
			continue
		}
		step := uint32(1) << (32 - bits)
		start := addrToU32(s.Addr())
		end := start + (uint32(1) << (32 - s.Bits()))
		for a := start; a < end && a >= start; a += step {
			cand := netip.PrefixFrom(u32ToAddr(a), bits)
			free := true
			for _, u := range used {
				if u.Overlaps(cand) {
					free = false
					// Skip past the blocking prefix when it is larger.
					if u.Bits() < bits {
						next := addrToU32(u.Masked().Addr()) + (uint32(1) << (32 - u.Bits()))
						if next > a+step {
							a = next - step
						}
					}
					break
				}
			}
			if free {
				return cand, true
			}
		}
	}
	return netip.Prefix{}, false
}

func addrToU32(a netip.Addr) uint32 {
	b := a.As4()
	return uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
}

func u32ToAddr(v uint32) netip.Addr {
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
}
