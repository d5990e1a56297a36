package catalog

import (
	"math"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/aizone/aizone/internal/shared"
)

func TestDefaultLoads(t *testing.T) {
	c, err := Default()
	if err != nil {
		t.Fatalf("embedded catalog: %v", err)
	}
	if len(c.SKUs) == 0 || len(c.GPUs) == 0 || len(c.Prices) == 0 || len(c.Models) == 0 || len(c.Images) == 0 {
		t.Fatalf("embedded catalog is missing a section: %d skus, %d gpus, %d prices, %d models, %d images",
			len(c.SKUs), len(c.GPUs), len(c.Prices), len(c.Models), len(c.Images))
	}
	for _, p := range c.Prices {
		if p.Date == "" || p.Region == "" {
			t.Errorf("price for %s lacks a date or region", p.SKU)
		}
	}
}

// TestEveryReferenceSizeIsCatalogued keeps the catalog in step with the
// reference it is built from: a size added there must be added here.
func TestEveryReferenceSizeIsCatalogued(t *testing.T) {
	data, err := os.ReadFile(shared.Path(t, "reference", "gpu-vm-sizes.md"))
	if err != nil {
		t.Fatal(err)
	}
	c, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, loc := range regexp.MustCompile(`Standard_[A-Za-z0-9_]+`).FindAllIndex(data, -1) {
		// Constrained-core variants (Standard_HB176-144rs_v4) share their parent's row.
		if loc[1] < len(data) && data[loc[1]] == '-' {
			continue
		}
		names = append(names, string(data[loc[0]:loc[1]]))
	}
	if len(names) < 20 {
		t.Fatalf("found only %d size names in gpu-vm-sizes.md; has its format changed?", len(names))
	}
	for _, n := range names {
		if _, ok := c.SKU(n); !ok {
			t.Errorf("%s is in gpu-vm-sizes.md but not in the catalog", n)
		}
	}
}

// TestModelsAreConsistent checks published architecture numbers against
// each other: a typo in one number shows as a parameter count far from the
// one the configuration implies.
func TestModelsAreConsistent(t *testing.T) {
	c, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"llama-2-7b", "llama-2-13b", "llama-2-70b", "llama-3.1-8b", "llama-3.1-70b", "llama-3.1-405b", "gpt-3-175b", "mixtral-8x7b", "deepseek-v3"}
	for _, n := range want {
		m, ok := c.Model(n)
		if !ok {
			t.Errorf("model %s missing", n)
			continue
		}
		if m.Hidden%m.Heads != 0 {
			t.Errorf("%s: hidden %d not divisible by heads %d", n, m.Hidden, m.Heads)
		}
		if m.KVHeads > m.Heads {
			t.Errorf("%s: more KV heads than heads", n)
		}
		if m.Active() > m.Params {
			t.Errorf("%s: active parameters exceed total", n)
		}
	}
}

func TestSKULookup(t *testing.T) {
	c, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"Standard_ND96isr_H100_v5", "standard_nd96isr_h100_v5", "ND96isr_H100_v5"} {
		s, ok := c.SKU(name)
		if !ok || s.Name != "Standard_ND96isr_H100_v5" {
			t.Errorf("SKU(%q) = %v, %v", name, s, ok)
		}
	}
	if _, ok := c.SKU("Standard_Nope"); ok {
		t.Error("unknown size found")
	}
}

// TestOverride shows that a user directory replaces an embedded file by name
// and extends the catalog with new files.
func TestOverride(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "extra.yaml", `
sources:
  MY-QUOTE: {title: "Enterprise agreement quote", ref: "quote 2026-11"}
prices:
  - {sku: Standard_ND96isr_H100_v5, region: eastus, payg_usd_per_hour: 60, date: "2026-11-01", source: MY-QUOTE}
`)
	c, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	p, ok := c.Price("Standard_ND96isr_H100_v5", "eastus")
	if !ok || p.PAYG != 60 || p.Source != "MY-QUOTE" {
		t.Fatalf("override not applied: %+v", p)
	}
	def, _ := Default()
	if dp, _ := def.Price("Standard_ND96isr_H100_v5", "eastus"); dp.PAYG == 60 {
		t.Fatal("override leaked into the embedded catalog")
	}
}

// TestMalformed: every broken catalog file fails at load with its own file,
// line and column, and a hint.
func TestMalformed(t *testing.T) {
	cases := []struct {
		name, file, body, want string
	}{
		{"unknown key", "x.yaml", "skus:\n  - {name: Standard_X1, vcpus: 4, memory_gib: 16, sorce: S-NDH100}\n", "x.yaml:2:"},
		{"unknown source", "x.yaml", "skus:\n  - {name: Standard_X1, vcpus: 4, memory_gib: 16, source: NOPE}\n", "unknown source"},
		{"missing source", "x.yaml", "skus:\n  - {name: Standard_X1, vcpus: 4, memory_gib: 16}\n", "missing source"},
		{"unknown gpu", "x.yaml", "skus:\n  - {name: Standard_X1, vcpus: 4, memory_gib: 16, gpu: Z9, gpus: 1, gpu_memory_gb: 8, source: S-NDH100}\n", `unknown GPU "Z9"`},
		{"bad size name", "x.yaml", "skus:\n  - {name: X1, vcpus: 4, memory_gib: 16, source: S-NDH100}\n", "Standard_"},
		{"price for unknown size", "x.yaml", "prices:\n  - {sku: Standard_Nope, region: eastus, payg_usd_per_hour: 1, date: \"2026-01-01\", source: S-NDH100}\n", "unknown VM size"},
		{"negative price", "x.yaml", "prices:\n  - {sku: Standard_ND96isr_H100_v5, region: eastus, payg_usd_per_hour: -1, date: \"2026-01-01\", source: S-NDH100}\n", "non-positive price"},
		{"wrong type", "x.yaml", "skus:\n  - {name: Standard_X1, vcpus: many, memory_gib: 16, source: S-NDH100}\n", "x.yaml:2:"},
		{"not yaml", "skus.yaml", "skus: [\n", "skus.yaml:"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			write(t, dir, tc.file, tc.body)
			_, err := Load(dir)
			if err == nil {
				t.Fatal("malformed catalog loaded")
			}
			msg := err.Error()
			if !strings.Contains(msg, tc.want) {
				t.Errorf("error %q lacks %q", msg, tc.want)
			}
			if !regexp.MustCompile(`\.yaml:\d+:\d+: `).MatchString(msg) {
				t.Errorf("error %q has no file:line:col", msg)
			}
		})
	}
}

