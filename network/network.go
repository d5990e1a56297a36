// Package network plans a zone's network: the VNets and subnets carved from
// the zone's address space, the hub they peer to (the platform's, or one the
// zone owns), route tables, NSGs and NAT gateways, private endpoints and
// their DNS zones, the ExpressRoute circuit and gateway that bring the
// zone's data in, and the placement rules multi-node training depends on.
// A pure engine: zone, catalog, compute pools and storage in; decisions with
// reasons out.
//
// Layout: one spoke VNet per region that holds pools (the primary region's
// spoke also holds storage: Managed Lustre, NetApp, private endpoints). A
// single VNet takes the zone's whole address space; several VNets each get
// an aligned block twice what their subnets need when the space allows, or
// exactly what they need. Subnets are sized from their contents and placed
// best fit, largest first (Allocate).
package network

import (
	"errors"
	"fmt"
	"net/netip"
	"sort"
	"strings"

	"github.com/aizone/aizone/catalog"
	"github.com/aizone/aizone/compute"
	"github.com/aizone/aizone/finding"
	"github.com/aizone/aizone/naming"
	"github.com/aizone/aizone/spec"
	"github.com/aizone/aizone/storage"
)

// Subnet names other packages refer to.
const (
	// AKSSystemSubnet holds the AKS system node pool.
	AKSSystemSubnet = "snet-aks-system"
	// LustreSubnet is Managed Lustre's dedicated subnet.
	LustreSubnet = "snet-lustre"
	// NetAppSubnet is the subnet delegated to Azure NetApp Files.
	NetAppSubnet = "snet-netapp"
	// PrivateEndpointSubnet holds the zone's private endpoints.
	PrivateEndpointSubnet = "snet-private-endpoints"
)

// Finding codes whose cause is the zone file's input rather than an
// infeasible request: a CLI may treat them as bad input (exit 2).
const (
	CodeSpaceTooSmall = "network.space-too-small"
	CodeInvalidRange  = "network.invalid-range"
)

// IsInputFinding reports whether a finding code means the zone's network
// input must change (its address space is too small or a range is invalid).
func IsInputFinding(code string) bool { return code == CodeSpaceTooSmall || code == CodeInvalidRange }

// VNetFor returns the spoke VNet of a region (the primary spoke when the
// region has none), so that builders place each pool in its region's VNet.
func (r *Result) VNetFor(region string) string {
	first := ""
	for _, v := range r.VNets {
		if v.Role != "spoke" {
			continue
		}
		if v.Region == region {
			return v.Name
		}
		if first == "" {
			first = v.Name
		}
	}
	return first
}

// PoolSubnetName is the subnet of a compute pool.
func PoolSubnetName(workload string) string { return "snet-" + workload }

// Subnet kinds.
const (
	KindPool            = "pool"
	KindAKSSystem       = "aks-system"
	KindLustre          = "lustre"
	KindNetApp          = "netapp"
	KindPrivateEndpoint = "private-endpoints"
	KindGateway         = "gateway"
	KindFirewall        = "firewall"
	KindBastion         = "bastion"
	KindRouteServer     = "route-server"
)

// Result is the network part of a plan.
type Result struct {
	AddressPlan AddressPlan `json:"address_plan"`
	VNets       []VNet      `json:"vnets"`
	// Hub is the hub the zone owns, when it has no platform hub and needs
	// one; nil otherwise.
	Hub         *Hub         `json:"hub,omitempty"`
	Peerings    []Peering    `json:"peerings"`
	RouteTables []RouteTable `json:"route_tables"`
	NSGs        []NSG        `json:"nsgs"`
	NATGateways []NATGateway `json:"nat_gateways"`
	Egress      Egress       `json:"egress"`
	// EgressRules are what the zone's parts need out through a firewall,
	// whichever firewall that is (egress.go).
	EgressRules []EgressRule `json:"egress_rules"`
	// PrivateEndpoints reach the zone's storage account (resources/storage.go
	// deploys them).
	PrivateEndpoints []PrivateEndpoint `json:"private_endpoints"`
	// ComputeEndpoints reach compute services (the Batch account).
	ComputeEndpoints []PrivateEndpoint `json:"compute_endpoints"`
	// PrivateDNSZones are the zones the zone creates and links to its VNets;
	// zones the platform provides are named in each endpoint's dns_zone_id.
	PrivateDNSZones []string      `json:"private_dns_zones"`
	AKS             *AKSNetwork   `json:"aks,omitempty"`
	ExpressRoute    *ExpressRoute `json:"expressroute,omitempty"`
	Transfers       []Transfer    `json:"transfers"`
	Placement       []Placement   `json:"placement"`
}

// AddressPlan is where the zone's addresses come from and what is left.
type AddressPlan struct {
	Spaces  []string `json:"spaces"`
	Avoided []Avoid  `json:"avoided"`
	// Mode: "whole" (one VNet takes the space) or "blocks".
	Mode   string `json:"mode"`
	Reason string `json:"reason"`
	// Free lists the addresses no subnet uses, as aligned blocks: room for
	// more subnets (inside a VNet) or more VNets.
	Free []string `json:"free"`
}

// Avoid is a range the plan keeps clear of, and why.
type Avoid struct {
	Prefix string `json:"prefix"`
	Why    string `json:"why"`
}

// VNet is a virtual network with its subnets.
type VNet struct {
	Name         string   `json:"name"`
	Region       string   `json:"region"`
	Role         string   `json:"role"` // spoke or hub
	AddressSpace []string `json:"address_space"`
	Subnets      []Subnet `json:"subnets"`
	Reason       string   `json:"reason"`
}

// Subnet is one allocated subnet.
type Subnet struct {
	Name    string `json:"name"`
	Prefix  string `json:"prefix"`
	Purpose string `json:"purpose"`
	Kind    string `json:"kind"`
	Hosts   int    `json:"hosts"`            // what it holds now
	Needed  int    `json:"needed,omitempty"` // addresses with headroom, before Azure's five; 0 for fixed sizes
	Usable  int    `json:"usable"`
	Reason  string `json:"reason"`
	// Delegation is the service the subnet is delegated to, if any.
	Delegation string `json:"delegation,omitempty"`
	NSG        string `json:"nsg,omitempty"`
	RouteTable string `json:"route_table,omitempty"`
	NATGateway string `json:"nat_gateway,omitempty"`
	// Pool names the compute pool placed here, if any.
	Pool string `json:"pool,omitempty"`
}

