package network

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"strings"
	"testing"

	"github.com/aizone/aizone/compute"
	"github.com/aizone/aizone/finding"
	"github.com/aizone/aizone/spec"
	"github.com/aizone/aizone/storage"
	"github.com/aizone/aizone/units"
)

const hubID = "/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg-hub/providers/Microsoft.Network/virtualNetworks/vnet-hub"

func testZone(mut func(z *spec.Zone)) *spec.Zone {
	yes := true
	z := &spec.Zone{Name: "ai", Region: "eastus",
		Network: spec.Network{AddressSpace: []string{"10.64.0.0/16"},
			Hub: spec.Hub{VNetID: hubID, AddressSpace: []string{"10.100.0.0/22"}, FirewallIP: "10.100.0.4", Gateway: &yes}}}
	for _, n := range []string{"train", "serve", "prep"} {
		z.Workloads = append(z.Workloads, spec.Workload{Name: n})
	}
	if mut != nil {
		mut(z)
	}
	return z
}

func noHub(z *spec.Zone) { z.Network.Hub = spec.Hub{None: true} }

func testPools() []compute.Pool {
	return []compute.Pool{
		{Workload: "train", Kind: "training", SKU: "Standard_ND96isr_H100_v5", Region: "eastus", Nodes: 16, Orchestrator: "slurm", InfiniBand: true, PlacementGroup: true},
		{Workload: "serve", Kind: "inference", SKU: "Standard_NC80adis_H100_v5", Region: "eastus", Nodes: 4, Orchestrator: "aks", Zones: []string{"1", "2", "3"}},
		{Workload: "prep", Kind: "data-prep", SKU: "Standard_D64ds_v5", Region: "eastus", Nodes: 2, Orchestrator: "batch"},
	}
}

func testStorage() storage.Result {
	return storage.Result{HotTier: storage.HotTier{Kind: "lustre", CapacityTiB: 48, SubnetPrefix: 25}, Account: storage.BlobAccount{Name: "staitest123456"}}
}

func subnetsOf(r Result) map[string]Subnet {
	m := map[string]Subnet{}
	for _, v := range r.VNets {
		for _, s := range v.Subnets {
			m[v.Name+"/"+s.Name] = s
		}
	}
	return m
}

func noErrors(t *testing.T, fs finding.List) {
	t.Helper()
	for _, f := range fs {
		if f.Severity == finding.Error {
			t.Errorf("unexpected error finding %s: %s", f.Code, f.Message)
		}
	}
}

