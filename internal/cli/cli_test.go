package cli

import (
	"bytes"
	"context"
	"flag"
	"path/filepath"
	"testing"

	"github.com/aizone/aizone/internal/testkit"
)

var update = flag.Bool("update", false, "rewrite golden files under testdata/golden")

// asOf pins the retirement date so that golden output does not move with the clock.
const asOf = "2026-11-01"

// runCLI runs aizone with args and returns the exit code and both streams.
func runCLI(t testing.TB, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = Main(context.Background(), args, &Streams{In: &bytes.Buffer{}, Out: &out, Err: &errb})
	return code, out.String(), errb.String()
}

// example returns the path of an example zone file.
func example(name string) string { return filepath.Join("..", "..", "examples", name) }

// golden compares got with testdata/golden/name, rewriting it under -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	testkit.Golden(t, filepath.Join("testdata", "golden", name), got, *update, "internal/cli")
}

func firstDiff(want, got []byte) string { return testkit.FirstDiff(want, got) }
