package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/aizone/aizone/deploy"
	"github.com/aizone/aizone/resources"
	"github.com/spf13/cobra"
)

func newDeployCmd(s *Streams) *cobra.Command {
	c := &cobra.Command{
		Use:   "deploy ZONE.yaml [--subscription ID] [--parameter NAME=VALUE] [--dry-run]",
		Short: "Deploy the zone's template to its subscription, showing progress",
		Long: `Deploy plans the zone, builds its subscription-scope template exactly as
aizone build does (the same checks), and deploys it with Azure Resource
Manager as the deployment aizone-ZONE in the zone's region, in incremental
mode: the same deployment prerequisites.md's az deployment sub create
command makes. Meet prerequisites.md first (providers, roles, quota, the
placeholders, given here with --parameter NAME=VALUE or NAME=@FILE).

While it runs, each operation of the deployment and of its nested
deployments (one per resource group and stage) is printed on stderr as it
starts and ends; on a terminal a status line shows what is running. It
waits at most --timeout; the deployment goes on in Azure when aizone stops
waiting. On success the template's outputs (the ids of pools, clusters,
storage, vaults and networks) are printed on stdout.

When Azure refuses, the failing operations are printed with their error and
what to do: quota exceeded (the quota, region and limit to request, with the
az quota command), RequestDisallowedByPolicy (the policy assignment,
definition and initiative from the error's details), AuthorizationFailed
(the action and the role that grants it), throttling (requests answered 429
are retried by the SDK's retry policy, which honours Retry-After; it is
said when that happened).

With --dry-run nothing is deployed: Azure Resource Manager validates the
deployment (template, parameters, policy, permissions) as its preflight
does.

It signs in with the Azure identity default chain (environment variables,
workload identity, managed identity, az login).

Exit codes: 0 deployed (or valid with --dry-run), 1 Azure refused the
deployment or its validation, it did not finish within --timeout, or the
plan is infeasible, 2 bad input, no credential, or Azure not reached.`,
		Example: `  aizone deploy examples/vmss-finetune.yaml --parameter sshPublicKey=@$HOME/.ssh/id_ed25519.pub --dry-run
  aizone deploy zone.yaml --subscription 00000000-0000-0000-0000-000000000000 --timeout 3h`,
		Args:              cobra.ExactArgs(1),
		ValidArgsFunction: zoneFileCompletion,
	}
	af := addAzureFlags(c)
	timeout := c.Flags().Duration("timeout", 2*time.Hour, "how long to wait for the deployment (it goes on in Azure after)")
	dryRun := c.Flags().Bool("dry-run", false, "validate the deployment with Azure Resource Manager instead of deploying")
	format := addFormatFlag(c, formatText, formatJSON)
	c.RunE = func(cmd *cobra.Command, args []string) error {
		if err := checkFormat(*format, formatText, formatJSON); err != nil {
			return err
		}
		if *timeout <= 0 {
			return usageErr(fmt.Errorf("--timeout %s: want a positive duration such as 90m or 3h", *timeout))
		}
		d, client, err := af.deployment(cmd, args[0])
		if err != nil {
			return err
		}
		ctx, cancel := context.WithTimeout(cmd.Context(), *timeout)
		defer cancel()
		groups := len(resources.ResourceGroups(d.Resources))
		if *dryRun {
			fmt.Fprintf(s.Err, "aizone: validating deployment %s at subscription %s (%s)\n", d.Name, client.Subscription, d.Location)
			err := client.Validate(ctx, d)
			reportThrottles(s.Err, client)
			if err != nil {
				return timedOut(ctx, err, d, *timeout)
			}
			fmt.Fprintf(s.Err, "aizone: Azure Resource Manager accepts deployment %s (%d resources in %d resource groups); nothing was deployed\n", d.Name, len(d.Resources), groups)
			return nil
		}
		fmt.Fprintf(s.Err, "aizone: deploying %s to subscription %s (%s): %d resources in %d resource groups\n", d.Name, client.Subscription, d.Location, len(d.Resources), groups)
		pr := newDeployProgress(s.Err, isTerminal(s.Err))
		res, err := client.Deploy(ctx, d, pr.update)
		pr.stop()
		reportThrottles(s.Err, client)
		if err != nil {
			return timedOut(ctx, err, d, *timeout)
		}
		took := ""
		if res.Duration != "" {
			took = " in " + isoDuration(res.Duration)
		}
		fmt.Fprintf(s.Err, "aizone: deployment %s succeeded%s (%d operations)\n", d.Name, took, len(res.Operations))
		return writeOutputs(s.Out, *format, d, client.Subscription, res)
	}
	return c
}

