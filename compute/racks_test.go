package compute

import (
	"math"
	"strings"
	"testing"

	"github.com/aizone/aizone/catalog"
)

// TestServingNodesForHA: a serving pool has at least two VMs, whatever
// its replicas need: replicas on one VM all stop when it fails. The
// second VM is priced (USDPerHour is the price of every node), zonal
// orchestrators spread the nodes over zones, and the reasons say why.
func TestServingNodesForHA(t *testing.T) {
	const chat = `  - name: chat
    kind: inference
    model: llama-3.1-70b
    precision: fp8
    requests_per_second: 15
    input_tokens: 2500
    output_tokens: 400
    latency: {ttft: 2s, tpot: 70ms}
`
	tests := []struct {
		name      string
		workloads string
		nodes     int // exact when > 0
		zones     int // at least
		reasonHas string
	}{
		// Eight replicas of TP1 fit one 8-GPU VM: the rule adds a second.
		{"8 replicas fit one H200 VM", chat + "    sku: Standard_ND96isr_H200_v5\n", 2, 2, "raised to 2 so that one node failing"},
		{"unpinned: the second VM is in the ranking", chat, 0, 2, "so that one node failing does not stop the service"},
		{"one replica's worth of load on one-GPU VMs", `  - name: triage
    kind: inference
    model: llama-3.1-8b
    requests_per_second: 1
    input_tokens: 500
    output_tokens: 100
    sku: Standard_NC24ads_A100_v4
`, 2, 2, "at least 2 so that one node failing"},
		{"Batch has no zones but still two nodes", `  - name: triage
    kind: inference
    model: llama-3.1-8b
    orchestrator: batch
    requests_per_second: 1
    input_tokens: 500
    output_tokens: 100
    sku: Standard_ND96isr_H200_v5
`, 2, 0, "raised to 2"},
	}
	c, err := catalog.Default()
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, fs := plan(t, zone(t, tt.workloads))
			if fs.HasErrors() {
				t.Fatalf("findings: %v", fs)
			}
			p := res.Pools[0]
			if p.Nodes < minInferenceNodesForHA || (tt.nodes > 0 && p.Nodes != tt.nodes) {
				t.Fatalf("%d × %s, want %d nodes (at least %d)", p.Nodes, p.SKU, tt.nodes, minInferenceNodesForHA)
			}
			if len(p.Zones) < tt.zones {
				t.Errorf("zones %v, want at least %d", p.Zones, tt.zones)
			}
			price := pricesIn(c, p.SKU, []string{p.Region})
			if len(price) == 0 || math.Abs(p.USDPerHour-round(price[0].usd*float64(p.Nodes), 2)) > 0.01 {
				t.Errorf("USD/h %.2f is not %d nodes at the size's price %v", p.USDPerHour, p.Nodes, price)
			}
			if !strings.Contains(strings.Join(p.Reasons, "\n"), tt.reasonHas) {
				t.Errorf("reasons lack %q:\n%s", tt.reasonHas, strings.Join(p.Reasons, "\n"))
			}
		})
	}
	// The two-region example: every serving pool on two VMs or more.
	res, _ := plan(t, example(t, "two-region-inference.yaml"))
	for _, p := range res.Pools {
		if p.Nodes < minInferenceNodesForHA || len(p.Zones) < 2 {
			t.Errorf("two-region-inference %s: %d × %s in zones %v", p.Workload, p.Nodes, p.SKU, p.Zones)
		}
	}
}

// TestAllotRacks: a multi-VM pool on an NVL72 size is whole racks of 18
// VMs; the free trays are its spares as far as the failure rate asks for
// them, the rest idle; past the pool limit the spares give way, then the
// pool.
func TestAllotRacks(t *testing.T) {
	tests := []struct {
		name                       string
		base, working              int
		orchestrator               string
		ok                         bool
		total, racks, spares, idle int
	}{
		// 276 × 0.000176 × 24 h = 1.16 nodes out: 2 spares.
		{"276 VMs", 276, 276, OrchestratorSlurm, true, 288, 16, 2, 10},
		{"17 VMs and the spare fill a rack", 17, 17, OrchestratorSlurm, true, 18, 1, 1, 0},
		{"18 VMs and a spare take a second rack", 18, 18, OrchestratorSlurm, true, 36, 2, 1, 17},
		{"5 VMs: a rack, no spare asked for", 5, 5, OrchestratorSlurm, true, 18, 1, 0, 13},
		{"placement's idle trays are spares first", 72, 64, OrchestratorSlurm, true, 72, 4, 1, 7},
		{"Batch limit: spares give way", 90, 90, OrchestratorBatch, true, 90, 5, 0, 0},
		{"Batch limit: whole racks do not fit", 99, 99, OrchestratorBatch, false, 0, 0, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, ok := allotRacks(tt.base, tt.working, 18, tt.orchestrator)
			if ok != tt.ok || a.total != tt.total || a.racks != tt.racks || a.spares != tt.spares || a.idle != tt.idle {
				t.Errorf("got ok %v %+v, want ok %v total %d racks %d spares %d idle %d", ok, a, tt.ok, tt.total, tt.racks, tt.spares, tt.idle)
			}
			if ok && a.total != a.working+a.spares+a.idle {
				t.Errorf("%d VMs billed are not %d working + %d spare + %d idle", a.total, a.working, a.spares, a.idle)
			}
			if got := billedNodes(tt.base, tt.working, 18, tt.orchestrator); got != tt.total {
				t.Errorf("billed %d, want %d", got, tt.total)
			}
		})
	}
}

