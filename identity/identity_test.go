package identity_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/aizone/aizone/internal/testkit"

	"github.com/aizone/aizone/identity"
	"github.com/aizone/aizone/network"
	"github.com/aizone/aizone/plan"
)

func planOf(t *testing.T, file string) *plan.Plan { return testkit.Plan(t, file, nil) }

func has(r identity.Result, principal string, role identity.Role, kind, name string) bool {
	for _, g := range r.Grants {
		if g.Principal == principal && g.Role == role && g.Scope.Kind == kind && g.Scope.Name == name {
			return g.Reason != "" && strings.HasPrefix(g.Source, "https://")
		}
	}
	return false
}

// TestGrants checks every grant the issue names, one row each, on the
// examples that need it.
func TestGrants(t *testing.T) {
	large := planOf(t, "../examples/large.yaml")
	small := planOf(t, "../examples/small.yaml")
	lustre := planOf(t, "../examples/lustre-slurm.yaml")
	zl, zs := large.Zone.Name, small.Zone.Name
	kv := func(p *plan.Plan) string { return network.KeyVaultName(p.Zone.Name, p.Zone.Region) }
	cr := func(p *plan.Plan) string { return network.RegistryName(p.Zone.Name, p.Zone.Region) }
	rt := large.Network.RouteTables[0].Name
	tests := []struct {
		name      string
		p         *plan.Plan
		principal string
		role      identity.Role
		kind      string
		scope     string
	}{
		{"aks control plane on its system subnet", large, identity.AKSIdentityName(zl), identity.NetworkContributor, identity.ScopeSubnet, network.AKSSystemSubnet},
		{"aks control plane on its GPU pool subnet", large, identity.AKSIdentityName(zl), identity.NetworkContributor, identity.ScopeSubnet, "snet-chat"},
		{"aks control plane on the route table", large, identity.AKSIdentityName(zl), identity.NetworkContributor, identity.ScopeRouteTable, rt},
		{"aks control plane assigns the kubelet identity", large, identity.AKSIdentityName(zl), identity.ManagedIdentityOperator, identity.ScopeIdentity, identity.KubeletIdentityName(zl)},
		{"kubelet pulls from the registry", large, identity.KubeletIdentityName(zl), identity.AcrPull, identity.ScopeRegistry, cr(large)},
		{"training reads its dataset", large, identity.PoolIdentityName(zl, "pretrain"), identity.StorageBlobDataReader, identity.ScopeContainer, "web-corpus"},
		{"training writes checkpoints", large, identity.PoolIdentityName(zl, "pretrain"), identity.StorageBlobDataContributor, identity.ScopeContainer, "checkpoints"},
		{"training writes models", large, identity.PoolIdentityName(zl, "pretrain"), identity.StorageBlobDataContributor, identity.ScopeContainer, "released-models"},
		{"data prep writes the dataset it prepares", large, identity.PoolIdentityName(zl, "tokenize"), identity.StorageBlobDataContributor, identity.ScopeContainer, "web-corpus"},
		{"inference reads models", large, identity.PoolIdentityName(zl, "chat"), identity.StorageBlobDataReader, identity.ScopeContainer, "released-models"},
		{"training reads secrets", small, identity.PoolIdentityName(zs, "finetune"), identity.KeyVaultSecretsUser, identity.ScopeKeyVault, kv(small)},
		{"inference reads secrets", small, identity.PoolIdentityName(zs, "assistant"), identity.KeyVaultSecretsUser, identity.ScopeKeyVault, kv(small)},
		{"batch training pulls its container", small, identity.PoolIdentityName(zs, "finetune"), identity.AcrPull, identity.ScopeRegistry, cr(small)},
		{"private cluster registers in the platform's zone", large, identity.AKSIdentityName(zl), identity.PrivateDNSZoneContributor, identity.ScopePlatformDNSZone, identity.AKSPrivateDNSZone(large.Zone.Region)},
	}
	if lustre.Storage.HotTier.Kind == "lustre" && lustre.Storage.HotTier.HSM != nil {
		acct := lustre.Storage.Account.Name
		tests = append(tests,
			struct {
				name      string
				p         *plan.Plan
				principal string
				role      identity.Role
				kind      string
				scope     string
			}{"lustre HSM manages the account", lustre, identity.PrincipalHPCCache, identity.StorageAccountContributor, identity.ScopeStorageAccount, acct},
			struct {
				name      string
				p         *plan.Plan
				principal string
				role      identity.Role
				kind      string
				scope     string
			}{"lustre HSM reads and writes blobs", lustre, identity.PrincipalHPCCache, identity.StorageBlobDataContributor, identity.ScopeStorageAccount, acct})
	} else {
		t.Error("examples/lustre-slurm.yaml no longer plans Managed Lustre with Blob integration")
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !has(tt.p.Identity, tt.principal, tt.role, tt.kind, tt.scope) {
				t.Errorf("no %s grant for %s on %s %s (with reason and source); grants: %+v", tt.role.Name, tt.principal, tt.kind, tt.scope, tt.p.Identity.Grants)
			}
		})
	}
}

// TestPoolsIsolated checks that no pool's identity reaches a container its
// workload does not use: the dataset a training job does not name, the
// checkpoints of training from an inference pool.
func TestPoolsIsolated(t *testing.T) {
	p := planOf(t, "../examples/large.yaml")
	all := p.Storage.Account.Containers
	want := map[string][]string{
		"pretrain": {"checkpoints", "released-models", "web-corpus"},
		"tokenize": {"web-corpus"},
		"chat":     {"released-models"},
	}
	for w, cs := range want {
		got := p.Identity.ReachableContainers(identity.PoolIdentityName(p.Zone.Name, w), all)
		if !slices.Equal(got, cs) {
			t.Errorf("%s reaches %v, want exactly %v", w, got, cs)
		}
	}
	// One identity per pool: no two pools share one.
	seen := map[string]string{}
	for _, id := range p.Identity.Identities {
		if id.Purpose != identity.PurposePool {
			continue
		}
		if other, dup := seen[id.Name]; dup {
			t.Errorf("%s and %s share identity %s", other, id.Workload, id.Name)
		}
		seen[id.Name] = id.Workload
	}
	if len(seen) != len(want) {
		t.Errorf("%d pool identities, want %d", len(seen), len(want))
	}
}

// TestNoPrivilegedRoles: the planner grants no Owner, Contributor or User
// Access Administrator, and Audit flags one when it appears.
func TestNoPrivilegedRoles(t *testing.T) {
	for _, f := range []string{"../examples/small.yaml", "../examples/large.yaml", "../examples/lustre-slurm.yaml"} {
		p := planOf(t, f)
		for _, g := range p.Identity.Grants {
			if _, bad := identity.IsPrivileged(g.Role.ID); bad {
				t.Errorf("%s: %s holds %s", f, g.Principal, g.Role.Name)
			}
		}
	}
	for _, r := range []identity.Role{identity.Owner, identity.Contributor, identity.UserAccessAdministrator} {
		fs := identity.Audit([]identity.Grant{{Principal: "id-x", Role: r, Scope: identity.Scope{Kind: identity.ScopeContainer, Name: "data"}}})
		if len(fs) != 1 || !strings.Contains(fs[0].Message, r.Name) {
			t.Errorf("Audit of %s: %v", r.Name, fs)
		}
	}
	if fs := identity.Audit([]identity.Grant{{Principal: "id-x", Role: identity.StorageBlobDataReader}}); len(fs) != 0 {
		t.Errorf("Audit flags a data reader: %v", fs)
	}
}
