package simulation

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aizone/aizone/inventory"
	"github.com/aizone/aizone/lifecycle"
)

// randomPolicy draws one to four rules over the prefixes and tags the
// random inventories use, every action on every target, each clock, and
// thresholds that fall before, inside and after the period.
func randomPolicy(rng *rand.Rand) *lifecycle.Policy {
	days := func() *int { n := max(rng.IntN(120)-10, 0); return &n }
	cond := func(base bool) *lifecycle.Condition {
		if rng.IntN(3) == 0 {
			return nil
		}
		c := &lifecycle.Condition{}
		switch k := rng.IntN(3); {
		case k == 0 && base:
			c.DaysAfterModificationGreaterThan = days()
		case k == 1 && base:
			c.DaysAfterLastAccessTimeGreaterThan = days()
		default:
			c.DaysAfterCreationGreaterThan = days()
		}
		if rng.IntN(4) == 0 {
			c.DaysAfterLastTierChangeGreaterThan = days()
		}
		return c
	}
	p := &lifecycle.Policy{}
	for i := range 1 + rng.IntN(4) {
		r := lifecycle.Rule{Name: fmt.Sprintf("r%d", i), Type: "Lifecycle"}
		if rng.IntN(10) == 0 {
			off := false
			r.Enabled = &off
		}
		f := &lifecycle.Filters{BlobTypes: []string{"blockBlob"}}
		if rng.IntN(3) == 0 {
			f.BlobTypes = append(f.BlobTypes, "appendBlob")
		}
		if rng.IntN(2) == 0 {
			f.PrefixMatch = []string{[]string{"data/", "data/a", "logs/", "$logs/"}[rng.IntN(4)]}
		}
		if rng.IntN(4) == 0 {
			f.BlobIndexMatch = []lifecycle.TagFilter{{Name: "Project", Op: "==", Value: []string{"x", "y"}[rng.IntN(2)]}}
		}
		auto := rng.IntN(3) == 0
		r.Definition = lifecycle.Definition{Filters: f, Actions: lifecycle.Actions{
			BaseBlob: &lifecycle.BaseBlobActions{Delete: cond(true), TierToArchive: cond(true), TierToCold: cond(true),
				TierToCool: cond(true), EnableAutoTierToHotFromCool: &auto},
			Snapshot: &lifecycle.VersionActions{Delete: cond(false), TierToArchive: cond(false), TierToCool: cond(false)},
			Version:  &lifecycle.VersionActions{Delete: cond(false), TierToCold: cond(false), TierToCool: cond(false)},
		}}
		if rng.IntN(6) == 0 {
			r.Definition.Actions.BaseBlob.TierToHot = cond(true)
		}
		p.Rules = append(p.Rules, r)
	}
	return p
}

// allColumns is a CSV header with every column the readers know.
var allColumns = []string{inventory.ColName, inventory.ColCreationTime, inventory.ColLastModified, inventory.ColLastAccessTime,
	inventory.ColContentLength, inventory.ColBlobType, inventory.ColAccessTier, inventory.ColAccessTierChangeTime, inventory.ColSnapshot,
	inventory.ColVersionID, inventory.ColIsCurrentVersion, inventory.ColDeleted, inventory.ColTags, inventory.ColEncryptionScope,
	inventory.ColImmutableUntil, inventory.ColLegalHold}