func TestPlanPlatformHub(t *testing.T) {
	r, fs := Plan(testZone(nil), testCatalog(t), testPools(), testStorage())
	noErrors(t, fs)
	if len(r.VNets) != 1 || r.Hub != nil || r.AddressPlan.Mode != ModeWhole || r.VNets[0].AddressSpace[0] != "10.64.0.0/16" {
		t.Fatalf("vnets %+v hub %+v mode %s", r.VNets, r.Hub, r.AddressPlan.Mode)
	}
	subs := subnetsOf(r)
	want := map[string]string{ // name → prefix length
		"snet-train": "/27", "snet-serve": "/28", "snet-prep": "/29", AKSSystemSubnet: "/28", LustreSubnet: "/25", PrivateEndpointSubnet: "/27",
	}
	for name, bits := range want {
		s, ok := subs["vnet-ai-eastus/"+name]
		if !ok || !strings.HasSuffix(s.Prefix, bits) || s.NSG == "" || s.RouteTable != "rt-ai-eastus" {
			t.Errorf("%s: %+v, want a %s with NSG and route table", name, s, bits)
		}
	}
	if r.Egress.Kind != EgressHubFirewall || len(r.NATGateways) != 0 {
		t.Errorf("egress %+v nat %v", r.Egress, r.NATGateways)
	}
	if rt := r.RouteTables[0]; rt.Routes[0].Prefix != "0.0.0.0/0" || rt.Routes[0].NextHopIP != "10.100.0.4" || !rt.DisableBGP {
		t.Errorf("route table %+v", rt)
	}
	if len(r.Peerings) != 1 || !r.Peerings[0].UseRemoteGateways || r.Peerings[0].RemoteVNetID != hubID {
		t.Errorf("peerings %+v", r.Peerings)
	}
	// NSG rules: exactly what each part needs.
	rules := map[string][]string{}
	for _, n := range r.NSGs {
		for _, ru := range n.Rules {
			rules[n.Subnet] = append(rules[n.Subnet], ru.Name)
		}
	}
	wantRules := map[string]string{
		LustreSubnet:          "allow-lustre-inbound allow-lustre-outbound allow-azurecloud-outbound deny-internet-inbound",
		"snet-serve":          "allow-aks-overlay-inbound deny-internet-inbound",
		AKSSystemSubnet:       "allow-aks-overlay-inbound deny-internet-inbound",
		"snet-train":          "deny-internet-inbound",
		"snet-prep":           "deny-internet-inbound",
		PrivateEndpointSubnet: "deny-internet-inbound",
	}
	for sub, w := range wantRules {
		if got := strings.Join(rules[sub], " "); got != w {
			t.Errorf("%s rules %q, want %q", sub, got, w)
		}
	}
	for _, n := range r.NSGs {
		if n.Subnet == LustreSubnet {
			if in := n.Rules[0]; in.Protocol != "Tcp" || strings.Join(in.Ports, ",") != "988,1019-1023" || in.Source[0] != "VirtualNetwork" {
				t.Errorf("lustre inbound rule %+v", in)
			}
		}
	}
	// Private endpoints: Blob for storage, Batch account and node
	// management, the zone's Key Vault and container registry.
	if len(r.PrivateEndpoints) != 1 || r.PrivateEndpoints[0].GroupID != "blob" || len(r.ComputeEndpoints) != 4 {
		t.Errorf("endpoints %+v %+v", r.PrivateEndpoints, r.ComputeEndpoints)
	}
	if got := strings.Join(r.PrivateDNSZones, " "); got != "privatelink.azurecr.io privatelink.batch.azure.com privatelink.blob.core.windows.net privatelink.vaultcore.azure.net" {
		t.Errorf("dns zones %s", got)
	}
	if r.AKS == nil || r.AKS.PodCIDR != "100.64.0.0/16" || r.AKS.ServiceCIDR != "100.65.0.0/16" || r.AKS.DNSServiceIP != "100.65.0.10" {
		t.Errorf("aks %+v", r.AKS)
	}
	if len(r.Placement) != 3 || !r.Placement[0].ProximityPlacementGroup {
		t.Errorf("placement %+v", r.Placement)
	}
}

func TestPlanStandaloneNAT(t *testing.T) {
	r, fs := Plan(testZone(noHub), testCatalog(t), testPools(), testStorage())
	noErrors(t, fs)
	if r.Hub != nil || len(r.RouteTables) != 0 || len(r.Peerings) != 0 || r.Egress.Kind != EgressNAT || len(r.NATGateways) != 1 {
		t.Fatalf("hub %+v rts %v peerings %v egress %+v nat %v", r.Hub, r.RouteTables, r.Peerings, r.Egress, r.NATGateways)
	}
	for _, s := range r.VNets[0].Subnets {
		if (s.NATGateway == "") != (s.Kind == KindPrivateEndpoint) {
			t.Errorf("%s: NAT gateway %q", s.Name, s.NATGateway)
		}
	}
}

func TestPlanOwnHub(t *testing.T) {
	z := testZone(func(z *spec.Zone) {
		noHub(z)
		z.Network.OnPremises = []string{"10.0.0.0/12"}
		z.Data = []spec.Data{{Name: "corpus", Size: 400 * units.TB, Origin: "on-premises", TransferWindow: 14 * units.Day}}
	})
	r, fs := Plan(z, testCatalog(t), testPools(), testStorage())
	noErrors(t, fs)
	if r.Hub == nil || r.AddressPlan.Mode != ModeDoubled || len(r.VNets) != 2 {
		t.Fatalf("hub %+v mode %s vnets %d", r.Hub, r.AddressPlan.Mode, len(r.VNets))
	}
	hub := r.VNets[1]
	subs := map[string]Subnet{}
	for _, s := range hub.Subnets {
		subs[s.Name] = s
	}
	gw, fw := subs[GatewaySubnet], subs[FirewallSubnet]
	if !strings.HasSuffix(gw.Prefix, "/27") || !strings.HasSuffix(fw.Prefix, "/26") || gw.NSG != "" || fw.NSG != "" {
		t.Fatalf("hub subnets %+v", hub.Subnets)
	}
	if want := nthAddr(netip.MustParsePrefix(fw.Prefix), 4).String(); r.Hub.FirewallIP != want || r.Egress.NextHopIP != want {
		t.Errorf("firewall IP %s, want %s", r.Hub.FirewallIP, want)
	}
	if r.Hub.Gateway != "ErGw3AZ" || r.ExpressRoute == nil || r.ExpressRoute.CircuitMbps != 5000 {
		t.Errorf("gateway %s expressroute %+v", r.Hub.Gateway, r.ExpressRoute)
	}
	if gw.RouteTable != "rt-ai-gateway" {
		t.Errorf("GatewaySubnet route table %q", gw.RouteTable)
	}
	var both int
	for _, p := range r.Peerings {
		if (p.VNet == hub.Name && p.AllowGatewayTransit) || (p.RemoteVNet == hub.Name && p.UseRemoteGateways) {
			both++
		}
	}
	if both != 2 {
		t.Errorf("peerings %+v", r.Peerings)
	}
	if len(r.EgressRules) == 0 {
		t.Error("no egress rules for the zone's firewall")
	}
	// No hub and no on-premises: no hub is created.
	r, _ = Plan(testZone(noHub), testCatalog(t), testPools(), testStorage())
	if r.Hub != nil {
		t.Error("a hub without any reason for one")
	}
}

