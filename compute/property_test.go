package compute

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"strings"
	"testing"

	"github.com/aizone/aizone/catalog"
	"github.com/aizone/aizone/spec"
)

// TestTrainingMemoryGrowsWithBatchAndSeq holds every layout fixed and checks
// that a GPU's activation memory grows with the micro-batch and with the
// sequence length, and model state does not change with either.
func TestTrainingMemoryGrowsWithBatchAndSeq(t *testing.T) {
	c, err := catalog.Default()
	if err != nil {
		t.Fatal(err)
	}
	for _, model := range []string{"llama-3.1-8b", "llama-2-70b", "gpt-3-175b", "mixtral-8x7b"} {
		for _, sku := range []string{h100, a100} {
			s, g := hw(t, c, sku)
			a := catalogArch(t, c, model)
			trainers := map[int]*trainer{}
			for _, seq := range []int{1024, 2048, 4096, 8192} {
				tr, err := newTrainer(TrainingInput{Arch: a, Precision: "bf16", SeqLen: seq, GlobalBatch: 1024, SKU: s, GPU: g})
				if err != nil {
					t.Fatal(err)
				}
				trainers[seq] = tr
			}
			for _, l := range trainers[1024].candidateLayouts(64, 0) {
				for _, k := range []int{0, 2} {
					l.RecomputeLayers = k
					prevSeq := -1.0
					for _, seq := range []int{1024, 2048, 4096, 8192} {
						st, acts, _ := trainers[seq].memory(l)
						if acts <= prevSeq {
							t.Errorf("%s on %s, %s: activations %.3g at seq %d not above %.3g at half", model, sku, l, acts, seq, prevSeq)
						}
						prevSeq = acts
						bigger := l
						bigger.MicroBatch *= 2
						st2, acts2, _ := trainers[seq].memory(bigger)
						if acts2 <= acts {
							t.Errorf("%s on %s, %s seq %d: activations %.3g at micro-batch %d not above %.3g", model, sku, l, seq, acts2, bigger.MicroBatch, acts)
						}
						if st2 != st {
							t.Errorf("%s on %s, %s: model state changed with the micro-batch", model, sku, l)
						}
					}
				}
			}
		}
	}
}

// TestInferenceMemoryGrowsWithBatchAndSeq: the KV cache grows with the
// batch and the sequence; the largest batch that fits falls as sequences
// grow.
func TestInferenceMemoryGrowsWithBatchAndSeq(t *testing.T) {
	c, err := catalog.Default()
	if err != nil {
		t.Fatal(err)
	}
	for _, model := range []string{"llama-3.1-8b", "llama-3.1-70b", "mixtral-8x7b"} {
		a := catalogArch(t, c, model)
		prevMax := 1 << 30
		prevKV := 0.0
		for _, in := range []int{256, 1024, 4096} {
			base := serve(t, c, a, h100, 8, 1, "fp8", in, 256)
			if base.MaxBatch > prevMax {
				t.Errorf("%s: max batch %d at %d input tokens above %d at fewer", model, base.MaxBatch, in, prevMax)
			}
			prevMax = base.MaxBatch
			one := serve(t, c, a, h100, 8, 1, "fp8", in, 256)
			if one.KVCacheGiB < prevKV {
				t.Errorf("%s: KV cache %.2f GiB at %d tokens below %.2f at fewer", model, one.KVCacheGiB, in, prevKV)
			}
			prevKV = one.KVCacheGiB
			for b := 8; b <= min(128, base.MaxBatch); b *= 2 {
				more := serve(t, c, a, h100, 8, b, "fp8", in, 256)
				less := serve(t, c, a, h100, 8, b/2, "fp8", in, 256)
				if more.KVCacheGiB <= less.KVCacheGiB {
					t.Errorf("%s: KV cache %.2f GiB at batch %d not above %.2f at %d", model, more.KVCacheGiB, b, less.KVCacheGiB, b/2)
				}
				if more.TPOTms < less.TPOTms {
					t.Errorf("%s: TPOT %.2f ms at batch %d below %.2f at %d", model, more.TPOTms, b, less.TPOTms, b/2)
				}
			}
		}
	}
}

