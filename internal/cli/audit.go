package cli

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/aizone/aizone/policy"

	"github.com/aizone/aizone/compliance"
	"github.com/aizone/aizone/internal/userfile"
	"github.com/spf13/cobra"
)

func newAuditCmd(s *Streams) *cobra.Command {
	c := &cobra.Command{
		Use:   "audit --resources FILE --library DIR --builtins DIR",
		Short: "Evaluate the platform's Azure Policy over an existing estate exported from Resource Graph",
		Long: `Audit evaluates every assignment of the ALZ library, at every management
group of its architecture, over resources exported with Azure Resource Graph
(the JSON that az graph query prints, or a plain JSON array of resources).

Each resource is checked against the assignments of the management groups
above its subscription: from subscription rows in the export (type
microsoft.resources/subscriptions with managementGroupAncestorsChain, as
"resourcecontainers" queries return them), from --subscription-mg, or
else --management-group for all.

The export is streamed: only the resources that auditIfNotExists and
deployIfNotExists rules look for are held in memory.

Exit status: 0 when nothing is denied, 1 when an enforced deny applies to
an existing resource, 2 for bad input.`,
		Example: "  az graph query -q 'resources' --first 1000 > estate.json\n" +
			"  aizone audit --resources estate.json --library alz --builtins built-in-policies --management-group corp",
		Args: cobra.NoArgs,
	}
	g := addGovernanceFlags(c)
	file := c.Flags().String("resources", "", "Resource Graph export or JSON array of resources (required)")
	subMGs := c.Flags().StringArray("subscription-mg", nil, "SUBSCRIPTION_ID=MANAGEMENT_GROUP: where a subscription sits; repeatable")
	format := addFormatFlag(c, formatText, formatJSON)
	_ = c.MarkFlagRequired("resources")
	c.RunE = func(cmd *cobra.Command, _ []string) error {
		if err := checkFormat(*format, formatText, formatJSON); err != nil {
			return err
		}
		if os.Getenv("GOGC") == "" {
			// Measured on 100k resources (docs/audit.md): collecting at
			// 2x the live heap takes 12.3 s of CPU in 269 MB, the default
			// 16.1 s in 198 MB, 4x 12.3 s in 344 MB. 2x is the knee.
			debug.SetGCPercent(200)
		}
		if os.Getenv("GOMEMLIMIT") == "" {
			// The soft limit bounds an estate whose held related
			// resources make the live heap large.
			debug.SetMemoryLimit(auditMemoryLimit)
		}
		// Read twice, so a regular file: a FIFO would block the open.
		if err := userfile.Regular(*file); err != nil {
			return usageErr(fmt.Errorf("--resources: %w", err))
		}
		lib, src, values, err := g.load()
		if err != nil {
			return err
		}
		arch := g.architecture
		eff, err := lib.All(arch, values)
		if err != nil {
			return usageErr(err)
		}
		opt := compliance.AuditOptions{Ancestry: map[string][]string{}}
		for _, sm := range *subMGs {
			sub, mg, ok := strings.Cut(sm, "=")
			if !ok || sub == "" || mg == "" {
				return usageErr(fmt.Errorf("--subscription-mg %q: want SUBSCRIPTION_ID=MANAGEMENT_GROUP", sm))
			}
			path, err := lib.PathIDs(arch, mg)
			if err != nil {
				return usageErr(err)
			}
			opt.Ancestry[strings.ToLower(sub)] = path
		}
		if g.mg != "" {
			if opt.DefaultPath, err = lib.PathIDs(arch, g.mg); err != nil {
				return usageErr(err)
			}
		}
		e := compliance.New(src, eff)
		open := compliance.FileOpener(*file)
		out := bufio.NewWriter(s.Out)
		defer out.Flush()
		n := 0
		// Display names of the definitions found, written once in the
		// report instead of in each finding: an estate of a million
		// resources has tens of millions of findings and a few hundred
		// definitions.
		definitions := map[string]auditDefinition{}
		// Nothing is written until the first finding: the export is
		// checked whole before any (pass 1), so bad input leaves stdout
		// empty.
		begin := func() {
			if n == 0 {
				fmt.Fprint(out, "{\"findings\": [")
			}
		}
		if *format == formatJSON {
			enc := json.NewEncoder(out)
			enc.SetEscapeHTML(false)
			opt.Findings = func(f compliance.Finding) error {
				begin()
				if n > 0 {
					fmt.Fprint(out, ",")
				}
				n++
				fmt.Fprint(out, "\n")
				key := f.Assignment
				if f.ReferenceID != "" {
					key += "/" + f.ReferenceID
				}
				if _, ok := definitions[key]; !ok {
					definitions[key] = auditDefinition{ID: f.DefinitionID, Name: f.Definition, Scope: f.Scope}
				}
				return enc.Encode(compactFinding(f))
			}
		}
		var prog compliance.Progress
		if st, err := os.Stat(*file); err == nil {
			prog.Size.Store(st.Size())
		}
		opt.Progress = &prog
		status := &auditStatus{p: &prog}
		stop := statusLine(s.Err, status.line)
		rep, err := compliance.Audit(cmd.Context(), e, open, opt)
		stop()
		if err != nil {
			var ee *compliance.ExportError
			if errors.As(err, &ee) && ee.Line > 0 {
				return usageErr(fmt.Errorf("%s:%w", *file, err))
			}
			return usageErr(fmt.Errorf("%s: %w", *file, err))
		}
		if rep.Duplicates > 0 {
			what := fmt.Sprintf("%d resources repeat ids", rep.Duplicates)
			if rep.Duplicates == 1 {
				what = "1 resource repeats an id"
			}
			fmt.Fprintf(s.Err, "aizone: warning: %s seen earlier in %s (first: %s); each id was audited once, at its first occurrence. Resource Graph returns each resource once, so the export was likely put together from overlapping pages\n",
				what, *file, rep.DuplicateIDs[0])
		}
		if *format == formatJSON {
			begin()
			fmt.Fprint(out, "],\n\"report\": ")
			if err := writeJSON(out, auditReport{AuditReport: rep, Definitions: definitions}); err != nil {
				return err
			}
			fmt.Fprint(out, "}\n")
		} else if err := auditText(out, rep); err != nil {
			return err
		}
		if err := out.Flush(); err != nil {
			return err
		}
		if d := rep.Summary.ByEffect["deny"]; d > 0 {
			return findingsErr(fmt.Errorf("%d deny findings on existing resources", d))
		}
		return nil
	}
	return c
}

