package deploy

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/aizone/aizone/emit/arm"
	"github.com/aizone/aizone/internal/testkit"
	"github.com/aizone/aizone/resources"
)

func example(name string) string { return filepath.Join("..", "examples", name) }

// TestBuildIsBuild: the deployment is what aizone build writes.
func TestBuildIsBuild(t *testing.T) {
	p := testkit.Plan(t, example("vmss-finetune.yaml"), nil)
	d := Build(p)
	rs := resources.Build(p)
	params := resources.Parameters(p, rs)
	want, err := arm.Marshal(arm.Template(rs, params))
	if err != nil {
		t.Fatal(err)
	}
	got, err := arm.Marshal(d.Template)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(want) {
		t.Error("the template differs from build's")
	}
	wantP, _ := arm.Marshal(arm.Parameters(params))
	gotP, _ := arm.Marshal(d.ParametersFile())
	if string(gotP) != string(wantP) {
		t.Errorf("parameters differ from build's:\n%s\nwant\n%s", gotP, wantP)
	}
	if d.Name != "aizone-"+p.Zone.Name || d.Location != p.Zone.Region {
		t.Errorf("name %s, location %s", d.Name, d.Location)
	}
}

func TestSetAndUnfilled(t *testing.T) {
	p := testkit.Plan(t, example("vmss-finetune.yaml"), nil)
	d := Build(p)
	if u := d.Unfilled(); len(u) != 1 || u[0].Name != resources.ParamSSHKey {
		t.Fatalf("unfilled: %+v", u)
	}
	key := filepath.Join(t.TempDir(), "id.pub")
	if err := os.WriteFile(key, []byte("ssh-ed25519 AAAAC3Nza test@host\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := d.Set(resources.ParamSSHKey, "@"+key); err != nil {
		t.Fatal(err)
	}
	if d.Values[resources.ParamSSHKey] != "ssh-ed25519 AAAAC3Nza test@host" || len(d.Unfilled()) != 0 {
		t.Errorf("after Set: %v, unfilled %v", d.Values[resources.ParamSSHKey], d.Unfilled())
	}
	if err := d.Set(resources.ParamBudgetAmount, "12000"); err != nil || d.Values[resources.ParamBudgetAmount] != 12000 {
		t.Errorf("int: %v %v", err, d.Values[resources.ParamBudgetAmount])
	}
	if err := d.Set(resources.ParamDNSServers, `["10.0.0.4","10.0.0.5"]`); err != nil || !reflect.DeepEqual(d.Values[resources.ParamDNSServers], []any{"10.0.0.4", "10.0.0.5"}) {
		t.Errorf("array: %v %v", err, d.Values[resources.ParamDNSServers])
	}
	for name, val := range map[string]string{
		"nope":                      "x",
		resources.ParamBudgetAmount: "a lot",
		resources.ParamDNSServers:   "10.0.0.4",
		resources.ParamSSHKey:       "@" + t.TempDir(),
	} {
		if err := d.Set(name, val); err == nil {
			t.Errorf("Set(%s, %s) accepted", name, val)
		}
	}
}

func TestSubscription(t *testing.T) {
	p := testkit.Plan(t, example("vmss-finetune.yaml"), nil)
	if s, err := Subscription(p, ""); err != nil || s != "44444444-5555-6666-7777-888888888888" {
		t.Errorf("from the zone: %s %v", s, err)
	}
	if s, err := Subscription(p, "AAAAAAAA-5555-6666-7777-888888888888"); err != nil || s != "aaaaaaaa-5555-6666-7777-888888888888" {
		t.Errorf("override: %s %v", s, err)
	}
	if _, err := Subscription(p, "contoso-ai"); err == nil {
		t.Error("a name was taken for an id")
	}
	small := testkit.Plan(t, example("small.yaml"), nil)
	if _, err := Subscription(small, ""); err == nil || !strings.Contains(err.Error(), `"contoso-ai-ft" is one to create`) {
		t.Errorf("a subscription to create: %v", err)
	}
}

func TestParseQuota(t *testing.T) {
	for msg, want := range map[string]Quota{
		"Operation could not be completed as it results in exceeding approved Total Regional Cores quota. Additional details - Deployment Model: Resource Manager, Location: centralus, Current Limit: 10, Current Usage: 8, Additional Required: 4, (Minimum) New Limit Required: 12.": {Name: "cores", Region: "centralus", Limit: 10, Usage: 8, Required: 4, NewLimit: 12},
		"Operation could not be completed as it results in exceeding approved Low Priority Cores quota. Additional details - Deployment Model: Resource Manager, Location: eastus, Current Limit: 100, Current Usage: 0, Additional Required: 960, (Minimum) New Limit Required: 960.":  {Name: "lowPriorityCores", Region: "eastus", Limit: 100, Usage: 0, Required: 960, NewLimit: 960},
		"Operation results in exceeding quota limits of Core. Maximum allowed: 4, Current in use: 4, Additional requested: 2.":                                                                                                                                                          {Name: "cores", Region: "westus3", Limit: 4, Usage: 4, Required: 2, NewLimit: 6},
	} {
		q := parseQuota(msg, "westus3")
		if q == nil || *q != want {
			t.Errorf("%s:\n got %+v\nwant %+v", msg, q, want)
		}
	}
	if q := parseQuota("The subscription has no room left.", "eastus"); q != nil {
		t.Errorf("parsed %+v from a message without quota", q)
	}
}

func TestPoliciesFromMessage(t *testing.T) {
	ps := policiesFromMessage(policyMessage)
	if len(ps) != 1 || ps[0].AssignmentDisplayName != "Enforce recommended guardrails for Storage Account" || !strings.HasSuffix(ps[0].DefinitionID, "8c6a50c6-9ffd-4ae7-986f-5fa6111f9a54") || !strings.HasSuffix(ps[0].SetDefinitionID, "Enforce-Guardrails-Storage") {
		t.Errorf("%+v", ps)
	}
	old := "The resource action 'Microsoft.Network/publicIpAddresses/write' is disallowed by one or more policies. Policy identifier(s): '/subscriptions/" + testSub + "/providers/Microsoft.Authorization/policyDefinitions/regionPolicyDefinition'."
	if ps := policiesFromMessage(old); len(ps) != 1 || !strings.HasSuffix(ps[0].DefinitionID, "/regionPolicyDefinition") {
		t.Errorf("old form: %+v", ps)
	}
	c := Cause{Code: "RequestDisallowedByPolicy", Message: old}
	(&Client{Subscription: testSub}).explain(&c, testDeployment())
	if !strings.Contains(c.Advice, "az policy definition show --name regionPolicyDefinition --subscription "+testSub) {
		t.Errorf("advice: %s", c.Advice)
	}
}

// TestLeavesOpensMessages: nested deployments once reported their error
// as a JSON body inside the message.
func TestLeavesOpensMessages(t *testing.T) {
	inner := `{"status":"Failed","error":{"code":"ResourceDeploymentFailure","message":"failed","details":[{"code":"LinkedAuthorizationFailed","message":"The client has permission to perform action 'Microsoft.Network/virtualNetworks/virtualNetworkPeerings/write' on scope '/x', however it does not have permission to perform action(s) 'Microsoft.Network/virtualNetworks/peer/action' on the linked scope(s) '/subscriptions/44444444-5555-6666-7777-000000000000/resourceGroups/rg-hub-eastus2/providers/Microsoft.Network/virtualNetworks/vnet-hub-eastus2' or the linked scope(s) are invalid."}]}}`
	ls := leaves(armErr("DeploymentFailed", inner))
	if len(ls) != 1 || deref(ls[0].Code) != "LinkedAuthorizationFailed" {
		t.Fatalf("leaves: %v", ls)
	}
	a := parseAuthorization(deref(ls[0].Message))
	if a == nil || !a.Linked || a.Action != "Microsoft.Network/virtualNetworks/peer/action" || a.Role != "Network Contributor" || !strings.HasSuffix(a.Scope, "vnet-hub-eastus2") {
		t.Errorf("authorization: %+v", a)
	}
}

func TestSplitID(t *testing.T) {
	for id, want := range map[string][3]string{
		"/subscriptions/S/resourceGroups/rg-a":                                                                                                  {"/subscriptions/S", "Microsoft.Resources/resourceGroups/rg-a", ""},
		"/subscriptions/S/resourceGroups/rg-a/providers/Microsoft.Network/virtualNetworks/v/subnets/s":                                          {"/subscriptions/S/resourceGroups/rg-a", "Microsoft.Network/virtualNetworks/v/subnets/s", "rg-a"},
		"/subscriptions/S/providers/Microsoft.Authorization/policyAssignments/a":                                                                {"/subscriptions/S", "Microsoft.Authorization/policyAssignments/a", ""},
		"/subscriptions/S/resourceGroups/rg-a/providers/Microsoft.Storage/storageAccounts/st/providers/Microsoft.Insights/diagnosticSettings/d": {"/subscriptions/S/resourceGroups/rg-a", "Microsoft.Storage/storageAccounts/st/providers/Microsoft.Insights/diagnosticSettings/d", "rg-a"},
		"/providers/Microsoft.Management/managementGroups/corp/providers/Microsoft.Authorization/policyDefinitions/d":                           {"/providers/Microsoft.Management/managementGroups/corp", "Microsoft.Authorization/policyDefinitions/d", ""},
	} {
		s, r, g := splitID(id)
		if [3]string{s, r, g} != want {
			t.Errorf("%s: got %q %q %q", id, s, r, g)
		}
	}
}
