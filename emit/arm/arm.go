// Package arm writes a plan's resources as an Azure Resource Manager
// subscription-scope deployment template: at the top level the resources
// that belong to the subscription itself (the resource groups, the AI
// guardrails' policy definitions, initiative, assignment and role
// assignment, the budget), and one nested deployment per resource group
// and stage (resources.Deployments) holding its resources, ordered by the
// references between them.
package arm

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/aizone/aizone/resources"
)

// Schemas of the templates written.
const (
	SubscriptionSchema  = "https://schema.management.azure.com/schemas/2018-05-01/subscriptionDeploymentTemplate.json#"
	ResourceGroupSchema = "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#"
	ParametersSchema    = "https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#"
)

// DeploymentName is the main nested deployment of a resource group.
func DeploymentName(rg string) string { return resources.DeploymentName(rg, resources.StageMain) }

// Template returns the subscription deployment template for rs, declaring
// params.
func Template(rs []resources.Resource, params []resources.Parameter) map[string]any {
	var top []any
	for _, r := range rs {
		// A resource without a resource group is a subscription resource:
		// a nested deployment would place it in a resource group, where
		// ARM rejects policy definitions and assignments meant for the
		// whole subscription.
		if r.ResourceGroup == "" {
			top = append(top, r.Map())
		}
	}
	declared := map[string]any{}
	for _, p := range params {
		d := map[string]any{"type": p.Type, "metadata": map[string]any{"description": p.Description}}
		if p.DefaultValue != nil {
			d["defaultValue"] = p.DefaultValue
		}
		declared[p.Name] = d
	}
	deployments := resources.Deployments(rs)
	groupOf := map[string]string{}
	for _, d := range deployments {
		groupOf[d.Name] = d.ResourceGroup
	}
	for _, d := range deployments {
		var inner []any
		for _, r := range d.Resources {
			inner = append(inner, r.Map())
		}
		deps := []string{fmt.Sprintf("[subscriptionResourceId('Microsoft.Resources/resourceGroups', '%s')]", d.ResourceGroup)}
		for _, other := range d.DependsOn {
			deps = append(deps, fmt.Sprintf("[resourceId('%s', 'Microsoft.Resources/deployments', '%s')]", groupOf[other], other))
		}
		top = append(top, map[string]any{
			"type":          "Microsoft.Resources/deployments",
			"apiVersion":    resources.APIVersion("Microsoft.Resources/deployments"),
			"name":          d.Name,
			"resourceGroup": d.ResourceGroup,
			"dependsOn":     deps,
			"properties": map[string]any{
				"mode": "Incremental",
				// Outer scope: the nested resources read the template's
				// parameters directly (the official schema rejects an
				// expression as a nested parameter value), and every id
				// expression names its resource group, so it evaluates
				// the same as in the group.
				"expressionEvaluationOptions": map[string]any{"scope": "Outer"},
				"template": map[string]any{
					"$schema":        ResourceGroupSchema,
					"contentVersion": "1.0.0.0",
					"resources":      inner,
				},
			},
		})
	}
	outputs := map[string]any{}
	for _, o := range resources.Outputs(rs) {
		outputs[o.Name] = map[string]any{"type": "string", "value": o.Value}
	}
	return map[string]any{
		"$schema":        SubscriptionSchema,
		"contentVersion": "1.0.0.0",
		"metadata":       map[string]any{"generator": "aizone"},
		"parameters":     declared,
		"resources":      top,
		"outputs":        outputs,
	}
}

// Parameters returns the parameters file for the template: the zone's
// values, and a placeholder for each value the deployer must supply.
func Parameters(params []resources.Parameter) map[string]any {
	values := map[string]any{}
	for _, p := range params {
		if v, _, ok := ParameterValue(p); ok {
			values[p.Name] = map[string]any{"value": v}
		}
	}
	return map[string]any{"$schema": ParametersSchema, "contentVersion": "1.0.0.0", "parameters": values}
}

// ParameterValue is the value the parameters file gives p: the zone's
// value, else the placeholder the deployer must replace (placeholder
// true), else the empty list of an array parameter; ok is false when the
// file leaves p out. The Bicep and Terraform emitters give values exactly
// where this file does.
func ParameterValue(p resources.Parameter) (v any, placeholder, ok bool) {
	switch {
	case p.Value != nil && !isEmpty(p.Value):
		return p.Value, false, true
	case p.Placeholder != "":
		return p.Placeholder, true, true
	case p.Type == "array" && p.Value != nil:
		return p.Value, false, true
	}
	return nil, false, false
}

// Generic turns a model value into the generic JSON shape it has in a
// template (maps, lists, strings, json.Number, bools, nil): the one shape
// the emitters that spell template values in another language walk.
func Generic(v any) (any, error) {
	data, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("encoding %T: %w", v, err)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var out any
	if err := dec.Decode(&out); err != nil {
		return nil, fmt.Errorf("decoding %T: %w", v, err)
	}
	return out, nil
}

func isEmpty(v any) bool {
	switch x := v.(type) {
	case string:
		return x == ""
	case []string:
		return len(x) == 0
	}
	return false
}

// Marshal renders a template as indented JSON with sorted keys and no
// HTML escaping, ending in a newline.
func Marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("encoding template: %w", err)
	}
	return buf.Bytes(), nil
}
