package compute

import (
	"fmt"
	"math"

	"github.com/aizone/aizone/catalog"
	"github.com/aizone/aizone/finding"
	"github.com/aizone/aizone/spec"
)

// TrainingInput is what EstimateTraining needs.
type TrainingInput struct {
	Arch         Arch
	Tokens       float64
	Precision    string // bf16, fp16, fp8
	Method       string // full, lora
	SeqLen       int
	SKU          *catalog.SKU
	GPU          *catalog.GPU
	GPUs         int
	USDPerVMHour float64
}

// trainingFLOPs is the model FLOPs of the run (6·N·D, or 4·N·D for LoRA).
func trainingFLOPs(in TrainingInput) float64 {
	per := 6.0
	if in.Method == "lora" {
		per = 4.0
	}
	return per * in.Arch.ActiveParams * in.Tokens
}

// stateBytes is the model state the pool must hold (weights, gradients,
// optimizer), before sharding.
func stateBytes(a Arch, method string) float64 {
	if method == "lora" {
		return loraBytesPerParam * a.Params
	}
	return adamBytesPerParam * a.Params
}

// mfu is the model FLOPs utilisation assumed for a size and precision.
func mfu(s *catalog.SKU, precision string) float64 {
	m := mfuPCIe
	if s.ScaleUp == "nvlink" || s.ScaleUp == "infinity-fabric" {
		m = mfuNVLink
	}
	if precision == "fp8" {
		m *= mfuFP8Factor
	}
	return m
}

// MinTrainingGPUs is the fewest GPUs whose memory holds the sharded model state.
func MinTrainingGPUs(a Arch, method string, s *catalog.SKU) int {
	usable := s.GPUMemoryGB * 1e9 * (1 - trainingMemoryHeadroom)
	return max(1, ceilDiv(stateBytes(a, method), usable))
}

// EstimateTraining estimates one training run on GPUs GPUs of one size.
func EstimateTraining(in TrainingInput) (TrainingEstimate, error) {
	if in.GPUs < 1 {
		return TrainingEstimate{}, fmt.Errorf("need at least one GPU")
	}
	perNode := int(in.SKU.GPUs)
	if perNode < 1 {
		return TrainingEstimate{}, fmt.Errorf("%s has a fraction of a GPU; training needs whole GPUs", in.SKU.Name)
	}
	nodes := ceilDiv(float64(in.GPUs), float64(perNode))
	if nodes > 1 && !in.SKU.InfiniBand {
		return TrainingEstimate{}, fmt.Errorf("%s has no InfiniBand; multi-node training needs it", in.SKU.Name)
	}
	if need := MinTrainingGPUs(in.Arch, in.Method, in.SKU); in.GPUs < need {
		return TrainingEstimate{}, fmt.Errorf("model state of %.0f GB does not fit in %d GPUs of %.0f GB; needs at least %d",
			stateBytes(in.Arch, in.Method)/1e9, in.GPUs, in.SKU.GPUMemoryGB, need)
	}
	u := mfu(in.SKU, in.Precision)
	peak := in.GPU.PeakTFLOPS(in.Precision) * 1e12
	flops := trainingFLOPs(in)
	seconds := flops / (float64(in.GPUs) * peak * u)
	hours := seconds / 3600
	tp := 1
	if in.Arch.Params > 20e9 && in.SKU.ScaleUp != "pcie" {
		tp = min(8, perNode)
	}
	layout := Layout{TP: tp, PP: 1, DP: in.GPUs / tp, ZeRO: 3, Recompute: "selective", MicroBatch: 1,
		Why: "ZeRO-3 shards weights, gradients and optimizer states over every GPU"}
	if tp > 1 {
		layout.Why += fmt.Sprintf("; tensor parallel %d inside each node over %s keeps per-GPU activations small", tp, in.SKU.ScaleUp)
	}
	perGPU := stateBytes(in.Arch, in.Method) / float64(in.GPUs)
	return TrainingEstimate{
		SKU:               in.SKU.Name,
		GPUs:              in.GPUs,
		Nodes:             nodes,
		Layout:            layout,
		Tokens:            in.Tokens,
		FLOPs:             flops,
		TokensPerSecond:   round(in.Tokens/seconds, 0),
		Hours:             round(hours, 2),
		GPUHours:          round(hours*float64(in.GPUs), 0),
		ModelTFLOPSPerGPU: round(peak*u/1e12, 1),
		MFU:               round(u*peak/(in.GPU.BF16TFLOPS*1e12), 3),
		MemoryPerGPUGiB:   round(perGPU/(1<<30), 1),
		CostUSD:           round(hours*float64(nodes)*in.USDPerVMHour, 0),
	}, nil
}

