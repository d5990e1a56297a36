package network

import (
	"fmt"
	"math"

	"github.com/aizone/aizone/catalog"
)

// Subnet sizing rules. Each subnet is sized from what goes in it; the
// reason string of each says which rule applied.
const (
	// ScaleHeadroom is the share of extra nodes a pool's subnet leaves room
	// for, so that a pool can scale out without a new subnet: subnets cannot
	// be resized while in use.
	ScaleHeadroom = 0.25
	// aksSurgeNodes is the extra node an AKS node pool adds while it
	// upgrades (max surge 1), which needs an address in the node subnet
	// (N-AKS: subnet IPs = nodes + max surge, plus pods in flat networks).
	aksSurgeNodes = 1
	// aksSystemNodes is the AKS system pool aizone deploys: three nodes,
	// one per availability zone (resources/compute.go).
	aksSystemNodes = 3
	// DefaultFlatMaxPods is the default pods per node of legacy Azure CNI,
	// whose pods take VNet addresses (N-AKS).
	DefaultFlatMaxPods = 30
	// privateEndpointSpare leaves room in the private-endpoint subnet for
	// endpoints a platform adds later (registry, key vault, ML workspace),
	// each one address.
	privateEndpointSpare = 16
	// netAppSubnetBits: a /28 gives Azure NetApp Files only 11 addresses,
	// which the service notes can be too few; a /26 (59) leaves room for
	// more volumes and endpoints (ST-ANF delegate-subnet page). One
	// delegated subnet per VNet.
	netAppSubnetBits = 26
)

// Reserved subnets a zone-owned hub carries, with the sizes aizone gives
// them. Names are fixed by Azure.
const (
	GatewaySubnet     = "GatewaySubnet"
	FirewallSubnet    = "AzureFirewallSubnet"
	BastionSubnet     = "AzureBastionSubnet"
	RouteServerSubnet = "RouteServerSubnet"
)

// reservedMin is the smallest prefix each reserved subnet accepts, and
// reservedSize the size aizone gives it, with the reason.
var reservedRules = map[string]struct {
	min, size int
	why       string
}{
	// Minimum /29, /27 recommended, /26 for 16 circuits (N-ERGW).
	GatewaySubnet: {29, 27, "/27 is the size recommended for an ExpressRoute gateway (minimum /29); /26 when 16 circuits connect (N-ERGW)"},
	// Azure Firewall needs /26 and never more (N-FW).
	FirewallSubnet: {26, 26, "Azure Firewall needs a /26 to scale out (N-FW)"},
	// /26 or larger, as commonly documented for Bastion's scale units.
	BastionSubnet: {26, 26, "Azure Bastion needs a /26 or larger to scale"},
	// Sources differ between /27 and /26 (N-RS); /26 satisfies both.
	RouteServerSubnet: {26, 26, "Route Server: /26 meets both documented minimums (/27 and /26; N-RS)"},
}

// ReservedMin returns the smallest prefix length Azure accepts for a
// reserved subnet (larger number = smaller subnet), and false for other
// names.
func ReservedMin(name string) (int, bool) {
	r, ok := reservedRules[name]
	return r.min, ok
}

// CheckReserved reports whether a /bits prefix is large enough for the
// reserved subnet name.
func CheckReserved(name string, bits int) error {
	r, ok := reservedRules[name]
	if !ok {
		return fmt.Errorf("%s is not a reserved subnet", name)
	}
	if bits > r.min {
		return fmt.Errorf("%s needs a /%d or larger, not a /%d", name, r.min, bits)
	}
	return nil
}

// GatewaySubnetBits is the GatewaySubnet size for a gateway connecting
// circuits ExpressRoute circuits: /27, or /26 from 16 circuits (N-ERGW).
// ExpressRoute and VPN gateways together also fit in a /27.
func GatewaySubnetBits(circuits int) int {
	if circuits >= 16 {
		return 26
	}
	return reservedRules[GatewaySubnet].size
}

// headroomNodes is the scale-out room added to a pool of n nodes.
func headroomNodes(n int) int { return int(math.Ceil(float64(n) * ScaleHeadroom)) }

