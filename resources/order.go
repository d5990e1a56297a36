package resources

import (
	"encoding/json"
	"sort"
	"strings"
)

// Deployment is one nested deployment of the subscription template: the
// resources of one resource group and stage, and the deployments that must
// finish first because its resources refer to theirs.
type Deployment struct {
	Name          string
	ResourceGroup string
	Resources     []Resource
	DependsOn     []string // names of other deployments, sorted
}

// DeploymentName is the nested deployment of a resource group's stage.
// Azure caps deployment names at 64 characters; the longest zone and
// region names stay below it.
func DeploymentName(rg, stage string) string {
	if stage == StageMain {
		return "aizone-" + rg
	}
	return "aizone-" + rg + "-" + stage
}

type deployKey struct{ rg, stage string }

// refKeys are the expressions (without brackets) by which other resources
// name r: its resourceId(), and for a VNet each of its subnets'.
func (r Resource) refKeys() []string {
	if r.ResourceGroup == "" || r.Scope != "" {
		return nil
	}
	keys := []string{inner(idExpr(r.ResourceGroup, r.Type, strings.Split(r.Name, "/")...))}
	if r.Type == netPrefix+"virtualNetworks" {
		subs, _ := r.Properties["subnets"].([]any)
		for _, s := range subs {
			name, _ := s.(map[string]any)["name"].(string)
			keys = append(keys, inner(idExpr(r.ResourceGroup, netPrefix+"virtualNetworks/subnets", r.Name, name)))
		}
	}
	return keys
}

func inner(expr string) string { return strings.TrimSuffix(strings.TrimPrefix(expr, "["), "]") }

// order makes every reference between resources of one deployment an
// explicit dependsOn (ARM infers none from resourceId()) and drops
// dependsOn entries that name resources of another deployment, which ARM
// rejects as not defined in the template; Deployments orders those
// deployments instead.
func order(rs []Resource) {
	owner := map[string]int{} // ref key -> index
	for i, r := range rs {
		for _, k := range r.refKeys() {
			owner[k] = i
		}
	}
	keys := make([]string, 0, len(owner))
	for k := range owner {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for i := range rs {
		r := &rs[i]
		if r.ResourceGroup == "" {
			continue
		}
		dk := deployKey{r.ResourceGroup, r.Stage}
		var deps []string
		seen := map[string]bool{}
		add := func(d string) {
			if !seen[d] {
				seen[d] = true
				deps = append(deps, d)
			}
		}
		// Explicit entries that stay within the deployment are kept,
		// in the builder's order.
		for _, d := range r.DependsOn {
			if j, ok := owner[inner(d)]; ok && (deployKey{rs[j].ResourceGroup, rs[j].Stage}) != dk {
				continue
			}
			add(d)
		}
		body := refText(*r)
		for _, k := range keys {
			j := owner[k]
			if j == i || (deployKey{rs[j].ResourceGroup, rs[j].Stage}) != dk || !strings.Contains(body, k) {
				continue
			}
			// A child refers to its parent by name; a subnet is built
			// by its VNet.
			add(idExpr(rs[j].ResourceGroup, rs[j].Type, strings.Split(rs[j].Name, "/")...))
		}
		r.DependsOn = deps
	}
}

// refText is the text of a resource in which references are looked for:
// everything but its dependsOn and its own name.
func refText(r Resource) string {
	m := r.Map()
	delete(m, "dependsOn")
	data, _ := json.Marshal(m)
	s := string(data)
	// A child resource names its parent in its own name; the parent
	// reference that matters is the resourceId() form, already in the
	// body when there is one, so the parent is added below.
	if strings.Contains(r.Name, "/") && r.ResourceGroup != "" {
		names := strings.Split(r.Name, "/")
		types := strings.Split(r.Type, "/")
		if len(types) > 2 {
			s += " " + inner(idExpr(r.ResourceGroup, strings.Join(types[:len(types)-1], "/"), names[:len(names)-1]...))
		}
	}
	return s
}

// Deployments groups resources into nested deployments, in a stable
// order, each depending on the deployments whose resources it refers to.
func Deployments(rs []Resource) []Deployment {
	byKey := map[deployKey]*Deployment{}
	var order []deployKey
	owner := map[string]deployKey{}
	for _, r := range rs {
		if r.ResourceGroup == "" {
			continue
		}
		k := deployKey{r.ResourceGroup, r.Stage}
		d, ok := byKey[k]
		if !ok {
			d = &Deployment{Name: DeploymentName(k.rg, k.stage), ResourceGroup: k.rg}
			byKey[k] = d
			order = append(order, k)
		}
		d.Resources = append(d.Resources, r)
		for _, key := range r.refKeys() {
			owner[key] = k
		}
	}
	sort.Slice(order, func(i, j int) bool { return byKey[order[i]].Name < byKey[order[j]].Name })
	keys := make([]string, 0, len(owner))
	for k := range owner {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]Deployment, 0, len(order))
	for _, k := range order {
		d := byKey[k]
		deps := map[string]bool{}
		for _, r := range d.Resources {
			body := refText(r)
			for _, key := range keys {
				if o := owner[key]; o != k && strings.Contains(body, key) {
					deps[DeploymentName(o.rg, o.stage)] = true
				}
			}
		}
		for n := range deps {
			d.DependsOn = append(d.DependsOn, n)
		}
		sort.Strings(d.DependsOn)
		out = append(out, *d)
	}
	return out
}
