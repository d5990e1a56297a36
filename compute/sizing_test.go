package compute

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aizone/aizone/catalog"
	"github.com/aizone/aizone/finding"
	"github.com/aizone/aizone/spec"
)

// overlay loads the embedded catalog with extra catalog files, the way
// --catalog reads a user's directory.
func overlay(t *testing.T, files map[string]string) *catalog.Catalog {
	t.Helper()
	dir := t.TempDir()
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	c, err := catalog.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// example loads a zone of ../examples (internal/testkit plans through
// package plan, which imports this one).
func example(t *testing.T, name string) *spec.Zone {
	t.Helper()
	z, err := spec.LoadFile(filepath.Join("..", "examples", name))
	if err != nil {
		t.Fatal(err)
	}
	return z
}

const testSource = "sources:\n  T-TEST: {title: test prices, ref: compute tests}\n"

func hasCode(fs finding.List, code string) bool {
	for _, f := range fs {
		if f.Code == code {
			return true
		}
	}
	return false
}

func workload(res Result, name string) Pool {
	for _, p := range res.Pools {
		if p.Workload == name {
			return p
		}
	}
	return Pool{}
}

// TestDataPrepSizes: data preparation runs on general-purpose or
// memory-optimised sizes, never on an InfiniBand HPC size unless pinned;
// on Spot when preemptible, at the Spot price; the cheapest priced size
// wins; a priced size beats an unpriced one that has fewer vCPUs and
// nodes, which the plan names as one that might have won; an unpriced
// size says so with its meter. The embedded catalog prices every CPU
// size, so the unpriced one is a synthetic size of an overlay.
func TestDataPrepSizes(t *testing.T) {
	large := example(t, "large.yaml")
	// One node with the 704 vCPUs the workload asks for: among unpriced
	// sizes it would win (fewest vCPUs, then fewest nodes).
	synthetic := testSource + "skus:\n  - {name: Standard_T704ds_test, family: \"test\", vcpus: 704, memory_gib: 2816, gpu_memory_gb: 0, infiniband: false, temp_disk_gib: 4000, network_mbps: 200000, accelerated_networking: true, source: T-TEST}\n"
	syntheticPriced := synthetic + "prices:\n  - {sku: Standard_T704ds_test, region: eastus, payg_usd_per_hour: 10, spot_usd_per_hour: 0.50, date: \"2026-12\", source: T-TEST}\n"
	cheapD32 := testSource + "prices:\n  - {sku: Standard_D32ds_v5, region: eastus, payg_usd_per_hour: 1.808, spot_usd_per_hour: 0.01, date: \"2026-12\", source: T-TEST}\n"
	tests := []struct {
		name     string
		cat      map[string]string
		pin      string
		wantSKU  string // empty: any non-InfiniBand CPU size
		notSKU   string // a size that must not be chosen
		priced   bool
		wantCode string // a finding the plan must hold
	}{
		{name: "embedded catalog: the cheapest Spot size", priced: true},
		{name: "an overlay price changes the choice", cat: map[string]string{"p.yaml": cheapD32}, wantSKU: "Standard_D32ds_v5", priced: true},
		{name: "a priced size wins over an unpriced one with fewer vCPUs", cat: map[string]string{"s.yaml": synthetic}, notSKU: "Standard_T704ds_test", priced: true, wantCode: "compute.unpriced-might-win"},
		{name: "the same size priced low wins", cat: map[string]string{"s.yaml": syntheticPriced}, wantSKU: "Standard_T704ds_test", priced: true},
		{name: "a pinned unpriced size says so with its meter", cat: map[string]string{"s.yaml": synthetic}, pin: "Standard_T704ds_test", wantSKU: "Standard_T704ds_test", wantCode: "compute.no-price"},
		{name: "a pinned HPC size is kept", pin: "Standard_HB176rs_v4", wantSKU: "Standard_HB176rs_v4", priced: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := overlay(t, tt.cat)
			z := *large
			z.Workloads = append([]spec.Workload(nil), large.Workloads...)
			for i := range z.Workloads {
				if z.Workloads[i].Kind == spec.KindDataPrep {
					z.Workloads[i].SKU = tt.pin
				}
			}
			res, fs := Plan(&z, c, Options{AsOf: asOf})
			p := workload(res, "tokenize")
			s, ok := c.SKU(p.SKU)
			if !ok {
				t.Fatalf("no size chosen: %v", fs)
			}
			if tt.wantSKU != "" && p.SKU != tt.wantSKU {
				t.Fatalf("chose %s, want %s (%s)", p.SKU, tt.wantSKU, strings.Join(p.Reasons, "; "))
			}
			if tt.notSKU != "" && p.SKU == tt.notSKU {
				t.Fatalf("chose %s (%s)", p.SKU, strings.Join(p.Reasons, "; "))
			}
			if tt.pin == "" && (s.InfiniBand || s.IsGPU()) {
				t.Errorf("data preparation on %s (InfiniBand %v)", p.SKU, s.InfiniBand)
			}
			if p.Nodes*s.VCPUs < 704 || p.Priority != "spot" {
				t.Errorf("%d × %s (%s): want at least 704 vCPUs on Spot", p.Nodes, p.SKU, p.Priority)
			}
			if tt.priced != (p.USDPerHour > 0) {
				t.Errorf("priced %v, want %v: %+v", p.USDPerHour > 0, tt.priced, p)
			}
			if tt.wantCode != "" && !hasCode(fs, tt.wantCode) {
				t.Errorf("no %s finding: %v", tt.wantCode, fs)
			}
			if p.USDPerHour == 0 && (!strings.Contains(p.Meter, p.SKU) || !strings.Contains(strings.Join(p.Reasons, " "), "not priced")) {
				t.Errorf("unpriced pool without its meter: %q %v", p.Meter, p.Reasons)
			}
			if !tt.priced {
				return
			}
			// A Spot pool is priced at the size's Spot rate, not its
			// pay-as-you-go rate.
			pr, ok := priceFor(c, p.SKU, p.Region)
			if !ok || pr.spot <= 0 || pr.spot >= pr.usd {
				t.Fatalf("%s in %s: want a Spot price below pay-as-you-go, have %+v", p.SKU, p.Region, pr)
			}
			if want := round(pr.spot*float64(p.Nodes), 2); p.USDPerHour != want {
				t.Errorf("%d × %s at $%.2f an hour, want $%.2f (Spot $%g a node)", p.Nodes, p.SKU, p.USDPerHour, want, pr.spot)
			}
			for _, a := range p.Alternatives {
				if a.CostUSD == 0 && !strings.Contains(a.Reason, "not priced") {
					t.Errorf("an unpriced alternative is not said to be unpriced: %+v", a)
				}
				if a.CostUSD > 0 && a.CostUSD < p.USDPerHour*p.MonthlyHours {
					t.Errorf("alternative %d × %s costs $%.2f, less than the choice's $%.2f", a.Nodes, a.SKU, a.CostUSD, p.USDPerHour*p.MonthlyHours)
				}
			}
		})
	}
}

