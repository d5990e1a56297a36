package storage

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/aizone/aizone/catalog"
	"github.com/aizone/aizone/compute"
	"github.com/aizone/aizone/finding"
	"github.com/aizone/aizone/lifecycle"
	"github.com/aizone/aizone/spec"
	"github.com/aizone/aizone/units"
)

func defaultCatalog(t *testing.T) *catalog.Catalog {
	t.Helper()
	c, err := catalog.Default()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// zone is a training zone with one workload per pool and the given data.
func zone(data []spec.Data, pools ...compute.Pool) *spec.Zone {
	z := &spec.Zone{Name: "test", Region: "eastus", Data: data}
	for _, p := range pools {
		z.Workloads = append(z.Workloads, spec.Workload{Name: p.Workload, Kind: spec.KindTraining,
			Model: &spec.Model{Name: "llama-3.1-8b"}, BytesPerToken: 4, CheckpointInterval: units.Duration(time.Hour)})
	}
	return z
}

func pool(name, sku string, nodes int, tokensPerSecond float64) compute.Pool {
	return compute.Pool{Workload: name, Kind: spec.KindTraining, SKU: sku, Nodes: nodes,
		Training: &compute.TrainingEstimate{TokensPerSecond: tokensPerSecond}}
}

func dataset(name string, size units.Bytes) spec.Data {
	return spec.Data{Name: name, Kind: spec.DataDataset, Size: size,
		HotFor: units.Duration(30 * 24 * time.Hour), RetainFor: units.Duration(365 * 24 * time.Hour)}
}

func TestHotTierChoice(t *testing.T) {
	const tb = units.Bytes(1e12)
	tests := []struct {
		name     string
		zone     *spec.Zone
		pools    []compute.Pool
		prices   map[string]float64 // catalog price overrides, USD per TiB-month
		wantKind string
		wantSKU  string
		wantTiB  float64
		runnerUp string // substring
	}{
		{name: "no training", zone: zone(nil), wantKind: "none"},
		{name: "fits local disks", zone: zone([]spec.Data{dataset("corpus", 2*tb)}, pool("ft", "Standard_ND96isr_H100_v5", 2, 50000)),
			pools: []compute.Pool{pool("ft", "Standard_ND96isr_H100_v5", 2, 50000)}, wantKind: "local-nvme", runnerUp: "Lustre"},
		{name: "two pools share a namespace", zone: zone([]spec.Data{dataset("corpus", 2*tb)}, pool("a", "Standard_ND96isr_H100_v5", 2, 50000), pool("b", "Standard_ND96isr_H100_v5", 2, 50000)),
			pools: []compute.Pool{pool("a", "Standard_ND96isr_H100_v5", 2, 50000), pool("b", "Standard_ND96isr_H100_v5", 2, 50000)}, wantKind: "lustre", wantSKU: "AMLFS-Durable-Premium-500", wantTiB: 4, runnerUp: "NetApp Files Ultra"},
		{name: "too big for local disks, by capacity", zone: zone([]spec.Data{dataset("corpus", 60*tb)}, pool("pt", "Standard_ND96isr_H100_v5", 16, 1e6)),
			pools: []compute.Pool{pool("pt", "Standard_ND96isr_H100_v5", 16, 1e6)}, wantKind: "netapp", wantSKU: "Standard", wantTiB: 55, runnerUp: "Lustre"},
		{name: "priced Lustre wins over unpriced NetApp", zone: zone([]spec.Data{dataset("corpus", 60*tb)}, pool("pt", "Standard_ND96isr_H100_v5", 16, 1e6)),
			pools: []compute.Pool{pool("pt", "Standard_ND96isr_H100_v5", 16, 1e6)}, prices: map[string]float64{"AMLFS-Durable-Premium-125": 100, "AMLFS-Durable-Premium-40": 50},
			wantKind: "lustre", wantSKU: "AMLFS-Durable-Premium-40", wantTiB: 96, runnerUp: "NetApp"},
		// 2 × 2e9 tokens/s × 4 bytes = 16,000 MB/s: Premium-500 needs 32 TiB
		// for it, four times the data; NetApp Ultra would need 120 TiB.
		{name: "bandwidth-bound: read rate sizes the file system", zone: zone([]spec.Data{dataset("corpus", 8*tb)}, pool("a", "Standard_ND96isr_H100_v5", 64, 2e9), pool("b", "Standard_ND96isr_H100_v5", 64, 2e9)),
			pools: []compute.Pool{pool("a", "Standard_ND96isr_H100_v5", 64, 2e9), pool("b", "Standard_ND96isr_H100_v5", 64, 2e9)}, wantKind: "lustre", wantSKU: "AMLFS-Durable-Premium-500", wantTiB: 32},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := defaultCatalog(t)
			// The test sets every hot-tier price (none: unpriced), so that
			// the choice does not move with the catalog's prices.
			for i := range c.Storage.Lustre {
				c.Storage.Lustre[i].USDPerTiBMonth = tt.prices[c.Storage.Lustre[i].Name]
			}
			for i := range c.Storage.NetApp {
				c.Storage.NetApp[i].USDPerTiBMonth = tt.prices[c.Storage.NetApp[i].Name]
			}
			var fs finding.List
			ht := hotTier(tt.zone, c, tt.pools, &fs)
			if ht.Kind != tt.wantKind || tt.wantSKU != "" && ht.SKU != tt.wantSKU || tt.wantTiB != 0 && ht.CapacityTiB != tt.wantTiB {
				t.Fatalf("got %s %s %.0f TiB (%s)\nwant %s %s %.0f TiB", ht.Kind, ht.SKU, ht.CapacityTiB, ht.Reason, tt.wantKind, tt.wantSKU, tt.wantTiB)
			}
			if !strings.Contains(ht.RunnerUp, tt.runnerUp) {
				t.Errorf("runner-up %q, want one mentioning %q", ht.RunnerUp, tt.runnerUp)
			}
			if ht.Kind == "none" {
				return
			}
			// Whatever is chosen meets the demand.
			if ht.Kind != "local-nvme" && (ht.CapacityTiB < ht.RequiredTiB || ht.ThroughputMBps < ht.RequiredMBps) {
				t.Errorf("%s %.0f TiB %.0f MB/s does not meet %.1f TiB %.0f MB/s", ht.SKU, ht.CapacityTiB, ht.ThroughputMBps, ht.RequiredTiB, ht.RequiredMBps)
			}
			if ht.Reason == "" || len(ht.Options) < 2 {
				t.Errorf("no reason or options: %+v", ht)
			}
		})
	}
}

