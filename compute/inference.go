package compute

import (
	"fmt"
	"math"

	"github.com/aizone/aizone/catalog"
	"github.com/aizone/aizone/finding"
	"github.com/aizone/aizone/spec"
)

// InferenceInput is what EstimateInference needs.
type InferenceInput struct {
	Arch         Arch
	Precision    string
	SKU          *catalog.SKU
	GPU          *catalog.GPU
	TP           int
	InputTokens  int
	OutputTokens int
	// Batch fixes the decode batch; 0 picks the largest that fits memory
	// and meets TPOTTarget.
	Batch        int
	TPOTTarget   float64 // seconds; 0 = none
	TTFTTarget   float64 // seconds; 0 = none
	RateTarget   float64 // requests per second for the fleet; 0 = one replica
	USDPerVMHour float64
}

func hbmBytesPerSecond(g *catalog.GPU) float64 {
	if g.HBMMeasuredTBps > 0 {
		return g.HBMMeasuredTBps * 1e12
	}
	return g.HBMTBps * 1e12 * hbmMeasuredFraction
}

// EstimateInference estimates one replica (TP GPUs) and the replicas for
// the target rate.
func EstimateInference(in InferenceInput) (InferenceEstimate, error) {
	a := in.Arch
	frac := math.Min(in.SKU.GPUs, 1) // partitioned GPUs get a share of bandwidth and FLOPs
	if in.TP < 1 || float64(in.TP) > math.Max(in.SKU.GPUs, 1) {
		return InferenceEstimate{}, fmt.Errorf("tensor-parallel degree %d does not fit %s's %.4g GPUs", in.TP, in.SKU.Name, in.SKU.GPUs)
	}
	bpp := BytesPerParam(in.Precision)
	weights := a.Params * bpp
	kvPerToken := a.KVElemsPerToken() * bpp
	mem := float64(in.TP) * in.SKU.GPUMemoryGB * 1e9 * inferenceMemoryFraction
	if weights >= mem {
		return InferenceEstimate{}, fmt.Errorf("weights of %.0f GB do not fit in %d × %.0f GB; use a larger tensor-parallel degree or size", weights/1e9, in.TP, in.SKU.GPUMemoryGB)
	}
	seqTokens := float64(in.InputTokens + in.OutputTokens)
	maxBatch := int((mem - weights) / (kvPerToken * seqTokens))
	if maxBatch < 1 {
		return InferenceEstimate{}, fmt.Errorf("KV cache of one %d-token sequence does not fit beside the weights", int(seqTokens))
	}
	bw := hbmBytesPerSecond(in.GPU) * hbmDecodeEfficiency * float64(in.TP) * frac
	flops := in.GPU.PeakTFLOPS(in.Precision) * 1e12 * inferenceComputeEfficiency * float64(in.TP) * frac
	allReduce := 0.0
	if in.TP > 1 {
		allReduce = float64(a.Layers) * tpAllReduceSecondsPerLayer
	}
	avgCtx := float64(in.InputTokens) + float64(in.OutputTokens)/2
	step := func(b int) float64 {
		memT := (weights + float64(b)*kvPerToken*avgCtx) / bw
		compT := 2 * a.ActiveParams * float64(b) / flops
		return math.Max(memT, compT) + allReduce
	}
	batch := in.Batch
	if batch == 0 {
		batch = maxBatch
		if in.TPOTTarget > 0 {
			// step grows with b; search the largest b meeting the target.
			lo, hi := 0, maxBatch
			for lo < hi {
				mid := (lo + hi + 1) / 2
				if step(mid) <= in.TPOTTarget {
					lo = mid
				} else {
					hi = mid - 1
				}
			}
			batch = max(lo, 1)
		}
	} else if batch > maxBatch {
		return InferenceEstimate{}, fmt.Errorf("batch %d does not fit: at most %d sequences of %d tokens", batch, maxBatch, int(seqTokens))
	}
	tpot := step(batch)
	prefill := 2*a.ActiveParams*float64(in.InputTokens)/flops + allReduce
	// Continuous batching interleaves prefills with decode steps: each
	// request costs its prefill plus its share of decode steps.
	rps := 1 / (prefill + float64(in.OutputTokens)*tpot/float64(batch))
	outTPS := rps * float64(in.OutputTokens)
	replicas := 1
	if in.RateTarget > 0 {
		replicas = max(1, ceilDiv(in.RateTarget, rps))
	}
	est := InferenceEstimate{
		SKU:                   in.SKU.Name,
		GPUs:                  in.TP,
		TP:                    in.TP,
		Batch:                 batch,
		WeightsGiB:            round(weights/(1<<30), 1),
		KVCacheGiB:            round(float64(batch)*kvPerToken*seqTokens/(1<<30), 1),
		TTFTms:                round(prefill*1000, 1),
		TPOTms:                round(tpot*1000, 2),
		OutputTokensPerSecond: round(outTPS, 0),
		RequestsPerSecond:     round(rps, 2),
		Replicas:              replicas,
	}
	if in.USDPerVMHour > 0 {
		gpuHour := in.USDPerVMHour / math.Max(in.SKU.GPUs, 1)
		est.USDPerMillionTokens = round(gpuHour*float64(in.TP)/(outTPS*3600)*1e6, 3)
	}
	est.MeetsLatency = (in.TPOTTarget == 0 || tpot <= in.TPOTTarget) && (in.TTFTTarget == 0 || prefill <= in.TTFTTarget)
	return est, nil
}

