package spec_test

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aizone/aizone/internal/yamlpos"
	"github.com/aizone/aizone/spec"
)

// TestLoadFileSpecialFiles: only regular files are read. A FIFO would
// block the open until a writer comes, and a device never ends.
func TestLoadFileSpecialFiles(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no FIFOs or /dev/zero")
	}
	dir := t.TempDir()
	fifo := filepath.Join(dir, "zone.yaml")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatalf("mkfifo: %v", err)
	}
	for path, what := range map[string]string{fifo: "a FIFO (named pipe)", "/dev/zero": "a device"} {
		done := make(chan error, 1)
		go func() { _, err := spec.LoadFile(path); done <- err }()
		select {
		case err := <-done:
			checkLocated(t, err, path, yamlpos.Pos{Line: 1, Col: 1}, "not a regular file but "+what)
		case <-time.After(10 * time.Second):
			t.Fatalf("LoadFile(%s) still blocked after 10 s", path)
		}
	}
}

// TestLoadFileUTF16: a zone file saved as UTF-16 ("Unicode" in Windows
// editors) is read, with positions in characters.
func TestLoadFileUTF16(t *testing.T) {
	data := utf16LE(strings.ReplaceAll(minimal, "\n", "\r\n") + "placement: {tags: {owner: \"Zoë\"}}\r\n")
	path := filepath.Join(t.TempDir(), "zone.yaml")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	z, err := spec.LoadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if z.Placement.Tags["owner"] != "Zoë" || z.Pos["workloads[0].model"] != (yamlpos.Pos{Line: 6, Col: 12}) {
		t.Errorf("tags %v, model at %v", z.Placement.Tags, z.Pos["workloads[0].model"])
	}
}

// TestCheckContext: a request longer than the model's context is an error
// at the key to change; plan.Check passes the catalog's contexts.
func TestCheckContext(t *testing.T) {
	src := minimal + "    input_tokens: 130000\n    output_tokens: 2000\n" +
		"  - name: long\n    kind: inference\n    model: llama-3.1-8b\n    requests_per_second: 1\n    input_tokens: 200000\n"
	z, err := spec.Parse("z.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	contexts := func(m *spec.Model) int {
		if m.Name == "llama-3.1-8b" {
			return 131072
		}
		return 0
	}
	err = z.CheckContext(contexts)
	checkLocated(t, err, "z.yaml", yamlpos.Pos{Line: 9, Col: 20},
		"input_tokens 130000 + output_tokens 2000 is 132000 tokens a request, more than the model's context of 131072")

	z.Workloads[0].OutputTokens = 1072
	err = z.CheckContext(contexts)
	// The second workload's input alone fills the context: it is blamed.
	checkLocated(t, err, "z.yaml", yamlpos.Pos{Line: 14, Col: 19}, "input_tokens 200000 + output_tokens 200 is 200200 tokens a request")

	z.Workloads[1].InputTokens = 1000
	if err := z.CheckContext(contexts); err != nil {
		t.Errorf("requests within the context refused: %v", err)
	}
	if err := z.CheckContext(func(*spec.Model) int { return 0 }); err != nil {
		t.Errorf("unknown context refused: %v", err)
	}
}
