// Package deployfake answers the Azure deployment APIs the way Azure
// Resource Manager does, on the Azure SDK's fake servers, for the tests
// of package deploy and of the commands built on it: deployment
// operations as ARM lists them, a deployment that polls before it ends,
// and the operations of the zone's deployment and of a nested one.
package deployfake

import (
	"context"
	"net/http"
	"sync"

	azfake "github.com/Azure/azure-sdk-for-go/sdk/azcore/fake"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/resources/armresources"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/resources/armresources/fake"
)

// Ptr returns a pointer to v, as the SDK's models take them.
func Ptr[T any](v T) *T { return &v }

// ResourceID is a resource's id in subscription sub.
func ResourceID(sub, rg, typ, name string) string {
	return "/subscriptions/" + sub + "/resourceGroups/" + rg + "/providers/" + typ + "/" + name
}

// Operation is a deployment operation as ARM lists it: a create of the
// named resource in state, failed with e when e is not nil.
func Operation(sub, id, typ, name, rg, state, duration string, e *armresources.ErrorResponse) *armresources.DeploymentOperation {
	target := ResourceID(sub, rg, typ, name)
	if typ == "Microsoft.Resources/resourceGroups" {
		target = "/subscriptions/" + sub + "/resourceGroups/" + name
	}
	o := &armresources.DeploymentOperation{
		OperationID: Ptr(id),
		ID:          Ptr("/subscriptions/" + sub + "/providers/Microsoft.Resources/deployments/x/operations/" + id),
		Properties: &armresources.DeploymentOperationProperties{
			ProvisioningState:     Ptr(state),
			ProvisioningOperation: Ptr(armresources.ProvisioningOperationCreate),
			Duration:              Ptr(duration),
			TargetResource:        &armresources.TargetResource{ID: Ptr(target), ResourceType: Ptr(typ), ResourceName: Ptr(name)},
		},
	}
	if e != nil {
		o.Properties.StatusCode = Ptr("Conflict")
		o.Properties.StatusMessage = &armresources.StatusMessage{Status: Ptr("Failed"), Error: e}
	}
	return o
}

// Deploying answers the PUT with 201 and one InProgress poll, then ends
// with final: a Succeeded deployment, or (final nil) the polled status
// Failed with DeploymentFailed. seen, when not nil, receives what was
// sent.
func Deploying(srv *fake.ServerFactory, final *armresources.DeploymentExtended, seen *armresources.Deployment) {
	srv.DeploymentsServer.BeginCreateOrUpdateAtSubscriptionScope = func(_ context.Context, name string, p armresources.Deployment, _ *armresources.DeploymentsClientBeginCreateOrUpdateAtSubscriptionScopeOptions) (resp azfake.PollerResponder[armresources.DeploymentsClientCreateOrUpdateAtSubscriptionScopeResponse], errResp azfake.ErrorResponder) {
		if seen != nil {
			*seen = p
		}
		resp.AddNonTerminalResponse(http.StatusCreated, nil)
		resp.AddNonTerminalResponse(http.StatusOK, nil)
		if final == nil {
			resp.SetTerminalError(http.StatusOK, "DeploymentFailed")
		} else {
			resp.SetTerminalResponse(http.StatusOK, armresources.DeploymentsClientCreateOrUpdateAtSubscriptionScopeResponse{DeploymentExtended: *final}, nil)
		}
		return
	}
}

// Operations serves the zone deployment's operations, root(n), and the
// operations of nested deployment nested in resource group rg, inner(n),
// n counting how often each was listed; any other nested deployment is
// not found ("" for rg and nested: every one answers inner).
func Operations(srv *fake.ServerFactory, rg, nested string, root, inner func(n int) []*armresources.DeploymentOperation) {
	var mu sync.Mutex
	nr, ni := 0, 0
	srv.DeploymentOperationsServer.NewListAtSubscriptionScopePager = func(name string, _ *armresources.DeploymentOperationsClientListAtSubscriptionScopeOptions) (resp azfake.PagerResponder[armresources.DeploymentOperationsClientListAtSubscriptionScopeResponse]) {
		mu.Lock()
		nr++
		n := nr
		mu.Unlock()
		resp.AddPage(http.StatusOK, armresources.DeploymentOperationsClientListAtSubscriptionScopeResponse{DeploymentOperationsListResult: armresources.DeploymentOperationsListResult{Value: root(n)}}, nil)
		return
	}
	srv.DeploymentOperationsServer.NewListPager = func(g, name string, _ *armresources.DeploymentOperationsClientListOptions) (resp azfake.PagerResponder[armresources.DeploymentOperationsClientListResponse]) {
		mu.Lock()
		ni++
		n := ni
		mu.Unlock()
		if rg != "" && (g != rg || name != nested) {
			resp.AddResponseError(http.StatusNotFound, "DeploymentNotFound")
			return
		}
		resp.AddPage(http.StatusOK, armresources.DeploymentOperationsClientListResponse{DeploymentOperationsListResult: armresources.DeploymentOperationsListResult{Value: inner(n)}}, nil)
		return
	}
}
