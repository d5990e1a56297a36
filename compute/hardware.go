package compute

import (
	"fmt"
	"math"

	"github.com/aizone/aizone/catalog"
)

// hardware is one VM size seen by the performance model: achievable rates
// per GPU, in base units (FLOP/s, bytes/s, bytes, seconds). It prefers the
// catalog's measured ceilings and falls back to the fractions in
// efficiency.go.
type hardware struct {
	sku *catalog.SKU
	gpu *catalog.GPU
	// perNode is whole GPUs per VM; 0 for a partition of one GPU.
	perNode int
	// share is the fraction of one GPU a VM gets (1 unless partitioned).
	share float64
	peak  float64 // dense peak at the precision
	gemm  float64 // GEMM ceiling at the precision
	// attn is the attention kernel the GPU's stack runs, by sequence
	// length (kernels.go).
	attn *attentionKernel
	hbm  float64 // achievable HBM bandwidth
	// memBytes is GPU memory per GPU (or partition).
	memBytes float64
	// nvlBus is the NCCL all-reduce bus bandwidth inside a node.
	nvlBus float64
	// ibPerGPU is the InfiniBand bandwidth one GPU can use across nodes; 0
	// without InfiniBand.
	ibPerGPU float64
	// domain is the GPUs that share one NVLink (or Infinity Fabric)
	// domain: the VM's, or a GB200/GB300 NVL72 rack of 72 GPUs in 18 VMs.
	domain int
	// hostBW is the measured host-to-device copy bandwidth a GPU has for
	// activation offload and checkpoint copies.
	hostBW float64
}

// domainVMs is the VMs of one NVLink domain (1 unless the domain spans VMs).
func (h *hardware) domainVMs() int {
	if h.perNode < 1 {
		return 1
	}
	return max(1, h.domain/h.perNode)
}

// newHardware reads one size's rates. c supplies the attention-kernel
// tables; nil uses the embedded catalog's.
func newHardware(c *catalog.Catalog, s *catalog.SKU, g *catalog.GPU, precision, attnKernel string) (*hardware, error) {
	if s == nil || g == nil {
		return nil, fmt.Errorf("no VM size or GPU given")
	}
	if !s.IsGPU() {
		return nil, fmt.Errorf("%s has no GPU", s.Name)
	}
	h := &hardware{sku: s, gpu: g, perNode: int(s.GPUs), share: math.Min(s.GPUs, 1)}
	h.peak = g.PeakTFLOPS(precision) * 1e12 * h.share
	frac := gemmFractionUnmeasured
	if g.GEMMTFLOPS > 0 {
		if p := g.PeakTFLOPS(g.GEMMDtype); p > 0 {
			frac = g.GEMMTFLOPS / p
		}
	}
	h.gemm = h.peak * frac
	if c == nil {
		c, _ = catalog.Default() // nil on a broken embedded catalog: tables then fall back
	}
	// Attention runs in BF16 in FP8 training and serving alike (Transformer
	// Engine and TensorRT-LLM keep it in 16 bits unless FP8 attention is
	// turned on), so the bf16 tables apply to every precision.
	h.attn = attentionFor(c, g, attnKernel, "bf16").scaled(h.share)
	if g.HBMMeasuredTBps > 0 {
		h.hbm = g.HBMMeasuredTBps * 1e12 * h.share
	} else {
		h.hbm = g.HBMTBps * 1e12 * hbmFractionUnmeasured * h.share
	}
	// HBM capacities are quoted in binary units: an "80 GB" H100 shows
	// 81,559 MiB in nvidia-smi, an "80 GB" A100 81,920 MiB. A size page can
	// round up (ND GB200 v6 lists 192 GB for a 186 GB GB200), so the
	// smaller of the size's and the GPU's figure counts.
	mem := s.GPUMemoryGB
	if g.HBMGB > 0 && s.GPUs >= 1 {
		mem = math.Min(mem, g.HBMGB)
	}
	h.memBytes = mem * (1 << 30)
	h.domain = max(h.perNode, 1)
	if g.ScaleUpDomainGPUs > h.domain && s.ScaleUp != "pcie" && h.perNode > 0 && g.ScaleUpDomainGPUs%h.perNode == 0 {
		h.domain = g.ScaleUpDomainGPUs
	}
	h.hostBW = checkpointCopyBytesPerSecond
	if g.HostLinkGBps > 0 {
		h.hostBW = g.HostLinkGBps * 1e9
	}
	switch {
	case g.NCCLBusGBps > 0 && s.ScaleUp != "pcie":
		h.nvlBus = g.NCCLBusGBps * 1e9
	case s.ScaleUpGBps > 0:
		h.nvlBus = s.ScaleUpGBps * 1e9 * nvlinkBusFractionUnmeasured
	default:
		h.nvlBus = 16e9 * nvlinkBusFractionUnmeasured // PCIe 4.0 x16
	}
	if s.InfiniBand && s.IBGbpsPerVM > 0 && h.perNode > 0 {
		h.ibPerGPU = s.IBGbpsPerVM / 8 * 1e9 / float64(h.perNode) * infinibandEfficiency
	}
	return h, nil
}

