package lifecycle

// Change is one daily run that changes a blob: a tier change or its deletion.
type Change struct {
	Run    int64 // Unix seconds
	Action Action
}

// Scheduler works out, in closed form, every run at which a policy changes
// a blob over a period: what stepping Evaluate through each day would find,
// in a handful of operations per blob whatever the number of days. Each
// matching action's condition holds from one moment on (the clocks only
// grow), so the first run at which an action can act is that moment (or
// the end of immutability, or the going of the blob's versions and
// snapshots, for a deletion) rounded up to the run grid; the earliest of
// these across the actions the service can carry out is the next step, the
// least expensive action winning a tie as in Evaluate. A tier change resets
// the tier-change clock and the set of possible moves, so the search runs
// again from the next run; a blob has at most a step per tier and a
// deletion. A Scheduler holds scratch space: one per goroutine.
type Scheduler struct {
	e     *Engine
	acts  []candidate
	steps []Change
}

// candidate is an action that may act on the blob in the period, with the
// first run time its clock allows (and, for a delete, immutability and
// the blob's versions and snapshots): only a tier-change condition can
// move it later, as the blob changes tier.
type candidate struct {
	a *compiledAction
	t int64
}

// NewScheduler returns a scheduler for the engine's policy and account.
func (e *Engine) NewScheduler() *Scheduler { return &Scheduler{e: e} }

// Schedule returns the steps of the runs from, from+Day, ... before end
// that change b, in order; a deletion is the last. b is updated as the runs
// leave it: its tier and tier-change time after each tier change. The
// slice is reused by the next call.
func (s *Scheduler) Schedule(b *Blob, from, end int64) []Change {
	s.steps = s.steps[:0]
	if from >= end || systemContainer(b.Name) {
		return s.steps
	}
	e := s.e
	s.acts = s.acts[:0]
	for i := range e.rules {
		r := &e.rules[i]
		acts := r.actions[b.Target]
		if len(acts) == 0 || !r.matches(b) {
			continue
		}
		for j := range acts {
			a := &acts[j]
			t := e.clock(b, &a.cond)
			if a.action == Delete {
				t = max(t, b.ImmutableUntil)
				if b.Target == TargetBase {
					t = max(t, b.DependentsUntil)
				}
			}
			if t < end { // else never in the period (Forever included)
				s.acts = append(s.acts, candidate{a, t})
			}
		}
	}
	for len(s.acts) > 0 && from < end {
		best, act := int64(Forever), None
		keep := s.acts[:0]
		for _, c := range s.acts {
			if c.a.action != Delete && !e.canTier(b, c.a.action) {
				// Tier changes only make a blob cooler (or, by tierToHot,
				// take it out of Cool and Cold): an action the service
				// cannot carry out now it never can again.
				continue
			}
			keep = append(keep, c)
			t := c.t
			if n := c.a.cond.DaysAfterLastTierChangeGreaterThan; n != nil {
				t = max(t, threshold(b.tierRef(), *n))
				if t >= end {
					continue
				}
			}
			run := from
			if t > from {
				run = from + (t-from+Day-1)/Day*Day
			}
			if run < best || run == best && c.a.action < act {
				best, act = run, c.a.action
			}
		}
		s.acts = keep
		if best >= end {
			break
		}
		s.steps = append(s.steps, Change{Run: best, Action: act})
		if act == Delete {
			break
		}
		b.Tier, b.TierChanged = act.Dest(), best
		from = best + Day
	}
	return s.steps
}

// Inputs are the blob properties a policy can read beyond the ones every
// rule may use (name, type, tier, creation, modification, tier change, and
// what tells a snapshot or a version from the current version): a reader
// can leave the others out.
type Inputs struct {
	LastAccess      bool // a daysAfterLastAccessTimeGreaterThan condition on the current version
	Tags            bool // a blobIndexMatch filter
	EncryptionScope bool // a tierToArchive action, which an encryption scope rules out
	Immutability    bool // a delete action, which immutability holds back
}

// Inputs says which optional blob properties the engine's policy reads.
func (e *Engine) Inputs() Inputs {
	var in Inputs
	for i := range e.rules {
		r := &e.rules[i]
		in.Tags = in.Tags || len(r.tags) > 0
		for t, acts := range r.actions {
			for _, a := range acts {
				in.LastAccess = in.LastAccess || Target(t) == TargetBase && a.cond.DaysAfterLastAccessTimeGreaterThan != nil
				in.EncryptionScope = in.EncryptionScope || a.action == TierToArchive
				in.Immutability = in.Immutability || a.action == Delete
			}
		}
	}
	return in
}
