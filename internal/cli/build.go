package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/aizone/aizone/armvalidate"
	"github.com/aizone/aizone/catalog"
	"github.com/aizone/aizone/compliance"
	"github.com/aizone/aizone/design"
	"github.com/aizone/aizone/emit/arm"
	"github.com/aizone/aizone/emit/bicep"
	"github.com/aizone/aizone/emit/k8s"
	"github.com/aizone/aizone/emit/slurm"
	"github.com/aizone/aizone/emit/terraform"
	"github.com/aizone/aizone/finding"
	"github.com/aizone/aizone/governance"
	"github.com/aizone/aizone/outdir"
	"github.com/aizone/aizone/plan"
	"github.com/aizone/aizone/prerequisites"
	"github.com/aizone/aizone/report"
	"github.com/aizone/aizone/report/htmlreport"
	"github.com/aizone/aizone/resources"
	"github.com/aizone/aizone/simulation"
	"github.com/aizone/aizone/spec"
	"github.com/spf13/cobra"
)

// markerFile marks a directory aizone wrote, so that it is never mistaken
// for the user's own files.
const markerFile = outdir.Marker

func newBuildCmd(s *Streams) *cobra.Command {
	c := &cobra.Command{
		Use:   "build ZONE.yaml --out DIR",
		Short: "Write deployable templates, the plan and a review report",
		Long: `Build plans the zone and writes:

  DIR/arm/main.json                    subscription-scope ARM deployment template
  DIR/arm/main.parameters.json         its parameters (the platform's values
                                       from the zone file; placeholders for
                                       what the deployer must supply)
  DIR/terraform/*.tf, terraform.tfvars the same resources as a Terraform root
                                       module of azapi resources
  DIR/bicep/main.bicep, modules/,      the same resources as Bicep: main.bicep
            main.bicepparam            at subscription scope, one module per
                                       resource group, the platform's values
  (--format arm, terraform or bicep writes only that one; all, the
  default, writes the three side by side)
  DIR/prerequisites.md                 what must be true before deploying:
                                       providers, roles, quota, hub side, command
  DIR/k8s/CLUSTER/WORKLOAD.yaml        with AKS inference workloads: the serving
                                       stack (vLLM Deployment, Service, PDB, HPA,
                                       Blob volumes, workload identity)
  DIR/slurm/ZONE.parameters.json       with Slurm workloads: the parameters of
                                       Azure CycleCloud Workspace for Slurm
  DIR/storage/lifecycle-policy.json    the Blob lifecycle policy, for
                                       az storage account management-policy create
  DIR/plan.json                        the plan (same as aizone plan --format json)
  DIR/report.md                        a review document
  DIR/report.html                      the same review as one self-contained
                                       page: topology drawn as SVG, cost by
                                       workload and service, each container's
                                       tiers over time, the policy verdicts

Before writing, it checks what it would write the way Azure would: the
deployment validator (aizone validate) on the template, and aizone's own
guardrails on the resources. A failure of either is a bug in aizone and
exits 1 naming the JSON path; a guardrail deny names what the zone file
must change (for example a missing tag).

It refuses to write into a non-empty directory it did not create, unless
--force. It refuses infeasible plans (exit 1); run aizone plan to see why.
With --library and --builtins it plans under the platform's policy, as
aizone plan does. With --usage FILE (the JSON of az vm list-usage
--location REGION; repeatable, one per region) the quota in
prerequisites.md says whether it suffices.

Deploy in the order prerequisites.md gives; the last step is
  az deployment sub create --location REGION --template-file DIR/arm/main.json \
     --parameters @DIR/arm/main.parameters.json`,
		Example:           "  aizone build examples/small.yaml --out out/small",
		Args:              cobra.ExactArgs(1),
		ValidArgsFunction: zoneFileCompletion,
	}
	out := c.Flags().StringP("out", "o", "", "output directory (required)")
	force := c.Flags().Bool("force", false, "write into a non-empty directory aizone did not create")
	asOf := addAsOfFlag(c)
	pf := addPolicyFlags(c)
	outFormat := c.Flags().String("format", formatAll, "what to write: arm, terraform, bicep, or all (each in its directory, side by side)")
	usageFiles := c.Flags().StringArray("usage", nil, "JSON of az vm list-usage --location REGION -o json, to check quota (repeatable; the region is read from the file name or --usage REGION=FILE)")
	_ = c.MarkFlagRequired("out")
	_ = c.MarkFlagDirname("out")
	c.RunE = func(cmd *cobra.Command, args []string) error {
		if err := checkFormat(*outFormat, append(formatNames(), formatAll)...); err != nil {
			return err
		}
		p, err := loadPlanUnder(cmd, args[0], *asOf, pf)
		if err != nil {
			return err
		}
		if !p.Feasible() {
			var why []string
			for _, f := range p.Findings {
				if f.Severity == finding.Error {
					why = append(why, "  "+f.Message)
				}
			}
			return findingsErr(fmt.Errorf("%s: the plan is infeasible, nothing was written:\n%s\nrun aizone plan %s for the whole plan", args[0], strings.Join(why, "\n"), args[0]))
		}
		if err := outdir.Check(*out, *force); err != nil {
			if errors.Is(err, outdir.ErrForeign) {
				return usageErr(fmt.Errorf("%w; choose another --out, or pass --force to write into it (aizone then writes only its own files)", err))
			}
			return usageErr(err)
		}
		usage, err := readUsage(*usageFiles, p.Zone.Region)
		if err != nil {
			return err
		}
		rs := resources.Build(p)
		params := resources.Parameters(p, rs)
		denies, err := compliance.GuardrailDenies(cmd.Context(), rs, params)
		if err != nil {
			return err
		}
		if len(denies) > 0 {
			var lines []string
			for _, d := range denies {
				lines = append(lines, fmt.Sprintf("  %s %s: %s (%s)", d.ResourceType, d.Resource, d.ReferenceID, strings.Join(d.Reasons, "; ")))
			}
			return findingsErr(fmt.Errorf("%s: aizone's own guardrails would deny %d resources of this template; nothing was written:\n%s\nfix the zone file (run aizone plan %s for the warnings), or set placement.guardrails: false", args[0], len(denies), strings.Join(lines, "\n"), args[0]))
		}
		tmpl := arm.Template(rs, params)
		if err := validateTemplate(tmpl, arm.Parameters(params)); err != nil {
			return err
		}
		cat, err := loadCatalog(cmd)
		if err != nil {
			return err
		}
		pre := prerequisites.Make(p, rs, cat, usage)
		files := map[string][]byte{}
		add := func(name string, v any) error {
			data, err := arm.Marshal(v)
			if err != nil {
				return err
			}
			files[name] = data
			return nil
		}
		if err := writeFormats(files, *outFormat, rs, params, tmpl); err != nil {
			return err
		}
		if err := add("storage/lifecycle-policy.json", p.Storage.Account.Policy); err != nil {
			return err
		}
		if err := add("plan.json", p); err != nil {
			return err
		}
		var md bytes.Buffer
		if err := report.Markdown(&md, p); err != nil {
			return err
		}
		files["report.md"] = md.Bytes()
		page, err := htmlReport(cmd.Context(), p, cat, pf)
		if err != nil {
			return err
		}
		files["report.html"] = page
		manifests, kerr := k8s.Manifests(p)
		if kerr != nil {
			// A workload aizone cannot serve on AKS (an AMD pool, TP past
			// one VM) keeps its pools; the manifests are left out, said.
			fmt.Fprintf(s.Err, "aizone: no Kubernetes manifests written: %v\n", kerr)
		}
		mnames := make([]string, 0, len(manifests))
		for name := range manifests {
			mnames = append(mnames, name)
		}
		sort.Strings(mnames)
		for _, name := range mnames {
			files["k8s/"+name] = manifests[name]
			pre.After = append(pre.After, fmt.Sprintf("apply k8s/%s to its cluster (a private cluster: az aks command invoke --resource-group %s --name %s --command \"kubectl apply -f %s\" --file k8s/%s) after filling in the identity client id it names", name, governance.RGName(p.Zone.Name, p.Zone.Region, governance.RGCompute), strings.Split(name, "/")[0], filepath.Base(name), name))
		}
		wss, err := slurm.Workspaces(p)
		if err != nil {
			return err
		}
		for _, w := range wss {
			data, err := w.Marshal()
			if err != nil {
				return err
			}
			files[w.File] = data
			pre.Notes = append(pre.Notes, "Slurm: after the zone template, deploy Azure CycleCloud Workspace for Slurm into the zone's network: "+w.Command)
			for _, ph := range w.Placeholders {
				pre.Notes = append(pre.Notes, fmt.Sprintf("Slurm: replace %s in %s: %s", ph.Token, w.File, ph.How))
			}
		}
		var pmd bytes.Buffer
		if err := prerequisites.Markdown(&pmd, pre); err != nil {
			return err
		}
		files["prerequisites.md"] = pmd.Bytes()
		names := make([]string, 0, len(files))
		for n := range files {
			names = append(names, n)
		}
		sort.Strings(names)
		if err := outdir.Write(*out, files); err != nil {
			return fmt.Errorf("nothing was changed in %s: %w", *out, err)
		}
		fmt.Fprintf(s.Err, "aizone: wrote %d files to %s (%d resources in %d resource groups)\n", len(names), *out, len(rs), len(resources.ResourceGroups(rs)))
		if err := prerequisites.Summary(s.Err, pre); err != nil {
			return err
		}
		if finding.List(pre.Findings).HasErrors() {
			return findingsErr(fmt.Errorf("the quota given with --usage does not suffice; see %s", filepath.Join(*out, "prerequisites.md")))
		}
		return nil
	}
	return c
}

