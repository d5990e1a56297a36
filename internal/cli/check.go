package cli

import (
	"bytes"
	"fmt"
	"os"
	"strings"

	"github.com/aizone/aizone/alz"
	"github.com/aizone/aizone/compliance"
	"github.com/aizone/aizone/design"
	"github.com/aizone/aizone/policy"
	"github.com/aizone/aizone/report"
	"github.com/spf13/cobra"
)

// governanceFlags are the flags check and audit share.
type governanceFlags struct {
	library, builtins, aliases, architecture, mg string
	defaults                                     []string
}

func addGovernanceFlags(c *cobra.Command) *governanceFlags {
	g := &governanceFlags{}
	c.Flags().StringVar(&g.library, "library", "", "ALZ library directory (for example Azure-Landing-Zones-Library/platform/alz) (required)")
	c.Flags().StringVar(&g.builtins, "builtins", "", "directory of Azure's built-in policy definitions (required)")
	c.Flags().StringVar(&g.aliases, "aliases", "", "alias table: az provider list --expand resourceTypes/aliases JSON, or CSV alias,path (optionally .gz); without it aliases use the documented default mapping")
	c.Flags().StringVar(&g.architecture, "architecture", "", "architecture in the library (default: the only one)")
	c.Flags().StringVar(&g.mg, "management-group", "", "management group to check at (default: the zone's placement.management_group)")
	c.Flags().StringArrayVar(&g.defaults, "default", nil, "library default value NAME=VALUE (for example log_analytics_workspace_id=/subscriptions/...); repeatable")
	_ = c.MarkFlagRequired("library")
	_ = c.MarkFlagRequired("builtins")
	_ = c.MarkFlagDirname("library")
	_ = c.MarkFlagDirname("builtins")
	return g
}

// load reads the library, the built-ins and the alias table.
func (g *governanceFlags) load() (*alz.Library, *compliance.Source, alz.Values, error) {
	lib, err := alz.LoadLibrary(g.library)
	if err != nil {
		return nil, nil, nil, usageErr(err)
	}
	b, err := alz.LoadBuiltins(g.builtins)
	if err != nil {
		return nil, nil, nil, usageErr(err)
	}
	src := &compliance.Source{Library: lib, Builtins: b}
	if g.aliases != "" {
		t, err := loadAliasFile(g.aliases)
		if err != nil {
			return nil, nil, nil, usageErr(err)
		}
		src.Aliases = t
	}
	values := alz.Values{}
	for _, d := range g.defaults {
		k, v, ok := strings.Cut(d, "=")
		if !ok || k == "" {
			return nil, nil, nil, usageErr(fmt.Errorf("--default %q: want NAME=VALUE", d))
		}
		values[k] = v
	}
	return lib, src, values, nil
}

func newCheckCmd(s *Streams) *cobra.Command {
	c := &cobra.Command{
		Use:   "check ZONE.yaml --library DIR --builtins DIR",
		Short: "Check a zone's resources against the platform's Azure Policy before deploying",
		Long: `Check builds the zone's resources exactly as aizone build would deploy them
and evaluates every policy assignment in effect at the zone's management
group (inherited from the root of the ALZ hierarchy down) against them.

It prints one row per finding (effect, resource, assignment, policy, why);
modify and append effects show the change Azure would make. Assignments in
DoNotEnforce mode are reported but marked "not enforced".

Exit status: 0 when nothing would be denied, 1 when an enforced deny
applies, 2 for bad input.`,
		Example: "  aizone check examples/small.yaml --library ../Azure-Landing-Zones-Library/platform/alz \\\n" +
			"      --builtins ../azure-policy/built-in-policies --aliases aliases.json",
		Args:              cobra.ExactArgs(1),
		ValidArgsFunction: zoneFileCompletion,
	}
	g := addGovernanceFlags(c)
	format := addFormatFlag(c, formatText, formatJSON)
	asOf := addAsOfFlag(c)
	c.RunE = func(cmd *cobra.Command, args []string) error {
		if err := checkFormat(*format, formatText, formatJSON); err != nil {
			return err
		}
		p, err := loadPlan(cmd, args[0], *asOf)
		if err != nil {
			return err
		}
		lib, src, values, err := g.load()
		if err != nil {
			return err
		}
		mg := g.mg
		if mg == "" {
			mg = p.Governance.ManagementGroup
		}
		if _, ok := values["default_location"]; !ok {
			values["default_location"] = p.Zone.Region
		}
		// The platform's diagnostic policies name its workspace, which the
		// zone file gives too.
		if _, ok := values["log_analytics_workspace_id"]; !ok && p.Zone.Placement.LogAnalytics != "" {
			values["log_analytics_workspace_id"] = p.Zone.Placement.LogAnalytics
		}
		eff, err := lib.Effective(g.architecture, mg, values)
		if err != nil {
			return usageErr(err)
		}
		path, _ := lib.Path(g.architecture, mg)
		ev, err := design.Evaluate(cmd.Context(), p, &design.Policy{Source: src, Assignments: eff, Scope: mg})
		if err != nil {
			return err
		}
		rep, built := ev.Report, ev.Resources
		if *format == formatJSON {
			err = writeJSON(s.Out, rep)
		} else {
			names := make([]string, len(path))
			for i, m := range path {
				names[i] = m.ID
			}
			title := fmt.Sprintf("aizone check: %s at %s (%d assignments inherited along %s, and the zone's own)", p.Zone.Name, mg, ev.Assignments, strings.Join(names, " → "))
			err = report.ComplianceText(s.Out, title, rep)
		}
		if err != nil {
			return err
		}
		priv := compliance.LeastPrivilege(built)
		for _, x := range priv {
			fmt.Fprintf(s.Err, "aizone: least privilege: %s (%s)\n", x.Message, x.Principal)
		}
		if n := compliance.Denies(rep.Findings); n > 0 {
			return findingsErr(fmt.Errorf("%d enforced deny findings: Azure would refuse this deployment", n))
		}
		if len(priv) > 0 {
			return findingsErr(fmt.Errorf("%d role assignments give a workload identity Owner, Contributor or User Access Administrator", len(priv)))
		}
		return nil
	}
	return c
}

// loadAliasFile reads an alias table in either format, told apart by
// content: provider JSON starts with [ or {, anything else is CSV (plain
// or gzip-compressed).
func loadAliasFile(path string) (policy.AliasTable, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("alias table: %w", err)
	}
	var t policy.AliasTable
	if trimmed := bytes.TrimSpace(data); len(trimmed) > 0 && (trimmed[0] == '[' || trimmed[0] == '{') {
		t, err = policy.LoadAliasesProviderJSON(bytes.NewReader(data))
	} else {
		t, err = policy.LoadAliasesCSV(bytes.NewReader(data))
	}
	if err != nil {
		return nil, fmt.Errorf("alias table %s: %w", path, err)
	}
	return t, nil
}
