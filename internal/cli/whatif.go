package cli

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	"github.com/aizone/aizone/compliance"
	"github.com/aizone/aizone/deploy"
	"github.com/aizone/aizone/finding"
	"github.com/aizone/aizone/resources"
	"github.com/spf13/cobra"
)

func newWhatIfCmd(s *Streams) *cobra.Command {
	c := &cobra.Command{
		Use:   "what-if ZONE.yaml [--subscription ID] [--parameter NAME=VALUE]",
		Short: "Show what deploying the zone would change in Azure",
		Long: `What-if plans the zone, builds its subscription-scope template exactly as
aizone build does (the same checks: a feasible plan, aizone's guardrails, the
deployment validator), and asks Azure Resource Manager what deploying it
would change, as az deployment sub what-if does: the resources by scope
(the subscription, then each resource group), by change type (Create,
Modify, Delete, NoChange, Ignore, Deploy, Unsupported), with the property
changes of each modified resource. Nothing is deployed.

The deployment is aizone-ZONE in the zone's region, at the subscription the
zone file gives (placement.subscriptions[0].id) or --subscription. The
placeholders build writes into main.parameters.json (an SSH key, the HPC
Cache resource provider's object id) must be given with --parameter
NAME=VALUE (NAME=@FILE reads the value from a file).

It signs in with the Azure identity default chain: environment variables
(AZURE_CLIENT_ID, AZURE_TENANT_ID and a secret or certificate), workload
identity, managed identity, then az login. The identity needs to read
what the template names and to validate it (Reader and the deployer's roles
in prerequisites.md).

Exit codes: 0 the prediction is printed, 1 Azure refused the what-if (the
error says why and what to do) or the plan is infeasible, 2 bad input, no
credential, or Azure not reached.`,
		Example: `  aizone what-if examples/vmss-finetune.yaml --parameter sshPublicKey=@$HOME/.ssh/id_ed25519.pub
  aizone what-if zone.yaml --subscription 00000000-0000-0000-0000-000000000000 --format json`,
		Args:              cobra.ExactArgs(1),
		ValidArgsFunction: zoneFileCompletion,
	}
	af := addAzureFlags(c)
	format := addFormatFlag(c, formatText, formatJSON)
	c.RunE = func(cmd *cobra.Command, args []string) error {
		if err := checkFormat(*format, formatText, formatJSON); err != nil {
			return err
		}
		d, client, err := af.deployment(cmd, args[0])
		if err != nil {
			return err
		}
		fmt.Fprintf(s.Err, "aizone: asking Azure Resource Manager what deployment %s would change at subscription %s (%s)\n", d.Name, client.Subscription, d.Location)
		w, err := client.WhatIf(cmd.Context(), d)
		reportThrottles(s.Err, client)
		if err != nil {
			return azureErr(err)
		}
		if *format == formatJSON {
			return w.WriteJSON(s.Out)
		}
		return w.WriteText(s.Out)
	}
	return c
}

// azureFlags are what what-if and deploy share: how the zone is planned
// (as build plans it), where it deploys, and the parameter values the
// zone file cannot give.
type azureFlags struct {
	asOf         *string
	pf           *policyFlags
	subscription string
	params       []string
}

func addAzureFlags(c *cobra.Command) *azureFlags {
	f := &azureFlags{asOf: addAsOfFlag(c), pf: addPolicyFlags(c)}
	c.Flags().StringVar(&f.subscription, "subscription", "", "subscription id to deploy to (default: placement.subscriptions[0].id of the zone file)")
	c.Flags().StringArrayVar(&f.params, "parameter", nil, "template parameter NAME=VALUE, or NAME=@FILE to read the value from a file; fills build's placeholders (repeatable)")
	return f
}

// newAzureClient connects to a subscription's deployments with the Azure
// identity default chain. Tests replace it with a client on the SDK's fake
// servers.
var newAzureClient = func(subscription string) (*deploy.Client, error) {
	cred, err := azidentity.NewDefaultAzureCredential(nil)
	if err != nil {
		return nil, usageErr(fmt.Errorf("no Azure credential: %w (%s)", err, signInHint))
	}
	return deploy.NewClient(subscription, cred, nil)
}

