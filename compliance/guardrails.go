package compliance

import (
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
