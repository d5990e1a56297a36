// Package compute sizes the GPU (and data-preparation CPU) pools of a zone:
// which VM size, how many, for how long and at what cost, for training and
// for inference. It is a pure engine: zone and catalog in, decisions with
// their reasons out.
//
// This first version uses the standard first-order models, with every
// efficiency factor in efficiency.go:
//
//   - training FLOPs = 6·N·D for full training (forward 2N, backward 4N per
//     token, N active parameters, D tokens) and 4·N·D for LoRA (no weight
//     gradients for frozen weights); time = FLOPs / (GPUs · peak · MFU);
//   - training memory: mixed-precision Adam keeps 16 bytes per parameter
//     (ZeRO), sharded across every GPU of the pool (ZeRO-3/FSDP), with a
//     fraction of GPU memory kept for activations and buffers;
//   - inference decode is a roofline: each step reads the weights and the
//     batch's KV cache from HBM, or is compute-bound at 2·N FLOPs per token;
//     prefill is compute-bound at 2·N FLOPs per prompt token.
package compute

import (
	"fmt"

	"github.com/aizone/aizone/catalog"
	"github.com/aizone/aizone/spec"
)

// Arch is a resolved model architecture.
type Arch struct {
	Name         string  `json:"name"`
	Params       float64 `json:"params"`
	ActiveParams float64 `json:"active_params"`
	Layers       int     `json:"layers"`
	Hidden       int     `json:"hidden"`
	Heads        int     `json:"heads"`
	KVHeads      int     `json:"kv_heads"`
	KVDim        int     `json:"kv_dim,omitempty"`
	Vocab        int     `json:"vocab"`
	Context      int     `json:"context,omitempty"`
	Source       string  `json:"source,omitempty"`
}

// KVElemsPerToken is the KV-cache elements one token adds across all layers:
// 2 (K and V) · layers · kv_heads · head_dim, or the compressed width.
func (a Arch) KVElemsPerToken() float64 {
	if a.KVDim > 0 {
		return float64(a.KVDim * a.Layers)
	}
	kv := a.KVHeads
	if kv == 0 {
		kv = a.Heads
	}
	return float64(2 * a.Layers * kv * (a.Hidden / a.Heads))
}

// FromCatalog converts a catalog model.
func FromCatalog(m *catalog.Model) Arch {
	return Arch{Name: m.Name, Params: m.Params, ActiveParams: m.Active(), Layers: m.Layers, Hidden: m.Hidden,
		Heads: m.Heads, KVHeads: m.KVHeads, KVDim: m.KVDim, Vocab: m.Vocab, Context: m.Context, Source: m.Source}
}

// ResolveModel turns a zone-file model (a catalog name or an explicit
// architecture) into an Arch.
func ResolveModel(m *spec.Model, c *catalog.Catalog) (Arch, error) {
	if m == nil {
		return Arch{}, fmt.Errorf("no model")
	}
	if m.Name != "" {
		cm, ok := c.Model(m.Name)
		if !ok {
			return Arch{}, fmt.Errorf("unknown model %q", m.Name)
		}
		return FromCatalog(cm), nil
	}
	a := Arch{Name: "custom", Params: float64(m.Params), ActiveParams: float64(m.ActiveParams), Layers: m.Layers,
		Hidden: m.Hidden, Heads: m.Heads, KVHeads: m.KVHeads, Vocab: m.Vocab, Context: m.Context, Source: "zone file"}
	if a.ActiveParams == 0 {
		a.ActiveParams = a.Params
	}
	if a.KVHeads == 0 {
		a.KVHeads = a.Heads
	}
	return a, nil
}

// BytesPerParam is the storage of one weight at a precision.
func BytesPerParam(precision string) float64 {
	if precision == "fp8" {
		return 1
	}
	return 2
}
