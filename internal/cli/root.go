// Package cli wires aizone's commands to the pipeline. It parses flags,
// calls the engines and renders; it makes no decisions of its own.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"
)

// Exit codes shared by every command (DESIGN.md conventions).
const (
	ExitOK       = 0
	ExitFindings = 1 // a policy deny, an infeasible plan
	ExitUsage    = 2 // bad usage or bad input
)

// Streams are the command's standard streams, injected so that every command
// can be tested on its output.
type Streams struct {
	In  io.Reader
	Out io.Writer
	Err io.Writer
}

// StdStreams returns the process's own streams.
func StdStreams() *Streams {
	return &Streams{In: os.Stdin, Out: os.Stdout, Err: os.Stderr}
}

// ExitError carries an exit code with the error that caused it. Commands
// return it so that Main, not the command, decides how the process ends.
type ExitError struct {
	Code int
	Err  error
}

func (e *ExitError) Error() string {
	if e.Err == nil {
		return fmt.Sprintf("exit %d", e.Code)
	}
	return e.Err.Error()
}

func (e *ExitError) Unwrap() error { return e.Err }

// usageErr marks err as bad input (exit 2).
func usageErr(err error) error { return &ExitError{Code: ExitUsage, Err: err} }

// findingsErr marks err as a finding (exit 1): the input was fine, the answer is "no".
func findingsErr(err error) error { return &ExitError{Code: ExitFindings, Err: err} }

// Main runs aizone with args and returns the process exit code.
func Main(ctx context.Context, args []string, s *Streams) int {
	root := NewRoot(s)
	root.SetArgs(args)
	cmd, err := root.ExecuteContextC(ctx)
	if err == nil {
		return ExitOK
	}
	var ee *ExitError
	if errors.As(err, &ee) {
		if ee.Err != nil {
			fmt.Fprintln(s.Err, "aizone:", ee.Err)
		}
		return ee.Code
	}
	// Errors cobra raises itself (unknown flag, missing argument, required
	// flag) are usage errors; the command's help says what it needs.
	fmt.Fprintf(s.Err, "aizone: %v (see %s --help)\n", err, cmd.CommandPath())
	return ExitUsage
}

// NewRoot builds the command tree.
func NewRoot(s *Streams) *cobra.Command {
	root := &cobra.Command{
		Use:   "aizone",
		Short: "Design, check and emit Azure landing zones for AI on IaaS",
		Long: `aizone turns a short zone file describing an organisation's AI workloads
into a policy-checked Azure landing zone: GPU pools, hot storage and Blob
lifecycle, network and ExpressRoute, management-group placement, cost, and
deployable ARM templates.

Start with:  aizone plan examples/small.yaml`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetIn(s.In)
	root.SetOut(s.Out)
	root.SetErr(s.Err)
	root.PersistentFlags().String("catalog", "", "directory of catalog files that replace or extend the embedded catalog")
	for _, c := range []*cobra.Command{
		newPlanCmd(s),
		newBuildCmd(s),
		newCatalogCmd(s),
		newSchemaCmd(s),
		newVersionCmd(s),
		newEstimateCmd(s),
		newPolicyCmd(s),
		newCheckCmd(s),
		newAuditCmd(s),
		newStorageCmd(s),
		newValidateCmd(s),
		newWhatIfCmd(s),
		newDeployCmd(s),
	} {
		root.AddCommand(c)
	}
	return root
}
