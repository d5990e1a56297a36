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
	want := max(1, int(math.Ceil(interruptionsPerNodeHour*float64(p.Nodes)*repairHours)))
	room := nodeLimit(p.Orchestrator) - p.Nodes
	n := min(want, room)
	perNode := p.USDPerHour / float64(p.Nodes)
	switch {
	case n <= 0:
		p.SpareReason = fmt.Sprintf("no spare node: the pool already has the %d nodes a %s pool on one InfiniBand fabric can hold; a failed node stops the job until it is replaced", p.Nodes, p.Orchestrator)
		p.Reasons = append(p.Reasons, p.SpareReason)
		return
	case n < want:
		p.SpareReason = fmt.Sprintf("%d spare nodes, fewer than the %d the failure rate asks for: the pool reaches the %d nodes a %s pool on one fabric can hold", n, want, nodeLimit(p.Orchestrator), p.Orchestrator)
	default:
		p.SpareReason = fmt.Sprintf("%d spare node(s): %d nodes × %.2g interruptions per node-hour × %.0f h to repair a node is %.2f nodes out at once, rounded up; a job restarts on a spare in minutes instead of waiting for the repair",
			n, p.Nodes, interruptionsPerNodeHour, repairHours, interruptionsPerNodeHour*float64(p.Nodes)*repairHours)
	}
	p.SpareNodes = n
	p.Reasons = append(p.Reasons, p.SpareReason)
	p.USDPerHour += perNode * float64(n)
	if p.Training != nil && p.Nodes > 0 {
		p.Training.CostUSD *= float64(p.Nodes+n) / float64(p.Nodes)
	}
}