// TestScaling doubles the GPUs of a job again and again. Throughput must
// never beat linear scaling of what the smaller job could do with unlimited
// memory: more GPUs also bring more memory, which can let a job drop
// recomputation, pipeline stages or small micro-batches, a real superlinear
// speed-up but never more than that. And it must never lose more than the
// communication model accounts for: the compute part of the doubled job's
// step is at most half the smaller job's whole step, so every second beyond
// linear scaling is a collective, a pipeline send or a bubble.
func TestScaling(t *testing.T) {
	c, err := catalog.Default()
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		model string
		sku   string
		seq   int
		from  int // GPUs
	}{
		{"llama-3.1-8b", h100, 8192, 8},
		{"llama-3.1-70b", h100, 8192, 32},
		{"llama-2-13b", a100, 4096, 8},
		{"gpt-3-175b", h100, 2048, 64},
		{"llama-3.1-405b", h100, 8192, 256},
	}
	for _, cs := range cases {
		s, g := hw(t, c, cs.sku)
		in := TrainingInput{Arch: catalogArch(t, c, cs.model), Tokens: 1e11, Precision: "bf16", Method: "full", SeqLen: cs.seq, SKU: s, GPU: g}
		tr, err := newTrainer(in)
		if err != nil {
			t.Fatal(err)
		}
		unlimited := *tr
		unlimited.usable = math.Inf(1)
		var prev *TrainingEstimate
		prevIdeal := 0.0 // tokens per step-second with unlimited memory
		for gpus := cs.from; gpus <= 4096; gpus *= 2 {
			in.GPUs = gpus
			est, err := tr.estimate(in, false)
			if err != nil {
				t.Fatalf("%s on %d GPUs: %v", cs.model, gpus, err)
			}
			ideal, _, _, _, _ := unlimited.best(gpus, 0)
			if prev != nil {
				ratio := est.TokensPerSecond / prev.TokensPerSecond
				if est.TokensPerSecond > 2*prevIdeal*(1+1e-3) {
					t.Errorf("%s: %d → %d GPUs gives %.4g tokens/s, more than twice the smaller job's %.4g even with unlimited memory (%s → %s)",
						cs.model, prev.GPUs, gpus, est.TokensPerSecond, prevIdeal, prev.Layout, est.Layout)
				}
				// Compute may lose a few per cent besides: context
				// parallelism hands the attention kernel shorter calls,
				// which run at its lower measured rate for that length.
				compute := est.Step.Compute + est.Step.Optimizer
				if compute > prev.Step.Total/2*(1+5e-2) {
					t.Errorf("%s: %d → %d GPUs: compute alone (%.3f s) exceeds half the smaller job's step (%.3f s): the loss is not communication", cs.model, prev.GPUs, gpus, compute, prev.Step.Total/2)
				}
				if ratio < 1 {
					t.Logf("%s: %d → %d GPUs is slower (%.3f×): %s", cs.model, prev.GPUs, gpus, ratio, est.Layout)
				}
			}
			prev = &est
			prevIdeal = float64(ideal.l.DP*ideal.l.GradAccum*ideal.l.MicroBatch*tr.seq) / ideal.st.Total
		}
	}
}

