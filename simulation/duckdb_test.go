package simulation

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aizone/aizone/inventory"
	"github.com/aizone/aizone/lifecycle"
)

// duckDB finds node and the @duckdb/node-api package that
// scripts/bench-duckdb.sh installs into .tools/duckdb. Missing, the test
// skips; under CI=true it fails only when the test script installs the
// package, that is when its absence is a broken install rather than a
// machine without it.
func duckDB(t *testing.T) (node, modules string) {
	t.Helper()
	modules, err := filepath.Abs(filepath.Join("..", ".tools", "duckdb", "node_modules"))
	if err != nil {
		t.Fatal(err)
	}
	node, nerr := exec.LookPath("node")
	_, merr := os.Stat(filepath.Join(modules, "@duckdb", "node-api"))
	if nerr == nil && merr == nil {
		return node, modules
	}
	script, _ := os.ReadFile(filepath.Join("..", "scripts", "test.sh"))
	if os.Getenv("CI") == "true" && strings.Contains(string(script), "duckdb") {
		t.Fatalf("node or @duckdb/node-api missing (%v, %v) though scripts/test.sh installs it", nerr, merr)
	}
	t.Skip("node or @duckdb/node-api not installed (scripts/bench-duckdb.sh install puts it into .tools/duckdb)")
	return "", ""
}

// TestDuckDBAgrees: DuckDB answers the benchmark question in SQL
// (scripts/bench-duckdb.mjs) over the same Parquet inventory, and every
// day's bytes in each tier and cost, and every total, are the simulator's
// exactly.
func TestDuckDBAgrees(t *testing.T) {
	node, modules := duckDB(t)
	dir := t.TempDir()
	path := writeInventoryWith(t, dir, "parquet", 30000, inventory.WriterOptions{RowGroupRows: 7000})
	pr := prices(t)
	src, err := inventory.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	const days = 400
	res, err := Run(context.Background(), src, policy(t, benchPolicy), Options{Days: days, Start: start, Prices: pr, Account: lifecycle.Account{Redundancy: "LRS"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Transitions) < 3 || res.Deleted.Count == 0 {
		t.Fatalf("the policy barely acted (%v, %+v): the comparison tests little", res.Transitions, res.Deleted)
	}
	out, _ := json.Marshal(res)
	resultPath := filepath.Join(dir, "result.json")
	os.WriteFile(resultPath, out, 0o644)
	// The script imports the package by name: run it from a folder whose
	// node_modules is the installed one.
	script, err := os.ReadFile(filepath.Join("..", "scripts", "bench-duckdb.mjs"))
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "bench-duckdb.mjs"), script, 0o644)
	if err := os.Symlink(modules, filepath.Join(dir, "node_modules")); err != nil {
		t.Fatal(err)
	}
	tiers := map[string][3]float64{}
	for name, tier := range map[string]lifecycle.Tier{"hot": lifecycle.TierHot, "cool": lifecycle.TierCool, "cold": lifecycle.TierCold,
		"archive": lifecycle.TierArchive, "premium": lifecycle.TierPremium} {
		p := pr.Tiers[tier]
		tiers[name] = [3]float64{p.USDPerGBMonth, p.WritePer10K, float64(p.MinimumDays)}
	}
	pj, _ := json.Marshal(tiers)
	cmd := exec.Command(node, filepath.Join(dir, "bench-duckdb.mjs"), "answer", path, start.Format("2006-01-02"), "400", string(pj), resultPath)
	cmd.Dir = dir
	var stderr strings.Builder
	cmd.Stderr = &stderr
	stdout, err := cmd.Output()
	var answer struct {
		Compare struct {
			Equal       bool     `json:"equal"`
			Days        int      `json:"days"`
			Differences []string `json:"differences"`
		} `json:"compare"`
	}
	if jerr := json.Unmarshal(stdout, &answer); jerr != nil {
		t.Fatalf("bench-duckdb.mjs: %v (%v)\n%s\n%s", err, jerr, stdout, stderr.String())
	}
	if !answer.Compare.Equal || answer.Compare.Days != days || err != nil {
		t.Fatalf("DuckDB and the simulator differ (%v) over %d days:\n%s", err, answer.Compare.Days, strings.Join(answer.Compare.Differences, "\n"))
	}
}
