package cli

import (
	"fmt"

	"github.com/aizone/aizone/design"
	"github.com/aizone/aizone/spec"
	"github.com/spf13/cobra"
)

// policyFlags let plan and build decide the design under the platform's
// Azure Policy; without --library the plan knows no platform policy.
type policyFlags struct{ governanceFlags }

func addPolicyFlags(c *cobra.Command) *policyFlags {
	f := &policyFlags{}
	c.Flags().StringVar(&f.library, "library", "", "ALZ library directory: choose a design its deny assignments at the zone's management group allow (with --builtins)")
	c.Flags().StringVar(&f.builtins, "builtins", "", "directory of Azure's built-in policy definitions (with --library)")
	c.Flags().StringVar(&f.aliases, "aliases", "", "alias table for --library (az provider list JSON, or CSV alias,path)")
	c.Flags().StringVar(&f.architecture, "architecture", "", "architecture in the library (default: the only one)")
	c.Flags().StringArrayVar(&f.defaults, "default", nil, "library default value NAME=VALUE; repeatable")
	_ = c.MarkFlagDirname("library")
	_ = c.MarkFlagDirname("builtins")
	c.MarkFlagsRequiredTogether("library", "builtins")
	return f
}

// policy loads the platform's policy in force at the zone's management
// group, or nil when no library is given.
func (f *policyFlags) policy(z *spec.Zone) (*design.Policy, error) {
	if f == nil || f.library == "" {
		return nil, nil
	}
	lib, src, values, err := f.load()
	if err != nil {
		return nil, err
	}
	if _, ok := values["default_location"]; !ok {
		values["default_location"] = z.Region
	}
	if _, ok := values["log_analytics_workspace_id"]; !ok && z.Placement.LogAnalytics != "" {
		values["log_analytics_workspace_id"] = z.Placement.LogAnalytics
	}
	mg := z.Placement.ManagementGroup
	eff, err := lib.Effective(f.architecture, mg, values)
	if err != nil {
		return nil, usageErr(fmt.Errorf("--library: %w", err))
	}
	return &design.Policy{Source: src, Assignments: eff, Scope: mg}, nil
}
