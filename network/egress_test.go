package network

import (
	"encoding/json"
	"net/netip"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/aizone/aizone/compute"
	"github.com/aizone/aizone/spec"
	"github.com/aizone/aizone/storage"
	"github.com/aizone/aizone/units"
)

const (
	hpcImage  = "microsoft-dsvm:ubuntu-hpc:2204:latest"
	workspace = "/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg-mgmt/providers/Microsoft.OperationalInsights/workspaces/law-platform"
)

func pool(workload, orch, gpu string) compute.Pool {
	pl := compute.Pool{Workload: workload, Kind: "training", SKU: "Standard_D64ds_v5", Region: "eastus", Nodes: 4, Orchestrator: orch, ImageURN: hpcImage}
	if gpu != "" {
		pl.SKU, pl.GPU, pl.ImageStack = "Standard_ND96isr_H100_v5", gpu, "nvidia"
	}
	if orch == compute.OrchestratorAKS {
		pl.ImageURN, pl.ImageStack = "", "aks-nvidia"
		if gpu == "" {
			pl.ImageStack = ""
		}
	}
	return pl
}

// egressGroups returns the rule groups and the rule names of a plan, each
// sorted.
func egressGroups(r Result) (groups, names []string) {
	seen := map[string]bool{}
	for _, e := range r.EgressRules {
		if !seen[e.Collection] {
			seen[e.Collection] = true
			groups = append(groups, e.Collection)
		}
		names = append(names, e.Name)
	}
	sort.Strings(groups)
	sort.Strings(names)
	return groups, names
}

// TestEgressGroups: which rule groups and rules a zone needs follows from
// its orchestrators, GPUs, hot tier and diagnostics, whatever its egress.
func TestEgressGroups(t *testing.T) {
	lustre := storage.Result{HotTier: storage.HotTier{Kind: "lustre", CapacityTiB: 48, SubnetPrefix: 25}, Account: storage.BlobAccount{Name: "staitest123456"}}
	netapp := storage.Result{HotTier: storage.HotTier{Kind: "netapp"}, Account: storage.BlobAccount{Name: "staitest123456"}}
	blob := storage.Result{Account: storage.BlobAccount{Name: "staitest123456"}}
	diagnostics := func(z *spec.Zone) { z.Placement.LogAnalytics = workspace }
	ownHub := func(z *spec.Zone) {
		noHub(z)
		z.Data = []spec.Data{{Name: "corpus", Size: 40 * units.TB, Origin: "on-premises", TransferWindow: 3 * units.Day}}
	}
	amd := pool("serve", compute.OrchestratorAKS, "MI300X")
	amd.ImageStack = "aks-amd"
	tests := []struct {
		name   string
		zone   func(*spec.Zone)
		pools  []compute.Pool
		st     storage.Result
		egress string
		groups []string
		names  []string
	}{
		{"AKS GPU inference behind the platform firewall", nil,
			[]compute.Pool{pool("serve", compute.OrchestratorAKS, "H100")}, blob, EgressHubFirewall,
			[]string{EgressAKS, EgressGPU},
			[]string{"aks-azure-policy", "aks-fqdn-tag", "aks-gpu-driver", "aks-nvidia-device-plugin", "aks-required-fqdns"}},
		{"AKS CPU and AMD pools need no NVIDIA rules", nil,
			[]compute.Pool{pool("prep", compute.OrchestratorAKS, ""), amd}, blob, EgressHubFirewall,
			[]string{EgressAKS},
			[]string{"aks-azure-policy", "aks-fqdn-tag", "aks-required-fqdns"}},
		{"Slurm GPU training on Lustre with diagnostics", diagnostics,
			[]compute.Pool{pool("train", compute.OrchestratorSlurm, "H100")}, lustre, EgressHubFirewall,
			[]string{EgressGPU, EgressLustre, EgressMonitor, EgressPackages},
			[]string{"azure-monitor-agent", "lustre-client-packages", "lustre-dependencies", "lustre-microsoft-fqdns", "lustre-ntp", "lustre-other-fqdns",
				"ngc-containers", "python-packages", "ubuntu-archives"}},
		{"Slurm without diagnostics: no monitor group", nil,
			[]compute.Pool{pool("train", compute.OrchestratorSlurm, "H100")}, netapp, EgressHubFirewall,
			[]string{EgressGPU, EgressPackages},
			[]string{"ngc-containers", "python-packages", "ubuntu-archives"}},
		{"Batch CPU behind a NAT gateway, diagnostics do not reach Batch nodes", func(z *spec.Zone) { noHub(z); diagnostics(z) },
			[]compute.Pool{pool("prep", compute.OrchestratorBatch, "")}, blob, EgressNAT,
			[]string{EgressBatch, EgressPackages},
			[]string{"batch-node-management-eastus", "python-packages", "ubuntu-archives"}},
		{"scale set with a non-Ubuntu image: no Ubuntu archives", nil,
			[]compute.Pool{func() compute.Pool {
				pl := pool("train", compute.OrchestratorVMSS, "H100")
				pl.ImageURN = "almalinux:almalinux-hpc:9-hpc-gen2:latest"
				return pl
			}()}, blob, EgressHubFirewall,
			[]string{EgressGPU, EgressPackages},
			[]string{"ngc-containers", "python-packages"}},
		{"every group behind the zone's own firewall", func(z *spec.Zone) { ownHub(z); diagnostics(z) },
			testPoolsWithImages(), lustre, EgressZoneFirewall,
			[]string{EgressAKS, EgressBatch, EgressGPU, EgressLustre, EgressMonitor, EgressPackages}, nil},
		{"no pools, no hot tier: nothing to let out", nil, nil, blob, EgressHubFirewall, nil, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			z := testZone(tc.zone)
			r, fs := Plan(z, testCatalog(t), tc.pools, tc.st)
			noErrors(t, fs)
			if r.Egress.Kind != tc.egress {
				t.Fatalf("egress %s, want %s", r.Egress.Kind, tc.egress)
			}
			if r.EgressRules == nil {
				t.Fatal("EgressRules is nil; want a list, empty or not")
			}
			groups, names := egressGroups(r)
			if !reflect.DeepEqual(groups, tc.groups) {
				t.Errorf("groups %v, want %v", groups, tc.groups)
			}
			if tc.names != nil && !reflect.DeepEqual(names, tc.names) {
				t.Errorf("rules %v, want %v", names, tc.names)
			}
			checkEgressRules(t, r)
		})
	}
}

