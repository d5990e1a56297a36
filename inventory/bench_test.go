package inventory

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"sync/atomic"
	"testing"
	"time"
)

// benchFile writes (once) a generated report of AIZONE_BENCH_ROWS rows
// (default 1,000,000) under AIZONE_BENCH_DIR (default the system
// temporary folder), as the simulation benchmarks do.
func benchFile(b *testing.B, format string) (string, int) {
	rows := 1_000_000
	if s := os.Getenv("AIZONE_BENCH_ROWS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n <= 0 {
			b.Fatalf("AIZONE_BENCH_ROWS=%q: want a positive row count", s)
		}
		rows = n
	}
	dir := os.Getenv("AIZONE_BENCH_DIR")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "aizone-bench")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.Fatal(err)
	}
	path := filepath.Join(dir, fmt.Sprintf("inventory-%d-seed1.%s", rows, format))
	if _, err := os.Stat(path); err == nil {
		return path, rows
	}
	f, err := os.Create(path + ".tmp")
	if err != nil {
		b.Fatal(err)
	}
	w, _ := NewWriter(f, format)
	if err := Generate(w, GenerateOptions{Rows: rows, Seed: 1}); err != nil {
		b.Fatal(err)
	}
	if err := w.Close(); err != nil {
		b.Fatal(err)
	}
	f.Close()
	if err := os.Rename(path+".tmp", path); err != nil {
		b.Fatal(err)
	}
	return path, rows
}

// benchScan measures the column scan alone, the floor of a simulation:
// the columns a lifecycle policy without optional inputs reads.
func benchScan(b *testing.B, format string) {
	path, rows := benchFile(b, format)
	src, err := Open(path)
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	t0 := time.Now()
	for range b.N {
		var n atomic.Int64
		err := ScanColumns(context.Background(), src, ScanOptions{Workers: runtime.GOMAXPROCS(0)}, Projection{}, func(_ int, c *ColumnBatch) error {
			n.Add(int64(c.Len()))
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
		if n.Load() != int64(rows) {
			b.Fatalf("%d rows, want %d", n.Load(), rows)
		}
	}
	b.ReportMetric(float64(rows)*float64(b.N)/time.Since(t0).Seconds(), "rows/s")
}

func BenchmarkScanColumnsCSV(b *testing.B)     { benchScan(b, "csv") }
func BenchmarkScanColumnsParquet(b *testing.B) { benchScan(b, "parquet") }
