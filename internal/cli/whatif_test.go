package cli

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aizone/aizone/deploy/deployfake"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	azarm "github.com/Azure/azure-sdk-for-go/sdk/azcore/arm"
	azfake "github.com/Azure/azure-sdk-for-go/sdk/azcore/fake"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/resources/armresources"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/resources/armresources/fake"
	"github.com/aizone/aizone/deploy"
	"github.com/aizone/aizone/emit/arm"
	"github.com/aizone/aizone/resources"
)

// The Azure commands are tested against the SDK's fake servers
// (armresources/fake) with a fake credential: no test reaches Azure.

// vmss-finetune.yaml names its subscription and deploys as
// aizone-northwind-tune in eastus2.
const (
	fakeSub    = "44444444-5555-6666-7777-888888888888"
	zoneDeploy = "aizone-northwind-tune"
	rgCompute  = "rg-northwind-tune-compute-eastus2"
	rgNetwork  = "rg-northwind-tune-network-eastus2"
	rgStorage  = "rg-northwind-tune-storage-eastus2"
)

// useFakeAzure points the Azure commands at srv; wrap, when not nil, sits
// between the SDK's clients and srv. Retries and polls wait a
// millisecond.
func useFakeAzure(t *testing.T, srv *fake.ServerFactory, wrap func(policy.Transporter) policy.Transporter) {
	t.Helper()
	old := newAzureClient
	t.Cleanup(func() { newAzureClient = old })
	newAzureClient = func(sub string) (*deploy.Client, error) {
		var tr policy.Transporter = fake.NewServerFactoryTransport(srv)
		if wrap != nil {
			tr = wrap(tr)
		}
		return newDeployClientForTest(sub, tr)
	}
}