// timedOut tells a deployment that outlived --timeout, or whose wait was
// interrupted, from one Azure refused: it goes on in Azure either way.
func timedOut(ctx context.Context, err error, d *deploy.Deployment, timeout time.Duration) error {
	if ctx.Err() != nil {
		follow := fmt.Sprintf("it goes on in Azure: az deployment sub show --name %s --query properties.provisioningState", d.Name)
		if errors.Is(err, context.DeadlineExceeded) {
			return findingsErr(fmt.Errorf("deployment %s did not finish within --timeout %s; %s", d.Name, timeout, follow))
		}
		if errors.Is(err, context.Canceled) {
			return findingsErr(fmt.Errorf("stopped waiting for deployment %s; %s", d.Name, follow))
		}
	}
	return azureErr(err)
}

func writeOutputs(w io.Writer, format string, d *deploy.Deployment, sub string, res *deploy.Result) error {
	if format == formatJSON {
		return writeJSON(w, map[string]any{"deployment": d.Name, "subscription": sub, "location": d.Location, "outputs": res.Outputs})
	}
	names := make([]string, 0, len(res.Outputs))
	for n := range res.Outputs {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "%s\t%v\n", n, res.Outputs[n])
	}
	return nil
}

// deployProgress prints the deployment's operations as they change, one line
// each; on a terminal it keeps a status line below them, redrawn every
// second with the time taken and what is running.
type deployProgress struct {
	w      io.Writer
	tty    bool
	mu     sync.Mutex
	start  time.Time
	status string
	done   chan struct{}
	wg     sync.WaitGroup
}

func newDeployProgress(w io.Writer, tty bool) *deployProgress {
	p := &deployProgress{w: w, tty: tty, start: time.Now(), done: make(chan struct{})}
	if tty {
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			tick := time.NewTicker(time.Second)
			defer tick.Stop()
			for {
				select {
				case <-p.done:
					return
				case <-tick.C:
					p.mu.Lock()
					p.draw()
					p.mu.Unlock()
				}
			}
		}()
	}
	return p
}

func (p *deployProgress) update(u deploy.Update) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.tty {
		fmt.Fprint(p.w, "\r\033[K")
	}
	for _, o := range u.Changed {
		fmt.Fprintln(p.w, operationLine(o))
	}
	p.status = fmt.Sprintf("%d of %d operations done", u.Succeeded+u.Failed, u.Total)
	if u.Failed > 0 {
		p.status += fmt.Sprintf(" (%d failed)", u.Failed)
	}
	if len(u.Active) > 0 {
		p.status += ", running: " + strings.Join(u.Active, ", ")
	}
	p.draw()
}

// draw rewrites the status line (terminal only), cut to fit a line.
func (p *deployProgress) draw() {
	if !p.tty {
		return
	}
	line := fmt.Sprintf("[%s] %s", time.Since(p.start).Truncate(time.Second), p.status)
	if r := []rune(line); len(r) > 110 {
		line = string(r[:109]) + "…"
	}
	fmt.Fprint(p.w, "\r\033[K"+line)
}

func (p *deployProgress) stop() {
	close(p.done)
	p.wg.Wait()
	if p.tty {
		fmt.Fprint(p.w, "\r\033[K")
	}
}

// operationLine is one operation's state: a nested deployment's
// operations name their resource group.
func operationLine(o deploy.Operation) string {
	var b strings.Builder
	fmt.Fprintf(&b, "  %-10s %s %s", o.State, o.ResourceType, o.ResourceName)
	var in []string
	if g := o.TargetGroup; g != "" && o.ResourceType != "Microsoft.Resources/resourceGroups" {
		in = append(in, g)
	}
	if o.Done() && o.Duration != "" {
		in = append(in, isoDuration(o.Duration))
	}
	if len(in) > 0 {
		b.WriteString(" (" + strings.Join(in, ", ") + ")")
	}
	if o.Error != nil && o.Error.Code != nil {
		b.WriteString(": " + *o.Error.Code)
	}
	return b.String()
}

// isoDuration shortens ARM's ISO 8601 durations (PT4M31.2S) to Go's
// spelling (4m31.2s).
func isoDuration(d string) string {
	s, ok := strings.CutPrefix(d, "PT")
	if !ok {
		return d
	}
	return strings.ToLower(s)
}

// isTerminal reports whether w is a terminal, where a redrawn status line
// is wanted; logs and pipes get plain lines only.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
