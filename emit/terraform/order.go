package terraform

import (
	"fmt"
	"maps"
	"slices"
	"sort"

	"github.com/hashicorp/hcl/v2/hclwrite"

	"github.com/aizone/aizone/emit/armexpr"
	"github.com/aizone/aizone/resources"
)

// The module orders resources exactly as the ARM template does. ARM runs
// one nested deployment per resource group and stage; inside one, a
// resource waits for what its dependsOn names, and a deployment waits for
// every resource of the deployments whose resources it refers to
// (resources.Deployments). Terraform orders by references, so:
//
//   - a dependsOn entry that the resource also refers to needs nothing
//     more (the reference orders it);
//   - one that it does not refer to (a Lustre file system waiting for its
//     role assignments, AKS waiting for Managed Identity Operator on its
//     kubelet identity) becomes depends_on;
//   - a deployment that others wait for becomes a barrier, a
//     terraform_data that depends on the resources of the deployment that
//     nothing else in it waits for, and the resources of a waiting
//     deployment that wait for nothing else in theirs depend on the
//     barrier. This keeps what the grouping gives ARM for free: AKS is
//     created only after the network deployment's role assignments on
//     its subnets and route table and the firewall its egress goes
//     through, not merely after the subnet it names.
//
// Nothing waits for more than it did in ARM, and the round-trip test
// checks that the two orders are the same.

// barrier stands for a nested deployment of the ARM template.
type barrier struct {
	label      string
	deployment string
	file       string
	waits      []string // labels of azapi resources
}

func (b *barrier) write(body *hclwrite.Body) {
	comment(body, "ARM deploys "+b.deployment+" as one nested deployment, and the deployments that refer to its resources wait for all of it: this stands for all of it.")
	bb := body.AppendNewBlock("resource", []string{"terraform_data", b.label}).Body()
	var deps []hclwrite.Tokens
	for _, w := range b.waits {
		deps = append(deps, traversal("azapi_resource", w))
	}
	bb.SetAttributeRaw("depends_on", multilineTuple(deps))
}

func (e *emitter) order(rs []resources.Resource, purposes map[string]string) ([]*barrier, error) {
	deps := map[*item]map[*item]bool{} // explicit depends_on targets
	for _, it := range e.items {
		deps[it] = map[*item]bool{}
		for _, d := range append(append([]string{}, it.r.DependsOn...), it.inherited...) {
			_, expr, isExpr := armexpr.Classify(d)
			if !isExpr {
				return nil, fmt.Errorf("terraform: %s %s: dependsOn %q is not an expression", it.r.Type, it.r.Name, d)
			}
			n, err := armexpr.Parse(expr)
			if err != nil {
				return nil, fmt.Errorf("terraform: %s %s: dependsOn: %w", it.r.Type, it.r.Name, err)
			}
			target, err := e.resolve(n)
			if err != nil {
				return nil, fmt.Errorf("terraform: %s %s: dependsOn: %w", it.r.Type, it.r.Name, err)
			}
			if target != it && !it.refs[target.label] {
				deps[it][target] = true
			}
		}
	}
	byLabel := map[string]*item{}
	byDeployment := map[string][]*item{}
	for _, it := range e.items {
		byLabel[it.label] = it
		if it.deployment != "" {
			byDeployment[it.deployment] = append(byDeployment[it.deployment], it)
		}
	}
	// preds are an item's predecessors in the module's graph so far.
	preds := func(it *item) []*item {
		var out []*item
		for l := range it.refs {
			out = append(out, byLabel[l])
		}
		for d := range deps[it] {
			out = append(out, d)
		}
		return out
	}
	waitsFor := map[string][]string{}
	awaited := map[string]bool{}
	rgOf := map[string]string{}
	for _, d := range resources.Deployments(rs) {
		rgOf[d.Name] = d.ResourceGroup
		if len(d.DependsOn) > 0 {
			waitsFor[d.Name] = d.DependsOn
			for _, o := range d.DependsOn {
				awaited[o] = true
			}
		}
	}
	var barriers []*barrier
	labelOf := map[string]string{}
	for _, name := range slices.Sorted(maps.Keys(awaited)) {
		members := byDeployment[name]
		if len(members) == 0 {
			return nil, fmt.Errorf("terraform: deployment %s has no resources", name)
		}
		later := map[*item]bool{} // members some other member waits for
		for _, m := range members {
			for _, p := range preds(m) {
				if p.deployment == name && p != m {
					later[p] = true
				}
			}
		}
		b := &barrier{label: snake(name), deployment: name, file: fileOf(resources.Resource{Type: "/", ResourceGroup: rgOf[name]}, purposes)}
		for _, m := range members {
			if !later[m] {
				b.waits = append(b.waits, m.label)
			}
		}
		sort.Strings(b.waits)
		labelOf[name] = b.label
		barriers = append(barriers, b)
	}
	for _, it := range e.items {
		var out []string
		for d := range deps[it] {
			out = append(out, "azapi_resource."+d.label)
		}
		if others := waitsFor[it.deployment]; len(others) > 0 {
			first := true // waits for nothing else in its deployment
			for _, p := range preds(it) {
				if p.deployment == it.deployment && p != it {
					first = false
				}
			}
			if first {
				for _, o := range others {
					out = append(out, "terraform_data."+labelOf[o])
				}
				it.after = others
			}
		}
		it.explicit = len(deps[it]) > 0
		sort.Strings(out)
		it.dependsOn = out
	}
	return barriers, nil
}
