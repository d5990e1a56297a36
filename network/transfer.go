package network

import (
	"fmt"
	"math"

	"github.com/aizone/aizone/catalog"
	"github.com/aizone/aizone/finding"
	"github.com/aizone/aizone/spec"
	"github.com/aizone/aizone/units"
)

// DefaultEfficiency is the share of a circuit's bandwidth a bulk copy
// sustains (TCP over a long path, protocol overhead, other traffic).
const DefaultEfficiency = 0.8

// Transfer is the time to move data into Azure and the ExpressRoute
// capacity to do it in its window.
type Transfer struct {
	Data         string      `json:"data,omitempty"`
	Bytes        int64       `json:"bytes"`
	BandwidthBps float64     `json:"bandwidth_bps"`
	Efficiency   float64     `json:"efficiency"`
	Seconds      float64     `json:"seconds"`
	Days         float64     `json:"days"`
	WindowDays   float64     `json:"window_days,omitempty"`
	FitsWindow   bool        `json:"fits_window"`
	NeededBps    float64     `json:"needed_bps,omitempty"`
	Recommended  Recommended `json:"recommended"`
	Note         string      `json:"note,omitempty"`
}

// Recommended is the ExpressRoute setup that carries the transfer.
type Recommended struct {
	Circuit  string `json:"circuit"`
	SKU      string `json:"sku"`
	Gateway  string `json:"gateway"`
	FastPath bool   `json:"fastpath"`
}

// EstimateTransfer computes the time to move size at bandwidth (bits/s) and
// efficiency, and the circuit and gateway that would make window (0 = none).
func EstimateTransfer(c *catalog.Catalog, size units.Bytes, bandwidth units.Bandwidth, efficiency float64, window units.Duration) Transfer {
	if efficiency <= 0 || efficiency > 1 {
		efficiency = DefaultEfficiency
	}
	t := Transfer{Bytes: int64(size), BandwidthBps: float64(bandwidth), Efficiency: efficiency}
	if bandwidth > 0 {
		t.Seconds = math.Round(float64(size) * 8 / (float64(bandwidth) * efficiency))
		t.Days = math.Round(t.Seconds/86400*100) / 100
	}
	t.FitsWindow = true
	target := float64(bandwidth)
	if window > 0 {
		t.WindowDays = window.Days()
		t.NeededBps = math.Ceil(float64(size) * 8 / (window.Seconds() * efficiency))
		t.FitsWindow = bandwidth > 0 && t.Seconds <= window.Seconds()
		target = math.Max(target, t.NeededBps)
		if bandwidth > 0 && t.FitsWindow {
			target = float64(bandwidth)
		}
	}
	t.Recommended = recommend(c, target)
	return t
}

// recommend picks the smallest circuit at or above bps, and the smallest
// gateway whose throughput covers it.
func recommend(c *catalog.Catalog, bps float64) Recommended {
	var r Recommended
	mbps := bps / 1e6
	var circuit *catalog.Circuit
	for i := range c.Network.Circuits {
		ci := &c.Network.Circuits[i]
		if ci.Mbps >= mbps && (circuit == nil || ci.Mbps < circuit.Mbps || (ci.Mbps == circuit.Mbps && !ci.Direct)) {
			circuit = ci
		}
	}
	if circuit == nil {
		r.Circuit = "beyond 100 Gbps ExpressRoute Direct"
		return r
	}
	r.Circuit = bandwidthName(circuit.Mbps)
	if circuit.Direct {
		r.Circuit = "ExpressRoute Direct " + r.Circuit
	}
	r.SKU = "Standard"
	var gw *catalog.Gateway
	for i := range c.Network.Gateways {
		g := &c.Network.Gateways[i]
		if g.Mbps >= circuit.Mbps && (gw == nil || g.Mbps < gw.Mbps) {
			gw = g
		}
	}
	if gw != nil {
		r.Gateway = gw.Name
		if gw.ScaleUnits > 0 {
			r.Gateway = fmt.Sprintf("%s (%d scale units)", gw.Name, gw.ScaleUnits)
		}
		r.FastPath = gw.FastPath && circuit.Mbps >= 10000
	}
	return r
}

func bandwidthName(mbps float64) string {
	if mbps >= 1000 {
		return fmt.Sprintf("%g Gbps", mbps/1000)
	}
	return fmt.Sprintf("%g Mbps", mbps)
}

// transfers estimates each on-premises or cross-region data entry.
func transfers(z *spec.Zone, c *catalog.Catalog, fs *finding.List) []Transfer {
	out := []Transfer{}
	for i, d := range z.Data {
		if d.Origin != "on-premises" {
			continue
		}
		window := d.TransferWindow
		if window == 0 {
			window = 30 * units.Day
		}
		t := EstimateTransfer(c, d.Size, 0, DefaultEfficiency, window)
		t.Data = d.Name
		// With no circuit given, plan the one that makes the window.
		if t.NeededBps > 0 {
			bw := circuitBps(c, t.NeededBps)
			t = EstimateTransfer(c, d.Size, units.Bandwidth(bw), DefaultEfficiency, window)
			t.Data = d.Name
		}
		if !t.FitsWindow {
			t.Note = "no ExpressRoute circuit makes the window; ship the data with Azure Data Box"
			fs.Add(finding.Warning, "network.transfer-window", fmt.Sprintf("data[%d].transfer_window", i),
				fmt.Sprintf("%s of %q cannot cross ExpressRoute in %s; use Azure Data Box or extend the window", d.Size, d.Name, window))
		}
		out = append(out, t)
	}
	return out
}

// circuitBps is the smallest circuit carrying needed bits/s, or the largest.
func circuitBps(c *catalog.Catalog, needed float64) float64 {
	best, largest := 0.0, 0.0
	for _, ci := range c.Network.Circuits {
		bps := ci.Mbps * 1e6
		largest = math.Max(largest, bps)
		if bps >= needed && (best == 0 || bps < best) {
			best = bps
		}
	}
	if best == 0 {
		return largest
	}
	return best
}
