package network

import (
	"fmt"
	"strings"

	"github.com/aizone/aizone/catalog"
	"github.com/aizone/aizone/compute"
	"github.com/aizone/aizone/finding"
)

// Placement is how one pool's nodes sit: proximity placement group, zone,
// scale set, NICs. Multi-node training needs its nodes close together
// (N-PPG) and InfiniBand only connects VMs of one scale set (N-HPC).
type Placement struct {
	Pool                    string   `json:"pool"`
	Region                  string   `json:"region"`
	Zones                   []string `json:"zones,omitempty"`
	ProximityPlacementGroup bool     `json:"proximity_placement_group"`
	InfiniBand              bool     `json:"infiniband"`
	ScaleSets               int      `json:"scale_sets"`
	AcceleratedNetworking   bool     `json:"accelerated_networking"`
	PublicIP                bool     `json:"public_ip"`
	Checks                  []string `json:"checks"`
	OK                      bool     `json:"ok"`
}

// checkPlacement verifies the placement rules for every pool with a size:
// one proximity placement group per multi-node training pool, in one
// region and at most one availability zone; InfiniBand nodes in one scale
// set within its limit; accelerated networking on every NIC; no public IP.
func checkPlacement(c *catalog.Catalog, pools []compute.Pool, workloads map[string]int, fs *finding.List) []Placement {
	out := []Placement{}
	for _, p := range pools {
		if p.SKU == "" {
			continue
		}
		path := "workloads"
		if i, ok := workloads[p.Workload]; ok {
			path = fmt.Sprintf("workloads[%d]", i)
		}
		pl := Placement{Pool: p.Workload, Region: p.Region, Zones: p.Zones, ProximityPlacementGroup: p.PlacementGroup,
			InfiniBand: p.InfiniBand, ScaleSets: 1, OK: true}
		fail := func(sev, code, msg string) {
			pl.Checks = append(pl.Checks, msg)
			if sev == finding.Error {
				pl.OK = false
			}
			fs.Add(sev, code, path, msg)
		}
		pass := func(msg string) { pl.Checks = append(pl.Checks, msg) }
		multiTraining := p.Kind == "training" && p.Nodes > 1
		switch {
		case multiTraining && !p.PlacementGroup:
			fail(finding.Warning, "network.placement-group", fmt.Sprintf("%s: %d training nodes without a proximity placement group; latency between nodes is not bounded", p.Workload, p.Nodes))
		case p.PlacementGroup:
			pass("one proximity placement group for the pool, in " + p.Region)
		}
		if p.PlacementGroup && len(p.Zones) > 1 {
			fail(finding.Error, "network.placement-zones", fmt.Sprintf("%s: a proximity placement group lives in one availability zone, but the pool spans zones %s", p.Workload, strings.Join(p.Zones, ", ")))
		} else if p.PlacementGroup && len(p.Zones) == 1 {
			pass("pinned to availability zone " + p.Zones[0] + " with its placement group")
		}
		if p.InfiniBand {
			if p.ScaleSets > 1 {
				// The compute plan spread the pool over scale sets of at
				// most one fabric each (compute pools.go) and warned that
				// Azure must put them on one fabric.
				pl.ScaleSets = p.ScaleSets
				pass(fmt.Sprintf("%d InfiniBand nodes over %d scale sets of at most %d (single placement group each)", p.Nodes+p.SpareNodes, p.ScaleSets, p.ScaleSetNodes))
			} else if p.Nodes > compute.MaxIBScaleSetNodesRaised {
				fail(finding.Error, "network.infiniband-scale-set", fmt.Sprintf("%s: %d InfiniBand nodes exceed one scale set (%d after a support request), and InfiniBand does not span scale sets", p.Workload, p.Nodes, compute.MaxIBScaleSetNodesRaised))
			} else {
				pass(fmt.Sprintf("%d InfiniBand nodes in one scale set (single placement group)", p.Nodes))
			}
			if p.Orchestrator == "aks" {
				fail(finding.Info, "network.aks-infiniband", fmt.Sprintf("%s: InfiniBand on AKS needs the AKSInfinibandSupport feature registered on Microsoft.ContainerService", p.Workload))
			}
		}
		if s, ok := c.SKU(p.SKU); ok {
			pl.AcceleratedNetworking = s.AccelNet
			if s.AccelNet {
				pass("accelerated networking on every NIC")
			} else {
				fail(finding.Warning, "network.accelerated-networking", fmt.Sprintf("%s: %s does not list accelerated networking; its NICs run without SR-IOV", p.Workload, p.SKU))
			}
		}
		pass("no public IP on the nodes: outbound goes through the firewall or NAT gateway")
		out = append(out, pl)
	}
	return out
}
