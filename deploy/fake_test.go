package deploy

import (
	"context"
	"io"
	"net/http"
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
)

// The fakes below answer as Azure Resource Manager does; the error bodies
// follow ARM's error format (code, message, target, details,
// additionalInfo of type PolicyViolation), as documented in "Resolve
// errors for request disallowed by policy" and seen in Compute's quota
// messages.

const testSub = "44444444-5555-6666-7777-888888888888"

// testClient connects a Client to the SDK's fake servers; wrap, when not
// nil, sits between the client and them (to answer 429 first). Retries
// and polls wait a millisecond so that tests stay fast.
func testClient(t *testing.T, srv *fake.ServerFactory, wrap func(policy.Transporter) policy.Transporter) *Client {
	t.Helper()
	var tr policy.Transporter = fake.NewServerFactoryTransport(srv)
	if wrap != nil {
		tr = wrap(tr)
	}
	c, err := NewClient(testSub, &azfake.TokenCredential{}, &Options{
		ClientOptions: &azarm.ClientOptions{ClientOptions: azcore.ClientOptions{
			Transport: tr,
			Retry:     policy.RetryOptions{MaxRetries: 3, RetryDelay: time.Millisecond, MaxRetryDelay: 5 * time.Millisecond},
		}},
		PollEvery: time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func testDeployment() *Deployment {
	return &Deployment{Name: "aizone-northwind-ft", Location: "eastus2",
		Template: map[string]any{"$schema": "https://schema.management.azure.com/schemas/2018-05-01/subscriptionDeploymentTemplate.json#", "contentVersion": "1.0.0.0", "resources": []any{}},
		Values:   map[string]any{"sshPublicKey": "ssh-ed25519 AAAA test"}}
}

func str(s string) *string { return &s }

func armErr(code, msg string, details ...*armresources.ErrorResponse) *armresources.ErrorResponse {
	return &armresources.ErrorResponse{Code: str(code), Message: str(msg), Details: details}
}

const (
	rgCompute = "rg-northwind-ft-compute-eastus2"
	nestedDep = "aizone-northwind-ft-compute-main"
)

func resID(rg, typ, name string) string { return deployfake.ResourceID(testSub, rg, typ, name) }

// op is a deployment operation as ARM lists it.
func op(id, typ, name, rg, state string, e *armresources.ErrorResponse) *armresources.DeploymentOperation {
	return deployfake.Operation(testSub, id, typ, name, rg, state, "PT12.5S", e)
}

func ptr[T any](v T) *T { return deployfake.Ptr(v) }

// operations serves the zone deployment's operations and the nested
// compute deployment's, each as a function of how often it was listed.
func operations(srv *fake.ServerFactory, root, inner func(n int) []*armresources.DeploymentOperation) {
	deployfake.Operations(srv, rgCompute, nestedDep, root, inner)
}

// deploying answers the PUT with 201 and one InProgress poll, then ends
// with final (nil: Failed, DeploymentFailed).
func deploying(srv *fake.ServerFactory, final *armresources.DeploymentExtended, seen *armresources.Deployment) {
	deployfake.Deploying(srv, final, seen)
}

func TestDeploySucceeds(t *testing.T) {
	srv := &fake.ServerFactory{}
	var sent armresources.Deployment
	deploying(srv, &armresources.DeploymentExtended{Name: str("aizone-northwind-ft"), Properties: &armresources.DeploymentPropertiesExtended{
		ProvisioningState: ptr(armresources.ProvisioningStateSucceeded),
		Duration:          str("PT4M31.2S"),
		Outputs:           map[string]any{"vnetId": map[string]any{"type": "String", "value": resID(rgCompute, "Microsoft.Network/virtualNetworks", "vnet-ft")}},
	}}, &sent)
	operations(srv, func(n int) []*armresources.DeploymentOperation {
		state := "Running"
		if n > 1 {
			state = "Succeeded"
		}
		return []*armresources.DeploymentOperation{
			op("A1", "Microsoft.Resources/resourceGroups", rgCompute, "", "Succeeded", nil),
			op("A2", "Microsoft.Resources/deployments", nestedDep, rgCompute, state, nil),
			// Evaluating the outputs has no target: not progress.
			{OperationID: str("A3"), Properties: &armresources.DeploymentOperationProperties{ProvisioningState: str("Running"), ProvisioningOperation: ptr(armresources.ProvisioningOperationEvaluateDeploymentOutput)}},
		}
	}, func(n int) []*armresources.DeploymentOperation {
		if n == 1 {
			return []*armresources.DeploymentOperation{op("B1", "Microsoft.Network/virtualNetworks", "vnet-ft", rgCompute, "Running", nil)}
		}
		return []*armresources.DeploymentOperation{
			op("B1", "Microsoft.Network/virtualNetworks", "vnet-ft", rgCompute, "Succeeded", nil),
			op("B2", "Microsoft.Compute/virtualMachineScaleSets", "vmss-finetune", rgCompute, "Succeeded", nil),
		}
	})
	c := testClient(t, srv, nil)
	var updates []Update
	res, err := c.Deploy(context.Background(), testDeployment(), func(u Update) { updates = append(updates, u) })
	if err != nil {
		t.Fatal(err)
	}
	if *sent.Location != "eastus2" || *sent.Properties.Mode != armresources.DeploymentModeIncremental {
		t.Errorf("request: location %s, mode %s", *sent.Location, *sent.Properties.Mode)
	}
	if ps := sent.Properties.Parameters.(map[string]any); ps["sshPublicKey"].(map[string]any)["value"] != "ssh-ed25519 AAAA test" {
		t.Errorf("parameters sent: %v", ps)
	}
	if res.Outputs["vnetId"] != resID(rgCompute, "Microsoft.Network/virtualNetworks", "vnet-ft") || res.Duration != "PT4M31.2S" {
		t.Errorf("result: %+v", res)
	}
	var lines []string
	for _, u := range updates {
		for _, o := range u.Changed {
			lines = append(lines, o.Deployment+" "+o.ResourceName+" "+o.State)
		}
	}
	want := []string{
		"aizone-northwind-ft " + rgCompute + " Succeeded",
		"aizone-northwind-ft " + nestedDep + " Running",
		nestedDep + " vnet-ft Running",
		"aizone-northwind-ft " + nestedDep + " Succeeded",
		nestedDep + " vnet-ft Succeeded",
		nestedDep + " vmss-finetune Succeeded",
	}
	if strings.Join(lines, "\n") != strings.Join(want, "\n") {
		t.Errorf("progress:\n%s\nwant:\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
	}
	last := updates[len(updates)-1]
	if last.Total != 4 || last.Succeeded != 4 || last.Running != 0 {
		t.Errorf("last update counts: %+v", last)
	}
	if len(updates[0].Active) != 1 || updates[0].Active[0] != "vnet-ft" {
		t.Errorf("first update active: %v", updates[0].Active)
	}
	if len(c.Throttled()) != 0 {
		t.Errorf("throttled: %v", c.Throttled())
	}
}

// failedDeployment runs a deployment whose compute operation fails with e.
func failedDeployment(t *testing.T, typ, name string, e *armresources.ErrorResponse) *Failure {
	t.Helper()
	srv := &fake.ServerFactory{}
	deploying(srv, nil, nil)
	operations(srv, func(n int) []*armresources.DeploymentOperation {
		return []*armresources.DeploymentOperation{
			op("A1", "Microsoft.Resources/resourceGroups", rgCompute, "", "Succeeded", nil),
			op("A2", "Microsoft.Resources/deployments", nestedDep, rgCompute, "Failed",
				armErr("DeploymentFailed", "At least one resource deployment operation failed. Please list deployment operations for details. Please see https://aka.ms/arm-deployment-operations for usage details.",
					armErr("ResourceDeploymentFailure", "The resource write operation failed to complete successfully, because it reached terminal provisioning state 'Failed'."))),
		}
	}, func(n int) []*armresources.DeploymentOperation {
		return []*armresources.DeploymentOperation{
			op("B1", "Microsoft.Network/virtualNetworks", "vnet-ft", rgCompute, "Succeeded", nil),
			op("B2", typ, name, rgCompute, "Failed", e),
		}
	})
	c := testClient(t, srv, nil)
	_, err := c.Deploy(context.Background(), testDeployment(), nil)
	f, ok := err.(*Failure)
	if !ok {
		t.Fatalf("want a *Failure, got %T %v", err, err)
	}
	if f.Stage != StageDeployment || f.Code != "DeploymentFailed" || !IsService(err) {
		t.Errorf("failure: %+v", f)
	}
	if len(f.Causes) != 1 {
		t.Fatalf("want 1 cause (the operation's, not the nested deployment's), got %d:\n%v", len(f.Causes), f)
	}
	c0 := f.Causes[0]
	if c0.ResourceName != name || c0.ResourceGroup != rgCompute || c0.Deployment != nestedDep {
		t.Errorf("cause is not the failed operation: %+v", c0)
	}
	return f
}

func TestDeployQuotaExceeded(t *testing.T) {
	msg := "Operation could not be completed as it results in exceeding approved standardNDSH100v5Family Cores quota. Additional details - Deployment Model: Resource Manager, Location: eastus2, Current Limit: 96, Current Usage: 0, Additional Required: 192, (Minimum) New Limit Required: 192. Submit a request for Quota increase at https://aka.ms/ProdportalCRP/#blade/Microsoft_Azure_Capacity/UsageAndQuota.ReactView/Parameters/%7B%22subscriptionId%22:%2244444444-5555-6666-7777-888888888888%22%7D by specifying parameters listed in the ‘Details’ section for deployment to succeed. Please read more about quota limits at https://docs.microsoft.com/en-us/azure/azure-supportability/per-vm-quota-requests"
	f := failedDeployment(t, "Microsoft.Compute/virtualMachineScaleSets", "vmss-finetune", armErr("OperationNotAllowed", msg))
	q := f.Causes[0].Quota
	if q == nil || *q != (Quota{Name: "standardNDSH100v5Family", Region: "eastus2", Limit: 96, Usage: 0, Required: 192, NewLimit: 192}) {
		t.Fatalf("quota: %+v", q)
	}
	text := f.Error()
	for _, want := range []string{
		"deployment aizone-northwind-ft failed (DeploymentFailed)",
		"Microsoft.Compute/virtualMachineScaleSets vmss-finetune in " + rgCompute + ": OperationNotAllowed: Operation could not be completed as it results in exceeding approved standardNDSH100v5Family Cores quota",
		"the subscription's standardNDSH100v5Family quota in eastus2 is too small (limit 96, 0 in use, 192 more needed)",
		"az quota create --resource-name standardNDSH100v5Family --scope /subscriptions/" + testSub + "/providers/Microsoft.Compute/locations/eastus2 --limit-object value=192 limit-object-type=LimitValue --resource-type dedicated",
		"prerequisites.md",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("message lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "aka.ms/ProdportalCRP") {
		t.Errorf("the portal link should be cut:\n%s", text)
	}
}

// policyViolation is additionalInfo as ARM attaches it to
// RequestDisallowedByPolicy.
func policyViolation() []*armresources.ErrorAdditionalInfo {
	return []*armresources.ErrorAdditionalInfo{{
		Type: str("PolicyViolation"),
		Info: map[string]any{
			"evaluationDetails": map[string]any{"evaluatedExpressions": []any{
				map[string]any{"result": "True", "expressionKind": "Field", "expression": "type", "path": "type", "expressionValue": "Microsoft.Storage/storageAccounts", "targetValue": "Microsoft.Storage/storageAccounts", "operator": "Equals"},
				map[string]any{"result": "True", "expressionKind": "Field", "expression": "Microsoft.Storage/storageAccounts/allowSharedKeyAccess", "path": "properties.allowSharedKeyAccess", "expressionValue": true, "targetValue": false, "operator": "NotEquals"},
			}},
			"policyDefinitionId":             "/providers/Microsoft.Authorization/policyDefinitions/8c6a50c6-9ffd-4ae7-986f-5fa6111f9a54",
			"policySetDefinitionId":          "/providers/Microsoft.Management/managementGroups/contoso/providers/Microsoft.Authorization/policySetDefinitions/Enforce-Guardrails-Storage",
			"policyDefinitionReferenceId":    "Deny-Storage-SharedKey",
			"policySetDefinitionName":        "Enforce-Guardrails-Storage",
			"policySetDefinitionDisplayName": "Enforce recommended guardrails for Storage Account",
			"policyDefinitionName":           "8c6a50c6-9ffd-4ae7-986f-5fa6111f9a54",
			"policyDefinitionDisplayName":    "Storage accounts should prevent shared key access",
			"policyDefinitionEffect":         "Deny",
			"policyAssignmentId":             "/providers/Microsoft.Management/managementGroups/contoso-corp/providers/Microsoft.Authorization/policyAssignments/Enforce-GR-Storage",
			"policyAssignmentName":           "Enforce-GR-Storage",
			"policyAssignmentDisplayName":    "Enforce recommended guardrails for Storage Account",
			"policyAssignmentScope":          "/providers/Microsoft.Management/managementGroups/contoso-corp",
			"policyAssignmentParameters":     map[string]any{},
			"policyExemptionIds":             []any{},
		},
	}}
}

const policyMessage = `Resource 'stnorthwindft' was disallowed by policy. Policy identifiers: '[{"policyAssignment":{"name":"Enforce recommended guardrails for Storage Account","id":"/providers/Microsoft.Management/managementGroups/contoso-corp/providers/Microsoft.Authorization/policyAssignments/Enforce-GR-Storage"},"policyDefinition":{"name":"Storage accounts should prevent shared key access","id":"/providers/Microsoft.Authorization/policyDefinitions/8c6a50c6-9ffd-4ae7-986f-5fa6111f9a54"},"policySetDefinition":{"name":"Enforce recommended guardrails for Storage Account","id":"/providers/Microsoft.Management/managementGroups/contoso/providers/Microsoft.Authorization/policySetDefinitions/Enforce-Guardrails-Storage"}}]'.`

func checkPolicy(t *testing.T, f *Failure) {
	t.Helper()
	if len(f.Causes) != 1 || len(f.Causes[0].Policy) != 1 {
		t.Fatalf("want one cause with one policy:\n%v", f)
	}
	p := f.Causes[0].Policy[0]
	if p.AssignmentName != "Enforce-GR-Storage" || p.AssignmentScope != "/providers/Microsoft.Management/managementGroups/contoso-corp" ||
		p.DefinitionDisplayName != "Storage accounts should prevent shared key access" || p.ReferenceID != "Deny-Storage-SharedKey" || p.Effect != "Deny" {
		t.Errorf("policy: %+v", p)
	}
	text := f.Error()
	for _, want := range []string{
		"RequestDisallowedByPolicy: Resource 'stnorthwindft' was disallowed by policy.\n",
		`policy: assignment "Enforce recommended guardrails for Storage Account" (/providers/Microsoft.Management/managementGroups/contoso-corp/providers/Microsoft.Authorization/policyAssignments/Enforce-GR-Storage) at /providers/Microsoft.Management/managementGroups/contoso-corp; definition "Storage accounts should prevent shared key access" (/providers/Microsoft.Authorization/policyDefinitions/8c6a50c6-9ffd-4ae7-986f-5fa6111f9a54); in initiative "Enforce recommended guardrails for Storage Account"`,
		"as Deny-Storage-SharedKey; effect Deny",
		"az policy assignment show --name Enforce-GR-Storage --scope /providers/Microsoft.Management/managementGroups/contoso-corp",
		"az policy definition show --name 8c6a50c6-9ffd-4ae7-986f-5fa6111f9a54)",
		"aizone plan ZONE --library DIR --builtins DIR",
		"az policy exemption create",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("message lacks %q:\n%s", want, text)
		}
	}
}

func TestDeployPolicyRefusal(t *testing.T) {
	e := armErr("RequestDisallowedByPolicy", policyMessage)
	e.Target = str("stnorthwindft")
	e.AdditionalInfo = policyViolation()
	f := failedDeployment(t, "Microsoft.Storage/storageAccounts", "stnorthwindft", e)
	checkPolicy(t, f)
}

// TestValidatePolicyRefusal is preflight's answer: 400 with
// InvalidTemplateDeployment whose details hold the policy refusal.
func TestValidatePolicyRefusal(t *testing.T) {
	srv := &fake.ServerFactory{}
	srv.DeploymentsServer.BeginValidateAtSubscriptionScope = func(_ context.Context, name string, p armresources.Deployment, _ *armresources.DeploymentsClientBeginValidateAtSubscriptionScopeOptions) (resp azfake.PollerResponder[armresources.DeploymentsClientValidateAtSubscriptionScopeResponse], errResp azfake.ErrorResponder) {
		d := armErr("RequestDisallowedByPolicy", policyMessage)
		d.Target = str("stnorthwindft")
		d.AdditionalInfo = policyViolation()
		resp.SetTerminalResponse(http.StatusBadRequest, armresources.DeploymentsClientValidateAtSubscriptionScopeResponse{DeploymentValidateResult: armresources.DeploymentValidateResult{
			Error: armErr("InvalidTemplateDeployment", "The template deployment failed because of policy violation. Please see details for more information.", d),
		}}, nil)
		return
	}
	c := testClient(t, srv, nil)
	err := c.Validate(context.Background(), testDeployment())
	f, ok := err.(*Failure)
	if !ok {
		t.Fatalf("want a *Failure, got %T %v", err, err)
	}
	if f.Status != http.StatusBadRequest || f.Code != "InvalidTemplateDeployment" || f.Stage != StageValidation {
		t.Errorf("failure: %+v", f)
	}
	if f.Causes[0].Target != "stnorthwindft" {
		t.Errorf("target: %+v", f.Causes[0])
	}
	checkPolicy(t, f)
	if !strings.HasPrefix(f.Error(), "validation of deployment aizone-northwind-ft failed (400 InvalidTemplateDeployment): The template deployment failed because of policy violation.") {
		t.Errorf("summary: %s", f.Error())
	}
}

func TestValidatePasses(t *testing.T) {
	srv := &fake.ServerFactory{}
	srv.DeploymentsServer.BeginValidateAtSubscriptionScope = func(_ context.Context, name string, p armresources.Deployment, _ *armresources.DeploymentsClientBeginValidateAtSubscriptionScopeOptions) (resp azfake.PollerResponder[armresources.DeploymentsClientValidateAtSubscriptionScopeResponse], errResp azfake.ErrorResponder) {
		resp.AddNonTerminalResponse(http.StatusAccepted, nil)
		resp.SetTerminalResponse(http.StatusOK, armresources.DeploymentsClientValidateAtSubscriptionScopeResponse{DeploymentValidateResult: armresources.DeploymentValidateResult{
			Properties: &armresources.DeploymentPropertiesExtended{ProvisioningState: ptr(armresources.ProvisioningStateSucceeded)},
		}}, nil)
		return
	}
	if err := testClient(t, srv, nil).Validate(context.Background(), testDeployment()); err != nil {
		t.Fatal(err)
	}
}

func TestDeployAuthorizationFailed(t *testing.T) {
	msg := "The client 'deployer@contoso.com' with object id '0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0' does not have authorization to perform action 'Microsoft.Authorization/roleAssignments/write' over scope '/subscriptions/" + testSub + "/resourceGroups/" + rgCompute + "/providers/Microsoft.Authorization/roleAssignments/6d3c1b2a-0000-4000-8000-000000000001' or the scope is invalid. If access was recently granted, please refresh your credentials."
	f := failedDeployment(t, "Microsoft.Authorization/roleAssignments", "6d3c1b2a-0000-4000-8000-000000000001", armErr("AuthorizationFailed", msg))
	a := f.Causes[0].Authorization
	if a == nil || a.Action != "Microsoft.Authorization/roleAssignments/write" || a.Role != "Role Based Access Control Administrator" || a.ObjectID != "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0" {
		t.Fatalf("authorization: %+v", a)
	}
	if !strings.Contains(f.Error(), `az role assignment create --assignee 0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0 --role "Role Based Access Control Administrator"`) {
		t.Errorf("message:\n%s", f.Error())
	}
}

// TestDeployFailureFromRecord: a deployment that fails before its
// operations are listed is explained from its record's error.
func TestDeployFailureFromRecord(t *testing.T) {
	srv := &fake.ServerFactory{}
	deploying(srv, nil, nil)
	operations(srv, func(int) []*armresources.DeploymentOperation { return nil }, func(int) []*armresources.DeploymentOperation { return nil })
	srv.DeploymentsServer.GetAtSubscriptionScope = func(_ context.Context, name string, _ *armresources.DeploymentsClientGetAtSubscriptionScopeOptions) (resp azfake.Responder[armresources.DeploymentsClientGetAtSubscriptionScopeResponse], errResp azfake.ErrorResponder) {
		resp.SetResponse(http.StatusOK, armresources.DeploymentsClientGetAtSubscriptionScopeResponse{DeploymentExtended: armresources.DeploymentExtended{Properties: &armresources.DeploymentPropertiesExtended{
			ProvisioningState: ptr(armresources.ProvisioningStateFailed),
			Error: armErr("DeploymentFailed", "At least one resource deployment operation failed.",
				armErr("QuotaExceeded", "Operation could not be completed as it results in exceeding approved Total Regional Cores quota. Additional details - Deployment Model: Resource Manager, Location: eastus2, Current Limit: 350, Current Usage: 300, Additional Required: 96, (Minimum) New Limit Required: 396.")),
		}}}, nil)
		return
	}
	_, err := testClient(t, srv, nil).Deploy(context.Background(), testDeployment(), nil)
	f, ok := err.(*Failure)
	if !ok || len(f.Causes) != 1 || f.Causes[0].Quota == nil || f.Causes[0].Quota.Name != "cores" || f.Causes[0].Quota.NewLimit != 396 {
		t.Fatalf("want the record's quota cause, got %v", err)
	}
}

// throttling answers the first n requests with 429 as ARM does, with
// Retry-After: 0 so that the SDK waits RetryOptions.RetryDelay (a
// millisecond here) instead of ARM's usual seconds.
type throttling struct {
	next policy.Transporter
	mu   sync.Mutex
	n    int
}

func (t *throttling) Do(req *http.Request) (*http.Response, error) {
	t.mu.Lock()
	throttle := t.n > 0
	t.n--
	t.mu.Unlock()
	if !throttle {
		return t.next.Do(req)
	}
	h := http.Header{}
	h.Set("Retry-After", "0")
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("x-ms-ratelimit-remaining-subscription-writes", "0")
	body := `{"error":{"code":"SubscriptionRequestsThrottled","message":"Number of 'write' requests for subscription '` + testSub + `' actor '0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0' exceeded. Please try again after '17' seconds after additional tokens are available. Refer to https://aka.ms/arm-throttling for additional information."}}`
	return &http.Response{StatusCode: http.StatusTooManyRequests, Status: "429 Too Many Requests", Header: h, Body: io.NopCloser(strings.NewReader(body)), Request: req}, nil
}

func TestThrottledRetried(t *testing.T) {
	srv := &fake.ServerFactory{}
	deploying(srv, &armresources.DeploymentExtended{Properties: &armresources.DeploymentPropertiesExtended{ProvisioningState: ptr(armresources.ProvisioningStateSucceeded)}}, nil)
	operations(srv, func(int) []*armresources.DeploymentOperation { return nil }, func(int) []*armresources.DeploymentOperation { return nil })
	c := testClient(t, srv, func(next policy.Transporter) policy.Transporter { return &throttling{next: next, n: 1} })
	if _, err := c.Deploy(context.Background(), testDeployment(), nil); err != nil {
		t.Fatal(err)
	}
	th := c.Throttled()
	if len(th) != 1 || th[0].Method != http.MethodPut || th[0].RetryAfter != "0" || !strings.HasSuffix(th[0].Path, "/providers/Microsoft.Resources/deployments/aizone-northwind-ft") {
		t.Errorf("throttled: %+v", th)
	}
}

func TestThrottledOut(t *testing.T) {
	srv := &fake.ServerFactory{}
	deploying(srv, &armresources.DeploymentExtended{}, nil)
	c := testClient(t, srv, func(next policy.Transporter) policy.Transporter { return &throttling{next: next, n: 100} })
	_, err := c.Deploy(context.Background(), testDeployment(), nil)
	f, ok := err.(*Failure)
	if !ok {
		t.Fatalf("want a *Failure, got %T %v", err, err)
	}
	if f.Status != http.StatusTooManyRequests || len(f.Causes) != 1 || !f.Causes[0].Throttled {
		t.Fatalf("failure: %v", f)
	}
	if n := len(c.Throttled()); n != 4 {
		t.Errorf("%d tries throttled, want 4 (MaxRetries 3)", n)
	}
	if !strings.Contains(f.Error(), "the SDK's retry policy retried them") {
		t.Errorf("message:\n%s", f.Error())
	}
}

// TestNotReached: no credential is not the service's refusal.
func TestNotReached(t *testing.T) {
	cred := &azfake.TokenCredential{}
	cred.SetError(io.ErrUnexpectedEOF)
	c, err := NewClient(testSub, cred, &Options{ClientOptions: &azarm.ClientOptions{ClientOptions: azcore.ClientOptions{
		Transport: fake.NewServerFactoryTransport(&fake.ServerFactory{}),
		Retry:     policy.RetryOptions{MaxRetries: -1},
	}}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.WhatIf(context.Background(), testDeployment())
	if err == nil || IsService(err) {
		t.Fatalf("want a non-service error, got %v", err)
	}
}
