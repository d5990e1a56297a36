package compute

import (
	"strings"
	"testing"
)

func TestSpares(t *testing.T) {
	tests := []struct {
		name         string
		p            Pool
		spares       int
		reasonHas    string
		costMultiple float64
	}{
		{"one node", Pool{Kind: "training", Feasible: true, SKU: "x", Nodes: 1, USDPerHour: 100, Orchestrator: OrchestratorBatch}, 0, "", 1},
		{"two nodes: a spare costs more than it saves", Pool{Kind: "training", Feasible: true, SKU: "x", Nodes: 2, USDPerHour: 200, Orchestrator: OrchestratorBatch}, 0, "cost less than the spare", 1},
		{"inference", Pool{Kind: "inference", Feasible: true, SKU: "x", Nodes: 8, USDPerHour: 800, Orchestrator: OrchestratorAKS}, 0, "", 1},
		{"small cluster", Pool{Kind: "training", Feasible: true, SKU: "x", Nodes: 16, USDPerHour: 1600, Orchestrator: OrchestratorBatch, Training: &TrainingEstimate{CostUSD: 1000}}, 1, "rounded up", 17.0 / 16},
		// 250 nodes × 466/(54×24×2,048) per node-hour × 24 h = 1.05 → 2.
		{"large cluster", Pool{Kind: "training", Feasible: true, SKU: "x", Nodes: 250, USDPerHour: 250, Orchestrator: OrchestratorSlurm, Training: &TrainingEstimate{CostUSD: 1000}}, 2, "1.05 nodes", 252.0 / 250},
		{"batch at its limit", Pool{Kind: "training", Feasible: true, SKU: "x", Nodes: MaxBatchInterNodeNodes, USDPerHour: 100, Orchestrator: OrchestratorBatch}, 0, "no spare", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := tt.p
			before := p.USDPerHour
			addSpares(&p)
			if p.SpareNodes != tt.spares || !strings.Contains(p.SpareReason, tt.reasonHas) {
				t.Errorf("spares %d (%q), want %d containing %q", p.SpareNodes, p.SpareReason, tt.spares, tt.reasonHas)
			}
			if got := p.USDPerHour / before; tt.costMultiple > 0 && (got < tt.costMultiple-1e-9 || got > tt.costMultiple+1e-9) {
				t.Errorf("cost × %.4f, want × %.4f", got, tt.costMultiple)
			}
			if p.Training != nil && tt.spares > 0 && p.Training.CostUSD <= 1000 {
				t.Error("the run's cost leaves out the spares")
			}
		})
	}
}
