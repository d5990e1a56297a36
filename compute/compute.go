// Package compute sizes the GPU (and data-preparation CPU) pools of a zone:
// which VM size, how many, for how long and at what cost, for training and
// for inference. It is a pure engine: zone and catalog in, decisions with
// their reasons out.
//
// Three layers, each usable alone:
//
//   - EstimateTraining: one model on one size and GPU count. It searches
//     the parallelism layouts (tensor parallel inside a VM over NVLink,
//     pipeline and data parallel across VMs, ZeRO stage, recompute,
//     micro-batch), keeps those whose memory fits (model state after ZeRO,
//     activations after Korthikanti et al.), and times a step of each:
//     every GEMM of a layer as its FLOPs at the measured GEMM ceiling plus
//     its bytes at measured HBM bandwidth, attention at the measured
//     FlashAttention rate, element-wise work at HBM bandwidth, tensor-parallel
//     collectives over NVLink, pipeline sends and the pipeline bubble, and
//     the data-parallel reduce-scatter and all-gather over InfiniBand less
//     the compute that hides them. Whole runs lose time to interruptions
//     (and Spot evictions): half a checkpoint interval and a restart each.
//   - EstimateInference: one model served on one size at one
//     tensor-parallel degree: weights and KV cache, the largest batch that
//     fits, prefill (compute-bound), decode steps (weights and KV-cache
//     bytes over HBM bandwidth at small batch, FLOPs at large batch, plus
//     the tensor-parallel all-reduces), TTFT, TPOT, throughput, replicas
//     and cost per million tokens.
//   - Size (and Plan, for a whole zone): searches every size the zone may
//     use, in every region, at every useful count, applies the placement
//     rules, and returns the choice with the two best alternatives and why.
//
// The efficiency factors are in efficiency.go, one place, the same for every
// model and size; calibration_test.go reproduces the published results of
// ../shared/reference/ai-performance.md with them.
package compute

import (
	"fmt"
	"math"
	"strings"

	"github.com/aizone/aizone/catalog"
	"github.com/aizone/aizone/finding"
	"github.com/aizone/aizone/health"
	"github.com/aizone/aizone/spec"
)

// Limits from ../shared/reference/network.md.
const (
	// A Batch pool with inter-node communication holds at most 100 nodes
	// (Batch service allocation mode).
	MaxBatchInterNodeNodes = 100
	// A scale set with a single placement group (needed for InfiniBand)
	// holds 100 VMs by default, 300 after a support request.
	MaxIBScaleSetNodes       = 100
	MaxIBScaleSetNodesRaised = 300
	hoursPerMonth            = 730.0
	// Two inference replicas at least, so that one node failing does not
	// stop the service.
	minInferenceReplicasForHA = 2
)

// Result is the compute part of a plan.
type Result struct {
	Pools []Pool `json:"pools"`
}

