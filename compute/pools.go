package compute

import (
	"fmt"
	"strings"

	"github.com/aizone/aizone/catalog"
	"github.com/aizone/aizone/finding"
)

// Orchestrators a pool can run under (spec.Workload.Orchestrator).
const (
	OrchestratorBatch = "batch" // Azure Batch pool
	OrchestratorAKS   = "aks"   // AKS node pool
	OrchestratorVMSS  = "vmss"  // VM scale set, Flexible orchestration
	OrchestratorSlurm = "slurm" // CycleCloud Slurm partition (a scale set)
)

// Pool limits per orchestrator, each from the source named beside it.
// InfiniBand joins only VMs of one scale set kept in a single placement
// group (network.md section 6, N-HPC: 100 VMs by default, 300 after a
// support request: MaxIBScaleSetNodes and MaxIBScaleSetNodesRaised), so a
// pool larger than that is spread over several scale sets.
const (
	// An AKS node pool holds at most 1,000 nodes (AKS quotas and limits,
	// learn.microsoft.com/azure/aks/quotas-skus-regions) and a cluster
	// 5,000 with Azure CNI Overlay (network.md section 4, N-AKS).
	MaxAKSNodePoolNodes = 1000
	MaxAKSClusterNodes  = 5000
	// A scale set with singlePlacementGroup false spreads over several
	// placement groups and holds up to 1,000 VMs from a custom image, 600
	// from a platform (Marketplace) image ("Virtual Machine Scale Sets and
	// placement groups", learn.microsoft.com/azure/virtual-machine-scale-sets/
	// virtual-machine-scale-sets-placement-groups); InfiniBand does not join
	// its placement groups.
	MaxLargeScaleSetNodesCustomImage   = 1000
	MaxLargeScaleSetNodesPlatformImage = 600
	// A Batch pool without inter-node communication holds 2,000 dedicated
	// or 1,000 low-priority (Spot) nodes (network.md section 7, N-BATCH).
	MaxBatchDedicatedNodes   = 2000
	MaxBatchLowPriorityNodes = 1000
	// The CycleCloud Workspace for Slurm form takes at most 1,000 nodes a
	// partition (uidefinitions/createUiDefinition.json, maxNodes); its
	// template's partition type takes any count (bicep/types.bicep,
	// hpc_t.maxNodes: int), and CycleCloud adds a scale set to a nodearray
	// each time one reaches Azure.MaxScaleSetSize (CycleCloud node and
	// nodearray reference; the workspace sets 100, HPCMaxScalesetSize in
	// bicep/files-to-load/initial_params.json).
	MaxSlurmFormPartitionNodes = 1000
	// MaxPlannedNodes bounds the nodes the planner searches for a Slurm
	// partition, which no source caps beyond the subscription's quota:
	// 4,096 nodes are 32,768 GPUs of eight, 16,384 of four.
	MaxPlannedNodes = 4096
)

// poolLimits are what one pool (one job) of an orchestrator can hold.
type poolLimits struct {
	// nodes is the most nodes of one pool.
	nodes int
	// perScaleSet is the most nodes on one InfiniBand fabric (one scale
	// set in a single placement group, one Batch pool); 0 without
	// InfiniBand.
	perScaleSet int
	// rules are the limits with their sources, for the pool's reasons.
	rules []string
}

