package compute

import (
	"math"
	"sort"

	"github.com/aizone/aizone/catalog"
)

// attentionKernel is the attention throughput a GPU reaches with the kernel
// its stack runs, as a function of sequence length (FLOP/s, counted as the
// flash-attention and cuDNN benchmarks count: causal forward 2·s²·h a
// sequence, backward 2.5 times that).
type attentionKernel struct {
	name string // kernel name, or "assumed" without a measurement
	// seq, fwd and bwd are the measured points (bwd may be derived from a
	// ratio); one point means one rate at every length.
	seq      []float64
	fwd, bwd []float64
}

// attentionBackwardFLOPs is the backward pass's FLOPs relative to the
// forward's: five matrix products against two, the count both benchmarks of
// ai-performance.md section 6a use.
const attentionBackwardFLOPs = 2.5

// at returns the forward and backward rates at sequence length s:
// interpolated in log(s) between measured lengths, the nearest measured
// rate outside them (the tables cover 512 to 32,768 tokens, where the rates
// flatten).
func (k *attentionKernel) at(s float64) (fwd, bwd float64) {
	n := len(k.seq)
	if n == 1 || s <= k.seq[0] {
		return k.fwd[0], k.bwd[0]
	}
	if s >= k.seq[n-1] {
		return k.fwd[n-1], k.bwd[n-1]
	}
	i := sort.SearchFloat64s(k.seq, s)
	lo, hi := i-1, i
	f := (math.Log(s) - math.Log(k.seq[lo])) / (math.Log(k.seq[hi]) - math.Log(k.seq[lo]))
	return k.fwd[lo] + f*(k.fwd[hi]-k.fwd[lo]), k.bwd[lo] + f*(k.bwd[hi]-k.bwd[lo])
}

// attentionFor picks the attention kernel of gpu: of the kernels its stack
// runs (catalog attention_stack), the measured one with the highest forward
// rate at 8,192 tokens, as a framework picks the fastest backend it has.
// pinned names a kernel instead (a calibration row run on an older stack).
// dtype is the attention's precision: Transformer Engine runs attention in
// BF16 unless FP8 attention is turned on, so FP8 training reads the bf16
// tables. Without any table, the catalog's FlashAttention-2 measurement (a
// single rate) or attentionFractionUnmeasured of the BF16 peak stands in.
func attentionFor(c *catalog.Catalog, g *catalog.GPU, pinned, dtype string) *attentionKernel {
	var best *attentionKernel
	bestAt := 0.0
	names := g.AttentionStack
	if pinned != "" {
		names = []string{pinned}
	}
	if c != nil {
		for _, name := range names {
			for _, t := range c.AttentionKernels(g.Name, name, dtype) {
				k := fromTable(name, t)
				if f, _ := k.at(8192); f > bestAt {
					best, bestAt = k, f
				}
			}
		}
	}
	if best != nil {
		return best
	}
	fwd := g.FlashAttnTFLOPS * 1e12
	name := "flash-attention-2"
	if fwd <= 0 {
		fwd = g.BF16TFLOPS * 1e12 * attentionFractionUnmeasured
		name = "assumed"
	}
	return &attentionKernel{name: name, seq: []float64{8192}, fwd: []float64{fwd}, bwd: []float64{fwd * attentionBackwardRatioUnmeasured}}
}

func fromTable(name string, t *catalog.AttentionKernel) *attentionKernel {
	k := &attentionKernel{name: name}
	ratio := t.BackwardRatio
	if ratio <= 0 {
		ratio = attentionBackwardRatioUnmeasured
	}
	for i, s := range t.Seq {
		k.seq = append(k.seq, float64(s))
		k.fwd = append(k.fwd, t.ForwardTFLOPS[i]*1e12)
		if len(t.BackwardTFLOPS) > 0 {
			k.bwd = append(k.bwd, t.BackwardTFLOPS[i]*1e12)
		} else {
			k.bwd = append(k.bwd, t.ForwardTFLOPS[i]*1e12*ratio)
		}
	}
	return k
}

// scaled returns the kernel with its rates multiplied by f (a partition of a
// GPU gets its share).
func (k *attentionKernel) scaled(f float64) *attentionKernel {
	if f == 1 {
		return k
	}
	out := &attentionKernel{name: k.name, seq: k.seq}
	for i := range k.fwd {
		out.fwd = append(out.fwd, k.fwd[i]*f)
		out.bwd = append(out.bwd, k.bwd[i]*f)
	}
	return out
}