// Hub is a hub VNet the zone creates, with what runs in it. Its firewall
// lets out exactly Result.EgressRules; everything else is denied.
type Hub struct {
	VNet         string `json:"vnet"`
	Region       string `json:"region"`
	Gateway      string `json:"gateway,omitempty"` // ExpressRoute gateway SKU
	GatewayName  string `json:"gateway_name,omitempty"`
	ScaleUnits   int    `json:"scale_units,omitempty"`
	Firewall     string `json:"firewall,omitempty"` // Azure Firewall name
	FirewallIP   string `json:"firewall_ip,omitempty"`
	FirewallTier string `json:"firewall_tier,omitempty"`
	Bastion      bool   `json:"bastion"`
	RouteServer  bool   `json:"route_server"`
	Reason       string `json:"reason"`
}

// Peering joins two VNets. Peerings into the platform hub are created from
// the spoke side only; the platform team creates the hub side.
type Peering struct {
	Name                string `json:"name"`
	VNet                string `json:"vnet"`
	RemoteVNetID        string `json:"remote_vnet_id,omitempty"` // a VNet outside the zone
	RemoteVNet          string `json:"remote_vnet,omitempty"`    // a VNet of the zone
	UseRemoteGateways   bool   `json:"use_remote_gateways"`
	AllowGatewayTransit bool   `json:"allow_gateway_transit"`
	Note                string `json:"note"`
}

// RouteTable holds user-defined routes for a region's subnets.
type RouteTable struct {
	Name   string  `json:"name"`
	Region string  `json:"region"`
	Routes []Route `json:"routes"`
	// DisableBGP stops gateway routes from bypassing the firewall.
	DisableBGP bool   `json:"disable_bgp_route_propagation"`
	Reason     string `json:"reason"`
}

// Route is one user-defined route.
type Route struct {
	Name      string `json:"name"`
	Prefix    string `json:"prefix"`
	NextHop   string `json:"next_hop"`
	NextHopIP string `json:"next_hop_ip,omitempty"`
}

// NSG is the network security group of one subnet, with exactly the rules
// its contents need beyond Azure's default rules (which allow traffic
// within the VirtualNetwork tag and deny other inbound traffic).
type NSG struct {
	Name   string `json:"name"`
	Region string `json:"region"`
	VNet   string `json:"vnet"`
	Subnet string `json:"subnet"`
	Rules  []Rule `json:"rules"`
}

// Rule is one security rule. Sources and destinations are prefixes or
// service tags; ports are numbers, ranges or "*".
type Rule struct {
	Name        string   `json:"name"`
	Priority    int      `json:"priority"`
	Direction   string   `json:"direction"` // Inbound or Outbound
	Access      string   `json:"access"`    // Allow or Deny
	Protocol    string   `json:"protocol"`  // Tcp, Udp or *
	Source      []string `json:"source"`
	Destination []string `json:"destination"`
	Ports       []string `json:"ports"`
	Reason      string   `json:"reason"`
}

// NATGateway gives subnets outbound access when no firewall does.
type NATGateway struct {
	Name     string   `json:"name"`
	Region   string   `json:"region"`
	VNet     string   `json:"vnet"`
	PublicIP string   `json:"public_ip"`
	Subnets  []string `json:"subnets"`
}

// Egress is how the zone reaches the internet.
type Egress struct {
	Kind      string `json:"kind"` // hub-firewall, zone-firewall or nat-gateway
	NextHopIP string `json:"next_hop_ip,omitempty"`
	Reason    string `json:"reason"`
}

// Egress kinds.
const (
	EgressHubFirewall  = "hub-firewall"
	EgressZoneFirewall = "zone-firewall"
	EgressNAT          = "nat-gateway"
)

// PrivateEndpoint connects a PaaS resource into a subnet.
type PrivateEndpoint struct {
	Name       string `json:"name"`
	Target     string `json:"target"`      // resource name
	TargetType string `json:"target_type"` // ARM type of the target
	GroupID    string `json:"group_id"`
	Subnet     string `json:"subnet"`
	VNet       string `json:"vnet"`
	Region     string `json:"region"`
	DNSZone    string `json:"dns_zone"`
	// DNSZoneID is the platform's zone when it provides one; empty means
	// the zone created in the zone's network resource group.
	DNSZoneID string `json:"dns_zone_id,omitempty"`
}

// AKSNetwork is the AKS cluster's address layout.
type AKSNetwork struct {
	Mode         string `json:"mode"` // overlay or flat
	PodCIDR      string `json:"pod_cidr,omitempty"`
	ServiceCIDR  string `json:"service_cidr"`
	DNSServiceIP string `json:"dns_service_ip"`
	MaxPods      int    `json:"max_pods,omitempty"`
	Reason       string `json:"reason"`
}

// privateLinkZones are the private DNS zones of the sub-resources (group
// ids) the zone's private endpoints use (N-PEDNS: private-endpoint-dns).
var privateLinkZones = map[string]string{
	"blob":           "privatelink.blob.core.windows.net",
	"dfs":            "privatelink.dfs.core.windows.net",
	"file":           "privatelink.file.core.windows.net",
	"vault":          "privatelink.vaultcore.azure.net",
	"registry":       "privatelink.azurecr.io",
	"amlworkspace":   "privatelink.api.azureml.ms",
	"batchAccount":   "privatelink.batch.azure.com",
	"nodeManagement": "privatelink.batch.azure.com",
}

// PrivateLinkZone returns the private DNS zone of a private-link group id.
func PrivateLinkZone(groupID string) (string, bool) {
	z, ok := privateLinkZones[groupID]
	return z, ok
}

// Options are the choices the zone file does not (yet) express; Plan
// derives them from the zone, tests and later zone keys set them.
type Options struct {
	// OwnHub is the hub the zone creates; nil for none.
	OwnHub *HubSpec
	// AKSMode is AKSOverlay (default) or AKSFlat; AKSMaxPods applies to flat.
	AKSMode    string
	AKSMaxPods int
	// HubDNSZones maps private DNS zone names to the resource ids of the
	// platform's zones, which the zone then uses instead of its own.
	HubDNSZones map[string]string
	// Efficiency is the share of circuit bandwidth a transfer sustains.
	Efficiency float64
	// PeeringInMetro: the ExpressRoute peering location is in the metro of
	// the primary region (allows a Local circuit).
	PeeringInMetro bool
}

