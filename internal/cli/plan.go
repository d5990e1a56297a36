package cli

import (
	"errors"

	"github.com/aizone/aizone/report"
	"github.com/spf13/cobra"
)

func newPlanCmd(s *Streams) *cobra.Command {
	c := &cobra.Command{
		Use:   "plan ZONE.yaml",
		Short: "Design a landing zone from a zone file and print the plan",
		Long: `Plan reads a zone file, sizes GPU pools, storage and network, places the zone
in the management-group hierarchy and prices it. It prints a summary, the
plan as JSON (stable keys: zone, compute, storage, network, governance,
cost, findings) or a Markdown report.

With --library and --builtins (an ALZ library and Azure's built-in
definitions), the plan knows the deny assignments in force at the zone's
management group: a design they would deny is never chosen when another
exists (a zone in corp owns no ExpressRoute gateway), and when none
exists the plan is infeasible with the policy named.

Exit status: 0 feasible, 1 infeasible (an error finding), 2 bad input.`,
		Example:           "  aizone plan examples/small.yaml\n  aizone plan examples/large.yaml --format json > plan.json",
		Args:              cobra.ExactArgs(1),
		ValidArgsFunction: zoneFileCompletion,
	}
	format := addFormatFlag(c, formatText, formatJSON, formatMarkdown)
	asOf := addAsOfFlag(c)
	pf := addPolicyFlags(c)
	c.RunE = func(cmd *cobra.Command, args []string) error {
		if err := checkFormat(*format, formatText, formatJSON, formatMarkdown); err != nil {
			return err
		}
		p, err := loadPlanUnder(cmd, args[0], *asOf, pf)
		if err != nil {
			return err
		}
		switch *format {
		case formatJSON:
			err = writeJSON(s.Out, p)
		case formatMarkdown:
			err = report.Markdown(s.Out, p)
		default:
			err = report.Text(s.Out, p)
		}
		if err != nil {
			return err
		}
		if !p.Feasible() {
			return findingsErr(errors.New("the plan is infeasible; see the error findings"))
		}
		return nil
	}
	return c
}
