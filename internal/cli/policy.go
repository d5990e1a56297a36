package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/aizone/aizone/policy"
	"github.com/spf13/cobra"
)

func newPolicyCmd(s *Streams) *cobra.Command {
	c := &cobra.Command{
		Use:   "policy",
		Short: "Evaluate and check Azure Policy definitions offline",
		Long: `Policy runs aizone's offline Azure Policy engine: evaluate a definition
against resources as ARM JSON, or check that a tree of definitions, set
definitions and assignments compiles.

Aliases ("Microsoft.Storage/storageAccounts/networkAcls.defaultAction")
resolve through --aliases: the JSON that
  az provider list --expand "resourceTypes/aliases" > aliases.json
prints, or an alias,path CSV (either may be gzipped). Without it the
documented default mapping applies, and results list the aliases it
resolved (fallbackAliases).`,
	}
	c.AddCommand(newPolicyEvalCmd(s), newPolicyCompileCmd(s))
	return c
}

func addAliasesFlag(c *cobra.Command) *string {
	return c.Flags().String("aliases", "", "alias table: az provider list --expand resourceTypes/aliases JSON, or an alias,path CSV (optionally gzipped)")
}

// loadAliases reads --aliases; nil means the default mapping.
func loadAliases(path string) (policy.AliasTable, error) {
	if path == "" {
		return nil, nil
	}
	t, err := policy.LoadAliasesFile(path)
	if err != nil {
		return nil, usageErr(err)
	}
	return t, nil
}

func newPolicyEvalCmd(s *Streams) *cobra.Command {
	c := &cobra.Command{
		Use:   "eval --definition FILE --resource FILE",
		Short: "Evaluate a policy definition against resources",
		Long: `Eval evaluates one policy definition against the resources in --resource:
one resource object, an array of them, a Resource Graph export
({"data": [...]}, {"value": [...]}) or an ARM template, including the
resources of its nested deployments (what aizone build writes). Every
resource in the file is also a candidate related resource for
auditIfNotExists and deployIfNotExists.

Parameters take their defaults unless --params gives values
({"name": {"value": v}} or {"name": v}). --assignment applies an
assignment's parameters, scope, notScopes and enforcement mode; --params
values override its parameters.

With --format json the output is one result object for a single resource
object, an array of them otherwise; each has resourceId, state, effect,
compliant, enforced and reasons, and when relevant operations (append,
modify), related (auditIfNotExists, deployIfNotExists), fallbackAliases and
error.

Exit status: 0 every resource compliant (or out of reach), 1 some resource
not compliant, 2 bad input.`,
		Example: `  aizone policy eval --definition Storage_NetworkAcls_Audit.json --resource storage.json
  aizone policy eval --definition def.json --resource resources.json --params params.json --aliases aliases.json --format json`,
		Args: cobra.NoArgs,
	}
	defFile := c.Flags().String("definition", "", "policy definition JSON file (required)")
	resFile := c.Flags().String("resource", "", "resource JSON file: one resource or an array (required)")
	paramsFile := c.Flags().String("params", "", "parameter values JSON file")
	assignFile := c.Flags().String("assignment", "", "policy assignment JSON file")
	aliasFile := addAliasesFlag(c)
	format := addFormatFlag(c, formatText, formatJSON)
	_ = c.MarkFlagRequired("definition")
	_ = c.MarkFlagRequired("resource")
	c.RunE = func(cmd *cobra.Command, _ []string) error {
		if err := checkFormat(*format, formatText, formatJSON); err != nil {
			return err
		}
		aliases, err := loadAliases(*aliasFile)
		if err != nil {
			return err
		}
		b, err := bindDefinition(*defFile, *paramsFile, *assignFile, aliases)
		if err != nil {
			return err
		}
		data, err := os.ReadFile(*resFile)
		if err != nil {
			return usageErr(err)
		}
		rs, err := policy.ParseResources(data)
		if err != nil {
			return usageErr(fmt.Errorf("%s: %w", *resFile, err))
		}
		if len(rs) == 0 {
			return usageErr(fmt.Errorf("%s: no resources", *resFile))
		}
		env := &policy.Env{Resources: policy.NewResources(rs)}
		results := make([]policy.Result, len(rs))
		failing := 0
		for i, r := range rs {
			results[i] = b.Evaluate(cmd.Context(), r, env)
			if results[i].Reasons == nil {
				results[i].Reasons = []string{}
			}
			if !results[i].Compliant {
				failing++
			}
		}
		if *format == formatJSON {
			var v any = results
			if singleObject(data) {
				v = results[0]
			}
			err = writeJSON(s.Out, v)
		} else {
			err = writeEvalText(s.Out, b, rs, results)
		}
		if err != nil {
			return err
		}
		if failing > 0 {
			return findingsErr(fmt.Errorf("%d of %d resources not compliant with %s", failing, len(rs), *defFile))
		}
		return nil
	}
	return c
}