func trainingTokens(w *spec.Workload) float64 {
	if w.Tokens > 0 {
		return float64(w.Tokens)
	}
	return float64(w.DatasetSize) / w.BytesPerToken * w.Epochs
}

func maxNodes(orchestrator string) int {
	if orchestrator == "batch" {
		return MaxBatchInterNodeNodes
	}
	return MaxIBScaleSetNodesRaised
}

func planTraining(w *spec.Workload, path string, regions []string, c *catalog.Catalog, opt Options, fs *finding.List) Pool {
	arch, err := ResolveModel(w.Model, c)
	if err != nil {
		fs.Add(finding.Error, "compute.model", path+".model", err.Error())
		return Pool{Workload: w.Name, Kind: w.Kind}
	}
	tokens := trainingTokens(w)
	deadlineH := w.Deadline.Hours()
	limit := maxNodes(w.Orchestrator)
	var cands []scored
	for _, s := range candidates(c, w.Precision, opt.AsOf, w.SKU) {
		g, _ := c.GPUSpec(s.GPU)
		perNode := int(s.GPUs)
		if perNode < 1 {
			continue
		}
		for _, region := range regions {
			pr, ok := priceFor(c, s.Name, region)
			if !ok {
				continue
			}
			in := TrainingInput{Arch: arch, Tokens: tokens, Precision: w.Precision, Method: w.Method, SeqLen: w.SequenceLength, SKU: s, GPU: g}
			// GPUs to meet the deadline, then whole nodes, then memory.
			perGPU := g.PeakTFLOPS(w.Precision) * 1e12 * mfu(s, w.Precision)
			need := trainingFLOPs(in) / (deadlineH * 3600 * perGPU)
			gpus := max(MinTrainingGPUs(arch, w.Method, s), int(math.Ceil(need-1e-9)))
			nodes := ceilDiv(float64(gpus), float64(perNode))
			maxN := limit
			if !s.InfiniBand {
				maxN = 1
			}
			feasible := true
			needNodes := nodes
			if nodes > maxN {
				nodes, feasible = maxN, false
			}
			in.GPUs = nodes * perNode
			usd := pr.usd
			priority := "regular"
			if w.Preemptible && pr.spot > 0 {
				usd, priority = pr.spot, "spot"
			}
			in.USDPerVMHour = usd
			est, err := EstimateTraining(in)
			if err != nil {
				continue
			}
			if priority == "spot" {
				// Evictions cost on average half a checkpoint interval of
				// work plus a restart; assume one eviction a day.
				lost := est.Hours / 24 * (w.CheckpointInterval.Hours()/2 + 0.25)
				est.Hours = round(est.Hours+lost, 2)
				est.CostUSD = round(est.Hours*float64(nodes)*usd, 0)
			}
			est.MeetsDeadline = est.Hours <= deadlineH
			feasible = feasible && est.MeetsDeadline
			p := Pool{Workload: w.Name, Kind: w.Kind, Model: arch.Name, SKU: s.Name, Region: region, Nodes: nodes,
				GPUs: float64(in.GPUs), GPU: s.GPU, Priority: priority, Orchestrator: w.Orchestrator,
				InfiniBand: s.InfiniBand && nodes > 1, PlacementGroup: nodes > 1,
				USDPerHour: round(usd*float64(nodes), 2), PriceSource: pr.source, PriceEstimated: pr.estimated,
				MonthlyHours: math.Min(est.Hours, hoursPerMonth), Training: &est, Feasible: feasible}
			p.Image, p.ImageURN = imageFor(c, s)
			score := est.CostUSD
			if w.Objective == "time" {
				score = est.Hours
				if w.BudgetUSD > 0 && est.CostUSD > w.BudgetUSD {
					feasible = false
					p.Feasible = false
				}
			}
			cands = append(cands, scored{pool: p, score: score, feasible: feasible, cost: est.CostUSD, hours: est.Hours, needNodes: needNodes})
		}
	}
	if len(cands) == 0 {
		msg := fmt.Sprintf("no VM size can train %s in %s precision", arch.Name, w.Precision)
		if w.SKU != "" {
			msg += fmt.Sprintf(" on the pinned size %s", w.SKU)
		}
		fs.Add(finding.Error, "compute.no-candidate", path, msg)
		return Pool{Workload: w.Name, Kind: w.Kind, Model: arch.Name}
	}
	sortAlternatives(cands)
	best := cands[0]
	p := best.pool
	p.Alternatives = alternativesOf(cands, 2, func(b, a scored) string {
		switch {
		case !a.feasible:
			return fmt.Sprintf("misses the deadline: %s at the node limit", humanHours(a.hours))
		case w.Objective == "time":
			return fmt.Sprintf("%.0f h slower", a.hours-b.hours)
		}
		return fmt.Sprintf("$%.0f more for the run (%.0f h)", a.cost-b.cost, a.hours)
	})
	est := p.Training
	p.Reason = fmt.Sprintf("%d × %s (%d GPUs) trains %s on %.3g tokens in %.0f h at %.0f%% MFU, the %s option that meets the %s deadline",
		p.Nodes, p.SKU, est.GPUs, arch.Name, tokens, est.Hours, est.MFU*100, objectiveWord(w.Objective), w.Deadline)
	if !best.feasible {
		p.Reason = fmt.Sprintf("nothing meets the %s deadline; the closest is %d × %s taking %s", w.Deadline, p.Nodes, p.SKU, humanHours(est.Hours))
		fix := fmt.Sprintf("extend the deadline to %s or train fewer tokens", humanHours(est.Hours))
		if w.Orchestrator == "batch" && best.needNodes <= MaxIBScaleSetNodesRaised {
			fix += fmt.Sprintf(", or choose orchestrator slurm or vmss (one scale set holds up to %d InfiniBand nodes)", MaxIBScaleSetNodesRaised)
		}
		fs.Add(finding.Error, "compute.deadline", path+".deadline",
			fmt.Sprintf("workload %q cannot finish in %s: it would need %d × %s, but a %s pool holds at most %d nodes, which take %s; %s",
				w.Name, w.Deadline, best.needNodes, p.SKU, w.Orchestrator, limit, humanHours(est.Hours), fix))
	}
	if p.Nodes > MaxIBScaleSetNodes && w.Orchestrator != "batch" {
		fs.Add(finding.Warning, "compute.scale-set-limit", path,
			fmt.Sprintf("%d InfiniBand nodes in one scale set exceed the default 100; request the raise to 300 through Azure support before deploying", p.Nodes))
	}
	if p.PriceEstimated {
		fs.Add(finding.Warning, "compute.price-estimated", path, fmt.Sprintf("no %s price for %s in the catalog; cost uses %s", p.SKU, p.Region, p.PriceSource))
	}
	return p
}

func objectiveWord(o string) string {
	if o == "time" {
		return "fastest within budget"
	}
	return "cheapest"
}
