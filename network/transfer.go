package network

import (
	"errors"
	"fmt"
	"math"
	"sort"

	"github.com/aizone/aizone/catalog"
	"github.com/aizone/aizone/finding"
	"github.com/aizone/aizone/spec"
	"github.com/aizone/aizone/units"
)

// DefaultEfficiency is the share of a circuit's bandwidth a bulk copy
// sustains (TCP over a long path, protocol overhead, other traffic). It is
// an assumption, stated wherever it is used, and a flag of the CLI.
const DefaultEfficiency = 0.8

// DefaultTransferWindow is the window assumed for on-premises data whose
// zone entry gives none.
const DefaultTransferWindow = 30 * units.Day

// Transfer is the time to move data into Azure and the ExpressRoute
// capacity to do it within its window.
//
//	seconds = bytes × 8 / (bandwidth × efficiency)
//	needed  = bytes × 8 / (window × efficiency)
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
	StartDays    float64     `json:"start_days,omitempty"`  // plan: when it starts on the shared circuit
	FinishDays   float64     `json:"finish_days,omitempty"` // plan: when it is done
	Recommended  Recommended `json:"recommended"`
	DataBox      *DataBox    `json:"data_box,omitempty"`
	Note         string      `json:"note,omitempty"`
}

// TransferInput is what EstimateTransfer needs beside the catalog.
type TransferInput struct {
	Size units.Bytes
	// Bandwidth is the circuit rate in bits per second; 0 uses the
	// recommended circuit.
	Bandwidth  units.Bandwidth
	Efficiency float64        // share of the bandwidth sustained, (0, 1]
	Window     units.Duration // 0: no window
	Path       Path
}

// Errors of EstimateTransfer's input.
var (
	ErrSize       = errors.New("size must be positive")
	ErrEfficiency = errors.New("efficiency must be in (0, 1]")
	ErrNoRate     = errors.New("give a bandwidth, or a window to size the circuit from")
)

// EstimateTransfer computes the time to move in.Size at in.Bandwidth and
// in.Efficiency, the circuit, SKU and gateway that make in.Window (or that
// carry in.Bandwidth when there is no window), and, when the network cannot
// make the window, the Azure Data Box alternative with its time. aizone
// plan and aizone estimate transfer both call it.
func EstimateTransfer(c *catalog.Catalog, in TransferInput) (Transfer, error) {
	switch {
	case in.Size <= 0:
		return Transfer{}, ErrSize
	case in.Efficiency <= 0 || in.Efficiency > 1 || math.IsNaN(in.Efficiency):
		return Transfer{}, ErrEfficiency
	case in.Bandwidth < 0:
		return Transfer{}, fmt.Errorf("negative bandwidth %v", in.Bandwidth)
	case in.Bandwidth == 0 && in.Window <= 0:
		return Transfer{}, ErrNoRate
	}
	bits := float64(in.Size) * 8
	t := Transfer{Bytes: int64(in.Size), Efficiency: in.Efficiency, FitsWindow: true}
	target := float64(in.Bandwidth)
	if in.Window > 0 {
		t.WindowDays = in.Window.Days()
		t.NeededBps = math.Ceil(bits / (in.Window.Seconds() * in.Efficiency))
		target = t.NeededBps
	}
	t.Recommended = Recommend(c, target, in.Path)
	bw := float64(in.Bandwidth)
	if bw == 0 {
		// No circuit given: time it on the recommended one (the largest
		// when none is large enough).
		bw = t.Recommended.CircuitMbps * 1e6
		if bw == 0 {
			bw = largestCircuit(c) * 1e6
		}
	}
	t.BandwidthBps = bw
	t.Seconds = math.Round(bits / (bw * in.Efficiency))
	t.Days = round2(t.Seconds / 86400)
	if in.Window > 0 {
		t.FitsWindow = t.Seconds <= in.Window.Seconds()
	}
	if !t.FitsWindow {
		db := EstimateDataBox(in.Size, in.Efficiency, in.Window)
		t.DataBox = &db
		t.Note = fmt.Sprintf("the network cannot make the %s window (%.2f days needed at %s); Azure Data Box takes %.2f days", in.Window, t.Days, units.Bandwidth(bw), db.Days)
	}
	return t, nil
}