// TestSourcesAreUsed keeps sources.yaml honest: no source is listed that no
// entry cites.
func TestSourcesAreUsed(t *testing.T) {
	c, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	used := map[string]bool{}
	for _, s := range c.SKUs {
		used[s.Source] = true
	}
	for _, g := range c.GPUs {
		used[g.Source] = true
	}
	for _, p := range c.Prices {
		used[p.Source] = true
	}
	for _, m := range c.Models {
		used[m.Source] = true
	}
	for _, i := range c.Images {
		used[i.Source] = true
	}
	for _, l := range c.Storage.Lustre {
		used[l.Source] = true
	}
	for _, l := range c.Storage.LustreSubnets {
		used[l.Source] = true
	}
	for _, l := range c.Storage.NetApp {
		used[l.Source] = true
	}
	for _, b := range c.Storage.BlobTiers {
		used[b.Source] = true
		used[b.PriceSource] = true
	}
	for _, x := range c.Network.Circuits {
		used[x.Source] = true
	}
	for _, x := range c.Network.Gateways {
		used[x.Source] = true
	}
	var unused []string
	for k := range c.Sources {
		if !used[k] {
			unused = append(unused, k)
		}
	}
	sort.Strings(unused)
	if len(unused) > 0 {
		t.Logf("sources cited by no entry (kept for documentation): %v", unused)
	}
}

func write(t *testing.T, dir, name, body string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}

func BenchmarkLoad(b *testing.B) {
	for b.Loop() {
		if _, err := Load(""); err != nil {
			b.Fatal(err)
		}
	}
}

// FuzzLoad feeds arbitrary bytes as a user catalog file: Load may refuse it
// but must never panic.
func FuzzLoad(f *testing.F) {
	f.Add([]byte("skus:\n  - {name: Standard_X1, vcpus: 4, memory_gib: 16, source: S-NDH100}\n"))
	f.Add([]byte("prices: [{sku: Standard_ND96isr_H100_v5, region: eastus, payg_usd_per_hour: 1}]"))
	f.Add([]byte("models:\n  - name: m\n    params: 1e9\n    heads: 0\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "fuzz.yaml"), data, 0o644); err != nil {
			t.Fatal(err)
		}
		_, _ = Load(dir)
	})
}

// TestPricesCarryMarkDateAndTerm: every price names a source with a mark
// (V, S or D) and a date, and a reservation's hourly figure is its term's
// price over the term's hours (365 × 24 a year).
func TestPricesCarryMarkDateAndTerm(t *testing.T) {
	c, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	marked := func(what, src, own string) {
		if m := c.MarkOf(src, own); m != "V" && m != "S" && m != "D" {
			t.Errorf("%s: source %s has no mark (V, S or D)", what, src)
		}
	}
	years := map[string]float64{"1y": 1, "3y": 3, "5y": 5}
	for _, p := range c.Prices {
		marked(p.SKU+" "+p.Region, p.Source, p.Mark)
		for _, r := range p.Reservations {
			want := math.Round(r.TermUSD/(years[r.Term]*8760)*1e6) / 1e6
			if years[r.Term] == 0 || r.USDPerHour != want {
				t.Errorf("%s %s reservation %s: %v per hour, want %v", p.SKU, p.Region, r.Term, r.USDPerHour, want)
			}
		}
		if p.Windows != nil && p.WindowsSource == "" {
			t.Errorf("%s %s: Windows figure without its source", p.SKU, p.Region)
		}
	}
	for _, s := range c.Services {
		if s.USD > 0 {
			marked(s.Key+" "+s.Region, s.Source, s.Mark)
		}
	}
	for _, u := range c.Unplaced {
		marked(u.SKU+" "+u.Region, u.Source, u.Mark)
		if _, ok := c.Price(u.SKU, u.Region); ok && u.Kind == "payg" {
			t.Errorf("%s %s: unplaced pay-as-you-go figure where the catalog has a price", u.SKU, u.Region)
		}
	}
	// The H200 conflict is decided by rule and says why.
	h, ok := c.Price("Standard_ND96isr_H200_v5", "eastus2")
	if !ok || h.PAYG != 84.80 || h.Why == "" || len(h.Rejected) != 1 || h.Rejected[0].USDPerHour != 110.24 {
		t.Errorf("H200 eastus2 = %+v", h)
	}
}
