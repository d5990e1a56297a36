package network

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/aizone/aizone/finding"
	"github.com/aizone/aizone/units"
)

func TestEstimateTransfer(t *testing.T) {
	c := testCatalog(t)
	tests := []struct {
		name        string
		in          TransferInput
		seconds     float64
		fits        bool
		circuit     float64 // recommended circuit, Mbps
		needed      float64
		dataBox     bool
		gatewayName string
	}{
		{
			// 400 TB × 8 / (10 Gbps × 0.8) = 400,000 s = 4.63 days.
			name:    "400 TB over 10 Gbps, no window",
			in:      TransferInput{Size: 400 * units.TB, Bandwidth: 10e9, Efficiency: 0.8},
			seconds: 400_000, fits: true, circuit: 10000, gatewayName: "ErGw3AZ",
		},
		{
			// The window needs 400e12 × 8 / (14 d × 0.8) = 3.31 Gbps: a
			// 5 Gbps circuit; 10 Gbps makes it.
			name:    "400 TB in 14 days over 10 Gbps",
			in:      TransferInput{Size: 400 * units.TB, Bandwidth: 10e9, Efficiency: 0.8, Window: 14 * units.Day},
			seconds: 400_000, fits: true, circuit: 5000, needed: math.Ceil(400e12 * 8 / (14 * 86400 * 0.8)), gatewayName: "ErGw3AZ",
		},
		{
			name:    "400 TB in 14 days over 1 Gbps misses: Data Box",
			in:      TransferInput{Size: 400 * units.TB, Bandwidth: 1e9, Efficiency: 0.8, Window: 14 * units.Day},
			seconds: 4_000_000, fits: false, circuit: 5000, needed: math.Ceil(400e12 * 8 / (14 * 86400 * 0.8)), dataBox: true, gatewayName: "ErGw3AZ",
		},
		{
			name:    "no bandwidth: timed on the recommended circuit",
			in:      TransferInput{Size: 2 * units.TB, Efficiency: 0.8, Window: 2 * units.Day},
			seconds: 100_000, fits: true, circuit: 200, needed: math.Ceil(2e12 * 8 / (2 * 86400 * 0.8)), gatewayName: "ErGw1AZ",
		},
		{
			name:    "efficiency 1",
			in:      TransferInput{Size: 1 * units.TB, Bandwidth: 1e9, Efficiency: 1},
			seconds: 8000, fits: true, circuit: 1000, gatewayName: "ErGw1AZ",
		},
		{
			name:    "beyond every circuit: timed on the largest, Data Box",
			in:      TransferInput{Size: 100 * units.PB, Efficiency: 0.8, Window: 1 * units.Day},
			seconds: math.Round(100e15 * 8 / (100e9 * 0.8)), fits: false, circuit: 0, needed: math.Ceil(100e15 * 8 / (86400 * 0.8)), dataBox: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := EstimateTransfer(c, tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if got.Seconds != tt.seconds || got.FitsWindow != tt.fits || got.Recommended.CircuitMbps != tt.circuit || got.NeededBps != tt.needed || (got.DataBox != nil) != tt.dataBox {
				t.Errorf("got seconds %v fits %v circuit %v needed %v databox %v; want %v %v %v %v %v",
					got.Seconds, got.FitsWindow, got.Recommended.CircuitMbps, got.NeededBps, got.DataBox != nil, tt.seconds, tt.fits, tt.circuit, tt.needed, tt.dataBox)
			}
			if tt.gatewayName != "" && got.Recommended.Gateway != tt.gatewayName {
				t.Errorf("gateway %s, want %s", got.Recommended.Gateway, tt.gatewayName)
			}
			if got.Days != round2(got.Seconds/86400) {
				t.Errorf("days %v for %v s", got.Days, got.Seconds)
			}
			if tt.dataBox && !strings.Contains(got.Note, "Data Box") {
				t.Errorf("note %q does not offer Data Box", got.Note)
			}
		})
	}
}

func TestEstimateTransferErrors(t *testing.T) {
	c := testCatalog(t)
	for _, tt := range []struct {
		in   TransferInput
		want error
	}{
		{TransferInput{Size: 0, Bandwidth: 1e9, Efficiency: 0.8}, ErrSize},
		{TransferInput{Size: units.TB, Bandwidth: 1e9, Efficiency: 0}, ErrEfficiency},
		{TransferInput{Size: units.TB, Bandwidth: 1e9, Efficiency: 1.01}, ErrEfficiency},
		{TransferInput{Size: units.TB, Efficiency: 0.8}, ErrNoRate},
	} {
		if _, err := EstimateTransfer(c, tt.in); !errors.Is(err, tt.want) {
			t.Errorf("%+v: got %v, want %v", tt.in, err, tt.want)
		}
	}
}

func TestEstimateDataBox(t *testing.T) {
	tests := []struct {
		size    units.Bytes
		device  string
		devices int
	}{
		{50 * units.TB, "Azure Data Box 120", 1},
		{120 * units.TB, "Azure Data Box 120", 1},
		{121 * units.TB, "Azure Data Box 525", 1},
		{525 * units.TB, "Azure Data Box 525", 1},
		{526 * units.TB, "Azure Data Box 525", 2},
	}
	for _, tt := range tests {
		db := EstimateDataBox(tt.size, 0.8, 14*units.Day)
		if db.Device != tt.device || db.Devices != tt.devices {
			t.Errorf("%s: %d × %s, want %d × %s", tt.size, db.Devices, db.Device, tt.devices, tt.device)
		}
		// days = 2 × shipping + copy + upload, copy = upload.
		copyDays := float64(tt.size) / float64(tt.devices) / (7e9 * 0.8) / 86400
		if want := round2(2*DataBoxShippingDays + 2*copyDays); db.Days != want {
			t.Errorf("%s: %v days, want %v", tt.size, db.Days, want)
		}
	}
}

// TestPlanTransfers checks earliest-deadline-first sharing: the circuit is
// sized so every entry finishes in its own window.
func TestPlanTransfers(t *testing.T) {
	c := testCatalog(t)
	items := []onPremItem{
		{index: 0, name: "a", size: 100 * units.TB, window: 10 * units.Day},
		{index: 1, name: "b", size: 300 * units.TB, window: 20 * units.Day},
	}
	var fs finding.List
	ts, er := planTransfers(c, items, 0.8, Path{Regions: []string{"eastus"}}, &fs)
	// a alone needs 100e12×8/(10d×0.8) = 1.16 Gbps; a+b by day 20 need
	// 400e12×8/(20d×0.8) = 2.31 Gbps, the larger: a 5 Gbps circuit.
	want := math.Ceil(400e12 * 8 / (20 * 86400 * 0.8))
	if er == nil || er.NeededBps != want || er.CircuitMbps != 5000 {
		t.Fatalf("expressroute %+v, want %v needed on 5 Gbps", er, want)
	}
	if len(ts) != 2 || ts[1].StartDays != ts[0].FinishDays || !ts[0].FitsWindow || !ts[1].FitsWindow || len(fs) != 0 {
		t.Errorf("transfers %+v findings %v", ts, fs)
	}
	// The same data on a window no circuit makes: a finding and Data Box.
	items[0].window = units.Day / 100
	ts, _ = planTransfers(c, items[:1], 0.8, Path{}, &fs)
	if ts[0].FitsWindow || ts[0].DataBox == nil || len(fs) != 1 || fs[0].Code != "network.transfer-window" || fs[0].Path != "data[0].transfer_window" {
		t.Errorf("missed window: %+v, findings %v", ts[0], fs)
	}
}
