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
	var platform []any
	for _, g := range b.p.Identity.Grants {
		if g.Scope.Kind == identity.ScopePlatformDNSZone {
			platform = append(platform, b.platformGrant(g))
			continue
		}
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
	if len(platform) > 0 {
		b.platformDNSDeployment(platform)
	}
}

// platformGrant is a role assignment on a zone in the platform's DNS
// resource group, for the cross-scope deployment below.
func (b *builder) platformGrant(g identity.Grant) map[string]any {
	scope := platformDNSZone(g.Scope.Name)
	return map[string]any{
		"type":       "Microsoft.Authorization/roleAssignments",
		"apiVersion": APIVersion("Microsoft.Authorization/roleAssignments"),
		"name":       roleAssignmentName(scope, quote(g.Principal), g.Role.ID),
		"scope":      scope,
		"properties": map[string]any{
			"roleDefinitionId": subscriptionIDExpr("Microsoft.Authorization/roleDefinitions", g.Role.ID),
			"principalId":      b.identityRef(g.Principal, "principalId"),
			"principalType":    "ServicePrincipal",
			"description":      shorten(g.Reason, 1024),
		},
	}
}

// PlatformDNSDeploymentName is the deployment that grants roles on the
// platform's DNS zones, in the platform's DNS resource group.
func PlatformDNSDeploymentName(zone string) string { return "aizone-" + zone + "-platform-dns" }

// platformDNSDeployment deploys role assignments into the platform's DNS
// resource group (another resource group, often another subscription),
// with the identities, before the clusters that need them.
func (b *builder) platformDNSDeployment(grants []any) {
	rg := param(ParamDNSZonesRG)
	b.add(Resource{Type: "Microsoft.Resources/deployments", Name: PlatformDNSDeploymentName(b.zone), ResourceGroup: b.rgCompute, Stage: StageIdentities,
		Extra: map[string]any{
			"subscriptionId": "[split(" + inner(rg) + ", '/')[2]]",
			"resourceGroup":  "[last(split(" + inner(rg) + ", '/'))]",
		},
		Properties: map[string]any{
			"mode":                        "Incremental",
			"expressionEvaluationOptions": map[string]any{"scope": "Outer"},
			"template": map[string]any{
				"$schema":        "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
				"contentVersion": "1.0.0.0",
				"resources":      grants,
			},
		}})
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
