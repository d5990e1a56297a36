// Package nested reads the resources of a nested deployment of the
// resource model, for the emitters that deploy them as resources of their
// own (a Terraform resource, a Bicep module) rather than as a deployment
// inside a deployment.
package nested

import (
	"fmt"

	"github.com/aizone/aizone/resources"
)

// Resources returns the resources of the nested deployment r. It refuses
// a deployment whose expressions would not mean inside it what they mean
// outside (not Incremental, not evaluated in the outer scope), and
// template keys and resource keys that language (named in the errors,
// "Terraform") has no spelling for.
func Resources(r resources.Resource, language string) ([]resources.Resource, error) {
	props := r.Properties
	if mode, _ := props["mode"].(string); mode != "Incremental" {
		return nil, fmt.Errorf("mode %v is not Incremental", props["mode"])
	}
	if eo, _ := props["expressionEvaluationOptions"].(map[string]any); eo == nil || eo["scope"] != "Outer" {
		return nil, fmt.Errorf("expressions are not evaluated in the outer scope")
	}
	tmpl, _ := props["template"].(map[string]any)
	for k := range tmpl {
		if k != "$schema" && k != "contentVersion" && k != "resources" {
			return nil, fmt.Errorf("nested template key %q has no %s spelling", k, language)
		}
	}
	list, _ := tmpl["resources"].([]any)
	var out []resources.Resource
	for _, v := range list {
		m, ok := v.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("nested resource %v is not an object", v)
		}
		var ir resources.Resource
		for k, v := range m {
			var ok bool
			switch k {
			case "type":
				ir.Type, ok = v.(string)
			case "apiVersion":
				ir.APIVersion, ok = v.(string)
			case "name":
				ir.Name, ok = v.(string)
			case "scope":
				ir.Scope, ok = v.(string)
			case "properties":
				ir.Properties, ok = v.(map[string]any)
			default:
				return nil, fmt.Errorf("nested resource key %q has no %s spelling", k, language)
			}
			if !ok {
				return nil, fmt.Errorf("nested resource key %q: unexpected %T", k, v)
			}
		}
		if ir.Scope == "" {
			return nil, fmt.Errorf("nested resource %s %s names no scope", ir.Type, ir.Name)
		}
		out = append(out, ir)
	}
	return out, nil
}
