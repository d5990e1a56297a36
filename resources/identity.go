package resources

import (
	"fmt"

	"github.com/aizone/aizone/identity"
)

// identities deploys the plan's user-assigned identities first, in a stage
// of their own, and spells every grant as a role assignment in the
// deployment of the resource group that holds its scope.
func (b *builder) identities() {
	tags := b.tagsFor("compute")
	for _, id := range b.p.Identity.Identities {
		b.add(Resource{Type: "Microsoft.ManagedIdentity/userAssignedIdentities", Name: id.Name, Location: b.region, Tags: tags,
			ResourceGroup: b.rgCompute, Stage: StageIdentities})
	}
}

// userIdentity is the identity block of a resource that runs as one
// identity of the plan.
func (b *builder) userIdentity(name string) map[string]any {
	return map[string]any{"type": "UserAssigned", "userAssignedIdentities": map[string]any{b.identityID(name): map[string]any{}}}
}

func (b *builder) identityID(name string) string {
	return idExpr(b.rgCompute, "Microsoft.ManagedIdentity/userAssignedIdentities", name)
}

// identityRef reads a property of an identity (its principalId or
// clientId) at deployment time.
func (b *builder) identityRef(name, prop string) string {
	return fmt.Sprintf("[reference(%s, '%s').%s]", inner(b.identityID(name)), APIVersion("Microsoft.ManagedIdentity/userAssignedIdentities"), prop)
}

// grants spells the plan's grants. A role assignment's name is a GUID
// derived from its scope, principal and role, so that redeploying the
// template updates it instead of failing on a duplicate.
func (b *builder) grants() {
	for _, g := range b.p.Identity.Grants {
		scope, rg := b.grantScope(g.Scope)
		if scope == "" {
			continue
		}
		principal := b.identityRef(g.Principal, "principalId")
		principalKey := quote(g.Principal)
		if g.PrincipalKind == identity.PrincipalHPCCache {
			principal = "[parameters('" + ParamHPCCacheObjectID + "')]"
			principalKey = "parameters('" + ParamHPCCacheObjectID + "')"
		}
		b.add(Resource{Type: "Microsoft.Authorization/roleAssignments", ResourceGroup: rg, Scope: scope,
			Name: roleAssignmentName(scope, principalKey, g.Role.ID),
			Properties: map[string]any{
				"roleDefinitionId": subscriptionIDExpr("Microsoft.Authorization/roleDefinitions", g.Role.ID),
				"principalId":      principal,
				"principalType":    "ServicePrincipal",
				"description":      shorten(g.Reason, 1024),
			}})
	}
}

func roleAssignmentName(scope, principalKey, roleID string) string {
	return fmt.Sprintf("[guid(%s, %s, '%s')]", inner(scope), principalKey, roleID)
}

// roleAssignmentRef is the id expression of a role assignment built by
// grants, for dependsOn.
func roleAssignmentRef(scope, principalKey, roleID string) string {
	return fmt.Sprintf("[extensionResourceId(%s, 'Microsoft.Authorization/roleAssignments', %s)]", inner(scope), inner(roleAssignmentName(scope, principalKey, roleID)))
}

// grantScope is the id expression of a grant's scope and the resource
// group whose deployment holds the assignment.
func (b *builder) grantScope(s identity.Scope) (string, string) {
	switch s.Kind {
	case identity.ScopeContainer:
		return idExpr(b.rgStorage, "Microsoft.Storage/storageAccounts/blobServices/containers", b.p.Storage.Account.Name, "default", s.Name), b.rgStorage
	case identity.ScopeStorageAccount:
		return idExpr(b.rgStorage, "Microsoft.Storage/storageAccounts", s.Name), b.rgStorage
	case identity.ScopeSubnet:
		return idExpr(b.rgNet, netPrefix+"virtualNetworks/subnets", s.VNet, s.Name), b.rgNet
	case identity.ScopeRouteTable:
		return idExpr(b.rgNet, netPrefix+"routeTables", s.Name), b.rgNet
	case identity.ScopeRegistry:
		return idExpr(b.rgCompute, "Microsoft.ContainerRegistry/registries", s.Name), b.rgCompute
	case identity.ScopeKeyVault:
		return idExpr(b.rgCompute, "Microsoft.KeyVault/vaults", s.Name), b.rgCompute
	case identity.ScopeIdentity:
		return b.identityID(s.Name), b.rgCompute
	}
	return "", ""
}

// hpcCacheGrants are the role assignments Managed Lustre's Blob
// integration needs before the file system is created.
func (b *builder) hpcCacheGrants() []string {
	var out []string
	for _, g := range b.p.Identity.Grants {
		if g.PrincipalKind != identity.PrincipalHPCCache {
			continue
		}
		scope, _ := b.grantScope(g.Scope)
		out = append(out, roleAssignmentRef(scope, "parameters('"+ParamHPCCacheObjectID+"')", g.Role.ID))
	}
	return out
}

// poolIdentity is the identity a pool runs as.
func (b *builder) poolIdentity(workload string) map[string]any {
	return b.userIdentity(identity.PoolIdentityName(b.zone, workload))
}
