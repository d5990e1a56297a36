package compute

import (
	"fmt"
	"math"
	"strings"

	"github.com/aizone/aizone/catalog"
)

// Recompute policies.
const (
	// RecomputeSelective stores every layer's activations except the
	// attention scores, which FlashAttention recomputes in the backward pass
	// (Korthikanti et al.'s selective recomputation).
	RecomputeSelective = "selective"
	// RecomputePartial recomputes the whole forward pass of only some
	// layers of each stage (RecomputeLayers), as few as memory allows.
	RecomputePartial = "partial"
	// RecomputeFull stores only each layer's input and recomputes the whole
	// forward pass during the backward pass.
	RecomputeFull = "full"
)

// Layout is the parallelism of a training job.
type Layout struct {
	TP int `json:"tp"` // tensor parallel, inside a node over NVLink
	// CP is context parallelism: each sequence split into CP chunks on as
	// many GPUs, which pass keys and values around a ring for attention.
	CP int `json:"cp"`
	PP int `json:"pp"` // pipeline stages
	DP int `json:"dp"` // data-parallel replicas
	// Interleave is the virtual pipeline stages per GPU (1 = plain 1F1B).
	Interleave int    `json:"interleave"`
	ZeRO       int    `json:"zero"`      // 0–3: what data parallelism shards
	Recompute  string `json:"recompute"` // selective, partial or full
	// RecomputeLayers is how many layers of each stage recompute their
	// forward pass (all of them for full, none for selective).
	RecomputeLayers int `json:"recompute_layers"`
	// OffloadLayers is how many layers keep their activations in host
	// memory between the forward and backward pass instead (NVIDIA's GB200
	// Llama 3 70B FP8 recipe offloads 40 layers with fully sharded data
	// parallelism).
	OffloadLayers int `json:"offload_layers,omitempty"`
	// PPNVLink is true when each model-parallel group (TP·CP·PP GPUs) sits
	// in one NVLink domain larger than a VM (an NVL72 rack), so pipeline
	// sends stay on NVLink and racks are the unit of capacity.
	PPNVLink   bool `json:"pp_nvlink,omitempty"`
	MicroBatch int  `json:"micro_batch"`
	// GradAccum is the micro-batches each replica runs per optimizer step.
	GradAccum int    `json:"grad_accum"`
	Why       string `json:"why"`
}

func (l Layout) String() string {
	pp := fmt.Sprint(l.PP)
	if l.Interleave > 1 {
		pp += fmt.Sprintf("(v%d)", l.Interleave)
	}
	rc := l.Recompute
	if rc == RecomputePartial {
		rc = fmt.Sprintf("recompute %d layers/stage", l.RecomputeLayers)
	} else {
		rc += " recompute"
	}
	if l.OffloadLayers > 0 {
		rc += fmt.Sprintf(", offload %d layers", l.OffloadLayers)
	}
	cp := ""
	if l.CP > 1 {
		cp = fmt.Sprintf(" CP%d", l.CP)
	}
	return fmt.Sprintf("TP%d%s PP%s DP%d ZeRO-%d mb%d %s", l.TP, cp, pp, l.DP, l.ZeRO, l.MicroBatch, rc)
}

// cp is the context-parallel degree, 1 when unset.
func (l Layout) cp() int { return max(l.CP, 1) }

// shards is how many GPUs hold the same weights and so share gradients and
// ZeRO's shards: the data-parallel replicas times the context-parallel
// chunks of each.
func (l Layout) shards() int { return l.DP * l.cp() }

// StepTime splits one optimizer step into where its time goes (seconds).
type StepTime struct {
	Compute   float64 `json:"compute"`    // kernels, all micro-batches, no bubble
	TPComm    float64 `json:"tp_comm"`    // tensor-parallel collectives (not overlapped)
	CPComm    float64 `json:"cp_comm"`    // context-parallel ring traffic attention did not hide
	PPComm    float64 `json:"pp_comm"`    // pipeline sends
	Bubble    float64 `json:"bubble"`     // pipeline fill and drain
	DPExposed float64 `json:"dp_exposed"` // data-parallel traffic compute did not hide
	Optimizer float64 `json:"optimizer"`
	Total     float64 `json:"total"`
}

// MemoryUse is the bytes one GPU holds at its peak, in GiB.
type MemoryUse struct {
	ModelStateGiB  float64 `json:"model_state_gib"`
	ActivationsGiB float64 `json:"activations_gib"`
	BuffersGiB     float64 `json:"buffers_gib"`
	TotalGiB       float64 `json:"total_gib"`
	UsableGiB      float64 `json:"usable_gib"`
	// GPUGiB is the GPU's memory and FreeGiB what the plan leaves free of it
	// (at least minFreeFraction; see usableBytes).
	GPUGiB  float64 `json:"gpu_gib"`
	FreeGiB float64 `json:"free_gib"`
	// HostOffloadGiB is the activations a GPU keeps in host memory.
	HostOffloadGiB float64 `json:"host_offload_gib,omitempty"`
}

// TrainingEstimate is the time and cost of one training run.
type TrainingEstimate struct {
	SKU  string `json:"sku"`
	GPUs int    `json:"gpus"`
	// Nodes is the VMs the run pays for: GPUs over the VM's GPUs, rounded
	// up to whole NVL72 racks (Racks) when the layout places model-parallel
	// groups across the VMs of a rack.
	Nodes int `json:"nodes"`
	Racks int `json:"racks,omitempty"`
	// RackVMs is the VMs of one rack when the pool is allotted in whole
	// racks (racks are the unit of capacity of an NVL72 size; spares.go),
	// and IdleNodes the VMs of Nodes that neither run the job nor stand by
	// as spares.
	RackVMs   int `json:"rack_vms,omitempty"`
	IdleNodes int `json:"idle_nodes,omitempty"`
	// Placement says how the layout sits in NVLink domains larger than a
	// VM, and why the nodes are whole racks; empty otherwise.
	Placement string `json:"placement,omitempty"`
	// AttentionKernel is the attention kernel the step time assumes.
	AttentionKernel string `json:"attention_kernel,omitempty"`
	Layout          Layout `json:"layout"`
	SeqLen          int    `json:"seq_len"`
	// GlobalBatch is the sequences per optimizer step: the one asked for,
	// rounded up to a whole number of micro-batches on every replica.
	GlobalBatch       int       `json:"global_batch"`
	Tokens            float64   `json:"tokens"`
	FLOPs             float64   `json:"flops"` // model FLOPs of the run
	TokensPerSecond   float64   `json:"tokens_per_second"`
	StepSeconds       float64   `json:"step_seconds"`
	Step              StepTime  `json:"step"`
	Hours             float64   `json:"hours"`
	GPUHours          float64   `json:"gpu_hours"`
	ModelTFLOPSPerGPU float64   `json:"model_tflops_per_gpu"`
	MFU               float64   `json:"mfu"`
	MemoryPerGPUGiB   float64   `json:"memory_per_gpu_gib"`
	Memory            MemoryUse `json:"memory"`
	// Goodput is the share of wall time spent training rather than
	// recovering from interruptions (and Spot evictions).
	Goodput float64 `json:"goodput"`
	// CheckpointHours is the interval the estimate assumes;
	// OptimalCheckpointHours the one that would lose the least time.
	CheckpointHours        float64 `json:"checkpoint_hours"`
	OptimalCheckpointHours float64 `json:"optimal_checkpoint_hours"`
	// OptimalGoodput is the goodput at the optimal interval.
	OptimalGoodput float64 `json:"optimal_goodput"`
	Interruptions  float64 `json:"expected_interruptions"`
	CostUSD        float64 `json:"cost_usd"`
	MeetsDeadline  bool    `json:"meets_deadline"`
	// Layouts counts the layouts searched and those that fit in memory.
	LayoutsSearched int `json:"layouts_searched"`
	LayoutsFit      int `json:"layouts_fit"`
}