// TestNVL72Racks: a multi-VM training pool on an NVL72 size is planned in
// whole racks of 18 VMs, the cost is every VM of them, and the reasons
// say so with the source; a single-VM pool is not forced to a rack.
func TestNVL72Racks(t *testing.T) {
	train := func(sku, tokens, deadline, method string) string {
		return `  - name: train
    kind: training
    model: llama-3.1-70b
    precision: bf16
    orchestrator: slurm
    sequence_length: 8192
    checkpoint_interval: 1h
    sku: ` + sku + `
    tokens: ` + tokens + `
    deadline: ` + deadline + `
    method: ` + method + "\n"
	}
	tests := []struct {
		name      string
		workloads string
		racked    bool
		minNodes  int
	}{
		{"4T tokens on GB200", train("Standard_ND128isr_NDR_GB200_v6", "4T", "21d", "full"), true, 200},
		{"a small multi-VM run takes one rack", train("Standard_ND128isr_NDR_GB200_v6", "20B", "7d", "full"), true, 2},
		{"GB300, not priced, still whole racks", train("Standard_ND128isr_GB300_v6", "4T", "21d", "full"), true, 200},
		{"a LoRA fine-tune on one VM is not a rack", train("Standard_ND128isr_NDR_GB200_v6", "50M", "7d", "lora"), false, 1},
	}
	c, err := catalog.Default()
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, fs := plan(t, zone(t, tt.workloads))
			if fs.HasErrors() {
				t.Fatalf("findings: %v", fs)
			}
			p := res.Pools[0]
			tr := p.Training
			total := p.Nodes + p.SpareNodes
			t.Logf("%d + %d spare × %s, %d racks, %d idle, %.0f h, $%.0f", p.Nodes, p.SpareNodes, p.SKU, tr.Racks, tr.IdleNodes, tr.Hours, tr.CostUSD)
			if p.Nodes < tt.minNodes {
				t.Fatalf("%d nodes, want at least %d", p.Nodes, tt.minNodes)
			}
			reasons := strings.Join(p.Reasons, "\n")
			if !tt.racked {
				if total != 1 || tr.Racks != 0 || strings.Contains(reasons, "unit of capacity") {
					t.Errorf("single-VM pool forced to a rack: %d VMs, %d racks", total, tr.Racks)
				}
				return
			}
			if total%18 != 0 || tr.Racks*18 != total || tr.RackVMs != 18 {
				t.Errorf("%d VMs (%d + %d spare) in %d racks: not whole racks of 18", total, p.Nodes, p.SpareNodes, tr.Racks)
			}
			if working := tr.GPUs / 4; working+p.SpareNodes+tr.IdleNodes != total {
				t.Errorf("%d working + %d spare + %d idle is not the %d VMs billed", working, p.SpareNodes, tr.IdleNodes, total)
			}
			for _, want := range []string{"racks are the unit of capacity", "gpu-vm-sizes.md", "ai-performance.md section 6c", "no Azure documentation found says part of a rack can be allocated"} {
				if !strings.Contains(reasons, want) {
					t.Errorf("reasons lack %q:\n%s", want, reasons)
				}
			}
			if ps := pricesIn(c, p.SKU, []string{p.Region}); len(ps) > 0 {
				if want := round(ps[0].usd*float64(total), 2); math.Abs(p.USDPerHour-want) > 0.05 {
					t.Errorf("USD/h %.2f, want the %d VMs of the racks at $%.2f: %.2f", p.USDPerHour, total, ps[0].usd, want)
				}
				if want := tr.Hours * float64(total) * ps[0].usd; math.Abs(tr.CostUSD-want) > 0.01*want {
					t.Errorf("run costs $%.0f, want %.1f h × %d VMs × $%.2f = $%.0f", tr.CostUSD, tr.Hours, total, ps[0].usd, want)
				}
			}
		})
	}
}
