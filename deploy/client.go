package deploy

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	azarm "github.com/Azure/azure-sdk-for-go/sdk/azcore/arm"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/resources/armresources"
)

// Deployments is the part of *armresources.DeploymentsClient aizone
// calls: deployments at subscription scope.
type Deployments interface {
	BeginWhatIfAtSubscriptionScope(ctx context.Context, deploymentName string, parameters armresources.DeploymentWhatIf, options *armresources.DeploymentsClientBeginWhatIfAtSubscriptionScopeOptions) (*runtime.Poller[armresources.DeploymentsClientWhatIfAtSubscriptionScopeResponse], error)
	BeginValidateAtSubscriptionScope(ctx context.Context, deploymentName string, parameters armresources.Deployment, options *armresources.DeploymentsClientBeginValidateAtSubscriptionScopeOptions) (*runtime.Poller[armresources.DeploymentsClientValidateAtSubscriptionScopeResponse], error)
	BeginCreateOrUpdateAtSubscriptionScope(ctx context.Context, deploymentName string, parameters armresources.Deployment, options *armresources.DeploymentsClientBeginCreateOrUpdateAtSubscriptionScopeOptions) (*runtime.Poller[armresources.DeploymentsClientCreateOrUpdateAtSubscriptionScopeResponse], error)
	GetAtSubscriptionScope(ctx context.Context, deploymentName string, options *armresources.DeploymentsClientGetAtSubscriptionScopeOptions) (armresources.DeploymentsClientGetAtSubscriptionScopeResponse, error)
}

// Operations is the part of *armresources.DeploymentOperationsClient
// aizone calls: the operations of the zone's deployment, and of the nested
// deployments it starts in resource groups.
type Operations interface {
	NewListAtSubscriptionScopePager(deploymentName string, options *armresources.DeploymentOperationsClientListAtSubscriptionScopeOptions) *runtime.Pager[armresources.DeploymentOperationsClientListAtSubscriptionScopeResponse]
	NewListPager(resourceGroupName string, deploymentName string, options *armresources.DeploymentOperationsClientListOptions) *runtime.Pager[armresources.DeploymentOperationsClientListResponse]
}

// DefaultPollEvery is how often Deploy asks for the deployment's state and
// operations. Each round lists the operations of every nested deployment
// still running; at 10 s a zone with a dozen resource groups stays well
// inside ARM's per-subscription read limit.
const DefaultPollEvery = 10 * time.Second

// Options configure a Client.
type Options struct {
	// ClientOptions go to the SDK's clients: retry policy, transport (the
	// SDK's fake servers in tests), cloud. Nil takes the SDK's defaults.
	ClientOptions *azarm.ClientOptions
	// PollEvery is the time between progress rounds (DefaultPollEvery
	// when zero).
	PollEvery time.Duration
}

// Client deploys to one subscription.
type Client struct {
	Subscription string
	deployments  Deployments
	operations   Operations
	pollEvery    time.Duration
	throttles    *throttleCounter
}

// NewClient connects to subscription's deployments with cred (an
// azidentity.DefaultAzureCredential in the CLI).
func NewClient(subscription string, cred azcore.TokenCredential, opts *Options) (*Client, error) {
	if opts == nil {
		opts = &Options{}
	}
	var co azarm.ClientOptions
	if opts.ClientOptions != nil {
		co = *opts.ClientOptions
	}
	// A policy per try sees every response, the throttled ones the retry
	// policy then retries too, so that the user is told why it was slow.
	tc := &throttleCounter{}
	co.PerRetryPolicies = append(append([]policy.Policy(nil), co.PerRetryPolicies...), tc)
	f, err := armresources.NewClientFactory(subscription, cred, &co)
	if err != nil {
		return nil, fmt.Errorf("connecting to subscription %s: %w", subscription, err)
	}
	return newClient(subscription, f.NewDeploymentsClient(), f.NewDeploymentOperationsClient(), opts.PollEvery, tc), nil
}