// TrainingInput is what EstimateTraining needs.
type TrainingInput struct {
	Arch      Arch
	Tokens    float64
	Precision string // bf16, fp16, fp8
	Method    string // full, lora
	SeqLen    int
	// GlobalBatch is the sequences per optimizer step; 0 uses 4M tokens.
	GlobalBatch int
	SKU         *catalog.SKU
	GPU         *catalog.GPU
	GPUs        int
	// TP pins the tensor-parallel degree; 0 searches it.
	TP           int
	USDPerVMHour float64
	// CheckpointHours is the interval between checkpoints; 0 uses the
	// interval that loses the least time (Young and Daly).
	CheckpointHours float64
	// Spot adds Spot evictions to the interruptions.
	Spot bool
	// Recompute pins the activation recompute policy: RecomputeSelective
	// (never recompute whole layers) or RecomputeFull (every layer, as
	// frameworks without selective recompute run); "" recomputes the
	// fewest layers that fit.
	Recompute string
	// AttentionKernel pins the attention kernel (a name in the catalog's
	// attention_kernels, such as flash-attention-2 for a run on an older
	// stack); "" uses the fastest the GPU's current stack runs.
	AttentionKernel string
	// MaxCP caps the context-parallel degree (1: none, as stacks before
	// 2024 ran); 0 searches it.
	MaxCP int
	// Catalog supplies the kernel tables; nil uses the embedded catalog.
	Catalog *catalog.Catalog
}

// InfeasibleError says why a configuration cannot work.
type InfeasibleError struct {
	Reason string
}

func (e *InfeasibleError) Error() string { return e.Reason }

func infeasible(format string, args ...any) error {
	return &InfeasibleError{Reason: fmt.Sprintf(format, args...)}
}

// trainer evaluates layouts of one model on one VM size. It caches the
// per-layer times of each (tensor-parallel degree, micro-batch) pair, so
// that the planner can ask about many GPU counts cheaply.
type trainer struct {
	a         Arch
	hw        *hardware
	seq       int
	batch     int // global batch, sequences; 0 = batchFor's default
	precision string
	lora      bool
	recompute string // pinned policy, "" to search
	maxCP     int    // 0: no cap
	layers    map[[3]int]layerTime
	shape     shape
	usable    float64 // bytes a GPU can give tensors
	hostBytes float64 // host memory a GPU may fill with offloaded activations
}

// shape is what the memory and time models read from the architecture,
// derived once per trainer.
type shape struct {
	h, fa, kvw, vocab      float64
	layers                 float64
	layerParams, embParams float64
	actPerTokenLayer       float64 // bytes, before tensor parallelism
	// linearInputs is the elements a token saves per layer as inputs of
	// the four projections (QKV and MLP-up read h each, attention-out h,
	// MLP-down the FFN width), which FP8 training may keep in one byte.
	linearInputs float64
}

func shapeOf(a Arch) shape {
	mlp := 4 * a.activeFFN()
	if a.Gated {
		mlp = 6 * a.activeFFN()
	}
	// Activations per token per layer: Korthikanti et al. Table 2 with
	// sequence parallelism (34·h for GPT-3), generalised to grouped-query
	// attention and gated MLPs, without the two dropout masks (1·h each)
	// that today's dropout-free pre-training does not store. Attention
	// 6h + 4·kv (QKV input, Q, K, V, output), MLP 2h + 4·ffn (6·ffn gated:
	// gate, up and their product), two norm inputs 4h.
	return shape{h: a.h(), fa: a.activeFFN(), kvw: a.kvWidth(), vocab: float64(a.Vocab), layers: a.layers(),
		layerParams: a.layerParams(), embParams: a.embedParams(), actPerTokenLayer: 12*a.h() + 4*a.kvWidth() + mlp,
		linearInputs: 3*a.h() + a.activeFFN()}
}

// layerTime is one micro-batch through one layer on one GPU.
type layerTime struct {
	fwd, bwd float64 // kernels (seconds, before the busy fraction)
	tp       float64 // tensor-parallel collectives, forward and backward
	tpFwd    float64 // of which the forward's (repeated by full recompute)
	cp       float64 // context-parallel ring traffic not hidden, forward and backward
	cpFwd    float64 // of which the forward's
	headF    float64 // output layer and loss, forward
	headB    float64 // and backward
}

func newTrainer(in TrainingInput) (*trainer, error) {
	a := in.Arch
	a.complete()
	if err := a.Validate(); err != nil {
		return nil, err
	}
	if in.SeqLen <= 0 {
		return nil, fmt.Errorf("sequence length must be positive")
	}
	hw, err := newHardware(in.Catalog, in.SKU, in.GPU, in.Precision, in.AttentionKernel)
	if err != nil {
		return nil, err
	}
	if hw.perNode < 1 {
		return nil, infeasible("%s has a fraction of a GPU; training needs whole GPUs", in.SKU.Name)
	}
	switch in.Recompute {
	case "", RecomputeSelective, RecomputeFull:
	default:
		return nil, fmt.Errorf("recompute %q: use %s or %s", in.Recompute, RecomputeSelective, RecomputeFull)
	}
	b := max(in.GlobalBatch, 0)
	tr := &trainer{recompute: in.Recompute, maxCP: in.MaxCP, a: a, hw: hw, seq: in.SeqLen, batch: b, precision: in.Precision, lora: in.Method == "lora",
		layers: map[[3]int]layerTime{}, shape: shapeOf(a), usable: usableBytes(hw)}
	if in.Precision == "fp8" && in.GPU.Generation == "blackwell" {
		// Transformer Engine saves each projection's input FP8-quantized
		// (1 byte) for the weight gradient; on Hopper (and, assumed, on
		// MI300X) the backward pass needs a transposed copy stored beside
		// it, 2 bytes in all as in BF16, while on Blackwell one FP8 tensor
		// serves both (ai-performance.md section 6b).
		tr.shape.actPerTokenLayer -= tr.shape.linearInputs
	}
	tr.hostBytes = in.SKU.MemoryGiB * (1 << 30) / float64(hw.perNode) * hostOffloadFraction
	return tr, nil
}

