package cli

import (
	"errors"

	"github.com/spf13/cobra"
)

// newEstimateTrainingCmd is a placeholder until its issue lands; it reports that plainly.
func newEstimateTrainingCmd(_ *Streams) *cobra.Command {
	return &cobra.Command{
		Use:    "newEstimateTrainingCmd",
		Hidden: true,
		RunE: func(*cobra.Command, []string) error {
			return usageErr(errors.New("not available in this build yet"))
		},
	}
}

// newEstimateInferenceCmd is a placeholder until its issue lands; it reports that plainly.
func newEstimateInferenceCmd(_ *Streams) *cobra.Command {
	return &cobra.Command{
		Use:    "newEstimateInferenceCmd",
		Hidden: true,
		RunE: func(*cobra.Command, []string) error {
			return usageErr(errors.New("not available in this build yet"))
		},
	}
}
