package guardrails_test

import (
	"context"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/aizone/aizone/catalog"
	"github.com/aizone/aizone/compliance"
	"github.com/aizone/aizone/guardrails"
	"github.com/aizone/aizone/plan"
	"github.com/aizone/aizone/policy"
	"github.com/aizone/aizone/policy/policytest"
	"github.com/aizone/aizone/resources"
	"github.com/aizone/aizone/spec"
)

// buildExample plans an example zone and returns its resources as Azure
// Policy sees them at deployment, the environment (resource groups with
// their tags) and the guardrail parameter values the template assigns.
func buildExample(t *testing.T, file string) ([]*policy.Resource, *policy.Env, map[string]any, *plan.Plan) {
	t.Helper()
	c, err := catalog.Default()
	if err != nil {
		t.Fatal(err)
	}
	z, err := spec.LoadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	p := plan.Make(z, c, plan.Options{AsOf: "2026-11-27"})
	rs := resources.Build(p)
	params := resources.GuardrailParameters(rs)
	prs := compliance.FromTemplate(rs, "")
	return prs, envFor(prs), params, p
}

// TestExamplesCompliant checks that everything aizone generates for the
// feasible examples passes every guardrail, with the parameter values the
// template assigns and with both alias mappings. A failure here means the
// generator is wrong, not the guardrail.
func TestExamplesCompliant(t *testing.T) {
	set, err := guardrails.Load()
	if err != nil {
		t.Fatal(err)
	}
	files, err := filepath.Glob("../examples/*.yaml")
	if err != nil || len(files) < 2 {
		t.Fatalf("examples not found: %v", err)
	}
	checked := 0
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			prs, env, params, p := buildExample(t, f)
			if !p.Feasible() {
				t.Skip("infeasible plan: aizone build refuses it, so nothing is deployed")
			}
			if params == nil {
				t.Fatal("the template assigns no guardrails")
			}
			checked++
			for _, tb := range []struct {
				name    string
				aliases policy.AliasTable
			}{{"default-aliases", nil}, {"reference-aliases", referenceAliases(t)}} {
				cs, err := set.Compile(tb.aliases)
				if err != nil {
					t.Fatal(err)
				}
				bs, err := cs.Bind(params)
				if err != nil {
					t.Fatalf("binding the template's assignment parameters: %v", err)
				}
				for _, r := range prs {
					for _, res := range bs.Evaluate(context.Background(), r, env) {
						if res.Error != "" || !res.Compliant {
							t.Errorf("%s: %s %s: %s effect=%q error=%q\n  %s", tb.name, res.ReferenceID, r.Type(), r.ID(), res.Effect, res.Error, strings.Join(res.Reasons, "\n  "))
						}
					}
				}
				t.Logf("%s: %d resources × %d guardrails compliant", tb.name, len(prs), len(bs.Members()))
			}
		})
	}
	if checked == 0 {
		t.Fatal("no feasible example was checked")
	}
}

