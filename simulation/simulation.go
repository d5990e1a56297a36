// Package simulation plays a lifecycle policy forward over a blob inventory
// and prices the result: bytes in each tier on each day, tier transitions,
// deletions, early-deletion fees, Set Blob Tier operations and storage, and
// the same inventory with no policy as the baseline.
//
// Each blob's schedule (the runs at which its tier changes or it is
// deleted) is computed once from the evaluator's change times rather than
// by stepping through the days, then added into per-day difference arrays;
// memory depends on the number of days, never on the number of blobs.
//
// Cost model, stated once:
//   - storage: bytes × the tier's USD per GB-month × 12/365 per day, with
//     GB = 2^30 bytes as Azure bills capacity; a blob is billed on day d in
//     the tier it has after day d's run, and not at all from the day it is
//     deleted;
//   - a tier change is one Set Blob Tier operation, billed as a write at the
//     destination tier's price per 10,000; deletes are free (L-OV);
//   - leaving Cool, Cold or Archive (by tier change or deletion) before its
//     minimum of 30, 90 or 180 days costs the remaining whole days at that
//     tier's storage price (early deletion);
//   - the baseline keeps every blob in its current tier for the whole
//     period, with no operations.
package simulation

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"runtime"
	"sort"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/aizone/aizone/catalog"
	"github.com/aizone/aizone/inventory"
	"github.com/aizone/aizone/lifecycle"
)

// GiB is the capacity unit of the per-GB prices.
const GiB = 1 << 30

// TierPrice is what one access tier costs.
type TierPrice struct {
	USDPerGBMonth float64
	WritePer10K   float64 // Set Blob Tier into this tier
	MinimumDays   int     // early-deletion period
}

// Prices are the tiers' prices and where they came from.
type Prices struct {
	Tiers  [lifecycle.NumTiers]TierPrice
	Source string
}

// PricesFromCatalog reads the Blob tier prices (and the premium price, when
// the catalog has it) from the catalog's blob_tiers.
func PricesFromCatalog(c *catalog.Catalog) (Prices, error) {
	return PricesFromTiers(c.Storage.BlobTiers)
}

// PricesFromTiers turns catalog blob tiers into prices; hot, cool, cold and
// archive are required.
func PricesFromTiers(tiers []catalog.BlobTier) (Prices, error) {
	var p Prices
	var sources []string
	seen := map[lifecycle.Tier]bool{}
	for _, bt := range tiers {
		t, ok := lifecycle.ParseTier(bt.Name)
		if !ok || t == lifecycle.TierUnknown {
			return p, fmt.Errorf("prices: unknown tier %q", bt.Name)
		}
		if err := checkPrice(bt); err != nil {
			return p, err
		}
		p.Tiers[t] = TierPrice{USDPerGBMonth: bt.USDPerGBMonth, WritePer10K: bt.WritePer10K, MinimumDays: bt.MinimumDays}
		seen[t] = true
		if s := bt.PriceSource; s != "" && !contains(sources, s) {
			sources = append(sources, s)
		}
	}
	for _, t := range []lifecycle.Tier{lifecycle.TierHot, lifecycle.TierCool, lifecycle.TierCold, lifecycle.TierArchive} {
		if !seen[t] {
			return p, fmt.Errorf("prices: no price for the %s tier", t)
		}
	}
	sort.Strings(sources)
	p.Source = fmt.Sprint(sources)
	return p, nil
}

// MaxMinimumDays bounds a tier's early-deletion period in a price list:
// Azure's longest is Archive's 180 days, so ten years is already a typo,
// and the bound keeps early-deletion byte-days (bytes × days) far inside
// int64.
const MaxMinimumDays = 3650

