package compute

// The efficiency factors of the compute model, in one place. Each is a
// physical fraction with the published figure it comes from
// (../shared/reference/ai-performance.md); none is fitted to one result.
const (
	// MFU of large-scale dense training on NVLink nodes joined by
	// InfiniBand: Megatron-LM and MosaicML report 40–52 % of BF16 peak on
	// A100/H100 (section 2c); reported GPU-hours of whole runs imply 35–45 %
	// with restarts and evaluation included (section 2b).
	mfuNVLink = 0.40
	// Nodes whose GPUs talk over PCIe only lose the tensor-parallel
	// fast path; data-parallel runs there reach roughly three quarters of
	// the NVLink figure.
	mfuPCIe = 0.30
	// FP8 training runs at a lower fraction of the doubled FP8 peak:
	// MosaicML's FP8 row reaches 27.7 % of FP8 peak (section 2c).
	mfuFP8Factor = 0.70

	// GPU memory kept free of model state for activations, communication
	// buffers and allocator fragmentation.
	trainingMemoryHeadroom = 0.25
	// Bytes per parameter of mixed-precision Adam: bf16 weights and
	// gradients, fp32 master weights, momentum and variance (ZeRO §3.1).
	adamBytesPerParam = 16.0
	// LoRA keeps frozen bf16 weights; adapters and their optimizer states
	// are about 1 % of the parameters at 16 bytes each.
	loraBytesPerParam = 2.0 + 0.01*16

	// Fraction of measured HBM bandwidth (BabelStream) that decode kernels
	// reach when streaming weights and KV cache.
	hbmDecodeEfficiency = 0.85
	// Fraction of dense peak that large-batch decode and prefill GEMMs reach;
	// measured GEMM ceilings are 65–81 % of peak (section 4c) and attention
	// and sampling take the rest.
	inferenceComputeEfficiency = 0.50
	// GPU memory usable by an inference server for weights and KV cache.
	inferenceMemoryFraction = 0.90
	// Per-layer cost of the two tensor-parallel all-reduces of a decode step,
	// in seconds: latency-bound small messages over NVLink.
	tpAllReduceSecondsPerLayer = 2 * 10e-6

	// HBM bandwidth measured fraction used when a GPU has no measured figure.
	hbmMeasuredFraction = 0.88
)
