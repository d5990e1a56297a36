package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/aizone/aizone/armvalidate"
	"github.com/spf13/cobra"
)

func newValidateCmd(s *Streams) *cobra.Command {
	c := &cobra.Command{
		Use:   "validate TEMPLATE.json [--parameters FILE]",
		Short: "Check an ARM template for what Azure Resource Manager would reject at deployment",
		Long: `Validate checks an ARM template (any scope, generated or hand-written) the way
Azure Resource Manager checks it before and while deploying, in the top-level
template and in every inline nested deployment:

  dependson-undeclared             dependsOn names a resource the same template does not declare
  reference-unordered              a resource uses another's id without a dependsOn path to it
  child-without-parent-dependency  a child resource does not depend on its parent
  expression-parse                 an expression does not parse
  parameter-undeclared, variable-undeclared
                                   parameters('x') or variables('x') is not declared in its scope
  parameter-missing-value, parameter-unknown
                                   a parameter has no value, or a value has no parameter
  name-invalid, name-duplicate     a name breaks the type's naming rules, or is declared twice
  scope-unknown                    resourceId() names a resource group the deployment does not declare
  role-assignment-name             a role assignment is not named by a stable GUID
  nondeterministic-function        newGuid() or utcNow() outside a parameter's defaultValue

It prints one line per finding (path, what is wrong, rule, how to fix it) and
a summary. Checks only report what they can decide from the template: an
expression that depends on deployment (a parameter without a value, a
reference) is never reported.

Exit status: 0 no findings, 1 findings, 2 bad usage or unreadable JSON.`,
		Example: "  aizone validate out/arm/main.json\n" +
			"  aizone validate azuredeploy.json --parameters azuredeploy.parameters.json --format json",
		Args: cobra.ExactArgs(1),
		ValidArgsFunction: func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
			return []string{"json"}, cobra.ShellCompDirectiveFilterFileExt
		},
	}
	params := c.Flags().String("parameters", "", "parameters file (its values are checked against the template's parameters)")
	_ = c.MarkFlagFilename("parameters", "json")
	format := addFormatFlag(c, formatText, formatJSON)
	c.RunE = func(cmd *cobra.Command, args []string) error {
		if err := checkFormat(*format, formatText, formatJSON); err != nil {
			return err
		}
		data, err := os.ReadFile(args[0])
		if err != nil {
			return usageErr(fmt.Errorf("read template: %w", err))
		}
		var pdata []byte
		if *params != "" {
			if pdata, err = os.ReadFile(*params); err != nil {
				return usageErr(fmt.Errorf("read parameters: %w", err))
			}
		}
		findings, err := armvalidate.ValidateJSON(data, pdata)
		if err != nil {
			var je *armvalidate.JSONError
			if errors.As(err, &je) {
				file := args[0]
				if je.Input == "parameters" {
					file = *params
				}
				return usageErr(fmt.Errorf("%s:%d:%d: %w; want a JSON object (an ARM template or parameters file)", file, je.Line, je.Col, je.Err))
			}
			return usageErr(err)
		}
		sum := summarize(args[0], findings)
		if *format == formatJSON {
			if findings == nil {
				findings = []armvalidate.Finding{}
			}
			err = writeJSON(s.Out, validateReport{Findings: findings, Summary: sum})
		} else {
			err = writeValidateText(s.Out, findings, sum)
		}
		if err != nil {
			return err
		}
		if len(findings) > 0 {
			return findingsErr(fmt.Errorf("%d findings: Azure Resource Manager would reject %s", len(findings), args[0]))
		}
		return nil
	}
	return c
}

// validateReport is the JSON output: stable keys "findings" and "summary".
type validateReport struct {
	Findings []armvalidate.Finding `json:"findings"`
	Summary  validateSummary       `json:"summary"`
}

type validateSummary struct {
	Template string         `json:"template"`
	Findings int            `json:"findings"`
	Rules    map[string]int `json:"rules"` // findings per rule
}

func summarize(path string, findings []armvalidate.Finding) validateSummary {
	s := validateSummary{Template: path, Findings: len(findings), Rules: map[string]int{}}
	for _, f := range findings {
		s.Rules[f.Rule]++
	}
	return s
}

func writeValidateText(w io.Writer, findings []armvalidate.Finding, sum validateSummary) error {
	var b strings.Builder
	for _, f := range findings {
		b.WriteString(f.String() + "\n")
	}
	if sum.Findings == 0 {
		fmt.Fprintf(&b, "%s: no findings\n", sum.Template)
	} else {
		rules := make([]string, 0, len(sum.Rules))
		for r := range sum.Rules {
			rules = append(rules, r)
		}
		sort.Strings(rules)
		parts := make([]string, len(rules))
		for i, r := range rules {
			parts[i] = fmt.Sprintf("%s %d", r, sum.Rules[r])
		}
		fmt.Fprintf(&b, "%s: %d findings (%s)\n", sum.Template, sum.Findings, strings.Join(parts, ", "))
	}
	_, err := io.WriteString(w, b.String())
	return err
}
