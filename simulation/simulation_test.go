package simulation

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aizone/aizone/catalog"
	"github.com/aizone/aizone/inventory"
	"github.com/aizone/aizone/lifecycle"
)

var start = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func prices(t testing.TB) Prices {
	t.Helper()
	c, err := catalog.Default()
	if err != nil {
		t.Fatal(err)
	}
	p, err := PricesFromCatalog(c)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func policy(t testing.TB, src string) *lifecycle.Policy {
	t.Helper()
	p, err := lifecycle.Load("policy.json", []byte(src), nil)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// policies exercise every clock, the archive guard, filters, versions and
// snapshots.
var policies = map[string]string{
	"tiering": `{"rules": [{"name": "t", "type": "Lifecycle", "definition": {"filters": {"blobTypes": ["blockBlob", "appendBlob"]},
		"actions": {"baseBlob": {"delete": {"daysAfterModificationGreaterThan": 500}},
		"version": {"delete": {"daysAfterCreationGreaterThan": 120}},
		"snapshot": {"delete": {"daysAfterCreationGreaterThan": 60}}}}},
		{"name": "tiers", "type": "Lifecycle", "definition": {"filters": {"blobTypes": ["blockBlob"]},
		"actions": {"baseBlob": {"tierToCool": {"daysAfterModificationGreaterThan": 30}, "tierToCold": {"daysAfterModificationGreaterThan": 100},
		"tierToArchive": {"daysAfterModificationGreaterThan": 200}},
		"version": {"tierToCool": {"daysAfterCreationGreaterThan": 20}}}}}]}`,
	"last-access": `{"rules": [{"name": "la", "type": "Lifecycle", "definition": {"filters": {"blobTypes": ["blockBlob"], "prefixMatch": ["datasets/", "models/"]},
		"actions": {"baseBlob": {"enableAutoTierToHotFromCool": true, "tierToCool": {"daysAfterLastAccessTimeGreaterThan": 45},
		"tierToArchive": {"daysAfterModificationGreaterThan": 300, "daysAfterLastTierChangeGreaterThan": 60}}}}}]}`,
	"creation-and-tags": `{"rules": [{"name": "contoso", "type": "Lifecycle", "definition": {"filters": {"blobTypes": ["blockBlob"],
		"blobIndexMatch": [{"name": "Project", "op": "==", "value": "Contoso"}]},
		"actions": {"baseBlob": {"delete": {"daysAfterCreationGreaterThan": 400}}}}},
		{"name": "ckpt", "type": "Lifecycle", "definition": {"filters": {"blobTypes": ["blockBlob"], "prefixMatch": ["checkpoints/run-000"]},
		"actions": {"baseBlob": {"tierToCold": {"daysAfterCreationGreaterThan": 10}, "delete": {"daysAfterCreationGreaterThan": 200}}}}}]}`,
}

// reference is the obvious simulation: every blob, every day, one call to
// Evaluate. Run must agree with it exactly.
type reference struct {
	byDay   [][lifecycle.NumTiers]int64
	trans   map[string]int64
	deleted Deleted
	early   float64
	ops     float64
}

func simulateReference(t *testing.T, recs []inventory.Record, p *lifecycle.Policy, acct lifecycle.Account, pr Prices, days int) *reference {
	t.Helper()
	e := lifecycle.NewEngine(p, acct)
	ref := &reference{byDay: make([][lifecycle.NumTiers]int64, days), trans: map[string]int64{}}
	s0 := start.Unix()
	daily := func(tier lifecycle.Tier) float64 { return pr.Tiers[tier].USDPerGBMonth * 12 / 365 / GiB }
	one := func(r *inventory.Record, depsUntil int64) int64 {
		b := r.Blob()
		tier := billTier(b.Tier)
		entered := b.TierChanged
		if entered == 0 {
			entered = b.Created
		}
		for d := 0; d < days; d++ {
			run := s0 + int64(d)*lifecycle.Day
			b.DependentsUntil = depsUntil
			dec := e.Evaluate(&b, run)
			if dec.Action != lifecycle.None {
				if m := int64(pr.Tiers[tier].MinimumDays); m > 0 {
					if in := floorDiv(run-entered, lifecycle.Day); in < m {
						ref.early += float64(r.Bytes*(m-max(in, 0))) * daily(tier)
					}
				}
				if dec.Action == lifecycle.Delete {
					ref.deleted.Count++
					ref.deleted.Bytes += r.Bytes
					return run
				}
				dest := dec.Action.Dest()
				ref.trans[tierKey(tier)+"->"+tierKey(dest)]++
				ref.ops += pr.Tiers[dest].WritePer10K / 10000
				tier, b.Tier, b.TierChanged, entered = dest, dest, run, run
				b.AutoTierEligible = b.AutoTierEligible || dec.AutoTierToHot
			}
			ref.byDay[d][tier] += r.Bytes
		}
		return lifecycle.Forever
	}
	for i := 0; i < len(recs); {
		j := i + 1
		for j < len(recs) && recs[j].Name == recs[i].Name {
			j++
		}
		var deps int64
		for k := i; k < j; k++ {
			if recs[k].Target() != lifecycle.TargetBase {
				if gone := one(&recs[k], 0); gone == lifecycle.Forever || deps == lifecycle.Forever {
					deps = lifecycle.Forever
				} else {
					deps = max(deps, gone+lifecycle.Day)
				}
			}
		}
		for k := i; k < j; k++ {
			if recs[k].Target() == lifecycle.TargetBase {
				one(&recs[k], deps)
			}
		}
		i = j
	}
	return ref
}

func writeInventory(t testing.TB, dir, format string, rows int) string {
	return writeInventoryWith(t, dir, format, rows, inventory.WriterOptions{})
}

func writeInventoryWith(t testing.TB, dir, format string, rows int, opt inventory.WriterOptions) string {
	t.Helper()
	path := filepath.Join(dir, "inv."+format)
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w, _ := inventory.NewWriterWith(f, format, opt)
	if err := inventory.Generate(w, inventory.GenerateOptions{Rows: rows, Seed: 11, AsOf: start}); err != nil {
		t.Fatal(err)
	}
	w.Close()
	f.Close()
	return path
}

// TestAgainstReference: the event-driven schedule equals stepping through
// every day, for each policy, and is the same for CSV and Parquet and for
// any number of workers.
func TestAgainstReference(t *testing.T) {
	dir := t.TempDir()
	csvPath := writeInventory(t, dir, "csv", 60000)
	pqPath := writeInventory(t, dir, "parquet", 60000)
	src, _ := inventory.Open(csvPath)
	recs, err := inventory.ReadAll(context.Background(), src)
	if err != nil {
		t.Fatal(err)
	}
	pr := prices(t)
	const days = 400
	acct := lifecycle.Account{Redundancy: "LRS", AccessTracking: true, AccessTrackingSince: start.AddDate(0, -3, 0).Unix()}
	for name, pj := range policies {
		t.Run(name, func(t *testing.T) {
			p := policy(t, pj)
			ref := simulateReference(t, recs, p, acct, pr, days)
			var first []byte
			for _, tc := range []struct {
				path    string
				workers int
			}{{csvPath, 1}, {csvPath, 3}, {pqPath, 1}, {pqPath, 4}} {
				src, _ := inventory.Open(tc.path)
				res, err := Run(context.Background(), src, p, Options{Days: days, Start: start, Account: acct, Prices: pr, Workers: tc.workers})
				if err != nil {
					t.Fatal(err)
				}
				out, _ := json.Marshal(res)
				if first == nil {
					first = out
				} else if string(out) != string(first) {
					t.Fatalf("%s with %d workers differs from the first run", tc.path, tc.workers)
				}
			}
			var res Result
			json.Unmarshal(first, &res)
			for d := 0; d < days; d++ {
				if got, want := res.ByDay[d].BytesByTier, tierBytes(&ref.byDay[d]); got != want {
					t.Fatalf("day %d: bytes by tier %+v, reference %+v", d, got, want)
				}
			}
			if !reflect.DeepEqual(res.Transitions, ref.trans) {
				t.Errorf("transitions %v, reference %v", res.Transitions, ref.trans)
			}
			if res.Deleted != ref.deleted {
				t.Errorf("deleted %+v, reference %+v", res.Deleted, ref.deleted)
			}
			if math.Abs(res.EarlyDeletionUSD-ref.early) > 1e-5 || math.Abs(res.OperationsUSD-ref.ops) > 1e-5 {
				t.Errorf("early deletion %.6f ops %.6f, reference %.6f %.6f", res.EarlyDeletionUSD, res.OperationsUSD, ref.early, ref.ops)
			}
			if len(res.Transitions) == 0 && res.Deleted.Count == 0 {
				t.Error("the policy did nothing: the case tests nothing")
			}
		})
	}
}

// TestWorkedExample checks the cost model on numbers worked by hand.
func TestWorkedExample(t *testing.T) {
	pr := Prices{Source: "test"}
	pr.Tiers[lifecycle.TierHot] = TierPrice{USDPerGBMonth: 0.0365 / 12 * 30, WritePer10K: 0}
	pr.Tiers[lifecycle.TierCool] = TierPrice{USDPerGBMonth: 0.01825 / 12 * 30, WritePer10K: 1, MinimumDays: 30}
	pr.Tiers[lifecycle.TierCold] = TierPrice{USDPerGBMonth: 0, WritePer10K: 2, MinimumDays: 90}
	pr.Tiers[lifecycle.TierArchive] = TierPrice{USDPerGBMonth: 0, WritePer10K: 3, MinimumDays: 180}
	// Daily prices: Hot 0.0365*30*12/12/365... chosen so that Hot costs
	// 0.003 USD and Cool 0.0015 USD per GiB-day.
	hotDay := pr.Tiers[lifecycle.TierHot].USDPerGBMonth * 12 / 365
	coolDay := pr.Tiers[lifecycle.TierCool].USDPerGBMonth * 12 / 365
	// One 10 GiB blob written the day before the start; tierToCool after
	// 5 days, delete after 20: on Cool from day 5 (age 6 > 5), deleted on
	// day 20 (age 21 > 20) after 15 days in Cool, so 15 days of Cool's 30
	// are charged as early deletion.
	dir := t.TempDir()
	path := filepath.Join(dir, "inv.csv")
	os.WriteFile(path, []byte("Name,Creation-Time,Last-Modified,Content-Length,AccessTier\n"+
		"data/x,2025-12-31T00:00:00Z,2025-12-31T00:00:00Z,10737418240,Hot\n"), 0o644)
	p := policy(t, `{"rules": [{"name": "r", "type": "Lifecycle", "definition": {"filters": {"blobTypes": ["blockBlob"]},
		"actions": {"baseBlob": {"tierToCool": {"daysAfterModificationGreaterThan": 5}, "delete": {"daysAfterModificationGreaterThan": 20}}}}}]}`)
	src, _ := inventory.Open(path)
	res, err := Run(context.Background(), src, p, Options{Days: 30, Start: start, Prices: pr})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]float64{
		"storage":  10 * (5*hotDay + 15*coolDay),
		"early":    10 * 15 * coolDay,
		"ops":      1.0 / 10000,
		"baseline": 10 * 30 * hotDay,
	}
	got := map[string]float64{"storage": res.StorageUSD, "early": res.EarlyDeletionUSD, "ops": res.OperationsUSD, "baseline": res.BaselineTotalUSD}
	for k, w := range want {
		if math.Abs(got[k]-w) > 1e-6 {
			t.Errorf("%s = %.6f, want %.6f", k, got[k], w)
		}
	}
	if res.ByDay[4].BytesByTier.Hot != 10<<30 || res.ByDay[5].BytesByTier.Cool != 10<<30 || res.ByDay[20].BytesByTier != (TierBytes{}) {
		t.Errorf("tiers by day wrong: day4 %+v day5 %+v day20 %+v", res.ByDay[4].BytesByTier, res.ByDay[5].BytesByTier, res.ByDay[20].BytesByTier)
	}
	if res.Transitions["hot->cool"] != 1 || res.Deleted != (Deleted{Count: 1, Bytes: 10 << 30}) {
		t.Errorf("transitions %v deleted %+v", res.Transitions, res.Deleted)
	}
	if math.Abs(res.SavingsUSD-(res.BaselineTotalUSD-res.TotalUSD)) > 1e-6 {
		t.Errorf("savings %.6f is not baseline minus total", res.SavingsUSD)
	}
}

// TestVersionsHoldCurrent: a current version whose delete condition holds
// waits for its previous versions.
func TestVersionsHoldCurrent(t *testing.T) {
	path := filepath.Join(t.TempDir(), "inv.csv")
	os.WriteFile(path, []byte(inventoryHeader+
		"c/a,2025-01-01T00:00:00Z,2025-06-01T00:00:00Z,,100,BlockBlob,Hot,,,2025-03-01T00:00:00.0000000Z,false,false,,\n"+
		"c/a,2025-01-01T00:00:00Z,2025-06-01T00:00:00Z,,100,BlockBlob,Hot,,,2025-06-01T00:00:00.0000000Z,true,false,,\n"), 0o644)
	p := policy(t, `{"rules": [{"name": "r", "type": "Lifecycle", "definition": {"filters": {"blobTypes": ["blockBlob"]},
		"actions": {"baseBlob": {"delete": {"daysAfterModificationGreaterThan": 30}}, "version": {"delete": {"daysAfterCreationGreaterThan": 320}}}}}]}`)
	src, _ := inventory.Open(path)
	res, err := Run(context.Background(), src, p, Options{Days: 60, Start: start, Prices: prices(t)})
	if err != nil {
		t.Fatal(err)
	}
	// The version (written 2025-03-01) is 321 days old on 2026-01-16 (day
	// 15), so it goes that day and the current version the day after.
	for d, want := range map[int]int64{14: 200, 15: 100, 16: 0} {
		if got := res.ByDay[d].BytesByTier.Hot; got != want {
			t.Errorf("day %d (%s): %d bytes hot, want %d", d, res.ByDay[d].Date, got, want)
		}
	}
}

const inventoryHeader = "Name,Creation-Time,Last-Modified,LastAccessTime,Content-Length,BlobType,AccessTier,AccessTierChangeTime,Snapshot,VersionId,IsCurrentVersion,Deleted,Tags,Metadata\n"

func TestBadOptions(t *testing.T) {
	src, _ := inventory.Open(writeInventory(t, t.TempDir(), "csv", 10))
	if _, err := Run(context.Background(), src, policy(t, policies["tiering"]), Options{Days: 0, Prices: prices(t)}); err == nil {
		t.Error("0 days accepted")
	}
	if _, err := PricesFromTiers([]catalog.BlobTier{{Name: "hot"}}); err == nil {
		t.Error("prices without cool, cold and archive accepted")
	}
	for name, opt := range map[string]Options{
		"days above the bound":    {Days: MaxDays + 1},
		"negative workers":        {Days: 1, Workers: -1},
		"workers above the bound": {Days: 1, Workers: inventory.MaxWorkers + 1},
		"negative batch":          {Days: 1, BatchRows: -1},
		"batch above the bound":   {Days: 1, BatchRows: inventory.MaxBatchRows + 1},
	} {
		opt.Prices = prices(t)
		if _, err := Run(context.Background(), src, policy(t, policies["tiering"]), opt); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	tiers := []catalog.BlobTier{{Name: "hot"}, {Name: "cool", MinimumDays: 30}, {Name: "cold", MinimumDays: 90}, {Name: "archive", MinimumDays: 180}}
	for name, bad := range map[string]catalog.BlobTier{
		"negative price":     {Name: "cool", USDPerGBMonth: -1},
		"infinite price":     {Name: "cool", WritePer10K: math.Inf(1)},
		"minimum days bound": {Name: "archive", MinimumDays: MaxMinimumDays + 1},
		"negative minimum":   {Name: "archive", MinimumDays: -1},
	} {
		if _, err := PricesFromTiers(append(append([]catalog.BlobTier(nil), tiers...), bad)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// TestTotalsOverflow: sizes that each fit but add up past int64 are an
// error, not a wrapped (negative) total.
func TestTotalsOverflow(t *testing.T) {
	var b strings.Builder
	b.WriteString("Name,Creation-Time,Last-Modified,Content-Length,AccessTier\n")
	// 2^63 / MaxBlobBytes is about 43,980 blobs of the largest size.
	for i := 0; i < 44000; i++ {
		fmt.Fprintf(&b, "c/%06d,2025-01-01T00:00:00Z,2025-01-01T00:00:00Z,%d,Hot\n", i, inventory.MaxBlobBytes)
	}
	path := filepath.Join(t.TempDir(), "huge.csv")
	os.WriteFile(path, []byte(b.String()), 0o644)
	for _, workers := range []int{1, 3} {
		src, _ := inventory.Open(path)
		res, err := Run(context.Background(), src, policy(t, policies["tiering"]), Options{Days: 10, Start: start, Prices: prices(t), Workers: workers})
		if err == nil || !strings.Contains(err.Error(), "add up to more than 2^63-1 bytes") {
			var bytes int64
			if res != nil {
				bytes = res.Bytes
			}
			t.Errorf("%d workers: error %v, bytes %d; want the int64 overflow reported", workers, err, bytes)
		}
	}
	// The helpers saturate and name the first overflow.
	var a acc
	a.add(&a.bytes, math.MaxInt64-1, bytesOverflow)
	a.add(&a.bytes, 2, bytesOverflow)
	if a.bytes != math.MaxInt64 || a.overflow != bytesOverflow {
		t.Errorf("add did not saturate: %d %q", a.bytes, a.overflow)
	}
	var m acc
	if got := m.mul(inventory.MaxBlobBytes, 1<<20, earlyOverflow); got != math.MaxInt64 || m.overflow != earlyOverflow {
		t.Errorf("mul did not saturate: %d %q", got, m.overflow)
	}
}

// prefixPolicy tiers and deletes only blobs under a few prefixes, so that a
// blob whose name is read wrongly is simulated under the wrong rule.
const prefixPolicy = `{"rules": [{"name": "prefixed", "type": "Lifecycle", "definition": {"filters": {"blobTypes": ["blockBlob"],
	"prefixMatch": ["datasets/corpus-000/shard-00001", "logs/node-0000", "models/release-00"]},
	"actions": {"baseBlob": {"tierToCool": {"daysAfterModificationGreaterThan": 30},
	"tierToArchive": {"daysAfterModificationGreaterThan": 180}, "delete": {"daysAfterModificationGreaterThan": 600}}}}}]}`

// lastDayByHand is prefixPolicy's outcome on the last day worked out
// without the lifecycle engine, the way a SQL query over the report would:
// the conditions only grow with time, so the last day's tier follows from
// the last day's age alone. A current version with snapshots or versions
// is never deleted (the policy keeps them), so it goes to Archive instead.
func lastDayByHand(recs []inventory.Record, days int) (tiers TierBytes, deleted Deleted) {
	run := start.Unix() + int64(days-1)*lifecycle.Day
	prefixes := []string{"datasets/corpus-000/shard-00001", "logs/node-0000", "models/release-00"}
	deps := map[string]bool{}
	for _, r := range recs {
		if !r.Deleted && (r.Snapshot != "" || r.VersionID != "" && !r.IsCurrent) {
			deps[r.Name] = true
		}
	}
	for _, r := range recs {
		if r.Deleted {
			continue
		}
		tier := r.Tier
		if tier == lifecycle.TierUnknown {
			tier = lifecycle.TierHot
		}
		base := r.Snapshot == "" && (r.VersionID == "" || r.IsCurrent)
		matched := false
		for _, p := range prefixes {
			matched = matched || strings.HasPrefix(r.Name, p)
		}
		if base && matched && r.Type == lifecycle.BlockBlob {
			age := floorDiv(run-r.Modified, lifecycle.Day)
			switch {
			case age > 600 && !deps[r.Name]:
				deleted.Count++
				deleted.Bytes += r.Bytes
				continue
			case age > 180:
				tier = lifecycle.TierArchive
			case age > 30 && tier == lifecycle.TierHot:
				tier = lifecycle.TierCool
			}
		}
		switch tier {
		case lifecycle.TierHot:
			tiers.Hot += r.Bytes
		case lifecycle.TierCool:
			tiers.Cool += r.Bytes
		case lifecycle.TierCold:
			tiers.Cold += r.Bytes
		case lifecycle.TierArchive:
			tiers.Archive += r.Bytes
		}
	}
	return tiers, deleted
}

// TestBatchEdges: an inventory read in many batches gives exactly the
// answer of the same inventory read in one batch, whatever the batch size
// and the number of workers, for CSV and Parquet, and that answer agrees
// with the policy worked out by hand. Records that straddle batch edges
// are kept past their batch, after the reader has reused its buffers.
func TestBatchEdges(t *testing.T) {
	const rows, days = 20000, 400
	dir := t.TempDir()
	// Small row groups: several Parquet jobs, as a large file has.
	paths := map[string]string{"csv": writeInventory(t, dir, "csv", rows),
		"parquet": writeInventoryWith(t, dir, "parquet", rows, inventory.WriterOptions{RowGroupRows: 3000})}
	src, _ := inventory.Open(paths["csv"])
	recs, err := inventory.ReadAll(context.Background(), src)
	if err != nil {
		t.Fatal(err)
	}
	p := policy(t, prefixPolicy)
	pr := prices(t)
	run := func(path string, workers, batch int) []byte {
		t.Helper()
		src, err := inventory.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		res, err := Run(context.Background(), src, p, Options{Days: days, Start: start, Prices: pr, Workers: workers, BatchRows: batch})
		if err != nil {
			t.Fatal(err)
		}
		out, _ := json.Marshal(res)
		return out
	}
	// One worker and a batch larger than the file: no batch edges at all.
	single := run(paths["csv"], 1, inventory.MaxBatchRows)
	var res Result
	json.Unmarshal(single, &res)
	tiers, deleted := lastDayByHand(recs, days)
	if got := res.ByDay[days-1].BytesByTier; got != tiers || res.Deleted != deleted {
		t.Fatalf("single batch: last day %+v deleted %+v; by hand %+v deleted %+v", got, res.Deleted, tiers, deleted)
	}
	if deleted.Count == 0 || tiers.Cool == 0 || tiers.Archive == 0 {
		t.Fatalf("the policy barely acted (%+v, %+v): the case tests nothing", tiers, deleted)
	}
	for _, format := range []string{"csv", "parquet"} {
		for _, workers := range []int{1, 2, 3, 8} {
			for _, batch := range []int{0, 1, 7, 100, 4096, inventory.MaxBatchRows} {
				if got := run(paths[format], workers, batch); string(got) != string(single) {
					var r Result
					json.Unmarshal(got, &r)
					t.Errorf("%s, %d workers, batches of %d rows: last day %+v deleted %+v transitions %v; single batch %+v %+v %v",
						format, workers, batch, r.ByDay[days-1].BytesByTier, r.Deleted, r.Transitions,
						res.ByDay[days-1].BytesByTier, res.Deleted, res.Transitions)
				}
			}
		}
	}
}