func (tr *trainer) bytesPerElem() (in, out float64) {
	if tr.precision == "fp8" {
		return 1, 2 // FP8 operands, BF16 results (Transformer Engine)
	}
	return 2, 2
}

// layer returns the times of one micro-batch of b sequences through one
// layer split over t GPUs with sequence parallelism, each sequence in cp
// chunks on as many GPUs.
func (tr *trainer) layer(t, b, cp int) layerTime {
	key := [3]int{t, b, cp}
	if lt, ok := tr.layers[key]; ok {
		return lt
	}
	a, hw, sh := tr.a, tr.hw, &tr.shape
	h, fa, tf := sh.h, sh.fa, float64(t)
	// Tokens this GPU computes; attention still spans the whole sequence.
	m := float64(b*tr.seq) / float64(cp)
	inB, outB := tr.bytesPerElem()
	up := fa
	if a.Gated {
		up = 2 * fa
	}
	// The four projections of a layer: QKV and MLP-up are split by columns,
	// attention-out and MLP-down by rows (Megatron tensor parallelism).
	type mat struct{ n, k float64 }
	mats := [4]mat{{(h + 2*sh.kvw) / tf, h}, {h, h / tf}, {up / tf, h}, {h, fa / tf}}
	var lt layerTime
	for _, x := range mats {
		lt.fwd += hw.gemmTime(m, x.n, x.k, inB, outB)
		// Backward: the data gradient (m×n by n×k) and, unless the weights
		// are frozen (LoRA), the weight gradient (k×m by m×n).
		lt.bwd += hw.gemmTime(m, x.k, x.n, inB, outB)
		if !tr.lora {
			lt.bwd += hw.gemmTime(x.k, x.n, m, inB, outB)
		}
	}
	// Causal attention: 2·s·h FLOPs per token forward (half of QKᵀ and AV),
	// the count of the kernel benchmarks, at the rate of the GPU's kernel
	// for the length each call sees; backward 2.5 times the FLOPs at the
	// kernel's backward rate. Context parallelism splits each sequence into
	// 2·cp chunks and gives every GPU an early and a late one, so each does
	// 1/cp of the work in calls of s/cp queries.
	rf, rb := hw.attn.at(float64(tr.seq) / float64(cp))
	flops := 2 * m * float64(tr.seq) * h / tf
	attnF, attnB := flops/rf, attentionBackwardFLOPs*flops/rb
	lt.fwd += attnF
	lt.bwd += attnB
	if cp > 1 {
		// Ring attention: each GPU passes its chunk's keys and values to
		// the next cp−1 times while it computes attention on the chunk
		// it holds; the backward pass also returns their gradients. Only
		// what the attention kernels do not cover shows. The ring stays on
		// NVLink while the TP·CP group fits in one NVLink domain.
		kv := 2 * m * sh.kvw / tf * 2
		fwd := float64(cp-1) * hw.sendRecv(kv, t*cp > hw.domain)
		lt.cpFwd = math.Max(0, fwd-attnF)
		lt.cp = lt.cpFwd + math.Max(0, 2*fwd-attnB)
	}
	// Memory-bound element-wise work, sharded by sequence parallelism.
	act := 2 * fa
	if a.Gated {
		act = 3 * fa
	}
	elems := m * (elementwisePassesPerLayer*h + act) / tf * 2
	lt.fwd += elems / hw.hbm
	lt.bwd += 2 * elems / hw.hbm
	if tr.precision == "fp8" {
		// Casting each GEMM input to FP8: read 2 bytes, write 1.
		cast := m * (3*h + fa) / tf * 3
		lt.fwd += cast / hw.hbm
		lt.bwd += cast / hw.hbm
	}
	if t > 1 {
		// Sequence parallelism: all-gather before and reduce-scatter after
		// each of the two blocks, forward and backward; each pair moves what
		// one all-reduce of the full activations would.
		s := m * h * 2
		ar := 2*nvlinkCollectiveLatency + 2*s*(tf-1)/tf/hw.nvlBus
		lt.tpFwd = 2 * ar
		lt.tp = 4 * ar
	}
	v := float64(a.Vocab)
	lt.headF = hw.gemmTime(m, v/tf, h, inB, outB) + 2*m*v/tf*4/hw.hbm
	lt.headB = hw.gemmTime(m, h, v/tf, inB, outB) + hw.gemmTime(h, v/tf, m, inB, outB) + m*v/tf*4/hw.hbm
	tr.layers[key] = lt
	return lt
}

// chunkTokens is the tokens of one micro-batch on one GPU.
func (tr *trainer) chunkTokens(l Layout) float64 {
	return float64(l.MicroBatch*tr.seq) / float64(l.cp())
}

// stageParams is the parameters the busiest pipeline stage holds: its
// layers plus one embedding table (both when there is one stage).
func (tr *trainer) stageParams(p int) float64 {
	sh := &tr.shape
	ls := math.Ceil(sh.layers / float64(p))
	emb := sh.embParams
	if p > 1 {
		emb = sh.vocab * sh.h
	}
	return ls*sh.layerParams + emb
}

// inFlight is how many micro-batches' activations the first pipeline stage
// holds: all of the warm-up of 1F1B (one per stage), more when interleaved
// (Korthikanti et al. Eq. 5).
func (tr *trainer) inFlight(l Layout) float64 {
	if l.PP <= 1 {
		return 1
	}
	f := math.Min(float64(l.PP), float64(l.GradAccum))
	if l.Interleave > 1 {
		f *= 1 + float64(l.PP-1)/float64(l.PP*l.Interleave)
	}
	return f
}

// recomputeToFit is the fewest layers per stage that must recompute their
// forward pass for the layout to fit in usable bytes, or -1 if even all
// of them are not enough. Memory falls linearly with each recomputed layer,
// so it is solved rather than searched.
func (tr *trainer) recomputeToFit(l Layout, usable float64) int {
	l.RecomputeLayers = 0
	st, acts, buf := tr.memory(l)
	if st+acts+buf <= usable {
		return 0
	}
	sh := &tr.shape
	t := float64(l.TP)
	ls := math.Ceil(sh.layers / float64(l.PP))
	tokens := tr.chunkTokens(l)
	ptl := sh.actPerTokenLayer / t
	saved := tokens * tr.inFlight(l) * (ptl - 2*sh.h/t) // per recomputed layer
	over := st + acts + buf + tokens*ptl - usable
	if saved <= 0 {
		return -1
	}
	k := math.Max(1, math.Ceil(over/saved-1e-9))
	if k > ls {
		return -1
	}
	return int(k)
}

