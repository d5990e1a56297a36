package compute

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/aizone/aizone/catalog"
	"github.com/aizone/aizone/finding"
	"github.com/aizone/aizone/spec"
	"github.com/aizone/aizone/units"
)

// option is one configuration the planner scored.
type option struct {
	pool     Pool
	feasible bool
	cost     float64 // training: the run; inference and data-prep: a month
	hours    float64 // training: the run
	tpot     float64 // inference, seconds
	why      string  // why it is infeasible, if it is
	// need is the nodes that would meet the target, when more than the
	// pool may hold (0 = unknown).
	need int
	// needHours is the run's time at 4,096 nodes when need is a lower bound.
	needHours float64
	// explain re-runs a training estimate with its layout's reasons.
	explain func() string
	// sets is how many scale sets the pool needs for one InfiniBand run
	// (pools.go); options needing more than one rank after those on one.
	sets int
	// unitHours is what the cost is a price times: VM-hours of the run
	// with spares (training), VM-hours a month (inference); for an
	// unpriced option, the price per VM-hour at which it would cost what
	// the choice does follows from it.
	unitHours float64
	// racks says why a pool on an NVL72 size is whole racks (spares.go).
	racks string
}

func trainingTokens(w *spec.Workload) float64 {
	if w.Tokens > 0 {
		return float64(w.Tokens)
	}
	return float64(w.DatasetSize) / w.BytesPerToken * w.Epochs
}

func trainingSeq(w *spec.Workload, a Arch) int {
	s := w.SequenceLength
	if s <= 0 {
		s = spec.DefaultSequenceLength
	}
	if a.Context > 0 && s > a.Context {
		s = a.Context
	}
	return s
}

// countSearch finds, for one size and priority, the node count that best
// serves the objective. eval returns the estimate at n nodes (ok false when
// nothing fits).
type countSearch struct {
	eval   func(n int) (TrainingEstimate, bool)
	cache  map[int]*TrainingEstimate
	calls  int
	minN   int
	maxN   int
	window int
}

func (cs *countSearch) at(n int) *TrainingEstimate {
	if e, ok := cs.cache[n]; ok {
		return e
	}
	cs.calls++
	var p *TrainingEstimate
	if est, ok := cs.eval(n); ok {
		p = &est
	}
	cs.cache[n] = p
	return p
}

