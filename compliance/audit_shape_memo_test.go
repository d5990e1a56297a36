package compliance

import (
	"fmt"
	"testing"
)

// TestAuditBytesMemoTellsApart: resources whose bytes are alike but
// for their id must still be told apart when a rule reads what only the
// id says: the id itself, the resource group (resourceGroup()), or the parent a child
// without a location of its own is evaluated with; and resources that
// differ in one tag, when a rule reads that tag. Storage accounts here
// differ only in their group, subnets only in their virtual network,
// whose location decides a rule; the findings with the memo of bytes
// must be those without any memo.
func TestAuditBytesMemoTellsApart(t *testing.T) {
	defs := map[string]string{
		"rg-b": `{"if": {"allOf": [{"field": "type", "equals": "Microsoft.Storage/storageAccounts"}, {"value": "[resourceGroup().name]", "equals": "rg-b"}]}, "then": {"effect": "audit"}}`,
		"id":   `{"if": {"allOf": [{"field": "type", "equals": "Microsoft.Storage/storageAccounts"}, {"field": "id", "contains": "/resourceGroups/rg-b"}]}, "then": {"effect": "audit"}}`,
		"env":  `{"if": {"allOf": [{"field": "type", "equals": "Microsoft.Storage/storageAccounts"}, {"field": "tags['env']", "equals": "prod"}]}, "then": {"effect": "audit"}}`,
		"west": `{"if": {"allOf": [{"field": "type", "equals": "Microsoft.Network/virtualNetworks/subnets"}, {"field": "location", "equals": "westeurope"}]}, "then": {"effect": "audit"}}`,
		// Makes the virtual networks related resources, held for lookups
		// and so known as parents. They come before any subnet, so the
		// first pass keeps only their places, and they are read again.
		"vnet": `{"if": {"field": "type", "equals": "Microsoft.Network/virtualNetworks/subnets"}, "then": {"effect": "auditIfNotExists", "details": {"type": "Microsoft.Network/virtualNetworks"}}}`,
	}
	sub := "/subscriptions/" + PlaceholderSubscription + "/resourceGroups/"
	accounts := func(tagged, oneName bool) (out []any) {
		for i := range 3000 {
			rg := []string{"rg-a", "rg-b"}[i%2]
			if tagged {
				rg = "rg-a"
			}
			name := fmt.Sprintf("st%d", i)
			if oneName {
				// The same name in each of many groups, which only the
				// ids tell apart.
				rg, name = fmt.Sprintf("rg-%c%d", "ab"[i%2], i), "st"
			}
			r := map[string]any{
				"id": fmt.Sprintf("%s%s/providers/Microsoft.Storage/storageAccounts/%s", sub, rg, name), "name": name,
				"type": "Microsoft.Storage/storageAccounts", "location": "eastus", "properties": map[string]any{"minimumTlsVersion": "TLS1_2"},
			}
			if tagged {
				r["tags"] = map[string]any{"env": []string{"dev", "prod"}[i%2]}
			}
			out = append(out, r)
		}
		return out
	}
	subnets := func() []any {
		out := []any{
			map[string]any{"id": sub + "net/providers/Microsoft.Network/virtualNetworks/vnet-a", "name": "vnet-a", "type": "Microsoft.Network/virtualNetworks", "location": "eastus"},
			map[string]any{"id": sub + "net/providers/Microsoft.Network/virtualNetworks/vnet-b", "name": "vnet-b", "type": "Microsoft.Network/virtualNetworks", "location": "westeurope"},
		}
		for i := range 3000 {
			vnet := []string{"vnet-a", "vnet-b"}[i/3%2]
			out = append(out, map[string]any{
				"id": fmt.Sprintf("%snet/providers/Microsoft.Network/virtualNetworks/%s/subnets/s%d", sub, vnet, i), "name": fmt.Sprintf("s%d", i),
				"type": "Microsoft.Network/virtualNetworks/subnets", "properties": map[string]any{"addressPrefix": "10.0.0.0/24"},
			})
		}
		return out
	}
	for _, tc := range []struct {
		name    string
		rules   []string
		estate  []any
		related int
	}{
		// No related resources, so no parents: the key must hold the group.
		{"resource group", []string{"rg-b"}, accounts(false, false), 0},
		{"id", []string{"id"}, accounts(false, true), 0},
		// The key must hold the tag the rule reads.
		{"tag", []string{"env"}, accounts(true, false), 0},
		{"parent", []string{"vnet", "west"}, subnets(), 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rules := map[string]string{}
			for _, name := range tc.rules {
				rules[name] = defs[name]
			}
			e := smallEngine(t, rules)
			want, reps := memoAgrees(t, e, exportOf(t, tc.estate), AuditOptions{DefaultPath: []string{"mg"}}, true)
			if want.Findings != 1500 || want.Related != tc.related {
				t.Fatalf("%d findings, %d related resources: the estate does not test what it should", want.Findings, want.Related)
			}
			for k, rep := range reps {
				if rep.rawHits == 0 {
					t.Errorf("%d workers: no resource found by its bytes", k+1)
				}
			}
		})
	}
}

// TestAuditMemoSelfLookup: rules whose related resource is the evaluated
// resource itself (details.type its own type, as "Assign Built-In
// User-Assigned Managed Identity to Virtual Machines" has) check it with
// their existence condition, so resources that read alike but for what
// that condition reads must not share a result. Virtual machines here
// differ only in their identity; the findings with the memos must be
// those without.
func TestAuditMemoSelfLookup(t *testing.T) {
	e := engineAt(t, "landingzones", "eastus")
	uami := func(names ...string) any {
		ids := map[string]any{}
		for _, n := range names {
			ids["/subscriptions/"+PlaceholderSubscription+"/resourceGroups/"+n] = map[string]any{}
		}
		return map[string]any{"type": "UserAssigned", "userAssignedIdentities": ids}
	}
	// The same identity type, and the rule's existence condition tells
	// them apart by the identities themselves: one, two, or two with the
	// built-in one.
	identities := []any{
		nil,
		map[string]any{"type": "SystemAssigned"},
		uami("r/providers/Microsoft.ManagedIdentity/userAssignedIdentities/u"),
		uami("r/providers/Microsoft.ManagedIdentity/userAssignedIdentities/u", "r/providers/Microsoft.ManagedIdentity/userAssignedIdentities/v"),
		uami("r/providers/Microsoft.ManagedIdentity/userAssignedIdentities/u", "Built-In-Identity-RG/providers/Microsoft.ManagedIdentity/userAssignedIdentities/Built-In-Identity-eastus"),
	}
	var estate []any
	for i := range 3000 {
		vm := map[string]any{
			"id":   fmt.Sprintf("/subscriptions/%s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm%d", PlaceholderSubscription, i),
			"name": fmt.Sprintf("vm%d", i), "type": "Microsoft.Compute/virtualMachines", "location": "eastus",
			"properties": map[string]any{"hardwareProfile": map[string]any{"vmSize": "Standard_ND96isr_H100_v5"}, "storageProfile": map[string]any{"osDisk": map[string]any{"osType": "Linux"}}},
		}
		if id := identities[i/7%len(identities)]; id != nil {
			vm["identity"] = id
		}
		estate = append(estate, vm)
	}
	_, reps := memoAgrees(t, e, exportOf(t, estate), AuditOptions{DefaultPath: []string{"alz", "landingzones"}}, false)
	for k, rep := range reps {
		if rep.rawHits < 500 {
			t.Errorf("%d workers: %d of 3,000 virtual machines found by their bytes", k+1, rep.rawHits)
		}
	}
}