// limitsFor returns the pool limits of an orchestrator, for pools whose
// nodes talk over InfiniBand (multi-node training) or not (inference,
// data preparation, single-node training).
func limitsFor(orchestrator string, infiniband, spot bool) poolLimits {
	ibRule := fmt.Sprintf("InfiniBand joins only the VMs of one scale set kept in a single placement group: %d VMs by default, %d after a support request (network.md section 6, N-HPC)", MaxIBScaleSetNodes, MaxIBScaleSetNodesRaised)
	switch orchestrator {
	case OrchestratorBatch:
		if infiniband {
			return poolLimits{nodes: MaxBatchInterNodeNodes, perScaleSet: MaxBatchInterNodeNodes, rules: []string{
				fmt.Sprintf("Azure Batch: a pool with inter-node communication holds at most %d nodes (80 in user-subscription allocation mode) and Batch allocates it in one placement group (network.md section 7, N-BATCH)", MaxBatchInterNodeNodes)}}
		}
		if spot {
			return poolLimits{nodes: MaxBatchLowPriorityNodes, rules: []string{fmt.Sprintf("Azure Batch: a pool holds at most %d low-priority (Spot) nodes (network.md section 7, N-BATCH)", MaxBatchLowPriorityNodes)}}
		}
		return poolLimits{nodes: MaxBatchDedicatedNodes, rules: []string{fmt.Sprintf("Azure Batch: a pool holds at most %d dedicated nodes (network.md section 7, N-BATCH)", MaxBatchDedicatedNodes)}}
	case OrchestratorAKS:
		rules := []string{fmt.Sprintf("AKS: a node pool holds at most %d nodes (AKS quotas and limits) and a cluster %d with Azure CNI Overlay (network.md section 4, N-AKS)", MaxAKSNodePoolNodes, MaxAKSClusterNodes)}
		if infiniband {
			return poolLimits{nodes: MaxAKSNodePoolNodes, perScaleSet: MaxIBScaleSetNodesRaised, rules: append(rules, ibRule)}
		}
		return poolLimits{nodes: MaxAKSNodePoolNodes, rules: rules}
	case OrchestratorSlurm:
		rules := []string{fmt.Sprintf("CycleCloud Slurm: a partition's nodearray is not one scale set: CycleCloud adds a scale set each time one reaches Azure.MaxScaleSetSize (CycleCloud node and nodearray reference; the workspace sets HPCMaxScalesetSize %d, initial_params.json); the workspace's form takes at most %d nodes a partition, its template any count (types.bicep), and no other cap is documented, so the planner searches up to %d nodes",
			100, MaxSlurmFormPartitionNodes, MaxPlannedNodes)}
		if infiniband {
			return poolLimits{nodes: MaxPlannedNodes, perScaleSet: MaxIBScaleSetNodesRaised, rules: append(rules, ibRule)}
		}
		return poolLimits{nodes: MaxSlurmFormPartitionNodes, rules: rules}
	}
	if infiniband {
		return poolLimits{nodes: MaxIBScaleSetNodesRaised, perScaleSet: MaxIBScaleSetNodesRaised, rules: []string{ibRule + "; a vmss pool is one scale set, so that is its limit"}}
	}
	return poolLimits{nodes: MaxLargeScaleSetNodesPlatformImage, rules: []string{fmt.Sprintf("VM scale set: with several placement groups a scale set holds up to %d VMs from a platform image (%d from a custom image; VMSS placement groups documentation)", MaxLargeScaleSetNodesPlatformImage, MaxLargeScaleSetNodesCustomImage)}}
}

// nodeLimit is the most nodes one pool of an orchestrator can hold when its
// nodes talk over InfiniBand.
func nodeLimit(orchestrator string) int { return limitsFor(orchestrator, true, false).nodes }

// placePool spreads a multi-node InfiniBand pool (its nodes and spares)
// over as few scale sets as its orchestrator's fabric limit allows, each
// holding whole model-parallel groups so that only the data-parallel
// gradient exchange crosses scale sets, and states the placement and the
// limits, each with its source, in the pool's reasons. Pools without
// InfiniBand get the orchestrator's pool limit only.
func placePool(p *Pool) {
	if p.SKU == "" {
		return
	}
	ib := p.InfiniBand && p.Nodes > 1
	lim := limitsFor(p.Orchestrator, ib, p.Priority == "spot")
	if !ib {
		if p.Kind != "training" || p.Nodes > 1 {
			p.Reasons = append(p.Reasons, fmt.Sprintf("pool limit: %d nodes of at most %d; %s", p.Nodes+p.SpareNodes, lim.nodes, strings.Join(lim.rules, "; ")))
		}
		return
	}
	n := p.Nodes + p.SpareNodes
	group := 1 // nodes of one model-parallel group
	if t := p.Training; t != nil && p.Nodes > 0 {
		perNode := max(1, t.GPUs/(p.Nodes-t.IdleNodes))
		group = max(1, (t.Layout.TP*max(1, t.Layout.CP)*max(1, t.Layout.PP)+perNode-1)/perNode)
		if t.RackVMs > 1 {
			// Whole racks: a scale set holds whole racks (a rack holds
			// whole model-parallel groups, or a group whole racks).
			group = (max(group, t.RackVMs) + t.RackVMs - 1) / t.RackVMs * t.RackVMs
		}
	}
	per := lim.perScaleSet
	if group > 1 && group <= per {
		per = per / group * group
	}
	sets := (n + per - 1) / per
	p.ScaleSets = sets
	p.ScaleSetNodes = (n + sets - 1) / sets
	if group > 1 && sets > 1 {
		p.ScaleSetNodes = (p.ScaleSetNodes + group - 1) / group * group
	}
	p.Reasons = append(p.Reasons, placementRule(p.Orchestrator, n, sets, p.ScaleSetNodes, group))
	p.Reasons = append(p.Reasons, "pool limits: "+strings.Join(lim.rules, "; "))
}

