package cli

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/aizone/aizone/deploy/deployfake"

	azfake "github.com/Azure/azure-sdk-for-go/sdk/azcore/fake"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/resources/armresources"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/resources/armresources/fake"
	"github.com/aizone/aizone/deploy"
)

const nestedCompute = "aizone-" + rgCompute

// operation is a deployment operation as ARM lists it.
func operation(id, typ, name, rg, state string, e *armresources.ErrorResponse) *armresources.DeploymentOperation {
	return deployfake.Operation(fakeSub, id, typ, name, rg, state, "PT1M2.5S", e)
}

// deployServer deploys after two polls, ending in final (nil: the polled
// status is Failed, DeploymentFailed); the zone's operations are root(n)
// and every nested deployment's inner(n), n counting lists.
func deployServer(final *armresources.DeploymentExtended, root, inner func(n int) []*armresources.DeploymentOperation) *fake.ServerFactory {
	srv := &fake.ServerFactory{}
	deployfake.Deploying(srv, final, nil)
	deployfake.Operations(srv, "", "", root, inner)
	return srv
}

func succeeded() *armresources.DeploymentExtended {
	return &armresources.DeploymentExtended{Properties: &armresources.DeploymentPropertiesExtended{
		ProvisioningState: ptr(armresources.ProvisioningStateSucceeded),
		Duration:          str("PT7M12.3S"),
		Outputs: map[string]any{
			"vnetId":     map[string]any{"type": "String", "value": rid(rgNetwork, "Microsoft.Network/virtualNetworks", "vnet-northwind-tune-eastus2")},
			"keyVaultId": map[string]any{"type": "String", "value": rid(rgCompute, "Microsoft.KeyVault/vaults", "kvnorthwindtunecccc5d")},
		},
	}}
}

func TestDeploy(t *testing.T) {
	srv := deployServer(succeeded(), func(n int) []*armresources.DeploymentOperation {
		state := "Running"
		if n > 1 {
			state = "Succeeded"
		}
		return []*armresources.DeploymentOperation{
			operation("R1", "Microsoft.Resources/resourceGroups", rgCompute, "", "Succeeded", nil),
			operation("R2", "Microsoft.Resources/deployments", nestedCompute, rgCompute, state, nil),
		}
	}, func(n int) []*armresources.DeploymentOperation {
		state := "Running"
		if n > 1 {
			state = "Succeeded"
		}
		return []*armresources.DeploymentOperation{
			operation("C1", "Microsoft.ManagedIdentity/userAssignedIdentities", "id-northwind-tune-finetune", rgCompute, "Succeeded", nil),
			operation("C2", "Microsoft.Compute/virtualMachineScaleSets", "vmss-finetune", rgCompute, state, nil),
		}
	})
	useFakeAzure(t, srv, nil)
	code, out, errOut := runCLI(t, zoneArgs(t, "deploy")...)
	if code != ExitOK {
		t.Fatalf("exit %d\n%s", code, errOut)
	}
	wantErr := "aizone: deploying " + zoneDeploy + " to subscription " + fakeSub + " (eastus2): "
	if !strings.HasPrefix(errOut, wantErr) {
		t.Errorf("stderr starts:\n%s", errOut)
	}
	// Plain lines (stderr is no terminal here), in the order they happen.
	want := strings.Join([]string{
		"  Succeeded  Microsoft.Resources/resourceGroups " + rgCompute + " (1m2.5s)",
		"  Running    Microsoft.Resources/deployments " + nestedCompute + " (" + rgCompute + ")",
		"  Succeeded  Microsoft.ManagedIdentity/userAssignedIdentities id-northwind-tune-finetune (" + rgCompute + ", 1m2.5s)",
		"  Running    Microsoft.Compute/virtualMachineScaleSets vmss-finetune (" + rgCompute + ")",
		"  Succeeded  Microsoft.Resources/deployments " + nestedCompute + " (" + rgCompute + ", 1m2.5s)",
		"  Succeeded  Microsoft.Compute/virtualMachineScaleSets vmss-finetune (" + rgCompute + ", 1m2.5s)",
		"aizone: deployment " + zoneDeploy + " succeeded in 7m12.3s (4 operations)",
	}, "\n")
	if !strings.Contains(errOut, want) {
		t.Errorf("stderr:\n%s\nwant:\n%s", errOut, want)
	}
	if strings.Contains(errOut, "\r") || strings.Contains(errOut, "\033[") {
		t.Error("a status line was drawn on a non-terminal")
	}
	wantOut := "keyVaultId\t" + rid(rgCompute, "Microsoft.KeyVault/vaults", "kvnorthwindtunecccc5d") + "\nvnetId\t" + rid(rgNetwork, "Microsoft.Network/virtualNetworks", "vnet-northwind-tune-eastus2") + "\n"
	if out != wantOut {
		t.Errorf("stdout:\n%s\nwant:\n%s", out, wantOut)
	}
}

