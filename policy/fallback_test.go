package policy

import (
	"os"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/aizone/aizone/internal/shared"
)

// emittedTypes are the resource types aizone's resources package emits:
// the ones the default alias mapping and its exceptions must get right
// without an alias table. (The policy package does not import resources, to
// stay usable alone; keep this list in step with it.)
var emittedTypes = []string{
	"Microsoft.Batch/batchAccounts", "Microsoft.Batch/batchAccounts/pools",
	"Microsoft.Compute/availabilitySets", "Microsoft.Compute/disks", "Microsoft.Compute/galleries",
	"Microsoft.Compute/proximityPlacementGroups", "Microsoft.Compute/virtualMachineScaleSets", "Microsoft.Compute/virtualMachines",
	"Microsoft.ContainerRegistry/registries", "Microsoft.ContainerService/managedClusters", "Microsoft.ContainerService/managedClusters/agentPools",
	"Microsoft.Insights/diagnosticSettings", "Microsoft.KeyVault/vaults", "Microsoft.MachineLearningServices/workspaces",
	"Microsoft.ManagedIdentity/userAssignedIdentities", "Microsoft.NetApp/netAppAccounts", "Microsoft.NetApp/netAppAccounts/capacityPools",
	"Microsoft.Network/azureFirewalls", "Microsoft.Network/bastionHosts", "Microsoft.Network/connections", "Microsoft.Network/expressRouteCircuits",
	"Microsoft.Network/expressRouteGateways", "Microsoft.Network/natGateways", "Microsoft.Network/networkInterfaces",
	"Microsoft.Network/networkSecurityGroups", "Microsoft.Network/privateDnsZones", "Microsoft.Network/privateDnsZones/virtualNetworkLinks",
	"Microsoft.Network/privateEndpoints", "Microsoft.Network/privateEndpoints/privateDnsZoneGroups", "Microsoft.Network/publicIPAddresses",
	"Microsoft.Network/routeTables", "Microsoft.Network/virtualNetworkGateways", "Microsoft.Network/virtualNetworks",
	"Microsoft.Network/virtualNetworks/subnets", "Microsoft.Network/virtualNetworks/virtualNetworkPeerings",
	"Microsoft.OperationalInsights/workspaces", "Microsoft.Storage/storageAccounts", "Microsoft.Storage/storageAccounts/blobServices",
	"Microsoft.Storage/storageAccounts/managementPolicies", "Microsoft.StorageCache/amlFilesystems",
}

// TestFallbackReadsCorpusAliases checks the default mapping against the
// reference alias table for every alias the built-in and ALZ definitions
// use on a type aizone emits: a resource with a value at the alias's real
// path must be read correctly without a table.
func TestFallbackReadsCorpusAliases(t *testing.T) {
	ref := sharedAliases(t)
	emitted := map[string]bool{}
	for _, ty := range emittedTypes {
		emitted[strings.ToLower(ty)] = true
	}
	used := map[string]bool{}
	quoted := regexp.MustCompile(`"(Microsoft\.[A-Za-z]+/[^"]+)"`)
	for _, dir := range []string{
		shared.Path(t, "corpora", "azure-policy", "policyDefinitions"),
		shared.Path(t, "corpora", "alz-library", "alz", "policy_definitions"),
	} {
		for _, f := range corpusFiles(t, dir) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range quoted.FindAllSubmatch(data, -1) {
				alias := string(m[1])
				if _, ok := ref.Lookup(alias); ok && emitted[aliasType(alias)] {
					used[alias] = true
				}
			}
		}
	}
	var wrong []string
	for alias := range used {
		path, _ := ref.Lookup(alias)
		segs, err := parsePath(path)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		c := &compiler{}
		f, err := c.resolveField(alias, nil)
		if err != nil {
			t.Fatalf("%s: %v", alias, err)
		}
		if !f.fallback {
			t.Fatalf("%s: resolved without a table but not marked as a fallback", alias)
		}
		v := f.get(&evalCtx{}, NewResource(placeAt(segs, "sentinel").(map[string]any)))
		if a, ok := v.([]any); ok && len(a) == 1 {
			v = a[0]
		}
		if v != "sentinel" {
			wrong = append(wrong, alias+" (real path "+path+")")
		}
	}
	sort.Strings(wrong)
	for _, w := range wrong {
		t.Error("fallback misses ", w)
	}
	t.Logf("%d aliases used on emitted types, %d misread by the fallback", len(used), len(wrong))
	if len(used) < 200 {
		t.Errorf("only %d aliases found: corpus or table truncated?", len(used))
	}
}

// aliasType is an alias's resource type, lower case: everything before
// the last slash outside brackets.
func aliasType(alias string) string {
	end := len(alias)
	if i := strings.IndexByte(alias, '['); i >= 0 {
		end = i
	}
	return strings.ToLower(alias[:strings.LastIndexByte(alias[:end], '/')])
}

// placeAt builds a document with v at segs, one-member arrays for [*].
func placeAt(segs []seg, v any) any {
	for i := len(segs) - 1; i >= 0; i-- {
		s := segs[i]
		if s.star || s.index >= 0 {
			v = []any{v}
		}
		if s.key != "" {
			v = map[string]any{s.key: v}
		}
	}
	return v
}
