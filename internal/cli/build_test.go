package cli

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// TestBuildFormats builds small with each --format: the formats asked for
// are written, each in its directory, and no other; all (the default)
// writes arm/, terraform/ and bicep/ side by side.
func TestBuildFormats(t *testing.T) {
	for _, tc := range []struct {
		format string
		want   []string
	}{
		{"", []string{"arm", "bicep", "terraform"}},
		{"all", []string{"arm", "bicep", "terraform"}},
		{"arm", []string{"arm"}},
		{"terraform", []string{"terraform"}},
		{"bicep", []string{"bicep"}},
	} {
		t.Run("format="+tc.format, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "out")
			args := []string{"build", example("small.yaml"), "--as-of", asOf, "--out", dir}
			if tc.format != "" {
				args = append(args, "--format", tc.format)
			}
			code, _, errOut := runCLI(t, args...)
			if code != ExitOK {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			var got []string
			for _, d := range []string{"arm", "bicep", "terraform"} {
				if _, err := os.Stat(filepath.Join(dir, d)); err == nil {
					got = append(got, d)
				}
			}
			sort.Strings(got)
			if strings.Join(got, " ") != strings.Join(tc.want, " ") {
				t.Errorf("wrote %v, want %v", got, tc.want)
			}
			for _, d := range tc.want {
				first := map[string]string{"arm": "main.json", "terraform": "main.tf", "bicep": "main.bicep"}[d]
				if _, err := os.Stat(filepath.Join(dir, d, first)); err != nil {
					t.Errorf("no %s/%s: %v", d, first, err)
				}
			}
			if tc.format == "bicep" {
				for _, f := range []string{"main.bicep", "main.bicepparam", "modules/rg-contoso-ft-network-eastus.bicep", "modules/rg-contoso-ft-compute-eastus-ids.bicep"} {
					data, err := os.ReadFile(filepath.Join(dir, "bicep", f))
					if err != nil {
						t.Fatalf("no bicep/%s: %v", f, err)
					}
					if f == "main.bicep" {
						golden(t, "build-small-main.bicep", data)
					}
				}
			}
		})
	}
	code, _, errOut := runCLI(t, "build", example("small.yaml"), "--as-of", asOf, "--out", filepath.Join(t.TempDir(), "x"), "--format", "pulumi")
	if code != ExitUsage || !strings.Contains(errOut, "bicep") {
		t.Errorf("--format pulumi: exit %d, %s", code, errOut)
	}
}