func TestDeployQuota(t *testing.T) {
	quota := &armresources.ErrorResponse{Code: str("OperationNotAllowed"), Message: str("Operation could not be completed as it results in exceeding approved standardNDSH100v5Family Cores quota. Additional details - Deployment Model: Resource Manager, Location: eastus2, Current Limit: 0, Current Usage: 0, Additional Required: 96, (Minimum) New Limit Required: 96. Submit a request for Quota increase at https://aka.ms/ProdportalCRP/#blade/Microsoft_Azure_Capacity/UsageAndQuota.ReactView/Parameters/%7B%22subscriptionId%22:%22" + fakeSub + "%22%7D by specifying parameters listed in the ‘Details’ section for deployment to succeed. Please read more about quota limits at https://docs.microsoft.com/en-us/azure/azure-supportability/per-vm-quota-requests")}
	failed := &armresources.ErrorResponse{Code: str("DeploymentFailed"), Message: str("At least one resource deployment operation failed. Please list deployment operations for details. Please see https://aka.ms/arm-deployment-operations for usage details."),
		Details: []*armresources.ErrorResponse{quota}}
	srv := deployServer(nil, func(int) []*armresources.DeploymentOperation {
		return []*armresources.DeploymentOperation{
			operation("R1", "Microsoft.Resources/resourceGroups", rgCompute, "", "Succeeded", nil),
			operation("R2", "Microsoft.Resources/deployments", nestedCompute, rgCompute, "Failed", failed),
		}
	}, func(int) []*armresources.DeploymentOperation {
		return []*armresources.DeploymentOperation{
			operation("C1", "Microsoft.Compute/proximityPlacementGroups", "ppg-finetune", rgCompute, "Succeeded", nil),
			operation("C2", "Microsoft.Compute/virtualMachineScaleSets", "vmss-finetune", rgCompute, "Failed", quota),
		}
	})
	useFakeAzure(t, srv, nil)
	code, out, errOut := runCLI(t, zoneArgs(t, "deploy")...)
	if code != ExitFindings || out != "" {
		t.Fatalf("exit %d, stdout %q\n%s", code, out, errOut)
	}
	for _, want := range []string{
		"  Failed     Microsoft.Compute/virtualMachineScaleSets vmss-finetune (" + rgCompute + ", 1m2.5s): OperationNotAllowed\n",
		"aizone: deployment " + zoneDeploy + " failed (DeploymentFailed)\n",
		"  Microsoft.Compute/virtualMachineScaleSets vmss-finetune in " + rgCompute + ": OperationNotAllowed: Operation could not be completed as it results in exceeding approved standardNDSH100v5Family Cores quota.",
		"what to do: the subscription's standardNDSH100v5Family quota in eastus2 is too small (limit 0, 0 in use, 96 more needed)",
		"az quota create --resource-name standardNDSH100v5Family --scope /subscriptions/" + fakeSub + "/providers/Microsoft.Compute/locations/eastus2 --limit-object value=96",
		"prerequisites.md's quota section",
	} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}
	if strings.Count(errOut, "what to do:") != 1 {
		t.Errorf("want one cause (the operation, not its nested deployment again):\n%s", errOut)
	}
}

