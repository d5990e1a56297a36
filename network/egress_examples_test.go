package network_test

import (
	"reflect"
	"slices"
	"sort"
	"testing"

	"github.com/aizone/aizone/catalog"
	"github.com/aizone/aizone/network"
	"github.com/aizone/aizone/plan"
	"github.com/aizone/aizone/spec"
)

// TestEgressExamples plans the example zones, and a zone that owns its hub
// (testdata), through the whole pipeline and checks which rule groups each
// needs for its orchestrators and hot tier, and that every rule is
// documented and applies to the zone's own subnets.
func TestEgressExamples(t *testing.T) {
	c, err := catalog.Default()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		file   string
		egress string
		groups []string // sorted, without EgressMonitor
		// scaleSets: the zone has scale-set or Slurm pools, so sending
		// diagnostics to a workspace adds the monitor group.
		scaleSets bool
	}{
		// Batch (GPU) on local NVMe, no hub: a NAT gateway, but the rules
		// still say what a firewall would have to allow.
		{"../examples/infeasible.yaml", network.EgressNAT, []string{network.EgressBatch, network.EgressGPU, network.EgressPackages}, false},
		// Batch GPU training and AKS GPU inference.
		{"../examples/small.yaml", network.EgressHubFirewall, []string{network.EgressAKS, network.EgressBatch, network.EgressGPU, network.EgressPackages}, false},
		// Slurm, AKS and a CPU Batch pool on Managed Lustre sized to the
		// working set.
		{"../examples/large.yaml", network.EgressHubFirewall, []string{network.EgressAKS, network.EgressBatch, network.EgressGPU, network.EgressLustre, network.EgressPackages}, true},
		// Slurm on Managed Lustre.
		{"../examples/lustre-slurm.yaml", network.EgressHubFirewall, []string{network.EgressGPU, network.EgressLustre, network.EgressPackages}, true},
		// AKS only, in two regions, and with the zone's own hub.
		{"../examples/two-region-inference.yaml", network.EgressHubFirewall, []string{network.EgressAKS, network.EgressGPU}, false},
		{"../examples/online-own-hub.yaml", network.EgressZoneFirewall, []string{network.EgressAKS, network.EgressGPU}, false},
		// Slurm on Lustre, AKS, diagnostics, zone-owned hub: all but Batch.
		{"testdata/egress-own-hub.yaml", network.EgressZoneFirewall, []string{network.EgressAKS, network.EgressGPU, network.EgressLustre, network.EgressPackages}, true},
	} {
		t.Run(tc.file, func(t *testing.T) {
			z, err := spec.LoadFile(tc.file)
			if err != nil {
				t.Fatal(err)
			}
			n := plan.Make(z, c, plan.Options{AsOf: "2026-11-01"}).Network
			if n.Egress.Kind != tc.egress {
				t.Errorf("egress %s, want %s", n.Egress.Kind, tc.egress)
			}
			if tc.egress == network.EgressZoneFirewall && (n.Hub == nil || n.Hub.Firewall == "") {
				t.Fatalf("no zone-owned firewall: %+v", n.Hub)
			}
			seen := map[string]bool{}
			var groups []string
			for _, e := range n.EgressRules {
				if !seen[e.Collection] {
					seen[e.Collection] = true
					groups = append(groups, e.Collection)
				}
			}
			sort.Strings(groups)
			want := tc.groups
			if tc.scaleSets && z.Placement.LogAnalytics != "" {
				want = append(slices.Clone(want), network.EgressMonitor)
				sort.Strings(want)
			}
			if !reflect.DeepEqual(groups, want) {
				t.Errorf("groups %v, want %v", groups, want)
			}
			network.CheckEgressRules(t, n)
		})
	}
}