// placementRule says how a multi-node pool keeps its nodes on InfiniBand.
func placementRule(orchestrator string, nodes, sets, perSet, group int) string {
	cross := ""
	if sets > 1 {
		cross = fmt.Sprintf("; each scale set holds whole model-parallel groups (%s each), so only the data-parallel gradient exchange crosses scale sets, and the run needs the %d scale sets on one InfiniBand fabric, which Azure arranges for large GPU clusters on request: confirm it before deploying (on separate fabrics the estimate's all-reduce bandwidth does not hold)",
			plural(group, "node"), sets)
	}
	switch orchestrator {
	case OrchestratorBatch:
		return fmt.Sprintf("one Batch pool with inter-node communication (%d of at most %d nodes): Batch allocates such a pool in one placement group itself, so it takes no proximity placement group", nodes, MaxBatchInterNodeNodes)
	case OrchestratorAKS:
		if sets > 1 {
			return fmt.Sprintf("one AKS node pool of %d nodes over %d placement groups of at most %d nodes; InfiniBand between nodes needs the AKSInfinibandSupport feature on the subscription%s", nodes, sets, perSet, cross)
		}
		return fmt.Sprintf("one AKS node pool (one scale set, %d nodes) in one proximity placement group; InfiniBand between nodes needs the AKSInfinibandSupport feature on the subscription", nodes)
	case OrchestratorSlurm:
		if sets > 1 {
			return fmt.Sprintf("one CycleCloud Slurm partition of %d nodes spread over %d scale sets of at most %d nodes, each in a single placement group (Azure.MaxScaleSetSize %d)%s", nodes, sets, perSet, perSet, cross)
		}
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

// placementFindings warn about what a pool's placement asks of Azure
// before deployment: a scale set past the default single-placement-group
// size, and a run across scale sets.
func placementFindings(p Pool, path string) finding.List {
	var fs finding.List
	if !p.InfiniBand || p.Orchestrator == OrchestratorBatch {
		return fs
	}
	switch {
	case p.ScaleSets > 1:
		fs.Add(finding.Warning, "compute.cross-scale-set", path,
			fmt.Sprintf("%s spreads %d InfiniBand nodes over %d scale sets of at most %d; InfiniBand joins only the VMs of one scale set unless Azure places the scale sets on one fabric: confirm that with Azure before deploying, and request the raise of each scale set's single placement group from %d to %d VMs",
				p.Workload, p.Nodes+p.SpareNodes, p.ScaleSets, p.ScaleSetNodes, MaxIBScaleSetNodes, MaxIBScaleSetNodesRaised))
	case p.Nodes+p.SpareNodes > MaxIBScaleSetNodes:
		fs.Add(finding.Warning, "compute.scale-set-limit", path,
			fmt.Sprintf("%d InfiniBand nodes in one scale set exceed the default %d; request the raise to %d through Azure support before deploying", p.Nodes+p.SpareNodes, MaxIBScaleSetNodes, MaxIBScaleSetNodesRaised))
	}
	return fs
}

// scaleSetsFor is how many scale sets an InfiniBand run of total VMs
// (spares and idle trays included) needs under an orchestrator, each
// holding whole racks of rack VMs (1 for one VM).
func scaleSetsFor(total, rack int, orchestrator string) int {
	if total < 2 {
		return 1
	}
	per := limitsFor(orchestrator, true, false).perScaleSet
	if rack > 1 && rack <= per {
		per = per / rack * rack
	}
	return (total + per - 1) / per
}

// oneFabricNodes is the most nodes an InfiniBand run of an orchestrator
// can have with its spares (and whole racks of rack VMs) in one scale set.
func oneFabricNodes(orchestrator string, rack int) int {
	lim := limitsFor(orchestrator, true, false)
	n := min(lim.perScaleSet, lim.nodes)
	for n > 1 {
		b := billedNodes(n, n, rack, orchestrator)
		if b > 0 && scaleSetsFor(b, rack, orchestrator) == 1 {
			break
		}
		n--
	}
	return n
}
