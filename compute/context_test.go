package compute

import (
	"strings"
	"testing"

	"github.com/aizone/aizone/catalog"
)

// TestRequestBeyondContext: a request longer than the model's context
// cannot be served, whatever the VM size: the plan says so at the key
// (not "feasible", nor a pool so large it blames the address space), and
// the estimate refuses it as bad input rather than as a size that does
// not fit.
func TestRequestBeyondContext(t *testing.T) {
	z := zone(t, "  - {name: chat, kind: inference, model: llama-3.1-8b, requests_per_second: 5, input_tokens: 1048575, output_tokens: 1}\n")
	res, fs := plan(t, z)
	if !hasError(fs, "compute.context") || res.Pools[0].Nodes != 0 {
		t.Fatalf("findings %v, pool %+v", fs, res.Pools[0])
	}
	for _, f := range fs {
		if f.Code == "compute.context" && (f.Path != "workloads[0].input_tokens" || !strings.Contains(f.Message, "context of 131072")) {
			t.Errorf("finding %+v", f)
		}
	}

	c, err := catalog.Default()
	if err != nil {
		t.Fatal(err)
	}
	m, _ := c.Model("llama-3.1-8b")
	sku, _ := c.SKU("Standard_ND96isr_H100_v5")
	g, _ := c.GPUSpec(sku.GPU)
	_, err = EstimateInference(InferenceInput{Arch: FromCatalog(m), Precision: "bf16", SKU: sku, GPU: g, TP: 1, InputTokens: 131000, OutputTokens: 100})
	if _, infeasible := err.(*InfeasibleError); err == nil || infeasible || !strings.Contains(err.Error(), "context") {
		t.Errorf("estimate beyond the context: %v", err)
	}
}