// memory is one GPU's peak memory in bytes for a layout.
func (tr *trainer) memory(l Layout) (states, acts, buffers float64) {
	sh := &tr.shape
	h := sh.h
	t, d := float64(l.TP), float64(l.shards())
	psi := tr.stageParams(l.PP) / t
	if tr.lora {
		frozen, trainable := 2*psi, adamBytesPerParam*loraTrainableFraction*psi
		switch {
		case l.ZeRO >= 3:
			states = (frozen + trainable) / d
		case l.ZeRO >= 1:
			states = frozen + trainable/d
		default:
			states = frozen + trainable
		}
	} else {
		// Megatron keeps bf16 weights and fp32 main gradients (6 bytes) and
		// shards the 12 bytes of fp32 master weights and Adam moments over
		// the replicas and context chunks: 6 + 12/(DP·CP), 18 unsharded
		// (Megatron-Bridge's memory estimator, section 6b). ZeRO-2 also
		// shards the gradients; fully sharded data parallelism shards all
		// 16 bytes of mixed-precision Adam (ZeRO §3.1).
		switch l.ZeRO {
		case 0:
			states = (megatronStateBytesPerParam + adamOptimizerBytesPerParam) * psi
		case 1:
			states = megatronStateBytesPerParam*psi + adamOptimizerBytesPerParam*psi/d
		case 2:
			states = 2*psi + (megatronStateBytesPerParam-2+adamOptimizerBytesPerParam)*psi/d
		default:
			states = adamBytesPerParam * psi / d
		}
	}
	if l.ZeRO >= 3 {
		// Gathered bf16 copies of the layer being computed and the next one
		// being prefetched, and of the output layer.
		buffers += 2 * (2*sh.layerParams + sh.vocab*h) / t
	}
	if tr.precision == "fp8" {
		// With BF16 weights Transformer Engine keeps an FP8 copy of each
		// weight beside it, made once a step and reused by every
		// micro-batch (section 6b): a byte a parameter of the stage, or of
		// the gathered layers when the weights are fully sharded.
		if l.ZeRO >= 3 {
			buffers += (2*sh.layerParams + sh.vocab*h) / t
		} else {
			buffers += psi
		}
	}
	perTokenLayer := sh.actPerTokenLayer / t
	tokens := tr.chunkTokens(l)
	ls := math.Ceil(sh.layers / float64(l.PP))
	inFlight := tr.inFlight(l)
	// Recomputed layers keep only their input, and one of them at a time
	// holds its full activations while it is recomputed.
	k := math.Min(float64(l.RecomputeLayers), ls)
	o := math.Min(float64(l.OffloadLayers), ls-k)
	acts = tokens * inFlight * ((ls-k-o)*perTokenLayer + k*2*h/t)
	if k > 0 || o > 0 {
		// The layer being recomputed, or brought back from host memory,
		// holds its full activations.
		acts += tokens * perTokenLayer
	}
	// Output layer: fp32 logits and their gradient for one micro-batch.
	acts += tokens * sh.vocab / t * 4 * 2
	return states, acts, buffers
}

// usableBytes is what a plan may fill of one GPU: what the CUDA context and
// the NCCL and cuBLAS workspaces leave, less the caching allocator's
// fragmentation, and never more than leaves minFreeFraction of the GPU's
// memory free (docs/estimate.md says why).
func usableBytes(hw *hardware) float64 {
	u := math.Max(0, hw.memBytes-gpuReservedBytes) * allocatorUsableFraction
	return math.Max(0, math.Min(u, hw.memBytes*(1-minFreeFraction)-gpuReservedBytes))
}

// offloadedBytes is the activations one GPU keeps in host memory.
func (tr *trainer) offloadedBytes(l Layout) float64 {
	if l.OffloadLayers <= 0 {
		return 0
	}
	return tr.chunkTokens(l) * tr.inFlight(l) * float64(l.OffloadLayers) * tr.shape.actPerTokenLayer / float64(l.TP)
}

// step is the time of one optimizer step for a layout.
func (tr *trainer) step(l Layout, nodes int) StepTime {
	lt := tr.layer(l.TP, l.MicroBatch, l.cp())
	p, v := float64(l.PP), float64(max(l.Interleave, 1))
	L := tr.a.layers()
	fwd := (L*lt.fwd + lt.headF) / p / kernelBusyFraction
	bwd := (L*lt.bwd + lt.headB) / p / kernelBusyFraction
	tp := L / p * lt.tp
	cpc := L / p * lt.cp
	if k := float64(l.RecomputeLayers); k > 0 {
		// Each recomputed layer runs its forward pass again: a third of
		// its compute, the ~30 % Megatron-Bridge's performance guide gives
		// for full recompute (section 6b).
		bwd += k * lt.fwd / kernelBusyFraction
		tp += k * lt.tpFwd
		cpc += k * lt.cpFwd
	}
	if l.OffloadLayers > 0 {
		// Offloaded activations go to host memory during the forward pass
		// and come back during the backward pass, each at the measured
		// host link rate, behind the compute of the other layers.
		moved := tr.offloadedBytes(l) / tr.inFlight(l)
		bwd += math.Max(0, moved/tr.hw.hostBW-bwd*(1-float64(l.OffloadLayers)/L))
		fwd += math.Max(0, moved/tr.hw.hostBW-fwd*(1-float64(l.OffloadLayers)/L))
	}
	pp := 0.0
	if l.PP > 1 {
		bytes := tr.chunkTokens(l) * tr.a.h() * 2 / float64(l.TP)
		pp = 2 * v * tr.hw.sendRecv(bytes, nodes > tr.hw.domainVMs() && !l.PPNVLink)
	}
	mb := fwd + bwd + tp + cpc + pp
	m := float64(l.GradAccum)
	var st StepTime
	st.Compute = m * (fwd + bwd)
	st.TPComm = m * tp
	st.CPComm = m * cpc
	st.PPComm = m * pp
	st.Bubble = (p - 1) / v * mb
	// The warm-up and cool-down of the pipeline leave each stage idle for
	// half the bubble each; parameters for the first micro-batch gather
	// during the warm-up and the last gradients reduce during the
	// cool-down, as Megatron's overlapped data parallelism issues them per
	// model chunk as soon as the chunk's last backward pass is done.
	st.DPExposed = tr.dpExposed(l, fwd+st.Bubble/2, bwd+st.Bubble/2)
	psi := tr.stageParams(l.PP) / float64(l.TP)
	owned := psi
	if l.ZeRO >= 1 {
		owned /= float64(l.shards())
	}
	if tr.lora {
		owned *= loraTrainableFraction
	}
	st.Optimizer = adamUpdateBytesPerParam * owned / tr.hw.hbm
	st.Total = st.Compute + st.TPComm + st.CPComm + st.PPComm + st.Bubble + st.DPExposed + st.Optimizer
	return st
}