// sshKey writes an SSH public key file and returns the --parameter for it.
func sshKey(t *testing.T) []string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "id_ed25519.pub")
	if err := os.WriteFile(path, []byte("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFakeKeyForTests ml@northwind\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return []string{"--parameter", resources.ParamSSHKey + "=@" + path}
}

func zoneArgs(t *testing.T, cmd string, extra ...string) []string {
	args := append([]string{cmd, example("vmss-finetune.yaml"), "--as-of", asOf}, sshKey(t)...)
	return append(args, extra...)
}

func str(s string) *string { return &s }

func ptr[T any](v T) *T { return deployfake.Ptr(v) }

func rid(rg, typ, name string) string { return deployfake.ResourceID(fakeSub, rg, typ, name) }

// whatIfChanges is a what-if answer for a second run of the zone, after
// the platform changed the hub's DNS and someone loosened the storage
// account: in ARM's shape (full resource payloads, deltas for
// modifications), and in no particular order.
func whatIfChanges() []*armresources.WhatIfChange {
	change := func(t armresources.ChangeType, id, api string, delta ...*armresources.WhatIfPropertyChange) *armresources.WhatIfChange {
		c := &armresources.WhatIfChange{ChangeType: ptr(t), ResourceID: str(id), Delta: delta}
		payload := map[string]any{"id": id, "apiVersion": api, "name": id[strings.LastIndex(id, "/")+1:]}
		if t != armresources.ChangeTypeCreate {
			c.Before = payload
		}
		if t != armresources.ChangeTypeDelete && t != armresources.ChangeTypeIgnore {
			c.After = payload
		}
		return c
	}
	prop := func(t armresources.PropertyChangeType, path string, before, after any, children ...*armresources.WhatIfPropertyChange) *armresources.WhatIfPropertyChange {
		return &armresources.WhatIfPropertyChange{PropertyChangeType: ptr(t), Path: str(path), Before: before, After: after, Children: children}
	}
	sub := "/subscriptions/" + fakeSub
	return []*armresources.WhatIfChange{
		change(armresources.ChangeTypeCreate, rid(rgCompute, "Microsoft.Compute/virtualMachineScaleSets", "vmss-finetune"), "2026-03-01"),
		change(armresources.ChangeTypeNoChange, sub+"/resourceGroups/"+rgNetwork, "2025-04-01"),
		change(armresources.ChangeTypeModify, rid(rgStorage, "Microsoft.Storage/storageAccounts", "stnorthwindtunecccc5d"), "2026-04-01",
			prop(armresources.PropertyChangeTypeModify, "properties.allowSharedKeyAccess", true, false),
			prop(armresources.PropertyChangeTypeModify, "properties.networkAcls.defaultAction", "Allow", "Deny"),
			prop(armresources.PropertyChangeTypeNoEffect, "properties.accessTier", nil, "Hot"),
		),
		change(armresources.ChangeTypeCreate, sub+"/resourceGroups/"+rgCompute, "2025-04-01"),
		change(armresources.ChangeTypeModify, rid(rgNetwork, "Microsoft.Network/virtualNetworks", "vnet-northwind-tune-eastus2"), "2025-07-01",
			prop(armresources.PropertyChangeTypeArray, "properties.dhcpOptions.dnsServers", nil, nil,
				prop(armresources.PropertyChangeTypeCreate, "0", nil, "10.103.0.68"),
				prop(armresources.PropertyChangeTypeDelete, "0", "10.103.0.4", nil),
			),
			prop(armresources.PropertyChangeTypeCreate, "tags.workload", nil, "support-copilot"),
			prop(armresources.PropertyChangeTypeArray, "properties.subnets", nil, nil,
				prop(armresources.PropertyChangeTypeModify, "1", nil, nil,
					prop(armresources.PropertyChangeTypeModify, "properties.privateEndpointNetworkPolicies", "Disabled", "Enabled"),
				),
			),
		),
		change(armresources.ChangeTypeNoChange, rid(rgNetwork, "Microsoft.Network/networkSecurityGroups", "nsg-northwind-tune-eastus2-finetune"), "2025-07-01"),
		change(armresources.ChangeTypeIgnore, rid(rgNetwork, "Microsoft.Network/networkWatchers", "nw-eastus2"), "2024-05-01"),
		change(armresources.ChangeTypeCreate, rid(rgCompute, "Microsoft.ManagedIdentity/userAssignedIdentities", "id-northwind-tune-finetune"), "2024-11-30"),
		{ChangeType: ptr(armresources.ChangeTypeUnsupported), ResourceID: str(rid(rgStorage, "Microsoft.Authorization/roleAssignments", "6d3c1b2a-0000-4000-8000-000000000001")),
			UnsupportedReason: str("Changes to the resource declared at 'properties.template.resources[0]' on line 1 and column 1235 cannot be analyzed because its resource ID or API version cannot be calculated until the deployment is under way. Please see https://aka.ms/WhatIfUnidentifiableResource for more guidance.")},
		change(armresources.ChangeTypeModify, sub+"/providers/Microsoft.Consumption/budgets/budget-northwind-tune", "2024-08-01",
			prop(armresources.PropertyChangeTypeModify, "properties.amount", 10000, 11000)),
		change(armresources.ChangeTypeNoChange, rid(rgNetwork, "Microsoft.Network/routeTables", "rt-northwind-tune-eastus2"), "2025-07-01"),
		change(armresources.ChangeTypeCreate, sub+"/providers/Microsoft.Authorization/policyDefinitions/aizone-storage-lifecycle-policy", "2026-06-01"),
	}
}

// whatIfServer answers the what-if with changes, after one InProgress
// poll, and records the request.
func whatIfServer(changes []*armresources.WhatIfChange, seen *armresources.DeploymentWhatIf, name *string) *fake.ServerFactory {
	srv := &fake.ServerFactory{}
	srv.DeploymentsServer.BeginWhatIfAtSubscriptionScope = func(_ context.Context, n string, p armresources.DeploymentWhatIf, _ *armresources.DeploymentsClientBeginWhatIfAtSubscriptionScopeOptions) (resp azfake.PollerResponder[armresources.DeploymentsClientWhatIfAtSubscriptionScopeResponse], errResp azfake.ErrorResponder) {
		if seen != nil {
			*seen, *name = p, n
		}
		resp.AddNonTerminalResponse(http.StatusAccepted, nil)
		resp.SetTerminalResponse(http.StatusOK, armresources.DeploymentsClientWhatIfAtSubscriptionScopeResponse{WhatIfOperationResult: armresources.WhatIfOperationResult{
			Status:     str("Succeeded"),
			Properties: &armresources.WhatIfOperationProperties{Changes: changes},
		}}, nil)
		return
	}
	return srv
}

func TestWhatIfGolden(t *testing.T) {
	var sent armresources.DeploymentWhatIf
	var name string
	useFakeAzure(t, whatIfServer(whatIfChanges(), &sent, &name), nil)
	code, out, errOut := runCLI(t, zoneArgs(t, "what-if")...)
	if code != ExitOK {
		t.Fatalf("exit %d\n%s", code, errOut)
	}
	golden(t, "whatif-vmss-finetune.txt", []byte(out))
	if name != zoneDeploy || *sent.Location != "eastus2" || *sent.Properties.Mode != armresources.DeploymentModeIncremental ||
		*sent.Properties.WhatIfSettings.ResultFormat != armresources.WhatIfResultFormatFullResourcePayloads {
		t.Errorf("request: name %s, location %s, mode %s", name, *sent.Location, *sent.Properties.Mode)
	}
	if !strings.Contains(errOut, "at subscription "+fakeSub+" (eastus2)") {
		t.Errorf("stderr: %s", errOut)
	}

	// What is sent is what build writes, the placeholder filled in.
	dir := filepath.Join(t.TempDir(), "out")
	if code, _, e := runCLI(t, "build", example("vmss-finetune.yaml"), "--as-of", asOf, "--out", dir); code != ExitOK {
		t.Fatalf("build: %s", e)
	}
	wantT, err := os.ReadFile(filepath.Join(dir, "arm", "main.json"))
	if err != nil {
		t.Fatal(err)
	}
	gotT, err := arm.Marshal(sent.Properties.Template)
	if err != nil {
		t.Fatal(err)
	}
	if string(gotT) != string(wantT) {
		t.Errorf("the template sent is not build's arm/main.json: %s", firstDiff(wantT, gotT))
	}
	var file struct{ Parameters map[string]any }
	data, _ := os.ReadFile(filepath.Join(dir, "arm", "main.parameters.json"))
	if err := json.Unmarshal(data, &file); err != nil {
		t.Fatal(err)
	}
	want := file.Parameters
	want[resources.ParamSSHKey] = map[string]any{"value": "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFakeKeyForTests ml@northwind"}
	wantP, _ := arm.Marshal(want)
	gotP, _ := arm.Marshal(sent.Properties.Parameters)
	if string(gotP) != string(wantP) {
		t.Errorf("the parameters sent are not build's: %s", firstDiff(wantP, gotP))
	}
}

func TestWhatIfJSON(t *testing.T) {
	useFakeAzure(t, whatIfServer(whatIfChanges(), nil, nil), nil)
	code, out, errOut := runCLI(t, zoneArgs(t, "what-if", "--format", "json")...)
	if code != ExitOK {
		t.Fatalf("exit %d\n%s", code, errOut)
	}
	golden(t, "whatif-vmss-finetune.json", []byte(out))
	// Reversed input, same output: the order is aizone's.
	ch := whatIfChanges()
	for i, j := 0, len(ch)-1; i < j; i, j = i+1, j-1 {
		ch[i], ch[j] = ch[j], ch[i]
	}
	useFakeAzure(t, whatIfServer(ch, nil, nil), nil)
	if _, again, _ := runCLI(t, zoneArgs(t, "what-if", "--format", "json")...); again != out {
		t.Error("the output depends on the order of the service's answer")
	}
}

func TestWhatIfNoChanges(t *testing.T) {
	useFakeAzure(t, whatIfServer(nil, nil, nil), nil)
	code, out, _ := runCLI(t, zoneArgs(t, "what-if")...)
	if code != ExitOK || !strings.Contains(out, "No changes") {
		t.Errorf("exit %d:\n%s", code, out)
	}
}

// canned answers one request, chosen by method and path suffix, with an
// ARM error response, and passes the rest on.
type canned struct {
	next         policy.Transporter
	method, path string
	status       int
	header       http.Header
	body         string
	mu           sync.Mutex
	times        int // how many times to answer; <0 for always
}

func (c *canned) Do(req *http.Request) (*http.Response, error) {
	c.mu.Lock()
	hit := req.Method == c.method && strings.HasSuffix(req.URL.Path, c.path) && c.times != 0
	if hit && c.times > 0 {
		c.times--
	}
	c.mu.Unlock()
	if !hit {
		return c.next.Do(req)
	}
	h := http.Header{"Content-Type": {"application/json; charset=utf-8"}, "X-Ms-Failure-Cause": {"gateway"}}
	for k, v := range c.header {
		h[k] = v
	}
	return &http.Response{StatusCode: c.status, Status: http.StatusText(c.status), Header: h, Body: io.NopCloser(strings.NewReader(c.body)), Request: req}, nil
}

// TestWhatIfRefused: what-if needs the deployments' whatIf action; ARM
// answers 403 AuthorizationFailed naming it.
func TestWhatIfRefused(t *testing.T) {
	body := `{"error":{"code":"AuthorizationFailed","message":"The client 'ml@northwind.example' with object id '0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0' does not have authorization to perform action 'Microsoft.Resources/deployments/whatIf/action' over scope '/subscriptions/` + fakeSub + `/providers/Microsoft.Resources/deployments/` + zoneDeploy + `' or the scope is invalid. If access was recently granted, please refresh your credentials."}}`
	useFakeAzure(t, whatIfServer(nil, nil, nil), func(next policy.Transporter) policy.Transporter {
		return &canned{next: next, method: http.MethodPost, path: "/deployments/" + zoneDeploy + "/whatIf", status: http.StatusForbidden, body: body, times: -1}
	})
	code, out, errOut := runCLI(t, zoneArgs(t, "what-if")...)
	if code != ExitFindings || out != "" {
		t.Fatalf("exit %d, stdout %q", code, out)
	}
	for _, want := range []string{
		"aizone: what-if of deployment " + zoneDeploy + " was refused (403 AuthorizationFailed)",
		"may not perform Microsoft.Resources/deployments/whatIf/action on /subscriptions/" + fakeSub,
		`az role assignment create --assignee 0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0 --role "Contributor"`,
	} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}
}

