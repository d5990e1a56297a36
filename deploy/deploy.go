// Package deploy sends a zone's subscription-scope deployment to Azure
// Resource Manager through the Azure SDK for Go: what-if (the changes it
// would make), validate (the service's preflight, without deploying) and
// deploy (create or update, with the progress of the nested deployments
// and their operations). When the service refuses, the error is a
// *Failure that names the failing operation and says what to do about it
// (quota, policy, missing role, throttling).
//
// The deployment is spelled exactly as aizone build writes it
// (resources.Build, resources.Parameters, arm.Template, arm.Parameters),
// from the plan in memory: what is reviewed in build's output is what is
// sent. Azure is reached only here, behind the small interfaces
// Deployments and Operations that the SDK's clients satisfy, so that tests
// run against the SDK's fake servers.
package deploy

import (
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/aizone/aizone/emit/arm"
	"github.com/aizone/aizone/plan"
	"github.com/aizone/aizone/prerequisites"
	"github.com/aizone/aizone/resources"
)

// Deployment is one subscription-scope deployment: the zone's template and
// its parameter values, named and placed as prerequisites.md's
// az deployment sub create command names and places it.
type Deployment struct {
	// Name is aizone-ZONE (prerequisites.DeploymentName): every run of the
	// same zone updates the same deployment, whichever tool runs it.
	Name string
	// Location is the zone's region, where ARM keeps the deployment's data.
	Location string
	// Resources and Params are what the template was built from, for the
	// checks build runs before writing (guardrails, the validator).
	Resources []resources.Resource
	Params    []resources.Parameter
	// Template is arm.Template(Resources, Params).
	Template map[string]any
	// Values are the parameter values, name → value, starting from
	// arm.Parameters(Params) (placeholders included) and changed by Set.
	Values map[string]any
}

// Build spells p's deployment exactly as aizone build does.
func Build(p *plan.Plan) *Deployment {
	rs := resources.Build(p)
	params := resources.Parameters(p, rs)
	d := &Deployment{
		Name:      prerequisites.DeploymentName(p.Zone.Name),
		Location:  p.Zone.Region,
		Resources: rs,
		Params:    params,
		Template:  arm.Template(rs, params),
		Values:    map[string]any{},
	}
	file := arm.Parameters(params)
	if ps, ok := file["parameters"].(map[string]any); ok {
		for name, v := range ps {
			if m, ok := v.(map[string]any); ok {
				d.Values[name] = m["value"]
			}
		}
	}
	return d
}

// ParametersFile is the parameters file form of d's values, the same
// shape arm.Parameters writes, for the deployment validator.
func (d *Deployment) ParametersFile() map[string]any {
	out := map[string]any{"$schema": arm.ParametersSchema, "contentVersion": "1.0.0.0", "parameters": d.parameters()}
	return out
}

// parameters is the request's "parameters" object: name → {"value": v}.
func (d *Deployment) parameters() map[string]any {
	ps := make(map[string]any, len(d.Values))
	for name, v := range d.Values {
		ps[name] = map[string]any{"value": v}
	}
	return ps
}

// Set gives parameter name a value from text, as --parameter NAME=VALUE
// does: a string parameter takes the text as it is, an int a number, an
// array or object JSON; "@FILE" reads the value from a regular file (an
// SSH public key), without its trailing newline.
func (d *Deployment) Set(name, text string) error {
	var p *resources.Parameter
	for i := range d.Params {
		if d.Params[i].Name == name {
			p = &d.Params[i]
		}
	}
	if p == nil {
		names := make([]string, len(d.Params))
		for i, q := range d.Params {
			names[i] = q.Name
		}
		sort.Strings(names)
		return fmt.Errorf("the template has no parameter %q; it has %s", name, strings.Join(names, ", "))
	}
	if file, ok := strings.CutPrefix(text, "@"); ok {
		data, err := readRegular(file)
		if err != nil {
			return fmt.Errorf("parameter %s: %w", name, err)
		}
		text = strings.TrimRight(string(data), "\r\n")
	}
	switch p.Type {
	case "string":
		d.Values[name] = text
	case "int":
		n, err := strconv.Atoi(strings.TrimSpace(text))
		if err != nil {
			return fmt.Errorf("parameter %s is an int; %q is not a whole number", name, text)
		}
		d.Values[name] = n
	default:
		var v any
		if err := json.Unmarshal([]byte(text), &v); err != nil {
			return fmt.Errorf("parameter %s is of type %s; give it as JSON (such as [\"a\",\"b\"]): %w", name, p.Type, err)
		}
		d.Values[name] = v
	}
	return nil
}

// Unfilled lists the parameters whose value is still the placeholder
// build writes for the deployer to fill in (an SSH key, a tenant's
// service principal id): ARM would deploy the placeholder as the value.
func (d *Deployment) Unfilled() []resources.Parameter {
	var out []resources.Parameter
	for _, p := range d.Params {
		if p.Placeholder == "" {
			continue
		}
		if v, ok := d.Values[p.Name].(string); !ok || v == p.Placeholder || v == "" {
			out = append(out, p)
		}
	}
	return out
}

// guidRE is a subscription id.
var guidRE = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// ErrNoSubscription says that neither the zone file nor the caller gave a
// subscription id to deploy to.
var ErrNoSubscription = fmt.Errorf("no subscription id")

// Subscription is the id of the subscription the deployment goes to:
// override when given (--subscription), else the zone's first
// subscription (governance deploys the one template there), which must be
// an existing one with an id.
func Subscription(p *plan.Plan, override string) (string, error) {
	if override != "" {
		if !guidRE.MatchString(override) {
			return "", fmt.Errorf("subscription %q is not a subscription id (a GUID such as 00000000-0000-0000-0000-000000000000)", override)
		}
		return strings.ToLower(override), nil
	}
	if len(p.Governance.Subscriptions) == 0 {
		return "", fmt.Errorf("%w: the zone lists no subscription", ErrNoSubscription)
	}
	s := p.Governance.Subscriptions[0]
	if s.ID == "" {
		return "", fmt.Errorf("%w: the zone's subscription %q is one to create (placement.subscriptions[0] has no id); create it, then give its id in the zone file or with --subscription", ErrNoSubscription, s.Name)
	}
	return strings.ToLower(s.ID), nil
}

// readRegular reads a regular file, refusing FIFOs and devices that would
// block or never end.
func readRegular(path string) ([]byte, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file", path)
	}
	return os.ReadFile(path)
}
