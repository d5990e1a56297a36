package policy

import (
	"context"
	"strings"
	"testing"

	"github.com/aizone/aizone/policy/policytest"
)

// routeNextHop is modelled on the route-table policy of
// fawohlsc/azure-policy-testing (its logic, written anew): a default route
// must point to the virtual appliance of its region, whose address a
// parameter gives per location. A route created on its own has no location:
// the rule reads its route table's, as Azure does.
const routeNextHop = `{"name": "route-next-hop", "properties": {"mode": "All",
  "parameters": {"routeTableSettings": {"type": "Object"}},
  "policyRule": {"if": {"anyOf": [
    {"allOf": [
      {"field": "type", "equals": "Microsoft.Network/routeTables"},
      {"count": {"field": "Microsoft.Network/routeTables/routes[*]", "where": {"allOf": [
        {"field": "Microsoft.Network/routeTables/routes[*].addressPrefix", "equals": "0.0.0.0/0"},
        {"anyOf": [
          {"field": "Microsoft.Network/routeTables/routes[*].nextHopType", "notEquals": "VirtualAppliance"},
          {"field": "Microsoft.Network/routeTables/routes[*].nextHopIpAddress", "notEquals": "[parameters('routeTableSettings')[field('location')].virtualApplianceIpAddress]"}]}]}},
       "greater": 0}]},
    {"allOf": [
      {"field": "type", "equals": "Microsoft.Network/routeTables/routes"},
      {"field": "Microsoft.Network/routeTables/routes/addressPrefix", "equals": "0.0.0.0/0"},
      {"anyOf": [
        {"field": "Microsoft.Network/routeTables/routes/nextHopType", "notEquals": "VirtualAppliance"},
        {"field": "Microsoft.Network/routeTables/routes/nextHopIpAddress", "notEquals": "[parameters('routeTableSettings')[field('location')].virtualApplianceIpAddress]"}]}]}]},
  "then": {"effect": "deny"}}}}`

