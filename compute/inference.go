package compute

import (
	"fmt"
	"math"

	"github.com/aizone/aizone/catalog"
)

// minInferenceNodesForHA is the fewest VMs a serving pool has: replicas
// on one VM all stop when it fails or drains for maintenance, so the
// availability rule holds on VMs, not replicas.
const minInferenceNodesForHA = 2

// InferenceInput is what EstimateInference needs.
type InferenceInput struct {
	Arch Arch
	// Precision of the weights; FP8 serving keeps the KV cache in FP8 too,
	// as TensorRT-LLM's FP8 checkpoints do.
	Precision    string
	SKU          *catalog.SKU
	GPU          *catalog.GPU
	TP           int
	InputTokens  int
	OutputTokens int
	// Batch fixes the concurrent sequences of one replica. Otherwise
	// Concurrency (requests in flight across the fleet) sets it, or the
	// largest batch that fits memory and meets the latency targets.
	Batch       int
	Concurrency int
	TPOTTarget  float64 // seconds; 0 = none
	TTFTTarget  float64 // seconds; 0 = none
	RateTarget  float64 // requests per second for the fleet; 0 = one replica
	// USDPerVMHour is the VM's price; a replica pays for its share of it.
	USDPerVMHour float64
	// Catalog supplies the attention-kernel tables; nil uses the embedded
	// catalog.
	Catalog *catalog.Catalog
}

// InferenceEstimate is the serving capacity of one replica and the fleet.
type InferenceEstimate struct {
	SKU        string  `json:"sku"`
	GPUs       int     `json:"gpus"` // every replica's GPUs
	TP         int     `json:"tp"`
	Batch      int     `json:"batch"`     // concurrent sequences per replica
	MaxBatch   int     `json:"max_batch"` // largest that fits the KV cache
	WeightsGiB float64 `json:"weights_gib"`
	// KVCacheGiB is the KV cache of one replica's batch at full length.
	KVCacheGiB float64 `json:"kv_cache_gib"`
	// KVBytesPerToken is one token's KV cache across all layers.
	KVBytesPerToken float64 `json:"kv_bytes_per_token"`
	PrefillMs       float64 `json:"prefill_ms"`     // one prompt, alone
	DecodeStepMs    float64 `json:"decode_step_ms"` // one step of the batch
	// DecodeBound says what limits a decode step: memory (weights and KV
	// cache over HBM bandwidth) or compute.
	DecodeBound string  `json:"decode_bound"`
	TTFTms      float64 `json:"ttft_ms"`
	// TPOTms is the time between a sequence's tokens with the prompts of
	// new requests interleaved (continuous batching).
	TPOTms                float64 `json:"tpot_ms"`
	OutputTokensPerSecond float64 `json:"output_tokens_per_second"` // one replica
	RequestsPerSecond     float64 `json:"requests_per_second"`      // one replica
	Replicas              int     `json:"replicas"`
	USDPerMillionTokens   float64 `json:"usd_per_million_tokens"`
	MeetsLatency          bool    `json:"meets_latency"`
}

// inferer evaluates one model served on one VM size at one TP degree.
type inferer struct {
	a          Arch
	hw         *hardware
	tp         int
	wBytes     float64 // per weight
	kvPerToken float64 // KV bytes one token adds, per GPU
	kvTotal    float64 // KV bytes one token adds, whole replica
	kvBudget   float64 // KV bytes one GPU can hold
	weights    float64 // bytes, whole model
}