// policyRefusal is ARM's preflight answer to a storage account the
// platform's policy denies.
const policyRefusal = `{"error":{"code":"InvalidTemplateDeployment","message":"The template deployment failed because of policy violation. Please see details for more information.","details":[{"code":"RequestDisallowedByPolicy","target":"stnorthwindtunecccc5d","message":"Resource 'stnorthwindtunecccc5d' was disallowed by policy. Policy identifiers: '[{\"policyAssignment\":{\"name\":\"Deny storage accounts with public network access\",\"id\":\"/providers/Microsoft.Management/managementGroups/northwind-corp/providers/Microsoft.Authorization/policyAssignments/Deny-Storage-PublicNet\"},\"policyDefinition\":{\"name\":\"Storage accounts should disable public network access\",\"id\":\"/providers/Microsoft.Authorization/policyDefinitions/b2982f36-99f2-4db5-8eff-283140c09693\"}}]'.","additionalInfo":[{"type":"PolicyViolation","info":{"evaluationDetails":{"evaluatedExpressions":[{"result":"True","expressionKind":"Field","expression":"type","path":"type","expressionValue":"Microsoft.Storage/storageAccounts","targetValue":"Microsoft.Storage/storageAccounts","operator":"Equals"},{"result":"True","expressionKind":"Field","expression":"Microsoft.Storage/storageAccounts/publicNetworkAccess","path":"properties.publicNetworkAccess","expressionValue":"Enabled","targetValue":"Disabled","operator":"NotEquals"}]},"policyDefinitionId":"/providers/Microsoft.Authorization/policyDefinitions/b2982f36-99f2-4db5-8eff-283140c09693","policyDefinitionName":"b2982f36-99f2-4db5-8eff-283140c09693","policyDefinitionDisplayName":"Storage accounts should disable public network access","policyDefinitionVersion":"1.0.1","policyDefinitionEffect":"deny","policyAssignmentId":"/providers/Microsoft.Management/managementGroups/northwind-corp/providers/Microsoft.Authorization/policyAssignments/Deny-Storage-PublicNet","policyAssignmentName":"Deny-Storage-PublicNet","policyAssignmentDisplayName":"Deny storage accounts with public network access","policyAssignmentScope":"/providers/Microsoft.Management/managementGroups/northwind-corp","policyAssignmentParameters":{},"policyExemptionIds":[],"policyEnrollmentIds":[]}}]}]}}`

func TestDeployDryRunPolicy(t *testing.T) {
	useFakeAzure(t, &fake.ServerFactory{}, func(next policy.Transporter) policy.Transporter {
		return &canned{next: next, method: http.MethodPost, path: "/deployments/" + zoneDeploy + "/validate", status: http.StatusBadRequest, body: policyRefusal, times: -1}
	})
	code, _, errOut := runCLI(t, zoneArgs(t, "deploy", "--dry-run")...)
	if code != ExitFindings {
		t.Fatalf("exit %d\n%s", code, errOut)
	}
	for _, want := range []string{
		"aizone: validating deployment " + zoneDeploy,
		"validation of deployment " + zoneDeploy + " failed (400 InvalidTemplateDeployment)",
		"stnorthwindtunecccc5d: RequestDisallowedByPolicy: Resource 'stnorthwindtunecccc5d' was disallowed by policy.\n",
		`policy: assignment "Deny storage accounts with public network access" (/providers/Microsoft.Management/managementGroups/northwind-corp/providers/Microsoft.Authorization/policyAssignments/Deny-Storage-PublicNet) at /providers/Microsoft.Management/managementGroups/northwind-corp; definition "Storage accounts should disable public network access" (/providers/Microsoft.Authorization/policyDefinitions/b2982f36-99f2-4db5-8eff-283140c09693); effect deny`,
		"az policy assignment show --name Deny-Storage-PublicNet --scope /providers/Microsoft.Management/managementGroups/northwind-corp",
		"az policy definition show --name b2982f36-99f2-4db5-8eff-283140c09693",
	} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}
}

func TestDeployDryRun(t *testing.T) {
	srv := &fake.ServerFactory{}
	called := false
	srv.DeploymentsServer.BeginValidateAtSubscriptionScope = func(_ context.Context, name string, p armresources.Deployment, _ *armresources.DeploymentsClientBeginValidateAtSubscriptionScopeOptions) (resp azfake.PollerResponder[armresources.DeploymentsClientValidateAtSubscriptionScopeResponse], errResp azfake.ErrorResponder) {
		called = name == zoneDeploy && *p.Location == "eastus2"
		resp.SetTerminalResponse(http.StatusOK, armresources.DeploymentsClientValidateAtSubscriptionScopeResponse{DeploymentValidateResult: armresources.DeploymentValidateResult{
			Properties: &armresources.DeploymentPropertiesExtended{ProvisioningState: ptr(armresources.ProvisioningStateSucceeded)},
		}}, nil)
		return
	}
	useFakeAzure(t, srv, nil)
	code, out, errOut := runCLI(t, zoneArgs(t, "deploy", "--dry-run")...)
	if code != ExitOK || !called || out != "" || !strings.Contains(errOut, "Azure Resource Manager accepts deployment "+zoneDeploy) || !strings.Contains(errOut, "nothing was deployed") {
		t.Errorf("exit %d, validated %v, stdout %q\n%s", code, called, out, errOut)
	}
}