// TestDemand checks the formulas: read = tokens/s × bytes per token; the
// burst = 14 bytes per parameter over 5% of the checkpoint interval, at
// most 300 s; capacity = datasets + three checkpoints.
func TestDemand(t *testing.T) {
	c := defaultCatalog(t)
	p := pool("ft", "Standard_ND96isr_H100_v5", 1, 2.5e6)
	z := zone([]spec.Data{dataset("corpus", 1e12)}, p)
	z.Workloads[0].BytesPerToken = 8
	z.Workloads[0].CheckpointInterval = units.Duration(40 * time.Minute) // 5% = 120 s
	d := demand(z, c, []compute.Pool{p})
	a, err := compute.ResolveModel(z.Workloads[0].Model, c)
	if err != nil {
		t.Fatal(err)
	}
	ck := a.Params * 14
	if d.ReadMBps != 20 {
		t.Errorf("read %.0f MB/s, want 2.5e6 × 8 = 20 MB/s", d.ReadMBps)
	}
	if d.CheckpointStallSeconds != 120 || d.CheckpointMBps != math.Ceil(ck/120/1e6) {
		t.Errorf("stall %.0f s burst %.0f MB/s, want 120 s and %.0f MB/s", d.CheckpointStallSeconds, d.CheckpointMBps, math.Ceil(ck/120/1e6))
	}
	if want := round1(3 * ck / float64(units.TiB)); d.CheckpointTiB != want {
		t.Errorf("checkpoints %.1f TiB, want %.1f", d.CheckpointTiB, want)
	}
	z.Workloads[0].CheckpointInterval = units.Duration(24 * time.Hour)
	if d := demand(z, c, []compute.Pool{p}); d.CheckpointStallSeconds != 300 {
		t.Errorf("stall %.0f s for a daily checkpoint, want the 300 s cap", d.CheckpointStallSeconds)
	}
}

