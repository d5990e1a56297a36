package design_test

import (
	"context"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/aizone/aizone/alz"
	"github.com/aizone/aizone/catalog"
	"github.com/aizone/aizone/compliance"
	"github.com/aizone/aizone/design"
	"github.com/aizone/aizone/finding"
	"github.com/aizone/aizone/internal/shared"
	"github.com/aizone/aizone/plan"
	"github.com/aizone/aizone/policy"
	"github.com/aizone/aizone/spec"
)

var (
	once sync.Once
	lib  *alz.Library
	bi   *alz.Builtins
	al   policy.AliasTable
	lerr error
)

// policyAt is the ALZ library's policy in force at a management group.
func policyAt(t *testing.T, mg, region string) *design.Policy {
	t.Helper()
	libDir := shared.Path(t, "corpora", "alz-library", "alz")
	bDir := shared.Path(t, "corpora", "azure-policy")
	alPath := shared.Path(t, "reference", "policy-aliases", "policy-aliases.csv.gz")
	once.Do(func() {
		if lib, lerr = alz.LoadLibrary(libDir); lerr != nil {
			return
		}
		if bi, lerr = alz.LoadBuiltins(bDir); lerr != nil {
			return
		}
		f, err := os.Open(alPath)
		if err != nil {
			lerr = err
			return
		}
		defer f.Close()
		al, lerr = policy.LoadAliasesCSV(f)
	})
	if lerr != nil {
		t.Fatal(lerr)
	}
	eff, err := lib.Effective("alz", mg, alz.Values{"default_location": region})
	if err != nil {
		t.Fatal(err)
	}
	return &design.Policy{Source: &compliance.Source{Library: lib, Builtins: bi, Aliases: al}, Assignments: eff, Scope: mg}
}

// ownHubZone is examples/online-own-hub.yaml placed at mg: no platform
// hub, data from on-premises.
func ownHubZone(t *testing.T, mg string) *spec.Zone {
	t.Helper()
	data, err := os.ReadFile("../examples/online-own-hub.yaml")
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Replace(string(data), "management_group: online", "management_group: "+mg, 1)
	z, err := spec.Parse("online-own-hub.yaml", []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	return z
}

func TestGovernanceDecides(t *testing.T) {
	c, err := catalog.Default()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		mg          string
		gateway     bool   // the zone hub keeps its gateway
		feasible    bool   // the plan is feasible
		deniedBy    string // the policy an error names
		decidedCode bool
	}{
		// Corp denies hybrid networking resources in landing zones: the
		// zone may not own a gateway, and without the platform hub its
		// on-premises data has no path.
		{mg: "corp", gateway: false, feasible: false, deniedBy: "Deny-HybridNetworking", decidedCode: true},
		// Online allows the zone its own gateway.
		{mg: "online", gateway: true, feasible: true},
	}
	for _, tt := range tests {
		t.Run(tt.mg, func(t *testing.T) {
			z := ownHubZone(t, tt.mg)
			if err := plan.Check(z, c); err != nil {
				t.Fatal(err)
			}
			p, err := design.Plan(context.Background(), z, c, plan.Options{AsOf: "2026-11-27"}, policyAt(t, tt.mg, z.Region))
			if err != nil {
				t.Fatal(err)
			}
			if got := p.Network.Hub != nil && p.Network.Hub.GatewayName != ""; got != tt.gateway {
				t.Errorf("zone gateway %v, want %v", got, tt.gateway)
			}
			if p.Feasible() != tt.feasible {
				t.Errorf("feasible %v, want %v: %+v", p.Feasible(), tt.feasible, p.Findings)
			}
			var named, decided bool
			for _, f := range p.Findings {
				if f.Code == design.CodeDenied && f.Severity == finding.Error && strings.Contains(f.Message, tt.deniedBy) {
					named = true
				}
				decided = decided || f.Code == design.CodeDecided
			}
			if tt.deniedBy != "" && !named {
				t.Errorf("no error names %s: %+v", tt.deniedBy, p.Findings)
			}
			if decided != tt.decidedCode {
				t.Errorf("decision recorded %v, want %v", decided, tt.decidedCode)
			}
			// Whatever was chosen, nothing left in it is denied unless the
			// plan says it is infeasible.
			denies, err := design.Denies(context.Background(), p, policyAt(t, tt.mg, z.Region))
			if err != nil {
				t.Fatal(err)
			}
			if p.Feasible() && len(denies) > 0 {
				t.Errorf("feasible plan with %d enforced denies: %+v", len(denies), denies[0])
			}
		})
	}
}

// TestNoPolicyIsPlanMake: without a library the plan is plan.Make's.
func TestNoPolicyIsPlanMake(t *testing.T) {
	c, err := catalog.Default()
	if err != nil {
		t.Fatal(err)
	}
	z := ownHubZone(t, "corp")
	p, err := design.Plan(context.Background(), z, c, plan.Options{AsOf: "2026-11-27"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if p.Network.Hub == nil || p.Network.Hub.GatewayName == "" || !p.Feasible() {
		t.Errorf("without platform policy the zone should own a gateway and be feasible: %+v", p.Findings)
	}
}
