package network

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/aizone/aizone/catalog"
)

// Circuit SKUs (N-ERFAQ): Local reaches one or two regions in the metro of
// its peering location and includes data transfer in its price; Standard
// reaches every region of the peering location's geopolitical region;
// Premium reaches all regions.
const (
	SKULocal    = "Local"
	SKUStandard = "Standard"
	SKUPremium  = "Premium"
)

// directPorts are the ExpressRoute Direct port pairs and the circuit sizes
// each carries (N-ERD).
var directPorts = []struct {
	mbps     float64
	circuits []float64
}{
	{10_000, []float64{1_000, 2_000, 5_000, 10_000}},
	{100_000, []float64{5_000, 10_000, 40_000, 100_000}},
}

// Recommended is the ExpressRoute setup that carries a transfer: circuit,
// SKU, gateway and whether FastPath applies, each with why.
type Recommended struct {
	Circuit      string  `json:"circuit"`
	CircuitMbps  float64 `json:"circuit_mbps"`
	Direct       bool    `json:"direct,omitempty"`
	DirectPort   string  `json:"direct_port,omitempty"`
	SKU          string  `json:"sku"`
	SKUReason    string  `json:"sku_reason,omitempty"`
	Gateway      string  `json:"gateway"`
	GatewayMbps  float64 `json:"gateway_mbps,omitempty"`
	ScaleUnits   int     `json:"scale_units,omitempty"`
	FastPath     bool    `json:"fastpath"`
	FastPathNote string  `json:"fastpath_note,omitempty"`
	Note         string  `json:"note,omitempty"`
}

// Path is where a transfer goes, for the choices that depend on it.
type Path struct {
	// Regions are the Azure regions the circuit must reach (empty: not
	// known; SKU Standard).
	Regions []string
	// PeeringInMetro says the peering location is in the metro of the
	// single region, which makes a Local circuit possible.
	PeeringInMetro bool
	// Peered: the data lands in a spoke peered to the gateway's VNet, not
	// in the gateway's VNet itself.
	Peered bool
	// PrivateEndpoint: the data lands on a private endpoint.
	PrivateEndpoint bool
	// CrossRegion: the spoke is in another region than the gateway.
	CrossRegion bool
}

func bandwidthName(mbps float64) string {
	if mbps >= 1000 {
		return fmt.Sprintf("%g Gbps", mbps/1000)
	}
	return fmt.Sprintf("%g Mbps", mbps)
}

// Recommend picks, for a needed rate in bits per second, the smallest
// provider circuit that carries it (50 Mbps to 10 Gbps), or an
// ExpressRoute Direct circuit above that; the SKU the path's regions
// need; the smallest gateway whose throughput covers the circuit; and
// whether FastPath carries the data.
func Recommend(c *catalog.Catalog, neededBps float64, r Path) Recommended {
	var rec Recommended
	mbps := neededBps / 1e6
	ci, ok := chooseCircuit(c, mbps)
	if !ok {
		rec.Circuit = "none"
		rec.Note = fmt.Sprintf("%s is more than the largest ExpressRoute circuit (%s Direct) carries", bandwidthName(math.Ceil(mbps)), bandwidthName(largestCircuit(c)))
		rec.SKU, rec.SKUReason = circuitSKU(r, 0)
		return rec
	}
	rec.CircuitMbps, rec.Direct = ci.Mbps, ci.Direct
	rec.Circuit = bandwidthName(ci.Mbps)
	if ci.Direct {
		port := directPort(ci.Mbps)
		rec.DirectPort = bandwidthName(port)
		rec.Circuit = fmt.Sprintf("%s on an ExpressRoute Direct %s port pair", rec.Circuit, rec.DirectPort)
	}
	rec.SKU, rec.SKUReason = circuitSKU(r, ci.Mbps)
	g := chooseGateway(c, ci.Mbps)
	rec.Gateway, rec.GatewayMbps, rec.ScaleUnits = g.name, g.mbps, g.units
	if g.units > 0 {
		rec.Gateway = fmt.Sprintf("%s (%d scale units)", g.name, g.units)
	}
	if g.mbps < ci.Mbps {
		rec.Note = fmt.Sprintf("no gateway carries %s: the largest, %s, caps traffic through it at %s unless FastPath bypasses it",
			bandwidthName(ci.Mbps), rec.Gateway, bandwidthName(g.mbps))
	}
	rec.FastPath, rec.FastPathNote = fastPath(g, ci.Direct, r)
	return rec
}

// chooseCircuit is the smallest provider circuit of at least mbps, else the
// smallest Direct circuit.
func chooseCircuit(c *catalog.Catalog, mbps float64) (catalog.Circuit, bool) {
	list := append([]catalog.Circuit{}, c.Network.Circuits...)
	sort.SliceStable(list, func(i, j int) bool {
		if list[i].Direct != list[j].Direct {
			return !list[i].Direct // provider circuits first
		}
		return list[i].Mbps < list[j].Mbps
	})
	for _, ci := range list {
		if ci.Mbps >= mbps {
			return ci, true
		}
	}
	return catalog.Circuit{}, false
}

func largestCircuit(c *catalog.Catalog) float64 {
	m := 0.0
	for _, ci := range c.Network.Circuits {
		m = math.Max(m, ci.Mbps)
	}
	return m
}