func newInferer(in InferenceInput) (*inferer, error) {
	a := in.Arch
	a.complete()
	if err := a.Validate(); err != nil {
		return nil, err
	}
	hw, err := newHardware(in.Catalog, in.SKU, in.GPU, in.Precision, "")
	if err != nil {
		return nil, err
	}
	perVM := max(hw.perNode, 1)
	if in.TP < 1 || in.TP > perVM || (in.TP > 1 && a.Heads%in.TP != 0) {
		return nil, infeasible("tensor-parallel degree %d must divide the %d heads and fit in %s's %d GPUs", in.TP, a.Heads, in.SKU.Name, perVM)
	}
	if in.InputTokens < 1 || in.OutputTokens < 1 {
		return nil, fmt.Errorf("input and output tokens must be positive")
	}
	if a.Context > 0 && in.InputTokens+in.OutputTokens > a.Context {
		// Bad input, not a size that does not fit: no size serves it.
		return nil, fmt.Errorf("%d input + %d output tokens are more than %s's context of %d", in.InputTokens, in.OutputTokens, a.Name, a.Context)
	}
	inf := &inferer{a: a, hw: hw, tp: in.TP, wBytes: BytesPerParam(in.Precision)}
	inf.weights = a.Params * inf.wBytes
	inf.kvTotal = a.KVElemsPerToken() * inf.wBytes
	shards := float64(min(in.TP, a.KVHeads))
	if a.KVDim > 0 {
		shards = 1 // a compressed latent is shared by all heads: every GPU keeps it
	}
	inf.kvPerToken = inf.kvTotal / shards
	free := hw.memBytes - gpuReservedBytes - inf.weights/float64(in.TP) - inferenceActivationBytes
	// The engine gives the KV cache its share of what is free, and never so
	// much that less than minFreeFraction of the GPU stays free.
	inf.kvBudget = math.Min(free*kvCacheMemoryFraction, free-minFreeFraction*hw.memBytes)
	if inf.kvBudget <= 0 {
		return nil, infeasible("%s's weights (%.0f GB in %s) do not fit in %d × %.0f GB GPUs with room for a KV cache",
			a.Name, inf.weights/1e9, in.Precision, in.TP, in.SKU.GPUMemoryGB)
	}
	return inf, nil
}

// maxBatch is the most sequences of seqTokens whose KV cache fits.
func (inf *inferer) maxBatch(seqTokens int) int {
	return int(inf.kvBudget / (inf.kvPerToken * float64(seqTokens)))
}

// forward is one forward pass over m new tokens that reads kvBytes of KV
// cache (per GPU) and does attnFLOPs of attention (whole replica) over
// sequences of attnSeq tokens, whose length sets the attention kernel's
// rate. weights says whether this pass reads the weights (a decode step
// does; a prompt merged into a decode step shares the step's read).
//
// arLatency is the fixed cost of each tensor-parallel all-reduce: the
// one-shot kernel of a decode step's CUDA graph, or an NCCL collective in a
// prefill launched kernel by kernel.
func (inf *inferer) forward(m, kvBytes, attnFLOPs, attnSeq float64, weights bool, arLatency float64) (kernels, comm float64) {
	a, hw := inf.a, inf.hw
	h, tf := a.h(), float64(inf.tp)
	wb, ab := inf.wBytes, inf.wBytes
	if !weights {
		wb = 0
	}
	fa := a.activeFFN()
	up := fa
	if a.Gated {
		up = 2 * fa
	}
	type mat struct{ n, k float64 }
	gemm := func(x mat) float64 {
		return 2*m*x.n*x.k/hw.gemm + (x.k*x.n*wb+(m*x.k)*ab+m*x.n*2)/hw.hbm
	}
	perLayer := gemm(mat{(h + 2*a.kvWidth()) / tf, h}) + gemm(mat{h, h / tf})
	if a.Experts > 0 && a.FFN > 0 {
		// Mixture of experts: the FLOPs of the routed experts, the bytes of
		// every expert some token of the batch routes to.
		k := math.Max(1, math.Round(fa/float64(a.FFN)))
		e := float64(a.Experts)
		touched := e * (1 - math.Pow(1-k/e, m))
		mlpW := touched * a.mlpMatrices() * h * float64(a.FFN) / tf
		perLayer += 2*m*(up+fa)*h/tf/hw.gemm + (mlpW*wb+m*(h+fa/tf)*ab+m*(up/tf+h)*2)/hw.hbm
	} else {
		perLayer += gemm(mat{up / tf, h}) + gemm(mat{h, fa / tf})
	}
	// Attention reads the KV cache and does its FLOPs.
	rate, _ := hw.attn.at(attnSeq)
	perLayer += (kvBytes/hw.hbm + attnFLOPs/tf/rate) / a.layers()
	act := 2 * fa / tf
	if a.Gated {
		act = 3 * fa / tf
	}
	perLayer += m * (elementwisePassesPerLayer*h + act) * 2 / hw.hbm
	kernels = a.layers() * perLayer
	if inf.tp > 1 {
		// Two all-reduces a layer, after attention and after the MLP.
		comm = a.layers() * 2 * hw.allReduceNVLink(m*h*2, inf.tp, arLatency)
	}
	return kernels, comm
}

