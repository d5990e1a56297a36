package report

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/aizone/aizone/compliance"
)

// ComplianceText writes a compliance report for a terminal: one row per
// finding, then the count by effect and anything that was not evaluated.
func ComplianceText(w io.Writer, title string, rep *compliance.Report) error {
	ew := &errWriter{w: w}
	fmt.Fprintln(ew, title)
	if len(rep.Findings) == 0 {
		fmt.Fprintln(ew, "\nNo findings: every resource complies with every assignment evaluated.")
	}
	// One block per resource: what the resource is, then each finding with
	// its policy and the condition that decided it.
	last := ""
	for _, f := range rep.Findings {
		if f.Resource != last {
			last = f.Resource
			typ, rg := resourceLabel(f.Resource)
			if rg == "" {
				rg = "subscription"
			}
			fmt.Fprintf(ew, "\n%s  (%s)\n", typ, rg)
		}
		fmt.Fprintf(ew, "  %-22s %s: %s\n", effectLabel(f), assignmentLabel(f), truncate(f.Definition, 110))
		if w := why(f); w != "" {
			fmt.Fprintf(ew, "  %-22s %s\n", "", w)
		}
	}
	fmt.Fprintln(ew)
	fmt.Fprintln(ew, "Summary: "+SummaryLine(rep.Summary, rep.Findings))
	if len(rep.Problems) > 0 {
		fmt.Fprintf(ew, "\nNot evaluated (%d assignments or members; their compliance is unknown):\n", len(rep.Problems))
		for _, p := range rep.Problems {
			fmt.Fprintf(ew, "  - %s: %s\n", p.Assignment, p.Reason)
		}
	}
	return ew.err
}

// SummaryLine counts findings by effect, separating what Azure enforces
// from what it only reports.
func SummaryLine(s compliance.Summary, fs []compliance.Finding) string {
	enforced := map[string]int{}
	for _, f := range fs {
		if f.Enforced {
			enforced[f.Effect]++
		}
	}
	effects := make([]string, 0, len(s.ByEffect))
	for e := range s.ByEffect {
		effects = append(effects, e)
	}
	sort.Strings(effects)
	parts := []string{fmt.Sprintf("%d resources, %d assignments, %d findings", s.Resources, s.Assignments, s.Findings)}
	for _, e := range effects {
		n := s.ByEffect[e]
		if en := enforced[e]; en != n {
			parts = append(parts, fmt.Sprintf("%s %d (%d enforced)", e, n, en))
		} else {
			parts = append(parts, fmt.Sprintf("%s %d", e, n))
		}
	}
	return strings.Join(parts, "; ")
}

func effectLabel(f compliance.Finding) string {
	e := f.Effect
	if f.State == "error" {
		e = "error:" + e
	}
	if !f.Enforced {
		e += " (not enforced)"
	}
	return e
}

func assignmentLabel(f compliance.Finding) string {
	if f.ReferenceID != "" {
		return f.Assignment + "/" + f.ReferenceID
	}
	return f.Assignment
}

// why is the finding's reasons, or the changes a modify or append would make.
func why(f compliance.Finding) string {
	var parts []string
	for _, op := range f.Operations {
		parts = append(parts, fmt.Sprintf("would %s %s = %v", op.Operation, op.Field, op.Value))
	}
	if len(parts) == 0 {
		for _, r := range f.Reasons {
			// The type condition that selected the resource, and the
			// enforcement mode (in the label), tell the reader nothing new.
			if strings.HasPrefix(r, "type is ") || strings.HasPrefix(r, "enforcement mode ") {
				continue
			}
			parts = append(parts, r)
		}
	}
	return truncate(strings.Join(parts, "; "), 200)
}

// resourceLabel splits an id into "Type/name" and its resource group.
func resourceLabel(id string) (string, string) {
	rg := ""
	lower := strings.ToLower(id)
	if i := strings.Index(lower, "/resourcegroups/"); i >= 0 {
		rest := id[i+len("/resourceGroups/"):]
		rg, _, _ = strings.Cut(rest, "/")
	}
	if i := strings.Index(lower, "/providers/"); i >= 0 {
		return id[i+len("/providers/"):], rg
	}
	return "resource group " + rg, "subscription"
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n-1] + "…"
}
