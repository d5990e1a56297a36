package resources

import (
	"strconv"

	"github.com/aizone/aizone/network"
)

// firewallPolicy deploys the policy of the zone-owned firewall: one rule
// collection group per egress rule group of the plan (AKS, GPU, Lustre,
// ...), in the plan's priority order, each holding a network and an
// application rule collection as its rules need. It returns the policy's
// id, for the firewall's firewallPolicy, and the ids the firewall must wait
// for: the policy and every rule collection group, so that the firewall
// never runs with half its rules.
//
// The policy's tier matches the firewall's (Azure refuses a mismatch).
// Threat intelligence denies: the zone's egress is an allowlist of
// well-known hosts, so a destination on Microsoft's threat feed is an
// incident to stop, not traffic to let through with an alert. DNS proxy is
// on so that the firewall resolves FQDNs in network rules the way its
// clients do, once the platform points the VNets' DNS at it.
func (b *builder) firewallPolicy(h *network.Hub, tags map[string]string) (policyID string, deps []string) {
	name := "afwp-" + b.zone + "-" + h.Region
	policyID = b.netID("firewallPolicies", name)
	b.add(Resource{Type: netPrefix + "firewallPolicies", Name: name, Location: h.Region, Tags: tags, ResourceGroup: b.rgNet,
		Properties: map[string]any{
			"sku":             map[string]any{"tier": h.FirewallTier},
			"threatIntelMode": "Deny",
			"dnsSettings":     map[string]any{"enableProxy": true},
		}})
	deps = []string{policyID}
	for _, g := range ruleGroups(b.p.Network.EgressRules) {
		id := b.netID("firewallPolicies/ruleCollectionGroups", name, g.name)
		// Azure updates one rule collection group of a policy at a time and
		// fails concurrent writes, so each group waits for the one before.
		b.add(Resource{Type: netPrefix + "firewallPolicies/ruleCollectionGroups", Name: name + "/" + g.name, ResourceGroup: b.rgNet,
			DependsOn:  []string{deps[len(deps)-1]},
			Properties: map[string]any{"priority": g.priority, "ruleCollections": g.collections()}})
		deps = append(deps, id)
	}
	return policyID, deps
}

// ruleGroup is the rules of one egress rule group, split by rule type: a
// rule collection holds rules of one type only.
type ruleGroup struct {
	name          string
	priority      int
	network, apps []any
}

// ruleGroups groups the plan's rules by collection, in the plan's order
// (which is by priority).
func ruleGroups(rules []network.EgressRule) []*ruleGroup {
	var out []*ruleGroup
	byName := map[string]*ruleGroup{}
	for _, r := range rules {
		g := byName[r.Collection]
		if g == nil {
			g = &ruleGroup{name: r.Collection, priority: r.Priority}
			byName[r.Collection] = g
			out = append(out, g)
		}
		// The plan keeps the full reason and its documentation; the rule
		// carries a short one.
		rule := map[string]any{"name": r.Name, "description": shorten(r.Reason, maxRuleDescription), "sourceAddresses": r.Sources}
		if r.Kind == network.RuleNetwork {
			rule["ruleType"] = "NetworkRule"
			rule["ipProtocols"] = r.Protocols
			rule["destinationAddresses"] = r.Destinations
			rule["destinationPorts"] = r.Ports
			g.network = append(g.network, rule)
			continue
		}
		rule["ruleType"] = "ApplicationRule"
		var protocols []any
		for i, p := range r.Protocols {
			port, err := strconv.Atoi(r.Ports[i])
			if err != nil {
				panic("resources: application rule " + r.Name + " has port " + r.Ports[i])
			}
			protocols = append(protocols, map[string]any{"protocolType": p, "port": port})
		}
		rule["protocols"] = protocols
		if len(r.FQDNTags) > 0 {
			rule["fqdnTags"] = r.FQDNTags
		} else {
			rule["targetFqdns"] = r.FQDNs
		}
		g.apps = append(g.apps, rule)
	}
	return out
}

// collections are the group's rule collections: network rules first (the
// firewall evaluates network rules before application rules anyway).
func (g *ruleGroup) collections() []any {
	var out []any
	add := func(kind string, priority int, rules []any) {
		if len(rules) == 0 {
			return
		}
		out = append(out, map[string]any{
			"ruleCollectionType": "FirewallPolicyFilterRuleCollection",
			"name":               g.name + "-" + kind,
			"priority":           priority,
			"action":             map[string]any{"type": "Allow"},
			"rules":              rules,
		})
	}
	add(network.RuleNetwork, 100, g.network)
	add(network.RuleApplication, 200, g.apps)
	return out
}
