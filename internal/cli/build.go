package cli

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/aizone/aizone/emit/arm"
	"github.com/aizone/aizone/report"
	"github.com/aizone/aizone/resources"
	"github.com/spf13/cobra"
)

// markerFile marks a directory aizone wrote, so that it is never mistaken
// for the user's own files.
const markerFile = ".aizone-build"

func newBuildCmd(s *Streams) *cobra.Command {
	c := &cobra.Command{
		Use:   "build ZONE.yaml --out DIR",
		Short: "Write deployable templates, the plan and a review report",
		Long: `Build plans the zone and writes:

  DIR/arm/main.json                    subscription-scope ARM deployment template
  DIR/arm/main.parameters.json         its parameters
  DIR/storage/lifecycle-policy.json    the Blob lifecycle policy, for
                                       az storage account management-policy create
  DIR/plan.json                        the plan (same as aizone plan --format json)
  DIR/report.md                        a review document

It refuses to write into a non-empty directory it did not create, unless
--force. It refuses infeasible plans (exit 1); run aizone plan to see why.

Deploy with:
  az deployment sub create --location REGION --template-file DIR/arm/main.json \
     --parameters @DIR/arm/main.parameters.json`,
		Example:           "  aizone build examples/small.yaml --out out/small",
		Args:              cobra.ExactArgs(1),
		ValidArgsFunction: zoneFileCompletion,
	}
	out := c.Flags().StringP("out", "o", "", "output directory (required)")
	force := c.Flags().Bool("force", false, "write into a non-empty directory aizone did not create")
	asOf := addAsOfFlag(c)
	_ = c.MarkFlagRequired("out")
	_ = c.MarkFlagDirname("out")
	c.RunE = func(cmd *cobra.Command, args []string) error {
		p, err := loadPlan(cmd, args[0], *asOf)
		if err != nil {
			return err
		}
		if !p.Feasible() {
			return findingsErr(fmt.Errorf("%s: the plan is infeasible; run aizone plan %s to see why", args[0], args[0]))
		}
		if err := checkOutDir(*out, *force); err != nil {
			return err
		}
		rs := resources.Build(p)
		params := resources.Parameters(p, rs)
		files := map[string][]byte{}
		add := func(name string, v any) error {
			data, err := arm.Marshal(v)
			if err != nil {
				return err
			}
			files[name] = data
			return nil
		}
		if err := add("arm/main.json", arm.Template(rs, params)); err != nil {
			return err
		}
		if err := add("arm/main.parameters.json", arm.Parameters(params)); err != nil {
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
		names := make([]string, 0, len(files))
		for n := range files {
			names = append(names, n)
		}
		sort.Strings(names)
		files[markerFile] = []byte("# written by aizone build; aizone overwrites the files listed here\n" + strings.Join(names, "\n") + "\n")
		for _, n := range append(names, markerFile) {
			if err := writeFileAtomic(filepath.Join(*out, n), files[n]); err != nil {
				return err
			}
		}
		fmt.Fprintf(s.Err, "aizone: wrote %d files to %s (%d resources in %d resource groups)\n", len(names), *out, len(rs), len(resources.ResourceGroups(rs)))
		return nil
	}
	return c
}

// checkOutDir refuses a non-empty directory that aizone did not write.
func checkOutDir(dir string, force bool) error {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return usageErr(fmt.Errorf("output directory: %w", err))
	}
	if len(entries) == 0 || force {
		return nil
	}
	if _, err := os.Stat(filepath.Join(dir, markerFile)); err == nil {
		return nil
	}
	return usageErr(fmt.Errorf("%s is not empty and was not written by aizone build; choose another --out, or pass --force to write into it", dir))
}

// writeFileAtomic writes through a temporary file and a rename, so that an
// interrupted build never leaves a half-written template.
func writeFileAtomic(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("creating %s: %w", filepath.Dir(path), err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".aizone-*")
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}
