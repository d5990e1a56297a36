// Package design plans a zone under the platform's Azure Policy: it builds
// the plan's resources, evaluates the deny assignments in force at the
// zone's management group, and when a part of the design would be denied
// and another design exists (a zone in corp owns no ExpressRoute gateway),
// plans that one instead; when none exists the plan is infeasible with the
// policy named. What is checked is what build deploys.
package design

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/aizone/aizone/alz"
	"github.com/aizone/aizone/catalog"
	"github.com/aizone/aizone/compliance"
	"github.com/aizone/aizone/finding"
	"github.com/aizone/aizone/network"
	"github.com/aizone/aizone/plan"
	"github.com/aizone/aizone/resources"
	"github.com/aizone/aizone/spec"
)

// Policy is the platform's policy in force at the zone's management group.
type Policy struct {
	Source *compliance.Source
	// Assignments are the effective assignments at the zone's management
	// group (alz.Library.Effective), the platform's.
	Assignments []alz.Effective
	// Scope names the management group, for messages.
	Scope string
}

// Finding codes.
const (
	CodeDecided = "governance.decided"
	CodeDenied  = "governance.policy-deny"
)

// hybridTypes are the resource types of a zone-owned connection to
// on-premises.
var hybridTypes = map[string]bool{
	"microsoft.network/virtualnetworkgateways": true,
	"microsoft.network/connections":            true,
	"microsoft.network/expressroutecircuits":   true,
	"microsoft.network/expressroutegateways":   true,
	"microsoft.network/vpngateways":            true,
}

// Plan makes the plan of z under pol (nil: no platform policy is known,
// and the plan is plan.Make's).
func Plan(ctx context.Context, z *spec.Zone, c *catalog.Catalog, opt plan.Options, pol *Policy) (*plan.Plan, error) {
	p := plan.Make(z, c, opt)
	if pol == nil {
		return p, nil
	}
	denies, err := Denies(ctx, p, pol)
	if err != nil {
		return nil, err
	}
	if len(denies) == 0 {
		return p, nil
	}
	var decided finding.List
	if hybrid := deniedOf(denies, hybridTypes); len(hybrid) > 0 && p.Network.Hub != nil && p.Network.Hub.GatewayName != "" {
		no := network.DefaultOptions(z)
		if no.OwnHub != nil {
			h := *no.OwnHub
			h.Gateway, h.Circuits = false, 0
			no.OwnHub = &h
		}
		opt.Network = &no
		p = plan.Make(z, c, opt)
		names := policyNames(hybrid)
		decided.Add(finding.Info, CodeDecided, "network.hub",
			fmt.Sprintf("%s at %s denies a gateway of the zone's own: the zone hub has none", names, pol.Scope))
		if len(p.Network.Transfers) > 0 || len(z.Network.OnPremises) > 0 {
			decided.Add(finding.Error, CodeDenied, "network.hub",
				fmt.Sprintf("the zone reaches on-premises, but %s at %s denies it an ExpressRoute gateway of its own; give network.hub (the platform hub, whose gateway the zone shares) or place the zone in a management group that allows hybrid networking", names, pol.Scope))
		}
		if denies, err = Denies(ctx, p, pol); err != nil {
			return nil, err
		}
	}
	for _, f := range denies {
		if hybridTypes[strings.ToLower(f.ResourceType)] && hasCode(decided, CodeDenied) {
			continue // said once above
		}
		decided.Add(finding.Error, CodeDenied, "placement.management_group",
			fmt.Sprintf("%s (assignment %s at %s) denies %s %s: %s", policyName(f), f.Assignment, f.Scope, f.ResourceType, lastSegment(f.Resource), strings.Join(f.Reasons, "; ")))
	}
	p.Findings = append(p.Findings, decided...)
	all := finding.List(p.Findings)
	all.Sort()
	p.Findings = all
	return p, nil
}

// Evaluation is the platform's and the zone's own policy evaluated on
// what build deploys.
type Evaluation struct {
	Report    *compliance.Report
	Resources []resources.Resource
	// Assignments counts the assignments evaluated: the platform's and
	// the zone's guardrails.
	Assignments int
}

// Evaluate builds the resources of p and evaluates the platform's
// assignments and the zone's own guardrails (as the template assigns
// them) on them, with the template's parameter values, as Azure would
// at deployment.
func Evaluate(ctx context.Context, p *plan.Plan, pol *Policy) (Evaluation, error) {
	rs := resources.Build(p)
	eff := append([]alz.Effective(nil), pol.Assignments...)
	sub := ""
	for _, s := range p.Governance.Subscriptions {
		if s.ID != "" {
			sub = s.ID
			break
		}
	}
	if g, ok, err := compliance.Guardrails(pol.Source, rs, sub); err != nil {
		return Evaluation{}, err
	} else if ok {
		eff = append(eff, g)
	}
	e := compliance.New(pol.Source, eff)
	rep := compliance.Check(ctx, e, compliance.FromTemplateWith(rs, sub, resources.Parameters(p, rs)))
	return Evaluation{Report: rep, Resources: rs, Assignments: len(eff)}, nil
}

// Denies returns the enforced denies of Evaluate.
func Denies(ctx context.Context, p *plan.Plan, pol *Policy) ([]compliance.Finding, error) {
	ev, err := Evaluate(ctx, p, pol)
	if err != nil {
		return nil, err
	}
	var out []compliance.Finding
	for _, f := range ev.Report.Findings {
		if f.Enforced && strings.EqualFold(f.Effect, "deny") {
			out = append(out, f)
		}
	}
	return out, nil
}

func deniedOf(fs []compliance.Finding, types map[string]bool) []compliance.Finding {
	var out []compliance.Finding
	for _, f := range fs {
		if types[strings.ToLower(f.ResourceType)] {
			out = append(out, f)
		}
	}
	return out
}

func policyName(f compliance.Finding) string {
	if f.ReferenceID != "" {
		return f.Assignment + "/" + f.ReferenceID
	}
	return f.Assignment
}

func policyNames(fs []compliance.Finding) string {
	seen := map[string]bool{}
	var out []string
	for _, f := range fs {
		if n := policyName(f); !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	sort.Strings(out)
	return strings.Join(out, ", ")
}

func hasCode(fs finding.List, code string) bool {
	for _, f := range fs {
		if f.Code == code && f.Severity == finding.Error {
			return true
		}
	}
	return false
}

func lastSegment(id string) string { return id[strings.LastIndex(id, "/")+1:] }