// TestDataPrepLess: priced options rank before unpriced ones, then by
// cost; unpriced ones (and equal costs) by the fewest vCPUs provisioned,
// then the fewest nodes, then the name.
func TestDataPrepLess(t *testing.T) {
	opt := func(sku string, cost float64, vcpus, nodes int) dataPrepOption {
		o := dataPrepOption{vcpus: vcpus, priced: !math.IsInf(cost, 1)}
		o.cost, o.pool.SKU, o.pool.Nodes = cost, sku, nodes
		return o
	}
	unpriced := math.Inf(1)
	tests := []struct {
		name string
		a, b dataPrepOption
	}{
		{"priced before unpriced", opt("Standard_Z", 900, 900, 9), opt("Standard_A", unpriced, 64, 1)},
		{"lower cost first", opt("Standard_Z", 10, 900, 9), opt("Standard_A", 11, 64, 1)},
		{"unpriced: fewer vCPUs first", opt("Standard_Z", unpriced, 704, 11), opt("Standard_A", unpriced, 768, 8)},
		{"unpriced, same vCPUs: fewer nodes first", opt("Standard_Z", unpriced, 704, 11), opt("Standard_A", unpriced, 704, 22)},
		{"equal cost: fewer vCPUs first", opt("Standard_Z", 876, 704, 22), opt("Standard_A", 876, 768, 8)},
		{"all equal: by name", opt("Standard_A", unpriced, 704, 11), opt("Standard_B", unpriced, 704, 11)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !dataPrepLess(tt.a, tt.b) || dataPrepLess(tt.b, tt.a) {
				t.Errorf("want %s (cost %v, %d vCPUs, %d nodes) before %s (cost %v, %d vCPUs, %d nodes)",
					tt.a.pool.SKU, tt.a.cost, tt.a.vcpus, tt.a.pool.Nodes, tt.b.pool.SKU, tt.b.cost, tt.b.vcpus, tt.b.pool.Nodes)
			}
		})
	}
}