func TestLustreSubnet(t *testing.T) {
	c := defaultCatalog(t)
	for _, tt := range []struct {
		tib  float64
		want int
	}{{4, 27}, {16, 27}, {20, 26}, {40, 26}, {48, 25}, {96, 24}, {196, 24}, {200, 23}, {400, 23}, {768, 22}, {1600, 21}} {
		if got := lustreSubnet(c, tt.tib); got != tt.want {
			t.Errorf("%.0f TiB: /%d, want /%d", tt.tib, got, tt.want)
		}
	}
}

// TestLustreBlobIntegration: Managed Lustre imports the dataset container
// and logs to a separate container that the account creates.
func TestLustreBlobIntegration(t *testing.T) {
	c := defaultCatalog(t)
	for i := range c.Storage.Lustre {
		c.Storage.Lustre[i].USDPerTiBMonth = 10 // make Lustre the priced, cheapest choice
	}
	p := pool("pt", "Standard_ND96isr_H100_v5", 16, 1e6)
	z := zone([]spec.Data{dataset("corpus", 60e12), {Name: "ckpt", Kind: spec.DataCheckpoints, Size: 1e12}}, p)
	res, _ := Plan(z, c, []compute.Pool{p})
	h := res.HotTier.HSM
	if res.HotTier.Kind != "lustre" || h == nil {
		t.Fatalf("want Lustre with Blob integration, got %s %+v", res.HotTier.Kind, h)
	}
	if h.Container != "corpus" || h.LoggingContainer == h.Container || h.ImportPrefix != "/" || h.Export == "" {
		t.Errorf("HSM %+v", h)
	}
	found := false
	for _, ct := range res.Account.Containers {
		found = found || ct.Name == h.LoggingContainer
	}
	if !found {
		t.Errorf("logging container %s not in the account", h.LoggingContainer)
	}
	if res.HotTier.SubnetPrefix == 0 {
		t.Error("no Lustre subnet size")
	}
}

// TestTooLarge: beyond every self-service size the plan says so.
func TestTooLarge(t *testing.T) {
	c := defaultCatalog(t)
	p := pool("pt", "Standard_ND96isr_H100_v5", 16, 1e6)
	z := zone([]spec.Data{dataset("corpus", 2000e12)}, p)
	var fs finding.List
	hotTier(z, c, []compute.Pool{p}, &fs)
	if !fs.HasErrors() {
		t.Error("2 PB hot tier accepted")
	}
}

// TestGeneratedPolicy: the account's lifecycle policy validates for the
// account the plan creates, and follows each container's schedule.
func TestGeneratedPolicy(t *testing.T) {
	c := defaultCatalog(t)
	z := zone([]spec.Data{dataset("corpus", 1e12),
		{Name: "ckpt", Kind: spec.DataCheckpoints, Size: 1e12, HotFor: units.Duration(7 * 24 * time.Hour), RetainFor: units.Duration(90 * 24 * time.Hour)}})
	res, _ := Plan(z, c, nil)
	acct := lifecycle.AccountFromSKU(res.Account.Kind, res.Account.SKU)
	if errs := lifecycle.Validate(&res.Account.Policy, &acct); len(errs) > 0 {
		t.Fatal(errs)
	}
	if n := len(res.Account.Policy.Rules); n != 2 {
		t.Fatalf("%d rules, want one per data entry", n)
	}
	ck := res.Account.Policy.Rules[1].Definition.Actions.BaseBlob
	if ck.TierToArchive != nil || ck.TierToCool == nil || *ck.Delete.DaysAfterModificationGreaterThan != 90 {
		t.Errorf("checkpoint rule %+v: want Cool, no Archive, delete at 90 days", ck)
	}
}