func TestPlanOwnHubAllReserved(t *testing.T) {
	opt := DefaultOptions(testZone(noHub))
	opt.OwnHub = &HubSpec{Gateway: true, Circuits: 16, Firewall: true, Bastion: true, RouteServer: true}
	r, fs := PlanWith(testZone(noHub), testCatalog(t), testPools(), testStorage(), opt)
	noErrors(t, fs)
	want := map[string]string{GatewaySubnet: "/26", FirewallSubnet: "/26", BastionSubnet: "/26", RouteServerSubnet: "/26"}
	for _, s := range r.VNets[len(r.VNets)-1].Subnets {
		if w := want[s.Name]; !strings.HasSuffix(s.Prefix, w) {
			t.Errorf("%s %s, want %s", s.Name, s.Prefix, w)
		}
		delete(want, s.Name)
	}
	if len(want) != 0 || !r.Hub.Bastion || !r.Hub.RouteServer {
		t.Errorf("missing %v; hub %+v", want, r.Hub)
	}
}

func TestPlanSeveralRegions(t *testing.T) {
	pools := testPools()
	pools = append(pools, compute.Pool{Workload: "train2", Kind: "training", SKU: "Standard_ND96isr_H100_v5", Region: "westus3", Nodes: 8, Orchestrator: "vmss", InfiniBand: true, PlacementGroup: true})
	z := testZone(func(z *spec.Zone) { z.Workloads = append(z.Workloads, spec.Workload{Name: "train2"}) })
	r, fs := Plan(z, testCatalog(t), pools, testStorage())
	noErrors(t, fs)
	if len(r.VNets) != 2 || r.VNets[1].Region != "westus3" || len(r.RouteTables) != 2 || len(r.Peerings) != 2 || r.AddressPlan.Mode != ModeDoubled {
		t.Fatalf("vnets %+v rts %d peerings %d", r.VNets, len(r.RouteTables), len(r.Peerings))
	}
	if r.VNetFor("westus3") != r.VNets[1].Name || r.VNetFor("eastus") != r.VNets[0].Name || r.VNetFor("japaneast") != r.VNets[0].Name {
		t.Errorf("VNetFor: %s %s", r.VNetFor("westus3"), r.VNetFor("eastus"))
	}
	if len(r.VNets[1].Subnets) != 1 || r.VNets[1].Subnets[0].Name != "snet-train2" {
		t.Errorf("westus3 spoke %+v", r.VNets[1].Subnets)
	}
	for _, pe := range append(r.PrivateEndpoints, r.ComputeEndpoints...) {
		if pe.VNet != r.VNets[0].Name {
			t.Errorf("%s in %s, want the primary spoke", pe.Name, pe.VNet)
		}
	}
	// Without a hub, the extra spoke peers with the primary one.
	r, _ = Plan(testZone(func(z *spec.Zone) { noHub(z); z.Workloads = append(z.Workloads, spec.Workload{Name: "train2"}) }), testCatalog(t), pools, testStorage())
	if len(r.Peerings) != 2 || r.Peerings[0].RemoteVNet != r.VNets[0].Name || len(r.NATGateways) != 2 {
		t.Errorf("peerings %+v nat %d", r.Peerings, len(r.NATGateways))
	}
}

