package cli

import (
	"github.com/aizone/aizone/spec"
	"github.com/spf13/cobra"
)

func newSchemaCmd(s *Streams) *cobra.Command {
	return &cobra.Command{
		Use:   "schema",
		Short: "Print the zone file's JSON Schema, for editors",
		Long: `Schema prints the JSON Schema of the zone file. Point your editor's YAML
language server at it, for example with a first line in the zone file:

  # yaml-language-server: $schema=./zone.schema.json`,
		Example: "  aizone schema > zone.schema.json",
		Args:    cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			return writeJSON(s.Out, spec.JSONSchema())
		},
	}
}