// TestDeployThrottled: ARM answers the PUT 429 with Retry-After once; the
// SDK retries (Retry-After: 0 makes it wait the test's millisecond
// RetryDelay instead of ARM's seconds) and the deployment goes on.
func TestDeployThrottled(t *testing.T) {
	srv := deployServer(succeeded(), func(int) []*armresources.DeploymentOperation { return nil }, func(int) []*armresources.DeploymentOperation { return nil })
	body := `{"error":{"code":"SubscriptionRequestsThrottled","message":"Number of 'write' requests for subscription '` + fakeSub + `' actor '0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0' exceeded. Please try again after '0' seconds after additional tokens are available. Refer to https://aka.ms/arm-throttling for additional information."}}`
	useFakeAzure(t, srv, func(next policy.Transporter) policy.Transporter {
		return &canned{next: next, method: http.MethodPut, path: "/deployments/" + zoneDeploy, status: http.StatusTooManyRequests,
			header: http.Header{"Retry-After": {"0"}, "X-Ms-Ratelimit-Remaining-Subscription-Writes": {"0"}}, body: body, times: 1}
	})
	code, _, errOut := runCLI(t, zoneArgs(t, "deploy", "--format", "json")...)
	if code != ExitOK {
		t.Fatalf("exit %d\n%s", code, errOut)
	}
	if !strings.Contains(errOut, "aizone: Azure Resource Manager throttled 1 requests (429 Too Many Requests); the SDK's retry policy waited as Retry-After asked and retried them (last Retry-After: 0 s)") {
		t.Errorf("stderr:\n%s", errOut)
	}
}

func TestDeployTimeout(t *testing.T) {
	srv := &fake.ServerFactory{}
	srv.DeploymentsServer.BeginCreateOrUpdateAtSubscriptionScope = func(_ context.Context, name string, p armresources.Deployment, _ *armresources.DeploymentsClientBeginCreateOrUpdateAtSubscriptionScopeOptions) (resp azfake.PollerResponder[armresources.DeploymentsClientCreateOrUpdateAtSubscriptionScopeResponse], errResp azfake.ErrorResponder) {
		for range 100000 {
			resp.AddNonTerminalResponse(http.StatusOK, nil)
		}
		resp.SetTerminalResponse(http.StatusOK, armresources.DeploymentsClientCreateOrUpdateAtSubscriptionScopeResponse{}, nil)
		return
	}
	useFakeAzure(t, srv, nil)
	code, _, errOut := runCLI(t, zoneArgs(t, "deploy", "--timeout", "200ms")...)
	if code != ExitFindings || !strings.Contains(errOut, "did not finish within --timeout 200ms; it goes on in Azure: az deployment sub show --name "+zoneDeploy) {
		t.Errorf("exit %d\n%s", code, errOut)
	}
}

// TestDeployProgressTerminal: on a terminal the operations' lines go
// above a status line that is cleared and redrawn, and cleared at the end.
func TestDeployProgressTerminal(t *testing.T) {
	var b strings.Builder
	p := newDeployProgress(&b, true)
	p.update(deploy.Update{
		Changed: []deploy.Operation{{ResourceType: "Microsoft.Network/virtualNetworks", ResourceName: "vnet-a", TargetGroup: "rg-a", State: "Running"}},
		Total:   3, Running: 2, Succeeded: 1, Active: []string{"vmss-b", "vnet-a"},
	})
	p.stop()
	got := b.String()
	want := "\r\033[K  Running    Microsoft.Network/virtualNetworks vnet-a (rg-a)\n\r\033[K[0s] 1 of 3 operations done, running: vmss-b, vnet-a"
	if !strings.HasPrefix(got, want) || !strings.HasSuffix(got, "\r\033[K") {
		t.Errorf("got %q\nwant prefix %q", got, want)
	}
}
