package resources

import (
	"github.com/aizone/aizone/compute"
	"github.com/aizone/aizone/governance"
	"github.com/aizone/aizone/guardrails"
)

// poolTags are the tags of a compute pool: the zone's, and the preemption
// tag when the pool runs on Spot capacity, which the Spot guardrail
// requires (the workload declared itself preemptible).
func (b *builder) poolTags(p compute.Pool) map[string]string {
	t := b.tagsFor(governance.RGCompute)
	if p.Priority == "spot" {
		t[guardrails.PreemptionTag] = guardrails.PreemptionTagValue
	}
	return t
}

// preemptionMetadata marks a Batch pool on low-priority (Spot) nodes as
// preemptible for the Spot guardrail. Batch pools take it as metadata, not
// tags: pool tags need a recent Batch API, and pools are not Indexed
// resources, so the guardrail reads either.
func preemptionMetadata() []any {
	return []any{map[string]any{"name": guardrails.PreemptionTag, "value": guardrails.PreemptionTagValue}}
}