// dpExposed is the data-parallel traffic of one step that the compute it
// overlaps with does not hide. Gradients are reduced during the backward
// pass and parameters gathered during the forward pass, layer by layer, so
// the last layer's share can never hide.
func (tr *trainer) dpExposed(l Layout, fwd, bwd float64) float64 {
	ranks := l.shards()
	if ranks <= 1 {
		return 0
	}
	grads := gradReduceBytes * tr.stageParams(l.PP) / float64(l.TP)
	if tr.lora {
		grads *= loraTrainableFraction
	}
	params := 2 * tr.stageParams(l.PP) / float64(l.TP)
	perNode := tr.shardsPerDomain(l)
	rs := tr.hw.collective(grads, ranks, perNode, 1)
	ag := tr.hw.collective(params, ranks, perNode, 1)
	if tr.lora && l.ZeRO < 3 {
		ag = tr.hw.collective(grads, ranks, perNode, 1)
	}
	ls := math.Ceil(tr.a.layers() / float64(l.PP))
	hide := func(comm, window float64) float64 {
		return math.Max(0, comm-window) + comm/ls
	}
	m := float64(l.GradAccum)
	switch l.ZeRO {
	case 0:
		return hide(rs+ag, bwd) // one all-reduce
	case 1:
		return hide(rs, bwd) + hide(ag, fwd)
	case 2:
		return m*hide(rs, bwd) + hide(ag, fwd)
	default:
		return m * (hide(ag, fwd) + hide(ag+rs, bwd))
	}
}

// shardsPerDomain is how many of the GPUs that share gradients (the same
// weights in other replicas and context chunks) sit in one NVLink domain and
// reduce over NVLink before InfiniBand. Ranks are ordered tensor-parallel
// innermost, then context-parallel, then data-parallel, then pipeline, so a
// VM of 8 holds 8/TP of them; with whole model-parallel groups in a rack
// (PPNVLink) the rack holds the CP chunks of every group it carries.
func (tr *trainer) shardsPerDomain(l Layout) int {
	if l.PPNVLink {
		groups := max(1, tr.hw.domain/(l.TP*l.cp()*l.PP))
		return max(1, min(l.shards(), l.cp()*min(groups, l.DP)))
	}
	return max(1, min(l.shards(), tr.hw.domain/l.TP))
}

// nvlinkGroup is the GPUs of a layout that must share one NVLink domain:
// the model-parallel group with PPNVLink, else the TP·CP group; 0 when they
// fit in one VM, which needs no placement.
func (tr *trainer) nvlinkGroup(l Layout) int {
	g := l.TP * l.cp()
	if l.PPNVLink {
		g *= l.PP
	}
	if g <= tr.hw.perNode || g > tr.hw.domain {
		return 0
	}
	return g
}

// allocation is the VMs and racks a layout on gpus GPUs pays for. Inside
// one NVLink domain any VMs do; beyond one, each group that spans VMs must
// lie in one rack, so whole racks are bought and the trays the groups leave
// idle stay as spares (NVIDIA's GB200 submissions place a 16-tray group in
// each 18-tray rack; section 6c).
func (tr *trainer) allocation(l Layout, gpus int) (nodes, racks int) {
	per := tr.hw.perNode
	nodes = (gpus + per - 1) / per
	g := tr.nvlinkGroup(l)
	if g == 0 || gpus <= tr.hw.domain {
		return nodes, 0
	}
	perRack := tr.hw.domain / g
	racks = (gpus/g + perRack - 1) / perRack
	return max(nodes, racks*tr.hw.domainVMs()), racks
}

// batchFor is the global batch in sequences on gpus GPUs: the one asked
// for, or 4M tokens, raised to one sequence per defaultGPUsPerSequence GPUs
// on clusters large enough that 4M tokens would leave GPUs idle.
func (tr *trainer) batchFor(gpus int) int {
	if tr.batch > 0 {
		return tr.batch
	}
	b := max(1, int(math.Round(defaultGlobalBatchTokens/float64(tr.seq))))
	return max(b, (gpus+defaultGPUsPerSequence-1)/defaultGPUsPerSequence)
}

// minContextChunk is the shortest piece of a sequence context parallelism
// hands one GPU: NVIDIA's Llama 2 70B LoRA submissions on GB200 split 8,192
// tokens 8 ways (section 6c). Whether a split pays is left to the step time.
const minContextChunk = 1024

// eachLayout calls f with every layout to try for gpus GPUs; f returns
// false to stop.
func (tr *trainer) eachLayout(gpus, pinnedTP int, f func(Layout) bool) {
	a := tr.a
	batch := tr.batchFor(gpus)
	// Tensor parallelism spans the NVLink domain: the VM, or an NVL72 rack.
	for t := 1; t <= tr.hw.domain && t <= a.Heads; t *= 2 {
		if a.Heads%t != 0 || (pinnedTP > 0 && t != pinnedTP) {
			continue
		}
		for cp := 1; cp == 1 || tr.seq%(2*cp) == 0 && tr.seq/cp >= minContextChunk && (tr.maxCP == 0 || cp <= tr.maxCP); cp *= 2 {
			if gpus%(t*cp) != 0 {
				break
			}
			// Pipeline stages: every divisor of the GPUs left after tensor
			// and context parallelism, up to one layer a stage
			// (Megatron-Turing NLG 530B ran 35 stages of 3 layers).
			for p := 1; p <= a.Layers && t*cp*p <= gpus; p++ {
				if gpus%(t*cp*p) != 0 {
					continue
				}
				d := gpus / (t * cp * p)
				if d > batch {
					continue // a replica without a sequence to work on
				}
				if !tr.eachMicroBatch(Layout{TP: t, CP: cp, PP: p, DP: d}, batch, f) {
					return
				}
				// In a domain larger than a VM the whole model-parallel
				// group can sit in one rack, pipeline sends on NVLink.
				if mp := t * cp * p; p > 1 && mp > tr.hw.perNode && mp <= tr.hw.domain && gpus > mp {
					if !tr.eachMicroBatch(Layout{TP: t, CP: cp, PP: p, DP: d, PPNVLink: true}, batch, f) {
						return
					}
				}
			}
		}
	}
}

