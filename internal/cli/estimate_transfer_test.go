package cli

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/aizone/aizone/catalog"
	"github.com/aizone/aizone/network"
	"github.com/aizone/aizone/units"
)

func TestEstimateTransferJSON(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		code    int
		want    map[string]any // top-level values
		rec     map[string]any // recommended{...}
		dataBox bool
	}{
		{
			// 400 TB × 8 / (10 Gbps × 0.8) = 400,000 s.
			name: "400 TB over 10 Gbps",
			args: []string{"--size", "400TB", "--bandwidth", "10Gbps"},
			want: map[string]any{"bytes": 4e14, "bandwidth_bps": 1e10, "efficiency": 0.8, "seconds": 400000.0, "days": 4.63, "fits_window": true},
			rec:  map[string]any{"circuit": "10 Gbps", "sku": "Standard", "gateway": "ErGw3AZ", "fastpath": true},
		},
		{
			name: "window met: the smallest circuit that makes it",
			args: []string{"--size", "400TB", "--bandwidth", "10Gbps", "--window", "14d", "--region", "eastus"},
			want: map[string]any{"fits_window": true, "window_days": 14.0, "needed_bps": 3306878307.0},
			rec:  map[string]any{"circuit": "5 Gbps", "circuit_mbps": 5000.0, "gateway": "ErGw3AZ"},
		},
		{
			name:    "window missed: Data Box, exit 1",
			args:    []string{"--size", "400TB", "--bandwidth", "1Gbps", "--window", "14d"},
			code:    ExitFindings,
			want:    map[string]any{"fits_window": false, "seconds": 4e6},
			dataBox: true,
		},
		{
			name: "efficiency and no bandwidth: timed on the recommended circuit",
			args: []string{"--size", "2TB", "--window", "2d", "--efficiency", "1"},
			want: map[string]any{"efficiency": 1.0, "bandwidth_bps": 1e8, "seconds": 160000.0},
			rec:  map[string]any{"circuit": "100 Mbps", "gateway": "ErGw1AZ", "fastpath": false},
		},
		{
			name: "regions across geographies: Premium",
			args: []string{"--size", "10TB", "--bandwidth", "1Gbps", "--region", "eastus,westeurope"},
			rec:  map[string]any{"sku": "Premium"},
		},
		{
			name: "metro peering: Local",
			args: []string{"--size", "10TB", "--bandwidth", "1Gbps", "--region", "uksouth", "--peering-in-metro"},
			rec:  map[string]any{"sku": "Local"},
		},
		{
			name: "to a spoke over a provider circuit: no FastPath",
			args: []string{"--size", "400TB", "--bandwidth", "10Gbps", "--spoke"},
			rec:  map[string]any{"fastpath": false},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"estimate", "transfer", "--format", "json"}, tt.args...)
			code, out, errOut := runCLI(t, args...)
			if code != tt.code {
				t.Fatalf("exit %d, want %d; stderr %s", code, tt.code, errOut)
			}
			var m map[string]any
			if err := json.Unmarshal([]byte(out), &m); err != nil {
				t.Fatalf("%v\n%s", err, out)
			}
			for _, k := range []string{"bytes", "bandwidth_bps", "efficiency", "seconds", "days", "fits_window", "recommended"} {
				if _, ok := m[k]; !ok {
					t.Errorf("JSON lacks %q", k)
				}
			}
			for k, v := range tt.want {
				if m[k] != v {
					t.Errorf("%s = %v, want %v", k, m[k], v)
				}
			}
			rec, _ := m["recommended"].(map[string]any)
			for _, k := range []string{"circuit", "sku", "gateway", "fastpath"} {
				if _, ok := rec[k]; !ok {
					t.Errorf("recommended lacks %q", k)
				}
			}
			for k, v := range tt.rec {
				if rec[k] != v {
					t.Errorf("recommended.%s = %v, want %v", k, rec[k], v)
				}
			}
			if _, ok := m["data_box"]; ok != tt.dataBox {
				t.Errorf("data_box present: %v, want %v", ok, tt.dataBox)
			}
			if tt.code == ExitFindings && !strings.Contains(errOut, "does not make the 14d window") {
				t.Errorf("stderr %q", errOut)
			}
		})
	}
}

