// Package htmlreport writes a plan as one self-contained HTML page for
// review: the topology drawn as SVG, the cost by workload and by service,
// each Blob container's tiers over time from the lifecycle simulator, and
// the policy verdicts. Nothing is fetched (no scripts, fonts, styles or
// images; the page's Content-Security-Policy forbids it), so the file can
// be attached to a pull request or opened offline, and the same input
// gives the same bytes.
//
// The page only draws what the plan decided: coordinates are computed here
// from the plan's order, and every number comes from the plan, the
// simulator or the compliance report.
package htmlreport

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"html/template"
	"io"
	"strconv"
	"strings"

	"github.com/aizone/aizone/compliance"
	"github.com/aizone/aizone/finding"
	"github.com/aizone/aizone/plan"
	"github.com/aizone/aizone/policy"
	"github.com/aizone/aizone/units"
)

// Input is what the page shows.
type Input struct {
	Plan *plan.Plan
	// Compliance is the platform's policy and the zone's guardrails
	// evaluated on what build deploys (design.Evaluate's Report); nil
	// when no ALZ library was given, and the page says so.
	Compliance *compliance.Report
	// Lifecycle is each container played forward (Simulate); nil when it
	// was not simulated, and the page says so.
	Lifecycle []Container
}

//go:embed report.html.tmpl
var pageSource string

var page = template.Must(template.New("report").Funcs(template.FuncMap{
	"n1":    num1,
	"num":   numExact,
	"money": money,
	"bytes": func(b int64) string { return units.Bytes(b).String() },
	"tib":   func(b int64) string { return fmt.Sprintf("%.2f TiB", float64(b)/(1<<40)) },
}).Parse(pageSource))

// view is the page's model: everything laid out, nothing left to decide
// in the template.
type view struct {
	Title, Zone, Region, ManagementGroup string
	Feasible                             bool
	Errors, Warnings                     int
	Topology                             *topology
	Cost                                 costView
	Simulated                            bool
	Lifecycle                            []lifeChart
	Verdicts                             *verdictView
}

// Write renders the page.
func Write(w io.Writer, in Input) error {
	p := in.Plan
	if p == nil {
		return errors.New("htmlreport: no plan to report")
	}
	v := view{
		Title:           fmt.Sprintf("aizone: %s (%s)", p.Zone.Name, p.Zone.Region),
		Zone:            p.Zone.Name,
		Region:          p.Zone.Region,
		ManagementGroup: p.Governance.ManagementGroup,
		Feasible:        p.Feasible(),
		Topology:        buildTopology(p),
		Cost:            buildCost(p.Cost),
		Simulated:       in.Lifecycle != nil,
	}
	for _, f := range p.Findings {
		switch f.Severity {
		case finding.Error:
			v.Errors++
		case finding.Warning:
			v.Warnings++
		}
	}
	for _, c := range in.Lifecycle {
		if c.Result == nil {
			return fmt.Errorf("htmlreport: container %s has no simulation result", c.Name)
		}
		v.Lifecycle = append(v.Lifecycle, buildLife(c))
	}
	if in.Compliance != nil {
		v.Verdicts = buildVerdicts(in.Compliance)
	}
	// Rendered whole before writing, so that a template failure never
	// leaves half a page behind.
	var b bytes.Buffer
	if err := page.Execute(&b, v); err != nil {
		return fmt.Errorf("htmlreport: %w", err)
	}
	_, err := w.Write(b.Bytes())
	return err
}

// verdictView is the policy table.
type verdictView struct {
	Summary  string
	Rows     []verdictRow
	Problems []compliance.Problem
}

type verdictRow struct {
	Assignment, Policy, Effect, Resource, ResourceName, ResourceType, Verdict, Class, Why string
}

func buildVerdicts(r *compliance.Report) *verdictView {
	v := &verdictView{Summary: summaryLine(r), Problems: r.Problems}
	for _, f := range r.Findings {
		pol := f.Definition
		if f.ReferenceID != "" {
			pol = f.ReferenceID + ": " + pol
		}
		verdict, class := verdictOf(f)
		v.Rows = append(v.Rows, verdictRow{Assignment: f.Assignment, Policy: pol, Effect: f.Effect, Resource: f.Resource, ResourceName: lastSegment(f.Resource),
			ResourceType: f.ResourceType, Verdict: verdict, Class: class, Why: strings.Join(f.Reasons, "; ")})
	}
	return v
}

// verdictOf says what Azure does with the resource under the finding.
func verdictOf(f compliance.Finding) (string, string) {
	switch {
	case f.State == policy.Failed:
		return "could not be evaluated", "error"
	case !f.Enforced:
		return "non-compliant, not enforced (DoNotEnforce)", "audit"
	}
	switch strings.ToLower(f.Effect) {
	case "deny", "denyaction":
		return "denied: Azure refuses the deployment", "deny"
	case "modify", "append":
		return "changed by Azure at deployment", "modify"
	case "deployifnotexists":
		return "remediated by a deployment Azure starts", "modify"
	}
	return "non-compliant (reported)", "audit"
}

func summaryLine(r *compliance.Report) string {
	s := r.Summary
	return fmt.Sprintf("%d resources evaluated against %d assignments: %d findings, %d enforced denies; %d assignments could not be evaluated",
		s.Resources, s.Assignments, len(r.Findings), compliance.Denies(r.Findings), len(r.Problems))
}

// num1 prints a coordinate to a tenth of a unit: enough for a drawing,
// and the same digits on every machine.
func num1(v float64) string {
	s := strconv.FormatFloat(v, 'f', 1, 64)
	return strings.TrimSuffix(s, ".0")
}

// numExact prints a number so that parsing it gives the same float64: the
// browser test compares these with the plan and the simulator.
func numExact(v any) string {
	switch x := v.(type) {
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case int64:
		return strconv.FormatInt(x, 10)
	case int:
		return strconv.Itoa(x)
	}
	return fmt.Sprint(v)
}