// TestChildInheritsParentLocation: a child resource without a location or
// tags of its own is evaluated with its parent's (Azure/azure-policy#122).
func TestChildInheritsParentLocation(t *testing.T) {
	d, err := ParseDefinition([]byte(routeNextHop))
	if err != nil {
		t.Fatal(err)
	}
	cp, err := Compile(d, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, err := cp.Bind(map[string]any{"routeTableSettings": map[string]any{
		"eastus":     map[string]any{"virtualApplianceIpAddress": "10.0.0.4"},
		"westeurope": map[string]any{"virtualApplianceIpAddress": "10.1.0.4"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	const rt = "/subscriptions/s1/resourceGroups/rg1/providers/Microsoft.Network/routeTables/rt1"
	table := NewResource(map[string]any{"id": rt, "name": "rt1", "type": "Microsoft.Network/routeTables", "location": "westeurope",
		"tags": map[string]any{"env": "prod"}, "properties": map[string]any{"routes": []any{}}})
	route := func(hopType, ip string) *Resource {
		return NewResource(policytest.JSONRoundTrip(t, map[string]any{
			"id": rt + "/routes/default", "name": "default", "type": "Microsoft.Network/routeTables/routes",
			"properties": map[string]any{"addressPrefix": "0.0.0.0/0", "nextHopType": hopType, "nextHopIpAddress": ip},
		}).(map[string]any))
	}
	for _, tc := range []struct {
		name   string
		route  *Resource
		parent bool
		state  State
	}{
		{"valid route", route("VirtualAppliance", "10.1.0.4"), true, Compliant},
		{"the appliance of another region", route("VirtualAppliance", "10.0.0.4"), true, NonCompliant},
		{"to the internet", route("Internet", ""), true, NonCompliant},
		// Without its route table the engine cannot know the location,
		// and says so rather than guess.
		{"route table unknown", route("VirtualAppliance", "10.1.0.4"), false, Failed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			all := []*Resource{tc.route}
			if tc.parent {
				all = append(all, table)
			}
			r := b.Evaluate(context.Background(), tc.route, &Env{Resources: NewResources(all)})
			if r.State != tc.state {
				t.Fatalf("state %s, want %s (%s; %v)", r.State, tc.state, r.Error, r.Reasons)
			}
		})
	}
	// The route table itself, with its routes inside, reads its own
	// location.
	table.Raw["properties"] = map[string]any{"routes": []any{map[string]any{"name": "default",
		"properties": map[string]any{"addressPrefix": "0.0.0.0/0", "nextHopType": "VirtualAppliance", "nextHopIpAddress": "10.0.0.4"}}}}
	if r := b.Evaluate(context.Background(), NewResource(table.Raw), &Env{}); r.State != NonCompliant {
		t.Errorf("route table with the other region's appliance: %s (%s)", r.State, r.Error)
	}
}

// TestChildInheritsParentTags: fields location and tags, and field() of
// them, read the parent's for a child that has none; a child type with
// its own (a SQL database) and a child with its own location do not.
func TestChildInheritsParentTags(t *testing.T) {
	const vnet = "/subscriptions/s1/resourceGroups/rg1/providers/Microsoft.Network/virtualNetworks/vnet1"
	parent := NewResource(map[string]any{"id": vnet, "name": "vnet1", "type": "Microsoft.Network/virtualNetworks", "location": "eastus",
		"tags": map[string]any{"costCenter": "42"}})
	subnet := NewResource(map[string]any{"id": vnet + "/subnets/s1", "name": "s1", "type": "Microsoft.Network/virtualNetworks/subnets",
		"properties": map[string]any{"addressPrefix": "10.0.0.0/24"}})
	const srv = "/subscriptions/s1/resourceGroups/rg1/providers/Microsoft.Sql/servers/sql1"
	server := NewResource(map[string]any{"id": srv, "name": "sql1", "type": "Microsoft.Sql/servers", "location": "eastus",
		"tags": map[string]any{"costCenter": "42"}})
	db := NewResource(map[string]any{"id": srv + "/databases/db1", "name": "db1", "type": "Microsoft.Sql/servers/databases", "location": "eastus"})
	env := &Env{Resources: NewResources([]*Resource{parent, subnet, server, db})}
	for _, tc := range []struct {
		name string
		res  *Resource
		cond string
		want bool
	}{
		{"subnet location", subnet, `{"field": "location", "equals": "eastus"}`, true},
		{"subnet tag", subnet, `{"field": "tags['costCenter']", "equals": "42"}`, true},
		{"subnet tags exist", subnet, `{"field": "tags", "exists": true}`, true},
		{"subnet field() of a tag", subnet, `{"value": "[field('tags.costCenter')]", "equals": "42"}`, true},
		{"database keeps its own (no) tags", db, `{"field": "tags['costCenter']", "exists": false}`, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, err := ParseDefinition([]byte(`{"properties": {"mode": "All", "policyRule": {"if": ` + tc.cond + `, "then": {"effect": "audit"}}}}`))
			if err != nil {
				t.Fatal(err)
			}
			cp, err := Compile(d, nil)
			if err != nil {
				t.Fatal(err)
			}
			r := Evaluate(context.Background(), cp, nil, tc.res, env)
			if got := r.State == NonCompliant; got != tc.want {
				t.Errorf("condition held: %v, want %v (%s %s)", got, tc.want, r.State, strings.Join(r.Reasons, "; "))
			}
		})
	}
	for id, want := range map[string]string{
		vnet + "/subnets/s1": vnet,
		vnet:                 "",
		"/subscriptions/s1/resourceGroups/rg1/providers/Microsoft.KeyVault/vaults/kv/providers/Microsoft.Insights/diagnosticSettings/d": "",
		"/subscriptions/s1/resourceGroups/rg1/providers/Microsoft.Network/routeTables/rt/routes/r":                                      "/subscriptions/s1/resourceGroups/rg1/providers/Microsoft.Network/routeTables/rt",
	} {
		if got := parentID(id); got != want {
			t.Errorf("parentID(%s) = %q, want %q", id, got, want)
		}
	}
}