// randomInventory writes the same random rows as a CSV report with every
// column and as a Parquet report (whose writer has no encryption scope or
// immutability columns, so those rows carry none there). Times fall on,
// a second around, and between run boundaries, before and during the
// period; blobs have versions and snapshots in any order, some without a
// current version; sizes reach the largest blob.
func randomInventory(t *testing.T, rng *rand.Rand, dir string, blobs int) (csvPath, pqPath string) {
	t.Helper()
	s0 := start.Unix()
	when := func() int64 {
		switch rng.IntN(4) {
		case 0:
			return s0 - int64(rng.IntN(300))*lifecycle.Day
		case 1:
			return s0 - int64(rng.IntN(300))*lifecycle.Day + int64(rng.IntN(3)-1)
		default:
			return s0 - int64(rng.IntN(300*lifecycle.Day)) + 30*lifecycle.Day
		}
	}
	ts := func(v int64) string { return inventory.FormatTime(v) }
	var b strings.Builder
	b.WriteString(strings.Join(allColumns, ",") + "\n")
	f, err := os.Create(filepath.Join(dir, "inv.parquet"))
	if err != nil {
		t.Fatal(err)
	}
	w, _ := inventory.NewWriterWith(f, "parquet", inventory.WriterOptions{RowGroupRows: 97})
	for i := range blobs {
		name := fmt.Sprintf("%s%05d", []string{"$logs/", "data/a", "data/b", "logs/", "other/"}[rng.IntN(5)], i)
		created := when()
		kinds := []int{0}
		for range rng.IntN(3) {
			kinds = append(kinds, 1) // version
		}
		for range rng.IntN(2) {
			kinds = append(kinds, 2) // snapshot
		}
		if rng.IntN(8) == 0 {
			kinds = kinds[1:] // no current version row
		}
		rng.Shuffle(len(kinds), func(i, j int) { kinds[i], kinds[j] = kinds[j], kinds[i] })
		for _, k := range kinds {
			r := inventory.Record{Name: name, Created: created, Modified: max(created, when()), IsCurrent: true,
				Bytes: []int64{0, 1, int64(rng.IntN(1 << 30)), inventory.MaxBlobBytes}[rng.IntN(4)],
				Type:  []lifecycle.BlobType{lifecycle.BlockBlob, lifecycle.BlockBlob, lifecycle.AppendBlob, lifecycle.PageBlob}[rng.IntN(4)],
				Tier:  []lifecycle.Tier{lifecycle.TierUnknown, lifecycle.TierHot, lifecycle.TierCool, lifecycle.TierCold, lifecycle.TierArchive, lifecycle.TierPremium}[rng.IntN(6)]}
			switch k {
			case 1:
				r.VersionID, r.IsCurrent = ts(when()), false
				if rng.IntN(5) == 0 {
					r.VersionID = "opaque"
				}
			case 2:
				r.Snapshot = ts(when())
			default:
				if len(kinds) > 1 {
					r.VersionID = ts(r.Modified)
				}
			}
			if rng.IntN(2) == 0 {
				r.LastAccess = when()
			}
			if rng.IntN(2) == 0 {
				r.TierChanged = when()
			}
			r.Deleted = rng.IntN(10) == 0
			if rng.IntN(3) == 0 {
				r.Tags = []lifecycle.Tag{{Key: "Project", Value: []string{"x", "y"}[rng.IntN(2)]}}
			}
			if err := w.Write(&r); err != nil {
				t.Fatal(err)
			}
			// The CSV alone carries encryption scopes and immutability.
			scope, until, hold := "", "", ""
			if rng.IntN(6) == 0 {
				scope = "scope1"
			}
			switch rng.IntN(8) {
			case 0:
				until = ts(s0 + int64(rng.IntN(60)-10)*lifecycle.Day)
			case 1:
				hold = "true"
			}
			tier := r.Tier.String()
			if r.Tier == lifecycle.TierUnknown && rng.IntN(2) == 0 {
				tier = "P10"
			}
			fmt.Fprintf(&b, "%s,%s,%s,%s,%d,%s,%s,%s,%s,%s,%s,%t,%s,%s,%s,%s\n", name, ts(r.Created), ts(r.Modified), ts(r.LastAccess),
				r.Bytes, r.Type, tier, ts(r.TierChanged), r.Snapshot, r.VersionID, map[bool]string{true: "true", false: "false"}[r.IsCurrent],
				r.Deleted, csvQuote(inventory.FormatTags(r.Tags)), scope, until, hold)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	csvPath = filepath.Join(dir, "inv.csv")
	if err := os.WriteFile(csvPath, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return csvPath, filepath.Join(dir, "inv.parquet")
}

func csvQuote(s string) string {
	if !strings.ContainsAny(s, ",\"") {
		return s
	}
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}

// TestDifferential: the column readers with the closed-form schedule give
// byte for byte the result of the record readers with the evaluator
// stepped from change to change (runReference), for random policies,
// accounts, periods and inventories, in CSV and Parquet, for any number of
// workers and any batch size.
func TestDifferential(t *testing.T) {
	rng := rand.New(rand.NewPCG(16, 4))
	pr := prices(t)
	acted := 0
	for i := range 24 {
		dir := t.TempDir()
		csvPath, pqPath := randomInventory(t, rng, dir, 150+rng.IntN(400))
		for range 4 {
			p := randomPolicy(rng)
			acct := lifecycle.Account{Premium: rng.IntN(8) == 0, Redundancy: []string{"LRS", "ZRS", "RA-GZRS"}[rng.IntN(3)], AccessTracking: rng.IntN(3) > 0}
			if rng.IntN(2) == 0 {
				acct.AccessTrackingSince = start.Unix() - int64(rng.IntN(60))*lifecycle.Day
			}
			opt := Options{Days: 1 + rng.IntN(200), Start: start, Account: acct, Prices: pr}
			for _, path := range []string{csvPath, pqPath} {
				src, err := inventory.Open(path)
				if err != nil {
					t.Fatal(err)
				}
				ref, err := runReference(context.Background(), src, p, opt)
				if err != nil {
					t.Fatal(err)
				}
				want, _ := json.Marshal(ref)
				if len(ref.Transitions) > 0 || ref.Deleted.Count > 0 {
					acted++
				}
				for _, so := range []struct{ workers, batch int }{{1, 0}, {2, 0}, {3, 1}, {2, 7}, {5, 64}} {
					opt.Workers, opt.BatchRows = so.workers, so.batch
					res, err := Run(context.Background(), src, p, opt)
					if err != nil {
						t.Fatal(err)
					}
					if got, _ := json.Marshal(res); string(got) != string(want) {
						pj, _ := json.Marshal(p)
						t.Fatalf("case %d, %s, %d workers, batches of %d, account %+v, %d days, policy %s:\nrun       %s\nreference %s",
							i, filepath.Base(path), so.workers, so.batch, acct, opt.Days, pj, got, want)
					}
				}
			}
		}
	}
	if acted < 100 {
		t.Errorf("only %d of 192 cases tiered or deleted anything: the random cases test little", acted)
	}
}