// decodeStep is one generation step of a batch with ctx tokens of context
// each: a roofline of the weight and KV-cache bytes against the FLOPs.
func (inf *inferer) decodeStep(batch int, ctx float64) (seconds float64, bound string) {
	b := float64(batch)
	k, c := inf.forward(b, b*ctx*inf.kvPerToken, 4*b*ctx*inf.a.h()*inf.a.layers(), ctx, true, decodeAllReduceLatency)
	head := inf.hw.gemmTime(b, float64(inf.a.Vocab)/float64(inf.tp), inf.a.h(), inf.wBytes, 2)
	// Which side of the roofline: compare the bytes-only and FLOPs-only times.
	flops := 2 * inf.a.ActiveParams * b / float64(inf.tp) / inf.hw.gemm
	bytes := (inf.weights/float64(inf.tp) + b*ctx*inf.kvPerToken) / inf.hw.hbm
	bound = "memory"
	if flops > bytes {
		bound = "compute"
	}
	// Engines replay a decode step as one CUDA graph: no launch gaps, so
	// no busy fraction (prefill, below, runs kernel by kernel).
	return k + head + c, bound
}

// prefill is one prompt of n tokens. alone says whether it runs by itself
// (reading the weights) or merged into a decode step.
//
// Like a decode step it pays no busy fraction: an inference engine runs the
// pass as one compiled engine (TensorRT), kernel after kernel with no
// framework between them, while kernelBusyFraction stands for what training
// frameworks lose between kernels and to stragglers across thousands of
// GPUs. With it, prefill on A100 came out 35–75 % slower than TensorRT-LLM's
// published first-token latencies. It pays each kernel's launch instead.
func (inf *inferer) prefill(n int, alone bool) float64 {
	m := float64(n)
	// Causal attention over the prompt: 2·n²·h FLOPs a layer, at the
	// kernel's rate for n tokens; its KV cache is written once.
	k, c := inf.forward(m, m*inf.kvPerToken, 2*m*m*inf.a.h()*inf.a.layers(), m, alone, nvlinkCollectiveLatency)
	head := inf.hw.gemmTime(1, float64(inf.a.Vocab)/float64(inf.tp), inf.a.h(), inf.wBytes, 2)
	// Launched kernel by kernel (a decode step replays a CUDA graph), each
	// of a layer's kernels pays its launch.
	// A prompt merged into a decode step shares that step's launches.
	launch := 0.0
	if alone {
		launch = inf.a.layers() * prefillKernelsPerLayer * kernelLaunchSeconds
	}
	return k + head + c + launch
}

type servePoint struct {
	batch                  int
	step, tpot, ttft, pref float64
	bound                  string
	outTPS                 float64
}

func (inf *inferer) at(batch, in, out int) servePoint {
	ctx := float64(in) + float64(out)/2
	step, bound := inf.decodeStep(batch, ctx)
	// Continuous batching: a sequence finishes every out/batch steps and a
	// new prompt joins, so each step also carries batch/out prompts.
	merged := inf.prefill(in, false)
	tpot := step + float64(batch)/float64(out)*merged
	alone := inf.prefill(in, true)
	// The first token comes out of the prefill itself. With other
	// sequences in flight a new prompt also waits for the running step.
	ttft := alone
	if batch > 1 {
		ttft += step
	}
	return servePoint{batch: batch, step: step, tpot: tpot, ttft: ttft, pref: alone, bound: bound, outTPS: float64(batch) / tpot}
}