// HubSpec is what a zone-owned hub carries.
type HubSpec struct {
	Gateway     bool // ExpressRoute gateway (GatewaySubnet)
	Circuits    int  // circuits the gateway connects; sizes GatewaySubnet
	Firewall    bool // Azure Firewall (AzureFirewallSubnet); spokes route 0.0.0.0/0 to it
	Bastion     bool // Azure Bastion (AzureBastionSubnet)
	RouteServer bool // Azure Route Server (RouteServerSubnet)
}

// DefaultOptions derives the options from the zone. A zone with no
// platform hub that still reaches on-premises (on_premises ranges, or data
// from on-premises) owns a hub with an ExpressRoute gateway and a firewall:
// the circuit needs a gateway, and a Corp zone connected to on-premises
// keeps its egress inspected.
func DefaultOptions(z *spec.Zone) Options {
	o := Options{AKSMode: AKSOverlay, Efficiency: DefaultEfficiency}
	if rg := z.Network.PrivateDNSZones; rg != "" {
		// The platform keeps every privatelink zone in one resource group
		// (as ALZ deploys them): endpoints register there.
		o.HubDNSZones = map[string]string{}
		for _, zone := range privateLinkZones {
			o.HubDNSZones[zone] = PlatformDNSZoneID(rg, zone)
		}
	}
	if z.Network.Hub.None && needsOnPrem(z) {
		o.OwnHub = &HubSpec{Gateway: true, Circuits: 1, Firewall: true}
	}
	return o
}

func needsOnPrem(z *spec.Zone) bool {
	if len(z.Network.OnPremises) > 0 {
		return true
	}
	for _, d := range z.Data {
		if d.Origin == "on-premises" {
			return true
		}
	}
	return false
}

// Plan designs the zone's network with options derived from the zone.
func Plan(z *spec.Zone, c *catalog.Catalog, pools []compute.Pool, st storage.Result) (Result, finding.List) {
	return PlanWith(z, c, pools, st, DefaultOptions(z))
}

// PlanWith designs the zone's network.
func PlanWith(z *spec.Zone, c *catalog.Catalog, pools []compute.Pool, st storage.Result, opt Options) (Result, finding.List) {
	p := &planner{z: z, c: c, pools: pools, st: st, opt: opt}
	p.run()
	return p.res, p.fs
}

type planner struct {
	z     *spec.Zone
	c     *catalog.Catalog
	pools []compute.Pool
	st    storage.Result
	opt   Options
	res   Result
	fs    finding.List

	spaces, onPrem, hubRanges []netip.Prefix
	avoid                     []Range
	usesIB                    bool
	spokes                    []*spokePlan // primary first
	hub                       *spokePlan
	firewallIP                string
	allocated                 bool
}

// spokePlan is a VNet being planned: its subnets' requests, then prefixes.
type spokePlan struct {
	vnet    VNet
	reqs    []Request
	subnets []Subnet // same order as reqs
}

func (s *spokePlan) add(sub Subnet, bits int) {
	s.reqs = append(s.reqs, Request{Name: sub.Name, Bits: bits, For: sub.Purpose})
	sub.Usable = Usable(bits)
	s.subnets = append(s.subnets, sub)
}

func (p *planner) run() {
	p.res = Result{Peerings: []Peering{}, RouteTables: []RouteTable{}, NSGs: []NSG{}, NATGateways: []NATGateway{},
		PrivateEndpoints: []PrivateEndpoint{}, ComputeEndpoints: []PrivateEndpoint{}, PrivateDNSZones: []string{},
		Transfers: []Transfer{}, VNets: []VNet{}}
	if p.opt.Efficiency <= 0 || p.opt.Efficiency > 1 {
		p.opt.Efficiency = DefaultEfficiency
	}
	if p.opt.AKSMode == "" {
		p.opt.AKSMode = AKSOverlay
	}
	p.ranges()
	p.aksNetwork() // pod range sizes do not depend on the VNets, only on avoided ranges
	p.layout()
	p.allocate()
	p.egress()
	p.routeTables()
	p.nsgs()
	p.egressRules()
	p.endpoints()
	p.peerings()
	for _, s := range p.spokes {
		p.res.VNets = append(p.res.VNets, s.vnet)
	}
	if p.hub != nil {
		p.res.VNets = append(p.res.VNets, p.hub.vnet)
	}
	p.transfers()
	p.res.Placement = checkPlacement(p.c, p.pools, p.workloadIndex(), &p.fs)
}

func (p *planner) workloadIndex() map[string]int {
	m := map[string]int{}
	for i, w := range p.z.Workloads {
		m[w.Name] = i
	}
	return m
}

// ranges parses the zone's ranges and lists what to avoid, with why.
func (p *planner) ranges() {
	n := &p.z.Network
	parse := func(path string, list []string) []netip.Prefix {
		var out []netip.Prefix
		for i, s := range list {
			pr, err := spec.ParseCIDR(s)
			if err != nil {
				// spec.Validate rejects these before planning; an engine
				// called directly still says which range is wrong.
				p.fs.Add(finding.Error, CodeInvalidRange, fmt.Sprintf("%s[%d]", path, i), err.Error())
				continue
			}
			out = append(out, pr)
		}
		return out
	}
	p.spaces = parse("network.address_space", n.AddressSpace)
	p.onPrem = parse("network.on_premises", n.OnPremises)
	p.hubRanges = parse("network.hub.address_space", n.Hub.AddressSpace)
	for _, pl := range p.pools {
		if pl.InfiniBand && pl.SKU != "" {
			p.usesIB = true
		}
	}
	for _, r := range p.onPrem {
		p.avoid = append(p.avoid, Range{r, "on-premises"})
	}
	for _, r := range p.hubRanges {
		p.avoid = append(p.avoid, Range{r, "platform hub"})
	}
	if p.usesIB {
		p.avoid = append(p.avoid, Range{RDMAReserved, "InfiniBand RDMA (N-HPC)"})
	}
	for _, r := range azureReserved {
		p.avoid = append(p.avoid, Range{r, "reserved by Azure (N-VNET)"})
	}
	ap := AddressPlan{Avoided: []Avoid{}, Free: []string{}}
	for _, s := range p.spaces {
		ap.Spaces = append(ap.Spaces, s.String())
	}
	for _, a := range p.avoid {
		for _, s := range p.spaces {
			if a.Prefix.Overlaps(s) {
				ap.Avoided = append(ap.Avoided, Avoid{a.Prefix.String(), a.Why})
				break
			}
		}
	}
	p.res.AddressPlan = ap
}