func planInference(w *spec.Workload, path string, regions []string, c *catalog.Catalog, opt Options, fs *finding.List) Pool {
	arch, err := ResolveModel(w.Model, c)
	if err != nil {
		fs.Add(finding.Error, "compute.model", path+".model", err.Error())
		return Pool{Workload: w.Name, Kind: w.Kind}
	}
	var cands []scored
	for _, s := range candidates(c, w.Precision, opt.AsOf, w.SKU) {
		g, _ := c.GPUSpec(s.GPU)
		for _, region := range regions {
			pr, ok := priceFor(c, s.Name, region)
			if !ok {
				continue
			}
			for tp := 1; float64(tp) <= math.Max(s.GPUs, 1); tp *= 2 {
				est, err := EstimateInference(InferenceInput{Arch: arch, Precision: w.Precision, SKU: s, GPU: g, TP: tp,
					InputTokens: w.InputTokens, OutputTokens: w.OutputTokens, TPOTTarget: w.Latency.TPOT.Seconds(),
					TTFTTarget: w.Latency.TTFT.Seconds(), RateTarget: w.RequestsPerSecond, USDPerVMHour: pr.usd})
				if err != nil {
					continue
				}
				// Two replicas at least, spread over availability zones, so
				// that one zone or one node failing does not stop serving.
				est.Replicas = max(est.Replicas, minInferenceReplicasForHA)
				perNode := max(1, int(s.GPUs)/tp)
				nodes := ceilDiv(float64(est.Replicas), float64(perNode))
				hourly := pr.usd * float64(nodes)
				cost := hourly * hoursPerMonth
				if w.RequestsPerSecond > 0 {
					est.USDPerMillionTokens = round(hourly/(w.RequestsPerSecond*float64(w.OutputTokens)*3600)*1e6, 3)
				}
				p := Pool{Workload: w.Name, Kind: w.Kind, Model: arch.Name, SKU: s.Name, Region: region, Nodes: nodes,
					GPUs: float64(nodes) * s.GPUs, GPU: s.GPU, Priority: "regular", Orchestrator: w.Orchestrator,
					Zones: []string{"1", "2", "3"}, USDPerHour: round(hourly, 2), PriceSource: pr.source, PriceEstimated: pr.estimated,
					MonthlyHours: hoursPerMonth, Inference: &est, Feasible: est.MeetsLatency}
				p.Image, p.ImageURN = imageFor(c, s)
				score := cost
				if w.Objective == "time" {
					score = est.TPOTms
				}
				cands = append(cands, scored{pool: p, score: score, feasible: est.MeetsLatency, cost: cost})
			}
		}
	}
	if len(cands) == 0 {
		fs.Add(finding.Error, "compute.no-candidate", path, fmt.Sprintf("no VM size can serve %s in %s precision: the weights (%.0f GB) do not fit any size's GPU memory", arch.Name, w.Precision, arch.Params*BytesPerParam(w.Precision)/1e9))
		return Pool{Workload: w.Name, Kind: w.Kind, Model: arch.Name}
	}
	sortAlternatives(cands)
	best := cands[0]
	p := best.pool
	p.Alternatives = alternativesOf(cands, 2, func(b, a scored) string {
		if !a.feasible {
			return fmt.Sprintf("misses the latency target (TPOT %.0f ms, TTFT %.0f ms)", a.pool.Inference.TPOTms, a.pool.Inference.TTFTms)
		}
		if a.cost-b.cost < 1 {
			return "same monthly cost; the cheaper size wins ties by name"
		}
		return fmt.Sprintf("$%.0f a month more", a.cost-b.cost)
	})
	est := p.Inference
	p.Reason = fmt.Sprintf("%d replicas of TP%d on %s at batch %d give %.1f req/s each (TTFT %.0f ms, TPOT %.1f ms): the cheapest that meets %.4g req/s within the latency targets",
		est.Replicas, est.TP, p.SKU, est.Batch, est.RequestsPerSecond, est.TTFTms, est.TPOTms, w.RequestsPerSecond)
	if !best.feasible {
		p.Reason = fmt.Sprintf("no size meets the latency targets; closest is %s (TTFT %.0f ms, TPOT %.1f ms)", p.SKU, est.TTFTms, est.TPOTms)
		fs.Add(finding.Error, "compute.latency", path+".latency",
			fmt.Sprintf("workload %q: no size meets TTFT %s and TPOT %s; the closest, %s with TP%d, gives TTFT %.0f ms and TPOT %.1f ms",
				w.Name, w.Latency.TTFT, w.Latency.TPOT, p.SKU, est.TP, est.TTFTms, est.TPOTms))
	}
	if p.PriceEstimated {
		fs.Add(finding.Warning, "compute.price-estimated", path, fmt.Sprintf("no %s price for %s in the catalog; cost uses %s", p.SKU, p.Region, p.PriceSource))
	}
	return p
}

