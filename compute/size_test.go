package compute

import (
	"fmt"
	"strings"
	"testing"

	"github.com/aizone/aizone/catalog"
	"github.com/aizone/aizone/finding"
	"github.com/aizone/aizone/spec"
)

const asOf = "2026-11-27"

func zone(t *testing.T, workloads string) *spec.Zone {
	t.Helper()
	src := "name: test\nregion: eastus\nworkloads:\n" + workloads
	z, err := spec.Parse("test.yaml", []byte(src))
	if err != nil {
		t.Fatalf("zone: %v\n%s", err, src)
	}
	return z
}

func plan(t *testing.T, z *spec.Zone) (Result, finding.List) {
	t.Helper()
	c, err := catalog.Default()
	if err != nil {
		t.Fatal(err)
	}
	return Plan(z, c, Options{AsOf: asOf})
}

func hasError(fs finding.List, code string) bool {
	for _, f := range fs {
		if f.Severity == finding.Error && f.Code == code {
			return true
		}
	}
	return false
}

// TestLargeExample: the plan of examples/large.yaml states, for each
// workload, the VM size, count, layout, time, cost and the two best
// alternatives.
func TestLargeExample(t *testing.T) {
	z, err := spec.LoadFile("../examples/large.yaml")
	if err != nil {
		t.Fatal(err)
	}
	res, fs := plan(t, z)
	if fs.HasErrors() {
		t.Fatalf("large.yaml is infeasible: %v", fs)
	}
	for _, p := range res.Pools {
		t.Logf("%s: %d × %s — %s", p.Workload, p.Nodes, p.SKU, p.Reason)
		if p.SKU == "" || p.Nodes < 1 || p.Reason == "" || len(p.Reasons) == 0 {
			t.Errorf("%s: incomplete pool %+v", p.Workload, p)
		}
		if len(p.Alternatives) != 2 {
			t.Errorf("%s: %d alternatives, want 2", p.Workload, len(p.Alternatives))
		}
		for _, a := range p.Alternatives {
			if a.SKU == "" || a.Reason == "" {
				t.Errorf("%s: alternative without size or reason: %+v", p.Workload, a)
			}
		}
		switch p.Kind {
		case spec.KindTraining:
			tr := p.Training
			if tr == nil || tr.Hours <= 0 || tr.CostUSD <= 0 || tr.Layout.TP < 1 || tr.Layout.Why == "" {
				t.Fatalf("%s: training estimate incomplete: %+v", p.Workload, tr)
			}
			if tr.Hours > 21*24 {
				t.Errorf("%s: %.0f h misses the 21-day deadline", p.Workload, tr.Hours)
			}
			if p.Nodes > 1 && (!p.InfiniBand || !p.PlacementGroup) {
				t.Errorf("%s: %d nodes without InfiniBand and a placement group", p.Workload, p.Nodes)
			}
			for _, a := range p.Alternatives {
				if a.Layout == "" || a.Hours <= 0 {
					t.Errorf("%s: alternative without layout or time: %+v", p.Workload, a)
				}
			}
		case spec.KindInference:
			in := p.Inference
			if in == nil || in.TTFTms > 2000 || in.TPOTms > 60 || in.Replicas < 2 {
				t.Fatalf("%s: inference misses its targets: %+v", p.Workload, in)
			}
			if float64(in.Replicas)*in.RequestsPerSecond < 200 {
				t.Errorf("%s: %d replicas serve %.1f req/s, under 200", p.Workload, in.Replicas, float64(in.Replicas)*in.RequestsPerSecond)
			}
			if len(p.Zones) < 2 {
				t.Errorf("%s: replicas not spread over zones: %v", p.Workload, p.Zones)
			}
		}
	}
}

// TestBatchNodeLimit: a Batch pool with inter-node communication stops at
// 100 nodes; a job that needs more is infeasible and says what would work.
func TestBatchNodeLimit(t *testing.T) {
	z, err := spec.LoadFile("../examples/infeasible.yaml")
	if err != nil {
		t.Fatal(err)
	}
	res, fs := plan(t, z)
	p := res.Pools[0]
	if p.Nodes > MaxBatchInterNodeNodes {
		t.Errorf("Batch pool of %d nodes", p.Nodes)
	}
	if !hasError(fs, "compute.deadline") {
		t.Fatalf("no deadline error: %v", fs)
	}
	if !strings.Contains(fmt.Sprint(fs), "would need") {
		t.Errorf("the finding does not say what would work: %v", fs)
	}
}

