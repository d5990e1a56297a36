package compute

import (
	"fmt"
	"math"

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
	// FFN is the feed-forward width of one expert (of the one MLP when
	// dense); 0 derives it from the parameter count.
	FFN     int `json:"ffn,omitempty"`
	Heads   int `json:"heads"`
	KVHeads int `json:"kv_heads"`
	KVDim   int `json:"kv_dim,omitempty"`
	Vocab   int `json:"vocab"`
	Context int `json:"context,omitempty"`
	Experts int `json:"experts,omitempty"`
	// Gated is true for SwiGLU-style MLPs (three matrices) and false for
	// the classic two-matrix MLP; it is derived when the FFN width is known.
	Gated  bool   `json:"gated"`
	Source string `json:"source,omitempty"`
}

// KVElemsPerToken is the KV-cache elements one token adds across all layers:
// 2 (K and V) · layers · kv_heads · head_dim, or the compressed width.
func (a Arch) KVElemsPerToken() float64 {
	if a.KVDim > 0 {
		return float64(a.KVDim * a.Layers)
	}
	return float64(2*a.Layers) * a.kvWidth()
}

func (a Arch) h() float64          { return float64(a.Hidden) }
func (a Arch) layers() float64     { return float64(a.Layers) }
func (a Arch) headDim() float64    { return a.h() / float64(max(a.Heads, 1)) }
func (a Arch) kvWidth() float64    { return float64(max(a.KVHeads, 1)) * a.headDim() }
func (a Arch) attnParams() float64 { return a.h() * (2*a.h() + 2*a.kvWidth()) }

// mlpMatrices is how many weight matrices of width ffn the MLP has.
func (a Arch) mlpMatrices() float64 {
	if a.Gated {
		return 3
	}
	return 2
}

// embedParams is the input embedding plus the output projection: one
// vocab×hidden table when tied, two when not.
func (a Arch) embedParams() float64 {
	one := float64(a.Vocab) * a.h()
	if a.FFN > 0 && a.Experts == 0 {
		dense := a.layers() * (a.attnParams() + a.mlpMatrices()*a.h()*float64(a.FFN))
		if math.Abs(a.Params-dense-one) < math.Abs(a.Params-dense-2*one) {
			return one
		}
	}
	return 2 * one
}

// layerParams is the parameters of one transformer layer (every expert
// included), so that layers plus embeddings give Params.
func (a Arch) layerParams() float64 {
	return math.Max((a.Params-a.embedParams())/a.layers(), a.attnParams())
}

// activeFFN is the MLP width a token passes through in one layer: the FFN of
// a dense model, the sum of the routed experts' widths of a
// mixture-of-experts, derived from the active parameters.
func (a Arch) activeFFN() float64 {
	if a.FFN > 0 && (a.Experts == 0 || a.ActiveParams == a.Params) {
		return float64(a.FFN)
	}
	perLayer := (a.ActiveParams-a.embedParams())/a.layers() - a.attnParams()
	return math.Max(perLayer/(a.mlpMatrices()*a.h()), a.h())
}

// Validate reports an architecture the performance model cannot use.
func (a Arch) Validate() error {
	switch {
	case a.Params <= 0:
		return fmt.Errorf("model %s: parameters must be positive", a.Name)
	case a.Layers <= 0 || a.Hidden <= 0 || a.Heads <= 0:
		return fmt.Errorf("model %s: layers, hidden size and heads must be positive (got %d, %d, %d)", a.Name, a.Layers, a.Hidden, a.Heads)
	case a.Hidden%a.Heads != 0:
		return fmt.Errorf("model %s: hidden size %d is not a multiple of %d heads", a.Name, a.Hidden, a.Heads)
	case a.KVHeads <= 0 || a.Heads%a.KVHeads != 0:
		return fmt.Errorf("model %s: %d KV heads do not divide %d heads", a.Name, a.KVHeads, a.Heads)
	case a.Vocab <= 0:
		return fmt.Errorf("model %s: vocabulary size must be positive", a.Name)
	case a.ActiveParams <= 0 || a.ActiveParams > a.Params:
		return fmt.Errorf("model %s: active parameters must be between 0 and the total", a.Name)
	case a.Params < a.embedParams()+a.layers()*a.attnParams()*0.5:
		return fmt.Errorf("model %s: %.3g parameters are too few for %d layers of hidden size %d and a %d-token vocabulary",
			a.Name, a.Params, a.Layers, a.Hidden, a.Vocab)
	}
	return nil
}

// complete fills what can be derived: active parameters, KV heads, and
// whether the MLP is gated (a width other than 4·hidden means SwiGLU, the
// norm since LLaMA; 4·hidden is the GPT-2/3 and MPT MLP).
func (a *Arch) complete() {
	if a.ActiveParams == 0 {
		a.ActiveParams = a.Params
	}
	if a.KVHeads == 0 {
		a.KVHeads = a.Heads
	}
	a.Gated = a.FFN == 0 || a.FFN != 4*a.Hidden
}

// FromCatalog converts a catalog model.
func FromCatalog(m *catalog.Model) Arch {
	a := Arch{Name: m.Name, Params: m.Params, ActiveParams: m.Active(), Layers: m.Layers, Hidden: m.Hidden, FFN: m.FFN,
		Heads: m.Heads, KVHeads: m.KVHeads, KVDim: m.KVDim, Vocab: m.Vocab, Context: m.Context, Experts: m.Experts, Source: m.Source}
	a.complete()
	return a
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
	a.complete()
	if err := a.Validate(); err != nil {
		return Arch{}, err
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
