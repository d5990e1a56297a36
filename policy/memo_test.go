package policy

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// memoRules read the resource in each way a key must hold: plain and
// lenient paths, counts with where and current(), tags by a parameter's
// name, field() of a literal and of parameters, resourceGroup(),
// subscription(), requestContext(), utcNow(), a location inherited from
// the parent, and a field named per resource (never memoised).
var memoRules = []struct {
	name     string
	rule     string
	memoised bool
}{
	{"path", `{"allOf": [{"field": "type", "equals": "Microsoft.Storage/storageAccounts"}, {"field": "Microsoft.Storage/storageAccounts/publicNetworkAccess", "notEquals": "Disabled"}]}`, true},
	{"no guard", `{"field": "location", "notIn": ["eastus", "global"]}`, true},
	{"count where current", `{"count": {"field": "Microsoft.Network/networkInterfaces/ipconfigurations[*]", "where": {"value": "[current('Microsoft.Network/networkInterfaces/ipconfigurations[*].privateIPAddress')]", "like": "10.*"}}, "greater": 0}`, true},
	{"tag by parameter", `{"field": "[concat('tags[', parameters('tag'), ']')]", "exists": false}`, true},
	{"field() literal", `{"value": "[toLower(field('kind'))]", "equals": "storagev2"}`, true},
	{"field() of parameters", `{"value": "[field(concat('tags.', parameters('tag')))]", "equals": "prod"}`, true},
	{"resourceGroup()", `{"value": "[resourceGroup().name]", "equals": "rg-1"}`, true},
	{"resourceGroup() location", `{"value": "[resourceGroup().location]", "equals": "eastus"}`, true},
	{"subscription()", `{"value": "[subscription().subscriptionId]", "equals": "s1"}`, true},
	{"resourceId()", `{"value": "[resourceId('Microsoft.Network/virtualNetworks', field('name'))]", "contains": "/resourceGroups/rg-1/"}`, true},
	{"requestContext()", `{"value": "[requestContext().apiVersion]", "less": "2023-01-01"}`, true},
	{"utcNow()", `{"value": "[utcNow()]", "greater": "[field('tags.expires')]"}`, true},
	{"inherited location", `{"allOf": [{"field": "type", "equals": "Microsoft.Network/virtualNetworks/subnets"}, {"field": "location", "equals": "westeurope"}]}`, true},
	{"field named per resource", `{"field": "[concat('tags[', field('kind'), ']')]", "exists": true}`, false},
	{"error", `{"value": "[int(field('tags.env'))]", "greater": 1}`, true},
}

// memoResources differ from one another in one property at a time, the
// resource group, the subscription, the apiVersion or the parent's
// location, and repeat, so that a key missing any of these would give one
// resource another's outcome.
func memoResources(t *testing.T) ([]*Resource, *Env) {
	t.Helper()
	var out []*Resource
	vnets := map[string]string{"vnet-a": "eastus", "vnet-b": "westeurope"}
	var parents []*Resource
	for _, v := range []string{"vnet-a", "vnet-b"} {
		parents = append(parents, parseRes(t, fmt.Sprintf(`{"id": "/subscriptions/s1/resourceGroups/rg-1/providers/Microsoft.Network/virtualNetworks/%s", "name": %q, "type": "Microsoft.Network/virtualNetworks", "location": %q}`, v, v, vnets[v])))
	}
	for i := range 40 {
		sub := []string{"s1", "s2"}[i%2]
		rg := []string{"rg-1", "rg-2", "rg-1"}[i%3]
		pna := []string{"Enabled", "Disabled", "Disabled", "disabled"}[i%4]
		loc := []string{"eastus", "East US", "westeurope"}[i%3]
		tags := []string{`{"env": "prod"}`, `{"env": "2", "expires": "1999-01-01"}`, `{"Env": "prod"}`, `{}`, `{"env": "x"}`}[i%5]
		api := []string{"", `, "apiVersion": "2022-01-01"`, `, "apiVersion": "2024-01-01"`}[i%3]
		kind := []string{"StorageV2", "storagev2", "BlobStorage", "env"}[i%4]
		out = append(out, parseRes(t, fmt.Sprintf(`{"id": "/subscriptions/%s/resourceGroups/%s/providers/Microsoft.Storage/storageAccounts/st%d", "name": "st%d",
			"type": "Microsoft.Storage/storageAccounts", "kind": %q, "location": %q, "tags": %s%s,
			"properties": {"publicNetworkAccess": %q, "unread": %d}}`, sub, rg, i, i, kind, loc, tags, api, pna, i)))
		ip := []string{"10.0.0.4", "192.168.0.4", "10.1.0.4"}[i%3]
		out = append(out, parseRes(t, fmt.Sprintf(`{"id": "/subscriptions/%s/resourceGroups/%s/providers/Microsoft.Network/networkInterfaces/nic%d", "name": "nic%d",
			"type": "Microsoft.Network/networkInterfaces", "location": "eastus", "tags": %s,
			"properties": {"ipConfigurations": [{"name": "c", "properties": {"privateIPAddress": %q}}]}}`, sub, rg, i, i, tags, ip)))
		vnet := []string{"vnet-a", "vnet-b"}[i%2]
		out = append(out, parseRes(t, fmt.Sprintf(`{"id": "/subscriptions/s1/resourceGroups/rg-1/providers/Microsoft.Network/virtualNetworks/%s/subnets/snet", "name": "snet",
			"type": "Microsoft.Network/virtualNetworks/subnets", "properties": {"addressPrefix": "10.0.0.0/24"}}`, vnet)))
	}
	env := &Env{Resources: NewResources(parents), ResourceGroups: map[string]map[string]any{"rg-1": {"location": "westeurope"}}}
	return out, env
}