// TestInterleaveNeedsWholeGroups: the interleaved pipeline schedule is only
// searched when the micro-batches fill whole groups of one per stage; with
// fewer the stages would wait on each other and the bubble formula would
// promise a saving that does not exist.
func TestInterleaveNeedsWholeGroups(t *testing.T) {
	c, err := catalog.Default()
	if err != nil {
		t.Fatal(err)
	}
	s, g := hw(t, c, h100)
	tests := []struct {
		model       string
		gpus, batch int
	}{
		{"llama-3.1-8b", 16384, 2048}, // one sequence a replica: never interleaved
		{"llama-3.1-405b", 16384, 2048},
		{"gpt-3-175b", 4096, 2048},
		{"llama-3.1-70b", 800, 100}, // ragged groups
	}
	for _, tt := range tests {
		tr, err := newTrainer(TrainingInput{Arch: catalogArch(t, c, tt.model), Precision: "bf16", SeqLen: 8192, GlobalBatch: tt.batch, SKU: s, GPU: g})
		if err != nil {
			t.Fatal(err)
		}
		interleaved := 0
		for _, l := range tr.candidateLayouts(tt.gpus, 0) {
			if l.Interleave > 1 {
				interleaved++
				if l.GradAccum < l.PP || l.GradAccum%l.PP != 0 {
					t.Errorf("%s on %d GPUs: %s interleaves %d micro-batches over %d stages", tt.model, tt.gpus, l, l.GradAccum, l.PP)
				}
			}
		}
		if tt.model == "gpt-3-175b" && interleaved == 0 {
			t.Errorf("%s on %d GPUs: no interleaved layout searched at all", tt.model, tt.gpus)
		}
	}
}

// TestRecomputePin: a pinned policy is kept in every layout that fits, or
// the run does not fit; auto recomputes no more than either.
func TestRecomputePin(t *testing.T) {
	c, err := catalog.Default()
	if err != nil {
		t.Fatal(err)
	}
	s, g := hw(t, c, h100)
	a := catalogArch(t, c, "llama-3.1-70b")
	in := TrainingInput{Arch: a, Tokens: 1e12, Precision: "bf16", SeqLen: 8192, GlobalBatch: 256, SKU: s, GPU: g, GPUs: 64}
	est := map[string]TrainingEstimate{}
	for _, rc := range []string{"", RecomputeSelective, RecomputeFull} {
		in.Recompute = rc
		e, err := EstimateTraining(in)
		if err != nil {
			t.Fatalf("recompute %q: %v", rc, err)
		}
		est[rc] = e
	}
	if l := est[RecomputeSelective].Layout; l.Recompute != RecomputeSelective || l.RecomputeLayers != 0 {
		t.Errorf("selective pinned, got %s", l)
	}
	if l := est[RecomputeFull].Layout; l.Recompute != RecomputeFull || l.RecomputeLayers != (a.Layers+l.PP-1)/l.PP {
		t.Errorf("full pinned, got %s", l)
	}
	for _, rc := range []string{RecomputeSelective, RecomputeFull} {
		if est[""].StepSeconds > est[rc].StepSeconds {
			t.Errorf("auto (%s, %.3f s) is slower than %s pinned (%s, %.3f s)", est[""].Layout, est[""].StepSeconds, rc, est[rc].Layout, est[rc].StepSeconds)
		}
	}
	in.GPUs, in.Recompute = 16, RecomputeSelective
	if _, err := EstimateTraining(in); err == nil {
		t.Error("70B at seq 8192 on 16 GPUs without recompute fits; want it refused")
	}
	in.Recompute = "sometimes"
	if _, err := EstimateTraining(in); err == nil || !strings.Contains(err.Error(), "sometimes") {
		t.Errorf("unknown policy: %v", err)
	}
}

