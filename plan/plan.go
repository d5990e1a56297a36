// Package plan runs the engines in order (compute first: storage and network
// depend on the pools it chose) and assembles plan.Plan, the single
// intermediate representation that emitters and reports read. Plan
// serialises to stable JSON.
package plan

import (
	"fmt"
	"strings"

	"github.com/aizone/aizone/catalog"
	"github.com/aizone/aizone/compute"
	"github.com/aizone/aizone/cost"
	"github.com/aizone/aizone/finding"
	"github.com/aizone/aizone/governance"
	"github.com/aizone/aizone/identity"
	"github.com/aizone/aizone/internal/yamlpos"
	"github.com/aizone/aizone/naming"
	"github.com/aizone/aizone/network"
	"github.com/aizone/aizone/spec"
	"github.com/aizone/aizone/storage"
)

// Plan is the complete design of a zone.
type Plan struct {
	Zone       Zone              `json:"zone"`
	Compute    compute.Result    `json:"compute"`
	Storage    storage.Result    `json:"storage"`
	Network    network.Result    `json:"network"`
	Governance governance.Result `json:"governance"`
	Identity   identity.Result   `json:"identity"`
	Cost       cost.Result       `json:"cost"`
	Findings   []finding.Finding `json:"findings"`
}

// Zone is the zone file as the engines read it, with every default shown.
type Zone struct {
	spec.Zone
	Defaults []spec.Default `json:"defaults"`
}

// Options for Make.
type Options struct {
	// AsOf is today's date (YYYY-MM-DD); sizes retired by then are never
	// chosen. It is an input, not read from the clock, so that a plan is
	// reproducible.
	AsOf string
	// Network replaces the network engine's default options, for a caller
	// that decides the design under the platform's policy (package design).
	Network *network.Options
}

// Feasible reports whether the plan meets every requirement.
func (p *Plan) Feasible() bool { return !finding.List(p.Findings).HasErrors() }

// Check validates the parts of a zone that need the catalog (model names,
// pinned sizes), with the zone file's positions.
func Check(z *spec.Zone, c *catalog.Catalog) error {
	if err := checkNames(z); err != nil {
		return err
	}
	// A request longer than its catalog model's context is the zone
	// file's mistake, at the key that causes it.
	if err := z.CheckContext(func(m *spec.Model) int {
		if cm, ok := c.Model(m.Name); ok {
			return cm.Context
		}
		return 0
	}); err != nil {
		return err
	}
	for i := range z.Workloads {
		w := &z.Workloads[i]
		p := fmt.Sprintf("workloads[%d]", i)
		if w.Model != nil && w.Model.Name != "" {
			if _, ok := c.Model(w.Model.Name); !ok {
				hint := "one of " + strings.Join(c.ModelNames(), ", ") + ", or give the architecture"
				if s := yamlpos.Suggest(w.Model.Name, c.ModelNames()); s != "" {
					hint = fmt.Sprintf("did you mean %q? (aizone catalog models lists them)", s)
				}
				return z.ErrorAt(p+".model", hint, "unknown model %q", w.Model.Name)
			}
		}
		if w.SKU != "" {
			s, ok := c.SKU(w.SKU)
			if !ok {
				hint := "see aizone catalog skus"
				if sg := yamlpos.Suggest(w.SKU, c.SKUNames()); sg != "" {
					hint = fmt.Sprintf("did you mean %q?", sg)
				}
				return z.ErrorAt(p+".sku", hint, "unknown VM size %q", w.SKU)
			}
			if w.Kind == spec.KindDataPrep && s.IsGPU() {
				return z.ErrorAt(p+".sku", "data-prep runs on CPU sizes such as Standard_D64ds_v5", "%s is a GPU size", s.Name)
			}
			if w.Kind != spec.KindDataPrep && !s.IsGPU() {
				return z.ErrorAt(p+".sku", "pin a GPU size such as Standard_ND96isr_H100_v5", "%s has no GPU", s.Name)
			}
		}
	}
	return nil
}

// reservedContainers are container names the storage plan creates itself.
var reservedContainers = map[string]string{
	"lustre-hsm-logs": "Managed Lustre's Blob integration logs there",
}

// checkNames refuses zone-file names whose derived Azure names break a
// type's rules or collide, at the name's position, before anything is
// planned: a template with them would build and then fail to deploy.
func checkNames(z *spec.Zone) error {
	for i, d := range z.Data {
		p := fmt.Sprintf("data[%d].name", i)
		if prob := naming.ContainerProblem(d.Name); prob != "" {
			return z.ErrorAt(p, "the data name becomes its Blob container's name; use 3 to 63 lowercase letters, digits and single hyphens", "%s", prob)
		}
		if why, ok := reservedContainers[d.Name]; ok {
			return z.ErrorAt(p, "choose another name", "data name %q is a container aizone creates itself (%s)", d.Name, why)
		}
	}
	var aks []string
	var idx []int
	for i, w := range z.Workloads {
		if w.Orchestrator == "aks" {
			aks = append(aks, w.Name)
			idx = append(idx, i)
		}
	}
	for k, n := range aks {
		pool := naming.AKSPool(n)
		if why, ok := naming.ReservedAKSPools[pool]; ok {
			return z.ErrorAt(fmt.Sprintf("workloads[%d].name", idx[k]), "rename the workload",
				"workload %q would be AKS node pool %q, which is %s", n, pool, why)
		}
	}
	for _, c := range naming.Collisions(aks, naming.AKSPool) {
		return z.ErrorAt(fmt.Sprintf("workloads[%d].name", idx[c.Second]), "rename one of them so that their letters and digits differ within the first 12",
			"workloads %q and %q would both be AKS node pool %q (node pool names keep lowercase letters and digits, at most 12)", aks[c.First], aks[c.Second], c.Derived)
	}
	return nil
}

// Make runs the engines on a loaded, checked zone.
func Make(z *spec.Zone, c *catalog.Catalog, opt Options) *Plan {
	var all finding.List
	cr, fs := compute.Plan(z, c, compute.Options{AsOf: opt.AsOf})
	all = append(all, fs...)
	sr, fs := storage.Plan(z, c, cr.Pools)
	all = append(all, fs...)
	netOpt := network.DefaultOptions(z)
	if opt.Network != nil {
		netOpt = *opt.Network
	}
	nr, fs := network.PlanWith(z, c, cr.Pools, sr, netOpt)
	all = append(all, fs...)
	gr, fs := governance.Plan(z)
	all = append(all, fs...)
	ir, fs := identity.Plan(z, cr.Pools, sr, nr)
	all = append(all, fs...)
	cost, fs := cost.Plan(c, cost.Input{Region: z.Region, Compute: cr, Storage: sr, Network: nr, LogAnalytics: z.Placement.LogAnalytics != ""})
	all = append(all, fs...)
	all.Sort()
	if all == nil {
		all = finding.List{}
	}
	defaults := z.Defaults
	if defaults == nil {
		defaults = []spec.Default{}
	}
	return &Plan{Zone: Zone{Zone: *z, Defaults: defaults}, Compute: cr, Storage: sr, Network: nr, Governance: gr, Identity: ir, Cost: cost, Findings: all}
}