// layout decides the VNets and what goes in each.
func (p *planner) layout() {
	z := p.z
	regions := []string{z.Region}
	byRegion := map[string][]compute.Pool{}
	for _, pl := range p.pools {
		if pl.SKU == "" {
			continue
		}
		r := pl.Region
		if r == "" {
			r = z.Region
		}
		if _, ok := byRegion[r]; !ok && r != z.Region {
			regions = append(regions, r)
		}
		byRegion[r] = append(byRegion[r], pl)
	}
	sort.Strings(regions[1:])
	for i, r := range regions {
		s := &spokePlan{vnet: VNet{Name: "vnet-" + z.Name + "-" + r, Region: r, Role: "spoke"}}
		for _, pl := range byRegion[r] {
			p.poolSubnet(s, pl)
		}
		// An AKS cluster and its node pools share a region: each region
		// with AKS pools gets a cluster, whose system pool needs a subnet.
		p.aksSystemSubnet(s, byRegion[r])
		p.slurmSubnets(s, byRegion[r])
		if i == 0 {
			p.primarySubnets(s, byRegion[r])
		}
		p.spokes = append(p.spokes, s)
	}
	if h := p.opt.OwnHub; h != nil {
		s := &spokePlan{vnet: VNet{Name: "vnet-" + z.Name + "-hub-" + z.Region, Region: z.Region, Role: "hub"}}
		reserved := func(name, kind, purpose string, bits int) {
			rule := reservedRules[name]
			s.add(Subnet{Name: name, Kind: kind, Purpose: purpose, Reason: rule.why}, bits)
		}
		if h.Gateway {
			reserved(GatewaySubnet, KindGateway, "ExpressRoute gateway", GatewaySubnetBits(h.Circuits))
		}
		if h.Firewall {
			reserved(FirewallSubnet, KindFirewall, "Azure Firewall", reservedRules[FirewallSubnet].size)
		}
		if h.Bastion {
			reserved(BastionSubnet, KindBastion, "Azure Bastion", reservedRules[BastionSubnet].size)
		}
		if h.RouteServer {
			reserved(RouteServerSubnet, KindRouteServer, "Azure Route Server", reservedRules[RouteServerSubnet].size)
		}
		if len(s.reqs) > 0 {
			p.hub = s
		}
	}
}

func (p *planner) poolSubnet(s *spokePlan, pl compute.Pool) {
	sub := Subnet{Name: PoolSubnetName(pl.Workload), Kind: KindPool, Pool: pl.Workload,
		Purpose: fmt.Sprintf("%s pool (%s, %s)", pl.Kind, pl.Orchestrator, pl.SKU)}
	var sz sizing
	var err error
	if pl.Orchestrator == "aks" {
		sz, err = aksSubnet(pl.Nodes+pl.SpareNodes, p.opt.AKSMode, p.opt.AKSMaxPods)
	} else {
		sz, err = poolSubnet(pl.Nodes + pl.SpareNodes)
	}
	if err != nil {
		p.fs.Add(finding.Error, "network.subnet-too-large", p.workloadPath(pl.Workload), fmt.Sprintf("%s: %v", sub.Name, err))
		return
	}
	sub.Hosts, sub.Needed, sub.Reason = sz.hosts, sz.needed, sz.reason
	s.add(sub, sz.bits)
}

func (p *planner) workloadPath(name string) string {
	if i, ok := p.workloadIndex()[name]; ok {
		return fmt.Sprintf("workloads[%d]", i)
	}
	return "workloads"
}

// aksSystemSubnet adds the subnet of the system pool of the region's AKS
// cluster, when the region has AKS pools.
func (p *planner) aksSystemSubnet(s *spokePlan, pools []compute.Pool) {
	for _, pl := range pools {
		if pl.Orchestrator == "aks" {
			sz, err := aksSubnet(aksSystemNodes, p.opt.AKSMode, p.opt.AKSMaxPods)
			if err == nil {
				s.add(Subnet{Name: AKSSystemSubnet, Kind: KindAKSSystem, Purpose: "AKS system pool", Hosts: sz.hosts, Needed: sz.needed,
					Reason: "system pool of 3 zonal nodes: " + sz.reason}, sz.bits)
			}
			return
		}
	}
}

// Subnets of Azure CycleCloud Workspace for Slurm, which deploys into the
// zone's VNet (emit/slurm).
const (
	// CycleCloudSubnet holds the CycleCloud VM and its storage account's
	// private endpoint: a /29, as the workspace's own layout gives it.
	CycleCloudSubnet = "snet-cyclecloud"
	// MySQLSubnet is delegated to Azure Database for MySQL flexible
	// server, for Slurm's accounting database: a /28.
	MySQLSubnet = "snet-mysql"

	KindCycleCloud = "cyclecloud"
	KindDatabase   = "database"
)

// slurmSubnets adds the workspace's CycleCloud and database subnets to the
// spoke of a region with Slurm pools.
func (p *planner) slurmSubnets(s *spokePlan, pools []compute.Pool) {
	for _, pl := range pools {
		if pl.Orchestrator == compute.OrchestratorSlurm && pl.SKU != "" {
			s.add(Subnet{Name: CycleCloudSubnet, Kind: KindCycleCloud, Purpose: "Azure CycleCloud (Slurm workspace)", Hosts: 2,
				Reason: "the CycleCloud VM and the private endpoint of the workspace's storage account: a /29, as CycleCloud Workspace for Slurm lays it out"}, 29)
			s.add(Subnet{Name: MySQLSubnet, Kind: KindDatabase, Purpose: "Slurm accounting database", Delegation: "Microsoft.DBforMySQL/flexibleServers",
				Reason: "delegated to Azure Database for MySQL flexible server, private (VNet integration), for Slurm's accounting: a /28"}, 28)
			return
		}
	}
}

