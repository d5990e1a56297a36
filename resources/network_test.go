package resources_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aizone/aizone/armschema"
	"github.com/aizone/aizone/catalog"
	"github.com/aizone/aizone/emit/arm"
	"github.com/aizone/aizone/internal/shared"
	"github.com/aizone/aizone/network"
	"github.com/aizone/aizone/plan"
	"github.com/aizone/aizone/resources"
	"github.com/aizone/aizone/spec"
)

// ownHubZone has no platform hub but reaches on-premises, so the zone owns
// a hub: two VNets, a gateway, a firewall and peerings both ways, which no
// example covers.
const ownHubZone = `
name: northwind-ai
region: eastus
network:
  address_space: [10.70.0.0/20]
  on_premises: [10.0.0.0/12]
  hub: none
placement:
  tags: {workload: assistant}
workloads:
  - name: finetune
    kind: training
    model: llama-3.1-8b
    tokens: 20B
    deadline: 7d
  - name: assistant
    kind: inference
    model: llama-3.1-8b
    requests_per_second: 20
data:
  - name: corpus
    size: 40TB
    origin: on-premises
    transfer_window: 3d
`

func buildZone(t *testing.T, src string) (*plan.Plan, []resources.Resource) {
	t.Helper()
	c, err := catalog.Default()
	if err != nil {
		t.Fatal(err)
	}
	z, err := spec.Parse("zone.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if err := plan.Check(z, c); err != nil {
		t.Fatal(err)
	}
	p := plan.Make(z, c, plan.Options{AsOf: "2026-11-01"})
	return p, resources.Build(p)
}

// TestOwnHubTemplateValidates checks the zone-owned hub's resources against
// the official ARM schemas.
func TestOwnHubTemplateValidates(t *testing.T) {
	p, rs := buildZone(t, ownHubZone)
	if p.Network.Hub == nil || p.Network.Hub.GatewayName == "" || p.Network.Hub.Firewall == "" {
		t.Fatalf("no zone hub planned: %+v", p.Network.Hub)
	}
	v, err := armschema.Load(shared.Path(t, "corpora", "arm-schemas"))
	if err != nil {
		t.Fatal(err)
	}
	data, err := arm.Marshal(arm.Template(rs, nil))
	if err != nil {
		t.Fatal(err)
	}
	var tmpl map[string]any
	if err := json.Unmarshal(data, &tmpl); err != nil {
		t.Fatal(err)
	}
	if _, err := armschema.Without(v.ValidateTemplate(tmpl), armschema.Gaps); err != nil {
		t.Errorf("template does not validate:\n%v", err)
	}
	count := map[string]int{}
	for _, r := range rs {
		count[r.Type]++
	}
	for typ, n := range map[string]int{
		"Microsoft.Network/virtualNetworks":                        2,
		"Microsoft.Network/virtualNetworkGateways":                 1,
		"Microsoft.Network/azureFirewalls":                         1,
		"Microsoft.Network/virtualNetworks/virtualNetworkPeerings": 2,
		"Microsoft.Network/publicIPAddresses":                      2,
	} {
		if count[typ] != n {
			t.Errorf("%d %s, want %d", count[typ], typ, n)
		}
	}
}

// TestHubOptionsValidate plans the zone hub with every reserved subnet and
// Bastion, an ErGwScale gateway sized for 20 Gbps, and a flat AKS network,
// and validates the template.
func TestHubOptionsValidate(t *testing.T) {
	c, err := catalog.Default()
	if err != nil {
		t.Fatal(err)
	}
	z, err := spec.Parse("zone.yaml", []byte(strings.Replace(ownHubZone, "size: 40TB", "size: 400TB", 1)))
	if err != nil {
		t.Fatal(err)
	}
	p := plan.Make(z, c, plan.Options{AsOf: "2026-11-01"})
	opt := network.DefaultOptions(z)
	opt.OwnHub = &network.HubSpec{Gateway: true, Circuits: 16, Firewall: true, Bastion: true, RouteServer: true}
	opt.AKSMode = network.AKSFlat
	p.Network, _ = network.PlanWith(z, c, p.Compute.Pools, p.Storage, opt)
	if p.Network.Hub.ScaleUnits == 0 || !p.Network.Hub.Bastion {
		t.Fatalf("hub %+v", p.Network.Hub)
	}
	v, err := armschema.Load(shared.Path(t, "corpora", "arm-schemas"))
	if err != nil {
		t.Fatal(err)
	}
	data, err := arm.Marshal(arm.Template(resources.Build(p), nil))
	if err != nil {
		t.Fatal(err)
	}
	var tmpl map[string]any
	if err := json.Unmarshal(data, &tmpl); err != nil {
		t.Fatal(err)
	}
	if _, err := armschema.Without(v.ValidateTemplate(tmpl), armschema.Gaps); err != nil {
		t.Errorf("template does not validate:\n%v", err)
	}
	if !strings.Contains(string(data), "Microsoft.Network/bastionHosts") || !strings.Contains(string(data), "autoScaleConfiguration") {
		t.Error("no Bastion host or ErGwScale gateway in the template")
	}
}

// TestNetworkReferences checks that every id the network resources refer
// to in the zone's resource groups names a resource the template deploys:
// subnets, NSGs, route tables, NAT gateways, endpoint targets, DNS zones.
func TestNetworkReferences(t *testing.T) {
	srcs := []string{ownHubZone}
	for _, f := range []string{"small.yaml", "large.yaml", "infeasible.yaml"} {
		data, err := os.ReadFile(filepath.Join("..", "examples", f))
		if err != nil {
			t.Fatal(err)
		}
		srcs = append(srcs, string(data))
	}
	checked := 0
	for _, src := range srcs {
		_, rs := buildZone(t, src)
		have := map[string]bool{}
		for _, r := range rs {
			have[r.Type+"|"+r.Name] = true
			if r.Type == "Microsoft.Network/virtualNetworks" {
				for _, s := range r.Properties["subnets"].([]any) {
					have["Microsoft.Network/virtualNetworks/subnets|"+r.Name+"/"+s.(map[string]any)["name"].(string)] = true
				}
			}
		}
		for _, r := range rs {
			if !strings.HasPrefix(r.Type, "Microsoft.Network/") {
				continue
			}
			data, _ := json.Marshal(r.Properties)
			for _, ref := range resourceIDs(string(data) + strings.Join(r.DependsOn, " ")) {
				checked++
				if !have[ref] {
					t.Errorf("%s %s refers to %s, which the template does not deploy", r.Type, r.Name, ref)
				}
			}
		}
	}
	if checked < 50 {
		t.Errorf("only %d references checked", checked)
	}
}

// resourceIDs extracts "type|name" from resourceId('rg', 'type', 'n1', ...)
// expressions.
func resourceIDs(s string) []string {
	var out []string
	for _, part := range strings.Split(s, "resourceId(")[1:] {
		end := strings.Index(part, ")")
		if end < 0 {
			continue
		}
		var args []string
		for _, a := range strings.Split(part[:end], ",") {
			args = append(args, strings.Trim(strings.TrimSpace(a), "'"))
		}
		if len(args) < 3 {
			continue
		}
		typ, names := args[1], args[2:]
		out = append(out, typ+"|"+strings.Join(names, "/"))
	}
	return out
}
