package compute

import (
	"fmt"
	"math"
)

// repairHours is how long a failed node stays out of a pool before it is
// repaired or replaced: an assumption (a day, for a reboot, reimage or
// Azure's hardware replacement), not a published figure.
const repairHours = 24.0

// addSpares gives a multi-node training pool the spare nodes the restart
// model assumes (restartHours: a failed node's work is requeued onto a
// spare): as many as are expected to be out for repair at once, the
// interruption rate (interruptionsPerNodeHour) × nodes × repairHours,
// rounded up, at least one. Spares are allocated with the pool and billed.
func addSpares(p *Pool) {
	if p.Kind != "training" || !p.Feasible || p.Nodes < 2 || p.SKU == "" {
		return
	}
	// A spare pays when the waits it saves cost more than it does: over a
	// run of H hours, nodes × rate × H interruptions each idle the whole
	// pool for a repair, nodes × repairHours node-hours; the spare costs H
	// node-hours. So nodes² × rate × repairHours > 1: about 16 nodes.
	n := float64(p.Nodes)
	if n*n*interruptionsPerNodeHour*repairHours <= 1 {
		p.SpareReason = fmt.Sprintf("no spare node: at %d nodes the waits a spare saves (%d nodes idle for a %.0f h repair after each of %.2g interruptions per node-hour) cost less than the spare; a pool of about %d nodes or more gets one",
			p.Nodes, p.Nodes, repairHours, interruptionsPerNodeHour, int(math.Ceil(math.Sqrt(1/(interruptionsPerNodeHour*repairHours)))))
		p.Reasons = append(p.Reasons, p.SpareReason)
		return
	}
	want := max(1, int(math.Ceil(interruptionsPerNodeHour*n*repairHours)))
	room := nodeLimit(p.Orchestrator) - p.Nodes
	spares := min(want, room)
	perNode := p.USDPerHour / float64(p.Nodes)
	switch {
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
