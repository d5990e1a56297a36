package compute

import (
	"fmt"
	"sort"
	"strings"

	"github.com/aizone/aizone/catalog"
)

// ResolveSKU finds a VM size by its name (Standard_ND96isr_H100_v5, with or
// without Standard_) or by the GPU it carries (H100, MI300X, A100-SXM-80GB):
// of the sizes carrying that GPU, the one a cluster would use, with
// InfiniBand, the most GPUs and the most GPU memory.
func ResolveSKU(c *catalog.Catalog, name string) (*catalog.SKU, error) {
	if name == "" {
		return nil, fmt.Errorf("no VM size or GPU given")
	}
	if s, ok := c.SKU(name); ok {
		if !s.IsGPU() {
			return nil, fmt.Errorf("%s has no GPU", s.Name)
		}
		return s, nil
	}
	want := strings.ToLower(name)
	var matches []*catalog.SKU
	for i := range c.SKUs {
		s := &c.SKUs[i]
		if !s.IsGPU() || s.Confidential {
			continue
		}
		if gpuNameMatches(s.GPU, want) {
			matches = append(matches, s)
		}
	}
	if len(matches) == 0 {
		var gpus []string
		seen := map[string]bool{}
		for _, s := range c.SKUs {
			if s.IsGPU() && !seen[s.GPU] {
				seen[s.GPU] = true
				gpus = append(gpus, s.GPU)
			}
		}
		sort.Strings(gpus)
		return nil, fmt.Errorf("unknown VM size or GPU %q; give a size such as Standard_ND96isr_H100_v5 or a GPU: %s", name, strings.Join(gpus, ", "))
	}
	sort.SliceStable(matches, func(i, j int) bool {
		a, b := matches[i], matches[j]
		if (a.Retirement == "") != (b.Retirement == "") {
			return a.Retirement == ""
		}
		if a.InfiniBand != b.InfiniBand {
			return a.InfiniBand
		}
		if a.GPUs != b.GPUs {
			return a.GPUs > b.GPUs
		}
		if a.GPUMemoryGB != b.GPUMemoryGB {
			return a.GPUMemoryGB > b.GPUMemoryGB
		}
		return a.Name < b.Name
	})
	return matches[0], nil
}

// gpuNameMatches reports whether a catalog GPU name (H100-SXM-80GB,
// B200-GB200) is the GPU asked for: the whole name, or one of its
// dash-separated parts that names a chip (has a digit), so that "A10" is
// not an A100.
func gpuNameMatches(gpu, want string) bool {
	g := strings.ToLower(gpu)
	if g == want {
		return true
	}
	if strings.HasPrefix(g, want+"-") {
		return true
	}
	for _, part := range strings.Split(g, "-") {
		if part == want && strings.ContainsAny(part, "0123456789") {
			return true
		}
	}
	return false
}

// Smallest is a configuration that works where the one asked for does not.
type Smallest struct {
	SKU   string `json:"sku"`
	GPUs  int    `json:"gpus"`
	Nodes int    `json:"nodes"`
	TP    int    `json:"tp,omitempty"`
}

func (s Smallest) String() string {
	if s.TP > 0 {
		return fmt.Sprintf("tensor parallel %d on %s", s.TP, s.SKU)
	}
	if s.Nodes > 1 {
		return fmt.Sprintf("%d GPUs (%d × %s)", s.GPUs, s.Nodes, s.SKU)
	}
	if s.GPUs == 1 {
		return "1 GPU of one " + s.SKU
	}
	return fmt.Sprintf("%d GPUs of one %s", s.GPUs, s.SKU)
}

// SmallestTraining is the fewest GPUs that train in.Arch: on in.SKU when it
// can (up to 300 VMs), otherwise on the size needing the fewest GPUs among
// those not retired by asOf that run the precision. ok is false when no
// size in the catalog can.
func SmallestTraining(c *catalog.Catalog, in TrainingInput, asOf string) (Smallest, bool) {
	try := func(s *catalog.SKU) (Smallest, bool) {
		g, ok := c.GPUSpec(s.GPU)
		if !ok || s.GPUs < 1 || !g.Supports(in.Precision) {
			return Smallest{}, false
		}
		x := in
		x.SKU, x.GPU = s, g
		n := MinTrainingGPUs(x, MaxIBScaleSetNodesRaised)
		if n == 0 {
			return Smallest{}, false
		}
		per := int(s.GPUs)
		return Smallest{SKU: s.Name, GPUs: n, Nodes: (n + per - 1) / per}, true
	}
	return smallestOver(c, in.SKU, in.Precision, asOf, try)
}

// SmallestInference is the smallest tensor-parallel degree that serves
// in.Arch with at least one sequence of the request's length: on in.SKU when
// it can, otherwise on the size needing the fewest GPUs.
func SmallestInference(c *catalog.Catalog, in InferenceInput, asOf string) (Smallest, bool) {
	try := func(s *catalog.SKU) (Smallest, bool) {
		g, ok := c.GPUSpec(s.GPU)
		if !ok || !g.Supports(in.Precision) {
			return Smallest{}, false
		}
		for tp := 1; tp <= max(1, int(s.GPUs)); tp *= 2 {
			x := in
			x.SKU, x.GPU, x.TP, x.Batch, x.Concurrency, x.RateTarget = s, g, tp, 1, 0, 0
			if _, err := EstimateInference(x); err == nil {
				return Smallest{SKU: s.Name, GPUs: tp, Nodes: 1, TP: tp}, true
			}
		}
		return Smallest{}, false
	}
	return smallestOver(c, in.SKU, in.Precision, asOf, try)
}

// smallestOver returns try's answer on the pinned size when it has one,
// otherwise the candidate size (see gpuCandidates) needing the fewest GPUs,
// ties to the name first in order.
func smallestOver(c *catalog.Catalog, pinned *catalog.SKU, precision, asOf string, try func(*catalog.SKU) (Smallest, bool)) (Smallest, bool) {
	if pinned != nil {
		if sm, ok := try(pinned); ok {
			return sm, true
		}
	}
	var best Smallest
	found := false
	for _, s := range gpuCandidates(c, precision, asOf, "", nil) {
		if sm, ok := try(s); ok && (!found || sm.GPUs < best.GPUs || sm.GPUs == best.GPUs && sm.SKU < best.SKU) {
			best, found = sm, true
		}
	}
	return best, found
}
