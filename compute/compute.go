package compute

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/aizone/aizone/catalog"
	"github.com/aizone/aizone/finding"
	"github.com/aizone/aizone/spec"
)

// Limits from ../shared/reference/network.md.
const (
	// A Batch pool with inter-node communication holds at most 100 nodes.
	MaxBatchInterNodeNodes = 100
	// A scale set with a single placement group (needed for InfiniBand)
	// holds 100 VMs by default, 300 after a support request.
	MaxIBScaleSetNodes        = 100
	MaxIBScaleSetNodesRaised  = 300
	hoursPerMonth             = 730.0
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
	InfiniBand   bool    `json:"infiniband"`
	// PlacementGroup is true when the pool needs one proximity placement
	// group (multi-node training over InfiniBand).
	PlacementGroup bool     `json:"placement_group"`
	Zones          []string `json:"zones,omitempty"`
	USDPerHour     float64  `json:"usd_per_hour"` // whole pool
	PriceSource    string   `json:"price_source"`
	PriceEstimated bool     `json:"price_estimated,omitempty"`
	// MonthlyHours is how many hours a month the pool runs (inference: all).
	MonthlyHours float64            `json:"monthly_hours"`
	Training     *TrainingEstimate  `json:"training,omitempty"`
	Inference    *InferenceEstimate `json:"inference,omitempty"`
	Reason       string             `json:"reason"`
	Alternatives []Alternative      `json:"alternatives"`
	Feasible     bool               `json:"feasible"`
}

// Alternative is a runner-up choice and why it lost.
type Alternative struct {
	SKU     string  `json:"sku"`
	Nodes   int     `json:"nodes"`
	Hours   float64 `json:"hours,omitempty"`
	CostUSD float64 `json:"cost_usd"`
	Reason  string  `json:"reason"`
}

// Layout is the parallelism of a training job.
type Layout struct {
	TP         int    `json:"tp"`
	PP         int    `json:"pp"`
	DP         int    `json:"dp"`
	ZeRO       int    `json:"zero"`
	Recompute  string `json:"recompute"`
	MicroBatch int    `json:"micro_batch"`
	Why        string `json:"why"`
}

// TrainingEstimate is the time and cost of one training run.
type TrainingEstimate struct {
	SKU               string  `json:"sku"`
	GPUs              int     `json:"gpus"`
	Nodes             int     `json:"nodes"`
	Layout            Layout  `json:"layout"`
	Tokens            float64 `json:"tokens"`
	FLOPs             float64 `json:"flops"`
	TokensPerSecond   float64 `json:"tokens_per_second"`
	Hours             float64 `json:"hours"`
	GPUHours          float64 `json:"gpu_hours"`
	ModelTFLOPSPerGPU float64 `json:"model_tflops_per_gpu"`
	MFU               float64 `json:"mfu"`
	MemoryPerGPUGiB   float64 `json:"memory_per_gpu_gib"`
	CostUSD           float64 `json:"cost_usd"`
	MeetsDeadline     bool    `json:"meets_deadline"`
}

// InferenceEstimate is the serving capacity of one replica and the fleet.
type InferenceEstimate struct {
	SKU                   string  `json:"sku"`
	GPUs                  int     `json:"gpus"`
	TP                    int     `json:"tp"`
	Batch                 int     `json:"batch"`
	WeightsGiB            float64 `json:"weights_gib"`
	KVCacheGiB            float64 `json:"kv_cache_gib"`
	TTFTms                float64 `json:"ttft_ms"`
	TPOTms                float64 `json:"tpot_ms"`
	OutputTokensPerSecond float64 `json:"output_tokens_per_second"` // one replica
	RequestsPerSecond     float64 `json:"requests_per_second"`      // one replica
	Replicas              int     `json:"replicas"`
	USDPerMillionTokens   float64 `json:"usd_per_million_tokens"`
	MeetsLatency          bool    `json:"meets_latency"`
}

// Options carry what the engine needs beyond zone and catalog.
type Options struct {
	// AsOf is the date (YYYY-MM-DD) against which size retirement is checked.
	AsOf string
}

// Plan sizes a pool for every workload of the zone.
func Plan(z *spec.Zone, c *catalog.Catalog, opt Options) (Result, finding.List) {
	var res Result
	var fs finding.List
	regions := append([]string{z.Region}, z.Regions...)
	for i := range z.Workloads {
		w := &z.Workloads[i]
		path := fmt.Sprintf("workloads[%d]", i)
		var p Pool
		switch w.Kind {
		case spec.KindTraining:
			p = planTraining(w, path, regions, c, opt, &fs)
		case spec.KindInference:
			p = planInference(w, path, regions, c, opt, &fs)
		case spec.KindDataPrep:
			p = planDataPrep(w, path, regions, c, opt, &fs)
		}
		res.Pools = append(res.Pools, p)
	}
	return res, fs
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

// candidates are the GPU sizes a workload may use: offered (priced), not
// retired, running the precision natively.
func candidates(c *catalog.Catalog, precision, asOf string, pinned string) []*catalog.SKU {
	var out []*catalog.SKU
	for i := range c.SKUs {
		s := &c.SKUs[i]
		if !s.IsGPU() || s.Retired(asOf) || s.Confidential {
			continue
		}
		if pinned != "" && !strings.EqualFold(s.Name, pinned) && !strings.EqualFold(s.Name, "Standard_"+pinned) {
			continue
		}
		g, ok := c.GPUSpec(s.GPU)
		if !ok || !g.Supports(precision) {
			continue
		}
		out = append(out, s)
	}
	return out
}

func imageFor(c *catalog.Catalog, s *catalog.SKU) (name, urn string) {
	want := "nvidia"
	g, _ := c.GPUSpec(s.GPU)
	switch {
	case !s.IsGPU():
		want = "cpu"
	case g != nil && g.Vendor == "amd":
		want = "amd"
	case strings.HasPrefix(s.GPU, "V100"):
		want = "nvidia-v100"
	}
	for _, im := range c.Images {
		if im.Stack == want {
			return im.Name, im.URN
		}
	}
	return "", ""
}

func ceilDiv(a, b float64) int { return int(math.Ceil(a/b - 1e-9)) }

func sortAlternatives(cands []scored) {
	sort.SliceStable(cands, func(i, j int) bool {
		a, b := cands[i], cands[j]
		if a.feasible != b.feasible {
			return a.feasible
		}
		// When nothing works, the closest miss is the most useful answer.
		if !a.feasible && a.hours != b.hours && a.hours > 0 && b.hours > 0 {
			return a.hours < b.hours
		}
		if a.score != b.score {
			return a.score < b.score
		}
		return a.pool.SKU < b.pool.SKU
	})
}

type scored struct {
	pool     Pool
	score    float64 // lower is better
	feasible bool
	cost     float64
	hours    float64
	// needNodes is how many nodes would meet the target, when more than
	// the pool may have.
	needNodes int
}

func alternativesOf(cands []scored, n int, why func(best, alt scored) string) []Alternative {
	out := []Alternative{}
	if len(cands) < 2 {
		return out
	}
	seen := map[string]bool{cands[0].pool.SKU: true}
	for _, a := range cands[1:] {
		if len(out) == n {
			break
		}
		// One line per size: its best configuration stands for it.
		if seen[a.pool.SKU] {
			continue
		}
		seen[a.pool.SKU] = true
		out = append(out, Alternative{SKU: a.pool.SKU, Nodes: a.pool.Nodes, Hours: round(a.hours, 1), CostUSD: round(a.cost, 0), Reason: why(cands[0], a)})
	}
	return out
}

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
