package plan

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"testing"

	"github.com/aizone/aizone/catalog"
	"github.com/aizone/aizone/spec"
)

const asOf = "2026-11-01"

func load(tb testing.TB, name string) (*spec.Zone, *catalog.Catalog) {
	tb.Helper()
	c, err := catalog.Default()
	if err != nil {
		tb.Fatal(err)
	}
	z, err := spec.LoadFile(filepath.Join("..", "examples", name))
	if err != nil {
		tb.Fatal(err)
	}
	if err := Check(z, c); err != nil {
		tb.Fatal(err)
	}
	return z, c
}

// TestDeterministic: the same zone gives byte-identical plan JSON, whether
// planned twice from one load or from two loads.
func TestDeterministic(t *testing.T) {
	for _, name := range []string{"small.yaml", "large.yaml", "infeasible.yaml"} {
		t.Run(name, func(t *testing.T) {
			var outs [][]byte
			for range 3 {
				z, c := load(t, name)
				data, err := json.Marshal(Make(z, c, Options{AsOf: asOf}))
				if err != nil {
					t.Fatal(err)
				}
				outs = append(outs, data)
			}
			z, c := load(t, name)
			a, _ := json.Marshal(Make(z, c, Options{AsOf: asOf}))
			b, _ := json.Marshal(Make(z, c, Options{AsOf: asOf}))
			outs = append(outs, a, b)
			for i := 1; i < len(outs); i++ {
				if !bytes.Equal(outs[0], outs[i]) {
					t.Fatalf("run %d differs from run 0", i)
				}
			}
		})
	}
}

func TestFeasibility(t *testing.T) {
	cases := map[string]bool{"small.yaml": true, "large.yaml": true, "infeasible.yaml": false}
	for name, want := range cases {
		z, c := load(t, name)
		p := Make(z, c, Options{AsOf: asOf})
		if p.Feasible() != want {
			t.Errorf("%s: feasible = %v, want %v; findings %+v", name, p.Feasible(), want, p.Findings)
		}
	}
}

// TestCheckUnknownNames: names the catalog does not know fail with the zone
// file's position and a suggestion.
func TestCheckUnknownNames(t *testing.T) {
	c, err := catalog.Default()
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct{ name, yaml, want string }{
		{"model", "name: zz\nregion: eastus\nnetwork: {address_space: [10.0.0.0/16]}\nworkloads:\n  - {name: www, kind: inference, model: llama-3.1-8c, requests_per_second: 1}\n", `zone.yaml:5:`},
		{"sku", "name: zz\nregion: eastus\nnetwork: {address_space: [10.0.0.0/16]}\nworkloads:\n  - {name: www, kind: inference, model: llama-3.1-8b, sku: Standard_ND96isr_H100_v6, requests_per_second: 1}\n", `did you mean "Standard_ND96isr_H100_v5"`},
		{"cpu sku for gpu work", "name: zz\nregion: eastus\nnetwork: {address_space: [10.0.0.0/16]}\nworkloads:\n  - {name: www, kind: inference, model: llama-3.1-8b, sku: Standard_D64ds_v5, requests_per_second: 1}\n", "has no GPU"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			z, err := spec.Parse("zone.yaml", []byte(tc.yaml))
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			err = Check(z, c)
			if err == nil {
				t.Fatal("Check accepted an unknown name")
			}
			if !bytes.Contains([]byte(err.Error()), []byte(tc.want)) {
				t.Errorf("error %q lacks %q", err, tc.want)
			}
		})
	}
}

// BenchmarkMakeLarge times the whole pipeline on large.yaml (target: under 50 ms).
func BenchmarkMakeLarge(b *testing.B) {
	z, c := load(b, "large.yaml")
	for b.Loop() {
		Make(z, c, Options{AsOf: asOf})
	}
}

// BenchmarkLoadAndMakeLarge includes reading and validating the zone file.
func BenchmarkLoadAndMakeLarge(b *testing.B) {
	c, err := catalog.Default()
	if err != nil {
		b.Fatal(err)
	}
	path := filepath.Join("..", "examples", "large.yaml")
	for b.Loop() {
		z, err := spec.LoadFile(path)
		if err != nil {
			b.Fatal(err)
		}
		Make(z, c, Options{AsOf: asOf})
	}
}