// forDeadline returns the cheapest count that meets the deadline: the
// smallest that meets it (bisection over a time that falls as nodes are
// added), then the counts just above it, which can be cheaper when they
// divide the batch and the layers better.
func (cs *countSearch) forDeadline(deadline float64) (best *TrainingEstimate, ok bool) {
	top := cs.at(cs.maxN)
	if top == nil || top.Hours > deadline {
		// Nothing within the limit: the largest count is the closest.
		return top, false
	}
	lo, hi := cs.minN, cs.maxN
	if e := cs.at(lo); e != nil && e.Hours <= deadline {
		hi = lo
	}
	for lo < hi {
		mid := (lo + hi) / 2
		if e := cs.at(mid); e != nil && e.Hours <= deadline {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	for n := hi; n <= min(cs.maxN, hi+cs.window); n++ {
		e := cs.at(n)
		if e == nil || e.Hours > deadline {
			continue
		}
		if best == nil || e.CostUSD < best.CostUSD-1e-6 {
			best = e
		}
	}
	return best, best != nil
}

// forBudget returns the fastest count whose run costs at most budget (any
// cost when budget is 0).
func (cs *countSearch) forBudget(budget float64) (best *TrainingEstimate, ok bool) {
	within := func(e *TrainingEstimate) bool { return e != nil && (budget <= 0 || e.CostUSD <= budget) }
	hi := cs.maxN
	if !within(cs.at(hi)) {
		lo := cs.minN
		if !within(cs.at(lo)) {
			return cs.at(lo), false
		}
		for lo+1 < hi {
			mid := (lo + hi) / 2
			if within(cs.at(mid)) {
				lo = mid
			} else {
				hi = mid
			}
		}
		hi = lo
	}
	for n := hi; n >= max(cs.minN, hi-cs.window); n-- {
		e := cs.at(n)
		if !within(e) {
			continue
		}
		if best == nil || e.Hours < best.Hours-1e-9 {
			best = e
		}
	}
	return best, best != nil
}

func sizeTraining(r Request, c *catalog.Catalog, opt Options, fs *finding.List) Pool {
	w := r.Workload
	arch, err := ResolveModel(w.Model, c)
	if err != nil {
		fs.Add(finding.Error, "compute.model", r.Path+".model", err.Error())
		return Pool{Workload: w.Name, Kind: w.Kind}
	}
	tokens := trainingTokens(w)
	seq := trainingSeq(w, arch)
	deadline := w.Deadline.Hours()
	limit := nodeLimit(w.Orchestrator)
	var notes []string
	cands := gpuCandidates(c, w.Precision, opt.AsOf, w.SKU, &notes)
	var opts []option
	var unpriced, noFit []string
	searched := 0
	for _, s := range cands {
		g, _ := c.GPUSpec(s.GPU)
		perNode := int(s.GPUs)
		if perNode < 1 {
			continue // partitions of a GPU cannot train
		}
		prices, priced := pricesOrNone(c, s.Name, r.Regions)
		in := TrainingInput{Arch: arch, Tokens: tokens, Precision: w.Precision, Method: w.Method, SeqLen: seq,
			SKU: s, GPU: g, CheckpointHours: w.CheckpointInterval.Hours()}
		tr, err := newTrainer(in)
		if err != nil {
			continue
		}
		maxN := limit
		if !s.InfiniBand {
			maxN = 1
		}
		// On an NVL72 size racks are the unit of capacity (spares.go):
		// a multi-VM pool is billed in whole racks, and the count search
		// stops at the most whole racks the pool limit holds.
		rack := tr.hw.domainVMs()
		if rack > 1 && maxN > 1 {
			maxN = max(1, maxN/rack*rack)
		}
		minGPUs := tr.minGPUs(0, maxN)
		if minGPUs == 0 {
			noFit = append(noFit, s.Name)
			continue
		}
		if !priced {
			unpriced = append(unpriced, s.Name)
		}
		minN := (minGPUs + perNode - 1) / perNode
		priorities := []bool{false}
		if w.Preemptible {
			for _, p := range prices {
				if p.spot > 0 {
					priorities = append(priorities, true)
					break
				}
			}
		}
		for _, spot := range priorities {
			// The counts just above the smallest that meets the deadline
			// are searched for a cheaper one: at least a rack's worth on
			// an NVL72 size, where the counts inside one rack cost alike.
			cs := &countSearch{cache: map[int]*TrainingEstimate{}, minN: minN, maxN: maxN, window: max(8, rack)}
			cs.eval = func(n int) (TrainingEstimate, bool) {
				x := in
				x.GPUs = n * perNode // whole VMs: a VM is paid for with all its GPUs
				x.Spot = spot
				x.USDPerVMHour = 1 // cost per node-hour, scaled by each region's price below
				est, err := tr.estimate(x, false)
				if err != nil {
					return est, false
				}
				// The count search compares costs with the spares the
				// pool will carry and its whole racks (spares.go), as
				// the bill will.
				billed := billedNodes(est.Nodes, n, rack, w.Orchestrator)
				if billed == 0 {
					return est, false
				}
				est.CostUSD *= float64(billed) / float64(est.Nodes)
				return est, true
			}
			search := func() (*TrainingEstimate, bool) {
				if w.Objective == "time" {
					// The budget is in dollars; search with the cheapest region's price.
					cheapest := math.Inf(1)
					for _, p := range prices {
						cheapest = math.Min(cheapest, unitPrice(p, spot))
					}
					budgetUnits := 0.0
					if w.BudgetUSD > 0 {
						budgetUnits = w.BudgetUSD / cheapest
					}
					est, ok := cs.forBudget(budgetUnits)
					return est, ok && est.Hours <= deadline
				}
				return cs.forDeadline(deadline)
			}
			// Counts on one InfiniBand fabric first (one scale set with
			// its spares); past it only when none meets the targets.
			// Searching the ranges apart also keeps the bisection, which
			// assumes time falls as nodes are added, from stepping over
			// the small counts that meet the deadline.
			var est *TrainingEstimate
			var ok bool
			if one := oneFabricNodes(w.Orchestrator, rack); one < maxN && one >= minN {
				cs.maxN = one
				est, ok = search()
				cs.maxN = maxN
			}
			if !ok {
				est, ok = search()
			}
			searched += cs.calls
			if est == nil {
				continue
			}
			need, needHours := 0, 0.0
			if !ok && est.Nodes == maxN && s.InfiniBand {
				need = nodesToMeet(cs, deadline, maxN)
				if e := cs.at(4096); need < 0 && e != nil {
					needHours = e.Hours
				}
			}
			for _, p := range prices {
				usd := unitPrice(p, spot)
				if usd <= 0 && (priced || spot) {
					continue // no Spot price in this region
				}
				e := *est
				billedVMs := billedNodes(e.Nodes, e.GPUs/perNode, rack, w.Orchestrator)
				racks := ""
				if ra, ok := allotRacks(e.Nodes, e.GPUs/perNode, rack, w.Orchestrator); rack > 1 && e.GPUs/perNode > 1 && ok {
					// Whole racks: Nodes keeps the trays that run or
					// stay idle; addRackSpares adds the spares.
					e.Nodes, e.Racks, e.RackVMs, e.IdleNodes = ra.total-ra.spares, ra.racks, rack, ra.idle
					e.Placement += fmt.Sprintf("; the pool is %s = %d VMs: %d run the job, %d spare, %d idle", plural(ra.racks, "whole rack"), ra.total, ra.working, ra.spares, ra.idle)
					racks = ra.reason(s.Name, tr.hw.domain)
				}
				e.CostUSD = round(e.Hours*float64(e.Nodes)*usd, 0)
				e.MeetsDeadline = e.Hours <= deadline
				// Ranked and held against the budget with its spares
				// and whole racks.
				billed := round(e.CostUSD*float64(billedVMs)/float64(e.Nodes), 0)
				withinBudget := w.Objective != "time" || w.BudgetUSD <= 0 || (priced && billed <= w.BudgetUSD)
				feasible := ok && e.MeetsDeadline && withinBudget
				priority := "regular"
				if spot {
					priority = "spot"
				}
				pool := Pool{Workload: w.Name, Kind: w.Kind, Model: arch.Name, SKU: s.Name, Region: p.region, Nodes: e.Nodes,
					GPUs: float64(e.GPUs), GPU: s.GPU, Priority: priority, Orchestrator: w.Orchestrator,
					InfiniBand: s.InfiniBand && e.Nodes > 1, AcceleratedNetworking: s.AccelNet,
					PlacementGroup: e.Nodes > 1,
					USDPerHour:     round(usd*float64(e.Nodes), 2), PriceSource: p.source, PriceEstimated: p.estimated,
					MonthlyHours: math.Min(e.Hours, hoursPerMonth), Training: &e, Feasible: feasible}
				if !priced {
					pool.Meter = VMMeter(s.Name, p.region, spot)
				}
				why := ""
				switch {
				case !e.MeetsDeadline:
					why = fmt.Sprintf("misses the %s deadline: %s at %d nodes", w.Deadline, humanHours(e.Hours), e.Nodes)
					if e.Nodes == maxN && maxN == limit {
						why += fmt.Sprintf(", the most a %s pool holds", w.Orchestrator)
					} else if maxN == 1 {
						why += " (no InfiniBand: one VM at most)"
					}
				case !withinBudget && !priced:
					why = fmt.Sprintf("no price in the catalog to hold against the %s budget", units.USD(w.BudgetUSD))
				case !feasible:
					why = fmt.Sprintf("over the %s budget", units.USD(w.BudgetUSD))
				}
				cost := billed
				if !priced {
					cost = math.Inf(1) // ranked after every priced size
				}
				x := in
				x.GPUs, x.Spot = e.GPUs, spot
				explain := func() string {
					full, err := tr.estimate(x, true)
					if err != nil {
						return ""
					}
					return full.Layout.Why
				}
				opts = append(opts, option{pool: pool, feasible: feasible, cost: cost, hours: e.Hours, why: why, need: need, needHours: needHours, explain: explain,
					sets: scaleSetsFor(billedVMs, rack, w.Orchestrator), unitHours: e.Hours * float64(billedVMs), racks: racks})
			}
		}
	}
	if len(opts) == 0 {
		msg := fmt.Sprintf("no VM size can train %s in %s precision", arch.Name, w.Precision)
		if w.SKU != "" {
			msg += fmt.Sprintf(" on the pinned size %s", w.SKU)
		}
		if len(noFit) > 0 {
			msg += fmt.Sprintf("; it does not fit in the GPU memory of %s at the %s limit of %d nodes", strings.Join(noFit, ", "), w.Orchestrator, limit)
		}
		if len(unpriced) > 0 {
			msg += fmt.Sprintf("; no price for %s", strings.Join(unpriced, ", "))
		}
		fs.Add(finding.Error, "compute.no-candidate", r.Path, msg)
		return Pool{Workload: w.Name, Kind: w.Kind, Model: arch.Name}
	}
	sortOptions(opts, w.Objective == "time")
	best := opts[0]
	p := best.pool
	p.Searched = searched
	p.Alternatives = alternatives(opts, 2, func(a option) string { return trainingAltReason(best, a, w) })
	est := p.Training
	est.Layout.Why = best.explain()
	im := imageFor(c, skuOf(c, p.SKU), p.Orchestrator)
	p.setImage(im)
	p.Reason = fmt.Sprintf("%d × %s (%d GPUs, %s) trains %s on %.3g tokens in %s at %.0f%% MFU for %s: the %s option that meets the %s deadline",
		p.Nodes, p.SKU, est.GPUs, p.Region, arch.Name, tokens, humanHours(est.Hours), est.MFU*100, units.USD(est.CostUSD), objectiveWord(w.Objective), w.Deadline)
	if !best.feasible {
		p.Reason = fmt.Sprintf("nothing meets the %s deadline; the closest is %d × %s taking %s", w.Deadline, p.Nodes, p.SKU, humanHours(est.Hours))
		msg := fmt.Sprintf("workload %q cannot finish in %s: ", w.Name, w.Deadline)
		switch {
		case best.need > 0:
			msg += fmt.Sprintf("it would need %d × %s, but a %s pool holds at most %d nodes, which take %s", best.need, p.SKU, w.Orchestrator, limit, humanHours(est.Hours))
		case best.need < 0:
			msg += fmt.Sprintf("it would need at least %d × %s (scaling linearly from 4,096 nodes, which take %s), but a %s pool holds at most %d nodes, which take %s",
				-best.need, p.SKU, humanHours(best.needHours), w.Orchestrator, limit, humanHours(est.Hours))
		default:
			msg += best.why
		}
		fix := fmt.Sprintf("extend the deadline to %s or train fewer tokens", humanHours(est.Hours))
		if w.Orchestrator != OrchestratorSlurm && best.need > 0 && best.need <= nodeLimit(OrchestratorSlurm) {
			fix += fmt.Sprintf(", or choose orchestrator slurm (a CycleCloud Slurm partition spreads over several scale sets; the planner searches up to %d nodes)", nodeLimit(OrchestratorSlurm))
		}
		fs.Add(finding.Error, "compute.deadline", r.Path+".deadline", msg+"; "+fix)
	}
	p.Reasons = trainingReasons(p, w, c, searched, notes, unpriced, noFit, len(cands), len(r.Regions))
	p.Reasons = append(p.Reasons, imageReason(im, skuOf(c, p.SKU)))
	if best.racks != "" {
		p.Reasons = append(p.Reasons, best.racks)
	}
	if p.PriceEstimated {
		fs.Add(finding.Warning, "compute.price-estimated", r.Path, fmt.Sprintf("no %s price for %s in the catalog; cost uses %s", p.SKU, p.Region, p.PriceSource))
	}
	warnUnpriced(p, r, fs)
	p.Reasons = append(p.Reasons, unpricedMightWin(opts, best, r, fs)...)
	return p
}

// pricesOrNone is a size's prices in the regions, or, when the catalog
// prices it nowhere, one unpriced entry so that the size is still
// estimated (and ranked after every priced one).
func pricesOrNone(c *catalog.Catalog, sku string, regions []string) ([]price, bool) {
	if ps := pricesIn(c, sku, regions); len(ps) > 0 {
		return ps, true
	}
	return []price{{source: "no price in the catalog", region: regions[0]}}, false
}

func warnUnpriced(p Pool, r Request, fs *finding.List) {
	if p.SKU != "" && p.USDPerHour == 0 && p.Kind != spec.KindDataPrep {
		fs.Add(finding.Warning, "compute.no-price", r.Path,
			fmt.Sprintf("%s has no price in the catalog, and no priced size meets the targets; its cost is unknown (add the price with --catalog)", p.SKU))
	}
}

// unitPrice is a region's price for a priority (0 = not offered).
func unitPrice(p price, spot bool) float64 {
	if spot {
		return p.spot
	}
	return p.usd
}

// nodesToMeet extends a count search past the pool limit to say how many
// nodes the deadline would take. It searches up to 4,096 nodes (32,768
// GPUs of eight); past that it returns the count linear scaling from 4,096
// would need, negated: a lower bound.
func nodesToMeet(cs *countSearch, deadline float64, limit int) int {
	const most = 4096
	n := limit * 2
	for ; n <= most; n *= 2 {
		if e := cs.at(n); e != nil && e.Hours <= deadline {
			lo, hi := n/2, n
			for lo+1 < hi {
				mid := (lo + hi) / 2
				if e := cs.at(mid); e != nil && e.Hours <= deadline {
					hi = mid
				} else {
					lo = mid
				}
			}
			return hi
		}
	}
	if e := cs.at(most); e != nil {
		return -ceilDiv(float64(most)*e.Hours, deadline)
	}
	return 0
}

func skuOf(c *catalog.Catalog, name string) *catalog.SKU {
	s, _ := c.SKU(name)
	return s
}

func trainingReasons(p Pool, w *spec.Workload, c *catalog.Catalog, searched int, notes, unpriced, noFit []string, sizes, regions int) []string {
	est := p.Training
	s := skuOf(c, p.SKU)
	var rs []string
	rs = append(rs, fmt.Sprintf("searched %d GPU sizes in %s: %d node counts and priorities estimated, each the fastest of up to %d parallelism layouts", sizes, plural(regions, "region"), searched, est.LayoutsSearched))
	if p.Nodes > 1 {
		rs = append(rs, fmt.Sprintf("InfiniBand: %d nodes exchange gradients over %.0f Gb/s per VM; multi-node training is only planned on InfiniBand sizes", p.Nodes, s.IBGbpsPerVM))
	} else {
		rs = append(rs, "one VM: no InfiniBand or placement group needed")
	}
	ckpt := fmt.Sprintf("checkpoints every %s", minutes(est.CheckpointHours))
	switch {
	case p.Priority == "spot":
		rs = append(rs, fmt.Sprintf("Spot: the workload accepts preemption; with %s, %.0f expected evictions and interruptions leave %.0f%% goodput and the run still meets the deadline",
			ckpt, est.Interruptions, est.Goodput*100))
	case w.Preemptible:
		rs = append(rs, fmt.Sprintf("regular VMs: Spot was searched but loses (its price, or evictions pushing the run past the deadline); with %s, %.0f expected interruptions leave %.0f%% goodput", ckpt, est.Interruptions, est.Goodput*100))
	default:
		rs = append(rs, fmt.Sprintf("regular VMs: the workload does not accept preemption; with %s, %.0f expected node interruptions leave %.0f%% goodput", ckpt, est.Interruptions, est.Goodput*100))
	}
	if est.OptimalGoodput-est.Goodput >= 0.005 {
		rs = append(rs, fmt.Sprintf("checkpointing every %s instead (the interval that loses least to interruptions and checkpoint stalls) would raise goodput to %.1f%% and save about %s",
			minutes(est.OptimalCheckpointHours), est.OptimalGoodput*100, humanHours(est.Hours*(1-est.Goodput/est.OptimalGoodput))))
	}
	rs = append(rs, notes...)
	if len(unpriced) > 0 {
		rs = append(rs, "no price in the catalog, so ranked after every priced size: "+strings.Join(unpriced, ", "))
	}
	if len(noFit) > 0 {
		rs = append(rs, "the model does not fit: "+strings.Join(noFit, ", "))
	}
	return rs
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

func minutes(h float64) string {
	if h >= 1 && math.Abs(h-math.Round(h)) < 1e-9 {
		return fmt.Sprintf("%.0f h", h)
	}
	return fmt.Sprintf("%.0f min", h*60)
}

func trainingAltReason(best, a option, w *spec.Workload) string {
	if !a.feasible {
		return a.why
	}
	if math.IsInf(a.cost, 1) {
		return fmt.Sprintf("no price in the catalog; takes %s", humanHours(a.hours))
	}
	b := best
	if a.sets > 1 && best.sets <= 1 {
		return fmt.Sprintf("spreads over %d scale sets (%s for the run, takes %s): a run across scale sets depends on Azure placing them on one InfiniBand fabric, so it is planned only when no run on one fabric meets the targets",
			a.sets, units.USD(a.cost), humanHours(a.hours))
	}
	if w.Objective == "time" {
		return fmt.Sprintf("%s slower (%s against %s)", humanHours(a.hours-b.hours), humanHours(a.hours), humanHours(b.hours))
	}
	d := a.cost - b.cost
	if d < 1 {
		return fmt.Sprintf("same cost within a dollar; takes %s", humanHours(a.hours))
	}
	return fmt.Sprintf("%s more for the run (%.0f%%), takes %s", units.USD(d), 100*d/math.Max(b.cost, 1), humanHours(a.hours))
}

func objectiveWord(o string) string {
	if o == "time" {
		return "fastest within budget"
	}
	return "cheapest"
}

// sortOptions ranks options: feasible first; then by the objective; when
// nothing is feasible, the closest miss first.
func sortOptions(opts []option, fastest bool) {
	sort.SliceStable(opts, func(i, j int) bool {
		a, b := opts[i], opts[j]
		if a.feasible != b.feasible {
			return a.feasible
		}
		if a.feasible && (a.sets > 1) != (b.sets > 1) {
			// A run across scale sets depends on Azure placing them on one
			// InfiniBand fabric: planned only when no run on one meets
			// the targets.
			return b.sets > 1
		}
		if !a.feasible {
			// The closest miss stands for the plan; one with a price, so
			// that the plan's cost means something.
			if ai, bi := math.IsInf(a.cost, 1), math.IsInf(b.cost, 1); ai != bi {
				return bi
			}
			if a.pool.Kind == spec.KindInference && a.tpot != b.tpot {
				return a.tpot < b.tpot
			}
			if a.hours != b.hours {
				return a.hours < b.hours
			}
		}
		if fastest {
			if a.pool.Kind == spec.KindInference && a.tpot != b.tpot {
				return a.tpot < b.tpot
			}
			if a.hours != b.hours {
				return a.hours < b.hours
			}
		}
		if a.cost != b.cost {
			return a.cost < b.cost
		}
		if math.IsInf(a.cost, 1) && a.pool.GPUs != b.pool.GPUs {
			return a.pool.GPUs < b.pool.GPUs // without prices, fewer GPUs
		}
		if a.hours != b.hours {
			return a.hours < b.hours
		}
		if a.pool.SKU != b.pool.SKU {
			return a.pool.SKU < b.pool.SKU
		}
		return a.pool.Region < b.pool.Region
	})
}

// alternatives are the next n options after the first, one per size and
// priority (its best region and shape stand for it). Sizes the catalog
// prices come first: an unpriced size cannot be compared on cost, so it
// is shown only when fewer than n priced ones are left.
func alternatives(opts []option, n int, why func(option) string) []Alternative {
	out := []Alternative{}
	key := func(o option) string { return o.pool.SKU + "/" + o.pool.Priority }
	seen := map[string]bool{key(opts[0]): true}
	for _, pricedPass := range []bool{true, false} {
		for _, o := range opts[1:] {
			if len(out) == n {
				return out
			}
			if seen[key(o)] || math.IsInf(o.cost, 1) == pricedPass {
				continue
			}
			seen[key(o)] = true
			cost := o.cost
			if math.IsInf(cost, 0) {
				cost = 0
			}
			a := Alternative{SKU: o.pool.SKU, Region: o.pool.Region, Nodes: o.pool.Nodes, GPUs: o.pool.GPUs, Priority: o.pool.Priority,
				CostUSD: round(cost, 0), Feasible: o.feasible, Reason: why(o)}
			if t := o.pool.Training; t != nil {
				a.Layout = t.Layout.String()
				a.Hours = round(t.Hours, 1)
			}
			if in := o.pool.Inference; in != nil {
				a.Layout = fmt.Sprintf("%d replicas × TP%d, batch %d", in.Replicas, in.TP, in.Batch)
				a.TPOTms, a.TTFTms = in.TPOTms, in.TTFTms
			}
			out = append(out, a)
		}
	}
	return out
}

func sizeInference(r Request, c *catalog.Catalog, opt Options, fs *finding.List) Pool {
	w := r.Workload
	arch, err := ResolveModel(w.Model, c)
	if err != nil {
		fs.Add(finding.Error, "compute.model", r.Path+".model", err.Error())
		return Pool{Workload: w.Name, Kind: w.Kind}
	}
	if arch.Context > 0 && w.InputTokens+w.OutputTokens > arch.Context {
		// Bad input, which spec.CheckContext refuses with a position when
		// plan.Check passes it the catalog's contexts; should it reach
		// the engine, no size can serve the request.
		key := ".output_tokens"
		if w.InputTokens >= arch.Context {
			key = ".input_tokens"
		}
		fs.Add(finding.Error, "compute.context", r.Path+key, fmt.Sprintf("%d input + %d output tokens a request are more than %s's context of %d", w.InputTokens, w.OutputTokens, arch.Name, arch.Context))
		return Pool{Workload: w.Name, Kind: w.Kind, Model: arch.Name}
	}
	var notes []string
	cands := gpuCandidates(c, w.Precision, opt.AsOf, w.SKU, &notes)
	var opts []option
	var unsupported, unpriced []string
	searched, sizesTried := 0, 0
	zonal := w.Orchestrator == OrchestratorAKS || w.Orchestrator == OrchestratorVMSS
	for _, s := range cands {
		g, _ := c.GPUSpec(s.GPU)
		if w.Orchestrator == OrchestratorAKS {
			if ok, why := aksSupports(s, g); !ok {
				unsupported = append(unsupported, s.Name+" ("+why+")")
				continue
			}
		}
		prices, priced := pricesOrNone(c, s.Name, r.Regions)
		if !priced {
			unpriced = append(unpriced, s.Name)
		}
		perVM := max(1, int(s.GPUs))
		sizesTried++
		for tp := 1; tp <= perVM; tp *= 2 {
			in := InferenceInput{Arch: arch, Precision: w.Precision, SKU: s, GPU: g, TP: tp,
				InputTokens: w.InputTokens, OutputTokens: w.OutputTokens, TPOTTarget: w.Latency.TPOT.Seconds(),
				TTFTTarget: w.Latency.TTFT.Seconds(), RateTarget: w.RequestsPerSecond}
			searched++
			inf, err := newInferer(in)
			if err != nil {
				continue
			}
			est, err := inf.estimate(in)
			if err != nil {
				continue
			}
			for _, est := range inferenceShapes(inf, in, est, w) {
				est.Replicas = max(est.Replicas, minInferenceReplicasForHA)
				perNode := max(1, perVM/tp)
				// Availability holds on nodes, not replicas: replicas
				// on one VM all stop when it fails, so the pool has at
				// least two VMs, and the second VM's price is in the
				// ranking (a size of eight GPUs can lose to smaller ones).
				nodes := max(ceilDiv(float64(est.Replicas), float64(perNode)), minInferenceNodesForHA)
				est.GPUs = est.Replicas * tp
				for _, p := range prices {
					e := est
					hourly := p.usd * float64(nodes)
					cost := hourly * hoursPerMonth
					if w.RequestsPerSecond > 0 {
						e.USDPerMillionTokens = round(hourly/(w.RequestsPerSecond*float64(w.OutputTokens)*3600)*1e6, 3)
					} else {
						e.USDPerMillionTokens = round(inf.replicaUSDPerHour(p.usd)/(est.OutputTokensPerSecond*3600)*1e6, 3)
					}
					withinBudget := w.Objective != "time" || w.BudgetUSD <= 0 || (priced && cost <= w.BudgetUSD)
					feasible := e.MeetsLatency && withinBudget
					if !priced {
						cost = math.Inf(1) // ranked after every priced size
					}
					pool := Pool{Workload: w.Name, Kind: w.Kind, Model: arch.Name, SKU: s.Name, Region: p.region, Nodes: nodes,
						GPUs: float64(nodes) * s.GPUs, GPU: s.GPU, Priority: "regular", Orchestrator: w.Orchestrator,
						AcceleratedNetworking: s.AccelNet, USDPerHour: round(hourly, 2), PriceSource: p.source, PriceEstimated: p.estimated,
						MonthlyHours: hoursPerMonth, Inference: &e, Feasible: feasible}
					if !priced {
						pool.Meter = VMMeter(s.Name, p.region, false)
					}
					if zonal && nodes > 1 {
						pool.Zones = []string{"1", "2", "3"}[:min(nodes, 3)]
					}
					why := ""
					switch {
					case !e.MeetsLatency:
						why = fmt.Sprintf("misses the latency targets even at batch %d (TTFT %.0f ms, TPOT %.1f ms)", e.Batch, e.TTFTms, e.TPOTms)
					case !withinBudget && !priced:
						why = fmt.Sprintf("no price in the catalog to hold against the %s monthly budget", units.USD(w.BudgetUSD))
					case !feasible:
						why = fmt.Sprintf("over the %s monthly budget", units.USD(w.BudgetUSD))
					}
					opts = append(opts, option{pool: pool, feasible: feasible, cost: cost, tpot: e.TPOTms / 1000, why: why, unitHours: float64(nodes) * hoursPerMonth})
				}
			}
		}
	}
	if len(opts) == 0 {
		msg := fmt.Sprintf("no VM size can serve %s in %s precision: the weights (%.0f GB) and one sequence's KV cache do not fit any size's GPU memory", arch.Name, w.Precision, arch.Params*BytesPerParam(w.Precision)/1e9)
		if len(unpriced) > 0 {
			msg += "; unpriced: " + strings.Join(unpriced, ", ")
		}
		fs.Add(finding.Error, "compute.no-candidate", r.Path, msg)
		return Pool{Workload: w.Name, Kind: w.Kind, Model: arch.Name}
	}
	sortOptions(opts, w.Objective == "time")
	best := opts[0]
	p := best.pool
	p.Searched = searched
	p.Alternatives = alternatives(opts, 2, func(a option) string {
		if !a.feasible {
			return a.why
		}
		if math.IsInf(a.cost, 1) {
			return fmt.Sprintf("no price in the catalog (TPOT %.1f ms)", a.tpot*1000)
		}
		if w.Objective == "time" && math.Abs(a.tpot-best.tpot) >= 5e-5 {
			return fmt.Sprintf("TPOT %.1f ms against %.1f ms", a.tpot*1000, best.tpot*1000)
		}
		d := a.cost - best.cost
		if d < 1 {
			return "same monthly cost; ties go to the size first by name"
		}
		return fmt.Sprintf("%s a month more (%.0f%%)", units.USD(d), 100*d/math.Max(best.cost, 1))
	})
	im := imageFor(c, skuOf(c, p.SKU), p.Orchestrator)
	p.setImage(im)
	est := p.Inference
	monthly := units.USD(p.USDPerHour*hoursPerMonth) + " a month"
	if p.USDPerHour == 0 {
		monthly = "price unknown"
	}
	p.Reason = fmt.Sprintf("%d replicas of TP%d on %d × %s at batch %d give %.2f req/s each (TTFT %.0f ms, TPOT %.1f ms): the %s that meets %.4g req/s within the latency targets, %s",
		est.Replicas, est.TP, p.Nodes, p.SKU, est.Batch, est.RequestsPerSecond, est.TTFTms, est.TPOTms, map[bool]string{false: "cheapest", true: "fastest within budget"}[w.Objective == "time"], w.RequestsPerSecond, monthly)
	if !best.feasible {
		p.Reason = fmt.Sprintf("no size meets the latency targets; closest is %s with TP%d (TTFT %.0f ms, TPOT %.1f ms)", p.SKU, est.TP, est.TTFTms, est.TPOTms)
		fs.Add(finding.Error, "compute.latency", r.Path+".latency",
			fmt.Sprintf("workload %q: no size meets TTFT %s and TPOT %s; the closest, %s with TP%d at batch 1, gives TTFT %.0f ms and TPOT %.1f ms",
				w.Name, w.Latency.TTFT, w.Latency.TPOT, p.SKU, est.TP, est.TTFTms, est.TPOTms))
	}
	var rs []string
	rs = append(rs, fmt.Sprintf("searched %d GPU sizes at every tensor-parallel degree in %s: %d estimates", sizesTried, plural(len(r.Regions), "region"), searched))
	rs = append(rs, fmt.Sprintf("decode is %s-bound at batch %d: weights %.1f GiB, KV cache %.1f GiB for %s of %d tokens (at most %d fit)",
		est.DecodeBound, est.Batch, est.WeightsGiB, est.KVCacheGiB, plural(est.Batch, "sequence"), w.InputTokens+w.OutputTokens, est.MaxBatch))
	rs = append(rs, fmt.Sprintf("%d replicas: %.4g req/s at %.2f req/s each, and at least %d", est.Replicas, w.RequestsPerSecond, est.RequestsPerSecond, minInferenceReplicasForHA))
	rs = append(rs, inferenceNodesReason(p, est, skuOf(c, p.SKU)))
	if len(p.Zones) > 0 {
		rs = append(rs, fmt.Sprintf("nodes spread over availability zones %s; the catalog does not list which regions offer the size in each zone, so check with az vm list-skus --location %s --zone", strings.Join(p.Zones, ", "), p.Region))
	}
	if p.Nodes > 0 && p.Inference.TP > 1 {
		rs = append(rs, fmt.Sprintf("tensor parallel %d inside one VM over %s; no InfiniBand or placement group: replicas do not talk to each other", p.Inference.TP, skuOf(c, p.SKU).ScaleUp))
	}
	if cmp := engineComparison(opts, c, est.WeightsGiB, w.Precision, w.RequestsPerSecond*float64(w.OutputTokens)); cmp != "" {
		rs = append(rs, cmp)
	}
	rs = append(rs, "regular VMs: a serving pool does not take Spot evictions")
	rs = append(rs, notes...)
	if len(unsupported) > 0 {
		rs = append(rs, "not offered as AKS GPU node pools: "+strings.Join(unsupported, "; "))
	}
	if len(unpriced) > 0 {
		rs = append(rs, "no price in the catalog, so ranked after every priced size: "+strings.Join(unpriced, ", "))
	}
	rs = append(rs, imageReason(im, skuOf(c, p.SKU)))
	p.Reasons = rs
	if p.PriceEstimated {
		fs.Add(finding.Warning, "compute.price-estimated", r.Path, fmt.Sprintf("no %s price for %s in the catalog; cost uses %s", p.SKU, p.Region, p.PriceSource))
	}
	warnUnpriced(p, r, fs)
	p.Reasons = append(p.Reasons, unpricedMightWin(opts, best, r, fs)...)
	return p
}

// inferenceShapes are the replica shapes worth pricing for one size and
// tensor-parallel degree. Under the cost objective, the fewest replicas at
// the largest batch that meets the targets. Under "fastest within budget",
// also two, four and eight times as many replicas, each at the smallest
// batch that still serves the rate: a smaller batch shortens every token.
func inferenceShapes(inf *inferer, in InferenceInput, est InferenceEstimate, w *spec.Workload) []InferenceEstimate {
	out := []InferenceEstimate{est}
	if w.Objective != "time" || w.RequestsPerSecond <= 0 || !est.MeetsLatency {
		return out
	}
	base := max(est.Replicas, minInferenceReplicasForHA)
	for k := 2; k <= 8; k *= 2 {
		replicas := base * k
		need := w.RequestsPerSecond / float64(replicas)
		lo, hi := 1, est.Batch
		for lo < hi { // requests/s grow with the batch
			mid := (lo + hi) / 2
			if p := inf.at(mid, in.InputTokens, in.OutputTokens); p.outTPS/float64(in.OutputTokens) >= need {
				hi = mid
			} else {
				lo = mid + 1
			}
		}
		x := in
		x.Batch = lo
		e, err := inf.estimate(x)
		if err != nil || e.Batch == est.Batch {
			break
		}
		e.Replicas = max(e.Replicas, replicas)
		out = append(out, e)
	}
	return out
}

// unpricedMightWin says, under the cost objective, which sizes the catalog
// does not price could have beaten the choice: each feasible one, with the
// price per VM-hour below which it would have cost less (the choice's cost
// over the VM-hours it would run), and the meter that would price it. It
// adds a warning finding and returns the same as reasons.
func unpricedMightWin(opts []option, best option, r Request, fs *finding.List) []string {
	w := r.Workload
	if w.Objective == "time" || !best.feasible || math.IsInf(best.cost, 1) {
		return nil
	}
	type cand struct {
		o         option
		breakEven float64
	}
	bySKU := map[string]cand{}
	for _, o := range opts {
		if !o.feasible || !math.IsInf(o.cost, 1) || o.unitHours <= 0 || (o.sets > 1 && best.sets <= 1) {
			continue
		}
		be := best.cost / o.unitHours
		if c, ok := bySKU[o.pool.SKU]; !ok || be > c.breakEven {
			bySKU[o.pool.SKU] = cand{o, be}
		}
	}
	var cs []cand
	for _, c := range bySKU {
		cs = append(cs, c)
	}
	sort.Slice(cs, func(i, j int) bool {
		if cs[i].breakEven != cs[j].breakEven {
			return cs[i].breakEven > cs[j].breakEven
		}
		return cs[i].o.pool.SKU < cs[j].o.pool.SKU
	})
	var out, briefs []string
	var than string
	const most = 3 // the likeliest winners; the rest are counted
	for _, c := range cs[:min(len(cs), most)] {
		o := c.o
		var what string
		switch {
		case o.pool.Training != nil:
			what = fmt.Sprintf("%d × %s finish in %s (%.0f VM-hours with spares)", o.pool.Nodes, o.pool.SKU, humanHours(o.hours), o.unitHours)
			than = fmt.Sprintf("the choice's %s for the run", units.USD(best.cost))
		case o.pool.Inference != nil:
			what = fmt.Sprintf("%d × %s meet the targets (TPOT %.1f ms)", o.pool.Nodes, o.pool.SKU, o.tpot*1000)
			than = fmt.Sprintf("the choice's %s a month", units.USD(best.cost))
		default:
			what = fmt.Sprintf("%d × %s give the vCPUs", o.pool.Nodes, o.pool.SKU)
			than = fmt.Sprintf("the choice's %s", units.USD(best.cost))
		}
		msg := fmt.Sprintf("%s is not priced in the catalog and might have won: %s; below $%.2f per VM-hour it would cost less than %s (meter: %s; add the price with aizone catalog prices fetch and --catalog)",
			o.pool.SKU, what, c.breakEven, than, o.pool.Meter)
		out = append(out, msg)
		briefs = append(briefs, fmt.Sprintf("%s $%.2f", o.pool.SKU, c.breakEven))
	}
	more := ""
	if len(cs) > most {
		more = fmt.Sprintf("%s more could meet the targets at some price", plural(len(cs)-most, "unpriced size"))
		out = append(out, more)
		more = "; " + more
	}
	// One warning a workload, however many sizes: the reasons say each
	// one's pool and meter.
	if len(out) == 1 {
		fs.Add(finding.Warning, "compute.unpriced-might-win", r.Path, out[0])
	} else if len(briefs) > 0 {
		fs.Add(finding.Warning, "compute.unpriced-might-win", r.Path, fmt.Sprintf(
			"%s not priced in the catalog might have won; each would cost less than %s below this price per VM-hour: %s%s (the plan's reasons give each one's pool and meter, armSkuName its size; add the prices with aizone catalog prices fetch and --catalog)",
			plural(len(briefs), "size"), than, strings.Join(briefs, ", "), more))
	}
	return out
}

// engineComparison compares the two ways to serve a model: a
// tensor-parallel engine across the GPUs of a large size (four or more
// GPUs on NVLink or Infinity Fabric) and single-GPU replicas, each by the
// best option of its kind under the workload's objective, on cost per
// million output tokens at the served rate. It says which wins and why,
// splitting the cost into its two factors: the price of a GPU-hour and
// the output tokens one GPU delivers (a replica's tokens over its GPUs).
func engineComparison(opts []option, c *catalog.Catalog, weightsGiB float64, precision string, servedTPS float64) string {
	var tp, one *option
	var tpWhy, oneWhy string
	for i := range opts {
		o := &opts[i]
		in := o.pool.Inference
		if in == nil {
			continue
		}
		s := skuOf(c, o.pool.SKU)
		large := s != nil && s.GPUs >= 4 && in.TP > 1
		single := in.TP == 1
		usable := o.feasible && !math.IsInf(o.cost, 1)
		switch {
		case large && tp == nil && usable:
			tp = o
		case large && tpWhy == "" && !usable:
			tpWhy = o.why
			if tpWhy == "" {
				tpWhy = "not priced"
			}
		case single && one == nil && usable:
			one = o
		case single && oneWhy == "" && !usable:
			oneWhy = o.why
			if oneWhy == "" {
				oneWhy = "not priced"
			}
		}
	}
	perGPU := func(o *option) (usdPerGPUHour, tokPerGPUs float64) {
		in := o.pool.Inference
		return o.pool.USDPerHour / math.Max(o.pool.GPUs, 1), in.OutputTokensPerSecond / float64(max(in.TP, 1))
	}
	describe := func(o *option) string {
		in := o.pool.Inference
		p, t := perGPU(o)
		return fmt.Sprintf("TP%d on %s ($%.3f per million tokens; $%.2f a GPU-hour, %.0f tokens/s a GPU at batch %d, TPOT %.1f ms)",
			in.TP, o.pool.SKU, in.USDPerMillionTokens, p, t, in.Batch, in.TPOTms)
	}
	switch {
	case tp == nil && one == nil:
		return ""
	case tp == nil:
		why := tpWhy
		if why == "" {
			why = "no size of four or more GPUs was searched"
		}
		return fmt.Sprintf("engines: single-GPU replicas, %s; no tensor-parallel engine on a large size qualifies (%s)", describe(one), why)
	case one == nil:
		why := oneWhy
		if why == "" {
			why = fmt.Sprintf("the weights, %.0f GiB in %s, do not fit one GPU with a sequence's KV cache", weightsGiB, precision)
		}
		return fmt.Sprintf("engines: tensor-parallel %s; no single-GPU replica qualifies (%s)", describe(tp), why)
	}
	win, lose, wname, lname := one, tp, "single-GPU replicas", "the tensor-parallel engine"
	if tp.pool.Inference.USDPerMillionTokens < one.pool.Inference.USDPerMillionTokens {
		win, lose, wname, lname = tp, one, "the tensor-parallel engine", "single-GPU replicas"
	}
	wp, wt := perGPU(win)
	lp, lt := perGPU(lose)
	var because []string
	if wp < lp {
		because = append(because, fmt.Sprintf("a GPU-hour costs $%.2f against $%.2f", wp, lp))
	}
	if wt > lt {
		because = append(because, fmt.Sprintf("each GPU delivers %.0f tokens/s against %.0f", wt, lt))
	}
	// Whole VMs and the two replicas for availability can leave GPUs
	// idle at the served rate: the share of the paid GPUs the rate needs.
	busy := func(o *option, tok float64) float64 {
		if servedTPS <= 0 || tok <= 0 || o.pool.GPUs <= 0 {
			return 1
		}
		return math.Min(1, servedTPS/tok/o.pool.GPUs)
	}
	if wb, lb := busy(win, wt), busy(lose, lt); wb > lb*1.1 {
		because = append(because, fmt.Sprintf("at the served rate it keeps %.0f%% of the GPUs it pays for busy against %.0f%% (whole VMs of %.0f and %.0f GPUs, at least two replicas)",
			wb*100, lb*100, win.pool.GPUs/float64(max(win.pool.Nodes, 1)), lose.pool.GPUs/float64(max(lose.pool.Nodes, 1))))
	}
	if win == one {
		because = append(because, fmt.Sprintf("the %.0f GiB of weights fit one GPU, so no layer waits on an all-reduce", weightsGiB))
	} else {
		because = append(because, fmt.Sprintf("splitting the %.0f GiB of weights over %d GPUs leaves each more room for the KV cache (batch %d a replica against %d)", weightsGiB, win.pool.Inference.TP, win.pool.Inference.Batch, lose.pool.Inference.Batch))
	}
	d := lose.pool.Inference.USDPerMillionTokens - win.pool.Inference.USDPerMillionTokens
	if d < 0.0005 {
		return fmt.Sprintf("engines compared on cost per million output tokens at the served rate: %s and %s cost the same, $%.3f per million tokens: they pay for the same VMs at this rate; the planner keeps %s",
			describe(one), describe(tp), one.pool.Inference.USDPerMillionTokens, map[bool]string{true: "single-GPU replicas (no all-reduce a layer)", false: "the tensor-parallel engine"}[opts[0].pool.Inference != nil && opts[0].pool.Inference.TP == 1])
	}
	return fmt.Sprintf("engines compared on cost per million output tokens at the served rate: %s, %s, against %s, %s; %s win by $%.3f per million tokens (%.0f%%): %s",
		wname, describe(win), lname, describe(lose), wname, d, 100*d/math.Max(lose.pool.Inference.USDPerMillionTokens, 1e-9), strings.Join(because, "; "))
}

// inferenceNodesReason says why a serving pool has its nodes: the VMs its
// replicas need, and at least minInferenceNodesForHA so that one VM
// failing (or draining for maintenance) leaves replicas serving.
func inferenceNodesReason(p Pool, est *InferenceEstimate, s *catalog.SKU) string {
	perVM := 1
	if s != nil {
		perVM = max(1, int(s.GPUs)/max(est.TP, 1))
	}
	need := ceilDiv(float64(est.Replicas), float64(perVM))
	r := fmt.Sprintf("%s: one %s holds %s of TP%d, so the replicas need %s", plural(p.Nodes, "node"), p.SKU, plural(perVM, "replica"), est.TP, plural(need, "VM"))
	if p.Nodes > need {
		r += fmt.Sprintf(", raised to %d so that one node failing does not stop the service: availability holds on VMs, not replicas, and the %s VM is priced in the ranking", p.Nodes, map[bool]string{true: "second", false: "extra"}[p.Nodes-need == 1 && need == 1])
	} else {
		r += fmt.Sprintf(", at least %d so that one node failing does not stop the service", minInferenceNodesForHA)
	}
	if len(p.Zones) > 1 {
		r += fmt.Sprintf("; the replicas spread over the nodes in zones %s", strings.Join(p.Zones, ", "))
	}
	return r
}