// gemmTime is one matrix product of an m×k by a k×n operand on one GPU: its
// FLOPs at the GEMM ceiling plus its operand and result bytes at HBM
// bandwidth. Adding the two (rather than taking the larger) is what makes
// small and skinny products slower than large ones: with the measured
// ceilings it reproduces the measured GEMMs of section 4c (H100 FP8 8192³
// 1,281 against 1,290 TFLOP/s measured; A100 FP16 8192³ 250 against 254).
// wBytes is the byte width of the weights (k×n), aBytes of the activations.
func (h *hardware) gemmTime(m, n, k, wBytes, aBytes float64) float64 {
	flops := 2 * m * n * k
	bytes := k*n*wBytes + (m*k+m*n)*aBytes
	return flops/h.gemm + bytes/h.hbm
}

// allReduceNVLink is a ring all-reduce of bytes over n GPUs of one node.
func (h *hardware) allReduceNVLink(bytes float64, n int, latency float64) float64 {
	if n <= 1 {
		return 0
	}
	return latency + 2*bytes*float64(n-1)/float64(n)/h.nvlBus
}

// collective is a data-parallel collective of bytes over ranks GPUs, of
// which perNode share a node: reduce-scatter or all-gather (passes 1) or
// all-reduce (passes 2). NCCL runs it hierarchically: inside each node
// over NVLink, then across nodes with each GPU moving its 1/perNode share
// over its own InfiniBand port.
func (h *hardware) collective(bytes float64, ranks, perNode int, passes float64) float64 {
	if ranks <= 1 {
		return 0
	}
	perNode = max(1, min(perNode, ranks))
	nodes := (ranks + perNode - 1) / perNode
	t := 0.0
	if perNode > 1 {
		t += passes * (nvlinkCollectiveLatency + bytes*float64(perNode-1)/float64(perNode)/h.nvlBus)
	}
	if nodes > 1 {
		bw := h.ibPerGPU
		if bw <= 0 {
			return math.Inf(1)
		}
		// Tree latency for the steps across nodes, ring bandwidth.
		t += passes * (infinibandLatency*2*math.Log2(float64(nodes)) +
			bytes/float64(perNode)*float64(nodes-1)/float64(nodes)/bw)
	}
	return t
}

// sendRecv is one point-to-point transfer between pipeline stages, across
// nodes when the job spans more than one.
func (h *hardware) sendRecv(bytes float64, acrossNodes bool) float64 {
	if acrossNodes && h.ibPerGPU > 0 {
		return infinibandLatency + bytes/h.ibPerGPU
	}
	return nvlinkCollectiveLatency + bytes/h.nvlBus
}