// EstimateInference estimates one replica (TP GPUs) and the replicas for
// the target rate or concurrency.
func EstimateInference(in InferenceInput) (InferenceEstimate, error) {
	inf, err := newInferer(in)
	if err != nil {
		return InferenceEstimate{}, err
	}
	return inf.estimate(in)
}

func (inf *inferer) estimate(in InferenceInput) (InferenceEstimate, error) {
	seq := in.InputTokens + in.OutputTokens
	maxB := inf.maxBatch(seq)
	if maxB < 1 {
		return InferenceEstimate{}, infeasible("one %d-token sequence's KV cache (%.2f GB a GPU) does not fit beside %s's weights in %d × %.0f GB",
			seq, inf.kvPerToken*float64(seq)/1e9, inf.a.Name, inf.tp, in.SKU.GPUMemoryGB)
	}
	meets := func(p servePoint) bool {
		return (in.TPOTTarget == 0 || p.tpot <= in.TPOTTarget) && (in.TTFTTarget == 0 || p.ttft <= in.TTFTTarget)
	}
	var pt servePoint
	switch {
	case in.Batch > 0:
		if in.Batch > maxB {
			return InferenceEstimate{}, infeasible("batch %d does not fit: the KV cache holds at most %d sequences of %d tokens on %d × %s",
				in.Batch, maxB, seq, in.TP, in.SKU.Name)
		}
		pt = inf.at(in.Batch, in.InputTokens, in.OutputTokens)
	default:
		limit := maxB
		if in.Concurrency > 0 {
			limit = min(limit, in.Concurrency)
		}
		// TPOT grows with the batch: bisect for the largest that meets the
		// targets; without targets the largest that fits.
		lo, hi := 1, limit
		if !meets(inf.at(lo, in.InputTokens, in.OutputTokens)) {
			hi = lo
		}
		for lo < hi {
			mid := (lo + hi + 1) / 2
			if meets(inf.at(mid, in.InputTokens, in.OutputTokens)) {
				lo = mid
			} else {
				hi = mid - 1
			}
		}
		pt = inf.at(lo, in.InputTokens, in.OutputTokens)
	}
	rps := pt.outTPS / float64(in.OutputTokens)
	replicas := 1
	switch {
	case in.RateTarget > 0:
		replicas = max(1, ceilDiv(in.RateTarget, rps))
	case in.Concurrency > 0:
		replicas = max(1, ceilDiv(float64(in.Concurrency), float64(pt.batch)))
	}
	est := InferenceEstimate{
		SKU: in.SKU.Name, GPUs: replicas * in.TP, TP: in.TP, Batch: pt.batch, MaxBatch: maxB,
		WeightsGiB:            round(inf.weights/(1<<30), 1),
		KVCacheGiB:            round(float64(pt.batch*seq)*inf.kvTotal/(1<<30), 1),
		KVBytesPerToken:       inf.kvTotal,
		PrefillMs:             round(pt.pref*1000, 1),
		DecodeStepMs:          round(pt.step*1000, 2),
		DecodeBound:           pt.bound,
		TTFTms:                round(pt.ttft*1000, 1),
		TPOTms:                round(pt.tpot*1000, 2),
		OutputTokensPerSecond: round(pt.outTPS, 0),
		RequestsPerSecond:     round(rps, 3),
		Replicas:              replicas,
		MeetsLatency:          meets(pt),
	}
	if in.USDPerVMHour > 0 {
		est.USDPerMillionTokens = round(inf.replicaUSDPerHour(in.USDPerVMHour)/(pt.outTPS*3600)*1e6, 3)
	}
	return est, nil
}

// replicaUSDPerHour is a replica's share of its VM's price.
func (inf *inferer) replicaUSDPerHour(vm float64) float64 {
	if inf.hw.perNode < 1 {
		return vm
	}
	return vm * float64(inf.tp) / float64(inf.hw.perNode)
}