const signInHint = "sign in with az login, or set AZURE_CLIENT_ID, AZURE_TENANT_ID and AZURE_CLIENT_SECRET, or run where a managed identity is assigned"

// deployment plans the zone and builds its deployment as build does,
// refusing what build refuses, then connects to its subscription.
func (f *azureFlags) deployment(cmd *cobra.Command, path string) (*deploy.Deployment, *deploy.Client, error) {
	p, err := loadPlanUnder(cmd, path, *f.asOf, f.pf)
	if err != nil {
		return nil, nil, err
	}
	if !p.Feasible() {
		var why []string
		for _, x := range p.Findings {
			if x.Severity == finding.Error {
				why = append(why, "  "+x.Message)
			}
		}
		return nil, nil, findingsErr(fmt.Errorf("%s: the plan is infeasible, nothing was sent to Azure:\n%s\nrun aizone plan %s for the whole plan", path, strings.Join(why, "\n"), path))
	}
	sub, err := deploy.Subscription(p, f.subscription)
	if err != nil {
		return nil, nil, usageErr(fmt.Errorf("%s: %w", path, err))
	}
	d := deploy.Build(p)
	denies, err := compliance.GuardrailDenies(cmd.Context(), d.Resources, d.Params)
	if err != nil {
		return nil, nil, err
	}
	if len(denies) > 0 {
		var lines []string
		for _, x := range denies {
			lines = append(lines, fmt.Sprintf("  %s %s: %s (%s)", x.ResourceType, x.Resource, x.ReferenceID, strings.Join(x.Reasons, "; ")))
		}
		return nil, nil, findingsErr(fmt.Errorf("%s: aizone's own guardrails would deny %d resources of this template; nothing was sent to Azure:\n%s\nfix the zone file (run aizone plan %s for the warnings), or set placement.guardrails: false", path, len(denies), strings.Join(lines, "\n"), path))
	}
	for _, kv := range f.params {
		name, value, ok := strings.Cut(kv, "=")
		if !ok || name == "" {
			return nil, nil, usageErr(fmt.Errorf("--parameter %q: want NAME=VALUE or NAME=@FILE", kv))
		}
		if err := d.Set(name, value); err != nil {
			return nil, nil, usageErr(fmt.Errorf("--parameter: %w", err))
		}
	}
	if missing := d.Unfilled(); len(missing) > 0 {
		return nil, nil, usageErr(unfilledErr(missing))
	}
	if err := validateTemplate(d.Template, d.ParametersFile()); err != nil {
		return nil, nil, err
	}
	client, err := newAzureClient(sub)
	if err != nil {
		return nil, nil, err
	}
	return d, client, nil
}

func unfilledErr(ps []resources.Parameter) error {
	lines := make([]string, len(ps))
	for i, p := range ps {
		lines[i] = fmt.Sprintf("  --parameter %s=VALUE  %s", p.Name, p.Description)
	}
	return fmt.Errorf("the template needs values the zone file cannot give; nothing was sent to Azure:\n%s", strings.Join(lines, "\n"))
}

// azureErr gives an error from Azure its exit code: the service's refusal
// is an answer (1); no credential or no way to Azure is the caller's
// environment to fix (2).
func azureErr(err error) error {
	if deploy.IsService(err) {
		return findingsErr(err)
	}
	var af *azidentity.AuthenticationFailedError
	if errors.As(err, &af) || strings.Contains(err.Error(), "DefaultAzureCredential") {
		return usageErr(fmt.Errorf("%w\n(%s)", err, signInHint))
	}
	return usageErr(fmt.Errorf("could not reach Azure Resource Manager: %w", err))
}

// reportThrottles says that Azure throttled requests and the SDK retried
// them, which explains a slow run.
func reportThrottles(w io.Writer, c *deploy.Client) {
	th := c.Throttled()
	if len(th) == 0 {
		return
	}
	after := ""
	if ra := th[len(th)-1].RetryAfter; ra != "" {
		after = fmt.Sprintf(" (last Retry-After: %s s)", ra)
	}
	fmt.Fprintf(w, "aizone: Azure Resource Manager throttled %d requests (429 Too Many Requests); the SDK's retry policy waited as Retry-After asked and retried them%s\n", len(th), after)
}
