package compute

import (
	"fmt"
	"math"

	"github.com/aizone/aizone/units"
)

// repairHours is how long a failed node stays out of a pool before it is
// repaired or replaced: an assumption (a day, for a reboot, reimage or
// Azure's hardware replacement), not a published figure.
const repairHours = 24.0

// spareNodes is how many spare nodes a multi-node training pool of n
// nodes gets (spares) and how many the failure rate asks for (want): as
// many as are expected to be out for repair at once, the interruption rate
// (interruptionsPerNodeHour) × nodes × repairHours, rounded up, at least
// one, within the orchestrator's pool limit. A spare pays when the waits
// it saves cost more than it does: over a run of H hours, nodes × rate × H
// interruptions each idle the whole pool for a repair, nodes × repairHours
// node-hours; the spare costs H node-hours. So nodes² × rate × repairHours
// > 1: about 16 nodes. The planner ranks options with their spares
// (size.go), so that the pool it chooses is the cheapest as billed.
func spareNodes(n int, orchestrator string) (spares, want int) {
	nf := float64(n)
	if n < 2 || nf*nf*interruptionsPerNodeHour*repairHours <= 1 {
		return 0, 0
	}
	want = max(1, int(math.Ceil(interruptionsPerNodeHour*nf*repairHours)))
	return max(0, min(want, nodeLimit(orchestrator)-n)), want
}

// addSpares gives a multi-node training pool the spare nodes the restart
// model assumes (restartHours: a failed node's work is requeued onto a
// spare). Spares are allocated with the pool and billed.
func addSpares(p *Pool) {
	if p.Kind != "training" || !p.Feasible || p.Nodes < 2 || p.SKU == "" {
		return
	}
	if t := p.Training; t != nil && t.RackVMs > 1 {
		addRackSpares(p)
		return
	}
	spares, want := spareNodes(p.Nodes, p.Orchestrator)
	perNode := p.USDPerHour / float64(p.Nodes)
	switch {
	case want == 0:
		p.SpareReason = fmt.Sprintf("no spare node: at %d nodes the waits a spare saves (%d nodes idle for a %.0f h repair after each of %.2g interruptions per node-hour) cost less than the spare; a pool of about %d nodes or more gets one",
			p.Nodes, p.Nodes, repairHours, interruptionsPerNodeHour, int(math.Ceil(math.Sqrt(1/(interruptionsPerNodeHour*repairHours)))))
		p.Reasons = append(p.Reasons, p.SpareReason)
		return
	case spares <= 0:
		p.SpareReason = fmt.Sprintf("no spare node: the pool already has the %d nodes a %s pool on one InfiniBand fabric can hold; a failed node stops the job until it is replaced", p.Nodes, p.Orchestrator)
		p.Reasons = append(p.Reasons, p.SpareReason)
		return
	case spares < want:
		p.SpareReason = fmt.Sprintf("%d spare nodes, fewer than the %d the failure rate asks for: the pool reaches the %d nodes a %s pool on one fabric can hold", spares, want, nodeLimit(p.Orchestrator), p.Orchestrator)
	default:
		p.SpareReason = fmt.Sprintf("%d spare node(s): %d nodes × %.2g interruptions per node-hour × %.0f h to repair a node is %.2f nodes out at once, rounded up; a job restarts on a spare in minutes instead of waiting for the repair",
			spares, p.Nodes, interruptionsPerNodeHour, repairHours, interruptionsPerNodeHour*float64(p.Nodes)*repairHours)
	}
	p.SpareNodes = spares
	p.Reasons = append(p.Reasons, p.SpareReason)
	p.USDPerHour += perNode * float64(spares)
	if p.Training != nil && p.Nodes > 0 {
		p.Training.CostUSD = round(p.Training.CostUSD*float64(p.Nodes+spares)/float64(p.Nodes), 0)
		p.Reason += sparesCost(spares, p.Training.CostUSD)
	}
}

// sparesCost is what the pool's reason adds once spares are billed: the
// reason was written when the option was chosen, before its spares.
func sparesCost(spares int, usd float64) string {
	return fmt.Sprintf("; with %s the run costs %s", plural(spares, "spare node"), units.USD(usd))
}

// rackAllotment is how a multi-VM training pool on a size whose NVLink
// domain spans VMs (a GB200 or GB300 NVL72 rack: 72 GPUs in 18 VMs,
// gpu-vm-sizes.md S-GB200 and S-GB300; ai-performance.md section 6c) is
// allotted in whole racks. Azure builds these sizes from racks of
// 18 VMs (the size pages), and no Azure documentation we found says a
// part of a rack can be allocated to one customer, so the pool is rounded
// up to whole racks. The trays the rounding leaves free serve as the
// pool's spares, as many as the spare rule asks for; the rest are idle,
// and all of them are billed.
type rackAllotment struct {
	rack    int // VMs a rack
	racks   int
	total   int // racks × rack: the VMs billed
	working int // VMs the job runs on
	spares  int // spare VMs taken from the trays the racks leave free
	want    int // spares the failure rate asks for (spareNodes)
	idle    int // VMs billed that neither run nor stand by
}