// auditFinding is a finding as audit --format json writes it, compact:
// what varies per resource only. The assignment's scope and the policy's
// id and name are written once, in report.definitions under
// "assignment" or "assignment/referenceId"; the subscription is in the
// resource id; the reasons leave out the type test and the enforcement
// mode, which resourceType and enforced already say.
type auditFinding struct {
	Resource     string             `json:"resource"`
	ResourceType string             `json:"resourceType"`
	Assignment   string             `json:"assignment"`
	ReferenceID  string             `json:"referenceId,omitempty"`
	Effect       string             `json:"effect"`
	State        policy.State       `json:"state"`
	Enforced     bool               `json:"enforced"`
	Reasons      []string           `json:"reasons,omitempty"`
	Operations   []policy.Operation `json:"operations,omitempty"`
	Related      []string           `json:"related,omitempty"`
}

// auditMemoryLimit is the soft limit on the Go heap during an audit.
const auditMemoryLimit = 320 << 20

// auditStatus is the progress line: while the first pass reads, the
// resources read per second and the time left to read the file; then the
// resources evaluated per second and the time left to evaluate them.
type auditStatus struct {
	p *compliance.Progress
	// evalStart is when the evaluation was first seen running.
	evalStart time.Duration
}

func (a *auditStatus) line(elapsed time.Duration) string {
	p := a.p
	read, total, done := p.Read.Load(), p.Total.Load(), p.Evaluated.Load()
	if total == 0 {
		rate := float64(read) / elapsed.Seconds()
		line := fmt.Sprintf("audit: reading, %s resources (%s/s)", thousands(read), thousands(int64(rate)))
		if b, size := p.Bytes.Load(), p.Size.Load(); b > 0 && size > 0 {
			line += fmt.Sprintf(", %d%% of the file%s", 100*b/size, timeLeft(size-b, float64(b)/elapsed.Seconds()))
		}
		return line
	}
	if a.evalStart == 0 {
		a.evalStart = elapsed
	}
	rate := 0.0
	if secs := (elapsed - a.evalStart).Seconds(); secs > 0 {
		rate = float64(done) / secs
	}
	return fmt.Sprintf("audit: %s resources read, %s of %s evaluated (%s/s)%s", thousands(read), thousands(done), thousands(total), thousands(int64(rate)), timeLeft(total-done, rate))
}