func checkPrice(bt catalog.BlobTier) error {
	for _, v := range []struct {
		name string
		x    float64
	}{{"usd_per_gb_month", bt.USDPerGBMonth}, {"write_per_10k", bt.WritePer10K}} {
		if v.x < 0 || math.IsNaN(v.x) || math.IsInf(v.x, 0) {
			return fmt.Errorf("prices: tier %s: %s is %v; want a price of 0 or more", bt.Name, v.name, v.x)
		}
	}
	if bt.MinimumDays < 0 || bt.MinimumDays > MaxMinimumDays {
		return fmt.Errorf("prices: tier %s: minimum_days is %d; want 0 to %d (Azure's longest early-deletion period is Archive's 180 days)",
			bt.Name, bt.MinimumDays, MaxMinimumDays)
	}
	return nil
}

func contains(s []string, x string) bool {
	for _, v := range s {
		if v == x {
			return true
		}
	}
	return false
}

// MaxDays bounds Options.Days: a hundred years (36,525 days), far past
// any retention a policy states. Memory grows with the days, about 150
// bytes a day for each worker (5 MB a worker at the bound), and the
// result holds one entry a day.
const MaxDays = 36525

// Options for Run.
type Options struct {
	Days    int       // simulated days (daily runs), 1 to MaxDays
	Start   time.Time // day 0; runs happen at 00:00 UTC of each day
	Account lifecycle.Account
	Prices  Prices
	Workers int // 0: one per CPU, at most inventory.MaxWorkers
	// BatchRows caps the rows the source hands a worker at once (0: the
	// format's default; see inventory.ScanOptions). The result does not
	// depend on it.
	BatchRows int
	// Progress, when set, counts the inventory rows processed so far.
	Progress *atomic.Int64
}

// TierBytes is bytes per tier.
type TierBytes struct {
	Hot     int64 `json:"hot"`
	Cool    int64 `json:"cool"`
	Cold    int64 `json:"cold"`
	Archive int64 `json:"archive"`
	Premium int64 `json:"premium,omitempty"`
}

func tierBytes(v *[lifecycle.NumTiers]int64) TierBytes {
	return TierBytes{Hot: v[lifecycle.TierHot] + v[lifecycle.TierUnknown], Cool: v[lifecycle.TierCool], Cold: v[lifecycle.TierCold],
		Archive: v[lifecycle.TierArchive], Premium: v[lifecycle.TierPremium]}
}

// Day is one simulated day.
type Day struct {
	Day         int       `json:"day"`
	Date        string    `json:"date"`
	BytesByTier TierBytes `json:"bytes_by_tier"`
	CostUSD     float64   `json:"cost_usd"`
}

// Deleted counts deletions.
type Deleted struct {
	Count int64 `json:"count"`
	Bytes int64 `json:"bytes"`
}

// Result is a simulation's outcome.
type Result struct {
	Start            string           `json:"start"`
	Blobs            int64            `json:"blobs"`
	Bytes            int64            `json:"bytes"`
	Days             int              `json:"days"`
	ByDay            []Day            `json:"by_day"`
	Transitions      map[string]int64 `json:"transitions"`
	Deleted          Deleted          `json:"deleted"`
	EarlyDeletionUSD float64          `json:"early_deletion_usd"`
	OperationsUSD    float64          `json:"operations_usd"`
	StorageUSD       float64          `json:"storage_usd"`
	TotalUSD         float64          `json:"total_usd"`
	BaselineTotalUSD float64          `json:"baseline_total_usd"`
	SavingsUSD       float64          `json:"savings_usd"`
	// SkippedSoftDeleted counts soft-deleted rows, which rules do not act
	// on and the simulation leaves out.
	SkippedSoftDeleted int64  `json:"skipped_soft_deleted"`
	PriceSource        string `json:"price_source"`
}

// acc accumulates one worker's share in integers, so that merging workers
// in any order gives identical results.
type acc struct {
	diff     [][lifecycle.NumTiers]int64 // bytes entering (+) and leaving (-) each tier, by day
	ops      [][lifecycle.NumTiers]int64 // Set Blob Tier operations by day and destination tier
	early    [][lifecycle.NumTiers]int64 // early-deletion byte-days by day and tier left
	trans    [lifecycle.NumTiers][lifecycle.NumTiers]int64
	baseline [lifecycle.NumTiers]int64 // bytes by starting tier
	deleted  Deleted
	blobs    int64
	bytes    int64
	skipped  int64
	changes  []int64 // scratch for Engine.Changes
	// overflow names the first sum that would have left int64; it is
	// saturated instead, and Run reports the error.
	overflow string
}