// bindDefinition loads, compiles and binds the definition with the values
// from --params and --assignment. Every failure is bad input.
func bindDefinition(defFile, paramsFile, assignFile string, aliases policy.AliasTable) (*policy.Bound, error) {
	data, err := os.ReadFile(defFile)
	if err != nil {
		return nil, usageErr(err)
	}
	if k := policy.DocumentKind(data); k == policy.KindSetDefinition || k == policy.KindAssignment {
		return nil, usageErr(fmt.Errorf("%s is a policy %s; --definition takes a policy definition", defFile, k))
	}
	d, err := policy.LoadDefinition(defFile)
	if err != nil {
		return nil, usageErr(err)
	}
	cp, err := policy.Compile(d, aliases)
	if err != nil {
		return nil, usageErr(err)
	}
	params := map[string]any{}
	var a *policy.Assignment
	if assignFile != "" {
		if a, err = policy.LoadAssignment(assignFile); err != nil {
			return nil, usageErr(err)
		}
		for k, v := range a.Parameters {
			params[k] = v
		}
	}
	if paramsFile != "" {
		pd, err := os.ReadFile(paramsFile)
		if err != nil {
			return nil, usageErr(err)
		}
		pv, err := policy.ParseParameterValues(pd)
		if err != nil {
			return nil, usageErr(fmt.Errorf("%s: %w", paramsFile, err))
		}
		for k, v := range pv {
			params[k] = v
		}
	}
	b, err := cp.Bind(params)
	if err != nil {
		return nil, usageErr(fmt.Errorf("%s: %w", defFile, err))
	}
	if a != nil {
		b = b.ForAssignment(a)
	}
	return b, nil
}

// singleObject reports whether a resource file holds one resource object
// (rather than an array or a wrapper such as an ARM template), so that the
// JSON output mirrors the input's shape.
func singleObject(data []byte) bool {
	var top map[string]json.RawMessage
	if json.Unmarshal(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")), &top) != nil {
		return false
	}
	for k := range top {
		if strings.EqualFold(k, "type") {
			return true
		}
	}
	return false
}

// stateWords are how the text output names each state.
var stateWords = map[policy.State]string{
	policy.Compliant:     "compliant",
	policy.NonCompliant:  "NOT COMPLIANT",
	policy.NotApplicable: "not applicable",
	policy.Skipped:       "skipped",
	policy.Unknown:       "unknown (manual attestation)",
	policy.Failed:        "EVALUATION FAILED",
}

