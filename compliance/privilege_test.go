package compliance

import (
	"testing"

	"github.com/aizone/aizone/identity"
	"github.com/aizone/aizone/resources"
)

func TestLeastPrivilege(t *testing.T) {
	for _, ex := range []string{"small.yaml", "large.yaml", "lustre-slurm.yaml"} {
		_, rs := zoneResources(t, ex)
		if got := LeastPrivilege(rs); len(got) != 0 {
			t.Errorf("%s: %+v", ex, got)
		}
	}
	_, rs := zoneResources(t, "small.yaml")
	planted := 0
	for i, r := range rs {
		if r.Type == "Microsoft.Authorization/roleAssignments" && r.Scope != "" {
			for _, role := range []identity.Role{identity.Owner, identity.Contributor, identity.UserAccessAdministrator} {
				bad := r
				bad.Properties = map[string]any{}
				for k, v := range r.Properties {
					bad.Properties[k] = v
				}
				bad.Properties["roleDefinitionId"] = "[subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '" + role.ID + "')]"
				got := LeastPrivilege([]resources.Resource{bad})
				if len(got) != 1 || got[0].Role != role.Name {
					t.Errorf("planted %s on %s: %+v", role.Name, rs[i].Scope, got)
				}
				planted++
			}
			break
		}
	}
	if planted == 0 {
		t.Fatal("no role assignment to plant a privileged role in")
	}
}
