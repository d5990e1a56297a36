package policy

import (
	"reflect"
	"strings"
	"testing"
)

func TestParseResources(t *testing.T) {
	const sub = "/subscriptions/00000000-0000-0000-0000-000000000000"
	for _, tc := range []struct {
		name string
		in   string
		want []string // ids, in order
	}{
		{"one resource", `{"type": "Microsoft.Network/virtualNetworks", "name": "v"}`,
			[]string{sub + "/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v"}},
		{"array with ids and a child", `[{"id": "/subscriptions/s/resourceGroups/g/providers/Microsoft.Network/virtualNetworks/v", "type": "Microsoft.Network/virtualNetworks"},
			{"type": "Microsoft.Network/virtualNetworks/subnets", "name": "v/s", "resourceGroup": "net", "subscriptionId": "s2"}]`,
			[]string{"/subscriptions/s/resourceGroups/g/providers/Microsoft.Network/virtualNetworks/v", "/subscriptions/s2/resourceGroups/net/providers/Microsoft.Network/virtualNetworks/v/subnets/s"}},
		{"resource graph export", `{"count": 1, "data": [{"id": "/subscriptions/s/resourceGroups/g/providers/Microsoft.Storage/storageAccounts/a", "type": "microsoft.storage/storageaccounts"}]}`,
			[]string{"/subscriptions/s/resourceGroups/g/providers/Microsoft.Storage/storageAccounts/a"}},
		{"resource group template", `{"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#", "contentVersion": "1.0.0.0",
			"resources": [{"type": "Microsoft.Storage/storageAccounts", "name": "a"}]}`,
			[]string{sub + "/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/a"}},
		{"subscription template with nested deployments", `{"$schema": "https://schema.management.azure.com/schemas/2018-05-01/subscriptionDeploymentTemplate.json#", "contentVersion": "1.0.0.0",
			"resources": [
				{"type": "Microsoft.Authorization/policyAssignments", "name": "pa"},
				{"type": "Microsoft.Resources/resourceGroups", "name": "net"},
				{"type": "Microsoft.Resources/deployments", "name": "d", "resourceGroup": "net", "properties": {"mode": "Incremental", "template": {
					"contentVersion": "1.0.0.0", "resources": [
						{"type": "Microsoft.Network/virtualNetworks", "name": "v"},
						{"type": "Microsoft.Resources/deployments", "name": "inner", "properties": {"template": {"resources": [
							{"type": "Microsoft.Network/networkSecurityGroups", "name": "nsg"}]}}}]}}},
				{"type": "Microsoft.Resources/deployments", "name": "linked", "resourceGroup": "[parameters('rg')]", "properties": {"templateLink": {"uri": "https://example.com/t.json"}}}]}`,
			[]string{
				sub + "/providers/Microsoft.Authorization/policyAssignments/pa",
				sub + "/resourceGroups/net",
				sub + "/resourceGroups/net/providers/Microsoft.Resources/deployments/d",
				sub + "/resourceGroups/net/providers/Microsoft.Network/virtualNetworks/v",
				sub + "/resourceGroups/net/providers/Microsoft.Resources/deployments/inner",
				sub + "/resourceGroups/net/providers/Microsoft.Network/networkSecurityGroups/nsg",
				sub + "/providers/Microsoft.Resources/deployments/linked",
			}},
		{"languageVersion 2.0 named resources", `{"$schema": "x", "languageVersion": "2.0", "resources": {"b": {"type": "T.P/x", "name": "b"}, "a": {"type": "T.P/x", "name": "a"}}}`,
			[]string{sub + "/resourceGroups/rg/providers/T.P/x/a", sub + "/resourceGroups/rg/providers/T.P/x/b"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rs, err := ParseResources([]byte(tc.in))
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, r := range rs {
				got = append(got, r.ID())
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got\n%q\nwant\n%q", got, tc.want)
			}
		})
	}
	for _, bad := range []string{`"x"`, `[1]`, `{"$schema": "x", "resources": 3}`, `{"$schema": "x", "resources": [1]}`, `[`} {
		if _, err := ParseResources([]byte(bad)); err == nil {
			t.Errorf("%s: no error", bad)
		}
	}
}

func TestResourceNames(t *testing.T) {
	r := NewResource(map[string]any{"id": "/subscriptions/s/resourceGroups/g/providers/Microsoft.Sql/servers/srv/databases/db", "type": "Microsoft.Sql/servers/databases", "name": "db"})
	if r.Name() != "db" || r.FullName() != "srv/db" || r.SubscriptionID() != "s" || r.ResourceGroup() != "g" || r.Type() != "Microsoft.Sql/servers/databases" {
		t.Errorf("%q %q %q %q", r.Name(), r.FullName(), r.SubscriptionID(), r.ResourceGroup())
	}
	for _, tc := range []struct {
		name string
		want bool
	}{{"db", true}, {"DB", true}, {"srv/db", true}, {"?", true}, {"srv/?", true}, {"other/db", false}, {"x/srv/db", false}, {"db2", false}} {
		if got := nameMatches(r, tc.name); got != tc.want {
			t.Errorf("nameMatches(%q) = %v", tc.name, got)
		}
	}
}

