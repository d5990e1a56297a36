package compliance

import (
	"context"
	"fmt"
	"strings"

	"github.com/aizone/aizone/alz"
	"github.com/aizone/aizone/guardrails"
	"github.com/aizone/aizone/policy"
	"github.com/aizone/aizone/resources"
)

// Guardrails adds aizone's AI guardrails, as the template assigns them, to
// src and returns that assignment; ok is false when the template assigns
// none (placement.guardrails: false). Its parameters are read from the
// template, so check evaluates exactly what will be enforced.
func Guardrails(src *Source, rs []resources.Resource, subscription string) (e alz.Effective, ok bool, err error) {
	params := resources.GuardrailParameters(rs)
	if params == nil {
		return alz.Effective{}, false, nil
	}
	name := ""
	for _, r := range rs {
		if r.Type == "Microsoft.Authorization/policyAssignments" && strings.HasPrefix(r.Name, "aizone-guardrails-") {
			name = r.Name
		}
	}
	if subscription == "" {
		subscription = PlaceholderSubscription
	}
	set, err := guardrails.Load()
	if err != nil {
		return alz.Effective{}, false, err
	}
	scope := "/subscriptions/" + subscription
	defs, sd, err := set.At(scope)
	if err != nil {
		return alz.Effective{}, false, fmt.Errorf("guardrails: %w", err)
	}
	if src.Extra == nil {
		src.Extra = map[string]*policy.Definition{}
	}
	for id, d := range defs {
		src.Extra[id] = d
	}
	if src.Sets == nil {
		src.Sets = map[string]*policy.SetDefinition{}
	}
	src.Sets[strings.ToLower(sd.ID)] = sd
	return alz.Effective{
		Name:            name,
		DisplayName:     "AI guardrails",
		Scope:           scope,
		ID:              scope + "/providers/Microsoft.Authorization/policyAssignments/" + name,
		DefinitionID:    sd.ID,
		Set:             true,
		EnforcementMode: "Default",
		Parameters:      params,
		Identity:        true,
	}, true, nil
}

// GuardrailDenies evaluates aizone's own guardrails alone, as the template
// assigns them, on the resources it deploys (with the template's parameter
// values), and returns the enforced denies: what Azure would refuse from
// the zone's own template. It needs no ALZ library, so build runs it on
// every template it writes.
func GuardrailDenies(ctx context.Context, rs []resources.Resource, params []resources.Parameter) ([]Finding, error) {
	src := &Source{}
	g, ok, err := Guardrails(src, rs, "")
	if err != nil || !ok {
		return nil, err
	}
	e := New(src, []alz.Effective{g})
	if ps := e.Problems(); len(ps) > 0 {
		return nil, fmt.Errorf("guardrails: %s: %s", ps[0].Assignment, ps[0].Reason)
	}
	rep := Check(ctx, e, FromTemplateWith(rs, "", params))
	var out []Finding
	for _, f := range rep.Findings {
		if f.Enforced && strings.EqualFold(f.Effect, "deny") {
			out = append(out, f)
		}
	}
	return out, nil
}
