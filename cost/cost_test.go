package cost

import (
	"math"
	"strings"
	"testing"

	"github.com/aizone/aizone/catalog"
	"github.com/aizone/aizone/compute"
	"github.com/aizone/aizone/lifecycle"
	"github.com/aizone/aizone/storage"
)

func TestPlan(t *testing.T) {
	c, err := catalog.Default()
	if err != nil {
		t.Fatal(err)
	}
	tier := func(name string) float64 {
		bt, ok := c.BlobTier(name)
		if !ok {
			t.Fatalf("no blob tier %s", name)
		}
		return bt.USDPerGBMonth
	}
	// 1 TB (931 GiB, the billing unit): 30 days Hot, 60 days Cool, deleted
	// at day 90. The average month over the retention is the day-weighted
	// price.
	wantBlob := 1e12 / (1 << 30) * (30*tier("hot") + 60*tier("cool")) / 90
	cases := []struct {
		name      string
		pools     []compute.Pool
		st        storage.Result
		transfers int
		lines     map[string]float64 // item -> USD per month
		runs      map[string]float64
		unpriced  []string
	}{
		{
			name:  "inference runs all month",
			pools: []compute.Pool{{Workload: "chat", SKU: "Standard_NC40ads_H100_v5", Nodes: 2, USDPerHour: 20, MonthlyHours: 730}},
			lines: map[string]float64{"chat pool": 20 * 730},
		},
		{
			name: "a training run shorter than a month",
			pools: []compute.Pool{{Workload: "ft", SKU: "Standard_ND96isr_H100_v5", Nodes: 4, USDPerHour: 400, MonthlyHours: 100,
				Training: &compute.TrainingEstimate{Hours: 100, CostUSD: 40000}}},
			lines: map[string]float64{"ft pool": 400 * 100},
			runs:  map[string]float64{"ft": 40000},
		},
		{
			name:  "a run longer than a month bills the month",
			pools: []compute.Pool{{Workload: "pt", SKU: "Standard_ND96isr_H100_v5", Nodes: 10, USDPerHour: 1000, MonthlyHours: 1000, Training: &compute.TrainingEstimate{Hours: 1000, CostUSD: 1e6}}},
			lines: map[string]float64{"pt pool": 1000 * 730},
			runs:  map[string]float64{"pt": 1e6},
		},
		{
			name:      "unpriced sizes, hot tiers and circuits are listed, not guessed",
			pools:     []compute.Pool{{Workload: "prep", SKU: "Standard_HB176rs_v4", Nodes: 4}},
			st:        storage.Result{HotTier: storage.HotTier{Kind: "netapp", SKU: "Standard", CapacityTiB: 369}},
			transfers: 1,
			unpriced:  []string{"Azure NetApp Files Standard 369 TiB", "ExpressRoute", "prep pool (Standard_HB176rs_v4)"},
		},
		{
			name: "blob follows its lifecycle schedule",
			st: storage.Result{Account: storage.BlobAccount{Containers: []storage.Container{{Name: "corpus", Bytes: 1e12, RetainDays: 90,
				Schedule: []lifecycle.Step{{Day: 30, Action: "tierToCool"}, {Day: 90, Action: "delete"}}}}}},
			lines: map[string]float64{"blob corpus": wantBlob},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res, fs := Plan(c, tc.pools, tc.st, tc.transfers)
			got := map[string]float64{}
			total := 0.0
			for _, l := range res.Lines {
				got[l.Item] = l.USDPerMonth
				total += l.USDPerMonth
				if l.Basis == "" {
					t.Errorf("line %s has no basis", l.Item)
				}
			}
			for item, want := range tc.lines {
				if math.Abs(got[item]-want) > 0.01 {
					t.Errorf("%s = %.2f, want %.2f", item, got[item], want)
				}
			}
			if math.Abs(res.MonthlyUSD-total) > 0.01 {
				t.Errorf("total %.2f is not the sum of its lines %.2f", res.MonthlyUSD, total)
			}
			for _, r := range res.TrainingRuns {
				if want, ok := tc.runs[r.Workload]; !ok || r.USD != want {
					t.Errorf("run %s = %.0f, want %.0f", r.Workload, r.USD, want)
				}
			}
			joined := strings.Join(res.Unpriced, "; ")
			for _, u := range tc.unpriced {
				if !strings.Contains(joined, u) {
					t.Errorf("unpriced %q missing from %q", u, joined)
				}
			}
			if (len(res.Unpriced) > 0) != (len(fs) > 0) {
				t.Errorf("unpriced items %v without a finding, or a finding without them: %v", res.Unpriced, fs)
			}
		})
	}
}