// primarySubnets adds what lives with the storage in the primary region.
func (p *planner) primarySubnets(s *spokePlan, pools []compute.Pool) {
	ht := p.st.HotTier
	switch ht.Kind {
	case "lustre":
		bits, extrapolated, src := LustreSubnetBits(p.c, ht.CapacityTiB)
		if ht.SubnetPrefix > 0 && ht.SubnetPrefix < bits {
			bits = ht.SubnetPrefix // storage asked for more room; keep the larger
		}
		reason := fmt.Sprintf("/%d recommended for %.0f TiB of Managed Lustre (%s); the subnet is dedicated and cannot change after creation", bits, ht.CapacityTiB, src)
		if extrapolated {
			reason = fmt.Sprintf("/%d for %.0f TiB of Managed Lustre, extrapolated one bit per doubling past the largest documented row (%s); confirm with Microsoft before deploying", bits, ht.CapacityTiB, src)
			p.fs.Add(finding.Warning, "network.lustre-subnet-extrapolated", "data",
				fmt.Sprintf("Managed Lustre of %.0f TiB is past the documented subnet sizes; %s is extrapolated", ht.CapacityTiB, "/"+fmt.Sprint(bits)))
		}
		if bits > 0 {
			s.add(Subnet{Name: LustreSubnet, Kind: KindLustre, Purpose: "Azure Managed Lustre", Reason: reason}, bits)
		}
	case "netapp":
		s.add(Subnet{Name: NetAppSubnet, Kind: KindNetApp, Purpose: "Azure NetApp Files", Delegation: "Microsoft.Netapp/volumes",
			Reason: fmt.Sprintf("delegated to Azure NetApp Files, one per VNet; a /28 leaves only 11 addresses, a /%d leaves %d for volumes and endpoints (ST-ANF)", netAppSubnetBits, Usable(netAppSubnetBits))}, netAppSubnetBits)
	}
	n := len(p.storageGroups()) + len(p.batchGroups()) + len(p.serviceEndpoints())
	sz, _ := privateEndpointSubnet(n)
	s.add(Subnet{Name: PrivateEndpointSubnet, Kind: KindPrivateEndpoint, Purpose: "private endpoints", Hosts: sz.hosts, Needed: sz.needed, Reason: sz.reason}, sz.bits)
}

// storageGroups are the storage account's private-link sub-resources the
// zone uses: Blob (the account has no hierarchical namespace or file
// shares, so no dfs or file endpoint).
func (p *planner) storageGroups() []string { return []string{"blob"} }

// batchGroups are the Batch account's sub-resources: its API, and node
// management, which pools with simplified communication reach when the
// account's public access is off (resources/compute.go).
func (p *planner) batchGroups() []string {
	for _, pl := range p.pools {
		if pl.SKU != "" && pl.Orchestrator == "batch" {
			return []string{"batchAccount", "nodeManagement"}
		}
	}
	return nil
}

// allocate places the VNets and their subnets.
func (p *planner) allocate() {
	var vreqs []VNetRequest
	all := append([]*spokePlan{}, p.spokes...)
	if p.hub != nil {
		all = append(all, p.hub)
	}
	for _, s := range all {
		vreqs = append(vreqs, VNetRequest{Name: s.vnet.Name, Subnets: s.reqs})
	}
	allocs, mode, err := AllocateVNets(p.spaces, p.avoid, vreqs)
	p.res.AddressPlan.Mode = mode
	switch mode {
	case ModeWhole:
		p.res.AddressPlan.Reason = "one VNet: it takes the zone's whole address space (less avoided ranges), so subnets can be added without touching the VNet"
	case ModeDoubled:
		p.res.AddressPlan.Reason = "several VNets: each gets an aligned block twice what its subnets need, room to add subnets; the rest stays free for more regions"
	case ModeTight:
		p.res.AddressPlan.Reason = "several VNets: the space is too small to double each block, so each VNet gets exactly what its subnets need"
	}
	if err != nil {
		var se *SpaceError
		msg := err.Error()
		if errors.As(err, &se) {
			msg = se.Error()
		}
		p.fs.Add(finding.Error, CodeSpaceTooSmall, "network.address_space", msg)
		for _, s := range all {
			s.vnet.Subnets = s.subnets
		}
		return
	}
	p.allocated = true
	var used []netip.Prefix
	for i, s := range all {
		a := allocs[i]
		for _, pr := range a.AddressSpace {
			s.vnet.AddressSpace = append(s.vnet.AddressSpace, pr.String())
		}
		used = append(used, a.Subnets...)
		s.vnet.Reason = a.Reason
		for j := range s.subnets {
			s.subnets[j].Prefix = a.Subnets[j].String()
		}
		sort.SliceStable(s.subnets, func(x, y int) bool {
			return netip.MustParsePrefix(s.subnets[x].Prefix).Addr().Less(netip.MustParsePrefix(s.subnets[y].Prefix).Addr())
		})
		s.vnet.Subnets = s.subnets
	}
	avoid := make([]netip.Prefix, len(p.avoid))
	for i, a := range p.avoid {
		avoid[i] = a.Prefix
	}
	for _, f := range FreeBlocks(p.spaces, avoid, used) {
		p.res.AddressPlan.Free = append(p.res.AddressPlan.Free, f.String())
	}
}

// subnet returns a pointer to the named subnet of a VNet plan.
func (s *spokePlan) subnet(name string) *Subnet {
	for i := range s.vnet.Subnets {
		if s.vnet.Subnets[i].Name == name {
			return &s.vnet.Subnets[i]
		}
	}
	return nil
}

