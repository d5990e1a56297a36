package spec_test

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf16"

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
	// Inputs of issue 12 beyond the bad files: other encodings, a
	// directive, aliases, numbers where text is expected, derived values
	// at their bounds.
	for _, s := range []string{
		"%YAML 1.1\n---\n" + minimal,
		"%YAML 1.2\n---\n" + minimal + "---\n",
		minimal + "placement: {tags: {a: 1e308, b: NaN, 4711: x, \"\": y, A: z}}\n",
		minimal + "placement: {subscriptions: [{name: \"a\\nb\"}, {id: 11111111-2222-3333-4444-555555555555}, {id: 11111111-2222-3333-4444-555555555555}]}\n",
		minimal + "network: {hub: {}}\n",
		strings.Replace(minimal, "requests_per_second: 5", "requests_per_second: 1e-310\n    input_tokens: 1048576\n    output_tokens: 1048576", 1),
		training("dataset_size: 20GB", "epochs: 1e-300"),
		training("dataset_size: 100PB", "epochs: 1000", "bytes_per_token: 1e-300"),
		"name: demo\nregion: eastus\nworkloads:\n  - &w {name: chat, kind: inference, model: llama-3.1-8b, requests_per_second: 5}\n  - *w\n",
	} {
		f.Add([]byte(s))
		f.Add(utf16LE(s))
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
		checkDerived(t, z)
		n := len(z.Defaults)
		spec.ApplyDefaults(z)
		if len(z.Defaults) != n {
			t.Fatalf("defaults are not idempotent: %d then %d", n, len(z.Defaults))
		}
	})
}

// checkDerived checks, on an accepted zone, the bounds that Validate keeps
// on values derived from several keys and on text that ends up in
// resources and reports.
func checkDerived(t *testing.T, z *spec.Zone) {
	t.Helper()
	for _, w := range z.Workloads {
		switch w.Kind {
		case spec.KindTraining:
			n := float64(w.Tokens)
			if n == 0 {
				n = float64(w.DatasetSize) * w.Epochs / w.BytesPerToken
			}
			if !(n >= 1e3 && n <= 1e15) {
				t.Fatalf("workload %s trains on %g tokens", w.Name, n)
			}
		case spec.KindInference:
			if !(w.RequestsPerSecond >= 1e-5) || w.InputTokens+w.OutputTokens > 1<<20 {
				t.Fatalf("workload %s: %g requests/s of %d+%d tokens", w.Name, w.RequestsPerSecond, w.InputTokens, w.OutputTokens)
			}
		}
	}
	folded := map[string]bool{}
	for k, v := range z.Placement.Tags {
		if strings.TrimSpace(k) == "" || folded[strings.ToLower(k)] || strings.ContainsAny(k+v, "\r\n\x00") {
			t.Fatalf("tag %q: %q accepted", k, v)
		}
		folded[strings.ToLower(k)] = true
	}
	for _, s := range z.Placement.Subscriptions {
		if strings.ContainsAny(s.Name, "\r\n") {
			t.Fatalf("subscription name %q accepted", s.Name)
		}
	}
}

// utf16LE encodes s as UTF-16, little-endian with a byte-order mark, as
// Windows editors save "Unicode" text.
func utf16LE(s string) []byte {
	u := append([]uint16{0xfeff}, utf16.Encode([]rune(s))...)
	b := make([]byte, 2*len(u))
	for i, c := range u {
		binary.LittleEndian.PutUint16(b[2*i:], c)
	}
	return b
}
