package inventory

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/aizone/aizone/lifecycle"
)

// MaxGenerateRows bounds GenerateOptions.Rows: a billion rows is about
// 140 GB of CSV, a hundred times the 10-million-row benchmark; a larger
// count is a typo that would fill the disk.
const MaxGenerateRows = 1_000_000_000

// GenerateOptions shape a synthetic inventory.
type GenerateOptions struct {
	Rows int    // rows to write, snapshots and versions included, 0 to MaxGenerateRows
	Seed uint64 // same seed, same file
	// AsOf is the inventory date; every time in the report is before it.
	AsOf time.Time
}

// DefaultAsOf is the inventory date when none is given, fixed so that a
// seed always gives the same file.
var DefaultAsOf = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// dataClass is one kind of AI data, with its share of rows and a
// log-normal size distribution (heavy-tailed: a few huge objects hold most
// bytes, as checkpoint and dataset shards do next to many small logs).
type dataClass struct {
	container string
	share     float64 // of base blobs
	medianB   float64 // median size, bytes
	sigma     float64 // of log size
	versions  float64 // chance a blob has previous versions
	snapshots float64 // chance a blob has snapshots
	name      func(i int) string
}

// Containers in name order, so that rows come out sorted by name as
// inventory reports list them.
var classes = []dataClass{
	{"artifacts", 0.15, 4 << 20, 2.0, 0.02, 0.01, func(i int) string { return fmt.Sprintf("artifacts/eval-%04d/result-%08d.json", i/5000, i) }},
	{"checkpoints", 0.10, 2 << 30, 1.2, 0, 0.05, func(i int) string { return fmt.Sprintf("checkpoints/run-%04d/step-%08d/model.safetensors", i/2000, i) }},
	{"datasets", 0.25, 256 << 20, 1.0, 0.08, 0.02, func(i int) string { return fmt.Sprintf("datasets/corpus-%03d/shard-%08d.jsonl", i/100000, i) }},
	{"logs", 0.45, 64 << 10, 2.0, 0, 0, func(i int) string { return fmt.Sprintf("logs/node-%05d/part-%08d.log", i/1000, i) }},
	{"models", 0.05, 5 << 30, 1.0, 0.10, 0.02, func(i int) string { return fmt.Sprintf("models/release-%03d/shard-%06d.safetensors", i/200, i) }},
}

// Generate writes a realistic AI-data inventory: datasets/, checkpoints/,
// logs/, artifacts/ and models/ containers with heavy-tailed sizes, ages
// over two years (more recent data than old), tiers that follow age, some
// snapshots and previous versions, and Project tags on some blobs.
func Generate(w Writer, opt GenerateOptions) error {
	if opt.Rows < 0 || opt.Rows > MaxGenerateRows {
		return fmt.Errorf("inventory: %d rows; want 0 to %d", opt.Rows, MaxGenerateRows)
	}
	asOf := opt.AsOf
	if asOf.IsZero() {
		asOf = DefaultAsOf
	}
	now := asOf.Unix()
	rng := rand.New(rand.NewPCG(opt.Seed, opt.Seed^0x9e3779b97f4a7c15))
	// Base blobs per class: dependents add about 5% more rows, so plan on
	// the rows and stop exactly at opt.Rows.
	written := 0
	rec := Record{}
	for ci, c := range classes {
		quota := int(math.Round(float64(opt.Rows) * c.share))
		if ci == len(classes)-1 {
			quota = opt.Rows - written
		}
		end := written + quota
		for i := 0; written < end; i++ {
			name := c.name(i)
			age := 730 * math.Pow(rng.Float64(), 1.5) // days; skewed to recent data
			created := now - int64(age*lifecycle.Day) - rng.Int64N(lifecycle.Day)
			size := int64(c.medianB * math.Exp(c.sigma*rng.NormFloat64()))
			size = min(max(size, 0), 190<<40)
			nSnap, nVer := 0, 0
			if rng.Float64() < c.snapshots {
				nSnap = 1 + rng.IntN(3)
			}
			if rng.Float64() < c.versions {
				nVer = 1 + rng.IntN(4)
			}
			// Previous versions, oldest first, then snapshots, then the
			// current version: each row of one name stays together.
			t := created
			span := now - created
			for v := 0; v < nVer && written < end-1; v++ {
				vt := t + rng.Int64N(max(span/int64(nVer+1), 1))
				rec = Record{Name: name, Type: lifecycle.BlockBlob, Bytes: size, Created: created, Modified: vt,
					VersionID: FormatTime(vt), IsCurrent: false, Tier: lifecycle.TierHot}
				maybeCool(rng, &rec, now)
				if err := w.Write(&rec); err != nil {
					return err
				}
				written++
				t = vt
			}
			modified := created
			if rng.Float64() < 0.2 {
				modified = t + rng.Int64N(max(now-t, 1))
			} else if nVer > 0 {
				modified = t + 1
			}
			for s := 0; s < nSnap && written < end-1; s++ {
				st := modified + rng.Int64N(max(now-modified, 1))
				rec = Record{Name: name, Type: lifecycle.BlockBlob, Bytes: size, Created: created, Modified: modified,
					Snapshot: FormatTime(st), IsCurrent: true, Tier: lifecycle.TierHot}
				maybeCool(rng, &rec, now)
				if err := w.Write(&rec); err != nil {
					return err
				}
				written++
			}
			rec = Record{Name: name, Type: lifecycle.BlockBlob, Bytes: size, Created: created, Modified: modified, IsCurrent: true, Tier: lifecycle.TierHot}
			if nVer > 0 {
				rec.VersionID = FormatTime(modified)
			}
			if c.container == "logs" && rng.Float64() < 0.3 {
				rec.Type = lifecycle.AppendBlob
				rec.Tier = lifecycle.TierUnknown // append blobs have no access tier
			}
			if rng.Float64() < 0.6 {
				rec.LastAccess = modified + rng.Int64N(max(now-modified, 1))
			}
			if rec.Type == lifecycle.BlockBlob {
				maybeCool(rng, &rec, now)
			}
			if rng.Float64() < 0.1 {
				rec.Tags = []lifecycle.Tag{{Key: "Project", Value: []string{"Contoso", "Fabrikam", "Northwind"}[rng.IntN(3)]}}
			}
			if err := w.Write(&rec); err != nil {
				return err
			}
			written++
		}
	}
	return nil
}

// maybeCool gives older data the tiers a team would have set by hand:
// some Cool after a month, some Cold after three, some Archive after six.
func maybeCool(rng *rand.Rand, r *Record, now int64) {
	ageDays := (now - r.Modified) / lifecycle.Day
	x := rng.Float64()
	switch {
	case ageDays > 180 && x < 0.08:
		r.Tier = lifecycle.TierArchive
	case ageDays > 90 && x < 0.15:
		r.Tier = lifecycle.TierCold
	case ageDays > 30 && x < 0.30:
		r.Tier = lifecycle.TierCool
	default:
		return
	}
	r.TierChanged = r.Modified + rng.Int64N(max(now-r.Modified, 1))
}
