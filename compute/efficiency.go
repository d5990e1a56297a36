package compute

// The efficiency factors and physical constants of the compute model, all in
// this one file. They are the same for every model, every size and every
// calibration row; each says what it measures and where its value comes
// from. Numbers a GPU has been measured at on Azure (GEMM ceiling, HBM
// bandwidth, NCCL bus bandwidth, FlashAttention throughput) live in the
// catalog with their source and are preferred to these defaults.
const (
	// --- Kernels -----------------------------------------------------------

	// gemmFractionUnmeasured is the GEMM ceiling, as a fraction of dense
	// peak, of a GPU without a measured GEMM figure: the middle of the
	// measured ones (H100 FP8 0.70, H200 FP8 0.69, A100 FP16 0.82, GB200 FP8
	// 0.58; ai-performance.md section 4c).
	gemmFractionUnmeasured = 0.70
	// attentionFractionUnmeasured is FlashAttention's forward throughput as a
	// fraction of BF16 peak on a GPU without a measured figure: H100 reaches
	// 328 of 989 TFLOP/s (section 4c).
	attentionFractionUnmeasured = 0.33
	// attentionBackwardRatioUnmeasured is an attention kernel's backward
	// throughput over its forward where no table measures it: FlashAttention-2
	// on B200 (335/403 at 8K, 364/439 at 32K; ai-performance.md section 6a).
	attentionBackwardRatioUnmeasured = 0.83
	// hbmFractionUnmeasured is achievable HBM bandwidth as a fraction of the
	// spec sheet for GPUs without a BabelStream figure (H100 2.97/3.35 = 0.89,
	// H200 4.15/4.8 = 0.86, A100 1.70/2.04 = 0.83).
	hbmFractionUnmeasured = 0.86

	// kernelBusyFraction is the share of a step's compute time in which the
	// GPU runs the kernels the model counts (GEMMs at their roofline,
	// attention, memory-bound element-wise work). The rest is launch gaps,
	// synchronisation, stragglers and kernels the model does not list. One
	// value for training and prefill on every framework and GPU, set by the
	// whole calibration table rather than any one row; decode steps, replayed
	// as CUDA graphs, do not pay it. With it the rows outside the table
	// (MosaicML's A100 results, OPT-175B, Megatron's 1T run, LLaMA-1 65B)
	// land within 14 %.
	kernelBusyFraction = 0.75

	// elementwisePassesPerLayer counts the hidden-sized vectors that the
	// memory-bound operations of one transformer layer read or write per
	// token in the forward pass (two norms read and write h each, two
	// residual adds read 2h and write h, rotary reads and writes q and k);
	// the activation function adds 3·ffn (gated) or 2·ffn, counted apart.
	// The backward pass moves twice the forward's bytes.
	elementwisePassesPerLayer = 10.0

	// --- Memory ------------------------------------------------------------

	// gpuReservedBytes is GPU memory no tensor can use: CUDA context, NCCL
	// and cuBLAS workspaces (an allowance, not a measurement).
	gpuReservedBytes = 3e9
	// allocatorUsableFraction is the share of the rest that the caching
	// allocator can hand out before fragmentation stops it.
	allocatorUsableFraction = 0.92
	// adamBytesPerParam is mixed-precision Adam's model state: 2 (bf16
	// weights) + 2 (gradients) + 12 (fp32 master, momentum, variance)
	// (ZeRO §3.1; section 5).
	adamBytesPerParam = 16.0
	// megatronStateBytesPerParam is what Megatron keeps of every parameter
	// it does not shard: bf16 weights and fp32 main gradients (2 + 4); with
	// adamOptimizerBytesPerParam (fp32 master weights, momentum, variance)
	// that is 18 bytes, 6 + 12/(DP·CP) with the distributed optimizer
	// (Megatron-Bridge memory estimator, ai-performance.md section 6b).
	megatronStateBytesPerParam = 6.0
	adamOptimizerBytesPerParam = 12.0
	// minFreeFraction is the share of every GPU's memory a plan leaves
	// free: the caching allocator's fragmentation grows over a run, NCCL
	// allocates buffers as communicators are created, and CUDA graphs add
	// a few GB (over 10 GB with pipeline parallelism; section 6b).
	minFreeFraction = 0.05
	// hostOffloadFraction is the share of a VM's memory (per GPU) that
	// offloaded activations may use; the rest holds the data loader,
	// pinned staging buffers and the checkpoint copy.
	hostOffloadFraction = 0.5
	// adamUpdateBytesPerParam is what the optimizer step reads and writes
	// per parameter it owns (master, momentum, variance in and out, gradient
	// in, bf16 weight out); it runs at HBM bandwidth.
	adamUpdateBytesPerParam = 28.0
	// loraTrainableFraction is the share of parameters LoRA adapters add
	// (rank 16 on every projection of a 7–70B model is 0.2–1 %); they carry
	// full Adam state, the frozen weights only their bf16 copy.
	loraTrainableFraction = 0.01
	// defaultGlobalBatchTokens is the global batch when none is given: 4M
	// tokens, Llama 2 70B's and MPT-70B's (section 2).
	defaultGlobalBatchTokens = 4 << 20
	// defaultGPUsPerSequence raises that default on large clusters to one
	// sequence per this many GPUs, as Llama 3.1 405B ran 16M tokens of
	// 8,192 (2,048 sequences) on 16,384 GPUs (section 2c).
	defaultGPUsPerSequence = 8
	// kvCacheMemoryFraction is the share of GPU memory left after weights
	// and workspace that the engine gives the KV cache (TensorRT-LLM's
	// default free-memory fraction).
	kvCacheMemoryFraction = 0.90

	// --- Communication -----------------------------------------------------

	// nvlinkCollectiveLatency is the fixed cost of one NCCL collective inside
	// a node, from the measured 1 MB all-reduce on ND H100 v5 (43.7 GB/s bus
	// bandwidth against 479 GB/s at 8 GB: 40 µs, of which 36 are latency).
	nvlinkCollectiveLatency = 36e-6
	// decodeAllReduceLatency is the cost of one small tensor-parallel
	// all-reduce in a decode step. Inference engines use one-shot all-reduce
	// kernels inside the step's CUDA graph (each GPU reads its peers'
	// buffers over NVLink once) rather than NCCL rings: one NVLink round trip
	// and a flag synchronisation, a few microseconds.
	decodeAllReduceLatency = 5e-6
	// nvlinkBusFractionUnmeasured is NCCL's in-node all-reduce bus bandwidth
	// as a fraction of the quoted per-GPU NVLink figure, for sizes without a
	// measurement (H100 479/900 = 0.53, A100 232/600 = 0.39, GB200 680/1800 =
	// 0.38): the middle value.
	nvlinkBusFractionUnmeasured = 0.40
	// infinibandEfficiency is the share of each GPU's InfiniBand line rate
	// that NCCL collectives reach across nodes (protocol headers, flow
	// control).
	infinibandEfficiency = 0.90
	// gradReduceBytes is the width of each gradient element in the
	// data-parallel reduction: fp32, as Megatron-LM (the default for bf16
	// training) and FSDP's default mixed precision reduce, so that summing
	// over thousands of replicas does not lose precision.
	gradReduceBytes = 4.0
	// infinibandLatency is one step of a collective across nodes: RDMA
	// round trip plus NCCL proxy (a few microseconds on NDR).
	infinibandLatency = 10e-6

	// --- Whole runs --------------------------------------------------------

	// interruptionsPerNodeHour is how often a node stops a synchronous job:
	// 466 interruptions in a 54-day snapshot of Llama 3 405B pre-training on
	// 16,384 GPUs (2,048 nodes of 8) (ai-performance.md section 2a).
	interruptionsPerNodeHour = 466.0 / (54 * 24 * 2048)
	// restartHours is the time from an interruption to training again:
	// detect the hang, requeue onto a spare node, reload the checkpoint
	// (an assumption: about ten minutes on a healthy cluster).
	restartHours = 1.0 / 6
	// checkpointCopyBytesPerSecond is how fast a GPU copies its share of the
	// model state to host memory, after which the write to storage runs in
	// the background: PCIe Gen4 x16 (the nvbandwidth figures of section 4c
	// are 26–52 GB/s host-to-device on A100 and H100 VMs).
	checkpointCopyBytesPerSecond = 25e9
	// minCheckpointHours is the shortest useful checkpoint interval: more
	// often, the background writes of a large model's state overlap.
	minCheckpointHours = 5.0 / 60
	// spotEvictionsPerNodeHour is an assumption, not a published figure:
	// Azure gives Spot eviction rates only per size and region, in the
	// portal and its API. One eviction per VM every four days; the planner
	// uses Spot only when the deadline still holds with it.
	spotEvictionsPerNodeHour = 1.0 / 96

	// --- Inference ---------------------------------------------------------

	// inferenceActivationBytes is the workspace an inference engine keeps
	// for one forward pass of its largest token batch (8,192 tokens × hidden
	// × a few fp16 buffers), reserved before the KV cache is sized; per GB of
	// weights on the GPU it is small, so one figure stands for all.
	inferenceActivationBytes = 2e9
	// prefillKernelsPerLayer counts the kernels of one layer's forward pass
	// in an inference engine: two norms, QKV, rotary, attention, the output
	// projection, two residual adds, MLP-up, the activation and MLP-down.
	prefillKernelsPerLayer = 11.0
	// kernelLaunchSeconds is the cost of launching one kernel that is not
	// part of a CUDA graph, a few microseconds on current drivers (an
	// allowance, not a figure of the reference). It matters only for short
	// prompts.
	kernelLaunchSeconds = 5e-6
)