// sizing is one subnet's size and why.
type sizing struct {
	bits   int
	hosts  int // what goes in it now
	needed int // addresses needed with headroom, before Azure's reserved five
	reason string
}

// PoolSubnet sizes the subnet of a VM, scale-set or Batch pool: one address
// per node, plus 25% headroom, plus Azure's five.
func PoolSubnet(nodes int) (bits int, reason string, err error) {
	s, err := poolSubnet(nodes)
	return s.bits, s.reason, err
}

func poolSubnet(nodes int) (sizing, error) {
	h := headroomNodes(nodes)
	need := nodes + h
	bits, err := PrefixFor(need)
	if err != nil {
		return sizing{}, err
	}
	return sizing{bits: bits, hosts: nodes, needed: need,
		reason: fmt.Sprintf("%d nodes + %d headroom (%.0f%%) = %d addresses + %d Azure-reserved → /%d (%d usable)",
			nodes, h, ScaleHeadroom*100, need, AzureReservedIPs, bits, Usable(bits))}, nil
}

// AKS network modes.
const (
	AKSOverlay = "overlay" // Azure CNI Overlay: pods outside the VNet
	AKSFlat    = "flat"    // Azure CNI with VNet pod addresses
)

// AKSSubnet sizes an AKS node pool's subnet. With Azure CNI Overlay only
// nodes take VNet addresses: (nodes + headroom + surge). In a flat network
// every pod does too: (nodes + headroom + surge) × (1 + maxPods) (N-AKS).
func AKSSubnet(nodes int, mode string, maxPods int) (bits int, reason string, err error) {
	s, err := aksSubnet(nodes, mode, maxPods)
	return s.bits, s.reason, err
}

func aksSubnet(nodes int, mode string, maxPods int) (sizing, error) {
	h := headroomNodes(nodes)
	n := nodes + h + aksSurgeNodes
	need := n
	how := fmt.Sprintf("%d nodes + %d headroom + %d upgrade surge = %d node addresses (Azure CNI Overlay: pods take addresses outside the VNet)", nodes, h, aksSurgeNodes, n)
	if mode == AKSFlat {
		if maxPods <= 0 {
			maxPods = DefaultFlatMaxPods
		}
		need = n * (1 + maxPods)
		how = fmt.Sprintf("(%d nodes + %d headroom + %d upgrade surge) × (1 node + %d pods) = %d addresses (flat Azure CNI: pods take VNet addresses)", nodes, h, aksSurgeNodes, maxPods, need)
	}
	bits, err := PrefixFor(need)
	if err != nil {
		return sizing{}, err
	}
	return sizing{bits: bits, hosts: nodes, needed: need,
		reason: fmt.Sprintf("%s + %d Azure-reserved → /%d (%d usable)", how, AzureReservedIPs, bits, Usable(bits))}, nil
}

// LustreSubnetBits is the subnet Azure Managed Lustre recommends for a file
// system of tib TiB (catalog lustre_subnets, from ST-AMLFS-PRE). Past the
// table's largest row each doubling of capacity takes one more bit; that
// extrapolation is reported.
func LustreSubnetBits(c *catalog.Catalog, tib float64) (bits int, extrapolated bool, source string) {
	rows := c.Storage.LustreSubnets
	for _, r := range rows {
		if tib <= r.MaxTiB {
			return r.Prefix, false, r.Source
		}
	}
	if len(rows) == 0 {
		return 0, false, ""
	}
	last := rows[len(rows)-1]
	bits = last.Prefix
	for max := last.MaxTiB; tib > max && bits > MaxSubnetBits; max *= 2 {
		bits--
	}
	return bits, true, last.Source
}

// privateEndpointSubnet sizes the subnet for n private endpoints (one
// address each) plus room for more.
func privateEndpointSubnet(n int) (sizing, error) {
	need := n + privateEndpointSpare
	bits, err := PrefixFor(need)
	if err != nil {
		return sizing{}, err
	}
	return sizing{bits: bits, hosts: n, needed: need,
		reason: fmt.Sprintf("%d private endpoints + room for %d more (services added later, such as an ML workspace) + %d Azure-reserved → /%d (%d usable)",
			n, privateEndpointSpare, AzureReservedIPs, bits, Usable(bits))}, nil
}
