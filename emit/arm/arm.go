// Package arm writes a plan's resources as an Azure Resource Manager
// subscription-scope deployment template: at the top level the resources
// that belong to the subscription itself (the resource groups, and the AI
// guardrails' policy definitions, initiative, assignment and role
// assignment), and one nested deployment per resource group holding its
// resources.
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

// DeploymentName is the nested deployment of a resource group.
func DeploymentName(rg string) string { return "aizone-" + rg }

// Template returns the subscription deployment template for rs.
func Template(rs []resources.Resource) map[string]any {
	var top []any
	byRG := map[string][]resources.Resource{}
	for _, r := range rs {
		// A resource without a resource group is a subscription resource:
		// a nested deployment would place it in a resource group, where
		// ARM rejects policy definitions and assignments meant for the
		// whole subscription.
		if r.ResourceGroup == "" {
			top = append(top, r.Map())
			continue
		}
		byRG[r.ResourceGroup] = append(byRG[r.ResourceGroup], r)
	}
	params := map[string]any{}
	if resources.NeedsSSHKey(rs) {
		params["sshPublicKey"] = map[string]any{"type": "string", "metadata": map[string]any{"description": "SSH public key for the scale-set nodes' admin user"}}
	}
	for _, rg := range resources.ResourceGroups(rs) {
		var inner []any
		for _, r := range byRG[rg] {
			inner = append(inner, r.Map())
		}
		innerTmpl := map[string]any{
			"$schema":        ResourceGroupSchema,
			"contentVersion": "1.0.0.0",
			"resources":      inner,
		}
		props := map[string]any{
			"mode":                        "Incremental",
			"expressionEvaluationOptions": map[string]any{"scope": "Inner"},
			"template":                    innerTmpl,
		}
		if resources.NeedsSSHKey(byRG[rg]) {
			// The scale sets read the outer sshPublicKey parameter directly:
			// the official schema rejects an expression as a nested
			// parameter value (its oneOf matches both branches), and every
			// id expression names its resource group, so outer scope
			// evaluates the same.
			props["expressionEvaluationOptions"] = map[string]any{"scope": "Outer"}
		}
		deps := []string{fmt.Sprintf("[subscriptionResourceId('Microsoft.Resources/resourceGroups', '%s')]", rg)}
		// Cross-group references (subnets, DNS zones, the identity) are
		// created first: every other group waits for the network and
		// compute groups' identity.
		for _, other := range resources.ResourceGroups(rs) {
			if other != rg && dependsAcross(byRG[rg], other) {
				deps = append(deps, fmt.Sprintf("[resourceId('%s', 'Microsoft.Resources/deployments', '%s')]", other, DeploymentName(other)))
			}
		}
		top = append(top, map[string]any{
			"type":          "Microsoft.Resources/deployments",
			"apiVersion":    resources.APIVersion("Microsoft.Resources/deployments"),
			"name":          DeploymentName(rg),
			"resourceGroup": rg,
			"dependsOn":     deps,
			"properties":    props,
		})
	}
	return map[string]any{
		"$schema":        SubscriptionSchema,
		"contentVersion": "1.0.0.0",
		"metadata":       map[string]any{"generator": "aizone"},
		"parameters":     params,
		"resources":      top,
	}
}

// dependsAcross reports whether any resource refers to resource group rg.
func dependsAcross(rs []resources.Resource, rg string) bool {
	needle := []byte("'" + rg + "'")
	for _, r := range rs {
		data, _ := json.Marshal(r.Map())
		if bytes.Contains(data, needle) {
			return true
		}
	}
	return false
}

// Parameters returns the parameters file for the template.
func Parameters(rs []resources.Resource) map[string]any {
	params := map[string]any{}
	if resources.NeedsSSHKey(rs) {
		params["sshPublicKey"] = map[string]any{"value": "REPLACE-WITH-SSH-PUBLIC-KEY"}
	}
	return map[string]any{"$schema": ParametersSchema, "contentVersion": "1.0.0.0", "parameters": params}
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
