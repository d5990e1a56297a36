// Package testkit holds what the test suites of several packages share:
// planning an example zone as every suite plans it, and comparing output
// with golden files. It is imported by tests only.
package testkit

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/aizone/aizone/catalog"
	"github.com/aizone/aizone/plan"
	"github.com/aizone/aizone/spec"
)

// AsOf is the date the suites plan at, so that retirements and prices do
// not move under them.
const AsOf = "2026-11-27"

// Plan loads a zone file, lets edit change it (nil: no change), checks it
// and plans it with the embedded catalog.
func Plan(tb testing.TB, file string, edit func(*spec.Zone)) *plan.Plan {
	tb.Helper()
	c, err := catalog.Default()
	if err != nil {
		tb.Fatal(err)
	}
	z, err := spec.LoadFile(file)
	if err != nil {
		tb.Fatal(err)
	}
	if edit != nil {
		edit(z)
	}
	if err := plan.Check(z, c); err != nil {
		tb.Fatal(err)
	}
	return plan.Make(z, c, plan.Options{AsOf: AsOf})
}

// Golden compares got with the file at path; with update it rewrites the
// file instead. pkg names the package for the hint (go test ./pkg -update).
func Golden(tb testing.TB, path string, got []byte, update bool, pkg string) {
	tb.Helper()
	if update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			tb.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			tb.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		tb.Fatalf("%v (run go test ./%s -update to create it)", err, pkg)
	}
	if !bytes.Equal(got, want) {
		tb.Errorf("%s differs from the golden file; if the change is intended, run go test ./%s -update and review the diff\n%s", path, pkg, FirstDiff(want, got))
	}
}

// FirstDiff shows the first differing line, enough to see what moved.
func FirstDiff(want, got []byte) string {
	wl := bytes.Split(want, []byte("\n"))
	gl := bytes.Split(got, []byte("\n"))
	for i := 0; i < len(wl) || i < len(gl); i++ {
		var w, g []byte
		if i < len(wl) {
			w = wl[i]
		}
		if i < len(gl) {
			g = gl[i]
		}
		if !bytes.Equal(w, g) {
			return fmt.Sprintf("line %d:\n  want: %s\n  got:  %s", i+1, w, g)
		}
	}
	return ""
}

// Examples lists the example zone files (examples/*.yaml at the module
// root), failing when there are too few to mean anything.
func Examples(tb testing.TB) []string {
	tb.Helper()
	dir, err := os.Getwd()
	if err != nil {
		tb.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			tb.Fatal("testkit: no go.mod above the test's directory")
		}
		dir = parent
	}
	files, err := filepath.Glob(filepath.Join(dir, "examples", "*.yaml"))
	if err != nil || len(files) < 3 {
		tb.Fatalf("examples not found: %v %v", files, err)
	}
	return files
}

// Zone is a zone the emitters' suites build: an example, or a test zone
// (a zone file of another package's tests, or an example with an edit
// that reaches a shape no example has).
type Zone struct {
	Name string
	File string
	Edit func(*spec.Zone)
}

// Zones lists every example and the test zones, for the suites that must
// hold on all of them (the emitters' round trips).
func Zones(tb testing.TB) []Zone {
	tb.Helper()
	var out []Zone
	examples := Examples(tb)
	for _, f := range examples {
		out = append(out, Zone{Name: filepath.Base(f), File: f})
	}
	root := filepath.Dir(filepath.Dir(examples[0]))
	small := filepath.Join(root, "examples", "small.yaml")
	out = append(out,
		// No hub: the zone owns its hub (gateway, firewall, policy).
		Zone{Name: "egress-own-hub.yaml", File: filepath.Join(root, "network", "testdata", "egress-own-hub.yaml")},
		// Strings of the zone file that a template would read as
		// expressions, and a budget with an action group.
		Zone{Name: "small.yaml+literals", File: small, Edit: func(z *spec.Zone) {
			z.Placement.Tags["note"] = "[not an expression]"
			z.Placement.Budget = &spec.Budget{AmountUSD: 2500, ContactEmails: []string{"a@contoso.com", "b@contoso.com"},
				ActionGroupID: "/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg-ops/providers/microsoft.insights/actionGroups/ag-ai"}
		}},
		// No platform workspace, no budget contacts: no diagnostic
		// settings, the Owners told.
		Zone{Name: "small.yaml-diagnostics", File: small, Edit: func(z *spec.Zone) {
			z.Placement.LogAnalytics = ""
			z.Placement.Budget = nil
		}},
	)
	return out
}

// PlanZone plans a zone of Zones.
func PlanZone(tb testing.TB, z Zone) *plan.Plan {
	tb.Helper()
	return Plan(tb, z.File, z.Edit)
}