// validateTemplate runs the deployment validator on what build is about to
// write: a finding is aizone's bug, reported with its JSON path.
func validateTemplate(tmpl, params map[string]any) error {
	data, err := arm.Marshal(tmpl)
	if err != nil {
		return err
	}
	pdata, err := arm.Marshal(params)
	if err != nil {
		return err
	}
	fs, err := armvalidate.ValidateJSON(data, pdata)
	if err != nil {
		return fmt.Errorf("validating the template: %w", err)
	}
	if len(fs) == 0 {
		return nil
	}
	lines := make([]string, len(fs))
	for i, f := range fs {
		lines[i] = "  " + f.String()
	}
	return findingsErr(fmt.Errorf("the template aizone built would not deploy (a bug in aizone; nothing was written):\n%s", strings.Join(lines, "\n")))
}

// readUsage reads az vm list-usage files, given as FILE (region from the
// zone when there is one file, else from a file name such as
// usage-eastus.json) or REGION=FILE.
func readUsage(specs []string, region string) (map[string]prerequisites.Usage, error) {
	if len(specs) == 0 {
		return nil, nil
	}
	out := map[string]prerequisites.Usage{}
	for _, sp := range specs {
		r, file, ok := strings.Cut(sp, "=")
		if !ok {
			file, r = sp, regionFromName(sp)
			if r == "" {
				if len(specs) > 1 {
					return nil, usageErr(fmt.Errorf("--usage %s: say which region it lists, as --usage REGION=%s", sp, sp))
				}
				r = region
			}
		}
		data, err := readRegularFile(file)
		if err != nil {
			return nil, usageErr(fmt.Errorf("--usage: %w", err))
		}
		u, err := prerequisites.ParseUsage(file, data, r)
		if err != nil {
			return nil, usageErr(err)
		}
		out[r] = u
	}
	return out, nil
}

