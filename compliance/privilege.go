package compliance

import (
	"fmt"
	"strings"

	"github.com/aizone/aizone/identity"
	"github.com/aizone/aizone/resources"
)

// Privilege is a role assignment that gives a workload identity more than
// any workload needs: Owner, Contributor or User Access Administrator.
type Privilege struct {
	Principal string `json:"principal"`
	Role      string `json:"role"`
	Scope     string `json:"scope"`
	Message   string `json:"message"`
}

// LeastPrivilege reads the role assignments of rs (nested deployments'
// too) and reports each privileged role held by a user-assigned identity,
// the identities workloads run as. The guardrail assignment's own
// remediation identity (system-assigned, Contributor for its modify
// effect, as Azure's built-in tag policies require) is not a workload.
func LeastPrivilege(rs []resources.Resource) []Privilege {
	var out []Privilege
	var visit func(typ, scope string, props map[string]any)
	visit = func(typ, scope string, props map[string]any) {
		switch {
		case typ == "Microsoft.Authorization/roleAssignments":
			def, _ := props["roleDefinitionId"].(string)
			principal, _ := props["principalId"].(string)
			if !strings.Contains(principal, "Microsoft.ManagedIdentity/userAssignedIdentities") {
				return
			}
			for _, id := range []string{identity.Owner.ID, identity.Contributor.ID, identity.UserAccessAdministrator.ID} {
				if strings.Contains(strings.ToLower(def), id) {
					r, _ := identity.IsPrivileged(id)
					out = append(out, Privilege{Principal: principal, Role: r.Name, Scope: scope,
						Message: fmt.Sprintf("a workload identity holds %s on %s: grant the data role it needs instead", r.Name, scope)})
				}
			}
		case typ == "Microsoft.Resources/deployments":
			tmpl, _ := props["template"].(map[string]any)
			inner, _ := tmpl["resources"].([]any)
			for _, x := range inner {
				m, _ := x.(map[string]any)
				t, _ := m["type"].(string)
				s, _ := m["scope"].(string)
				p, _ := m["properties"].(map[string]any)
				visit(t, s, p)
			}
		}
	}
	for _, r := range rs {
		visit(r.Type, r.Scope, r.Properties)
	}
	return out
}
