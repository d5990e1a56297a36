// Package resources turns a plan into ARM-shaped resources (type,
// apiVersion, name, location, properties, dependsOn). ARM templates, and
// later Bicep and Terraform, are spellings of this one list, and the policy
// engine evaluates exactly this list: what is checked is what is deployed.
package resources

import (
	"fmt"
	"sort"
	"strings"
)

// Resource is one ARM resource. ResourceGroup is empty for
// subscription-scope resources (resource groups themselves).
type Resource struct {
	Type       string            `json:"type"`
	APIVersion string            `json:"apiVersion"`
	Name       string            `json:"name"`
	Location   string            `json:"location,omitempty"`
	Kind       string            `json:"kind,omitempty"`
	SKU        map[string]any    `json:"sku,omitempty"`
	Identity   map[string]any    `json:"identity,omitempty"`
	Zones      []string          `json:"zones,omitempty"`
	Tags       map[string]string `json:"tags,omitempty"`
	Properties map[string]any    `json:"properties,omitempty"`
	DependsOn  []string          `json:"dependsOn,omitempty"`
	// Scope is the resource an extension resource (a role assignment, a
	// diagnostic setting) applies to, as a template expression.
	Scope         string `json:"scope,omitempty"`
	ResourceGroup string `json:"-"`
	// Stage splits a resource group's resources into more than one
	// deployment: identities deploy first (StageIdentities) so that every
	// other deployment can grant them roles and reference them.
	Stage string `json:"-"`
	// Output names the template output that returns the resource's id.
	Output string `json:"-"`
	// Extra holds further top-level keys a resource of this type takes in
	// a template (a nested deployment's subscriptionId and resourceGroup).
	Extra map[string]any `json:"-"`
}

// Stages of a resource group's deployment.
const (
	StageMain       = ""
	StageIdentities = "ids"
)

// Map returns the resource as the JSON object a template holds.
func (r Resource) Map() map[string]any {
	m := map[string]any{"type": r.Type, "apiVersion": r.APIVersion, "name": r.Name}
	if r.Location != "" {
		m["location"] = r.Location
	}
	if r.Kind != "" {
		m["kind"] = r.Kind
	}
	if r.SKU != nil {
		m["sku"] = r.SKU
	}
	if r.Identity != nil {
		m["identity"] = r.Identity
	}
	if len(r.Zones) > 0 {
		m["zones"] = r.Zones
	}
	if len(r.Tags) > 0 {
		m["tags"] = r.Tags
	}
	// Every resource carries properties, empty or not: several official
	// schemas require the key.
	if r.Properties != nil {
		m["properties"] = r.Properties
	} else {
		m["properties"] = map[string]any{}
	}
	if len(r.DependsOn) > 0 {
		m["dependsOn"] = r.DependsOn
	}
	if r.Scope != "" {
		m["scope"] = r.Scope
	}
	for k, v := range r.Extra {
		m[k] = v
	}
	return m
}

// ID is the resource's id as Azure would assign it in subscription sub.
// Child resources ("vnet/subnet") interleave type segments and names.
func (r Resource) ID(sub string) string {
	if r.ResourceGroup == "" && r.Type == "Microsoft.Resources/resourceGroups" {
		return fmt.Sprintf("/subscriptions/%s/resourceGroups/%s", sub, r.Name)
	}
	parts := strings.Split(r.Type, "/")
	names := strings.Split(r.Name, "/")
	var b strings.Builder
	if r.ResourceGroup == "" {
		// Other subscription-scope resources (policy definitions and
		// assignments) sit directly under the subscription.
		fmt.Fprintf(&b, "/subscriptions/%s/providers/%s", sub, parts[0])
	} else {
		fmt.Fprintf(&b, "/subscriptions/%s/resourceGroups/%s/providers/%s", sub, r.ResourceGroup, parts[0])
	}
	for i, t := range parts[1:] {
		n := ""
		if i < len(names) {
			n = names[i]
		}
		fmt.Fprintf(&b, "/%s/%s", t, n)
	}
	return b.String()
}

// idExpr is the template expression for a resource's id:
// resourceId('rg', 'type', 'name', ...). The resource group is always
// named, so that the expression means the same in a nested deployment
// evaluated in its own scope or in the parent's.
func idExpr(rg, typ string, names ...string) string {
	quoted := make([]string, 0, len(names)+2)
	if rg != "" {
		quoted = append(quoted, quote(rg))
	}
	quoted = append(quoted, quote(typ))
	for _, n := range names {
		quoted = append(quoted, quote(n))
	}
	return "[resourceId(" + strings.Join(quoted, ", ") + ")]"
}

func quote(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// Sort orders resources by resource group, type and name so that templates
// are stable.
func Sort(rs []Resource) {
	sort.SliceStable(rs, func(i, j int) bool {
		a, b := rs[i], rs[j]
		if a.ResourceGroup != b.ResourceGroup {
			return a.ResourceGroup < b.ResourceGroup
		}
		if a.Type != b.Type {
			return a.Type < b.Type
		}
		return a.Name < b.Name
	})
}