// directPort is the smallest Direct port pair that offers a circuit of
// mbps.
func directPort(mbps float64) float64 {
	for _, p := range directPorts {
		for _, ci := range p.circuits {
			if ci == mbps {
				return p.mbps
			}
		}
	}
	return directPorts[len(directPorts)-1].mbps
}

// circuitSKU chooses by geography: Premium when the regions span
// geopolitical regions, Local when one region sits in the peering
// location's metro, Standard otherwise.
func circuitSKU(r Path, circuitMbps float64) (string, string) {
	areas := map[string][]string{}
	var inferred []string
	for _, reg := range r.Regions {
		a, listed := Geography(reg)
		if a == "" {
			a = "unknown (" + reg + ")"
		} else if !listed {
			inferred = append(inferred, reg)
		}
		areas[a] = append(areas[a], reg)
	}
	var names []string
	for a := range areas {
		names = append(names, a)
	}
	sort.Strings(names)
	note := ""
	if len(inferred) > 0 {
		note = fmt.Sprintf(" (geography of %s inferred from its country; the stored locations table predates it)", strings.Join(inferred, ", "))
	}
	switch {
	case len(r.Regions) == 0:
		return SKUStandard, "no region given: a Standard circuit reaches every region in its peering location's geopolitical region"
	case len(names) > 1:
		var parts []string
		for _, a := range names {
			parts = append(parts, strings.Join(areas[a], ", ")+" in "+a)
		}
		return SKUPremium, "the regions span geopolitical regions (" + strings.Join(parts, "; ") + "); only Premium connects across them" + note
	case len(r.Regions) == 1 && r.PeeringInMetro:
		return SKULocal, fmt.Sprintf("the peering location is in the metro of %s: a Local circuit reaches it and includes data transfer in its price", r.Regions[0]) + note
	default:
		return SKUStandard, fmt.Sprintf("%s %s in %s, which a Standard circuit reaches from any peering location there; Local would do if the peering location is in the metro of a single region",
			strings.Join(areas[names[0]], ", "), isAre(len(areas[names[0]])), names[0]) + note
	}
}

func isAre(n int) string {
	if n == 1 {
		return "is"
	}
	return "are"
}

type gatewayChoice struct {
	name     string
	mbps     float64
	units    int
	fastPath bool
}

// chooseGateway is the smallest fixed ExpressRoute gateway SKU whose
// throughput covers mbps, else ErGwScale with enough 1-Gbps scale units
// (catalog expressroute_gateways, N-ERPERF, N-ERGW2), capped at its
// largest size.
func chooseGateway(c *catalog.Catalog, mbps float64) gatewayChoice {
	var fixed, scale []catalog.Gateway
	for _, g := range c.Network.Gateways {
		if g.ScaleUnits > 0 {
			scale = append(scale, g)
		} else {
			fixed = append(fixed, g)
		}
	}
	sort.SliceStable(fixed, func(i, j int) bool { return fixed[i].Mbps < fixed[j].Mbps })
	for _, g := range fixed {
		if g.Mbps >= mbps {
			return gatewayChoice{name: g.Name, mbps: g.Mbps, fastPath: g.FastPath}
		}
	}
	if len(scale) == 0 {
		if len(fixed) == 0 {
			return gatewayChoice{name: "none"}
		}
		g := fixed[len(fixed)-1]
		return gatewayChoice{name: g.Name, mbps: g.Mbps, fastPath: g.FastPath}
	}
	perUnit, maxUnits, fpUnits := math.Inf(1), 0, math.MaxInt
	for _, g := range scale {
		perUnit = math.Min(perUnit, g.Mbps/float64(g.ScaleUnits))
		maxUnits = max(maxUnits, g.ScaleUnits)
		if g.FastPath {
			fpUnits = min(fpUnits, g.ScaleUnits)
		}
	}
	units := int(math.Ceil(mbps / perUnit))
	units = min(max(units, 1), maxUnits)
	return gatewayChoice{name: scale[0].Name, mbps: float64(units) * perUnit, units: units, fastPath: units >= fpUnits}
}

// fastPath says whether FastPath carries the data past the gateway (N-FP):
// the gateway must support it; over a provider circuit it reaches only the
// gateway's own VNet; peered spokes (same region) and private endpoints
// need ExpressRoute Direct.
func fastPath(g gatewayChoice, direct bool, r Path) (bool, string) {
	switch {
	case !g.fastPath:
		return false, "FastPath needs an ErGw3AZ (Ultra Performance) gateway or ErGwScale with 10 or more scale units"
	case !direct && (r.Peered || r.PrivateEndpoint):
		return false, "over a provider circuit FastPath reaches only the gateway's own VNet; the data lands in a peered spoke, so it passes the gateway (FastPath to spokes and private endpoints needs ExpressRoute Direct)"
	case r.CrossRegion:
		return false, "FastPath does not cross global VNet peering: the spoke is in another region than the gateway"
	case r.Peered || r.PrivateEndpoint:
		return true, "FastPath over ExpressRoute Direct reaches peered spokes in the gateway's region and private endpoints (limited GA); enable it on the connection"
	default:
		return true, "the gateway supports FastPath: enable it on the connection so data bypasses the gateway"
	}
}
