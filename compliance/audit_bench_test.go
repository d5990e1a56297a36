package compliance

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"

	"github.com/aizone/aizone/alz"
)

// benchEstate is the export the 1M benchmarks read: AIZONE_AUDIT_FILE if
// set, else GenerateEstate(AIZONE_AUDIT_N or 1,000,000 resources, 20
// subscriptions) written once into the temporary directory and reused.
func benchEstate(b *testing.B) (string, int) {
	b.Helper()
	n := 1000000
	if s := os.Getenv("AIZONE_AUDIT_N"); s != "" {
		v, err := strconv.Atoi(s)
		if err != nil || v < 0 {
			b.Fatalf("AIZONE_AUDIT_N=%q: want a count of resources", s)
		}
		n = v
	}
	if p := os.Getenv("AIZONE_AUDIT_FILE"); p != "" {
		return p, -1
	}
	benchOnce.Do(func() {
		dir, err := os.MkdirTemp("", "aizone-audit-bench-")
		if err != nil {
			benchErr = err
			return
		}
		benchPath = filepath.Join(dir, fmt.Sprintf("estate-%d.json", n))
		f, err := os.Create(benchPath)
		if err != nil {
			benchErr = err
			return
		}
		if err := GenerateEstate(f, n, 20); err != nil {
			benchErr = err
		}
		if err := f.Close(); err != nil && benchErr == nil {
			benchErr = err
		}
	})
	if benchErr != nil {
		b.Fatal(benchErr)
	}
	return benchPath, n + 20
}

var (
	benchOnce sync.Once
	benchPath string
	benchErr  error
)

// engineAll is the engine aizone audit builds: every assignment of the
// alz architecture, at every management group.
func engineAll(tb testing.TB) *Engine {
	lib, bi, al := corpus(tb)
	eff, err := lib.All("alz", alz.Values{"default_location": "eastus"})
	if err != nil {
		tb.Fatal(err)
	}
	return New(&Source{Library: lib, Builtins: bi, Aliases: al}, eff)
}

// BenchmarkAudit1M audits a 1,000,020-row export (a million resources
// and the 20 subscriptions rows placing them under corp) as aizone audit
// does, counting findings. Compare with BenchmarkDecodeFloor1M: the
// target is within 2.5 times its time.
func BenchmarkAudit1M(b *testing.B) {
	path, rows := benchEstate(b)
	e := engineAll(b)
	open := FileOpener(path)
	b.ResetTimer()
	for b.Loop() {
		rep, err := Audit(context.Background(), e, open, AuditOptions{})
		if err != nil {
			b.Fatal(err)
		}
		if rows >= 0 && rep.Summary.Resources != rows {
			b.Fatalf("audited %d of %d", rep.Summary.Resources, rows)
		}
		rows = rep.Summary.Resources
		if n := rep.memoHits + rep.memoMisses; n > 0 {
			b.ReportMetric(float64(rep.memoHits)/float64(n), "memo-hit-ratio")
		}
		if n := rep.resourceHits + rep.resourceMisses; n > 0 {
			b.ReportMetric(float64(rep.resourceHits)/float64(n), "resource-hit-ratio")
		}
		if n := rep.rawHits + rep.rawMisses; n > 0 {
			b.ReportMetric(float64(rep.rawHits)/float64(rows), "found-by-bytes")
		}
	}
	b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "resources/s")
}

// BenchmarkDecodeFloor1M decodes the same export into maps with
// encoding/json on every core: the floor the audit is measured against.
func BenchmarkDecodeFloor1M(b *testing.B) {
	path, rows := benchEstate(b)
	open := FileOpener(path)
	b.ResetTimer()
	for b.Loop() {
		n, err := DecodeFloor(context.Background(), open, 0)
		if err != nil {
			b.Fatal(err)
		}
		if rows >= 0 && n != rows {
			b.Fatalf("decoded %d of %d", n, rows)
		}
		rows = n
	}
	b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "resources/s")
}
