package deploy

import (
	"context"
	"sort"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/resources/armresources"
)

// Operation is one deployment operation: creating or updating a resource,
// a resource group, or a nested deployment.
type Operation struct {
	ID string // ARM's operation id, unique within its deployment
	// Deployment runs the operation: the zone's, or a nested deployment
	// in ResourceGroup.
	Deployment    string
	ResourceGroup string
	ResourceType  string
	ResourceName  string
	// TargetGroup is the resource group of the target resource when its
	// id names one (a nested deployment's group).
	TargetGroup string
	State       string // Accepted, Running, Succeeded, Failed, Canceled
	Duration    string // ISO 8601, as ARM reports it
	Error       *armresources.ErrorResponse
}

// Done reports whether the operation has ended.
func (o Operation) Done() bool {
	switch strings.ToLower(o.State) {
	case "succeeded", "failed", "canceled":
		return true
	}
	return false
}

// Update is one progress round: the operations that appeared or changed
// state, in the order they were listed, and the counts over all.
type Update struct {
	Changed                           []Operation
	Total, Running, Succeeded, Failed int
	// Active names the resources being deployed now, sorted.
	Active []string
}

// deploymentType is a nested deployment's resource type.
const deploymentType = "Microsoft.Resources/deployments"

type nested struct {
	group, name string
	done        bool // its operation in the parent has ended
	final       bool // listed after it ended: nothing more will change
}

// watcher follows a deployment's operations and those of the nested
// deployments it starts, round by round.
type watcher struct {
	c      *Client
	root   string
	ops    map[string]*Operation
	order  []string
	nested map[string]*nested
	norder []string
}

func newWatcher(c *Client, root string) *watcher {
	return &watcher{c: c, root: root, ops: map[string]*Operation{}, nested: map[string]*nested{}}
}

// round lists the operations once and returns what changed. Listing
// errors are ignored on purpose: operations appear some seconds after the
// deployment starts (a list may answer 404 until then) and progress is
// informative; the deployment's result comes from its poller.
func (w *watcher) round(ctx context.Context) Update {
	var u Update
	pager := w.c.operations.NewListAtSubscriptionScopePager(w.root, nil)
	for pager.More() {
		page, err := pager.NextPage(ctx)
		if err != nil {
			break
		}
		for _, op := range page.Value {
			w.record(op, w.root, "", &u)
		}
	}
	// Nested deployments found while listing are listed in the same round,
	// so that a deployment inside a nested one shows too.
	for i := 0; i < len(w.norder); i++ {
		n := w.nested[w.norder[i]]
		if n.final {
			continue
		}
		if n.done {
			n.final = true
		}
		pager := w.c.operations.NewListPager(n.group, n.name, nil)
		for pager.More() {
			page, err := pager.NextPage(ctx)
			if err != nil {
				break
			}
			for _, op := range page.Value {
				w.record(op, n.name, n.group, &u)
			}
		}
	}
	for _, k := range w.order {
		o := w.ops[k]
		u.Total++
		switch strings.ToLower(o.State) {
		case "succeeded":
			u.Succeeded++
		case "failed", "canceled":
			u.Failed++
		default:
			u.Running++
			if o.ResourceType != deploymentType {
				u.Active = append(u.Active, o.ResourceName)
			}
		}
	}
	sort.Strings(u.Active)
	return u
}

func (w *watcher) record(op *armresources.DeploymentOperation, deployment, group string, u *Update) {
	if op == nil || op.Properties == nil {
		return
	}
	p := op.Properties
	id := deref(op.OperationID)
	if id == "" {
		id = deref(op.ID)
	}
	o := Operation{ID: id, Deployment: deployment, ResourceGroup: group, State: deref(p.ProvisioningState), Duration: deref(p.Duration)}
	if p.StatusMessage != nil {
		o.Error = p.StatusMessage.Error
	}
	if t := p.TargetResource; t != nil {
		o.ResourceType, o.ResourceName = deref(t.ResourceType), deref(t.ResourceName)
		sub, rg := scopeOf(deref(t.ID))
		o.TargetGroup = rg
		// A nested deployment in this subscription is followed; one in
		// another subscription (the platform's DNS zones) shows as one
		// operation, since the client reads one subscription.
		if eqFold(o.ResourceType, deploymentType) && rg != "" && eqFold(sub, w.c.Subscription) {
			k := strings.ToLower(rg + "/" + o.ResourceName)
			n, ok := w.nested[k]
			if !ok {
				n = &nested{group: rg, name: o.ResourceName}
				w.nested[k] = n
				w.norder = append(w.norder, k)
			}
			n.done = o.Done()
		}
	} else if o.Error == nil {
		// Operations without a target (evaluating the outputs) say
		// nothing about progress unless they fail.
		return
	}
	k := deployment + "\x00" + group + "\x00" + id
	prev, ok := w.ops[k]
	if !ok {
		w.order = append(w.order, k)
	}
	if !ok || prev.State != o.State {
		u.Changed = append(u.Changed, o)
	}
	w.ops[k] = &o
}

// all is the last known state of every operation, in the order first seen.
func (w *watcher) all() []Operation {
	out := make([]Operation, 0, len(w.order))
	for _, k := range w.order {
		out = append(out, *w.ops[k])
	}
	return out
}

// failures are the errors of the failed operations that are not nested
// deployments followed here (whose own failed operations say more).
func (w *watcher) failures() []Cause {
	var out []Cause
	for _, o := range w.all() {
		if !eqFold(o.State, "failed") || o.Error == nil {
			continue
		}
		if eqFold(o.ResourceType, deploymentType) && w.followed(o) {
			continue
		}
		for _, e := range leaves(o.Error) {
			c := causeOf(e)
			c.ResourceType, c.ResourceName, c.ResourceGroup, c.Deployment = o.ResourceType, o.ResourceName, o.TargetGroup, o.Deployment
			if c.ResourceGroup == "" {
				c.ResourceGroup = o.ResourceGroup
			}
			out = append(out, c)
		}
	}
	return out
}

// followed reports whether a nested deployment's operations were listed
// and show a failure of their own.
func (w *watcher) followed(o Operation) bool {
	n, ok := w.nested[strings.ToLower(o.TargetGroup+"/"+o.ResourceName)]
	if !ok {
		return false
	}
	for _, x := range w.ops {
		if x.Deployment == n.name && eqFold(x.ResourceGroup, n.group) && eqFold(x.State, "failed") {
			return true
		}
	}
	return false
}

// scopeOf is the subscription and resource group a resource id names.
func scopeOf(id string) (sub, group string) {
	parts := strings.Split(strings.Trim(id, "/"), "/")
	for i := 0; i+1 < len(parts); i += 2 {
		switch strings.ToLower(parts[i]) {
		case "subscriptions":
			if sub == "" {
				sub = parts[i+1]
			}
		case "resourcegroups":
			if group == "" {
				group = parts[i+1]
			}
		case "providers":
			return sub, group
		}
	}
	return sub, group
}
