package spec_test

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aizone/aizone/internal/yamlpos"
	"github.com/aizone/aizone/spec"
)

// FuzzLoad feeds spec.Parse arbitrary bytes, starting from the examples and
// every bad file. Whatever the input, Parse must not panic; it returns
// either a one-line error located in the file with a hint, or a zone that
// is valid, serialises to JSON (no NaN or infinity slipped through), and
// that a second round of defaults leaves unchanged.
func FuzzLoad(f *testing.F) {
	for _, pattern := range []string{"../examples/*.yaml", badDir + "/*.yaml"} {
		files, err := filepath.Glob(pattern)
		if err != nil {
			f.Fatal(err)
		}
		for _, file := range files {
			data, err := os.ReadFile(file)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(data)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		z, err := spec.Parse("fuzz.yaml", data)
		if err != nil {
			var e *yamlpos.Error
			if !errors.As(err, &e) {
				t.Fatalf("error %v (%T) is not a located *yamlpos.Error", err, err)
			}
			if e.File != "fuzz.yaml" || e.Pos.Line < 1 || e.Pos.Col < 1 {
				t.Fatalf("error without a place: %+v", e)
			}
			if e.Hint == "" {
				t.Fatalf("error without a hint: %v", e)
			}
			if strings.ContainsAny(e.Error(), "\r\n") {
				t.Fatalf("error is not one line: %q", e.Error())
			}
			return
		}
		if err := spec.Validate(z); err != nil {
			t.Fatalf("Parse accepted a zone that Validate refuses: %v", err)
		}
		if _, err := json.Marshal(z); err != nil {
			t.Fatalf("zone does not serialise: %v", err)
		}
		n := len(z.Defaults)
		spec.ApplyDefaults(z)
		if len(z.Defaults) != n {
			t.Fatalf("defaults are not idempotent: %d then %d", n, len(z.Defaults))
		}
	})
}
