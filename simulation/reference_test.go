package simulation

import (
	"context"
	"fmt"
	"sync"

	"github.com/aizone/aizone/inventory"
	"github.com/aizone/aizone/lifecycle"
)

// runReference is the simulator before the column readers and the
// closed-form schedule: records, and each blob's runs found by evaluating
// the policy at the times Engine.Changes lists. Run must agree with it
// byte for byte.
func runReference(ctx context.Context, src inventory.Source, p *lifecycle.Policy, opt Options) (*Result, error) {
	s, workers, err := newSim(p, opt)
	if err != nil {
		return nil, err
	}
	accs := make([]*acc, workers)
	for i := range accs {
		accs[i] = newAcc(opt.Days)
	}
	st := &refStitcher{s: s, a: newAcc(opt.Days), pending: map[int]refEdge{}}
	err = src.Scan(ctx, inventory.ScanOptions{Workers: workers, BatchRows: opt.BatchRows}, func(w int, b *inventory.Batch) error {
		s.refBatch(b, accs[w], st)
		if opt.Progress != nil {
			opt.Progress.Add(int64(len(b.Records)))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	st.finish()
	total := st.a
	for _, a := range accs {
		total.merge(a)
	}
	return s.result(total, opt.Prices)
}

// refBatch simulates the blobs wholly inside a batch and hands the first and
// last (which may continue in the neighbouring batches) to the stitcher.
func (s *sim) refBatch(b *inventory.Batch, a *acc, st *refStitcher) {
	recs := b.Records
	if len(recs) == 0 {
		st.add(refEdge{seq: b.Seq, empty: true})
		return
	}
	firstEnd := refGroupEnd(recs, 0)
	if firstEnd == len(recs) {
		st.add(refEdge{seq: b.Seq, single: true, first: refClone(recs)})
		return
	}
	lastStart := len(recs) - 1
	for lastStart > 0 && recs[lastStart-1].Name == recs[len(recs)-1].Name {
		lastStart--
	}
	for i := firstEnd; i < lastStart; {
		j := refGroupEnd(recs, i)
		s.refGroup(recs[i:j], a)
		i = j
	}
	st.add(refEdge{seq: b.Seq, first: refClone(recs[:firstEnd]), last: refClone(recs[lastStart:])})
}

func refGroupEnd(recs []inventory.Record, i int) int {
	j := i + 1
	for j < len(recs) && recs[j].Name == recs[i].Name {
		j++
	}
	return j
}

// refClone copies the records of a batch edge, which the stitcher keeps
// after the batch: their strings alias the reader's buffers (CSV chunks,
// Parquet pages), which are reused for later batches, so a shallow copy
// would see another blob's name by the time its neighbour arrives.
func refClone(recs []inventory.Record) []inventory.Record {
	out := make([]inventory.Record, len(recs))
	for i := range recs {
		out[i] = recs[i].Clone()
	}
	return out
}

// refGroup simulates the rows of one blob name: snapshots and previous
// versions first, because the current version cannot be deleted until they
// are (L-ST).
func (s *sim) refGroup(recs []inventory.Record, a *acc) {
	var depsUntil int64
	for i := range recs {
		r := &recs[i]
		if r.Deleted || r.Target() == lifecycle.TargetBase {
			continue
		}
		b := r.Blob()
		gone := s.refSchedule(&b, r.Bytes, a)
		if gone == lifecycle.Forever {
			depsUntil = lifecycle.Forever
		} else if depsUntil != lifecycle.Forever {
			// The current version goes at the next run after the last of them.
			depsUntil = max(depsUntil, gone+lifecycle.Day)
		}
	}
	for i := range recs {
		r := &recs[i]
		if r.Deleted {
			a.skipped++
			continue
		}
		if r.Target() != lifecycle.TargetBase {
			continue
		}
		b := r.Blob()
		b.DependentsUntil = depsUntil
		s.refSchedule(&b, r.Bytes, a)
	}
}

// refSchedule walks one object's runs from the evaluator's change times and
// adds its bytes, operations and fees to a. It returns the run time of its
// deletion, or lifecycle.Forever.
func (s *sim) refSchedule(b *lifecycle.Blob, bytes int64, a *acc) int64 {
	a.blobs++
	a.add(&a.bytes, bytes, bytesOverflow)
	tier := billTier(b.Tier)
	a.baseline[tier] += bytes // at most a.bytes
	entered := b.TierChanged
	if entered == 0 {
		entered = b.Created
	}
	seg := 0 // first day of the current tier segment
	from := s.start
	for from < s.end {
		a.changes = s.e.Changes(b, from, a.changes)
		acted := false
		for _, t := range a.changes {
			run := from
			if t > from {
				run = s.start + (t-s.start+lifecycle.Day-1)/lifecycle.Day*lifecycle.Day
			}
			if run >= s.end {
				break
			}
			d := s.e.Evaluate(b, run)
			if d.Action == lifecycle.None {
				continue
			}
			day := int((run - s.start) / lifecycle.Day)
			a.diff[seg][tier] += bytes
			a.diff[day][tier] -= bytes
			if m := s.min[tier]; m > 0 {
				if in := floorDiv(run-entered, lifecycle.Day); in < m {
					a.add(&a.early[day][tier], a.mul(bytes, m-max(in, 0), earlyOverflow), earlyOverflow)
				}
			}
			if d.Action == lifecycle.Delete {
				a.deleted.Count++
				a.deleted.Bytes += bytes
				return run
			}
			dest := d.Action.Dest()
			a.trans[tier][dest]++
			a.ops[day][dest]++
			tier, b.Tier, b.TierChanged, entered = dest, dest, run, run
			if d.AutoTierToHot {
				b.AutoTierEligible = true
			}
			seg = day
			from = run + lifecycle.Day
			acted = true
			break
		}
		if !acted {
			break
		}
	}
	a.diff[seg][tier] += bytes
	a.diff[s.days][tier] -= bytes
	return lifecycle.Forever
}

// refEdge is the first and last blob of a batch, which may continue in the
// neighbouring batches.
type refEdge struct {
	seq         int
	empty       bool
	single      bool // the whole batch is one blob (first only)
	first, last []inventory.Record
}

// refStitcher joins batch edges in Seq order so that every blob's rows are
// simulated together, whichever worker read them.
type refStitcher struct {
	mu      sync.Mutex
	s       *sim
	a       *acc
	next    int
	pending map[int]refEdge
	open    []inventory.Record
}

func (st *refStitcher) add(e refEdge) {
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

func (st *refStitcher) take(e refEdge) {
	switch {
	case e.empty:
	case e.single:
		if len(st.open) > 0 && st.open[0].Name == e.first[0].Name {
			st.open = append(st.open, e.first...)
		} else {
			st.flush()
			st.open = e.first
		}
	default:
		if len(st.open) > 0 && st.open[0].Name == e.first[0].Name {
			st.open = append(st.open, e.first...)
			st.flush()
		} else {
			st.flush()
			st.s.refGroup(e.first, st.a)
		}
		st.open = e.last
	}
}

func (st *refStitcher) flush() {
	if len(st.open) > 0 {
		st.s.refGroup(st.open, st.a)
	}
	st.open = nil
}

// finish simulates what is still open once the scan has ended; every
// batch has arrived by then, so pending is empty unless a source skipped a
// sequence number, which would be a bug.
func (st *refStitcher) finish() {
	st.mu.Lock()
	defer st.mu.Unlock()
	if len(st.pending) > 0 {
		panic(fmt.Sprintf("simulation: %d batches never joined (missing sequence %d)", len(st.pending), st.next))
	}
	st.flush()
}
