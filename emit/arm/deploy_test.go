package arm_test

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aizone/aizone/internal/testkit"

	"github.com/aizone/aizone/armvalidate"
	"github.com/aizone/aizone/emit/arm"
	"github.com/aizone/aizone/identity"
	"github.com/aizone/aizone/plan"
	"github.com/aizone/aizone/resources"
)

func built(t *testing.T, file string) (*plan.Plan, []resources.Resource, map[string]any, map[string]any) {
	t.Helper()
	p := testkit.Plan(t, file, nil)
	rs := resources.Build(p)
	params := resources.Parameters(p, rs)
	return p, rs, roundTrip(t, arm.Template(rs, params)), roundTrip(t, arm.Parameters(params))
}

func roundTrip(t *testing.T, v any) map[string]any {
	t.Helper()
	data, err := arm.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// TestExamplesDeploy runs the deployment validator on every example's
// template and parameters file: ARM would accept each as written.
func TestExamplesDeploy(t *testing.T) {
	for _, f := range examples(t) {
		t.Run(filepath.Base(f), func(t *testing.T) {
			_, _, tmpl, params := built(t, f)
			for _, fd := range armvalidate.Validate(tmpl, params["parameters"].(map[string]any)) {
				t.Error(fd)
			}
		})
	}
}

// TestGrantsInTemplate checks that every grant of the plan is a role
// assignment of the template: the role by its definition id, at its
// scope, for its principal, named by a deterministic guid().
func TestGrantsInTemplate(t *testing.T) {
	for _, f := range examples(t) {
		t.Run(filepath.Base(f), func(t *testing.T) {
			p, rs, _, _ := built(t, f)
			type key struct{ role, scope, principal string }
			have := map[key]bool{}
			var all []resources.Resource
			for _, r := range rs {
				all = append(all, r)
				if r.Type == "Microsoft.Resources/deployments" {
					// Grants on the platform's DNS zones deploy into its
					// resource group, through a nested deployment.
					tmpl, _ := r.Properties["template"].(map[string]any)
					inner, _ := tmpl["resources"].([]any)
					for _, x := range inner {
						m := x.(map[string]any)
						if m["type"] == "Microsoft.Authorization/roleAssignments" {
							all = append(all, resources.Resource{Type: m["type"].(string), Name: m["name"].(string), Scope: m["scope"].(string), Properties: m["properties"].(map[string]any)})
						}
					}
				}
			}
			for _, r := range all {
				if r.Type != "Microsoft.Authorization/roleAssignments" || r.Scope == "" {
					continue
				}
				if !strings.HasPrefix(r.Name, "[guid(") {
					t.Errorf("role assignment named %s, not a deterministic guid()", r.Name)
				}
				def, _ := r.Properties["roleDefinitionId"].(string)
				principal, _ := r.Properties["principalId"].(string)
				have[key{def, r.Scope, principal}] = true
			}
			for _, g := range p.Identity.Grants {
				def := fmt.Sprintf("[subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '%s')]", g.Role.ID)
				found := false
				for k := range have {
					if k.role == def && strings.Contains(k.scope, "'"+g.Scope.Name+"'") &&
						(strings.Contains(k.principal, "'"+g.Principal+"'") || g.PrincipalKind == identity.PrincipalHPCCache && strings.Contains(k.principal, resources.ParamHPCCacheObjectID)) {
						found = true
					}
				}
				if !found {
					t.Errorf("grant %s %s on %s is not in the template", g.Principal, g.Role.Name, g.Scope)
				}
			}
			if n := len(have); n != len(p.Identity.Grants) {
				t.Errorf("%d role assignments for %d grants", n, len(p.Identity.Grants))
			}
		})
	}
}

// TestAKSPoolsInClusterRegion: a node pool joins a cluster of its own
// region, on a subnet of that region's VNet.
func TestAKSPoolsInClusterRegion(t *testing.T) {
	for _, f := range examples(t) {
		t.Run(filepath.Base(f), func(t *testing.T) {
			p, rs, _, _ := built(t, f)
			loc := map[string]string{}
			for _, r := range rs {
				if r.Type == "Microsoft.ContainerService/managedClusters" {
					loc[r.Name] = r.Location
				}
			}
			for _, r := range rs {
				if r.Type != "Microsoft.ContainerService/managedClusters/agentPools" {
					continue
				}
				cluster := strings.Split(r.Name, "/")[0]
				subnet, _ := r.Properties["vnetSubnetID"].(string)
				if vnet := p.Network.VNetFor(loc[cluster]); !strings.Contains(subnet, "'"+vnet+"'") {
					t.Errorf("%s: subnet %s is not in %s, the VNet of its cluster's region %s", r.Name, subnet, vnet, loc[cluster])
				}
			}
		})
	}
}

// TestNoCrossDeploymentDependsOn: a dependsOn names only resources of its
// own nested deployment (ARM rejects the others); deployments order the
// rest, without cycles.
func TestNoCrossDeploymentDependsOn(t *testing.T) {
	for _, f := range examples(t) {
		t.Run(filepath.Base(f), func(t *testing.T) {
			_, rs, _, _ := built(t, f)
			ds := resources.Deployments(rs)
			deps := map[string][]string{}
			for _, d := range ds {
				deps[d.Name] = d.DependsOn
				for _, r := range d.Resources {
					for _, dep := range r.DependsOn {
						if strings.HasPrefix(dep, "[resourceId('") && !strings.HasPrefix(dep, "[resourceId('"+d.ResourceGroup+"'") {
							t.Errorf("%s: %s %s depends on %s in another resource group", d.Name, r.Type, r.Name, dep)
						}
					}
				}
			}
			state := map[string]int{}
			var visit func(string) bool
			visit = func(n string) bool {
				switch state[n] {
				case 1:
					return false
				case 2:
					return true
				}
				state[n] = 1
				for _, m := range deps[n] {
					if !visit(m) {
						t.Errorf("deployment cycle through %s and %s", n, m)
						return false
					}
				}
				state[n] = 2
				return true
			}
			for n := range deps {
				visit(n)
			}
		})
	}
}
