package compute

import (
	"fmt"
	"strings"

	"github.com/aizone/aizone/catalog"
)

// Orchestrators a pool can run under (spec.Workload.Orchestrator).
const (
	OrchestratorBatch = "batch" // Azure Batch pool
	OrchestratorAKS   = "aks"   // AKS node pool
	OrchestratorVMSS  = "vmss"  // VM scale set, Flexible orchestration
	OrchestratorSlurm = "slurm" // CycleCloud Slurm partition (a scale set)
)

// nodeLimit is the most nodes one pool of an orchestrator can hold when its
// nodes talk over InfiniBand (network.md sections 6 and 7): Batch's
// inter-node pools stop at 100; a scale set with a single placement group
// at 100, 300 after a support request (AKS node pools and CycleCloud
// partitions are scale sets).
func nodeLimit(orchestrator string) int {
	if orchestrator == OrchestratorBatch {
		return MaxBatchInterNodeNodes
	}
	return MaxIBScaleSetNodesRaised
}

// placementRule says how a multi-node pool keeps its nodes on one
// InfiniBand fabric.
func placementRule(orchestrator string, nodes int) string {
	switch orchestrator {
	case OrchestratorBatch:
		return fmt.Sprintf("one Batch pool with inter-node communication (%d of at most %d nodes): Batch allocates such a pool in one placement group itself, so it takes no proximity placement group", nodes, MaxBatchInterNodeNodes)
	case OrchestratorAKS:
		return fmt.Sprintf("one AKS node pool (one scale set, %d nodes) in one proximity placement group; InfiniBand between nodes needs the AKSInfinibandSupport feature on the subscription", nodes)
	case OrchestratorSlurm:
		return fmt.Sprintf("one CycleCloud Slurm partition backed by one scale set of %d nodes with a single placement group, in one proximity placement group", nodes)
	}
	return fmt.Sprintf("one scale set (Flexible orchestration, single placement group) of %d nodes in one proximity placement group: InfiniBand joins only VMs of the same scale set", nodes)
}

// aksSupports reports whether AKS runs a size as a GPU node pool
// (images.md section 4): whole GPUs only (the smallest supported GPU size
// is Standard_NC4as_T4_v3), and AMD only on the MI300X size.
func aksSupports(s *catalog.SKU, g *catalog.GPU) (bool, string) {
	switch {
	case s.GPUs < 1:
		return false, "AKS GPU node pools need whole GPUs; the smallest supported size is Standard_NC4as_T4_v3"
	case g.Vendor == "amd" && !strings.Contains(s.Name, "MI300X"):
		return false, "AKS supports AMD GPUs only on Standard_ND96isr_MI300X_v5"
	}
	return true, ""
}

// image is the curated image a pool boots.
type image struct {
	name, urn, stack, source string
}

// imageFor picks the curated image for a size and orchestrator: AKS nodes
// run the AKS node image with the GPU stack AKS installs; everything else
// boots the Azure HPC image whose driver stack matches the GPU (ROCm for
// AMD, the CUDA 12.9 line for V100, the current line otherwise); CPU sizes
// boot plain Ubuntu.
func imageFor(c *catalog.Catalog, s *catalog.SKU, orchestrator string) image {
	want := "nvidia"
	var g *catalog.GPU
	if s.IsGPU() {
		g, _ = c.GPUSpec(s.GPU)
	}
	switch {
	case !s.IsGPU():
		want = "cpu"
	case g != nil && g.Vendor == "amd":
		want = "amd"
	case strings.HasPrefix(s.GPU, "V100"):
		want = "nvidia-v100"
	}
	if orchestrator == OrchestratorAKS && s.IsGPU() {
		want = "aks-" + strings.TrimSuffix(want, "-v100")
	}
	for _, im := range c.Images {
		if im.Stack != want {
			continue
		}
		stack := im.Driver
		if im.CUDA != "" {
			stack = strings.TrimPrefix(strings.TrimSpace(stack+", CUDA "+im.CUDA), ", ")
		}
		if stack != "" && !strings.HasPrefix(stack, "installed") && !strings.HasPrefix(stack, "AMD") && !strings.HasPrefix(stack, "ROCm") && !strings.HasPrefix(stack, "CUDA") {
			stack = "driver " + stack
		}
		return image{name: im.Name, urn: im.URN, stack: stack, source: im.Source}
	}
	return image{}
}

func (p *Pool) setImage(im image) {
	p.Image, p.ImageURN, p.ImageStack, p.ImageSource = im.name, im.urn, im.stack, im.source
}

func imageReason(im image, s *catalog.SKU) string {
	if im.name == "" {
		return "no curated image in the catalog matches " + s.Name
	}
	r := fmt.Sprintf("image %s", im.name)
	if im.urn != "" {
		r += " (" + im.urn + ")"
	}
	if im.stack != "" {
		r += ": " + im.stack
	}
	r += " [" + im.source + "]"
	if s.Arch == "arm64" {
		r += "; this size is aarch64 (Grace): use the image's aarch64 build"
	}
	return r
}