// Pool is the capacity chosen for one workload.
type Pool struct {
	Workload     string  `json:"workload"`
	Kind         string  `json:"kind"`
	Model        string  `json:"model,omitempty"`
	SKU          string  `json:"sku"`
	Region       string  `json:"region"`
	Nodes        int     `json:"nodes"`
	GPUs         float64 `json:"gpus"`
	GPU          string  `json:"gpu,omitempty"`
	Priority     string  `json:"priority"` // regular or spot
	Orchestrator string  `json:"orchestrator"`
	Image        string  `json:"image"`
	ImageURN     string  `json:"image_urn"`
	// ImageStack is the driver stack the image brings (driver, CUDA or ROCm).
	ImageStack  string `json:"image_stack,omitempty"`
	ImageSource string `json:"image_source,omitempty"`
	InfiniBand  bool   `json:"infiniband"`
	// AcceleratedNetworking is whether the size supports it (the pool's
	// NICs turn it on when it does).
	AcceleratedNetworking bool `json:"accelerated_networking"`
	// PlacementGroup is true when the pool's nodes must share one placement
	// group (multi-node training over InfiniBand): a proximity placement
	// group for scale sets, CycleCloud partitions and AKS node pools; a
	// Batch pool with inter-node communication is placed together by Batch.
	PlacementGroup bool `json:"placement_group"`
	// ScaleSets is how many scale sets (AKS: placement groups of the node
	// pool's scale set) the pool's nodes and spares are spread over, each
	// at most ScaleSetNodes nodes on one InfiniBand fabric (pools.go);
	// 0 or 1 is one.
	ScaleSets     int `json:"scale_sets,omitempty"`
	ScaleSetNodes int `json:"scale_set_nodes,omitempty"`
	// SpareNodes are allocated beside Nodes for the restart model: a
	// failed node's work moves to a spare (spares.go). USDPerHour
	// includes them.
	SpareNodes  int    `json:"spare_nodes,omitempty"`
	SpareReason string `json:"spare_reason,omitempty"`
	// Health is what a node of the pool's size must show before it takes
	// work (package health); nil for sizes without GPUs.
	Health      *health.Thresholds `json:"health,omitempty"`
	Zones       []string           `json:"zones,omitempty"`
	USDPerHour  float64            `json:"usd_per_hour"` // whole pool
	PriceSource string             `json:"price_source"`
	// Meter names the Retail Prices API meter that would price the pool's
	// size when the catalog has no price for it (USDPerHour is then 0 and
	// means "not priced", never free).
	Meter          string `json:"meter,omitempty"`
	PriceEstimated bool   `json:"price_estimated,omitempty"`
	// MonthlyHours is how many hours a month the pool runs (inference: all).
	MonthlyHours float64            `json:"monthly_hours"`
	Training     *TrainingEstimate  `json:"training,omitempty"`
	Inference    *InferenceEstimate `json:"inference,omitempty"`
	Reason       string             `json:"reason"`
	// Reasons lists the rules and decisions behind the pool, one a line.
	Reasons      []string      `json:"reasons"`
	Alternatives []Alternative `json:"alternatives"`
	// Searched counts the configurations (size × region × count or
	// tensor-parallel degree × priority) the planner evaluated.
	Searched int  `json:"searched"`
	Feasible bool `json:"feasible"`
}

// Alternative is a runner-up choice and why it lost.
type Alternative struct {
	SKU      string  `json:"sku"`
	Region   string  `json:"region,omitempty"`
	Nodes    int     `json:"nodes"`
	GPUs     float64 `json:"gpus,omitempty"`
	Priority string  `json:"priority,omitempty"`
	// Layout is the training layout or the inference replica shape.
	Layout  string  `json:"layout,omitempty"`
	Hours   float64 `json:"hours,omitempty"`
	CostUSD float64 `json:"cost_usd"` // training: the run; inference: a month
	// TPOTms and TTFTms describe inference alternatives.
	TPOTms   float64 `json:"tpot_ms,omitempty"`
	TTFTms   float64 `json:"ttft_ms,omitempty"`
	Feasible bool    `json:"feasible"`
	Reason   string  `json:"reason"`
}

// Options carry what the engine needs beyond zone and catalog.
type Options struct {
	// AsOf is the date (YYYY-MM-DD) against which size retirement is checked.
	AsOf string
}

// Request is one workload for Size.
type Request struct {
	Workload *spec.Workload
	// Path locates the workload in the zone file, for findings.
	Path    string
	Regions []string
	// ReadBytes is what the workload reads from the zone's data (the
	// entries whose used_by names it), for data preparation's network.
	ReadBytes float64
}

// Plan sizes a pool for every workload of the zone.
func Plan(z *spec.Zone, c *catalog.Catalog, opt Options) (Result, finding.List) {
	var res Result
	var fs finding.List
	regions := append([]string{z.Region}, z.Regions...)
	for i := range z.Workloads {
		p, f := Size(Request{Workload: &z.Workloads[i], Path: fmt.Sprintf("workloads[%d]", i), Regions: regions, ReadBytes: readBytes(z, z.Workloads[i].Name)}, c, opt)
		addSpares(&p)
		placePool(&p)
		f = append(f, placementFindings(p, fmt.Sprintf("workloads[%d]", i))...)
		if th, ok := health.For(c, p.SKU); ok {
			p.Health = &th
		}
		res.Pools = append(res.Pools, p)
		fs = append(fs, f...)
	}
	return res, fs
}