// NewClientFrom builds a Client on other implementations of the two
// interfaces (a wrapper that records or rate-limits calls). Throttled
// requests are not seen: they never leave the implementations.
func NewClientFrom(subscription string, d Deployments, o Operations, pollEvery time.Duration) *Client {
	return newClient(subscription, d, o, pollEvery, &throttleCounter{})
}

func newClient(subscription string, d Deployments, o Operations, pollEvery time.Duration, tc *throttleCounter) *Client {
	if pollEvery <= 0 {
		pollEvery = DefaultPollEvery
	}
	return &Client{Subscription: subscription, deployments: d, operations: o, pollEvery: pollEvery, throttles: tc}
}

// Throttle is a request Azure Resource Manager answered with 429 Too Many
// Requests; the SDK's retry policy waited (Retry-After when given) and
// tried again.
type Throttle struct {
	Method     string
	Path       string
	RetryAfter string // the header as sent, "" when absent
}

// Throttled lists the requests throttled so far, in order.
func (c *Client) Throttled() []Throttle { return c.throttles.list() }

// throttleCounter is a per-try pipeline policy that records 429 responses.
type throttleCounter struct {
	mu   sync.Mutex
	seen []Throttle
}

func (t *throttleCounter) Do(req *policy.Request) (*http.Response, error) {
	resp, err := req.Next()
	if resp != nil && resp.StatusCode == http.StatusTooManyRequests {
		t.mu.Lock()
		t.seen = append(t.seen, Throttle{Method: req.Raw().Method, Path: req.Raw().URL.Path, RetryAfter: resp.Header.Get("Retry-After")})
		t.mu.Unlock()
	}
	return resp, err
}

func (t *throttleCounter) list() []Throttle {
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]Throttle(nil), t.seen...)
}

// request is the deployment's body: incremental mode, so that resources
// of the resource groups that the template does not name are left alone.
func (d *Deployment) request() armresources.Deployment {
	return armresources.Deployment{
		Location: to.Ptr(d.Location),
		Properties: &armresources.DeploymentProperties{
			Mode:       to.Ptr(armresources.DeploymentModeIncremental),
			Template:   d.Template,
			Parameters: d.parameters(),
		},
	}
}

// WhatIf asks ARM which changes the deployment would make, with full
// resource payloads so that modifications come with property deltas.
func (c *Client) WhatIf(ctx context.Context, d *Deployment) (*WhatIf, error) {
	body := armresources.DeploymentWhatIf{
		Location: to.Ptr(d.Location),
		Properties: &armresources.DeploymentWhatIfProperties{
			Mode:           to.Ptr(armresources.DeploymentModeIncremental),
			Template:       d.Template,
			Parameters:     d.parameters(),
			WhatIfSettings: &armresources.DeploymentWhatIfSettings{ResultFormat: to.Ptr(armresources.WhatIfResultFormatFullResourcePayloads)},
		},
	}
	poller, err := c.deployments.BeginWhatIfAtSubscriptionScope(ctx, d.Name, body, nil)
	if err != nil {
		return nil, c.refusal(StageWhatIf, d, err, nil, nil)
	}
	res, err := poller.PollUntilDone(ctx, &runtime.PollUntilDoneOptions{Frequency: c.pollEvery})
	if err != nil {
		return nil, c.refusal(StageWhatIf, d, err, nil, nil)
	}
	if res.Error != nil || (res.Status != nil && !eqFold(*res.Status, "Succeeded")) {
		return nil, c.refusal(StageWhatIf, d, nil, res.Error, nil)
	}
	return newWhatIf(c.Subscription, d, res.WhatIfOperationResult), nil
}