// TestWorkingSet: the hot tier holds what the runs read in their window
// (read rate × run time, bounded by each entry's size) plus three
// checkpoints a job, not the raw corpus; a pool without a run time counts
// its data whole; data no training workload reads is left out.
func TestWorkingSet(t *testing.T) {
	const tb = units.Bytes(1e12)
	timed := func(name string, nodes int, tokensPerSecond, hours float64) compute.Pool {
		p := pool(name, "Standard_ND96isr_H100_v5", nodes, tokensPerSecond)
		p.Training.Hours = hours
		return p
	}
	corpus := dataset("corpus", 400*tb)
	prep := dataset("raw", 100*tb)
	prep.UsedBy = []string{"tokenize"}
	tests := []struct {
		name    string
		data    []spec.Data
		pools   []compute.Pool
		wantTiB float64 // working set
		dataTiB float64 // data the pools may read
	}{
		// 1.25e6 tokens/s × 4 bytes × 500 h = 9 TB of a 400 TB corpus.
		{"a run reads a sample", []spec.Data{corpus}, []compute.Pool{timed("pt", 166, 1.25e6, 500)}, 8.2, 363.8},
		// 5e8 tokens/s × 4 × 500 h = 3.6 PB: two epochs and more, bounded by the corpus.
		{"several epochs read it all", []spec.Data{corpus}, []compute.Pool{timed("pt", 166, 5e8, 500)}, 363.8, 363.8},
		{"no run time: the data whole", []spec.Data{corpus}, []compute.Pool{pool("pt", "Standard_ND96isr_H100_v5", 16, 1e6)}, 363.8, 363.8},
		{"two runs share a corpus", []spec.Data{corpus}, []compute.Pool{timed("a", 16, 1.25e6, 500), timed("b", 16, 1.25e6, 500)}, 16.4, 363.8},
		{"data-prep input is not the training working set", []spec.Data{corpus, prep}, []compute.Pool{timed("pt", 166, 1.25e6, 500)}, 8.2, 363.8},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := defaultCatalog(t)
			z := zone(tt.data, tt.pools...)
			d := demand(z, c, tt.pools)
			if d.WorkingSetTiB != tt.wantTiB || d.DatasetTiB != tt.dataTiB {
				t.Fatalf("working set %.1f TiB of %.1f, want %.1f of %.1f (%v)", d.WorkingSetTiB, d.DatasetTiB, tt.wantTiB, tt.dataTiB, d.Basis)
			}
			var fs finding.List
			ht := hotTier(z, c, tt.pools, &fs)
			if want := round1(d.WorkingSetTiB + d.CheckpointTiB); ht.RequiredTiB != want {
				t.Errorf("hot tier needs %.1f TiB, want working set + checkpoints = %.1f", ht.RequiredTiB, want)
			}
			if !strings.Contains(ht.Reason, "system of record") {
				t.Errorf("the reason does not explain the sizing: %s", ht.Reason)
			}
		})
	}
}

// TestSlurmHotTierIsMounted: a Slurm pool gets a file system the workspace
// mounts (NetApp Files or Managed Lustre), not local disks.
func TestSlurmHotTierIsMounted(t *testing.T) {
	c := defaultCatalog(t)
	p := pool("ft", "Standard_ND96isr_H100_v5", 2, 50000)
	p.Training.Hours = 10
	z := zone([]spec.Data{dataset("corpus", 1e12)}, p)
	for _, orch := range []string{compute.OrchestratorVMSS, compute.OrchestratorSlurm} {
		p.Orchestrator = orch
		var fs finding.List
		ht := hotTier(z, c, []compute.Pool{p}, &fs)
		if (ht.Kind == "local-nvme") != (orch != compute.OrchestratorSlurm) {
			t.Errorf("%s: hot tier %s", orch, ht.Kind)
		}
	}
}