// regionFromName finds a known region name in a file name.
func regionFromName(name string) string {
	base := strings.ToLower(filepath.Base(name))
	best := ""
	for _, r := range spec.RegionNames() {
		if strings.Contains(base, r) && len(r) > len(best) {
			best = r
		}
	}
	return best
}

// readRegularFile reads a regular file, refusing FIFOs and devices that
// would block or never end.
func readRegularFile(path string) ([]byte, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file", path)
	}
	return os.ReadFile(path)
}

// The formats build writes the zone's resources in: each is a spelling of
// the one resource list, written under its own directory.
const formatAll = "all"

type format struct {
	name  string
	write func(rs []resources.Resource, params []resources.Parameter, tmpl map[string]any) (map[string][]byte, error)
}

var formats = []format{
	{"arm", func(_ []resources.Resource, params []resources.Parameter, tmpl map[string]any) (map[string][]byte, error) {
		main, err := arm.Marshal(tmpl)
		if err != nil {
			return nil, err
		}
		values, err := arm.Marshal(arm.Parameters(params))
		if err != nil {
			return nil, err
		}
		return map[string][]byte{"main.json": main, "main.parameters.json": values}, nil
	}},
	{"terraform", func(rs []resources.Resource, params []resources.Parameter, _ map[string]any) (map[string][]byte, error) {
		return terraform.Module(rs, params)
	}},
	{"bicep", func(rs []resources.Resource, params []resources.Parameter, _ map[string]any) (map[string][]byte, error) {
		return bicep.Files(rs, params)
	}},
}

func formatNames() []string {
	out := make([]string, len(formats))
	for i, f := range formats {
		out[i] = f.name
	}
	return out
}

// writeFormats adds to files the zone's resources in the format asked for
// (all: every format), each under its own directory.
func writeFormats(files map[string][]byte, which string, rs []resources.Resource, params []resources.Parameter, tmpl map[string]any) error {
	for _, f := range formats {
		if which != formatAll && which != f.name {
			continue
		}
		out, err := f.write(rs, params, tmpl)
		if err != nil {
			return fmt.Errorf("writing the %s files (a bug in aizone; nothing was written): %w", f.name, err)
		}
		for name, data := range out {
			files[f.name+"/"+name] = data
		}
	}
	return nil
}

// htmlReport renders report.html: the plan, each container's lifecycle
// played forward by the simulator, and, when the platform's library was
// given, the verdicts of its policy and aizone's guardrails.
func htmlReport(ctx context.Context, p *plan.Plan, cat *catalog.Catalog, pf *policyFlags) ([]byte, error) {
	prices, err := simulation.PricesFromCatalog(cat)
	if err != nil {
		return nil, err
	}
	lc, err := htmlreport.Simulate(ctx, p, prices)
	if err != nil {
		return nil, err
	}
	in := htmlreport.Input{Plan: p, Lifecycle: lc}
	pol, err := pf.policy(&p.Zone.Zone)
	if err != nil {
		return nil, err
	}
	if pol != nil {
		ev, err := design.Evaluate(ctx, p, pol)
		if err != nil {
			return nil, err
		}
		in.Compliance = ev.Report
	}
	var page bytes.Buffer
	if err := htmlreport.Write(&page, in); err != nil {
		return nil, err
	}
	return page.Bytes(), nil
}