// eachMicroBatch calls f with every micro-batch, ZeRO stage and interleave
// of one TP × CP × PP × DP split; false when f asked to stop.
func (tr *trainer) eachMicroBatch(l Layout, batch int, f func(Layout) bool) bool {
	zeros := []int{1, 2, 3}
	switch {
	case l.shards() == 1:
		zeros = []int{0}
	case l.PP > 1:
		zeros = []int{1} // pipeline engines shard only the optimizer
	}
	maxV := 1
	if l.PP > 1 {
		ls := (tr.a.Layers + l.PP - 1) / l.PP
		for v := 2; v <= 8 && ls%v == 0; v *= 2 {
			maxV = v
		}
	}
	perReplica := (batch + l.DP - 1) / l.DP
	for b := 1; b <= perReplica && b <= 64; b *= 2 {
		acc := (perReplica + b - 1) / b
		vs := maxV
		if acc < l.PP || acc%l.PP != 0 {
			// The interleaved schedule runs micro-batches in groups of
			// one per stage (Narayanan et al. 2021, §2.2.2); with fewer,
			// or a ragged last group, the stages wait on each other and
			// interleaving saves nothing, so Megatron refuses it.
			vs = 1
		}
		for _, z := range zeros {
			for v := 1; v <= vs; v *= 2 {
				m := l
				m.Interleave, m.ZeRO, m.MicroBatch, m.GradAccum = v, z, b, acc
				if !f(m) {
					return false
				}
			}
		}
	}
	return true
}

// candidateLayouts lists the layouts to try for gpus GPUs.
func (tr *trainer) candidateLayouts(gpus, pinnedTP int) []Layout {
	var out []Layout
	tr.eachLayout(gpus, pinnedTP, func(l Layout) bool { out = append(out, l); return true })
	return out
}

type evaluated struct {
	l     Layout
	st    StepTime
	mem   [3]float64
	total float64
	cost  float64 // step time × VMs paid for
}

// fitted sets a layout's recompute to the least that fits, or reports
// that none does.
func (tr *trainer) fitted(l *Layout) bool {
	ls := int(math.Ceil(tr.a.layers() / float64(l.PP)))
	k := -1
	if tr.recompute == RecomputeFull {
		full := *l
		full.RecomputeLayers = ls
		if st, acts, buf := tr.memory(full); st+acts+buf <= tr.usable {
			k = ls
		}
	} else if k = tr.recomputeToFit(*l, tr.usable); tr.recompute == RecomputeSelective && k > 0 {
		k = -1
	}
	if k < 0 {
		// Report the layout at the least memory the policy allows.
		l.Recompute, l.RecomputeLayers = RecomputeFull, ls
		if tr.recompute == RecomputeSelective {
			l.Recompute, l.RecomputeLayers = RecomputeSelective, 0
		}
		return false
	}
	l.RecomputeLayers = k
	switch {
	case k == 0:
		l.Recompute = RecomputeSelective
	case k >= ls:
		l.Recompute = RecomputeFull
	default:
		l.Recompute = RecomputePartial
	}
	if k > 0 && tr.recompute == "" {
		// Keeping some layers' activations in host memory instead of
		// recomputing them, as NVIDIA's GB200 recipes do with fully
		// sharded data parallelism: whichever is faster.
		if o := tr.offloadToFit(*l); o > 0 {
			off := *l
			off.Recompute, off.RecomputeLayers, off.OffloadLayers = RecomputeSelective, 0, o
			if tr.stepLayout(off).Total < tr.stepLayout(*l).Total {
				*l = off
			}
		}
	}
	return true
}

// offloadToFit is the fewest layers whose activations, kept in host memory,
// let a layout fit without recompute; 0 when offload does not apply (a
// pipeline holds several micro-batches in flight, which Megatron's offload
// does not cover) or host memory cannot hold them.
func (tr *trainer) offloadToFit(l Layout) int {
	if l.PP > 1 {
		return 0
	}
	l.RecomputeLayers, l.OffloadLayers = 0, 0
	st, acts, buf := tr.memory(l)
	over := st + acts + buf + tr.chunkTokens(l)*tr.shape.actPerTokenLayer/float64(l.TP) - tr.usable
	saved := tr.chunkTokens(l) * tr.shape.actPerTokenLayer / float64(l.TP)
	if over <= 0 || saved <= 0 {
		return 0
	}
	o := int(math.Ceil(over/saved - 1e-9))
	if o >= tr.a.Layers {
		return 0
	}
	l.OffloadLayers = o
	if tr.offloadedBytes(l) > tr.hostBytes {
		return 0
	}
	return o
}

// stepLayout is a layout's step time at the VMs it would run on.
func (tr *trainer) stepLayout(l Layout) StepTime {
	gpus := l.TP * l.cp() * l.PP * l.DP
	nodes, _ := tr.allocation(l, gpus)
	return tr.step(l, nodes)
}

// anyFits reports whether some layout of gpus GPUs fits in memory.
func (tr *trainer) anyFits(gpus, pinnedTP int) bool {
	found := false
	tr.eachLayout(gpus, pinnedTP, func(l Layout) bool {
		found = tr.fitted(&l)
		return !found
	})
	return found
}

// best searches the layouts for gpus GPUs and returns the fastest that
// fits, the runner-up, and how many were searched and fit.
func (tr *trainer) best(gpus, pinnedTP int) (best, second *evaluated, searched, fit int, closest *evaluated) {
	var b1, b2, cl evaluated
	has1, has2, hasCl := false, false, false
	tr.eachLayout(gpus, pinnedTP, func(l Layout) bool {
		searched++
		ok := tr.fitted(&l)
		s, a, b := tr.memory(l)
		e := evaluated{l: l, mem: [3]float64{s, a, b}, total: s + a + b}
		if !ok {
			if !hasCl || e.total < cl.total {
				cl, hasCl = e, true
			}
			return true
		}
		fit++
		nodes, _ := tr.allocation(l, gpus)
		e.st = tr.step(l, nodes)
		// Layouts are compared by time per VM paid for, which is step
		// time unless whole racks leave VMs idle.
		e.cost = e.st.Total * float64(nodes)
		switch {
		case !has1 || better(&e, &b1):
			b2, has2 = b1, has1
			b1, has1 = e, true
		case !has2 || better(&e, &b2):
			b2, has2 = e, true
		}
		return true
	})
	if has1 {
		best = &b1
	}
	if has2 {
		second = &b2
	}
	if hasCl {
		closest = &cl
	}
	return best, second, searched, fit, closest
}

// better orders layouts: least step time per VM paid for first (the
// fastest, when every layout uses the same VMs), then the simpler (less
// memory).
func better(a, b *evaluated) bool {
	if d := a.cost - b.cost; math.Abs(d) > 1e-9*b.cost {
		return d < 0
	}
	return a.total < b.total
}

// EstimateTraining estimates one training run on GPUs GPUs of one size,
// choosing the fastest parallelism layout that fits in GPU memory.
func EstimateTraining(in TrainingInput) (TrainingEstimate, error) {
	tr, err := newTrainer(in)
	if err != nil {
		return TrainingEstimate{}, err
	}
	return tr.estimate(in, true)
}

