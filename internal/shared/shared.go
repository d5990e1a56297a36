// Package shared locates the read-only ../shared directory (reference facts
// and external corpora) that tests and some commands read.
package shared

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// Dir returns the shared directory: $AIZONE_SHARED when set, otherwise the
// "shared" directory beside the module root found by walking up from the
// working directory.
func Dir() (string, error) {
	if d := os.Getenv("AIZONE_SHARED"); d != "" {
		if _, err := os.Stat(d); err != nil {
			return "", err
		}
		return d, nil
	}
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for d := wd; ; {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			s := filepath.Join(filepath.Dir(d), "shared")
			if _, err := os.Stat(filepath.Join(s, "corpora")); err == nil {
				return s, nil
			}
			return "", errors.New("no shared directory beside the module root " + d + " (set AIZONE_SHARED)")
		}
		parent := filepath.Dir(d)
		if parent == d {
			return "", errors.New("module root not found above " + wd)
		}
		d = parent
	}
}

// Path returns a path inside the shared directory for a test. When the shared
// directory is missing the test fails under CI (CI=true) and is skipped
// elsewhere, with the reason either way: CI never skips silently.
func Path(tb testing.TB, elem ...string) string {
	tb.Helper()
	d, err := Dir()
	if err != nil {
		if os.Getenv("CI") == "true" {
			tb.Fatalf("shared corpora required under CI: %v", err)
		}
		tb.Skipf("shared corpora not available: %v", err)
	}
	p := filepath.Join(append([]string{d}, elem...)...)
	if _, err := os.Stat(p); err != nil {
		tb.Fatalf("shared path missing: %v", err)
	}
	return p
}