func TestPlanInfiniBandAvoidsRDMA(t *testing.T) {
	z := testZone(func(z *spec.Zone) { z.Network.AddressSpace = []string{"172.16.0.0/15"} })
	r, fs := Plan(z, testCatalog(t), testPools(), testStorage())
	noErrors(t, fs)
	if got := strings.Join(r.VNets[0].AddressSpace, ","); got != "172.17.0.0/16" {
		t.Errorf("address space %s, want 172.17.0.0/16", got)
	}
	for _, s := range r.VNets[0].Subnets {
		if netip.MustParsePrefix(s.Prefix).Overlaps(RDMAReserved) {
			t.Errorf("%s %s overlaps the RDMA range", s.Name, s.Prefix)
		}
	}
	if len(r.AddressPlan.Avoided) != 1 || !strings.Contains(r.AddressPlan.Avoided[0].Why, "InfiniBand") {
		t.Errorf("avoided %+v", r.AddressPlan.Avoided)
	}
	// Without InfiniBand the range is usable.
	pools := testPools()[1:]
	r, _ = Plan(z, testCatalog(t), pools, testStorage())
	if got := strings.Join(r.VNets[0].AddressSpace, ","); got != "172.16.0.0/15" {
		t.Errorf("without InfiniBand: address space %s", got)
	}
}

func TestPlanSpaceTooSmall(t *testing.T) {
	z := testZone(func(z *spec.Zone) { z.Network.AddressSpace = []string{"10.64.0.0/26"} })
	_, fs := Plan(z, testCatalog(t), testPools(), testStorage())
	var f *finding.Finding
	for i := range fs {
		if fs[i].Code == "network.space-too-small" {
			f = &fs[i]
		}
	}
	if f == nil || f.Severity != finding.Error || f.Path != "network.address_space" || !IsInputFinding(f.Code) {
		t.Fatalf("findings %+v", fs)
	}
	for _, w := range []string{"10.64.0.0/26 is too small: 256 addresses are needed and 64 are free", "snet-lustre needs a /25 (128 addresses) for Azure Managed Lustre", "at least a /24 for:", "snet-train /27 training pool"} {
		if !strings.Contains(f.Message, w) {
			t.Errorf("message %q does not say %q", f.Message, w)
		}
	}
}

func TestPlanHubDNSZones(t *testing.T) {
	z := testZone(nil)
	opt := DefaultOptions(z)
	id := "/subscriptions/x/resourceGroups/rg-dns/providers/Microsoft.Network/privateDnsZones/privatelink.blob.core.windows.net"
	opt.HubDNSZones = map[string]string{"privatelink.blob.core.windows.net": id}
	r, fs := PlanWith(z, testCatalog(t), testPools(), testStorage(), opt)
	noErrors(t, fs)
	if r.PrivateEndpoints[0].DNSZoneID != id || strings.Join(r.PrivateDNSZones, ",") != "privatelink.azurecr.io,privatelink.batch.azure.com,privatelink.vaultcore.azure.net" {
		t.Errorf("endpoints %+v zones %v", r.PrivateEndpoints, r.PrivateDNSZones)
	}
}

// TestPlatformDNSZonesFromZoneFile: with network.private_dns_zones every
// endpoint registers in the platform's zone and the zone creates none.
func TestPlatformDNSZonesFromZoneFile(t *testing.T) {
	z := testZone(nil)
	rg := "/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg-dns"
	z.Network.PrivateDNSZones = rg
	r, fs := Plan(z, testCatalog(t), testPools(), testStorage())
	noErrors(t, fs)
	if len(r.PrivateDNSZones) != 0 {
		t.Errorf("the zone creates DNS zones %v although the platform has them", r.PrivateDNSZones)
	}
	for _, pe := range append(append([]PrivateEndpoint{}, r.PrivateEndpoints...), r.ComputeEndpoints...) {
		if want := PlatformDNSZoneID(rg, pe.DNSZone); pe.DNSZoneID != want {
			t.Errorf("%s registers in %q, want %q", pe.Name, pe.DNSZoneID, want)
		}
	}
}

func TestPlanAKSFlat(t *testing.T) {
	z := testZone(nil)
	opt := DefaultOptions(z)
	opt.AKSMode = AKSFlat
	r, _ := PlanWith(z, testCatalog(t), testPools(), testStorage(), opt)
	s := subnetsOf(r)["vnet-ai-eastus/snet-serve"]
	// (4 + 1 + 1) × 31 = 186 → a /24.
	if !strings.HasSuffix(s.Prefix, "/24") || r.AKS.PodCIDR != "" || r.AKS.MaxPods != DefaultFlatMaxPods {
		t.Errorf("flat: %+v %+v", s, r.AKS)
	}
	for _, n := range r.NSGs {
		for _, ru := range n.Rules {
			if ru.Name == "allow-aks-overlay-inbound" {
				t.Errorf("%s has the overlay rule in a flat network", n.Name)
			}
		}
	}
}