// TestPlantedViolations breaks one thing at a time in an example's
// generated resources and checks that exactly the guardrail meant for it,
// and nothing else, reports the broken resource.
func TestPlantedViolations(t *testing.T) {
	set, err := guardrails.Load()
	if err != nil {
		t.Fatal(err)
	}
	cs, err := set.Compile(nil)
	if err != nil {
		t.Fatal(err)
	}
	type change func(t *testing.T, raw map[string]any) (keep bool)
	set1 := func(path string, v any) change {
		return func(t *testing.T, raw map[string]any) bool { setPath(t, raw, path, v); return true }
	}
	remove := func(t *testing.T, raw map[string]any) bool { return false }
	for _, tc := range []struct {
		name, example, typ, resource string
		change                       change
		reference, effect            string
	}{
		{"public storage", "small.yaml", "Microsoft.Storage/storageAccounts", "", set1("properties.publicNetworkAccess", "Enabled"), "StoragePublicNetworkDisabled", "deny"},
		{"anonymous blob access", "small.yaml", "Microsoft.Storage/storageAccounts", "", set1("properties.allowBlobPublicAccess", true), "StorageSecureAccess", "deny"},
		{"no lifecycle policy", "small.yaml", "Microsoft.Storage/storageAccounts/managementPolicies", "", remove, "StorageLifecyclePolicy", "auditIfNotExists"},
		{"GPU Batch pool with public IPs", "small.yaml", "Microsoft.Batch/batchAccounts/pools", "finetune", set1("properties.networkConfiguration.publicIPAddressConfiguration.provision", "BatchManaged"), "GpuNodesNoPublicIp", "deny"},
		{"GPU scale set with a public IP", "vmss-finetune.yaml", "Microsoft.Compute/virtualMachineScaleSets", "finetune",
			set1("properties.virtualMachineProfile.networkProfile.networkInterfaceConfigurations.0.properties.ipConfigurations.0.properties.publicIPAddressConfiguration", map[string]any{"name": "pip"}), "GpuNodesNoPublicIp", "deny"},
		{"disallowed GPU size", "small.yaml", "Microsoft.ContainerService/managedClusters/agentPools", "", set1("properties.vmSize", "Standard_NV36ads_A10_v5"), "AllowedGpuSizes", "deny"},
		{"Spot inference pool", "small.yaml", "Microsoft.ContainerService/managedClusters/agentPools", "", set1("properties.scaleSetPriority", "Spot"), "SpotRequiresPreemptionTag", "deny"},
		{"Spot Batch pool without its mark", "large.yaml", "Microsoft.Batch/batchAccounts/pools", "tokenize", set1("properties.metadata", []any{}), "SpotRequiresPreemptionTag", "deny"},
		{"resource group without cost centre", "small.yaml", "Microsoft.Resources/subscriptions/resourceGroups", "compute", set1("tags.costCenter", ""), "RequireCostCenterTag", "deny"},
		{"resource without workload tag", "small.yaml", "Microsoft.Network/networkSecurityGroups", "finetune", set1("tags.workload", nil), "InheritWorkloadTag", "modify"},
		{"exposed hot-storage subnet", "large.yaml", "Microsoft.Network/virtualNetworks", "", lustreSubnetOutbound, "HotStoragePrivateSubnets", "deny"},
		{"public AKS API server", "small.yaml", "Microsoft.ContainerService/managedClusters", "", set1("properties.apiServerAccessProfile.enablePrivateCluster", false), "AiControlPlanesPrivate", "deny"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			prs, _, params, _ := buildExample(t, filepath.Join("..", "examples", tc.example))
			target := ""
			var out []*policy.Resource
			for _, r := range prs {
				if target == "" && strings.EqualFold(r.Type(), tc.typ) && strings.Contains(r.ID(), tc.resource) {
					target = r.ID()
					raw := jsonCopy(t, r.Raw)
					if !tc.change(t, raw) {
						continue
					}
					r = policy.NewResource(raw)
				}
				out = append(out, r)
			}
			if target == "" {
				t.Fatalf("no %s %q in the example", tc.typ, tc.resource)
			}
			env := envFor(out)
			bs, err := cs.Bind(params)
			if err != nil {
				t.Fatal(err)
			}
			var found []string
			for _, r := range out {
				for _, res := range bs.Evaluate(context.Background(), r, env) {
					if res.Compliant {
						continue
					}
					found = append(found, res.ReferenceID+" "+res.Effect+" "+r.ID())
					if res.ReferenceID == tc.reference && len(res.Reasons) == 0 {
						t.Errorf("%s reported without a reason", tc.reference)
					}
				}
			}
			// A removed lifecycle policy is reported on its account.
			if tc.typ == "Microsoft.Storage/storageAccounts/managementPolicies" {
				target = target[:strings.Index(target, "/managementPolicies/")]
			}
			want := []string{tc.reference + " " + tc.effect + " " + target}
			if strings.Join(found, "\n") != strings.Join(want, "\n") {
				t.Errorf("non-compliant results:\n  %s\nwant:\n  %s", strings.Join(found, "\n  "), strings.Join(want, "\n  "))
			}
		})
	}
}

// lustreSubnetOutbound gives the hot-storage subnet (Managed Lustre or
// NetApp Files, whichever the plan chose) default outbound access.
func lustreSubnetOutbound(t *testing.T, raw map[string]any) bool {
	props, _ := raw["properties"].(map[string]any)
	subnets, _ := props["subnets"].([]any)
	for _, s := range subnets {
		sm := s.(map[string]any)
		if name := sm["name"].(string); strings.Contains(name, "lustre") || strings.Contains(name, "netapp") {
			sm["properties"].(map[string]any)["defaultOutboundAccess"] = true
			return true
		}
	}
	t.Fatal("no hot-storage subnet in the VNet")
	return true
}

func envFor(rs []*policy.Resource) *policy.Env {
	env := &policy.Env{Resources: policy.NewResources(rs), ResourceGroups: map[string]map[string]any{}}
	for _, r := range rs {
		if strings.EqualFold(r.Type(), "Microsoft.Resources/subscriptions/resourceGroups") {
			env.ResourceGroups[strings.ToLower(r.Name())] = map[string]any{"name": r.Name(), "tags": r.Raw["tags"]}
		}
	}
	return env
}

func jsonCopy(t *testing.T, m map[string]any) map[string]any {
	t.Helper()
	return policytest.JSONRoundTrip(t, m).(map[string]any)
}

// setPath sets a dotted path ("a.b.0.c") in decoded JSON; a nil value
// deletes the key.
func setPath(t *testing.T, m map[string]any, path string, v any) {
	t.Helper()
	parts := strings.Split(path, ".")
	var cur any = m
	for i, p := range parts {
		last := i == len(parts)-1
		switch c := cur.(type) {
		case map[string]any:
			if last {
				if v == nil {
					delete(c, p)
				} else {
					c[p] = v
				}
				return
			}
			if c[p] == nil {
				c[p] = map[string]any{}
			}
			cur = c[p]
		case []any:
			n, err := strconv.Atoi(p)
			if err != nil || n >= len(c) {
				t.Fatalf("%s: no element %s", path, p)
			}
			if last {
				c[n] = v
				return
			}
			cur = c[n]
		default:
			t.Fatalf("%s: %s is not an object or array", path, p)
		}
	}
}