func TestRules(t *testing.T) {
	tests := []struct {
		name      string
		workloads string
		check     func(t *testing.T, p Pool, fs finding.List)
	}{
		{
			name: "multi-node training only on InfiniBand sizes, one placement group",
			workloads: `  - {name: tune, kind: training, model: llama-3.1-70b, tokens: 200B, deadline: 10d, orchestrator: vmss}
`,
			check: func(t *testing.T, p Pool, fs finding.List) {
				s, _ := catalog.Default()
				sku, _ := s.SKU(p.SKU)
				if p.Nodes > 1 && (!sku.InfiniBand || !p.InfiniBand || !p.PlacementGroup) {
					t.Errorf("%d × %s without InfiniBand or placement group", p.Nodes, p.SKU)
				}
				if p.Nodes < 2 {
					t.Errorf("expected a multi-node pool, got %d nodes", p.Nodes)
				}
			},
		},
		{
			name: "Batch multi-node pools stay in one placement group within 100 nodes",
			workloads: `  - {name: tune, kind: training, model: llama-3.1-70b, tokens: 200B, deadline: 10d, orchestrator: batch}
`,
			check: func(t *testing.T, p Pool, fs finding.List) {
				if p.Nodes < 2 || p.Nodes > MaxBatchInterNodeNodes || !p.PlacementGroup || !p.InfiniBand {
					t.Errorf("Batch pool: %d nodes, placement group %v, InfiniBand %v", p.Nodes, p.PlacementGroup, p.InfiniBand)
				}
			},
		},
		{
			name: "spot only when the workload accepts preemption",
			workloads: `  - {name: tune, kind: training, model: llama-3.1-8b, tokens: 20B, deadline: 30d, orchestrator: vmss}
`,
			check: func(t *testing.T, p Pool, fs finding.List) {
				if p.Priority != "regular" {
					t.Errorf("non-preemptible job on %s", p.Priority)
				}
				for _, a := range p.Alternatives {
					if a.Priority == "spot" {
						t.Errorf("spot alternative for a non-preemptible job: %+v", a)
					}
				}
			},
		},
		{
			name: "a preemptible job takes Spot when it is cheaper and still meets the deadline",
			workloads: `  - {name: tune, kind: training, model: llama-3.1-8b, tokens: 20B, deadline: 30d, orchestrator: vmss, preemptible: true, checkpoint_interval: 30m}
`,
			check: func(t *testing.T, p Pool, fs finding.List) {
				if p.Priority != "spot" {
					t.Fatalf("preemptible job not on Spot: %s %s", p.SKU, p.Reason)
				}
				if p.Training.Interruptions <= 0 || p.Training.Goodput >= 1 {
					t.Errorf("Spot estimate without evictions: %+v", p.Training)
				}
				if !p.Training.MeetsDeadline {
					t.Errorf("Spot pool misses the deadline")
				}
			},
		},
		{
			name: "sizes past retirement are never chosen",
			workloads: `  - {name: tune, kind: training, model: llama-2-7b, tokens: 1B, deadline: 30d, sku: Standard_NC24s_v3, precision: fp16}
`,
			check: func(t *testing.T, p Pool, fs finding.List) {
				if p.SKU != "" || !hasError(fs, "compute.no-candidate") {
					t.Errorf("retired pinned size chosen: %q, %v", p.SKU, fs)
				}
			},
		},
		{
			name: "inference replicas spread over availability zones",
			workloads: `  - {name: chat, kind: inference, model: llama-3.1-8b, precision: fp8, requests_per_second: 50, input_tokens: 1000, output_tokens: 200, latency: {ttft: 1s, tpot: 50ms}}
`,
			check: func(t *testing.T, p Pool, fs finding.List) {
				if p.Nodes < 2 || len(p.Zones) < 2 || p.PlacementGroup || p.Inference.Replicas < 2 {
					t.Errorf("inference pool: %d nodes, zones %v, placement group %v", p.Nodes, p.Zones, p.PlacementGroup)
				}
			},
		},
		{
			name: "fastest within budget beats cheapest on time",
			workloads: `  - {name: tune, kind: training, model: llama-3.1-8b, tokens: 100B, deadline: 30d, orchestrator: vmss, objective: time, budget_usd: 400000}
`,
			check: func(t *testing.T, p Pool, fs finding.List) {
				if p.Training.CostUSD > 400000 {
					t.Errorf("over budget: $%.0f", p.Training.CostUSD)
				}
				for _, a := range p.Alternatives {
					if a.Feasible && a.Hours < p.Training.Hours {
						t.Errorf("alternative %s is faster (%.0f h) than the choice (%.0f h)", a.SKU, a.Hours, p.Training.Hours)
					}
				}
			},
		},
		{
			name: "unreachable latency is an error with the closest size",
			workloads: `  - {name: chat, kind: inference, model: llama-3.1-405b, precision: fp8, requests_per_second: 1, latency: {ttft: 10ms, tpot: 1ms}}
`,
			check: func(t *testing.T, p Pool, fs finding.List) {
				if !hasError(fs, "compute.latency") || p.SKU == "" {
					t.Errorf("no latency error or no closest size: %v", fs)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, fs := plan(t, zone(t, tt.workloads))
			tt.check(t, res.Pools[0], fs)
		})
	}
}

// TestCheaperObjectiveIsCheapest: under the cost objective no feasible
// alternative costs less than the choice.
func TestCheaperObjectiveIsCheapest(t *testing.T) {
	for _, w := range []string{
		"  - {name: tune, kind: training, model: llama-3.1-70b, tokens: 300B, deadline: 14d, orchestrator: slurm}\n",
		"  - {name: chat, kind: inference, model: llama-3.1-70b, precision: fp8, requests_per_second: 20}\n",
	} {
		res, _ := plan(t, zone(t, w))
		p := res.Pools[0]
		cost := 0.0
		if p.Training != nil {
			cost = p.Training.CostUSD
		} else {
			cost = p.USDPerHour * hoursPerMonth
		}
		for _, a := range p.Alternatives {
			if a.Feasible && a.CostUSD < cost-1 {
				t.Errorf("%s: alternative %s costs $%.0f, less than the choice's $%.0f", p.Workload, a.SKU, a.CostUSD, cost)
			}
		}
	}
}

func TestEstimateErrors(t *testing.T) {
	c, err := catalog.Default()
	if err != nil {
		t.Fatal(err)
	}
	a405 := catalogArch(t, c, "llama-3.1-405b")
	a8 := catalogArch(t, c, "llama-3.1-8b")
	tests := []struct {
		name string
		run  func() error
		want string
	}{
		{"405B does not fit one VM", func() error {
			s, g := hw(t, c, h100)
			_, err := EstimateTraining(TrainingInput{Arch: a405, Tokens: 1e9, Precision: "bf16", SeqLen: 8192, SKU: s, GPU: g, GPUs: 8})
			return err
		}, "does not fit"},
		{"no InfiniBand across VMs", func() error {
			s, g := hw(t, c, "Standard_NC96ads_A100_v4")
			_, err := EstimateTraining(TrainingInput{Arch: a8, Tokens: 1e9, Precision: "bf16", SeqLen: 4096, SKU: s, GPU: g, GPUs: 8})
			return err
		}, "no InfiniBand"},
		{"partial VMs", func() error {
			s, g := hw(t, c, h100)
			_, err := EstimateTraining(TrainingInput{Arch: a8, Tokens: 1e9, Precision: "bf16", SeqLen: 4096, SKU: s, GPU: g, GPUs: 12})
			return err
		}, "whole"},
		{"405B weights do not fit one H100", func() error {
			s, g := hw(t, c, h100)
			_, err := EstimateInference(InferenceInput{Arch: a405, Precision: "fp8", SKU: s, GPU: g, TP: 1, InputTokens: 100, OutputTokens: 100})
			return err
		}, "do not fit"},
		{"batch larger than the KV cache", func() error {
			s, g := hw(t, c, h100)
			_, err := EstimateInference(InferenceInput{Arch: a8, Precision: "fp8", SKU: s, GPU: g, TP: 1, InputTokens: 100000, OutputTokens: 1000, Batch: 1000})
			return err
		}, "does not fit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.run()
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

func TestMinTrainingGPUs(t *testing.T) {
	c, err := catalog.Default()
	if err != nil {
		t.Fatal(err)
	}
	s, g := hw(t, c, h100)
	for _, tt := range []struct {
		model  string
		atMost int
	}{{"llama-3.1-8b", 8}, {"llama-3.1-70b", 64}, {"llama-3.1-405b", 256}} {
		in := TrainingInput{Arch: catalogArch(t, c, tt.model), Precision: "bf16", SeqLen: 8192, SKU: s, GPU: g}
		n := MinTrainingGPUs(in, MaxIBScaleSetNodesRaised)
		if n < 1 || n > tt.atMost {
			t.Errorf("%s: fewest GPUs %d, want 1..%d", tt.model, n, tt.atMost)
		}
		in.GPUs = n
		if _, err := EstimateTraining(in); err != nil {
			t.Errorf("%s: does not fit on its own minimum of %d GPUs: %v", tt.model, n, err)
		}
		if n > 1 {
			in.GPUs = n - 1
			if n > 8 {
				in.GPUs = n - 8
			}
			if _, err := EstimateTraining(in); err == nil {
				t.Errorf("%s: fits on %d GPUs, fewer than the minimum %d", tt.model, in.GPUs, n)
			}
		}
	}
}

// BenchmarkSize times the planner's search for examples/large.yaml: every
// GPU size × node count (training), size × tensor-parallel degree
// (inference) and CPU size (data preparation).
func BenchmarkSize(b *testing.B) {
	c, err := catalog.Default()
	if err != nil {
		b.Fatal(err)
	}
	z, err := spec.LoadFile("../examples/large.yaml")
	if err != nil {
		b.Fatal(err)
	}
	regions := append([]string{z.Region}, z.Regions...)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for j := range z.Workloads {
			Size(Request{Workload: &z.Workloads[j], Path: fmt.Sprintf("workloads[%d]", j), Regions: regions}, c, Options{AsOf: asOf})
		}
	}
}

func TestResolveSKU(t *testing.T) {
	c, err := catalog.Default()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ in, want string }{
		{"Standard_ND96isr_H100_v5", "Standard_ND96isr_H100_v5"},
		{"nd96isr_h100_v5", "Standard_ND96isr_H100_v5"},
		{"H100", "Standard_ND96isr_H100_v5"},  // the InfiniBand size, not the NVL one
		{"h200", "Standard_ND96isr_H200_v5"},  // case does not matter
		{"A100", "Standard_ND96amsr_A100_v4"}, // more GPU memory wins among 8-GPU IB sizes
		{"A10", "Standard_NV72ads_A10_v5"},    // not an A100: the most A10s in one VM
		{"MI300X", "Standard_ND96isr_MI300X_v5"},
		{"GB200", "Standard_ND128isr_NDR_GB200_v6"}, // a part of the catalog name
		{"V100", "Standard_ND40rs_v2"},              // the size not retired
	}
	for _, tt := range tests {
		s, err := ResolveSKU(c, tt.in)
		if err != nil || s.Name != tt.want {
			t.Errorf("ResolveSKU(%q) = %v, %v; want %s", tt.in, s, err, tt.want)
		}
	}
	for _, bad := range []string{"", "Z999", "Standard_D4ds_v5", "SXM"} {
		if s, err := ResolveSKU(c, bad); err == nil {
			t.Errorf("ResolveSKU(%q) = %s, want an error", bad, s.Name)
		}
	}
}

func TestSmallest(t *testing.T) {
	c, err := catalog.Default()
	if err != nil {
		t.Fatal(err)
	}
	s, g := hw(t, c, h100)
	sm, ok := SmallestTraining(c, TrainingInput{Arch: catalogArch(t, c, "llama-3.1-70b"), Precision: "bf16", SeqLen: 8192, SKU: s, GPU: g}, asOf)
	if !ok || sm.SKU != h100 || sm.GPUs%8 != 0 || sm.Nodes < 2 {
		t.Errorf("70B on H100: %+v %v", sm, ok)
	}
	nc, ncg := hw(t, c, "Standard_NC24ads_A100_v4")
	sm, ok = SmallestTraining(c, TrainingInput{Arch: catalogArch(t, c, "llama-3.1-70b"), Precision: "bf16", SeqLen: 8192, SKU: nc, GPU: ncg}, asOf)
	if !ok || sm.SKU == nc.Name {
		t.Errorf("70B cannot train on one-GPU NC A100 VMs without InfiniBand, got %+v", sm)
	}
	in, ok := SmallestInference(c, InferenceInput{Arch: catalogArch(t, c, "llama-3.1-70b"), Precision: "bf16", SKU: s, GPU: g, InputTokens: 1000, OutputTokens: 200}, asOf)
	if !ok || in.TP != 2 || in.SKU != h100 {
		t.Errorf("70B BF16 on H100 needs TP2, got %+v", in)
	}
}