// TestEstimateTransferSameAsPlan holds that the command prints exactly what
// the engine function plan uses returns.
func TestEstimateTransferSameAsPlan(t *testing.T) {
	c, err := catalog.Default()
	if err != nil {
		t.Fatal(err)
	}
	want, err := network.EstimateTransfer(c, network.TransferInput{Size: 400 * units.TB, Bandwidth: 10e9, Efficiency: 0.8, Window: 14 * units.Day,
		Path: network.Path{Regions: []string{"eastus"}, Peered: true, PrivateEndpoint: true}})
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if err := writeJSON(&b, want); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runCLI(t, "estimate", "transfer", "--size", "400TB", "--bandwidth", "10Gbps", "--window", "14d", "--region", "eastus", "--spoke", "--format", "json")
	if code != ExitOK || out != b.String() {
		t.Errorf("exit %d (%s); CLI output differs from the engine:\n%s", code, errOut, firstDiff([]byte(b.String()), []byte(out)))
	}
}

func TestEstimateTransferText(t *testing.T) {
	code, out, errOut := runCLI(t, "estimate", "transfer", "--size", "400TB", "--bandwidth", "1Gbps", "--window", "14d")
	if code != ExitFindings {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, w := range []string{
		"Transfer   400 TB at 1 Gbps × 80% efficiency: 46.30 days",
		"Window     14 days: does NOT fit; making it needs 3.31 Gbps",
		"Circuit    5 Gbps (the smallest that makes the window)",
		"SKU        Standard",
		"Gateway    ErGw3AZ, 10 Gbps",
		"FastPath   yes",
		"Data Box   ",
		"Azure Data Box 525",
	} {
		if !strings.Contains(out, w) {
			t.Errorf("output lacks %q:\n%s", w, out)
		}
	}
}

func TestEstimateTransferBadInput(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{}, `required flag(s) "size" not set`},
		{[]string{"--size", "lots"}, "--size: invalid size"},
		{[]string{"--size", "-5TB", "--bandwidth", "1Gbps"}, "--size"},
		{[]string{"--size", "400TB", "--bandwidth", "10"}, "--bandwidth: unknown bandwidth unit"},
		{[]string{"--size", "400TB", "--bandwidth", "0Gbps"}, "--bandwidth: bandwidth \"0Gbps\" must be positive"},
		{[]string{"--size", "400TB", "--bandwidth", "1Gbps", "--efficiency", "0"}, "--efficiency: efficiency must be in (0, 1]"},
		{[]string{"--size", "400TB", "--bandwidth", "1Gbps", "--efficiency", "1.5"}, "--efficiency"},
		{[]string{"--size", "400TB", "--window", "soon"}, "--window: invalid duration"},
		{[]string{"--size", "400TB", "--window", "0d"}, "--window must be longer than zero"},
		{[]string{"--size", "400TB"}, "give --bandwidth, or --window"},
		{[]string{"--size", "400TB", "--bandwidth", "1Gbps", "--region", "marsnorth"}, `unknown Azure region "marsnorth"`},
		{[]string{"--size", "400TB", "--bandwidth", "1Gbps", "--peering-in-metro"}, "--peering-in-metro needs exactly one --region"},
		{[]string{"--size", "400TB", "--bandwidth", "1Gbps", "--format", "yaml"}, `unknown --format "yaml"`},
		{[]string{"--size", "400TB", "extra"}, "unknown command"},
	}
	for _, tt := range tests {
		code, _, errOut := runCLI(t, append([]string{"estimate", "transfer"}, tt.args...)...)
		if code != ExitUsage || !strings.Contains(errOut, tt.want) {
			t.Errorf("%v: exit %d, stderr %q; want exit 2 with %q", tt.args, code, errOut, tt.want)
		}
	}
}