// Size chooses the pool for one workload: it searches every feasible VM
// size × count (or tensor-parallel degree and replicas) in the request's
// regions and chooses by the workload's objective.
func Size(r Request, c *catalog.Catalog, opt Options) (Pool, finding.List) {
	var fs finding.List
	var p Pool
	switch r.Workload.Kind {
	case spec.KindTraining:
		p = sizeTraining(r, c, opt, &fs)
	case spec.KindInference:
		p = sizeInference(r, c, opt, &fs)
	case spec.KindDataPrep:
		p = sizeDataPrep(r, c, opt, &fs)
	default:
		fs.Add(finding.Error, "compute.kind", r.Path+".kind", fmt.Sprintf("unknown workload kind %q", r.Workload.Kind))
		p = Pool{Workload: r.Workload.Name, Kind: r.Workload.Kind}
	}
	if p.Reasons == nil {
		p.Reasons = []string{}
	}
	if p.Alternatives == nil {
		p.Alternatives = []Alternative{}
	}
	return p, fs
}

// price is a size's hourly price in a region, possibly estimated from
// another region when the catalog has none there.
type price struct {
	usd       float64
	spot      float64 // 0 = no spot price
	source    string
	region    string
	estimated bool
}

func priceFor(c *catalog.Catalog, sku, region string) (price, bool) {
	if p, ok := c.Price(sku, region); ok {
		pr := price{usd: p.PAYG, source: p.Source + " " + p.Date, region: region}
		if p.Spot != nil {
			pr.spot = *p.Spot
		}
		return pr, true
	}
	// No price in this region: estimate with the cheapest region the
	// catalog has, and say so.
	all := c.PricesFor(sku)
	if len(all) == 0 {
		return price{}, false
	}
	p := all[0]
	pr := price{usd: p.PAYG, source: fmt.Sprintf("%s %s (%s price)", p.Source, p.Date, p.Region), region: region, estimated: true}
	return pr, true
}

// pricesIn returns a size's prices in the regions, the regions it is not
// priced in being estimated only when no listed region prices it.
func pricesIn(c *catalog.Catalog, sku string, regions []string) []price {
	var out []price
	for _, r := range regions {
		if p, ok := c.Price(sku, r); ok {
			pr := price{usd: p.PAYG, source: p.Source + " " + p.Date, region: r}
			if p.Spot != nil {
				pr.spot = *p.Spot
			}
			out = append(out, pr)
		}
	}
	if len(out) == 0 {
		if pr, ok := priceFor(c, sku, regions[0]); ok {
			out = append(out, pr)
		}
	}
	return out
}

// gpuCandidates are the GPU sizes a workload may use: not retired, not
// confidential (their accelerated networking and attestation do not suit
// clusters), running the precision natively. Each size left out gets a
// line in skipped.
func gpuCandidates(c *catalog.Catalog, precision, asOf, pinned string, skipped *[]string) []*catalog.SKU {
	var out []*catalog.SKU
	var retired []string
	for i := range c.SKUs {
		s := &c.SKUs[i]
		if !s.IsGPU() {
			continue
		}
		if pinned != "" && !strings.EqualFold(strings.TrimPrefix(strings.ToLower(s.Name), "standard_"), strings.TrimPrefix(strings.ToLower(pinned), "standard_")) {
			continue
		}
		if s.Retired(asOf) {
			retired = append(retired, fmt.Sprintf("%s (%s)", s.Name, s.Retirement))
			continue
		}
		if s.Confidential && pinned == "" {
			continue
		}
		g, ok := c.GPUSpec(s.GPU)
		if !ok || !g.Supports(precision) {
			continue
		}
		out = append(out, s)
	}
	if len(retired) > 0 && skipped != nil {
		*skipped = append(*skipped, "never chosen, past retirement: "+strings.Join(retired, ", "))
	}
	return out
}

func ceilDiv(a, b float64) int { return int(math.Ceil(a/b - 1e-9)) }

// humanHours prints long times in days.
func humanHours(h float64) string {
	if h > 72 {
		return fmt.Sprintf("%.0f days", math.Ceil(h/24))
	}
	return fmt.Sprintf("%.0f h", math.Ceil(h))
}

func round(v float64, digits int) float64 {
	p := math.Pow(10, float64(digits))
	return math.Round(v*p) / p
}