// timeLeft says how long left things take at rate per second.
func timeLeft(left int64, rate float64) string {
	if rate <= 0 || left <= 0 {
		return ""
	}
	d := time.Duration(float64(left) / rate * float64(time.Second))
	switch {
	case d < time.Minute:
		return fmt.Sprintf(", about %d s left", int(d.Seconds())+1)
	case d < time.Hour:
		return fmt.Sprintf(", about %d min left", int(d.Minutes())+1)
	}
	return fmt.Sprintf(", about %.1f h left", d.Hours())
}

func compactFinding(f compliance.Finding) auditFinding {
	var reasons []string
	for _, r := range f.Reasons {
		if strings.HasPrefix(r, "type is '") || strings.HasPrefix(r, "enforcement mode ") {
			continue
		}
		reasons = append(reasons, r)
	}
	return auditFinding{Resource: f.Resource, ResourceType: f.ResourceType, Assignment: f.Assignment, ReferenceID: f.ReferenceID,
		Effect: f.Effect, State: f.State, Enforced: f.Enforced, Reasons: reasons, Operations: f.Operations, Related: f.Related}
}

// auditDefinition is what every finding of one assignment (and member)
// shares.
type auditDefinition struct {
	ID    string `json:"definitionId"`
	Name  string `json:"definition"`
	Scope string `json:"scope"`
}

// auditReport is the report of audit --format json.
type auditReport struct {
	*compliance.AuditReport
	// Definitions maps "assignment" or "assignment/referenceId" of every
	// finding to its policy and scope.
	Definitions map[string]auditDefinition `json:"definitions"`
}

func auditText(w io.Writer, rep *compliance.AuditReport) error {
	fmt.Fprintf(w, "aizone audit: %d resources, %d assignments, %d findings (%d related resources held for *IfNotExists)\n",
		rep.Summary.Resources, rep.Summary.Assignments, rep.Summary.Findings, rep.Related)
	if rep.Unplaced > 0 {
		fmt.Fprintf(w, "%d resources are in subscriptions with no known management group; see --subscription-mg and --management-group\n", rep.Unplaced)
	}
	table := func(title, col string, m map[string]map[string]int) {
		effects := map[string]bool{}
		for _, c := range m {
			for e := range c {
				effects[e] = true
			}
		}
		es := sortedKeys(effects)
		fmt.Fprintf(w, "\n%s\n", title)
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, strings.ToUpper(col+"\t"+strings.Join(es, "\t")))
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			row := []string{k}
			for _, e := range es {
				row = append(row, fmt.Sprint(m[k][e]))
			}
			fmt.Fprintln(tw, strings.Join(row, "\t"))
		}
		tw.Flush()
	}
	table("By subscription", "subscription", rep.BySubscription)
	table("By assignment", "assignment", rep.ByAssignment)
	if len(rep.Problems) > 0 {
		fmt.Fprintf(w, "\nNot evaluated (%d):\n", len(rep.Problems))
		for _, p := range rep.Problems {
			fmt.Fprintf(w, "  - %s: %s\n", p.Assignment, p.Reason)
		}
	}
	return nil
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