// egress decides how the zone reaches the internet: the platform hub's
// firewall, the zone hub's firewall, or a NAT gateway per spoke region.
func (p *planner) egress() {
	z := p.z
	switch {
	case !z.Network.Hub.None && z.Network.Hub.FirewallIP != "":
		p.firewallIP = z.Network.Hub.FirewallIP
		p.res.Egress = Egress{Kind: EgressHubFirewall, NextHopIP: p.firewallIP,
			Reason: "the platform hub's firewall inspects outbound traffic; spokes route 0.0.0.0/0 to it"}
	case p.hub != nil && p.opt.OwnHub.Firewall:
		fw := "afw-" + z.Name + "-" + z.Region
		h := &Hub{VNet: p.hub.vnet.Name, Region: z.Region, Firewall: fw, FirewallTier: "Standard"}
		if sub := p.hub.subnet(FirewallSubnet); sub != nil && sub.Prefix != "" {
			// Azure gives the firewall the first address Azure does not
			// reserve in its subnet (.4).
			h.FirewallIP = nthAddr(netip.MustParsePrefix(sub.Prefix), 4).String()
		}
		p.res.Hub = h
		p.firewallIP = h.FirewallIP
		p.res.Egress = Egress{Kind: EgressZoneFirewall, NextHopIP: p.firewallIP,
			Reason: "the zone's own hub firewall inspects outbound traffic; spokes route 0.0.0.0/0 to it"}
	default:
		p.res.Egress = Egress{Kind: EgressNAT,
			Reason: "no firewall is given: a NAT gateway per region gives the subnets outbound access, since subnets have no default outbound access and nodes have no public IP"}
		for _, s := range p.spokes {
			nat := NATGateway{Name: "ng-" + p.z.Name + "-" + s.vnet.Region, Region: s.vnet.Region, VNet: s.vnet.Name,
				PublicIP: "pip-ng-" + p.z.Name + "-" + s.vnet.Region}
			for i := range s.vnet.Subnets {
				sub := &s.vnet.Subnets[i]
				// Private endpoints never initiate outbound traffic, and
				// NetApp's delegated subnet takes no NAT gateway.
				if sub.Kind == KindPrivateEndpoint || sub.Kind == KindNetApp {
					continue
				}
				sub.NATGateway = nat.Name
				nat.Subnets = append(nat.Subnets, sub.Name)
			}
			p.res.NATGateways = append(p.res.NATGateways, nat)
		}
	}
	if p.hub != nil {
		if p.res.Hub == nil {
			p.res.Hub = &Hub{VNet: p.hub.vnet.Name, Region: p.z.Region}
		}
		h := p.res.Hub
		h.Bastion, h.RouteServer = p.opt.OwnHub.Bastion, p.opt.OwnHub.RouteServer
		h.Reason = "no platform hub is given and the zone reaches on-premises: it owns a hub with an ExpressRoute gateway and a firewall (add a platform hub under network.hub to use it instead)"
	}
}

// routeTables sends spoke traffic to the firewall, and, in a zone-owned
// hub, traffic from the gateway to the spokes through the firewall too, so
// that both directions are inspected.
func (p *planner) routeTables() {
	if p.firewallIP == "" {
		return
	}
	for _, s := range p.spokes {
		rt := RouteTable{Name: "rt-" + p.z.Name + "-" + s.vnet.Region, Region: s.vnet.Region, DisableBGP: true,
			Routes: []Route{{Name: "default-to-firewall", Prefix: "0.0.0.0/0", NextHop: "VirtualAppliance", NextHopIP: p.firewallIP}},
			Reason: "all traffic leaving the spoke goes through the firewall; gateway routes are not propagated so on-premises traffic is inspected too"}
		for i := range s.vnet.Subnets {
			s.vnet.Subnets[i].RouteTable = rt.Name
		}
		p.res.RouteTables = append(p.res.RouteTables, rt)
	}
	if p.hub != nil && p.opt.OwnHub.Gateway && p.opt.OwnHub.Firewall {
		rt := RouteTable{Name: "rt-" + p.z.Name + "-gateway", Region: p.hub.vnet.Region,
			Reason: "traffic arriving from on-premises goes through the firewall to the spokes, symmetric with the spokes' default route"}
		for _, s := range p.spokes {
			for _, a := range s.vnet.AddressSpace {
				rt.Routes = append(rt.Routes, Route{Name: "to-" + strings.NewReplacer(".", "-", "/", "-").Replace(a), Prefix: a, NextHop: "VirtualAppliance", NextHopIP: p.firewallIP})
			}
		}
		if sub := p.hub.subnet(GatewaySubnet); sub != nil && len(rt.Routes) > 0 {
			sub.RouteTable = rt.Name
			p.res.RouteTables = append(p.res.RouteTables, rt)
		}
	}
}

// nsgName is unique across the zone's VNets.
func (p *planner) nsgName(region, subnet string) string {
	return naming.Fit("nsg-"+p.z.Name+"-"+region+"-"+strings.TrimPrefix(subnet, "snet-"), naming.MaxNSG)
}

// nsgs gives each spoke subnet an NSG with the rules its contents need.
// Reserved hub subnets take none: Azure refuses NSGs on GatewaySubnet,
// AzureFirewallSubnet and RouteServerSubnet, and Bastion's needs its own
// rule set.
func (p *planner) nsgs() {
	var aksNodes []string
	for _, s := range p.spokes {
		for _, sub := range s.vnet.Subnets {
			if (sub.Kind == KindAKSSystem || (sub.Kind == KindPool && p.poolOrchestrator(sub.Pool) == "aks")) && sub.Prefix != "" {
				aksNodes = append(aksNodes, sub.Prefix)
			}
		}
	}
	for _, s := range p.spokes {
		for i := range s.vnet.Subnets {
			sub := &s.vnet.Subnets[i]
			nsg := NSG{Name: p.nsgName(s.vnet.Region, sub.Name), Region: s.vnet.Region, VNet: s.vnet.Name, Subnet: sub.Name}
			nsg.Rules = p.rulesFor(sub, aksNodes)
			sub.NSG = nsg.Name
			p.res.NSGs = append(p.res.NSGs, nsg)
		}
	}
}

func (p *planner) poolOrchestrator(workload string) string {
	for _, pl := range p.pools {
		if pl.Workload == workload {
			return pl.Orchestrator
		}
	}
	return ""
}

var (
	lustrePorts = []string{"988", "1019-1023"}
	denyInbound = Rule{Name: "deny-internet-inbound", Priority: 4096, Direction: "Inbound", Access: "Deny", Protocol: "*",
		Source: []string{"Internet"}, Destination: []string{"*"}, Ports: []string{"*"},
		Reason: "no inbound traffic from the internet, stated explicitly so that no later rule below it can open the subnet"}
)