// estimate runs the layout search for in.GPUs; explain adds the layout's
// reasons (the planner asks for them only for the pools it reports).
func (tr *trainer) estimate(in TrainingInput, explain bool) (TrainingEstimate, error) {
	if in.GPUs < 1 {
		return TrainingEstimate{}, infeasible("need at least one GPU")
	}
	perNode := tr.hw.perNode
	nodes := (in.GPUs + perNode - 1) / perNode
	if nodes > 1 && in.GPUs%perNode != 0 {
		return TrainingEstimate{}, infeasible("%d GPUs do not fill whole %s VMs of %d GPUs; use a multiple of %d", in.GPUs, in.SKU.Name, perNode, perNode)
	}
	if nodes > 1 && tr.hw.ibPerGPU == 0 {
		return TrainingEstimate{}, infeasible("%s has no InfiniBand; training across %d VMs needs it, so use at most %d GPUs or an InfiniBand size", in.SKU.Name, nodes, perNode)
	}
	if in.TP > 0 && (in.TP > tr.hw.domain || tr.a.Heads%in.TP != 0) {
		return TrainingEstimate{}, infeasible("tensor-parallel degree %d must divide the %d heads and fit in one %d-GPU NVLink domain", in.TP, tr.a.Heads, tr.hw.domain)
	}
	best, second, searched, fit, closest := tr.best(in.GPUs, in.TP)
	if best == nil {
		if closest == nil {
			return TrainingEstimate{}, infeasible("no parallelism layout divides %d GPUs for %d layers and %d heads with a global batch of %d sequences", in.GPUs, tr.a.Layers, tr.a.Heads, tr.batchFor(in.GPUs))
		}
		return TrainingEstimate{}, infeasible("%s does not fit in %d × %.0f GB GPUs: the smallest layout (%s) needs %.1f GiB a GPU of %.1f GiB usable",
			tr.a.Name, in.GPUs, in.SKU.GPUMemoryGB, closest.l, closest.total/(1<<30), usableBytes(tr.hw)/(1<<30))
	}
	l := best.l
	if explain {
		l.Why = tr.why(best, second, searched, fit, nodes)
	}
	paid, racks := tr.allocation(l, in.GPUs)
	st := best.st
	tokensPerStep := float64(l.DP * l.GradAccum * l.MicroBatch * tr.seq)
	tps := tokensPerStep / st.Total
	ideal := in.Tokens / tps / 3600
	rate := interruptionsPerNodeHour * float64(nodes)
	if in.Spot {
		rate += spotEvictionsPerNodeHour * float64(nodes)
	}
	// Writing a checkpoint stalls training while each GPU copies its share
	// of the model state to host memory; the interval that minimises stall
	// plus lost work is Young's sqrt(2·stall/rate) (Daly 2006), no shorter
	// than the file system allows.
	stall := best.mem[0] / checkpointCopyBytesPerSecond / 3600
	optimal := math.Max(minCheckpointHours, math.Sqrt(2*stall/rate))
	ckpt := in.CheckpointHours
	if ckpt <= 0 {
		ckpt = optimal
	}
	// Each interruption loses half a checkpoint interval of work on average
	// and the restart; each checkpoint costs its stall. Goodput is the
	// share of wall time left for training.
	goodputAt := func(ckpt float64) float64 { return 1 / (1 + rate*(restartHours+ckpt/2) + stall/ckpt) }
	goodput := goodputAt(ckpt)
	hours := ideal / goodput
	perTokenFLOPs := tr.modelFLOPsPerToken()
	peak := tr.hw.peak
	est := TrainingEstimate{
		SKU: in.SKU.Name, GPUs: in.GPUs, Layout: l, SeqLen: tr.seq, GlobalBatch: l.DP * l.GradAccum * l.MicroBatch,
		Tokens: in.Tokens, FLOPs: perTokenFLOPs * in.Tokens,
		TokensPerSecond:   round(tps, 0),
		StepSeconds:       round(st.Total, 3),
		Step:              roundStep(st),
		Hours:             round(hours, 2),
		GPUHours:          round(hours*float64(in.GPUs), 0),
		ModelTFLOPSPerGPU: round(perTokenFLOPs*tps/float64(in.GPUs)/1e12, 1),
		MFU:               round(perTokenFLOPs*tps/float64(in.GPUs)/peak, 3),
		MemoryPerGPUGiB:   round(best.total/(1<<30), 1),
		Memory: MemoryUse{ModelStateGiB: round(best.mem[0]/(1<<30), 1), ActivationsGiB: round(best.mem[1]/(1<<30), 1),
			BuffersGiB: round(best.mem[2]/(1<<30), 1), TotalGiB: round(best.total/(1<<30), 1), UsableGiB: round(usableBytes(tr.hw)/(1<<30), 1)},
		Goodput:                round(goodput, 3),
		CheckpointHours:        round(ckpt, 3),
		OptimalCheckpointHours: round(optimal, 3),
		OptimalGoodput:         round(goodputAt(optimal), 3),
		Interruptions:          round(rate*hours, 1),
		CostUSD:                round(hours*float64(paid)*in.USDPerVMHour, 0),
		LayoutsSearched:        searched,
		LayoutsFit:             fit,
		Nodes:                  paid,
		Racks:                  racks,
		Placement:              tr.placement(l, in.GPUs, paid, racks),
		AttentionKernel:        tr.hw.attn.name,
	}
	est.Memory.GPUGiB = round(tr.hw.memBytes/(1<<30), 1)
	est.Memory.FreeGiB = round((tr.hw.memBytes-best.total)/(1<<30), 1)
	est.Memory.HostOffloadGiB = round(tr.offloadedBytes(l)/(1<<30), 1)
	return est, nil
}

// placement says how a layout sits in NVLink domains larger than a VM.
func (tr *trainer) placement(l Layout, gpus, paid, racks int) string {
	if tr.hw.domain <= tr.hw.perNode {
		return ""
	}
	vms := tr.hw.domainVMs()
	g := tr.nvlinkGroup(l)
	switch {
	case gpus <= tr.hw.domain:
		return fmt.Sprintf("all %d GPUs in one %d-GPU NVLink domain (%d VMs of a rack of %d): tensor, context and pipeline traffic stay on NVLink", gpus, tr.hw.domain, paid, vms)
	case g == 0:
		return fmt.Sprintf("each tensor- and context-parallel group fits in one VM; pipeline and data-parallel traffic cross VMs over InfiniBand, so the %d VMs need no placement inside a rack", paid)
	}
	what := "tensor- and context-parallel group"
	if l.PPNVLink {
		what = "model-parallel group (TP·CP·PP)"
	}
	s := fmt.Sprintf("each %s of %d GPUs (%d VMs) spans VMs over NVLink, so it must lie in one %d-GPU rack of %d VMs; %d per rack, %d groups: %d racks = %d VMs",
		what, g, g/tr.hw.perNode, tr.hw.domain, vms, tr.hw.domain/g, gpus/g, racks, paid)
	if idle := paid - gpus/tr.hw.perNode; idle > 0 {
		s += fmt.Sprintf(", leaving %d trays free", idle)
	}
	return s
}

