package guardrails

import (
	"sort"
	"strings"

	"github.com/aizone/aizone/compute"
	"github.com/aizone/aizone/spec"
)

// PreemptionTag is the tag, and PreemptionTagValue its value, that allow
// Spot capacity under the initiative's defaults. aizone puts it on the
// pools whose workloads tolerate preemption.
const (
	PreemptionTag      = "preemptible"
	PreemptionTagValue = "true"
)

// Inputs are what the assignment's parameter values depend on: the zone and
// the parts of its plan that say which sizes and subnets it uses. They are
// plain values so that the package does not depend on plan.
type Inputs struct {
	Zone  *spec.Zone
	Pools []compute.Pool
	// GPUSubnets are the names of the subnets holding GPU or HPC nodes.
	GPUSubnets []string
	// StorageSubnets are the names of the subnets holding Managed Lustre
	// file systems and NetApp volumes.
	StorageSubnets []string
}

// IsGPUSize reports whether a VM size is a GPU (or other accelerator) size:
// Azure names every such family in the N-series (Standard_NC, ND, NG, NV),
// which is what the guardrails match with "Standard_N*".
func IsGPUSize(size string) bool { return hasPrefixFold(size, "Standard_N") }

// IsHPCSize reports whether a VM size is an HPC size (Standard_H*: HB, HC,
// HX), the InfiniBand CPU families, which the public-IP guardrail treats
// like GPU sizes.
func IsHPCSize(size string) bool { return hasPrefixFold(size, "Standard_H") }

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// RequiredTag is one of the tags the initiative requires on resource groups.
type RequiredTag struct {
	// Parameter is the initiative parameter that names the tag.
	Parameter string `json:"parameter"`
	// Name is the tag's name as the zone spells it, or the initiative's
	// default when the zone does not set it.
	Name string `json:"name"`
	// InZone reports whether the zone's placement.tags set the tag, so
	// that the resource groups aizone creates carry it.
	InZone bool `json:"in_zone"`
}

// requiredTags are the tags the initiative requires, each with the
// initiative parameter naming it, its default name, and the spellings of
// the same tag a zone file may use (compared case-insensitively, ignoring
// punctuation): platforms spell "cost center" many ways.
var requiredTags = []struct {
	param, def string
	aliases    []string
}{
	{"costCenterTagName", "costCenter", []string{"costcenter", "costcentre", "costcode"}},
	{"workloadTagName", "workload", []string{"workload", "workloadname", "application"}},
	{"dataClassificationTagName", "dataClassification", []string{"dataclassification", "classification", "dataclass"}},
}

// RequiredTags maps the initiative's required tags to the zone's tags.
func RequiredTags(tags map[string]string) []RequiredTag {
	keys := make([]string, 0, len(tags))
	for k := range tags {
		keys = append(keys, k)
	}
	sort.Strings(keys) // deterministic when a zone spells a tag twice
	out := make([]RequiredTag, 0, len(requiredTags))
	for _, rt := range requiredTags {
		t := RequiredTag{Parameter: rt.param, Name: rt.def}
		// The spellings are in order of preference; the first that the
		// zone uses names the tag.
	search:
		for _, a := range rt.aliases {
			for _, k := range keys {
				if normaliseTag(k) == a && strings.TrimSpace(tags[k]) != "" {
					t.Name, t.InZone = k, true
					break search
				}
			}
		}
		out = append(out, t)
	}
	return out
}

func normaliseTag(k string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(k) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// Parameters computes the initiative's parameter values for a zone, as the
// assignment passes them:
//
//   - allowedGpuSizes: the GPU sizes of the pools the plan chose and the
//     GPU sizes the zone pins with sku, and nothing else, so that quota
//     cannot drift to sizes nobody reviewed;
//   - gpuSubnetNames and storageSubnetNames: from in;
//   - the three required tag names: as the zone spells them (RequiredTags);
//   - every other parameter (the effects, the preemption tag): its default,
//     written out so that the assignment shows every knob.
//
// Values are plain (not {"value": ...}) and deterministic. The error is
// Load's.
func Parameters(in Inputs) (map[string]any, error) {
	set, err := Load()
	if err != nil {
		return nil, err
	}
	out := map[string]any{}
	for _, p := range set.Initiative.Parameters {
		if !p.HasDefault {
			continue
		}
		v := p.DefaultValue
		// Copy arrays: the defaults belong to the shared Set.
		if a, ok := v.([]any); ok {
			v = append([]any{}, a...)
		}
		out[p.Name] = v
	}
	sizes := map[string]bool{}
	for _, p := range in.Pools {
		if IsGPUSize(p.SKU) {
			sizes[p.SKU] = true
		}
	}
	var tags map[string]string
	if in.Zone != nil {
		for _, w := range in.Zone.Workloads {
			if IsGPUSize(w.SKU) {
				sizes[w.SKU] = true
			}
		}
		tags = in.Zone.Placement.Tags
	}
	out["allowedGpuSizes"] = sortedSet(sizes)
	out["gpuSubnetNames"] = sortedUnique(in.GPUSubnets)
	out["storageSubnetNames"] = sortedUnique(in.StorageSubnets)
	for _, t := range RequiredTags(tags) {
		out[t.Parameter] = t.Name
	}
	return out, nil
}

func sortedSet(m map[string]bool) []any {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]any, len(keys))
	for i, k := range keys {
		out[i] = k
	}
	return out
}

func sortedUnique(list []string) []any {
	m := map[string]bool{}
	for _, s := range list {
		if s != "" {
			m[s] = true
		}
	}
	return sortedSet(m)
}
