package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"github.com/aizone/aizone/design"
	"github.com/aizone/aizone/emit/slurm"
	"io"
	"time"

	"github.com/aizone/aizone/catalog"
	"github.com/aizone/aizone/finding"
	"github.com/aizone/aizone/internal/yamlpos"
	"github.com/aizone/aizone/network"
	"github.com/aizone/aizone/plan"
	"github.com/aizone/aizone/spec"
	"github.com/spf13/cobra"
)

// Output formats for commands whose output is data.
const (
	formatText     = "text"
	formatJSON     = "json"
	formatMarkdown = "markdown"
)

func addFormatFlag(c *cobra.Command, allowed ...string) *string {
	f := c.Flags().String("format", formatText, "output format: "+joinOr(allowed))
	_ = c.RegisterFlagCompletionFunc("format", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return allowed, cobra.ShellCompDirectiveNoFileComp
	})
	return f
}

func checkFormat(f string, allowed ...string) error {
	for _, a := range allowed {
		if f == a {
			return nil
		}
	}
	return usageErr(fmt.Errorf("unknown --format %q; use %s", f, joinOr(allowed)))
}

func joinOr(s []string) string {
	switch len(s) {
	case 0:
		return ""
	case 1:
		return s[0]
	}
	out := ""
	for i, x := range s {
		switch {
		case i == len(s)-1:
			out += " or " + x
		case i > 0:
			out += ", " + x
		default:
			out += x
		}
	}
	return out
}

// loadCatalog returns the embedded catalog, extended by --catalog.
func loadCatalog(c *cobra.Command) (*catalog.Catalog, error) {
	dir, _ := c.Flags().GetString("catalog")
	var cat *catalog.Catalog
	var err error
	if dir == "" {
		cat, err = catalog.Default()
	} else {
		cat, err = catalog.Load(dir)
	}
	if err != nil {
		return nil, inputErr(err)
	}
	return cat, nil
}

// inputErr marks located errors (bad zone or catalog files) as bad input.
func inputErr(err error) error {
	var ye *yamlpos.Error
	if errors.As(err, &ye) {
		return usageErr(err)
	}
	return err
}

// loadPlan loads the zone at path and makes its plan.
func loadPlan(c *cobra.Command, path, asOf string) (*plan.Plan, error) {
	return loadPlanUnder(c, path, asOf, nil)
}

// loadPlanUnder plans the zone under the platform's policy that pf names
// (none when pf is nil or names no library).
func loadPlanUnder(c *cobra.Command, path, asOf string, pf *policyFlags) (*plan.Plan, error) {
	cat, err := loadCatalog(c)
	if err != nil {
		return nil, err
	}
	z, err := spec.LoadFile(path)
	if err != nil {
		return nil, inputErr(err)
	}
	if err := plan.Check(z, cat); err != nil {
		return nil, usageErr(err)
	}
	if asOf == "" {
		asOf = time.Now().UTC().Format(time.DateOnly)
	} else if _, err := time.Parse(time.DateOnly, asOf); err != nil {
		return nil, usageErr(fmt.Errorf("invalid --as-of %q: want YYYY-MM-DD", asOf))
	}
	pol, err := pf.policy(z)
	if err != nil {
		return nil, err
	}
	p, err := design.Plan(c.Context(), z, cat, plan.Options{AsOf: asOf}, pol)
	if err != nil {
		return nil, err
	}
	if err := slurmGaps(p); err != nil {
		return nil, err
	}
	// An address space too small for the zone is the zone file's mistake,
	// not an infeasible request: report it as bad input, at its position.
	for _, f := range p.Findings {
		if f.Severity == finding.Error && network.IsInputFinding(f.Code) {
			return nil, usageErr(z.ErrorAt(f.Path, "widen network.address_space, or free ranges it must avoid", "%s", f.Message))
		}
	}
	return p, nil
}

func addAsOfFlag(c *cobra.Command) *string {
	return c.Flags().String("as-of", "", "date (YYYY-MM-DD) for size retirement checks (default today, UTC)")
}

// writeJSON writes v as indented JSON without HTML escaping.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// zoneFileCompletion completes zone-file paths.
func zoneFileCompletion(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
	return []string{"yaml", "yml"}, cobra.ShellCompDirectiveFilterFileExt
}

// slurmGaps says in the plan what the Slurm workspace's template cannot
// express, so that nothing the plan needs is dropped silently.
func slurmGaps(p *plan.Plan) error {
	wss, err := slurm.Workspaces(p)
	if err != nil {
		return err
	}
	all := finding.List(p.Findings)
	for _, w := range wss {
		for _, pl := range p.Compute.Pools {
			part, ok := w.Partitions[pl.Workload]
			if !ok {
				continue
			}
			all.Add(finding.Info, "slurm.partition", "workloads",
				fmt.Sprintf("%s runs in partition %s of the zone's CycleCloud Slurm workspace: up to %d × %s (%d for the job, %d spare), %s priority; the scheduler and login node run beside it (%s)",
					pl.Workload, part, pl.Nodes+pl.SpareNodes, pl.SKU, pl.Nodes, pl.SpareNodes, pl.Priority, w.File))
		}
		for _, g := range w.Gaps {
			all.Add(finding.Warning, "slurm.gap", "workloads", g)
		}
	}
	all.Sort()
	p.Findings = all
	return nil
}