// modelFLOPsPerToken counts a token's model FLOPs as MosaicML and Megatron
// do: 6·N (4·N for LoRA, which computes no weight gradients) plus
// 12·layers·hidden·seq for attention (ai-performance.md section 2c).
func (tr *trainer) modelFLOPsPerToken() float64 {
	per := 6.0
	if tr.lora {
		per = 4
	}
	return per*tr.a.ActiveParams + 12*tr.a.layers()*tr.a.h()*float64(tr.seq)
}

// why explains a layout: what each degree buys, and the runner-up.
func (tr *trainer) why(best, second *evaluated, searched, fit, nodes int) string {
	l := best.l
	var parts []string
	if l.TP > 1 {
		where := "inside each VM"
		if l.TP > tr.hw.perNode {
			where = fmt.Sprintf("across %d VMs of one NVLink domain", l.TP/tr.hw.perNode)
		}
		parts = append(parts, fmt.Sprintf("tensor parallel %d %s over %s splits every layer's weights and activations %d ways", l.TP, where, tr.hw.sku.ScaleUp, l.TP))
	} else {
		parts = append(parts, "no tensor parallelism: each GPU runs whole layers, the largest GEMMs")
	}
	if l.CP > 1 {
		link := "nvlink"
		if l.TP*l.CP > tr.hw.domain {
			link = "InfiniBand"
		}
		parts = append(parts, fmt.Sprintf("context parallel %d splits each %d-token sequence into chunks of %d, passing keys and values around a ring over %s behind the attention kernels",
			l.CP, tr.seq, tr.seq/l.CP, link))
	}
	if l.PP > 1 {
		v := ""
		if l.Interleave > 1 {
			v = fmt.Sprintf(", interleaved %d ways", l.Interleave)
		}
		on := ""
		if l.PPNVLink {
			on = " over NVLink inside one rack"
		}
		parts = append(parts, fmt.Sprintf("%d pipeline stages of %d layers%s%s; bubble %.0f%% of the step", l.PP, (tr.a.Layers+l.PP-1)/l.PP, v, on, 100*best.st.Bubble/best.st.Total))
	}
	zero := map[int]string{0: "no sharding (one replica)", 1: "ZeRO-1 shards optimizer state", 2: "ZeRO-2 shards optimizer state and gradients", 3: "ZeRO-3 (FSDP) shards weights, gradients and optimizer state"}[l.ZeRO]
	switch {
	case l.DP > 1 && l.CP > 1:
		zero += fmt.Sprintf(" over %d data-parallel replicas × %d context chunks", l.DP, l.CP)
	case l.DP > 1:
		zero += fmt.Sprintf(" over %d data-parallel replicas", l.DP)
	case l.CP > 1:
		zero += fmt.Sprintf(" over %d context chunks", l.CP)
	}
	parts = append(parts, zero)
	rc := "selective recompute (FlashAttention) keeps all other activations"
	switch l.Recompute {
	case RecomputeFull:
		rc = "full recompute: only layer inputs are kept, the forward pass runs twice"
	case RecomputePartial:
		rc = fmt.Sprintf("%d of each stage's %d layers recompute their forward pass, the fewest that fit", l.RecomputeLayers, (tr.a.Layers+l.PP-1)/l.PP)
	}
	if l.OffloadLayers > 0 {
		rc = fmt.Sprintf("%d layers keep their activations in host memory (%.1f GiB a GPU over the %.0f GB/s host link) instead of recomputing them", l.OffloadLayers, tr.offloadedBytes(l)/(1<<30), tr.hw.hostBW/1e9)
	}
	parts = append(parts, rc)
	parts = append(parts, fmt.Sprintf("attention at %s's rate", tr.hw.attn.name))
	parts = append(parts, fmt.Sprintf("micro-batch %d × %d accumulation steps; %.1f of %.1f GiB a GPU usable, %.1f GiB (%.0f%%) of its %.1f GiB left free",
		l.MicroBatch, l.GradAccum, best.total/(1<<30), usableBytes(tr.hw)/(1<<30), (tr.hw.memBytes-best.total)/(1<<30), 100*(1-best.total/tr.hw.memBytes), tr.hw.memBytes/(1<<30)))
	s := strings.Join(parts, "; ")
	s += fmt.Sprintf(". Fastest of %d layouts that fit (%d searched)", fit, searched)
	if second != nil {
		switch d := 100 * (second.st.Total/best.st.Total - 1); {
		case d < 0.05:
			s += fmt.Sprintf("; %s is as fast", second.l)
		case d < 1:
			s += fmt.Sprintf("; next best %s is %.1f%% slower", second.l, d)
		default:
			s += fmt.Sprintf("; next best %s is %.0f%% slower", second.l, d)
		}
	}
	return s
}

func roundStep(s StepTime) StepTime {
	r := func(v float64) float64 { return round(v, 4) }
	return StepTime{Compute: r(s.Compute), TPComm: r(s.TPComm), CPComm: r(s.CPComm), PPComm: r(s.PPComm), Bubble: r(s.Bubble), DPExposed: r(s.DPExposed), Optimizer: r(s.Optimizer), Total: r(s.Total)}
}

// MinTrainingGPUs is the fewest GPUs of a size (whole VMs beyond one) on
// which the model fits, or 0 when none up to maxNodes VMs does.
func MinTrainingGPUs(in TrainingInput, maxNodes int) int {
	tr, err := newTrainer(in)
	if err != nil {
		return 0
	}
	return tr.minGPUs(in.TP, maxNodes)
}

func (tr *trainer) minGPUs(pinnedTP, maxNodes int) int {
	fits := func(g int) bool { return tr.anyFits(g, pinnedTP) }
	for g := 1; g <= tr.hw.perNode; g *= 2 {
		if tr.hw.perNode%g == 0 && fits(g) {
			return g
		}
	}
	if tr.hw.ibPerGPU == 0 {
		return 0
	}
	// Memory per GPU falls as VMs are added; find the first count that
	// fits by doubling, then bisecting.
	lo, hi := 1, 2
	for !fits(hi * tr.hw.perNode) {
		lo = hi
		hi *= 2
		if hi > maxNodes {
			if fits(maxNodes * tr.hw.perNode) {
				hi = maxNodes
				break
			}
			return 0
		}
	}
	for lo+1 < hi {
		mid := (lo + hi) / 2
		if fits(mid * tr.hw.perNode) {
			hi = mid
		} else {
			lo = mid
		}
	}
	return hi * tr.hw.perNode
}