func TestPlanNetApp(t *testing.T) {
	st := testStorage()
	st.HotTier = storage.HotTier{Kind: "netapp"}
	r, _ := Plan(testZone(noHub), testCatalog(t), testPools(), st)
	s := subnetsOf(r)["vnet-ai-eastus/"+NetAppSubnet]
	if !strings.HasSuffix(s.Prefix, "/26") || s.Delegation != "Microsoft.Netapp/volumes" || s.NATGateway != "" {
		t.Errorf("netapp subnet %+v", s)
	}
}

// TestPlanProperties plans random zones and checks what must always hold:
// no two prefixes overlap; none overlaps on-premises, the hub, or the RDMA
// range when InfiniBand is used; every subnet holds its contents plus
// headroom and sits in its VNet; the AKS ranges are clear of all of these;
// the same zone gives the same plan.
func TestPlanProperties(t *testing.T) {
	c := testCatalog(t)
	rnd := rand.New(rand.NewPCG(5, 5))
	regions := []string{"eastus", "westus3", "westeurope"}
	orchs := []string{"batch", "aks", "vmss", "slurm"}
	planned := 0
	for iter := 0; iter < 300; iter++ {
		z := testZone(nil)
		space := netip.PrefixFrom(addr(10<<24|rnd.Uint32N(1<<24)), 12+rnd.IntN(11)).Masked()
		z.Network.AddressSpace = []string{space.String()}
		if rnd.IntN(4) == 0 {
			z.Network.AddressSpace = []string{"172.16.0.0/13"}
			space = netip.MustParsePrefix("172.16.0.0/13")
		}
		other := func() netip.Prefix {
			for {
				p := netip.PrefixFrom(addr(rnd.Uint32N(1<<32-1)|1<<31), 16+rnd.IntN(8)).Masked()
				if !p.Overlaps(space) && p.Addr().IsPrivate() {
					return p
				}
			}
		}
		switch rnd.IntN(3) {
		case 0:
			noHub(z)
		case 1:
			z.Network.Hub.AddressSpace = []string{other().String()}
			z.Network.Hub.FirewallIP = ""
		default:
			h := other()
			z.Network.Hub.AddressSpace = []string{h.String()}
			z.Network.Hub.FirewallIP = nthAddr(h, 4).String()
		}
		if rnd.IntN(2) == 0 {
			z.Network.OnPremises = []string{other().String()}
		}
		var pools []compute.Pool
		z.Workloads = nil
		for n := 1 + rnd.IntN(5); n > 0; n-- {
			name := fmt.Sprintf("w%d", n)
			z.Workloads = append(z.Workloads, spec.Workload{Name: name})
			pools = append(pools, compute.Pool{Workload: name, Kind: "training", SKU: "Standard_ND96isr_H100_v5",
				Region: regions[rnd.IntN(len(regions))], Nodes: 1 + rnd.IntN(300), Orchestrator: orchs[rnd.IntN(len(orchs))], InfiniBand: rnd.IntN(2) == 0})
		}
		st := testStorage()
		st.HotTier.CapacityTiB = float64(4 * (1 + rnd.IntN(100)))
		r, fs := Plan(z, c, pools, st)
		if hasCode(fs, "network.space-too-small") {
			continue
		}
		noErrors(t, fs)
		planned++
		usesIB := false
		for _, p := range pools {
			usesIB = usesIB || p.InfiniBand
		}
		var forbidden []netip.Prefix
		for _, s := range append(append([]string{}, z.Network.OnPremises...), z.Network.Hub.AddressSpace...) {
			forbidden = append(forbidden, netip.MustParsePrefix(s))
		}
		if usesIB {
			forbidden = append(forbidden, RDMAReserved)
		}
		var all []netip.Prefix
		for _, v := range r.VNets {
			var vs []netip.Prefix
			for _, a := range v.AddressSpace {
				vs = append(vs, netip.MustParsePrefix(a))
			}
			if overlapsAnyOf(vs, forbidden) {
				t.Fatalf("zone %d: VNet %s %v overlaps %v", iter, v.Name, vs, forbidden)
			}
			for _, s := range v.Subnets {
				p := netip.MustParsePrefix(s.Prefix)
				if overlapsAny(p, all) || overlapsAny(p, forbidden) {
					t.Fatalf("zone %d: %s %s overlaps", iter, s.Name, p)
				}
				if !containedIn(p, vs) {
					t.Fatalf("zone %d: %s %s outside VNet %v", iter, s.Name, p, vs)
				}
				if s.Usable < s.Needed || s.Usable < s.Hosts {
					t.Fatalf("zone %d: %s holds %d, needs %d", iter, s.Name, s.Usable, s.Needed)
				}
				all = append(all, p)
			}
		}
		if r.AKS != nil {
			for _, a := range []string{r.AKS.PodCIDR, r.AKS.ServiceCIDR} {
				if a == "" {
					continue
				}
				p := netip.MustParsePrefix(a)
				if overlapsAny(p, all) || overlapsAny(p, forbidden) || p.Overlaps(space) {
					t.Fatalf("zone %d: AKS range %s overlaps", iter, p)
				}
			}
		}
		again, _ := Plan(z, c, pools, st)
		a, _ := json.Marshal(r)
		b, _ := json.Marshal(again)
		if string(a) != string(b) {
			t.Fatalf("zone %d: two plans differ", iter)
		}
	}
	if planned < 150 {
		t.Errorf("only %d of 300 random zones fit their space; the generator is too tight to test much", planned)
	}
	t.Logf("%d of 300 random zones planned and checked", planned)
}