// testPoolsWithImages are testPools with the GPUs and images the compute
// engine gives them: Slurm and AKS GPU pools, a CPU Batch pool.
func testPoolsWithImages() []compute.Pool {
	ps := testPools()
	for i := range ps {
		ps[i].ImageURN = hpcImage
		switch ps[i].Orchestrator {
		case compute.OrchestratorSlurm:
			ps[i].GPU, ps[i].ImageStack = "H100", "nvidia"
		case compute.OrchestratorAKS:
			ps[i].GPU, ps[i].ImageStack, ps[i].ImageURN = "H100", "aks-nvidia", ""
		}
	}
	return ps
}

// checkEgressRules checks what every rule must carry: documentation,
// reason, sources that are subnets of the zone's spokes, a well-formed
// destination, and one priority per group.
func checkEgressRules(t *testing.T, r Result) {
	t.Helper()
	subnets := map[string]string{}
	for _, v := range r.VNets {
		if v.Role != "spoke" {
			continue
		}
		for _, s := range v.Subnets {
			subnets[s.Prefix] = s.Name
		}
	}
	priority := map[string]int{}
	names := map[string]bool{}
	for _, e := range r.EgressRules {
		id := e.Collection + "/" + e.Name
		if !strings.HasPrefix(e.Source, "https://") || e.Reason == "" {
			t.Errorf("%s: source %q reason %q", id, e.Source, e.Reason)
		}
		if len(e.Sources) == 0 {
			t.Errorf("%s: no source prefixes", id)
		}
		for _, src := range e.Sources {
			if _, err := netip.ParsePrefix(src); err != nil || subnets[src] == "" {
				t.Errorf("%s: source %s is not a subnet of the zone's spokes", id, src)
			}
		}
		if names[id] {
			t.Errorf("%s: listed twice", id)
		}
		names[id] = true
		if p, ok := priority[e.Collection]; ok && p != e.Priority {
			t.Errorf("%s: priority %d, its group has %d", id, e.Priority, p)
		}
		priority[e.Collection] = e.Priority
		switch e.Kind {
		case RuleApplication:
			if (len(e.FQDNs) == 0) == (len(e.FQDNTags) == 0) || len(e.Destinations) > 0 {
				t.Errorf("%s: application rule needs FQDNs or FQDN tags, not both: %+v", id, e)
			}
			if len(e.Protocols) == 0 || len(e.Protocols) != len(e.Ports) {
				t.Errorf("%s: protocols %v and ports %v do not pair", id, e.Protocols, e.Ports)
			}
		case RuleNetwork:
			if len(e.Destinations) == 0 || len(e.FQDNs)+len(e.FQDNTags) > 0 || len(e.Protocols) == 0 || len(e.Ports) == 0 {
				t.Errorf("%s: network rule needs destinations, protocols and ports: %+v", id, e)
			}
		default:
			t.Errorf("%s: kind %q", id, e.Kind)
		}
	}
	for i := 1; i < len(r.EgressRules); i++ {
		if r.EgressRules[i].Priority < r.EgressRules[i-1].Priority {
			t.Errorf("rules not in priority order at %s", r.EgressRules[i].Name)
		}
	}
}

// TestEgressRulesDeterministic: the same zone gives byte-identical rules.
func TestEgressRulesDeterministic(t *testing.T) {
	z := testZone(func(z *spec.Zone) { z.Placement.LogAnalytics = workspace })
	pools := append(testPoolsWithImages(), compute.Pool{Workload: "west", Kind: "training", SKU: "Standard_D64ds_v5", Region: "westus3", Nodes: 2,
		Orchestrator: compute.OrchestratorBatch, ImageURN: hpcImage})
	z.Workloads = append(z.Workloads, spec.Workload{Name: "west"})
	first, _ := Plan(z, testCatalog(t), pools, testStorage())
	want, _ := json.Marshal(first.EgressRules)
	for range 10 {
		r, _ := Plan(z, testCatalog(t), pools, testStorage())
		if got, _ := json.Marshal(r.EgressRules); string(got) != string(want) {
			t.Fatalf("rules changed between runs:\n%s\n%s", want, got)
		}
	}
	var batch []string
	for _, e := range first.EgressRules {
		if e.Collection == EgressBatch {
			batch = append(batch, e.Destinations...)
		}
	}
	if !reflect.DeepEqual(batch, []string{"BatchNodeManagement.eastus", "BatchNodeManagement.westus3"}) {
		t.Errorf("Batch rules %v, want one per pool region, sorted", batch)
	}
}
