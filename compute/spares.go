package compute

import (
	"fmt"
	"math"
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

// spareFactor is what a pool of n nodes costs with its spares, per node.
func spareFactor(n int, orchestrator string) float64 {
	if n < 1 {
		return 1
	}
	s, _ := spareNodes(n, orchestrator)
	return float64(n+s) / float64(n)
}

// addSpares gives a multi-node training pool the spare nodes the restart
// model assumes (restartHours: a failed node's work is requeued onto a
// spare). Spares are allocated with the pool and billed.
func addSpares(p *Pool) {
	if p.Kind != "training" || !p.Feasible || p.Nodes < 2 || p.SKU == "" {
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
		p.Training.CostUSD *= float64(p.Nodes+spares) / float64(p.Nodes)
	}
}
