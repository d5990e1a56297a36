package governance_test

import (
	"github.com/aizone/aizone/finding"
	"sort"
	"strings"
	"testing"

	"github.com/aizone/aizone/governance"
	"github.com/aizone/aizone/spec"
)

func TestPlanGuardrails(t *testing.T) {
	off := false
	allTags := map[string]string{"costCenter": "42", "workload": "chat", "dataClassification": "internal"}
	for _, tc := range []struct {
		name       string
		guardrails *bool
		tags       map[string]string
		policies   bool
		// missing are the tags the findings must name, in order.
		missing []string
	}{
		{"default on, all tags", nil, allTags, true, nil},
		{"on, no tags", nil, nil, true, []string{"costCenter", "dataClassification", "workload"}},
		{"on, other spellings", nil, map[string]string{"CostCentre": "42", "Workload": "chat"}, true, []string{"dataClassification"}},
		{"off, all tags", &off, allTags, false, nil},
		{"off, no workload tag", &off, map[string]string{"costCenter": "42"}, false, []string{"workload"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			z := &spec.Zone{Name: "z", Region: "eastus", Placement: spec.Placement{ManagementGroup: "corp", Tags: tc.tags, Guardrails: tc.guardrails}}
			res, fs := governance.Plan(z)
			if res.Guardrails != tc.policies || (len(res.GuardrailPolicies) > 0) != tc.policies {
				t.Errorf("guardrails %v with %d policies, want %v", res.Guardrails, len(res.GuardrailPolicies), tc.policies)
			}
			var missing []string
			for _, f := range fs {
				if f.Code != "governance.tag-missing" {
					continue
				}
				if tc.policies && f.Severity != finding.Error {
					t.Errorf("a tag the guardrails require is missing, but the finding is %s, not an error: build would write a template its own guardrails deny", f.Severity)
				}
				for _, tag := range []string{"costCenter", "dataClassification", "workload"} {
					if strings.Contains(f.Message, "no "+tag+" tag") {
						missing = append(missing, tag)
					}
				}
			}
			sort.Strings(missing)
			if strings.Join(missing, ",") != strings.Join(tc.missing, ",") {
				t.Errorf("findings name missing tags %v, want %v", missing, tc.missing)
			}
			for _, p := range res.GuardrailPolicies {
				if p.Reference == "" || p.Effect == "" || p.DisplayName == "" {
					t.Errorf("incomplete guardrail summary %+v", p)
				}
			}
		})
	}
}