// add adds v (never negative) to *dst, saturating and recording the
// overflow rather than wrapping: a wrapped total of bytes prints as a
// plausible negative number.
func (a *acc) add(dst *int64, v int64, what string) {
	if v > math.MaxInt64-*dst {
		*dst = math.MaxInt64
		if a.overflow == "" {
			a.overflow = what
		}
		return
	}
	*dst += v
}

// mul multiplies two non-negative numbers, saturating like add.
func (a *acc) mul(x, y int64, what string) int64 {
	if y != 0 && x > math.MaxInt64/y {
		if a.overflow == "" {
			a.overflow = what
		}
		return math.MaxInt64
	}
	return x * y
}

func newAcc(days int) *acc {
	return &acc{diff: make([][lifecycle.NumTiers]int64, days+1), ops: make([][lifecycle.NumTiers]int64, days),
		early: make([][lifecycle.NumTiers]int64, days)}
}

func (a *acc) merge(b *acc) {
	for d := range a.diff {
		for t := range a.diff[d] {
			a.diff[d][t] += b.diff[d][t]
		}
	}
	for d := range a.ops {
		for t := range a.ops[d] {
			a.ops[d][t] += b.ops[d][t]
			a.add(&a.early[d][t], b.early[d][t], earlyOverflow)
		}
	}
	for i := range a.trans {
		for j := range a.trans[i] {
			a.trans[i][j] += b.trans[i][j]
		}
		a.add(&a.baseline[i], b.baseline[i], bytesOverflow)
	}
	// Per-day tier bytes need no check: each day's bytes in a tier, and
	// every partial sum of the differences, lie within the total, which is
	// checked here.
	a.deleted.Count += b.deleted.Count
	a.add(&a.deleted.Bytes, b.deleted.Bytes, bytesOverflow)
	a.blobs += b.blobs
	a.add(&a.bytes, b.bytes, bytesOverflow)
	a.skipped += b.skipped
	if a.overflow == "" {
		a.overflow = b.overflow
	}
}

const (
	bytesOverflow = "the blobs' sizes add up to more than 2^63-1 bytes (8 EiB), the most an int64 holds; simulate the inventory in parts"
	earlyOverflow = "early-deletion byte-days add up to more than 2^63-1, the most an int64 holds; simulate the inventory in parts"
)

// sim is one simulation's fixed inputs.
type sim struct {
	e     *lifecycle.Engine
	day0  time.Time // midnight UTC of the first day
	start int64     // day0 in Unix seconds
	end   int64     // first run time after the period
	days  int
	min   [lifecycle.NumTiers]int64
}

// worker is one goroutine's share: its sums and its scheduler's scratch.
type worker struct {
	a  *acc
	sc *lifecycle.Scheduler
}

// newSim checks the options and sets up a run: the engine, the period
// from midnight UTC of the start day, the tiers' minimum days, and how many
// workers read the inventory. Run and the tests' reference simulator
// share it, and the result (sim.result): only how they schedule blobs
// differs.
func newSim(p *lifecycle.Policy, opt Options) (*sim, int, error) {
	if opt.Days < 1 || opt.Days > MaxDays {
		return nil, 0, fmt.Errorf("simulation: %d days; want 1 to %d", opt.Days, MaxDays)
	}
	if opt.Workers < 0 || opt.Workers > inventory.MaxWorkers {
		return nil, 0, fmt.Errorf("simulation: %d workers; want 1 to %d (0 for one per CPU)", opt.Workers, inventory.MaxWorkers)
	}
	for t, tp := range opt.Prices.Tiers {
		if tp.MinimumDays < 0 || tp.MinimumDays > MaxMinimumDays {
			return nil, 0, fmt.Errorf("simulation: %s tier: minimum of %d days; want 0 to %d", lifecycle.Tier(t), tp.MinimumDays, MaxMinimumDays)
		}
	}
	workers := opt.Workers
	if workers == 0 {
		workers = min(runtime.GOMAXPROCS(0), inventory.MaxWorkers)
	}
	start := time.Date(opt.Start.Year(), opt.Start.Month(), opt.Start.Day(), 0, 0, 0, 0, time.UTC)
	s := &sim{e: lifecycle.NewEngine(p, opt.Account), day0: start, start: start.Unix(), days: opt.Days}
	s.end = s.start + int64(opt.Days)*lifecycle.Day
	for t := range s.min {
		s.min[t] = int64(opt.Prices.Tiers[t].MinimumDays)
	}
	return s, workers, nil
}