func (p *planner) rulesFor(sub *Subnet, aksNodes []string) []Rule {
	var rules []Rule
	self := []string{sub.Prefix}
	if sub.Prefix == "" {
		self = []string{"VirtualNetwork"}
	}
	switch sub.Kind {
	case KindLustre:
		rules = append(rules,
			Rule{Name: "allow-lustre-inbound", Priority: 100, Direction: "Inbound", Access: "Allow", Protocol: "Tcp",
				Source: []string{"VirtualNetwork"}, Destination: self, Ports: lustrePorts,
				Reason: "Lustre clients in the VNet reach the file system on TCP 988 and 1019-1023 (ST-AMLFS-PRE)"},
			Rule{Name: "allow-lustre-outbound", Priority: 100, Direction: "Outbound", Access: "Allow", Protocol: "Tcp",
				Source: self, Destination: []string{"VirtualNetwork"}, Ports: lustrePorts,
				Reason: "the file system answers clients on TCP 988 and 1019-1023 (ST-AMLFS-PRE)"},
			Rule{Name: "allow-azurecloud-outbound", Priority: 110, Direction: "Outbound", Access: "Allow", Protocol: "Tcp",
				Source: self, Destination: []string{"AzureCloud"}, Ports: []string{"443"},
				Reason: "Managed Lustre reaches its service and Blob integration through the AzureCloud tag (ST-AMLFS-PRE)"})
	case KindAKSSystem, KindPool:
		if (sub.Kind == KindAKSSystem || p.poolOrchestrator(sub.Pool) == "aks") && p.res.AKS != nil && p.res.AKS.Mode == AKSOverlay && p.res.AKS.PodCIDR != "" {
			src := append([]string{p.res.AKS.PodCIDR}, aksNodes...)
			rules = append(rules, Rule{Name: "allow-aks-overlay-inbound", Priority: 100, Direction: "Inbound", Access: "Allow", Protocol: "*",
				Source: src, Destination: append([]string{p.res.AKS.PodCIDR}, self...), Ports: []string{"*"},
				Reason: "Azure CNI Overlay pod traffic is not encapsulated and its pod range is outside the VirtualNetwork tag: node-to-pod and pod-to-pod traffic must be allowed (N-AKS)"})
		}
	}
	return append(rules, denyInbound)
}

// aksNetwork chooses the AKS pod and service ranges: outside the zone's
// spaces, on-premises, the hub and each other; shared address space
// (RFC 6598) first, then RFC 1918.
func (p *planner) aksNetwork() {
	nodes := 0
	for _, pl := range p.pools {
		if pl.SKU != "" && pl.Orchestrator == "aks" {
			nodes += pl.Nodes + pl.SpareNodes + headroomNodes(pl.Nodes+pl.SpareNodes) + aksSurgeNodes
		}
	}
	if nodes == 0 {
		return
	}
	nodes += aksSystemNodes + headroomNodes(aksSystemNodes) + aksSurgeNodes
	a := &AKSNetwork{Mode: p.opt.AKSMode}
	// Each node takes a /24 of the pod range (N-AKS); AKS's default /16
	// (256 nodes) is the floor.
	podBits := min(16, 24-ceilLog2(uint64(nodes)))
	avoid := append([]Range{}, p.avoid...)
	for _, s := range p.spaces {
		avoid = append(avoid, Range{s, "zone address space"})
	}
	candidates := []netip.Prefix{netip.MustParsePrefix("100.64.0.0/10"), netip.MustParsePrefix("172.16.0.0/12"),
		netip.MustParsePrefix("192.168.0.0/16"), netip.MustParsePrefix("10.0.0.0/8")}
	var reqs []Request
	if a.Mode == AKSOverlay {
		reqs = append(reqs, Request{Name: "pods", Bits: podBits, For: fmt.Sprintf("a /24 per node for %d nodes", nodes)})
	} else {
		a.MaxPods = p.opt.AKSMaxPods
		if a.MaxPods <= 0 {
			a.MaxPods = DefaultFlatMaxPods
		}
	}
	reqs = append(reqs, Request{Name: "services", Bits: 16, For: "Kubernetes services (smaller than /12)"})
	for _, cand := range candidates {
		got, err := allocate([]netip.Prefix{cand}, avoid, reqs)
		if err != nil {
			continue
		}
		if a.Mode == AKSOverlay {
			a.PodCIDR = got[0].String()
		}
		svc := got[len(got)-1]
		a.ServiceCIDR = svc.String()
		// The first service address is the API server's; .10 is AKS's
		// conventional DNS address.
		a.DNSServiceIP = nthAddr(svc, 10).String()
		break
	}
	if a.ServiceCIDR == "" {
		p.fs.Add(finding.Error, "network.aks-ranges", "network", "no private range is left for the AKS pod and service ranges outside the zone's, on-premises and hub ranges")
		return
	}
	if a.Mode == AKSOverlay {
		a.Reason = fmt.Sprintf("Azure CNI Overlay: pods take %s (a /24 per node, room for %d nodes), outside the VNets, on-premises and hub ranges; services %s", a.PodCIDR, 1<<(24-podBits), a.ServiceCIDR)
	} else {
		a.Reason = fmt.Sprintf("flat Azure CNI: pods take VNet addresses (%d per node); services %s outside every other range", a.MaxPods, a.ServiceCIDR)
	}
	p.res.AKS = a
}

// endpoints plans private endpoints and DNS zones. Endpoints live in the
// primary spoke, beside the storage; other spokes reach them over peering.
func (p *planner) endpoints() {
	prim := p.spokes[0]
	zones := map[string]bool{}
	mk := func(name, target, typ, group string) PrivateEndpoint {
		zone := privateLinkZones[group]
		pe := PrivateEndpoint{Name: name, Target: target, TargetType: typ, GroupID: group, Subnet: PrivateEndpointSubnet,
			VNet: prim.vnet.Name, Region: prim.vnet.Region, DNSZone: zone}
		if id, ok := p.opt.HubDNSZones[zone]; ok {
			pe.DNSZoneID = id
		} else {
			zones[zone] = true
		}
		return pe
	}
	acct := p.st.Account.Name
	for _, g := range p.storageGroups() {
		p.res.PrivateEndpoints = append(p.res.PrivateEndpoints, mk("pe-"+acct+"-"+g, acct, "Microsoft.Storage/storageAccounts", g))
	}
	batch := BatchAccountName(p.z.Name)
	for _, g := range p.batchGroups() {
		p.res.ComputeEndpoints = append(p.res.ComputeEndpoints, mk("pe-"+batch+"-"+strings.ToLower(g), batch, "Microsoft.Batch/batchAccounts", g))
	}
	for _, se := range p.serviceEndpoints() {
		p.res.ComputeEndpoints = append(p.res.ComputeEndpoints, mk("pe-"+se.name+"-"+se.group, se.name, se.typ, se.group))
	}
	for z := range zones {
		p.res.PrivateDNSZones = append(p.res.PrivateDNSZones, z)
	}
	sort.Strings(p.res.PrivateDNSZones)
	if !p.z.Network.Hub.None && len(p.opt.HubDNSZones) == 0 && len(p.res.PrivateDNSZones) > 0 {
		p.fs.Add(finding.Info, "network.private-dns", "network.hub",
			"the zone creates its own privatelink DNS zones linked to its VNets; on-premises clients resolve them only if the platform's DNS forwards to them. If the platform centralises privatelink zones, use those instead")
	}
}

