// Package governance places a zone in the platform's management-group
// hierarchy: its subscriptions under the parent management group, its
// resource groups, tags, and the AI guardrails (package guardrails) assigned
// to its subscription. A pure engine.
//
// Subscriptions go under the given parent management group, with one
// resource group per concern (network, compute, storage) in the primary
// region. Evaluation against the platform's own assignments is package
// compliance's.
package governance

import (
	"fmt"
	"sort"

	"github.com/aizone/aizone/finding"
	"github.com/aizone/aizone/guardrails"
	"github.com/aizone/aizone/spec"
)

// Result is the governance part of a plan.
type Result struct {
	ManagementGroup string            `json:"management_group"`
	Subscriptions   []Subscription    `json:"subscriptions"`
	ResourceGroups  []ResourceGroup   `json:"resource_groups"`
	Tags            map[string]string `json:"tags"`
	Guardrails      bool              `json:"guardrails"`
	// GuardrailPolicies are the members of the AI guardrail initiative the
	// zone's subscription is assigned, with their effects; empty when
	// guardrails are off.
	GuardrailPolicies []guardrails.Summary `json:"guardrail_policies,omitempty"`
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
	if res.Guardrails {
		fs = append(fs, planGuardrails(z, &res)...)
	} else if _, ok := res.Tags["workload"]; !ok {
		fs.Add(finding.Warning, "governance.tag-missing", "placement.tags", "no workload tag: cost reports cannot attribute the GPUs; add tags.workload")
	}
	sort.Slice(res.ResourceGroups, func(i, j int) bool { return res.ResourceGroups[i].Name < res.ResourceGroups[j].Name })
	return res, fs
}

// planGuardrails lists the guardrail initiative's members with their
// default effects, and warns about each tag the initiative requires on
// resource groups that the zone does not set: the assignment would deny
// the zone's own resource groups when they are next deployed.
func planGuardrails(z *spec.Zone, res *Result) finding.List {
	var fs finding.List
	set, err := guardrails.Load()
	if err != nil {
		fs.Add(finding.Error, "governance.guardrails", "placement.guardrails", "the embedded AI guardrails do not load: "+err.Error())
		return fs
	}
	tags := guardrails.RequiredTags(z.Placement.Tags)
	names := map[string]any{}
	for _, t := range tags {
		names[t.Parameter] = t.Name
	}
	// Effects are the initiative's defaults, which the assignment writes
	// out; the tag guardrails name the tags as the zone spells them.
	res.GuardrailPolicies = set.Summaries(names)
	for _, t := range tags {
		if !t.InZone {
			// An error, not a warning: the template would be denied by
			// the zone's own guardrails, so the plan cannot deploy.
			fs.Add(finding.Error, "governance.tag-missing", "placement.tags",
				fmt.Sprintf("no %s tag: the AI guardrails require it on every resource group (and copy it to their resources), so the zone's resource groups would be denied; add tags.%s, or set placement.guardrails: false", t.Name, t.Name))
		}
	}
	return fs
}