// Run simulates the policy over the inventory.
func Run(ctx context.Context, src inventory.Source, p *lifecycle.Policy, opt Options) (*Result, error) {
	s, workers, err := newSim(p, opt)
	if err != nil {
		return nil, err
	}
	ws := make([]worker, workers)
	for i := range ws {
		ws[i] = worker{a: newAcc(opt.Days), sc: s.e.NewScheduler()}
	}
	st := &stitcher{s: s, w: worker{a: newAcc(opt.Days), sc: s.e.NewScheduler()}, pending: map[int]edge{}}
	proj := inventory.ProjectionFor(s.e.Inputs())
	err = inventory.ScanColumns(ctx, src, inventory.ScanOptions{Workers: workers, BatchRows: opt.BatchRows}, proj, func(w int, c *inventory.ColumnBatch) error {
		s.batch(c, &ws[w], st)
		if opt.Progress != nil {
			opt.Progress.Add(int64(c.Len()))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	st.finish()
	total := st.w.a
	for _, w := range ws {
		total.merge(w.a)
	}
	return s.result(total, opt.Prices)
}

// batch simulates the blobs wholly inside a batch and hands the first and
// last (which may continue in the neighbouring batches) to the stitcher.
func (s *sim) batch(c *inventory.ColumnBatch, w *worker, st *stitcher) {
	n := c.Len()
	if n == 0 {
		st.add(edge{seq: c.Seq, empty: true})
		return
	}
	firstEnd := groupEnd(c, 0)
	if firstEnd == n {
		st.add(edge{seq: c.Seq, single: true, first: keep(c, 0, n)})
		return
	}
	lastStart := n - 1
	for lastStart > 0 && bytes.Equal(c.Name(lastStart-1), c.Name(n-1)) {
		lastStart--
	}
	for i := firstEnd; i < lastStart; {
		j := groupEnd(c, i)
		s.group(c, i, j, w)
		i = j
	}
	st.add(edge{seq: c.Seq, first: keep(c, 0, firstEnd), last: keep(c, lastStart, n)})
}

// groupEnd is the end of the run of rows from i that share its name.
func groupEnd(c *inventory.ColumnBatch, i int) int {
	name := c.Name(i)
	j := i + 1
	for j < c.Len() && bytes.Equal(c.Name(j), name) {
		j++
	}
	return j
}

// keep copies rows lo to hi of a batch edge, which the stitcher keeps
// after the batch: the batch's storage is reused for the next one.
func keep(c *inventory.ColumnBatch, lo, hi int) *inventory.ColumnBatch {
	k := &inventory.ColumnBatch{Seq: c.Seq}
	for i := lo; i < hi; i++ {
		k.AppendRow(c, i)
	}
	return k
}

// group simulates rows lo to hi, the rows of one blob name: snapshots and
// previous versions first, because the current version cannot be deleted
// until they are (L-ST).
func (s *sim) group(c *inventory.ColumnBatch, lo, hi int, w *worker) {
	if hi == lo+1 { // most blobs: one row, nothing to wait for
		if c.Deleted[lo] {
			w.a.skipped++
			return
		}
		s.schedule(c, lo, 0, w)
		return
	}
	var depsUntil int64
	for i := lo; i < hi; i++ {
		if c.Deleted[i] || c.Target[i] == lifecycle.TargetBase {
			continue
		}
		gone := s.schedule(c, i, 0, w)
		if gone == lifecycle.Forever {
			depsUntil = lifecycle.Forever
		} else if depsUntil != lifecycle.Forever {
			// The current version goes at the next run after the last of them.
			depsUntil = max(depsUntil, gone+lifecycle.Day)
		}
	}
	for i := lo; i < hi; i++ {
		if c.Deleted[i] {
			w.a.skipped++
			continue
		}
		if c.Target[i] == lifecycle.TargetBase {
			s.schedule(c, i, depsUntil, w)
		}
	}
}

// billTier is the tier a blob is billed in: append and page blobs without
// a tier are billed as Hot, the account default.
func billTier(t lifecycle.Tier) lifecycle.Tier {
	if t == lifecycle.TierUnknown {
		return lifecycle.TierHot
	}
	return t
}

// schedule adds row i's bytes, operations and fees to the worker's sums,
// from the runs the scheduler finds for it. It returns the run time of
// its deletion, or lifecycle.Forever.
func (s *sim) schedule(c *inventory.ColumnBatch, i int, depsUntil int64, w *worker) int64 {
	b := lifecycle.Blob{Name: bstr(c.Name(i)), Type: c.Type[i], Target: c.Target[i], Tier: c.Tier[i], Created: c.Created[i],
		Modified: c.Modified[i], LastAccess: c.LastAccess[i], TierChanged: c.TierChanged[i], EncryptionScope: c.EncryptionScope[i],
		ImmutableUntil: c.ImmutableUntil[i], DependentsUntil: depsUntil}
	if c.Tags != nil {
		b.Tags = c.Tags[i]
	}
	size := c.Bytes[i]
	a := w.a
	a.blobs++
	a.add(&a.bytes, size, bytesOverflow)
	tier := billTier(b.Tier)
	a.baseline[tier] += size // at most a.bytes
	entered := b.TierChanged
	if entered == 0 {
		entered = b.Created
	}
	seg := 0 // first day of the current tier segment
	for _, step := range w.sc.Schedule(&b, s.start, s.end) {
		day := int((step.Run - s.start) / lifecycle.Day)
		a.diff[seg][tier] += size
		a.diff[day][tier] -= size
		if m := s.min[tier]; m > 0 {
			if in := floorDiv(step.Run-entered, lifecycle.Day); in < m {
				a.add(&a.early[day][tier], a.mul(size, m-max(in, 0), earlyOverflow), earlyOverflow)
			}
		}
		if step.Action == lifecycle.Delete {
			a.deleted.Count++
			a.deleted.Bytes += size
			return step.Run
		}
		dest := step.Action.Dest()
		a.trans[tier][dest]++
		a.ops[day][dest]++
		tier, entered, seg = dest, step.Run, day
	}
	a.diff[seg][tier] += size
	a.diff[s.days][tier] -= size
	return lifecycle.Forever
}

// bstr views a name as a string without copying it: the lifecycle engine
// only compares it while the batch is alive.
func bstr(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

// result prices the summed accounts, or says which sum overflowed.
func (s *sim) result(a *acc, prices Prices) (*Result, error) {
	if a.overflow != "" {
		return nil, fmt.Errorf("simulation: %s", a.overflow)
	}
	start := s.day0
	var daily [lifecycle.NumTiers]float64
	for t := range daily {
		daily[t] = prices.Tiers[t].USDPerGBMonth * 12 / 365 / GiB
	}
	daily[lifecycle.TierUnknown] = daily[lifecycle.TierHot]
	r := &Result{Start: start.Format(time.DateOnly), Blobs: a.blobs, Bytes: a.bytes, Days: s.days, ByDay: make([]Day, s.days),
		Transitions: map[string]int64{}, Deleted: a.deleted, SkippedSoftDeleted: a.skipped, PriceSource: prices.Source}
	var cur [lifecycle.NumTiers]int64
	for d := 0; d < s.days; d++ {
		var storage, ops, early float64
		for t := range cur {
			cur[t] += a.diff[d][t]
			storage += float64(cur[t]) * daily[t]
			ops += float64(a.ops[d][t]) * prices.Tiers[t].WritePer10K / 10000
			early += float64(a.early[d][t]) * daily[t]
		}
		r.StorageUSD += storage
		r.OperationsUSD += ops
		r.EarlyDeletionUSD += early
		r.ByDay[d] = Day{Day: d, Date: start.AddDate(0, 0, d).Format(time.DateOnly), BytesByTier: tierBytes(&cur), CostUSD: round(storage + ops + early)}
	}
	for t := range a.baseline {
		r.BaselineTotalUSD += float64(a.baseline[t]) * daily[t] * float64(s.days)
	}
	for i := range a.trans {
		for j := range a.trans[i] {
			if n := a.trans[i][j]; n > 0 {
				r.Transitions[tierKey(lifecycle.Tier(i))+"->"+tierKey(lifecycle.Tier(j))] = n
			}
		}
	}
	r.TotalUSD = round(r.StorageUSD + r.OperationsUSD + r.EarlyDeletionUSD)
	r.StorageUSD, r.OperationsUSD, r.EarlyDeletionUSD = round(r.StorageUSD), round(r.OperationsUSD), round(r.EarlyDeletionUSD)
	r.BaselineTotalUSD = round(r.BaselineTotalUSD)
	r.SavingsUSD = round(r.BaselineTotalUSD - r.TotalUSD)
	return r, nil
}

func tierKey(t lifecycle.Tier) string {
	switch t {
	case lifecycle.TierHot, lifecycle.TierUnknown:
		return "hot"
	case lifecycle.TierCool:
		return "cool"
	case lifecycle.TierCold:
		return "cold"
	case lifecycle.TierArchive:
		return "archive"
	}
	return "premium"
}

// round keeps cents and four more digits: enough for small test
// inventories, and stable across platforms.
func round(v float64) float64 { return math.Round(v*1e6) / 1e6 }

// edge is the first and last blob of a batch, which may continue in the
// neighbouring batches.
type edge struct {
	seq         int
	empty       bool
	single      bool // the whole batch is one blob (first only)
	first, last *inventory.ColumnBatch
}

// stitcher joins batch edges in Seq order so that every blob's rows are
// simulated together, whichever worker read them.
type stitcher struct {
	mu      sync.Mutex
	s       *sim
	w       worker
	next    int
	pending map[int]edge
	open    *inventory.ColumnBatch
}

func (st *stitcher) add(e edge) {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.pending[e.seq] = e
	for {
		e, ok := st.pending[st.next]
		if !ok {
			return
		}
		delete(st.pending, st.next)
		st.next++
		st.take(e)
	}
}

// continues reports whether rows open a blob the stitcher holds.
func (st *stitcher) continues(c *inventory.ColumnBatch) bool {
	return st.open != nil && bytes.Equal(st.open.Name(0), c.Name(0))
}

func (st *stitcher) extend(c *inventory.ColumnBatch) {
	for i := 0; i < c.Len(); i++ {
		st.open.AppendRow(c, i)
	}
}

func (st *stitcher) take(e edge) {
	switch {
	case e.empty:
	case e.single:
		if st.continues(e.first) {
			st.extend(e.first)
		} else {
			st.flush()
			st.open = e.first
		}
	default:
		if st.continues(e.first) {
			st.extend(e.first)
			st.flush()
		} else {
			st.flush()
			st.s.group(e.first, 0, e.first.Len(), &st.w)
		}
		st.open = e.last
	}
}

func (st *stitcher) flush() {
	if st.open != nil {
		st.s.group(st.open, 0, st.open.Len(), &st.w)
	}
	st.open = nil
}

// finish simulates what is still open once the scan has ended; every
// batch has arrived by then, so pending is empty unless a source skipped a
// sequence number, which would be a bug.
func (st *stitcher) finish() {
	st.mu.Lock()
	defer st.mu.Unlock()
	if len(st.pending) > 0 {
		panic(fmt.Sprintf("simulation: %d batches never joined (missing sequence %d)", len(st.pending), st.next))
	}
	st.flush()
}
