package compliance

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata")

// auditDigest is what the golden file keeps of an audit: the counts, and
// a hash of every finding (all its fields, reasons included) in output
// order, with the first few written out so a change can be read.
type auditDigest struct {
	Resources int            `json:"resources"`
	Findings  int            `json:"findings"`
	ByEffect  map[string]int `json:"byEffect"`
	Related   int            `json:"related"`
	Unplaced  int            `json:"unplaced"`
	SHA256    string         `json:"sha256"`
	First     []Finding      `json:"first"`
}

func digestAudit(tb testing.TB, e *Engine, open Opener, opt AuditOptions) auditDigest {
	tb.Helper()
	h := sha256.New()
	var d auditDigest
	opt.Findings = func(f Finding) error {
		line, err := json.Marshal(f)
		if err != nil {
			return err
		}
		h.Write(line)
		h.Write([]byte{'\n'})
		if len(d.First) < 8 {
			d.First = append(d.First, f)
		}
		return nil
	}
	rep, err := Audit(context.Background(), e, open, opt)
	if err != nil {
		tb.Fatal(err)
	}
	d.Resources, d.Findings, d.ByEffect = rep.Summary.Resources, rep.Summary.Findings, rep.Summary.ByEffect
	d.Related, d.Unplaced = rep.Related, rep.Unplaced
	d.SHA256 = fmt.Sprintf("%x", h.Sum(nil))
	return d
}

// TestAudit20kGolden: the findings on the generated 20,000-resource
// estate (every finding, in order, with its reasons) are the ones the
// audit gave before it decoded only the fields the assignments read.
// Refresh with -update only for a change meant to alter findings.
func TestAudit20kGolden(t *testing.T) {
	e := engineAt(t, "landingzones", "eastus")
	path := filepath.Join(t.TempDir(), "estate.json")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := genEstate(f, 20000); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	got := digestAudit(t, e, FileOpener(path), AuditOptions{DefaultPath: []string{"alz", "landingzones"}})
	out, err := json.MarshalIndent(got, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	out = append(out, '\n')
	golden := filepath.Join("testdata", "audit-20k.golden.json")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(golden, out, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(out, want) {
		effects := make([]string, 0, len(got.ByEffect))
		for k, v := range got.ByEffect {
			effects = append(effects, fmt.Sprintf("%s=%d", k, v))
		}
		sort.Strings(effects)
		t.Errorf("audit of the 20,000-resource estate changed: %d resources, %d findings %v, sha256 %s; see %s", got.Resources, got.Findings, effects, got.SHA256, golden)
	}
}
