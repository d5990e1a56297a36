package network

import (
	"strings"
	"testing"

	"github.com/aizone/aizone/spec"
)

// TestRecommendCircuit checks each circuit boundary: exactly a size takes
// that size, a bit more takes the next; past 10 Gbps ExpressRoute Direct.
func TestRecommendCircuit(t *testing.T) {
	c := testCatalog(t)
	tests := []struct {
		mbps    float64
		circuit float64
		direct  bool
		port    string
	}{
		{0, 50, false, ""},
		{50, 50, false, ""},
		{50.001, 100, false, ""},
		{100, 100, false, ""},
		{200, 200, false, ""},
		{200.5, 500, false, ""},
		{500, 500, false, ""},
		{1000, 1000, false, ""},
		{1000.1, 2000, false, ""},
		{2000, 2000, false, ""},
		{2001, 5000, false, ""},
		{5000, 5000, false, ""},
		{5001, 10000, false, ""},
		{10000, 10000, false, ""},
		{10001, 40000, true, "100 Gbps"},
		{40000, 40000, true, "100 Gbps"},
		{40001, 100000, true, "100 Gbps"},
		{100000, 100000, true, "100 Gbps"},
	}
	for _, tt := range tests {
		r := Recommend(c, tt.mbps*1e6, Path{})
		if r.CircuitMbps != tt.circuit || r.Direct != tt.direct || r.DirectPort != tt.port {
			t.Errorf("%v Mbps: got %v Mbps direct=%v port=%q (%s), want %v direct=%v port=%q", tt.mbps, r.CircuitMbps, r.Direct, r.DirectPort, r.Circuit, tt.circuit, tt.direct, tt.port)
		}
	}
	r := Recommend(c, 100_001e6, Path{})
	if r.Circuit != "none" || !strings.Contains(r.Note, "largest ExpressRoute circuit (100 Gbps Direct)") {
		t.Errorf("beyond 100 Gbps: %+v", r)
	}
}

// TestChooseGateway checks each gateway boundary: the fixed AZ SKUs up to
// 10 Gbps, then ErGwScale in 1-Gbps units up to 40, capped there.
func TestChooseGateway(t *testing.T) {
	c := testCatalog(t)
	tests := []struct {
		mbps     float64
		name     string
		units    int
		gwMbps   float64
		fastPath bool
	}{
		{50, "ErGw1AZ", 0, 1000, false},
		{1000, "ErGw1AZ", 0, 1000, false},
		{1001, "ErGw2AZ", 0, 2000, false},
		{2000, "ErGw2AZ", 0, 2000, false},
		{2001, "ErGw3AZ", 0, 10000, true},
		{10000, "ErGw3AZ", 0, 10000, true},
		{10001, "ErGwScale", 11, 11000, true},
		{40000, "ErGwScale", 40, 40000, true},
		{100000, "ErGwScale", 40, 40000, true}, // capped: the largest gateway
	}
	for _, tt := range tests {
		g := chooseGateway(c, tt.mbps)
		if g.name != tt.name || g.units != tt.units || g.mbps != tt.gwMbps || g.fastPath != tt.fastPath {
			t.Errorf("%v Mbps: got %+v, want %s %d units %v Mbps fastpath=%v", tt.mbps, g, tt.name, tt.units, tt.gwMbps, tt.fastPath)
		}
	}
	// The FastPath threshold of ErGwScale is 10 units.
	c2 := *c
	c2.Network.Gateways = nil
	for _, g := range c.Network.Gateways {
		if g.ScaleUnits > 0 {
			c2.Network.Gateways = append(c2.Network.Gateways, g)
		}
	}
	for _, tt := range []struct {
		mbps float64
		fp   bool
	}{{9000, false}, {10000, true}} {
		if g := chooseGateway(&c2, tt.mbps); g.fastPath != tt.fp {
			t.Errorf("ErGwScale for %v Mbps: fastpath %v, want %v", tt.mbps, g.fastPath, tt.fp)
		}
	}
	r := Recommend(c, 100_000e6, Path{})
	if !strings.Contains(r.Note, "caps traffic through it at 40 Gbps") {
		t.Errorf("100 Gbps circuit: want a note on the gateway cap, got %q", r.Note)
	}
}

func TestFastPath(t *testing.T) {
	ultra := gatewayChoice{name: "ErGw3AZ", mbps: 10000, fastPath: true}
	small := gatewayChoice{name: "ErGw1AZ", mbps: 1000}
	tests := []struct {
		name   string
		g      gatewayChoice
		direct bool
		path   Path
		want   bool
	}{
		{"gateway without FastPath", small, true, Path{}, false},
		{"provider circuit to the gateway's VNet", ultra, false, Path{}, true},
		{"provider circuit to a peered spoke", ultra, false, Path{Peered: true}, false},
		{"provider circuit to a private endpoint", ultra, false, Path{PrivateEndpoint: true}, false},
		{"Direct to a peered spoke in the region", ultra, true, Path{Peered: true, PrivateEndpoint: true}, true},
		{"Direct across regions", ultra, true, Path{Peered: true, CrossRegion: true}, false},
	}
	for _, tt := range tests {
		got, note := fastPath(tt.g, tt.direct, tt.path)
		if got != tt.want || note == "" {
			t.Errorf("%s: %v %q, want %v", tt.name, got, note, tt.want)
		}
	}
}

// TestCircuitSKU checks the SKU by geography.
func TestCircuitSKU(t *testing.T) {
	tests := []struct {
		name string
		path Path
		sku  string
		why  string
	}{
		{"no region", Path{}, SKUStandard, "no region given"},
		{"one region", Path{Regions: []string{"eastus"}}, SKUStandard, "eastus is in North America"},
		{"one geography", Path{Regions: []string{"eastus", "westus2"}}, SKUStandard, "eastus, westus2 are in North America"},
		{"metro peering", Path{Regions: []string{"uksouth"}, PeeringInMetro: true}, SKULocal, "metro of uksouth"},
		{"metro peering but two regions", Path{Regions: []string{"uksouth", "ukwest"}, PeeringInMetro: true}, SKUStandard, "Europe"},
		{"across geographies", Path{Regions: []string{"eastus", "westeurope"}}, SKUPremium, "westeurope in Europe; eastus in North America"},
		{"inferred geography", Path{Regions: []string{"swedencentral"}}, SKUStandard, "swedencentral inferred"},
		{"unknown region", Path{Regions: []string{"eastus", "marsnorth"}}, SKUPremium, "unknown (marsnorth)"},
	}
	for _, tt := range tests {
		sku, why := circuitSKU(tt.path, 1000)
		if sku != tt.sku || !strings.Contains(why, tt.why) {
			t.Errorf("%s: %s %q, want %s with %q", tt.name, sku, why, tt.sku, tt.why)
		}
	}
}

func TestGeography(t *testing.T) {
	for r, want := range map[string]string{"eastus": "North America", "westeurope": "Europe", "japaneast": "Japan", "swedencentral": "Europe"} {
		if got, _ := Geography(r); got != want {
			t.Errorf("Geography(%s) = %q, want %q", r, got, want)
		}
	}
	// Every region a zone file accepts has a geography.
	for _, r := range spec.RegionNames() {
		if a, _ := Geography(r); a == "" {
			t.Errorf("region %s has no geopolitical region", r)
		}
	}
}