func TestAzureCommandsUsage(t *testing.T) {
	useFakeAzure(t, whatIfServer(nil, nil, nil), nil)
	key := sshKey(t)
	zone := example("vmss-finetune.yaml")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"what-if", zone, "--as-of", asOf}, "--parameter sshPublicKey=VALUE  SSH public key"},
		{[]string{"deploy", zone, "--as-of", asOf, "--dry-run"}, "--parameter sshPublicKey=VALUE"},
		{append([]string{"what-if", example("small.yaml"), "--as-of", asOf}, key...), `"contoso-ai-ft" is one to create`},
		{append([]string{"what-if", zone, "--as-of", asOf, "--subscription", "northwind"}, key...), "is not a subscription id"},
		{append([]string{"what-if", zone, "--as-of", asOf, "--parameter", "nope=1"}, key...), `the template has no parameter "nope"`},
		{append([]string{"what-if", zone, "--as-of", asOf, "--parameter", "budgetAmount"}, key...), "want NAME=VALUE"},
		{append([]string{"what-if", zone, "--as-of", asOf, "--format", "markdown"}, key...), "unknown --format"},
		{append([]string{"deploy", zone, "--as-of", asOf, "--timeout", "0s"}, key...), "--timeout 0s"},
	} {
		code, _, errOut := runCLI(t, tc.args...)
		if code != ExitUsage || !strings.Contains(errOut, tc.want) {
			t.Errorf("%v: exit %d, want 2 and %q:\n%s", tc.args, code, tc.want, errOut)
		}
	}
	if code, _, errOut := runCLI(t, "what-if", example("infeasible.yaml"), "--as-of", asOf, "--subscription", fakeSub); code != ExitFindings || !strings.Contains(errOut, "infeasible") {
		t.Errorf("infeasible: exit %d\n%s", code, errOut)
	}
}

// newDeployClientForTest is a client on tr with millisecond retries and
// polls and a fake credential.
func newDeployClientForTest(sub string, tr policy.Transporter) (*deploy.Client, error) {
	return deploy.NewClient(sub, &azfake.TokenCredential{}, &deploy.Options{
		ClientOptions: &azarm.ClientOptions{ClientOptions: azcore.ClientOptions{
			Transport: tr,
			Retry:     policy.RetryOptions{MaxRetries: 3, RetryDelay: time.Millisecond, MaxRetryDelay: 5 * time.Millisecond},
		}},
		PollEvery: time.Millisecond,
	})
}
