// Package finding is the shared shape of what an engine has to say about a
// zone beyond its decisions: a problem, a warning, or a note, optionally tied
// to a place in the zone file.
package finding

import "sort"

// Severities, most serious first.
const (
	Error   = "error"   // the plan cannot be met as asked (infeasible)
	Warning = "warning" // the plan works but something needs a decision
	Info    = "info"    // worth knowing
)

// Finding is one message about the plan.
type Finding struct {
	Code     string `json:"code"`
	Severity string `json:"severity"`
	Message  string `json:"message"`
	Path     string `json:"path,omitempty"` // into the zone file, e.g. "workloads[0].deadline"
}

// List collects findings.
type List []Finding

// Add appends a finding.
func (l *List) Add(severity, code, path, message string) {
	*l = append(*l, Finding{Code: code, Severity: severity, Message: message, Path: path})
}

var rank = map[string]int{Error: 0, Warning: 1, Info: 2}

// Sort orders findings by severity, then path, then code, so that output
// is stable whatever order the engines ran in.
func (l List) Sort() {
	sort.SliceStable(l, func(i, j int) bool {
		a, b := l[i], l[j]
		if rank[a.Severity] != rank[b.Severity] {
			return rank[a.Severity] < rank[b.Severity]
		}
		if a.Path != b.Path {
			return a.Path < b.Path
		}
		if a.Code != b.Code {
			return a.Code < b.Code
		}
		return a.Message < b.Message
	})
}

// HasErrors reports whether any finding is an error.
func (l List) HasErrors() bool {
	for _, f := range l {
		if f.Severity == Error {
			return true
		}
	}
	return false
}
