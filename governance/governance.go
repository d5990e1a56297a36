// Package governance places a zone in the platform's management-group
// hierarchy: its subscriptions under the parent management group, its
// resource groups, tags, and whether AI guardrails are assigned. A pure
// engine.
//
// First version: subscriptions under the given parent management group and
// one resource group per concern (network, compute, storage) in the primary
// region. Policy evaluation against the platform's assignments comes with
// the policy engine.
package governance

import (
	"sort"

	"github.com/aizone/aizone/finding"
	"github.com/aizone/aizone/spec"
)

// Result is the governance part of a plan.
type Result struct {
	ManagementGroup string            `json:"management_group"`
	Subscriptions   []Subscription    `json:"subscriptions"`
	ResourceGroups  []ResourceGroup   `json:"resource_groups"`
	Tags            map[string]string `json:"tags"`
	Guardrails      bool              `json:"guardrails"`
}

// Subscription is one subscription of the zone and where it is placed.
type Subscription struct {
	Name            string `json:"name,omitempty"`
	ID              string `json:"id,omitempty"`
	Create          bool   `json:"create"`
	Purpose         string `json:"purpose"`
	ManagementGroup string `json:"management_group"`
	Reason          string `json:"reason"`
}

// ResourceGroup is one resource group the zone deploys.
type ResourceGroup struct {
	Name    string `json:"name"`
	Region  string `json:"region"`
	Purpose string `json:"purpose"`
}

// Resource-group purposes.
const (
	RGNetwork = "network"
	RGCompute = "compute"
	RGStorage = "storage"
)

// RGName is the resource group of a purpose.
func RGName(zone, region, purpose string) string { return "rg-" + zone + "-" + purpose + "-" + region }

// Plan places the zone.
func Plan(z *spec.Zone) (Result, finding.List) {
	var fs finding.List
	res := Result{ManagementGroup: z.Placement.ManagementGroup, Tags: map[string]string{}, Guardrails: z.Placement.Guardrails == nil || *z.Placement.Guardrails}
	for _, s := range z.Placement.Subscriptions {
		sub := Subscription{Name: s.Name, ID: s.ID, Create: s.ID == "", Purpose: s.Purpose, ManagementGroup: z.Placement.ManagementGroup}
		if sub.Create {
			sub.Reason = "created by subscription vending and moved under " + sub.ManagementGroup + " so it inherits the platform's policies"
		} else {
			sub.Reason = "existing subscription, moved under " + sub.ManagementGroup + " so it inherits the platform's policies"
		}
		res.Subscriptions = append(res.Subscriptions, sub)
	}
	if len(res.Subscriptions) > 1 {
		fs.Add(finding.Info, "governance.single-template", "placement.subscriptions",
			"the ARM template deploys into the first subscription; deploy the same template into the others for their workloads")
	}
	for _, p := range []string{RGNetwork, RGCompute, RGStorage} {
		res.ResourceGroups = append(res.ResourceGroups, ResourceGroup{Name: RGName(z.Name, z.Region, p), Region: z.Region, Purpose: p})
	}
	for k, v := range z.Placement.Tags {
		res.Tags[k] = v
	}
	res.Tags["aizone"] = z.Name
	if _, ok := res.Tags["workload"]; !ok {
		fs.Add(finding.Warning, "governance.tag-missing", "placement.tags", "no workload tag: cost reports cannot attribute the GPUs; add tags.workload")
	}
	sort.Slice(res.ResourceGroups, func(i, j int) bool { return res.ResourceGroups[i].Name < res.ResourceGroups[j].Name })
	return res, fs
}