// PlatformDNSZoneID is the id of a privatelink zone in the platform's DNS
// resource group.
func PlatformDNSZoneID(rg, zone string) string {
	return rg + "/providers/Microsoft.Network/privateDnsZones/" + zone
}

type serviceEndpoint struct{ name, typ, group string }

// serviceEndpoints are the zone's Key Vault and container registry, which
// every zone with compute pools gets (their nodes pull images and read
// secrets without a route to the internet), reached only privately.
func (p *planner) serviceEndpoints() []serviceEndpoint {
	for _, pl := range p.pools {
		if pl.SKU != "" {
			return []serviceEndpoint{
				{KeyVaultName(p.z.Name, p.z.Region), "Microsoft.KeyVault/vaults", "vault"},
				{RegistryName(p.z.Name, p.z.Region), "Microsoft.ContainerRegistry/registries", "registry"},
			}
		}
	}
	return nil
}

// KeyVaultName is the zone's Key Vault: globally unique, 3-24 letters,
// digits and hyphens, so a short stable hash of zone and region follows
// the zone name.
func KeyVaultName(zone, region string) string {
	return "kv" + naming.Compact(zone, 14) + naming.ZoneHash(zone, region)
}

// RegistryName is the zone's container registry: globally unique, 5-50
// letters and digits.
func RegistryName(zone, region string) string {
	return "cr" + naming.Compact(zone, 30) + naming.ZoneHash(zone, region)
}

// BatchAccountName is the zone's Batch account name, as resources names it:
// "ba" and the zone name without hyphens, at most 24 characters.
func BatchAccountName(zone string) string {
	n := "ba" + strings.ReplaceAll(zone, "-", "")
	if len(n) > 24 {
		n = n[:24]
	}
	return n
}

// peerings connects the spokes: to the platform hub (spoke side only), to
// the zone's own hub (both sides), or, without a hub, extra-region spokes
// to the primary spoke.
func (p *planner) peerings() {
	z := p.z
	switch {
	case !z.Network.Hub.None:
		useGW := z.Network.Hub.Gateway != nil && *z.Network.Hub.Gateway
		for _, s := range p.spokes {
			p.res.Peerings = append(p.res.Peerings, Peering{Name: "peer-" + s.vnet.Region + "-to-hub", VNet: s.vnet.Name, RemoteVNetID: z.Network.Hub.VNetID,
				UseRemoteGateways: useGW,
				Note:              "the hub-to-spoke peering (allow gateway transit) is created by the platform team in the hub's subscription"})
		}
	case p.hub != nil:
		gw := p.opt.OwnHub.Gateway
		for _, s := range p.spokes {
			p.res.Peerings = append(p.res.Peerings,
				Peering{Name: "peer-" + s.vnet.Region + "-to-hub", VNet: s.vnet.Name, RemoteVNet: p.hub.vnet.Name, UseRemoteGateways: gw,
					Note: "spoke to the zone's hub, using its gateway"},
				Peering{Name: "peer-hub-to-" + s.vnet.Region, VNet: p.hub.vnet.Name, RemoteVNet: s.vnet.Name, AllowGatewayTransit: gw,
					Note: "hub to spoke, offering its gateway"})
		}
	default:
		prim := p.spokes[0]
		for _, s := range p.spokes[1:] {
			p.res.Peerings = append(p.res.Peerings,
				Peering{Name: "peer-" + s.vnet.Region + "-to-" + prim.vnet.Region, VNet: s.vnet.Name, RemoteVNet: prim.vnet.Name,
					Note: "no hub: the spoke reaches the primary region's storage and private endpoints directly"},
				Peering{Name: "peer-" + prim.vnet.Region + "-to-" + s.vnet.Region, VNet: prim.vnet.Name, RemoteVNet: s.vnet.Name,
					Note: "no hub: the primary spoke's side of the peering"})
		}
	}
}

// transfers sizes ExpressRoute for the zone's on-premises data and, in a
// zone-owned hub, the gateway.
func (p *planner) transfers() {
	route := Path{Regions: []string{p.z.Region}, PeeringInMetro: p.opt.PeeringInMetro,
		Peered: true, PrivateEndpoint: true}
	items := onPremData(p.z)
	var er *ExpressRoute
	p.res.Transfers, er = planTransfers(p.c, items, p.opt.Efficiency, route, &p.fs)
	where := ""
	switch {
	case !p.z.Network.Hub.None:
		where = "the platform hub's gateway (" + p.z.Network.Hub.VNetID + ")"
	case p.hub != nil && p.opt.OwnHub.Gateway:
		where = "the zone hub's gateway"
	}
	if er == nil && p.hub != nil && p.opt.OwnHub.Gateway {
		// No data to move: the gateway still connects on-premises; the
		// smallest one does.
		rec := Recommend(p.c, 0, route)
		er = &ExpressRoute{Recommended: rec, Reason: "no on-premises data to move: the smallest circuit and gateway connect the zone; size them for interactive use"}
	}
	if er != nil {
		er.Where = where
		if where == "" {
			er.Where = "no gateway: the zone has no hub; add one under network.hub"
			p.fs.Add(finding.Warning, "network.no-gateway", "network.hub", "on-premises data is planned over ExpressRoute, but the zone has no hub and so no gateway")
		}
		if p.firewallIP != "" && er.CircuitMbps > 2500 {
			er.Note = joinNote(er.Note, "if on-premises traffic passes the firewall, Azure Firewall starts near 2.5-3 Gbps and scales out towards 30 Gbps (N-FW): the first hours may run slower")
		}
		p.res.ExpressRoute = er
	}
	if p.hub != nil && p.opt.OwnHub.Gateway && p.res.Hub != nil && er != nil {
		p.res.Hub.Gateway = er.Gateway
		if er.ScaleUnits > 0 {
			p.res.Hub.Gateway = "ErGwScale"
		}
		p.res.Hub.ScaleUnits = er.ScaleUnits
		p.res.Hub.GatewayName = "ergw-" + p.z.Name + "-" + p.z.Region
	}
}