// allotRacks allots a pool whose run uses working VMs, base with the trays
// the layout's placement leaves idle (trainer.allocation), in racks of
// rack VMs under an orchestrator's pool limit. ok is false when the whole
// racks exceed the limit.
func allotRacks(base, working, rack int, orchestrator string) (a rackAllotment, ok bool) {
	limit := nodeLimit(orchestrator)
	_, want := spareNodes(working, orchestrator)
	up := func(n int) int { return (n + rack - 1) / rack * rack }
	total := up(max(base, working+want))
	if total > limit {
		// The spares would pass the limit: the racks the job needs, with
		// what spares they leave free.
		total = up(max(base, working))
	}
	if total > limit {
		return rackAllotment{}, false
	}
	spares := min(want, total-working)
	return rackAllotment{rack: rack, racks: total / rack, total: total, working: working, spares: spares, want: want,
		idle: total - working - spares}, true
}

// billedNodes is the VMs a training pool of working VMs (base with the
// trays its placement leaves idle) is billed for, spares included: whole
// racks on a size whose NVLink domain spans rack VMs (rack > 1, more than
// one VM), else the nodes and their spares. 0 when whole racks exceed the
// orchestrator's pool limit.
func billedNodes(base, working, rack int, orchestrator string) int {
	if rack > 1 && working > 1 {
		a, ok := allotRacks(base, working, rack, orchestrator)
		if !ok {
			return 0
		}
		return a.total
	}
	s, _ := spareNodes(base, orchestrator)
	return base + s
}

// rackReason says why a pool is whole racks and what the free trays do.
func (a rackAllotment) reason(sku string, domainGPUs int) string {
	s := fmt.Sprintf("racks are the unit of capacity: %s is sold as NVL72 racks of %d VMs sharing one %d-GPU NVLink domain (gpu-vm-sizes.md, S-GB200/S-GB300: 18 VMs a rack; ai-performance.md section 6c: an NVL72 rack has 18 trays), and no Azure documentation found says part of a rack can be allocated, so the pool is rounded up to whole racks: %s = %d VMs, all billed; %d run the job",
		sku, a.rack, domainGPUs, plural(a.racks, "rack"), a.total, a.working)
	switch {
	case a.spares > 0 && a.idle > 0:
		s += fmt.Sprintf(", %d of the free trays are the pool's spares (the failure rate asks for %d) and %d stay idle", a.spares, a.want, a.idle)
	case a.spares > 0:
		s += fmt.Sprintf(", and the %d free trays are the pool's spares (the failure rate asks for %d)", a.spares, a.want)
	case a.idle > 0:
		s += fmt.Sprintf(", and the %d free trays stay idle (the spare rule asks for none at %d nodes)", a.idle, a.working)
	}
	return s
}

// addRackSpares gives a pool allotted in whole racks (sizeTraining) the
// spares its free trays hold: the racks are billed already, so the spares
// add the price of those trays, and the free trays beyond them stay idle
// inside Nodes.
func addRackSpares(p *Pool) {
	t := p.Training
	total := t.Racks * t.RackVMs
	spares := total - p.Nodes
	if spares <= 0 {
		_, want := spareNodes(p.Nodes-t.IdleNodes, p.Orchestrator)
		if want > 0 {
			p.SpareReason = fmt.Sprintf("no spare node: the %s fill the pool's limit; a failed node stops the job until it is replaced", plural(t.Racks, "whole rack"))
		} else {
			p.SpareReason = fmt.Sprintf("no spare node: at %d nodes the waits a spare saves cost less than the spare", p.Nodes-t.IdleNodes)
		}
		if t.IdleNodes > 0 {
			p.SpareReason += fmt.Sprintf("; the %d trays the last rack leaves free stay idle, billed with the rack", t.IdleNodes)
		}
		p.Reasons = append(p.Reasons, p.SpareReason)
		return
	}
	perNode := p.USDPerHour / float64(p.Nodes)
	p.SpareNodes = spares
	p.SpareReason = fmt.Sprintf("%d spare node(s) from the trays the racks leave free: %d nodes × %.2g interruptions per node-hour × %.0f h to repair a node is %.2f nodes out at once, rounded up; a job restarts on a spare in minutes instead of waiting for the repair",
		spares, p.Nodes-t.IdleNodes, interruptionsPerNodeHour, repairHours, interruptionsPerNodeHour*float64(p.Nodes-t.IdleNodes)*repairHours)
	if t.IdleNodes > 0 {
		p.SpareReason += fmt.Sprintf("; %d more free trays stay idle, billed with the rack", t.IdleNodes)
	}
	p.Reasons = append(p.Reasons, p.SpareReason)
	p.USDPerHour += perNode * float64(spares)
	if p.Nodes > 0 {
		t.CostUSD = round(t.CostUSD*float64(p.Nodes+spares)/float64(p.Nodes), 0)
		p.Reason += sparesCost(spares, t.CostUSD)
	}
}