func hasCode(fs finding.List, code string) bool {
	for _, f := range fs {
		if f.Code == code {
			return true
		}
	}
	return false
}

func overlapsAnyOf(a, b []netip.Prefix) bool {
	for _, p := range a {
		if overlapsAny(p, b) {
			return true
		}
	}
	return false
}

func containedIn(p netip.Prefix, list []netip.Prefix) bool {
	for _, q := range list {
		if q.Contains(p.Addr()) && p.Bits() >= q.Bits() {
			return true
		}
	}
	return false
}

func TestPlacement(t *testing.T) {
	c := testCatalog(t)
	tests := []struct {
		name string
		pool compute.Pool
		code string
		sev  string
	}{
		{"multi-node training without a placement group", compute.Pool{Workload: "w", Kind: "training", SKU: "Standard_ND96isr_H100_v5", Nodes: 4}, "network.placement-group", finding.Warning},
		{"placement group across zones", compute.Pool{Workload: "w", Kind: "training", SKU: "Standard_ND96isr_H100_v5", Nodes: 4, PlacementGroup: true, Zones: []string{"1", "2"}}, "network.placement-zones", finding.Error},
		{"InfiniBand past one scale set", compute.Pool{Workload: "w", Kind: "training", SKU: "Standard_ND96isr_H100_v5", Nodes: compute.MaxIBScaleSetNodesRaised + 1, PlacementGroup: true, InfiniBand: true}, "network.infiniband-scale-set", finding.Error},
		{"InfiniBand on AKS", compute.Pool{Workload: "w", Kind: "training", SKU: "Standard_ND96isr_H100_v5", Nodes: 2, PlacementGroup: true, InfiniBand: true, Orchestrator: "aks"}, "network.aks-infiniband", finding.Info},
		{"no accelerated networking", compute.Pool{Workload: "w", Kind: "inference", SKU: "Standard_NCC40ads_H100_v5", Nodes: 1}, "network.accelerated-networking", finding.Warning},
		{"one zone with its placement group", compute.Pool{Workload: "w", Kind: "training", SKU: "Standard_ND96isr_H100_v5", Nodes: compute.MaxIBScaleSetNodesRaised, PlacementGroup: true, InfiniBand: true, Zones: []string{"1"}}, "", ""},
	}
	for _, tt := range tests {
		var fs finding.List
		pl := checkPlacement(c, []compute.Pool{tt.pool}, map[string]int{"w": 2}, &fs)
		if tt.code == "" {
			if len(fs) != 0 || !pl[0].OK {
				t.Errorf("%s: findings %v", tt.name, fs)
			}
			continue
		}
		if len(fs) != 1 || fs[0].Code != tt.code || fs[0].Severity != tt.sev || fs[0].Path != "workloads[2]" {
			t.Errorf("%s: findings %+v, want %s (%s)", tt.name, fs, tt.code, tt.sev)
		}
		if pl[0].OK != (tt.sev != finding.Error) {
			t.Errorf("%s: ok=%v", tt.name, pl[0].OK)
		}
	}
}
