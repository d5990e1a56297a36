package policy

import (
	"context"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/aizone/aizone/internal/shared"
)

// BenchmarkCompileBuiltins parses and compiles every built-in definition
// (files are read before the timer starts). Target: under 2 s per op.
func BenchmarkCompileBuiltins(b *testing.B) {
	aliases := sharedAliases(b)
	files := corpusFiles(b, filepath.Join(shared.Path(b, "corpora", "azure-policy"), "policyDefinitions"))
	data := make([][]byte, len(files))
	for i, f := range files {
		var err error
		if data[i], err = os.ReadFile(f); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	for range b.N {
		for i, d := range data {
			def, err := ParseDefinition(d)
			if err == nil {
				_, err = Compile(def, aliases)
			}
			if err != nil {
				b.Fatalf("%s: %v", files[i], err)
			}
		}
	}
	b.ReportMetric(float64(len(data)), "definitions")
}

// autoParams gives every parameter without a default a plausible value, so
// that a whole library can be bound without hand-written assignments.
func autoParams(d *Definition) map[string]any {
	out := map[string]any{}
	for _, p := range d.Parameters {
		if p.HasDefault {
			continue
		}
		if len(p.AllowedValues) > 0 {
			out[p.Name] = p.AllowedValues[0]
			continue
		}
		switch strings.ToLower(p.Type) {
		case "array":
			out[p.Name] = []any{}
		case "object":
			out[p.Name] = map[string]any{}
		case "boolean":
			out[p.Name] = false
		case "integer", "float":
			out[p.Name] = 0.0
		default:
			out[p.Name] = "placeholder"
		}
	}
	return out
}

// loadALZ compiles and binds the ALZ library's definitions plus, to make
// 150, the built-in storage public access one.
func loadALZ(tb testing.TB) []*Bound {
	aliases := sharedAliases(tb)
	files := corpusFiles(tb, filepath.Join(shared.Path(tb, "corpora", "alz-library", "alz"), "policy_definitions"))
	files = append(files, filepath.Join(shared.Path(tb, "corpora", "azure-policy"), "policyDefinitions", "Storage", "ASC_Storage_DisallowPublicBlobAccess_Audit.json"))
	var out []*Bound
	for _, f := range files {
		d, err := LoadDefinition(f)
		if err != nil {
			tb.Fatal(err)
		}
		cp, err := Compile(d, aliases)
		if err != nil {
			tb.Fatal(err)
		}
		bd, err := cp.Bind(autoParams(d))
		if err != nil {
			tb.Fatalf("%s: %v", f, err)
		}
		out = append(out, bd)
	}
	return out
}

// generateResources builds n resources of the types aizone emits, with
// varied settings, deterministically.
func generateResources(n int) []*Resource {
	rng := rand.New(rand.NewSource(1))
	locs := []string{"westeurope", "northeurope", "eastus", "swedencentral"}
	pick := func(s ...string) string { return s[rng.Intn(len(s))] }
	out := make([]*Resource, 0, n)
	for i := range n {
		rg := fmt.Sprintf("rg%d", i%50)
		base := "/subscriptions/s1/resourceGroups/" + rg + "/providers/"
		loc := locs[rng.Intn(len(locs))]
		tags := map[string]any{"env": pick("prod", "dev"), "owner": "team" + fmt.Sprint(i%7)}
		var raw map[string]any
		switch i % 12 {
		case 0:
			raw = map[string]any{"type": "Microsoft.Storage/storageAccounts", "kind": "StorageV2", "sku": map[string]any{"name": pick("Standard_LRS", "Premium_ZRS")},
				"properties": map[string]any{"minimumTlsVersion": pick("TLS1_0", "TLS1_2"), "allowBlobPublicAccess": rng.Intn(2) == 0, "supportsHttpsTrafficOnly": true,
					"networkAcls": map[string]any{"defaultAction": pick("Allow", "Deny"), "ipRules": []any{map[string]any{"value": "1.2.3.4", "action": "Allow"}}}}}
		case 1:
			raw = map[string]any{"type": "Microsoft.Network/virtualNetworks", "properties": map[string]any{"addressSpace": map[string]any{"addressPrefixes": []any{"10.0.0.0/16"}},
				"subnets": []any{map[string]any{"name": "a", "properties": map[string]any{"addressPrefix": "10.0.1.0/24"}}}}}
		case 2:
			raw = map[string]any{"type": "Microsoft.Network/networkSecurityGroups", "properties": map[string]any{"securityRules": []any{
				map[string]any{"name": "r", "properties": map[string]any{"access": pick("Allow", "Deny"), "direction": "Inbound", "sourceAddressPrefix": pick("*", "Internet", "10.0.0.0/8"), "destinationPortRange": pick("22", "3389", "443")}}}}}
		case 3:
			raw = map[string]any{"type": "Microsoft.Network/networkInterfaces", "properties": map[string]any{"enableIPForwarding": rng.Intn(2) == 0,
				"ipConfigurations": []any{map[string]any{"name": "ip", "properties": map[string]any{"subnet": map[string]any{"id": base + "Microsoft.Network/virtualNetworks/v/subnets/a"}}}}}}
		case 4:
			raw = map[string]any{"type": "Microsoft.Compute/virtualMachines", "properties": map[string]any{"hardwareProfile": map[string]any{"vmSize": pick("Standard_ND96asr_v4", "Standard_D4s_v5")},
				"storageProfile": map[string]any{"osDisk": map[string]any{"managedDisk": map[string]any{"storageAccountType": "Premium_LRS"}}}}}
		case 5:
			raw = map[string]any{"type": "Microsoft.Compute/virtualMachineScaleSets", "sku": map[string]any{"name": "Standard_NC24ads_A100_v4", "capacity": 4.0},
				"properties": map[string]any{"virtualMachineProfile": map[string]any{"osProfile": map[string]any{"linuxConfiguration": map[string]any{"disablePasswordAuthentication": true}}}}}
		case 6:
			raw = map[string]any{"type": "Microsoft.Network/publicIPAddresses", "sku": map[string]any{"name": "Standard"}, "properties": map[string]any{"publicIPAllocationMethod": "Static"}}
		case 7:
			raw = map[string]any{"type": "Microsoft.Network/privateEndpoints", "properties": map[string]any{"privateLinkServiceConnections": []any{
				map[string]any{"name": "c", "properties": map[string]any{"groupIds": []any{"blob"}, "privateLinkServiceId": base + "Microsoft.Storage/storageAccounts/sa"}}}}}
		case 8:
			raw = map[string]any{"type": "Microsoft.ContainerService/managedClusters", "properties": map[string]any{"enableRBAC": true, "networkProfile": map[string]any{"networkPlugin": pick("azure", "kubenet")},
				"agentPoolProfiles": []any{map[string]any{"name": "gpu", "vmSize": "Standard_NC24ads_A100_v4", "count": 2.0}}}}
		case 9:
			raw = map[string]any{"type": "Microsoft.KeyVault/vaults", "properties": map[string]any{"enableSoftDelete": true, "enablePurgeProtection": rng.Intn(2) == 0, "enableRbacAuthorization": true}}
		case 10:
			raw = map[string]any{"type": "Microsoft.Network/routeTables", "properties": map[string]any{"routes": []any{map[string]any{"name": "d", "properties": map[string]any{"addressPrefix": "0.0.0.0/0", "nextHopType": "VirtualAppliance"}}}}}
		default:
			raw = map[string]any{"type": "Microsoft.Network/virtualNetworks/subnets", "properties": map[string]any{"addressPrefix": "10.0.1.0/24"}}
		}
		typ := raw["type"].(string)
		name := fmt.Sprintf("r%d", i)
		raw["name"] = name
		if i%12 != 11 {
			raw["location"] = loc
			raw["tags"] = tags
			raw["id"] = base + typ + "/" + name
		} else {
			raw["id"] = base + "Microsoft.Network/virtualNetworks/v" + fmt.Sprint(i) + "/subnets/" + name
		}
		out = append(out, NewResource(raw))
	}
	return out
}

// BenchmarkEvaluateALZ evaluates 150 definitions against 100,000 generated
// resources per op, on all cores. Target: under 10 s per op.
func BenchmarkEvaluateALZ(b *testing.B) {
	bounds := loadALZ(b)
	res := generateResources(100_000)
	env := &Env{Resources: NewResources(res), Brief: true}
	b.ResetTimer()
	for range b.N {
		counts := evaluateAll(bounds, res, env)
		b.ReportMetric(float64(counts[NonCompliant]), "noncompliant")
	}
	b.ReportMetric(float64(len(bounds)), "definitions")
}

func evaluateAll(bounds []*Bound, res []*Resource, env *Env) map[State]int {
	workers := runtime.GOMAXPROCS(0)
	var mu sync.Mutex
	total := map[State]int{}
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Count in a slice, not a map: 15 million map updates would
			// weigh as much as the evaluations being measured.
			var local [len(allStates)]int
			ctx := context.Background()
			for i := w; i < len(res); i += workers {
				for _, bd := range bounds {
					local[stateIndex(bd.Evaluate(ctx, res[i], env).State)]++
				}
			}
			mu.Lock()
			for k, v := range local {
				if v > 0 {
					total[allStates[k]] += v
				}
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	return total
}

var allStates = [...]State{Compliant, NonCompliant, NotApplicable, Skipped, Unknown, Failed}

func stateIndex(s State) int {
	for i, a := range allStates {
		if a == s {
			return i
		}
	}
	panic("unknown state " + s)
}

// TestEvaluateALZSmoke runs the benchmark's workload on a small estate, so
// that the normal test run exercises every ALZ definition end to end, and
// checks that the shortcuts taken when no explanation is asked for (Brief)
// never change an outcome.
func TestEvaluateALZSmoke(t *testing.T) {
	bounds := loadALZ(t)
	res := generateResources(600)
	all := NewResources(res)
	full := &Env{Resources: all}
	brief := &Env{Resources: all, Brief: true}
	counts := evaluateAll(bounds, res, full)
	t.Logf("states: %v", counts)
	if counts[NonCompliant] == 0 || counts[Compliant] == 0 {
		t.Errorf("expected both compliant and non-compliant results, got %v", counts)
	}
	ctx := context.Background()
	for _, r := range res {
		for _, bd := range bounds {
			a, b := bd.Evaluate(ctx, r, full), bd.Evaluate(ctx, r, brief)
			if a.State != b.State || a.Effect != b.Effect || a.Compliant != b.Compliant {
				t.Fatalf("%s on %s: full %s/%q, brief %s/%q", bd.cp.Def.Name, r.ID(), a.State, a.Effect, b.State, b.Effect)
			}
		}
	}
}