// TestUnpricedNeverFree: an unpriced size is never chosen over a priced
// one that meets the targets, under either objective; under the cost
// objective the plan names the unpriced sizes that might have won, with
// their meter; priced, the same size can win.
func TestUnpricedNeverFree(t *testing.T) {
	train := "  - {name: tune, kind: training, model: llama-3.1-70b, tokens: 300B, deadline: 14d, orchestrator: slurm}\n"
	serve := "  - {name: chat, kind: inference, model: llama-3.1-70b, precision: fp8, requests_per_second: 20}\n"
	gb300 := testSource + "prices:\n  - {sku: Standard_ND128isr_GB300_v6, region: eastus, payg_usd_per_hour: 1.00, date: \"2026-12\", source: T-TEST}\n"
	tests := []struct {
		name, workloads string
		cat             map[string]string
		wantWarn        bool
		wantSKU         string
	}{
		{"training, cost", train, nil, true, ""},
		{"inference, cost", serve, nil, true, ""},
		{"training, time: ranked after priced sizes", strings.Replace(train, "orchestrator: slurm", "orchestrator: slurm, objective: time, budget_usd: 5000000", 1), nil, false, ""},
		{"a cheap price lets the size win", train, map[string]string{"p.yaml": gb300}, true, "Standard_ND128isr_GB300_v6"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := overlay(t, tt.cat)
			res, fs := Plan(zone(t, tt.workloads), c, Options{AsOf: asOf})
			p := res.Pools[0]
			if !p.Feasible || p.USDPerHour <= 0 {
				t.Fatalf("choice %s is infeasible or unpriced: %+v", p.SKU, p)
			}
			if tt.wantSKU != "" && p.SKU != tt.wantSKU {
				t.Errorf("chose %s, want %s once priced", p.SKU, tt.wantSKU)
			}
			if got := hasCode(fs, "compute.unpriced-might-win"); got != tt.wantWarn {
				t.Errorf("unpriced-might-win finding %v, want %v: %v", got, tt.wantWarn, fs)
			}
			for _, f := range fs {
				if f.Code == "compute.unpriced-might-win" && (!strings.Contains(f.Message, "armSkuName") || !strings.Contains(f.Message, "per VM-hour")) {
					t.Errorf("finding without meter or break-even price: %s", f.Message)
				}
			}
		})
	}
}

