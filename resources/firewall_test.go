package resources_test

import (
	"os"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/aizone/aizone/armschema"
	"github.com/aizone/aizone/internal/shared"
	"github.com/aizone/aizone/network"
	"github.com/aizone/aizone/resources"
)

const (
	firewallType = "Microsoft.Network/azureFirewalls"
	policyType   = "Microsoft.Network/firewallPolicies"
	groupType    = "Microsoft.Network/firewallPolicies/ruleCollectionGroups"
)

// ownHubZones are zones with no platform hub that reach on-premises, so
// they own a hub and its firewall: the resources test's zone (Batch and
// AKS) and the network tests' (Slurm on Lustre, AKS, diagnostics).
func ownHubZones(t *testing.T) map[string]string {
	t.Helper()
	data, err := os.ReadFile("../network/testdata/egress-own-hub.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return map[string]string{"ownHubZone": ownHubZone, "egress-own-hub.yaml": string(data)}
}

// TestFirewallPolicy: the zone-owned firewall references its policy and
// waits for it and every rule collection group; it carries no classic rule
// collections; the policy's rule collection groups hold exactly the plan's
// egress rules, one group per rule group, chained so Azure writes them one
// at a time; and the template validates against the official schemas.
func TestFirewallPolicy(t *testing.T) {
	v, err := armschema.Load(shared.Path(t, "corpora", "arm-schemas"))
	if err != nil {
		t.Fatal(err)
	}
	for name, src := range ownHubZones(t) {
		t.Run(name, func(t *testing.T) {
			p, rs := buildZone(t, src)
			hub := p.Network.Hub
			if hub == nil || hub.Firewall == "" || len(p.Network.EgressRules) == 0 {
				t.Fatalf("no zone firewall or no egress rules: %+v", hub)
			}
			byType := map[string][]resources.Resource{}
			for _, r := range rs {
				byType[r.Type] = append(byType[r.Type], r)
			}
			if len(byType[firewallType]) != 1 || len(byType[policyType]) != 1 {
				t.Fatalf("%d firewalls, %d policies; want one each", len(byType[firewallType]), len(byType[policyType]))
			}
			fw, policy := byType[firewallType][0], byType[policyType][0]
			policyID := "resourceId('" + fw.ResourceGroup + "', '" + policyType + "', '" + policy.Name + "')"
			groupID := func(g resources.Resource) string {
				return "resourceId('" + g.ResourceGroup + "', '" + groupType + "', '" + strings.Replace(g.Name, "/", "', '", 1) + "')"
			}

			// The firewall.
			ref, _ := fw.Properties["firewallPolicy"].(map[string]any)
			if ref["id"] != "["+policyID+"]" {
				t.Errorf("firewallPolicy %v, want the id of %s", ref, policy.Name)
			}
			for _, classic := range []string{"applicationRuleCollections", "networkRuleCollections", "natRuleCollections", "threatIntelMode"} {
				if _, ok := fw.Properties[classic]; ok {
					t.Errorf("the firewall still carries %s; its policy holds that now", classic)
				}
			}
			deps := strings.Join(fw.DependsOn, " ")
			if !strings.Contains(deps, policyID) {
				t.Errorf("firewall does not depend on its policy: %v", fw.DependsOn)
			}
			for _, g := range byType[groupType] {
				if !strings.Contains(deps, groupID(g)) {
					t.Errorf("firewall does not depend on rule collection group %s", g.Name)
				}
			}

			// The policy.
			pp := policy.Properties
			if sku, _ := pp["sku"].(map[string]any); sku["tier"] != hub.FirewallTier {
				t.Errorf("policy sku %v, firewall tier %s", pp["sku"], hub.FirewallTier)
			}
			if m := pp["threatIntelMode"]; m != "Alert" && m != "Deny" {
				t.Errorf("threatIntelMode %v", m)
			}
			if dns, _ := pp["dnsSettings"].(map[string]any); dns["enableProxy"] != true {
				t.Errorf("dnsSettings %v, want the DNS proxy on", pp["dnsSettings"])
			}

			// The rule collection groups: the plan's groups, in its order,
			// each after the one before.
			var wantGroups []string
			priority := map[string]int{}
			for _, e := range p.Network.EgressRules {
				if _, ok := priority[e.Collection]; !ok {
					wantGroups = append(wantGroups, policy.Name+"/"+e.Collection)
				}
				priority[e.Collection] = e.Priority
			}
			groups := map[string]resources.Resource{}
			var gotGroups []string
			for _, g := range byType[groupType] {
				groups[g.Name] = g
				gotGroups = append(gotGroups, g.Name)
			}
			sort.Strings(gotGroups)
			if sorted := slices.Sorted(slices.Values(wantGroups)); !slices.Equal(gotGroups, sorted) {
				t.Errorf("rule collection groups %v, want %v", gotGroups, wantGroups)
			}
			for i, name := range wantGroups {
				g := groups[name]
				if got, want := g.Properties["priority"], priority[strings.TrimPrefix(name, policy.Name+"/")]; got != want {
					t.Errorf("%s: priority %v, want %d", name, got, want)
				}
				prev := policyID
				if i > 0 {
					prev = groupID(groups[wantGroups[i-1]])
				}
				if !strings.Contains(strings.Join(g.DependsOn, " "), prev) {
					t.Errorf("%s depends on %v, want %s", name, g.DependsOn, prev)
				}
			}

			// Exactly the plan's rules.
			want := map[string]string{}
			for _, e := range p.Network.EgressRules {
				want[e.Name] = planRule(e)
			}
			got := map[string]string{}
			for _, g := range byType[groupType] {
				group := strings.TrimPrefix(g.Name, policy.Name+"/")
				for _, c := range g.Properties["ruleCollections"].([]any) {
					coll := c.(map[string]any)
					if coll["ruleCollectionType"] != "FirewallPolicyFilterRuleCollection" || coll["action"].(map[string]any)["type"] != "Allow" {
						t.Errorf("%s: collection %v", g.Name, coll)
					}
					for _, r := range coll["rules"].([]any) {
						rule := r.(map[string]any)
						name := rule["name"].(string)
						if _, dup := got[name]; dup {
							t.Errorf("rule %s twice", name)
						}
						got[name] = templateRule(group, rule)
						if d, _ := rule["description"].(string); d == "" || len(d) > 140 {
							t.Errorf("%s: description %q", name, d)
						}
					}
				}
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("rules differ from the plan:\n got %v\nwant %v", got, want)
			}

			// The official schemas accept them. (Each resource on its own:
			// the whole template is TestOwnHubTemplateValidates's.)
			for _, r := range append([]resources.Resource{fw, policy}, byType[groupType]...) {
				if err := v.Validate(r.Map()); err != nil {
					t.Errorf("%s %s does not validate:\n%v", r.Type, r.Name, err)
				}
			}
		})
	}
}

// planRule and templateRule spell a rule the same way from the plan and
// from the template, for comparison.
func planRule(e network.EgressRule) string {
	dest := append(append(append([]string{}, e.FQDNs...), e.FQDNTags...), e.Destinations...)
	return strings.Join([]string{e.Collection, e.Kind, strings.Join(e.Sources, ","), strings.Join(dest, ","),
		strings.Join(e.Protocols, ","), strings.Join(e.Ports, ",")}, " | ")
}

func templateRule(group string, r map[string]any) string {
	strs := func(key string) []string {
		var out []string
		switch v := r[key].(type) {
		case []string:
			out = v
		case []any:
			for _, x := range v {
				out = append(out, x.(string))
			}
		}
		return out
	}
	kind, dest := network.RuleApplication, append(strs("targetFqdns"), strs("fqdnTags")...)
	protocols, ports := strs("ipProtocols"), strs("destinationPorts")
	if r["ruleType"] == "NetworkRule" {
		kind, dest = network.RuleNetwork, strs("destinationAddresses")
	} else {
		for _, p := range r["protocols"].([]any) {
			p := p.(map[string]any)
			protocols = append(protocols, p["protocolType"].(string))
			ports = append(ports, strconv.Itoa(p["port"].(int)))
		}
	}
	return strings.Join([]string{group, kind, strings.Join(strs("sourceAddresses"), ","), strings.Join(dest, ","),
		strings.Join(protocols, ","), strings.Join(ports, ",")}, " | ")
}

// TestNoZoneFirewallNoPolicy: behind the platform's firewall the zone
// deploys no firewall or policy, yet its plan still lists the egress the
// platform team must allow.
func TestNoZoneFirewallNoPolicy(t *testing.T) {
	data, err := os.ReadFile("../examples/small.yaml")
	if err != nil {
		t.Fatal(err)
	}
	p, rs := buildZone(t, string(data))
	for _, r := range rs {
		if r.Type == firewallType || r.Type == policyType || r.Type == groupType {
			t.Errorf("%s %s deployed behind the platform's firewall", r.Type, r.Name)
		}
	}
	if p.Network.Egress.Kind != network.EgressHubFirewall || len(p.Network.EgressRules) == 0 {
		t.Errorf("egress %s with %d rules; want the platform firewall and the rules it must allow", p.Network.Egress.Kind, len(p.Network.EgressRules))
	}
}
