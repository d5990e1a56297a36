package simulation

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aizone/aizone/inventory"
	"github.com/aizone/aizone/lifecycle"
)

// benchRows is the inventory size of the benchmarks: AIZONE_BENCH_ROWS,
// default one million so that `go test -bench .` stays quick; the issue's
// figure is measured with AIZONE_BENCH_ROWS=10000000.
func benchRows(b *testing.B) int {
	if s := os.Getenv("AIZONE_BENCH_ROWS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n <= 0 {
			b.Fatalf("AIZONE_BENCH_ROWS=%q: want a positive row count", s)
		}
		return n
	}
	return 1_000_000
}

// benchInventory writes the synthetic inventory once per size and format
// under the system temporary directory (AIZONE_BENCH_DIR to choose), so
// that repeated runs measure the simulation, not the generator.
func benchInventory(b *testing.B, format string, rows int) string {
	b.Helper()
	dir := os.Getenv("AIZONE_BENCH_DIR")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "aizone-bench")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.Fatal(err)
	}
	path := filepath.Join(dir, fmt.Sprintf("inventory-%d-seed1.%s", rows, format))
	if _, err := os.Stat(path); err == nil {
		return path
	}
	tmp := path + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		b.Fatal(err)
	}
	w, _ := inventory.NewWriter(f, format)
	if err := inventory.Generate(w, inventory.GenerateOptions{Rows: rows, Seed: 1, AsOf: start}); err != nil {
		b.Fatal(err)
	}
	if err := w.Close(); err != nil {
		b.Fatal(err)
	}
	f.Close()
	if err := os.Rename(tmp, path); err != nil {
		b.Fatal(err)
	}
	return path
}

// benchPolicy is the question the DuckDB peer answers too
// (scripts/bench-duckdb.sh): tier by age, delete at two years, clean up
// versions and snapshots.
const benchPolicy = `{"rules": [{"name": "tiering", "type": "Lifecycle", "definition": {"filters": {"blobTypes": ["blockBlob"]},
	"actions": {"baseBlob": {"tierToCool": {"daysAfterModificationGreaterThan": 30}, "tierToCold": {"daysAfterModificationGreaterThan": 90},
	"tierToArchive": {"daysAfterModificationGreaterThan": 180}, "delete": {"daysAfterModificationGreaterThan": 730}},
	"version": {"delete": {"daysAfterCreationGreaterThan": 90}}, "snapshot": {"delete": {"daysAfterCreationGreaterThan": 90}}}}}]}`

func benchSimulate(b *testing.B, format string) {
	rows := benchRows(b)
	path := benchInventory(b, format, rows)
	p := policy(b, benchPolicy)
	pr := prices(b)
	b.ResetTimer()
	t0 := time.Now()
	for i := 0; i < b.N; i++ {
		src, err := inventory.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		res, err := Run(context.Background(), src, p, Options{Days: 365, Start: start, Prices: pr, Account: lifecycle.Account{Redundancy: "LRS"}})
		if err != nil {
			b.Fatal(err)
		}
		if res.Blobs != int64(rows) {
			b.Fatalf("simulated %d blobs, want %d", res.Blobs, rows)
		}
	}
	b.ReportMetric(float64(rows)*float64(b.N)/time.Since(t0).Seconds(), "blobs/s")
	b.ReportMetric(float64(runtime.GOMAXPROCS(0)), "procs")
}

func BenchmarkSimulateCSV(b *testing.B)     { benchSimulate(b, "csv") }
func BenchmarkSimulateParquet(b *testing.B) { benchSimulate(b, "parquet") }

// TestBenchColumns: the DuckDB scan in scripts/bench-duckdb.sh reads
// exactly the columns the simulator reads for the benchmark policy, so that
// the two are compared on the same work.
func TestBenchColumns(t *testing.T) {
	script, err := os.ReadFile(filepath.Join("..", "scripts", "bench-duckdb.sh"))
	if err != nil {
		t.Fatal(err)
	}
	var scanned string
	for _, line := range strings.Split(string(script), "\n") {
		if v, ok := strings.CutPrefix(line, "columns="); ok {
			scanned = strings.Trim(v, `"`)
		}
	}
	// What the policy needs, of what the generated reports hold.
	e := lifecycle.NewEngine(policy(t, benchPolicy), lifecycle.Account{Redundancy: "LRS"})
	var read []string
	for _, c := range strings.Split(inventory.ProjectionFor(e.Inputs()).String(), ",") {
		if slices.Contains(inventory.Columns, c) {
			read = append(read, c)
		}
	}
	if r := strings.Join(read, ","); scanned != r {
		t.Errorf("bench-duckdb.sh scans %q; the simulator reads %q", scanned, r)
	}
}