func writeEvalText(w io.Writer, b *policy.Bound, rs []*policy.Resource, results []policy.Result) error {
	ew := &errWriter{w: w}
	d := b.Definition()
	title := d.DisplayName
	if title == "" {
		title = d.Name
	}
	ew.printf("%s\n  %s, effect %s\n\n", title, d.ID, b.Effect())
	failing := 0
	for i, r := range results {
		head := stateWords[r.State]
		if r.Effect != "" {
			head = r.Effect + ": " + head
		}
		if !r.Enforced && !r.Compliant {
			head += " (not enforced)"
		}
		if !r.Compliant {
			failing++
		}
		ew.printf("%s (%s): %s\n", rs[i].FullName(), rs[i].Type(), head)
		for _, reason := range r.Reasons {
			ew.printf("    %s\n", reason)
		}
		for _, op := range r.Operations {
			v := ""
			if op.Value != nil {
				j, _ := json.Marshal(op.Value)
				v = " = " + string(j)
			}
			ew.printf("    would %s %s%s\n", op.Operation, op.Field, v)
		}
		for _, id := range r.Related {
			ew.printf("    related: %s\n", id)
		}
	}
	ew.printf("\n%d of %d resources not compliant\n", failing, len(results))
	if fb := b.Fallbacks(); len(fb) > 0 {
		ew.printf("note: resolved by the default alias mapping, not an alias table (pass --aliases for exact paths): %s\n", strings.Join(fb, ", "))
	}
	return ew.err
}

func newPolicyCompileCmd(s *Streams) *cobra.Command {
	c := &cobra.Command{
		Use:   "compile DIR...",
		Short: "Check that a tree of policy definitions compiles",
		Long: `Compile parses and compiles every policy definition, set definition and
assignment in the JSON files below each DIR (or named FILE), telling them
apart by content; other JSON files are skipped. Set definitions are checked
against the definitions found. It reports each document that does not
compile as file:line:col: JSON path: what is wrong, and set members whose
definition is not in the tree as warnings.

Exit status: 0 everything compiles, 1 some document does not, 2 bad input
(a DIR that cannot be read, no policy documents at all).`,
		Example: `  aizone policy compile ./policies
  aizone policy compile ../alz-library/alz --aliases aliases.csv.gz --format json`,
		Args: cobra.MinimumNArgs(1),
	}
	aliasFile := addAliasesFlag(c)
	format := addFormatFlag(c, formatText, formatJSON)
	c.RunE = func(_ *cobra.Command, args []string) error {
		if err := checkFormat(*format, formatText, formatJSON); err != nil {
			return err
		}
		aliases, err := loadAliases(*aliasFile)
		if err != nil {
			return err
		}
		rep, err := policy.CheckTree(args, aliases)
		if err != nil {
			return usageErr(err)
		}
		docs := rep.Definitions + rep.SetDefinitions + rep.Assignments
		if rep.Failed == 0 && docs == 0 {
			return usageErr(fmt.Errorf("no policy documents in %s (%d JSON files)", strings.Join(args, ", "), rep.Files))
		}
		if *format == formatJSON {
			err = writeJSON(s.Out, rep)
		} else {
			err = writeCompileText(s.Out, rep)
		}
		if err != nil {
			return err
		}
		if rep.Failed > 0 {
			return findingsErr(fmt.Errorf("%d of %d policy documents do not compile", rep.Failed, docs))
		}
		return nil
	}
	return c
}

func writeCompileText(w io.Writer, rep *policy.TreeReport) error {
	ew := &errWriter{w: w}
	for _, f := range rep.Failures {
		ew.printf("%s\n", f)
	}
	for _, f := range rep.Warnings {
		ew.printf("warning: %s\n", f)
	}
	ew.printf("%d definitions, %d set definitions, %d assignments (%d other JSON files skipped): %d failed, %d warnings\n",
		rep.Definitions, rep.SetDefinitions, rep.Assignments, rep.Skipped, rep.Failed, len(rep.Warnings))
	if len(rep.Warnings) > 0 {
		ew.printf("hint: add the directory holding the referenced definitions (the built-ins, for instance) to check sets against them\n")
	}
	return ew.err
}

// errWriter keeps the first write error so that rendering code can print
// freely and check once.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) printf(format string, args ...any) {
	if e.err == nil {
		_, e.err = fmt.Fprintf(e.w, format, args...)
	}
}