func memoBound(t *testing.T, rule string) *Bound {
	t.Helper()
	return bindRule(t, `{"if": `+rule+`, "then": {"effect": "audit"}}`)
}

// bindRule binds a policy rule with one parameter, tag ("env").
func bindRule(t *testing.T, policyRule string) *Bound {
	t.Helper()
	return bindDefinition(t, `{"parameters": {"tag": {"type": "String", "defaultValue": "env"}}, "policyRule": `+policyRule+`}`)
}

// bindDefinition binds the definition whose properties are given, with
// the parameters' defaults.
func bindDefinition(t *testing.T, properties string) *Bound {
	t.Helper()
	d, err := ParseDefinition([]byte(`{"properties": ` + properties + `}`))
	if err != nil {
		t.Fatal(err)
	}
	cp, err := Compile(d, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, err := cp.Bind(nil)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestMemoMatchesEvaluate: with a Memo, every result (state, effect,
// reasons, error) is the one Evaluate gives, with and without reasons
// asked for, and resources that read alike do share evaluations.
func TestMemoMatchesEvaluate(t *testing.T) {
	res, env := memoResources(t)
	ctx := context.Background()
	for _, tc := range memoRules {
		t.Run(tc.name, func(t *testing.T) {
			b := memoBound(t, tc.rule)
			if got := b.deps != nil; got != tc.memoised {
				t.Fatalf("memoised %t, want %t", got, tc.memoised)
			}
			for _, mode := range []struct{ brief, noReasons bool }{{false, false}, {true, false}, {true, true}} {
				e := *env
				e.Brief, e.NoReasons = mode.brief, mode.noReasons
				m := NewMemo(&e, 0)
				var states []State
				for pass := range 2 {
					for i, r := range res {
						want := b.Evaluate(ctx, r, &e)
						got := b.EvaluateMemo(ctx, r, &e, m)
						if !reflect.DeepEqual(got, want) {
							t.Fatalf("brief %t, noReasons %t, pass %d, resource %d (%s): memo gives\n%+v\nEvaluate gives\n%+v", mode.brief, mode.noReasons, pass, i, r.ID(), got, want)
						}
						states = append(states, want.State)
					}
				}
				if tc.memoised && m.Hits == 0 {
					t.Errorf("brief %t: no evaluation shared", mode.brief)
				}
				if !tc.memoised && m.Hits != 0 {
					t.Errorf("brief %t: %d evaluations shared by a rule that cannot be memoised", mode.brief, m.Hits)
				}
				if !strings.Contains(fmt.Sprint(states), string(NonCompliant)) && tc.name != "error" {
					t.Errorf("no resource matches: the rule tests nothing")
				}
			}
		})
	}
}

// TestMemoWatchesEvaluation: should the analysis of what a rule reads
// miss something (here, made to forget the resource group), evaluations
// that read it are not remembered, and every result stays exact.
func TestMemoWatchesEvaluation(t *testing.T) {
	res, env := memoResources(t)
	ctx := context.Background()
	for _, tc := range []struct{ name, rule string }{
		{"resourceGroup()", `{"value": "[resourceGroup().name]", "equals": "rg-1"}`},
		{"requestContext()", `{"value": "[requestContext().apiVersion]", "less": "2023-01-01"}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := memoBound(t, tc.rule)
			crippled := *b.deps
			crippled.rg, crippled.sub, crippled.api = false, false, false
			b.deps = &crippled
			m := NewMemo(env, 0)
			for _, r := range res {
				want := b.Evaluate(ctx, r, env)
				if got := b.EvaluateMemo(ctx, r, env, m); !reflect.DeepEqual(got, want) {
					t.Fatalf("%s: memo gives %+v, Evaluate %+v", r.ID(), got, want)
				}
			}
			if m.Hits != 0 {
				t.Errorf("%d evaluations shared although each read what the key lacks", m.Hits)
			}
		})
	}
}

// TestMemoBounded: a memo holds at most its number of entries, and a rule
// whose resources never read alike stops being memoised.
func TestMemoBounded(t *testing.T) {
	b := memoBound(t, `{"field": "name", "like": "st*"}`)
	env := &Env{}
	m := NewMemo(env, 100)
	ctx := context.Background()
	for i := range 3000 {
		r := parseRes(t, fmt.Sprintf(`{"id": "/subscriptions/s/resourceGroups/g/providers/Microsoft.Storage/storageAccounts/st%d", "name": "st%d", "type": "Microsoft.Storage/storageAccounts"}`, i, i))
		if got, want := b.EvaluateMemo(ctx, r, env, m), b.Evaluate(ctx, r, env); !reflect.DeepEqual(got, want) {
			t.Fatalf("resource %d: %+v, want %+v", i, got, want)
		}
		if m.size > 100 {
			t.Fatalf("%d entries held, more than 100", m.size)
		}
		// Numbers are forgotten with the entries; a resource adds a few.
		if len(m.intern) > 100+10 {
			t.Fatalf("%d values numbered, more than 100 and a resource's", len(m.intern))
		}
	}
	if !m.tables[b.memoID].off {
		t.Error("a rule reading names, unique to each resource, is still memoised")
	}
	if m.Misses >= 3000 {
		t.Errorf("%d keys built for 3,000 resources: memoising never stopped", m.Misses)
	}
}

// TestIfNotExistsReusable: an *IfNotExists result is offered to the
// memo of whole resources only when its lookup finds nothing whatever
// the resource (no resource of the related type known, a name that
// cannot fail) and, when explanations are asked for, names nothing of
// the resource.
func TestIfNotExistsReusable(t *testing.T) {
	res := parseRes(t, `{"id": "/subscriptions/s1/resourceGroups/rg-1/providers/Microsoft.Storage/storageAccounts/st1", "name": "st1", "type": "Microsoft.Storage/storageAccounts", "location": "eastus"}`)
	diag := parseRes(t, `{"id": "/subscriptions/s1/resourceGroups/rg-1/providers/Microsoft.Storage/storageAccounts/st9/providers/Microsoft.Insights/diagnosticSettings/d", "name": "d", "type": "Microsoft.Insights/diagnosticSettings"}`)
	other := parseRes(t, `{"id": "/subscriptions/s1/resourceGroups/rg-1/providers/Microsoft.Storage/storageAccounts/st9", "name": "st9", "type": "Microsoft.Storage/storageAccounts", "kind": "StorageV2"}`)
	for _, tc := range []struct {
		name    string
		details string
		known   bool // a diagnostic setting is among the Env's resources
		// Reusable without explanations, and with them.
		brief, full bool
	}{
		{"no name", `{"type": "Microsoft.Insights/diagnosticSettings"}`, false, true, true},
		{"literal name", `{"type": "Microsoft.Insights/diagnosticSettings", "name": "setByPolicy"}`, false, true, true},
		{"name of a parameter", `{"type": "Microsoft.Insights/diagnosticSettings", "name": "[parameters('tag')]"}`, false, true, true},
		{"field('name')", `{"type": "Microsoft.Insights/diagnosticSettings", "name": "[field('name')]"}`, false, true, false},
		{"concat of field('name')", `{"type": "Microsoft.Insights/diagnosticSettings", "name": "[concat(field('name'), '/x')]"}`, false, false, false},
		{"type known", `{"type": "Microsoft.Insights/diagnosticSettings"}`, true, false, false},
		{"type of an expression", `{"type": "[field('type')]"}`, false, false, false},
		{"its own type", `{"type": "Microsoft.Storage/storageAccounts", "name": "[field('name')]"}`, false, false, false},
		// The resource itself, checked by what a key holds: reusable
		// when explanations (which name it) are not asked for.
		{"itself", `{"type": "Microsoft.Storage/storageAccounts", "name": "[field('name')]", "existenceCondition": {"field": "kind", "equals": "BlobStorage"}}`, false, true, false},
		{"itself, any name", `{"type": "Microsoft.Storage/storageAccounts", "existenceCondition": {"field": "tags['x']", "exists": true}}`, false, true, false},
		{"itself, a field named per resource", `{"type": "Microsoft.Storage/storageAccounts", "existenceCondition": {"field": "[concat('tags[', field('location'), ']')]", "exists": true}}`, false, false, false},
		{"itself, another group", `{"type": "Microsoft.Storage/storageAccounts", "resourceGroupName": "other", "existenceCondition": {"field": "kind", "equals": "BlobStorage"}}`, false, false, false},
		{"itself, known", `{"type": "Microsoft.Storage/storageAccounts", "existenceCondition": {"field": "kind", "equals": "BlobStorage"}}`, true, false, false},
		{"resource group of the resource", `{"type": "Microsoft.Insights/diagnosticSettings", "resourceGroupName": "[resourceGroup().name]"}`, false, false, false},
		{"fixed existence scope", `{"type": "Microsoft.Insights/diagnosticSettings", "existenceScope": "subscription"}`, false, true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := bindRule(t, `{"if": {"field": "type", "equals": "Microsoft.Storage/storageAccounts"}, "then": {"effect": "auditIfNotExists", "details": `+tc.details+`}}`)
			for _, noReasons := range []bool{true, false} {
				env := &Env{Brief: noReasons, NoReasons: noReasons}
				if tc.known {
					env.Resources = NewResources([]*Resource{diag, other})
				}
				m := NewMemo(env, 0)
				var r Result
				b.EvaluateMemoInto(context.Background(), res, env, m, &r)
				if r.State != NonCompliant && !(strings.Contains(tc.details, "field('type')") || tc.name == "its own type" || tc.name == "itself, a field named per resource") {
					t.Fatalf("state %s: the rule tests nothing", r.State)
				}
				want := tc.full
				if noReasons {
					want = tc.brief
				}
				if m.Reusable() != want {
					t.Errorf("explanations %t: reusable %t, want %t", !noReasons, m.Reusable(), want)
				}
			}
		})
	}
}

// TestModifyReusable: a modify result is offered to the memo of whole
// resources only when its operations read nothing of the resource.
func TestModifyReusable(t *testing.T) {
	res := parseRes(t, `{"id": "/subscriptions/s1/resourceGroups/rg-1/providers/Microsoft.Compute/virtualMachines/vm1", "name": "vm1", "type": "Microsoft.Compute/virtualMachines", "location": "eastus"}`)
	for _, tc := range []struct {
		name, ops string
		want      bool
	}{
		{"literal", `[{"operation": "addOrReplace", "field": "identity.type", "value": "SystemAssigned"}]`, true},
		{"parameter", `[{"operation": "addOrReplace", "field": "[concat('tags[', parameters('tag'), ']')]", "value": "x"}]`, true},
		{"object", `[{"operation": "addOrReplace", "field": "identity", "value": {"type": "UserAssigned", "ids": ["a"]}}]`, true},
		{"value of the resource", `[{"operation": "addOrReplace", "field": "tags['n']", "value": "[field('name')]"}]`, false},
		{"condition on the resource", `[{"operation": "addOrReplace", "field": "tags['n']", "value": "x", "condition": "[equals(field('location'), 'eastus')]"}]`, false},
		{"object with an expression", `[{"operation": "addOrReplace", "field": "identity", "value": {"type": "[field('kind')]"}}]`, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := bindRule(t, `{"if": {"field": "type", "equals": "Microsoft.Compute/virtualMachines"}, "then": {"effect": "modify", "details": {"roleDefinitionIds": ["/r"], "operations": `+tc.ops+`}}}`)
			for _, brief := range []bool{true, false} {
				env := &Env{Brief: brief, NoReasons: brief}
				m := NewMemo(env, 0)
				var r Result
				b.EvaluateMemoInto(context.Background(), res, env, m, &r)
				if r.State != NonCompliant || len(r.Operations) == 0 {
					t.Fatalf("state %s, %d operations: the rule tests nothing", r.State, len(r.Operations))
				}
				if m.Reusable() != tc.want {
					t.Errorf("brief %t: reusable %t, want %t", brief, m.Reusable(), tc.want)
				}
			}
		})
	}
}
