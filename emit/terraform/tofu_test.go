package terraform

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/aizone/aizone/internal/testkit"
	"github.com/aizone/aizone/resources"
)

// tofuBin finds OpenTofu: TOFU_BIN, or .tools/bin/tofu at the module root
// (scripts/setup-tofu.sh builds it). Under CI a missing binary fails the
// test; elsewhere it skips, saying how to get it.
func tofuBin(t *testing.T) string {
	t.Helper()
	bin := os.Getenv("TOFU_BIN")
	if bin == "" {
		dir, err := os.Getwd()
		if err != nil {
			t.Fatal(err)
		}
		for {
			if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
				break
			}
			parent := filepath.Dir(dir)
			if parent == dir {
				t.Fatal("no go.mod above the test's directory")
			}
			dir = parent
		}
		bin = filepath.Join(dir, ".tools", "bin", "tofu")
	}
	if _, err := os.Stat(bin); err != nil {
		msg := "OpenTofu not found at " + bin + " (run scripts/setup-tofu.sh, or set TOFU_BIN)"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return bin
}

// TestTofuFmt runs `tofu fmt -check` on the module of every example and
// test zone: OpenTofu's own formatter finds nothing to change. (tofu
// validate would need the azapi provider, which cannot be downloaded
// here; the round trip checks what validate would.)
func TestTofuFmt(t *testing.T) {
	bin := tofuBin(t)
	// An empty CLI configuration: no warning about a missing one, and no
	// user configuration changes what fmt does.
	cfg := filepath.Join(t.TempDir(), "tofurc")
	if err := os.WriteFile(cfg, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, z := range testkit.Zones(t) {
		t.Run(z.Name, func(t *testing.T) {
			p := testkit.PlanZone(t, z)
			rs := resources.Build(p)
			files := emit(t, rs, resources.Parameters(p, rs))
			dir := t.TempDir()
			for name, data := range files {
				if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			cmd := exec.Command(bin, "fmt", "-check", "-diff", "-recursive", dir)
			cmd.Env = append(os.Environ(), "TF_CLI_CONFIG_FILE="+cfg, "TF_IN_AUTOMATION=1")
			var out bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &out
			err := cmd.Run()
			var exit *exec.ExitError
			switch {
			case errors.As(err, &exit):
				t.Errorf("tofu fmt -check finds unformatted files (exit %d):\n%s", exit.ExitCode(), out.String())
			case err != nil:
				t.Fatalf("running %s: %v", bin, err)
			}
		})
	}
}

// TestTofuFmtCatches shows that the check can fail: a file indented
// otherwise is reported.
func TestTofuFmtCatches(t *testing.T) {
	bin := tofuBin(t)
	cfg := filepath.Join(t.TempDir(), "tofurc")
	if err := os.WriteFile(cfg, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, FileMain), []byte("locals {\n    a = 1\n  bb = 2\n}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "fmt", "-check", dir)
	cmd.Env = append(os.Environ(), "TF_CLI_CONFIG_FILE="+cfg)
	if out, err := cmd.CombinedOutput(); err == nil {
		t.Errorf("tofu fmt -check passes a misformatted file: %s", out)
	}
}
