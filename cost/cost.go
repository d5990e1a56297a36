// Package cost prices a plan from catalog prices: per month, and per
// training run. It never re-decides anything; it multiplies the engines'
// choices by prices, and lists what it could not price.
package cost

import (
	"fmt"
	"math"
	"sort"

	"github.com/aizone/aizone/catalog"
	"github.com/aizone/aizone/compute"
	"github.com/aizone/aizone/finding"
	"github.com/aizone/aizone/storage"
)

const hoursPerMonth = 730.0

// Result is the cost part of a plan.
type Result struct {
	// OneOffUSD is what is paid once (training runs, data transfer);
	// MonthlyUSD the run-rate (serving, storage, network, platform
	// services). They are never added together.
	OneOffUSD    float64  `json:"one_off_usd"`
	MonthlyUSD   float64  `json:"monthly_usd"`
	Lines        []Line   `json:"lines"`
	TrainingRuns []Run    `json:"training_runs"`
	Unpriced     []string `json:"unpriced"`
	Currency     string   `json:"currency"`
}

// Line is one priced item of the monthly bill.
type Line struct {
	Item     string `json:"item"`
	Category string `json:"category"` // compute, storage, network, platform
	// Workload is the workload the line serves, "" for shared zone
	// infrastructure; Service is the Azure service billed (Virtual
	// Machines, Azure Firewall, ...). Reports group by both.
	Workload string `json:"workload,omitempty"`
	Service  string `json:"service,omitempty"`
	// Kind is "monthly" (USDPerMonth) or "one-off" (USD).
	Kind        string  `json:"kind,omitempty"`
	USD         float64 `json:"usd,omitempty"`
	USDPerMonth float64 `json:"usd_per_month"`
	Basis       string  `json:"basis"`
}

// Run is the cost of one training run.
type Run struct {
	Workload string  `json:"workload"`
	Hours    float64 `json:"hours"`
	USD      float64 `json:"usd"`
	Basis    string  `json:"basis"`
}

// Plan prices the compute pools and storage.
func Plan(c *catalog.Catalog, pools []compute.Pool, st storage.Result, transfers int) (Result, finding.List) {
	var fs finding.List
	res := Result{Lines: []Line{}, TrainingRuns: []Run{}, Unpriced: []string{}, Currency: "USD"}
	for _, p := range pools {
		if p.SKU == "" {
			continue
		}
		if p.USDPerHour == 0 {
			res.Unpriced = append(res.Unpriced, fmt.Sprintf("%s pool (%s)", p.Workload, p.SKU))
			continue
		}
		hours := math.Min(p.MonthlyHours, hoursPerMonth)
		basis := fmt.Sprintf("%d × %s at $%.2f/h (%s) × %.0f h", p.Nodes, p.SKU, p.USDPerHour/float64(max(p.Nodes+p.SpareNodes, 1)), p.PriceSource, hours)
		if p.SpareNodes > 0 {
			basis = fmt.Sprintf("(%d + %d spare) × %s at $%.2f/h (%s) × %.0f h", p.Nodes, p.SpareNodes, p.SKU, p.USDPerHour/float64(p.Nodes+p.SpareNodes), p.PriceSource, hours)
		}
		if p.Training != nil {
			res.TrainingRuns = append(res.TrainingRuns, Run{Workload: p.Workload, Hours: p.Training.Hours, USD: p.Training.CostUSD,
				Basis: fmt.Sprintf("%d × %s for %.1f h", p.Nodes, p.SKU, p.Training.Hours)})
			basis += " (the run's first month)"
		}
		res.Lines = append(res.Lines, Line{Item: p.Workload + " pool", Category: "compute", USDPerMonth: round(p.USDPerHour * hours), Basis: basis})
	}
	// Blob: the average month over each container's retention, following its
	// lifecycle schedule.
	for _, ct := range st.Account.Containers {
		usd, basis := containerMonthly(c, ct)
		res.Lines = append(res.Lines, Line{Item: "blob " + ct.Name, Category: "storage", USDPerMonth: round(usd), Basis: basis})
	}
	// The hot tier: priced when the catalog has a price for it, otherwise
	// listed as unpriced so that the total never looks complete when it
	// is not.
	if name, ok := map[string]string{"lustre": "Managed Lustre", "netapp": "Azure NetApp Files"}[st.HotTier.Kind]; ok {
		if st.HotTier.USDPerMonth > 0 {
			res.Lines = append(res.Lines, Line{Item: "hot tier " + st.HotTier.SKU, Category: "storage", USDPerMonth: round(st.HotTier.USDPerMonth), Basis: fmt.Sprintf("%s, %.0f TiB", name, st.HotTier.CapacityTiB)})
		} else {
			res.Unpriced = append(res.Unpriced, fmt.Sprintf("%s %s %.0f TiB (no price in catalog)", name, st.HotTier.SKU, st.HotTier.CapacityTiB))
		}
	}
	if transfers > 0 {
		res.Unpriced = append(res.Unpriced, "ExpressRoute circuit and gateway (no price in catalog)")
	}
	for _, l := range res.Lines {
		res.MonthlyUSD += l.USDPerMonth
	}
	res.MonthlyUSD = round(res.MonthlyUSD)
	sort.Strings(res.Unpriced)
	if len(res.Unpriced) > 0 {
		fs.Add(finding.Info, "cost.unpriced", "", fmt.Sprintf("%d items have no catalog price and are not in the total", len(res.Unpriced)))
	}
	return res, fs
}

func containerMonthly(c *catalog.Catalog, ct storage.Container) (float64, string) {
	// Blob capacity is billed per GB of 2^30 bytes, as the simulation counts it.
	gb := float64(ct.Bytes) / (1 << 30)
	tierAt := func(name string) float64 {
		if t, ok := c.BlobTier(name); ok {
			return t.USDPerGBMonth
		}
		return 0
	}
	// Walk the schedule: days in each tier until deletion.
	day, tier, total := 0, "hot", 0.0
	for _, s := range ct.Schedule {
		total += float64(s.Day-day) * tierAt(tier)
		day = s.Day
		switch s.Action {
		case "tierToCool":
			tier = "cool"
		case "tierToCold":
			tier = "cold"
		case "tierToArchive":
			tier = "archive"
		}
	}
	months := float64(max(ct.RetainDays, 1)) / 30.4
	avg := gb * total / 30.4 / months
	return avg, fmt.Sprintf("%.0f GiB averaged over %d days of retention following the lifecycle schedule", gb, ct.RetainDays)
}

func round(v float64) float64 { return math.Round(v*100) / 100 }