func planDataPrep(w *spec.Workload, path string, regions []string, c *catalog.Catalog, opt Options, fs *finding.List) Pool {
	// Large jobs get HBv4 (InfiniBand, 780 GB/s memory bandwidth); smaller
	// ones the general-purpose Ddsv5 sizes with local temp disks.
	var best *catalog.SKU
	for i := range c.SKUs {
		s := &c.SKUs[i]
		if s.IsGPU() || s.Retired(opt.AsOf) {
			continue
		}
		if w.VCPUs >= 176 && s.Family != "HBv4" {
			continue
		}
		if w.VCPUs < 176 && s.Family != "Ddsv5" {
			continue
		}
		if best == nil || nodesFor(w.VCPUs, s) < nodesFor(w.VCPUs, best) ||
			(nodesFor(w.VCPUs, s) == nodesFor(w.VCPUs, best) && s.VCPUs < best.VCPUs) {
			best = s
		}
	}
	if best == nil {
		fs.Add(finding.Error, "compute.no-candidate", path, "no CPU size in the catalog for data preparation")
		return Pool{Workload: w.Name, Kind: w.Kind}
	}
	n := nodesFor(w.VCPUs, best)
	p := Pool{Workload: w.Name, Kind: w.Kind, SKU: best.Name, Region: regions[0], Nodes: n, Priority: "regular",
		Orchestrator: w.Orchestrator, MonthlyHours: w.Hours.Hours(), Feasible: true, Alternatives: []Alternative{},
		Reason: fmt.Sprintf("%d × %s give %d vCPUs for %d requested", n, best.Name, n*best.VCPUs, w.VCPUs)}
	if w.Preemptible {
		p.Priority = "spot"
	}
	p.Image, p.ImageURN = imageFor(c, best)
	if pr, ok := priceFor(c, best.Name, regions[0]); ok {
		p.USDPerHour = round(pr.usd*float64(n), 2)
		p.PriceSource = pr.source
	} else {
		fs.Add(finding.Info, "compute.no-price", path, fmt.Sprintf("the catalog has no price for %s; its cost is not included", best.Name))
	}
	return p
}

func nodesFor(vcpus int, s *catalog.SKU) int { return ceilDiv(float64(vcpus), float64(s.VCPUs)) }