// Validate runs ARM's preflight validation of the deployment (template,
// parameters, policy, permissions, quota where the provider checks it)
// without deploying anything.
func (c *Client) Validate(ctx context.Context, d *Deployment) error {
	poller, err := c.deployments.BeginValidateAtSubscriptionScope(ctx, d.Name, d.request(), nil)
	if err != nil {
		return c.refusal(StageValidation, d, err, nil, nil)
	}
	res, err := poller.PollUntilDone(ctx, &runtime.PollUntilDoneOptions{Frequency: c.pollEvery})
	if err != nil {
		return c.refusal(StageValidation, d, err, nil, nil)
	}
	if res.Error != nil {
		return c.refusal(StageValidation, d, nil, res.Error, nil)
	}
	return nil
}

// Result is a finished deployment.
type Result struct {
	// Outputs are the template's outputs, name → value.
	Outputs map[string]any
	// Operations are the last known state of every operation seen.
	Operations []Operation
	Duration   string // as ARM reports it (ISO 8601), "" when not given
}

// Deploy creates or updates the deployment and waits until it ends or ctx
// does. Between polls it lists the operations of the deployment and of its
// nested deployments and calls progress (when not nil) with those that
// changed. A refusal, before or during the deployment, is a *Failure;
// ctx's end is ctx's error, wrapped: the deployment goes on in Azure.
func (c *Client) Deploy(ctx context.Context, d *Deployment, progress func(Update)) (*Result, error) {
	w := newWatcher(c, d.Name)
	poller, err := c.deployments.BeginCreateOrUpdateAtSubscriptionScope(ctx, d.Name, d.request(), nil)
	if err != nil {
		// Refused before it started (preflight): the operations listed
		// under this name would be a previous run's, so none are read.
		return nil, c.refusal(StageDeployment, d, err, nil, nil)
	}
	report := func() {
		if u := w.round(ctx); progress != nil && len(u.Changed) > 0 {
			progress(u)
		}
	}
	fail := func(err error, top *armresources.ErrorResponse) error {
		report()
		ferr := c.refusal(StageDeployment, d, err, top, w)
		var f *Failure
		if errors.As(ferr, &f) && len(f.Causes) == 0 {
			// Neither the final status nor the operations named a cause
			// (they were not listed yet): the deployment's record keeps
			// its error with every detail.
			if got, gerr := c.deployments.GetAtSubscriptionScope(ctx, d.Name, nil); gerr == nil && got.Properties != nil {
				f.Causes = topCauses(got.Properties.Error, true)
				c.finish(f, d)
			}
		}
		return ferr
	}
	stopped := func() error {
		return fmt.Errorf("waiting for deployment %s: %w (the deployment goes on in Azure: az deployment sub show --name %s)", d.Name, context.Cause(ctx), d.Name)
	}
	for !poller.Done() {
		if sleep(ctx, c.pollEvery) != nil {
			return nil, stopped()
		}
		if _, err := poller.Poll(ctx); err != nil {
			if ctx.Err() != nil {
				return nil, stopped()
			}
			return nil, fail(err, nil)
		}
		report()
	}
	res, err := poller.Result(ctx)
	if err != nil {
		if ctx.Err() != nil {
			return nil, stopped()
		}
		return nil, fail(err, nil)
	}
	if p := res.Properties; p != nil && p.ProvisioningState != nil && *p.ProvisioningState != armresources.ProvisioningStateSucceeded {
		return nil, fail(nil, p.Error)
	}
	report()
	out := &Result{Operations: w.all()}
	if p := res.Properties; p != nil {
		out.Outputs = outputs(p.Outputs)
		if p.Duration != nil {
			out.Duration = *p.Duration
		}
	}
	return out, nil
}

// outputs flattens ARM's {"name": {"type": T, "value": V}}.
func outputs(v any) map[string]any {
	m, ok := v.(map[string]any)
	if !ok {
		return nil
	}
	out := make(map[string]any, len(m))
	for name, o := range m {
		if om, ok := o.(map[string]any); ok {
			out[name] = om["value"]
		} else {
			out[name] = o
		}
	}
	return out
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// IsService reports whether err is Azure's answer (a *Failure), as opposed
// to not reaching it (credentials, network, a cancelled context).
func IsService(err error) bool {
	var f *Failure
	return errors.As(err, &f)
}