// TestContextParallel: sequences are split only into chunks of at least
// minContextChunk tokens, a chunk's activations shrink with the split, and
// a 128K-token run on more GPUs than sequences finds a layout only through
// context parallelism.
func TestContextParallel(t *testing.T) {
	c, err := catalog.Default()
	if err != nil {
		t.Fatal(err)
	}
	s, g := hw(t, c, h100)
	a := catalogArch(t, c, "llama-3.1-405b")
	for _, seq := range []int{8192, 32768, 131072} {
		tr, err := newTrainer(TrainingInput{Arch: a, Precision: "bf16", SeqLen: seq, GlobalBatch: 128, SKU: s, GPU: g})
		if err != nil {
			t.Fatal(err)
		}
		maxCP := 1
		for _, l := range tr.candidateLayouts(16384, 0) {
			maxCP = max(maxCP, l.CP)
			if l.CP > 1 && (seq/l.CP < minContextChunk || seq%(2*l.CP) != 0) {
				t.Errorf("seq %d: %s splits into chunks of %d", seq, l, seq/l.CP)
			}
			if l.TP*l.CP*l.PP*l.DP != 16384 {
				t.Errorf("seq %d: %s does not use 16384 GPUs", seq, l)
			}
			if l.CP > 1 {
				one := l
				one.CP = 1
				_, acts, _ := tr.memory(l)
				_, whole, _ := tr.memory(one)
				if acts >= whole {
					t.Errorf("seq %d: %s holds %.3g bytes of activations, not less than %.3g unsplit", seq, l, acts, whole)
				}
			}
		}
		if want := max(1, seq/minContextChunk); maxCP != want {
			t.Errorf("seq %d: largest context split searched is %d, want %d", seq, maxCP, want)
		}
	}
	// 16,384 GPUs and 128 sequences: TP8 × PP16 leaves 128 replicas only
	// if nothing else splits, so most of the search needs CP.
	est, err := EstimateTraining(TrainingInput{Arch: a, Tokens: 1e11, Precision: "bf16", SeqLen: 131072, GlobalBatch: 128, SKU: s, GPU: g, GPUs: 16384})
	if err != nil {
		t.Fatal(err)
	}
	if est.Layout.CP < 2 {
		t.Errorf("128K-token sequences on 16384 GPUs: %s, want context parallelism", est.Layout)
	}
	if est.GlobalBatch != 128 || est.Layout.DP*est.Layout.GradAccum*est.Layout.MicroBatch != 128 {
		t.Errorf("context parallelism changed the batch: %d sequences, %s", est.GlobalBatch, est.Layout)
	}
}

