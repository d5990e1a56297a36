package network

import (
	"strings"
	"testing"

	"github.com/aizone/aizone/catalog"
)

func testCatalog(t testing.TB) *catalog.Catalog {
	t.Helper()
	c, err := catalog.Default()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestReservedSubnets checks each reserved subnet at its minimum and one
// bit below it.
func TestReservedSubnets(t *testing.T) {
	tests := []struct {
		name string
		bits int
		ok   bool
	}{
		{GatewaySubnet, 29, true}, // minimum /29 (N-ERGW)
		{GatewaySubnet, 30, false},
		{GatewaySubnet, 27, true},
		{FirewallSubnet, 26, true}, // exactly /26 (N-FW)
		{FirewallSubnet, 27, false},
		{FirewallSubnet, 25, true},
		{BastionSubnet, 26, true},
		{BastionSubnet, 27, false},
		{RouteServerSubnet, 26, true}, // /26 meets both documented minimums
		{RouteServerSubnet, 27, false},
	}
	for _, tt := range tests {
		err := CheckReserved(tt.name, tt.bits)
		if (err == nil) != tt.ok {
			t.Errorf("CheckReserved(%s, /%d) = %v, want ok=%v", tt.name, tt.bits, err, tt.ok)
		}
	}
	if err := CheckReserved("snet-x", 24); err == nil {
		t.Error("CheckReserved accepted a subnet that is not reserved")
	}
	for _, name := range []string{GatewaySubnet, FirewallSubnet, BastionSubnet, RouteServerSubnet} {
		min, ok := ReservedMin(name)
		size := reservedRules[name].size
		if !ok || size > min {
			t.Errorf("%s: planned size /%d is smaller than the minimum /%d", name, size, min)
		}
	}
}

func TestGatewaySubnetBits(t *testing.T) {
	for _, tt := range []struct{ circuits, bits int }{{0, 27}, {1, 27}, {15, 27}, {16, 26}, {17, 26}} {
		if got := GatewaySubnetBits(tt.circuits); got != tt.bits {
			t.Errorf("GatewaySubnetBits(%d) = /%d, want /%d", tt.circuits, got, tt.bits)
		}
	}
}

// TestPoolSubnet checks the boundaries where headroom tips a pool into the
// next subnet size: nodes + ceil(25%) addresses beside Azure's five.
func TestPoolSubnet(t *testing.T) {
	tests := []struct{ nodes, bits int }{
		{1, 29},   // 1 + 1 = 2 ≤ 3 usable
		{2, 29},   // 2 + 1 = 3
		{3, 28},   // 3 + 1 = 4 > 3
		{8, 28},   // 8 + 2 = 10 ≤ 11
		{9, 27},   // 9 + 3 = 12 > 11
		{21, 27},  // 21 + 6 = 27 ≤ 27
		{22, 26},  // 22 + 6 = 28
		{47, 26},  // 47 + 12 = 59 ≤ 59
		{48, 25},  // 48 + 12 = 60
		{148, 24}, // 148 + 37 = 185
		{200, 24}, // 200 + 50 = 250 ≤ 251
		{201, 23}, // 201 + 51 = 252
	}
	for _, tt := range tests {
		got, reason, err := PoolSubnet(tt.nodes)
		if err != nil || got != tt.bits {
			t.Errorf("PoolSubnet(%d) = /%d, %v; want /%d", tt.nodes, got, err, tt.bits)
		}
		if !strings.Contains(reason, "headroom") {
			t.Errorf("reason %q does not mention headroom", reason)
		}
	}
}

func TestAKSSubnet(t *testing.T) {
	tests := []struct {
		nodes   int
		mode    string
		maxPods int
		bits    int
		want    string
	}{
		// Overlay: nodes + headroom + 1 surge.
		{23, AKSOverlay, 0, 26, "23 nodes + 6 headroom + 1 upgrade surge = 30"},
		{20, AKSOverlay, 0, 27, "= 26 node addresses"},
		{21, AKSOverlay, 0, 26, "= 28 node addresses"},
		// Flat, N-AKS's example: 50 nodes grown by 10 plus one surge, 30
		// pods each: 61 + 61 × 30 = 1,891 → a /21.
		{48, AKSFlat, 30, 21, "× (1 node + 30 pods) = 1891"},
		{3, AKSFlat, 0, 24, "(3 nodes + 1 headroom + 1 upgrade surge) × (1 node + 30 pods) = 155"},
	}
	for _, tt := range tests {
		bits, reason, err := AKSSubnet(tt.nodes, tt.mode, tt.maxPods)
		if err != nil || bits != tt.bits || !strings.Contains(reason, tt.want) {
			t.Errorf("AKSSubnet(%d, %s, %d) = /%d %q %v; want /%d with %q", tt.nodes, tt.mode, tt.maxPods, bits, reason, err, tt.bits, tt.want)
		}
	}
}

// TestLustreSubnetBits checks every row boundary of the Managed Lustre
// subnet table (ST-AMLFS-PRE) and the extrapolation past it.
func TestLustreSubnetBits(t *testing.T) {
	c := testCatalog(t)
	tests := []struct {
		tib          float64
		bits         int
		extrapolated bool
	}{
		{4, 27, false}, {16, 27, false},
		{20, 26, false}, {40, 26, false},
		{44, 25, false}, {92, 25, false},
		{96, 24, false}, {196, 24, false},
		{200, 23, false}, {400, 23, false},
		{432, 22, true}, {800, 22, true},
		{848, 21, true}, {2560, 20, true},
	}
	for _, tt := range tests {
		bits, ex, src := LustreSubnetBits(c, tt.tib)
		if bits != tt.bits || ex != tt.extrapolated || src == "" {
			t.Errorf("LustreSubnetBits(%v) = /%d, %v, %q; want /%d, %v", tt.tib, bits, ex, src, tt.bits, tt.extrapolated)
		}
	}
}

func TestPrivateEndpointSubnet(t *testing.T) {
	for _, tt := range []struct{ n, bits int }{{0, 27}, {3, 27}, {11, 27}, {12, 26}} {
		s, err := privateEndpointSubnet(tt.n)
		if err != nil || s.bits != tt.bits {
			t.Errorf("privateEndpointSubnet(%d) = /%d %v, want /%d", tt.n, s.bits, err, tt.bits)
		}
	}
}
