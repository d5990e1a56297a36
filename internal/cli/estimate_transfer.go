package cli

import (
	"errors"

	"github.com/spf13/cobra"
)

// newEstimateTransferCmd is a placeholder until its issue lands; it reports that plainly.
func newEstimateTransferCmd(_ *Streams) *cobra.Command {
	return &cobra.Command{
		Use:    "newEstimateTransferCmd",
		Hidden: true,
		RunE: func(*cobra.Command, []string) error {
			return usageErr(errors.New("not available in this build yet"))
		},
	}
}
