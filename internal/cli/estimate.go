package cli

import "github.com/spf13/cobra"

// newEstimateCmd groups the stand-alone estimators. Each subcommand calls the
// same engine function that plan uses, so an estimate and a plan never differ.
func newEstimateCmd(s *Streams) *cobra.Command {
	c := &cobra.Command{
		Use:   "estimate",
		Short: "Estimate one training run, one inference service or one data transfer",
		Args:  cobra.NoArgs,
	}
	c.AddCommand(
		newEstimateTrainingCmd(s),
		newEstimateInferenceCmd(s),
		newEstimateTransferCmd(s),
	)
	return c
}