// TestResourcesScopeIndex: each resource is listed once in its group's list
// and once in its subscription's, including one outside any group, and
// lookups ignore case.
func TestResourcesScopeIndex(t *testing.T) {
	rs := NewResources([]*Resource{
		NewResource(map[string]any{"id": "/subscriptions/S1/providers/Microsoft.Security/pricings/VirtualMachines", "type": "Microsoft.Security/pricings", "name": "VirtualMachines"}),
		NewResource(map[string]any{"id": "/subscriptions/s1/resourceGroups/G/providers/Microsoft.Network/virtualNetworks/v1", "type": "Microsoft.Network/virtualNetworks", "name": "v1"}),
		NewResource(map[string]any{"id": "/subscriptions/s1/resourceGroups/h/providers/Microsoft.Network/virtualNetworks/v2", "type": "Microsoft.Network/virtualNetworks", "name": "v2"}),
	})
	tests := []struct {
		key  scopeKey
		want int
	}{
		{scopeKey{typ: "microsoft.security/pricings", sub: "s1", wholeSub: true}, 1},
		{scopeKey{typ: "microsoft.security/pricings", sub: "s1"}, 1},
		{scopeKey{typ: "microsoft.security/pricings", sub: "s1", name: "virtualmachines", wholeSub: true}, 1},
		{scopeKey{typ: "microsoft.network/virtualnetworks", sub: "s1", wholeSub: true}, 2},
		{scopeKey{typ: "microsoft.network/virtualnetworks", sub: "s1", rg: "g"}, 1},
		{scopeKey{typ: "microsoft.network/virtualnetworks", sub: "s1", rg: "h", name: "v2"}, 1},
		{scopeKey{typ: "microsoft.network/virtualnetworks", sub: "s1", rg: "h", name: "v1"}, 0},
	}
	for _, tt := range tests {
		if got := len(rs.byScope[tt.key]); got != tt.want {
			t.Errorf("%+v: %d resources, want %d", tt.key, got, tt.want)
		}
	}
}

// scopeOfSplit is scopeOf as it was written first, by splitting the id:
// the reference the allocation-free version must agree with, as
// fullNameFromID (kept for ids beyond ASCII) is fullNameFromIDs'.
func scopeOfSplit(id string) (sub, rg string) {
	seg := strings.Split(strings.Trim(id, "/"), "/")
	for i := 0; i+1 < len(seg); i++ {
		switch {
		case strings.EqualFold(seg[i], "subscriptions") && sub == "":
			sub = seg[i+1]
		case strings.EqualFold(seg[i], "resourceGroups") && rg == "":
			rg = seg[i+1]
		}
	}
	return sub, rg
}

func FuzzScopeOf(f *testing.F) {
	for _, id := range []string{
		"/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/sn",
		"/SUBSCRIPTIONS/s/RESOURCEGROUPS/rg/providers/A.B/c/n/providers/Microsoft.Insights/diagnosticSettings/d",
		"//subscriptions//resourceGroups/x/", "subscriptions/s", "/providers/A.B/c/n/", "/subscriptions/s/resourcegroups/", "",
		"/subscriptions/a/subscriptions/b/resourceGroups/r1/resourceGroups/r2/providers/A/b/c/d/e/f",
	} {
		f.Add(id)
	}
	f.Fuzz(func(t *testing.T, id string) {
		sub, rg := scopeOf(id)
		wsub, wrg := scopeOfSplit(id)
		if sub != wsub || rg != wrg {
			t.Fatalf("scopeOf(%q) = %q, %q; want %q, %q", id, sub, rg, wsub, wrg)
		}
		if ScopeSpans([]byte(id)) != ScopeSpans(id) {
			t.Fatalf("ScopeSpans of the bytes of %q differ", id)
		}
		if !isASCII(id) {
			return
		}
		if got, want := fullNameFromIDs(id, strings.ToLower(id)), fullNameFromID(id); got != want {
			t.Fatalf("fullNameFromIDs(%q) = %q, want %q", id, got, want)
		}
		r := NewResource(map[string]any{"id": id, "type": "A.B/c"})
		if r.subLower != strings.ToLower(r.sub) || r.rgLower != strings.ToLower(r.rg) {
			t.Fatalf("%q: lower-case scope %q, %q", id, r.subLower, r.rgLower)
		}
	})
}