// ExpressRoute is the zone's connection to on-premises: the circuit and
// gateway sized for all on-premises data, and where the gateway is.
type ExpressRoute struct {
	Recommended
	NeededBps float64 `json:"needed_bps"`
	Where     string  `json:"where"`
	Reason    string  `json:"reason"`
}

// onPremData lists the zone's on-premises data with their windows, in
// order of deadline (earliest first, then name).
type onPremItem struct {
	index  int
	name   string
	size   units.Bytes
	window units.Duration
	dflt   bool
}

func onPremData(z *spec.Zone) []onPremItem {
	var out []onPremItem
	for i, d := range z.Data {
		if d.Origin != "on-premises" {
			continue
		}
		it := onPremItem{index: i, name: d.Name, size: d.Size, window: d.TransferWindow}
		if it.window <= 0 {
			it.window, it.dflt = DefaultTransferWindow, true
		}
		out = append(out, it)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].window != out[j].window {
			return out[i].window < out[j].window
		}
		return out[i].name < out[j].name
	})
	return out
}

// planTransfers sizes one circuit for all on-premises data and times each
// entry on it. Entries share the circuit earliest deadline first, so the
// rate that makes every window is
//
//	needed = max over k of (bytes of entries 1..k) × 8 / (window_k × efficiency)
//
// (for one entry, the rate of EstimateTransfer).
func planTransfers(c *catalog.Catalog, items []onPremItem, eff float64, route Path, fs *finding.List) ([]Transfer, *ExpressRoute) {
	out := []Transfer{}
	if len(items) == 0 {
		return out, nil
	}
	needed, cum := 0.0, 0.0
	for _, it := range items {
		cum += float64(it.size) * 8
		needed = math.Max(needed, math.Ceil(cum/(it.window.Seconds()*eff)))
	}
	rec := Recommend(c, needed, route)
	er := &ExpressRoute{Recommended: rec, NeededBps: needed,
		Reason: fmt.Sprintf("%s from on-premises needs %s at %.0f%% efficiency to make its window", items[0].name, units.Bandwidth(needed), eff*100)}
	if len(items) > 1 {
		er.Reason = fmt.Sprintf("%d on-premises data entries share one circuit, earliest deadline first; together they need %s at %.0f%% efficiency to make every window",
			len(items), units.Bandwidth(needed), eff*100)
	}
	bw := rec.CircuitMbps * 1e6
	if bw == 0 {
		bw = largestCircuit(c) * 1e6
	}
	start := 0.0
	for _, it := range items {
		t, err := EstimateTransfer(c, TransferInput{Size: it.size, Bandwidth: units.Bandwidth(bw), Efficiency: eff, Window: it.window, Path: route})
		if err != nil {
			// Sizes are validated positive by spec; keep going with the rest.
			fs.Add(finding.Error, "network.transfer", fmt.Sprintf("data[%d]", it.index), err.Error())
			continue
		}
		t.Data = it.name
		t.Recommended = rec
		t.StartDays = round2(start / 86400)
		finish := start + t.Seconds
		t.FinishDays = round2(finish / 86400)
		t.FitsWindow = finish <= it.window.Seconds()
		t.DataBox, t.Note = nil, ""
		if it.dflt {
			t.Note = fmt.Sprintf("no transfer_window given: a %s window is assumed", DefaultTransferWindow)
		}
		if !t.FitsWindow {
			db := EstimateDataBox(it.size, eff, it.window)
			t.DataBox = &db
			msg := fmt.Sprintf("%s of %q cannot cross ExpressRoute in its %s window (done after %.2f days on %s at %.0f%%); Azure Data Box: %d × %s in %.2f days",
				it.size, it.name, it.window, t.FinishDays, rec.Circuit, eff*100, db.Devices, db.Device, db.Days)
			if !db.FitsWindow {
				msg += ", also past the window: extend it"
			}
			t.Note = joinNote(t.Note, msg)
			fs.Add(finding.Warning, "network.transfer-window", fmt.Sprintf("data[%d].transfer_window", it.index), msg)
		}
		start = finish
		out = append(out, t)
	}
	return out, er
}

func joinNote(a, b string) string {
	if a == "" {
		return b
	}
	return a + "; " + b
}
