package compliance

import (
	"context"
	"strings"

	"github.com/aizone/aizone/policy"
)

// Report is the outcome of evaluating an engine's assignments against a
// set of resources.
type Report struct {
	Summary  Summary   `json:"summary"`
	Findings []Finding `json:"findings"`
	Problems []Problem `json:"problems"`
}

// Check evaluates every assignment against every resource; rs are also the
// related resources *IfNotExists effects look for.
func Check(ctx context.Context, e *Engine, rs []*policy.Resource) *Report {
	env := &policy.Env{Resources: policy.NewResources(rs), Brief: true, ResourceGroups: map[string]map[string]any{}}
	for _, r := range rs {
		if strings.EqualFold(r.Type(), "Microsoft.Resources/subscriptions/resourceGroups") {
			// aizone's resource groups are not managed by another resource
			// (as a Databricks workspace's are); policies read managedBy.
			env.ResourceGroups[strings.ToLower(r.Name())] = groupObject(r.Raw)
		}
	}
	rep := &Report{Findings: []Finding{}, Problems: e.Problems()}
	if rep.Problems == nil {
		rep.Problems = []Problem{}
	}
	rep.Summary.ByEffect = map[string]int{}
	rep.Summary.Resources = len(rs)
	rep.Summary.Assignments = e.Assignments()
	for _, r := range rs {
		if ctx.Err() != nil {
			break
		}
		e.Evaluate(ctx, r, env, nil, func(f Finding) {
			rep.Findings = append(rep.Findings, f)
			rep.Summary.Add(f)
		})
	}
	Sort(rep.Findings)
	return rep
}