// TestPoolLimits: each orchestrator's limit holds, with its source in the
// pool's reasons; a Slurm partition spreads a frontier-scale run over
// scale sets of at most one InfiniBand fabric each.
func TestPoolLimits(t *testing.T) {
	const run = "  - {name: frontier, kind: training, model: llama-3.1-405b, tokens: 15T, sequence_length: 8192, deadline: 90d, sku: Standard_ND96isr_H100_v5, orchestrator: %s}\n"
	tests := []struct {
		orchestrator string
		feasible     bool
		maxNodes     int
		source       string // in the reasons
		finding      string
	}{
		{OrchestratorSlurm, true, MaxPlannedNodes, "initial_params.json", "compute.cross-scale-set"},
		{OrchestratorBatch, false, MaxBatchInterNodeNodes, "N-BATCH", "compute.deadline"},
		{OrchestratorVMSS, false, MaxIBScaleSetNodesRaised, "N-HPC", "compute.deadline"},
		{OrchestratorAKS, false, MaxAKSNodePoolNodes, "AKS quotas", "compute.deadline"},
	}
	for _, tt := range tests {
		t.Run(tt.orchestrator, func(t *testing.T) {
			res, fs := plan(t, zone(t, strings.Replace(run, "%s", tt.orchestrator, 1)))
			p := res.Pools[0]
			if p.Feasible != tt.feasible || p.Nodes+p.SpareNodes > tt.maxNodes {
				t.Fatalf("%d (+%d) nodes, feasible %v; want at most %d, feasible %v", p.Nodes, p.SpareNodes, p.Feasible, tt.maxNodes, tt.feasible)
			}
			if !strings.Contains(strings.Join(p.Reasons, "\n"), tt.source) {
				t.Errorf("no %s in the reasons:\n%s", tt.source, strings.Join(p.Reasons, "\n"))
			}
			if !hasCode(fs, tt.finding) {
				t.Errorf("no %s finding: %v", tt.finding, fs)
			}
			if tt.feasible {
				if p.GPUs < 16000 {
					t.Errorf("%v GPUs, want a run of 16,000 or more", p.GPUs)
				}
				n := p.Nodes + p.SpareNodes
				if p.ScaleSets < 2 || p.ScaleSetNodes > MaxIBScaleSetNodesRaised || p.ScaleSets*p.ScaleSetNodes < n {
					t.Errorf("%d nodes in %d scale sets of %d", n, p.ScaleSets, p.ScaleSetNodes)
				}
				if l := p.Training.Layout; p.ScaleSetNodes%max(1, l.TP*l.PP*max(1, l.CP)/8) != 0 {
					t.Errorf("scale sets of %d nodes split model-parallel groups of %s", p.ScaleSetNodes, l)
				}
			}
			if !tt.feasible && tt.orchestrator != OrchestratorSlurm && !strings.Contains(fmt.Sprint(fs), "choose orchestrator slurm") {
				t.Errorf("the infeasible finding does not point to Slurm: %v", fs)
			}
		})
	}
}

// TestPoolLimitsSmall: a run that fits one fabric stays in one scale set
// even where a cheaper one across scale sets exists.
func TestPoolLimitsSmall(t *testing.T) {
	res, fs := plan(t, example(t, "large.yaml"))
	p := workload(res, "pretrain")
	if p.ScaleSets != 1 || hasCode(fs, "compute.cross-scale-set") {
		t.Errorf("pretrain over %d scale sets", p.ScaleSets)
	}
	for _, a := range p.Alternatives {
		if a.Feasible && a.CostUSD < p.Training.CostUSD && !strings.Contains(a.Reason, "scale sets") {
			t.Errorf("cheaper alternative %s without the scale-set reason: %s", a.SKU, a.Reason)
		}
	}
}

// TestEngineComparison: an inference plan says which of the
// tensor-parallel engine and single-GPU replicas wins on cost per million
// tokens, and why.
func TestEngineComparison(t *testing.T) {
	tests := []struct {
		name, workloads, want string
	}{
		{"a model that fits one GPU", "  - {name: chat, kind: inference, model: llama-3.1-8b, precision: fp8, requests_per_second: 50}\n", "single-GPU replicas"},
		{"a model that needs several GPUs", "  - {name: chat, kind: inference, model: llama-3.1-405b, precision: fp8, requests_per_second: 2}\n", "no single-GPU replica qualifies"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, _ := plan(t, zone(t, tt.workloads))
			var line string
			for _, r := range res.Pools[0].Reasons {
				if strings.HasPrefix(r, "engines") {
					line = r
				}
			}
			if !strings.Contains(line, tt.want) || !strings.Contains(line, "per million tokens") {
				t.Errorf("engine comparison %q, want it to mention %q", line, tt.want)
			}
		})
	}
}

// TestSparesInRanking: the choice costs no more, with its spares, than
// any feasible alternative on one fabric (the bug where a choice ranked
// without its spares cost more than an alternative).
func TestSparesInRanking(t *testing.T) {
	for _, name := range []string{"large.yaml", "lustre-slurm.yaml", "small.yaml"} {
		res, _ := plan(t, example(t, name))
		for _, p := range res.Pools {
			if p.Training == nil || !p.Feasible {
				continue
			}
			for _, a := range p.Alternatives {
				if a.Feasible && a.CostUSD < p.Training.CostUSD-1 && !strings.Contains(a.Reason, "scale sets") {
					t.Errorf("%s %s: alternative %s costs %.0f, less than the choice's %.0f", name, p.Workload, a.SKU, a.CostUSD, p.Training.CostUSD)
				}
			}
			if math.IsNaN(p.Training.CostUSD) {
				t.Errorf("%s: NaN cost", p.Workload)
			}
		}
	}
}