// TestAddingAPricedOptionNeverRaisesCost is the planner's monotonicity
// under the cost objective: adding a priced option to the catalog (a
// price for a size that had none, a price in a region where a priced
// size had none, or a new size with its price) never raises the chosen
// cost, and never turns a plan that met its targets into one that does
// not. A seeded generator draws the additions over the examples' and
// some synthetic workloads; an unpriced choice counts as infinitely
// expensive, so pricing it can only lower the cost.
func TestAddingAPricedOptionNeverRaisesCost(t *testing.T) {
	zones := []*spec.Zone{}
	for _, name := range []string{"small.yaml", "large.yaml", "vmss-finetune.yaml"} {
		z, err := spec.LoadFile("../examples/" + name)
		if err != nil {
			t.Fatal(err)
		}
		zones = append(zones, z)
	}
	for _, w := range []string{
		"  - {name: tune, kind: training, model: llama-3.1-70b, tokens: 300B, deadline: 14d, orchestrator: slurm}\n",
		"  - {name: chat, kind: inference, model: llama-3.1-70b, precision: fp8, requests_per_second: 20}\n",
		"  - {name: prep, kind: data-prep, vcpus: 300, duration: 50h, preemptible: true}\n",
	} {
		zones = append(zones, zone(t, w))
	}
	base, err := catalog.Default()
	if err != nil {
		t.Fatal(err)
	}
	type choice struct {
		cost     float64
		feasible bool
	}
	chosen := func(c *catalog.Catalog, z *spec.Zone) []choice {
		res, _ := Plan(z, c, Options{AsOf: asOf})
		var out []choice
		for _, p := range res.Pools {
			cost := math.Inf(1)
			switch {
			case p.USDPerHour <= 0:
			case p.Training != nil:
				cost = p.Training.CostUSD
			case p.Kind == spec.KindDataPrep:
				cost = p.USDPerHour * p.MonthlyHours
			default:
				cost = p.USDPerHour * hoursPerMonth
			}
			if p.USDPerHour <= 0 {
				// Unpriced is never ranked as free: a feasible priced
				// alternative would have been chosen.
				for _, a := range p.Alternatives {
					if a.Feasible && a.CostUSD > 0 {
						t.Errorf("%s: unpriced %s chosen over priced %s ($%.0f)", p.Workload, p.SKU, a.SKU, a.CostUSD)
					}
				}
			}
			out = append(out, choice{cost, p.Feasible})
		}
		return out
	}
	before := make([][]choice, len(zones))
	for i, z := range zones {
		before[i] = chosen(base, z)
	}
	// Sizes a price can be added for: every catalog size, and regions the
	// zones may use where the size has no price yet.
	var skus []*catalog.SKU
	for i := range base.SKUs {
		if !base.SKUs[i].Retired(asOf) {
			skus = append(skus, &base.SKUs[i])
		}
	}
	zoneRegion := map[string]bool{}
	for _, z := range zones {
		zoneRegion[z.Region] = true
		for _, r := range z.Regions {
			zoneRegion[r] = true
		}
	}
	regions := []string{"westus3", "southcentralus"}
	for r := range zoneRegion {
		regions = append(regions, r)
	}
	sort.Strings(regions)
	rng := rand.New(rand.NewPCG(14, 2026))
	const trials = 24
	applied := 0
	defer func() {
		if applied < trials/3 {
			t.Errorf("only %d of %d draws added a price; the generator tests too little", applied, trials)
		}
	}()
	for trial := 0; trial < trials; trial++ {
		s := skus[rng.IntN(len(skus))]
		region := regions[rng.IntN(len(regions))]
		name := s.Name
		extra := ""
		if rng.IntN(3) == 0 {
			// A synthetic size: a copy of s under a new name.
			name = fmt.Sprintf("Standard_X%d_test", trial)
			extra = fmt.Sprintf("skus:\n  - {name: %s, family: test, vcpus: %d, memory_gib: %g, gpu: %q, gpus: %g, gpu_memory_gb: %g, scale_up: %q, scale_up_gbps: %g, infiniband: %v, ib_gbps_per_vm: %g, local_nvme_gib: %g, temp_disk_gib: %g, network_mbps: %g, accelerated_networking: %v, source: T-TEST}\n",
				name, s.VCPUs, s.MemoryGiB, s.GPU, s.GPUs, s.GPUMemoryGB, s.ScaleUp, s.ScaleUpGBps, s.InfiniBand, s.IBGbpsPerVM, s.LocalNVMeGiB, s.TempDiskGiB, s.NetworkMbps, s.AccelNet)
			if s.Arch != "" {
				extra = strings.Replace(extra, "source: T-TEST}", fmt.Sprintf("arch: %s, source: T-TEST}", s.Arch), 1)
			}
		} else if _, ok := base.Price(s.Name, region); ok || (len(base.PricesFor(s.Name)) > 0 && zoneRegion[region]) {
			// Not an addition: it would replace a price, or the estimate
			// a zone in that region draws from another region's price.
			continue
		}
		// A price per vCPU or per GPU in a plausible range.
		unit := float64(s.VCPUs) * (0.02 + 0.1*rng.Float64())
		if s.IsGPU() {
			unit = s.GPUs * (1 + 15*rng.Float64())
		}
		spot := ""
		if rng.IntN(2) == 0 {
			spot = fmt.Sprintf(", spot_usd_per_hour: %.4f", unit*(0.1+0.4*rng.Float64()))
		}
		applied++
		c := overlay(t, map[string]string{"add.yaml": testSource + extra + fmt.Sprintf("prices:\n  - {sku: %s, region: %s, payg_usd_per_hour: %.4f%s, date: \"2026-12\", source: T-TEST}\n", name, region, unit, spot)})
		for i, z := range zones {
			after := chosen(c, z)
			for j := range after {
				b, a := before[i][j], after[j]
				if b.feasible && (!a.feasible || a.cost > b.cost*(1+1e-9)+1) {
					t.Errorf("trial %d: adding %s in %s at $%.2f/h raised %s pool %d from %.0f (feasible %v) to %.0f (feasible %v)",
						trial, name, region, unit, z.Name, j, b.cost, b.feasible, a.cost, a.feasible)
				}
			}
		}
	}
}
