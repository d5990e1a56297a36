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

// Data preparation (tokenising, filtering, deduplicating a corpus) is
// embarrassingly parallel: each task reads records from Blob, transforms
// them on the CPU and writes them back. It needs vCPUs, memory enough to
// hold a task's records (a few GiB per vCPU, which every general-purpose
// size has), a local disk for BlobFuse2's cache, and network enough to
// read its share of the data in the time it runs. It does not need
// InfiniBand, so the InfiniBand HPC sizes are left out unless pinned: they
// are priced for their fabric and memory bandwidth, which a data-prep task
// does not use.
const (
	// dataPrepGiBPerVCPU is the memory a data-prep task needs per vCPU: an
	// assumption (tokenisers and filters stream records), met by the
	// general-purpose sizes' 4 GiB per vCPU.
	dataPrepGiBPerVCPU = 2.0
	// dataPrepNetworkShare is the share of a node's network bandwidth the
	// reads may take: the rest carries the writes of the results.
	dataPrepNetworkShare = 0.5
)

// readBytes is what a workload reads from the zone's data: every entry
// whose used_by names it (datasets without used_by go to training).
func readBytes(z *spec.Zone, workload string) float64 {
	var b float64
	for _, d := range z.Data {
		for _, u := range d.UsedBy {
			if u == workload {
				b += float64(d.Size)
			}
		}
	}
	return b
}

// VMMeter names the Retail Prices API meter that prices a VM size in a
// region: the query `aizone catalog prices fetch` makes for it
// (gpu-vm-prices.md section 5). The Linux pay-as-you-go row and the Spot
// row share the size's armSkuName; Spot's meterName ends in " Spot".
func VMMeter(sku, region string, spot bool) string {
	kind := "Linux pay-as-you-go"
	if spot {
		kind = "Linux Spot (meterName ending \" Spot\")"
	}
	return fmt.Sprintf("Retail Prices API serviceName 'Virtual Machines', armSkuName '%s', armRegionName '%s', %s", sku, region, kind)
}

// dataPrepOption is one CPU size sized for a data-prep workload.
type dataPrepOption struct {
	option
	sku    *catalog.SKU
	priced bool
	// vcpus is the vCPUs provisioned; without prices, the fewest surplus
	// vCPUs stand in for the lowest cost.
	vcpus int
	// readGbps is each node's share of the reads.
	readGbps float64
}

func sizeDataPrep(r Request, c *catalog.Catalog, opt Options, fs *finding.List) Pool {
	w := r.Workload
	region := r.Regions[0]
	hours := w.Hours.Hours()
	lim := limitsFor(w.Orchestrator, false, w.Preemptible)
	// Aggregate read rate, Gb/s: the data over the time the job runs.
	readGbps := 0.0
	if hours > 0 {
		readGbps = r.ReadBytes * 8 / (hours * 3600) / 1e9
	}
	var opts []dataPrepOption
	var skipped []string
	hpc := 0
	for i := range c.SKUs {
		s := &c.SKUs[i]
		if s.IsGPU() || s.Retired(opt.AsOf) || s.VCPUs < 1 {
			continue
		}
		pinned := w.SKU != ""
		if pinned && normalSKU(s.Name) != normalSKU(w.SKU) {
			continue
		}
		if s.InfiniBand && !pinned {
			hpc++
			continue
		}
		if s.MemoryGiB < dataPrepGiBPerVCPU*float64(s.VCPUs) {
			skipped = append(skipped, fmt.Sprintf("%s (%.0f GiB for %d vCPUs, under %.0f GiB per vCPU)", s.Name, s.MemoryGiB, s.VCPUs, dataPrepGiBPerVCPU))
			continue
		}
		n := ceilDiv(float64(w.VCPUs), float64(s.VCPUs))
		// More nodes when the reads would take more than their share of
		// the nodes' network.
		if nodeGbps := s.NetworkMbps / 1000 * dataPrepNetworkShare; readGbps > 0 && nodeGbps > 0 {
			n = max(n, ceilDiv(readGbps, nodeGbps))
		}
		if n > lim.nodes {
			skipped = append(skipped, fmt.Sprintf("%s (%d nodes, over the %s pool limit of %d)", s.Name, n, w.Orchestrator, lim.nodes))
			continue
		}
		pool := Pool{Workload: w.Name, Kind: w.Kind, SKU: s.Name, Region: region, Nodes: n, Priority: "regular",
			Orchestrator: w.Orchestrator, MonthlyHours: hours, Feasible: true, AcceleratedNetworking: s.AccelNet}
		spot := w.Preemptible
		if spot {
			pool.Priority = "spot"
		}
		o := dataPrepOption{sku: s, vcpus: n * s.VCPUs, readGbps: readGbps / float64(n)}
		o.cost = math.Inf(1) // not priced: ranked after every priced size
		if pr, ok := priceFor(c, s.Name, region); ok {
			usd := pr.usd
			if spot && pr.spot > 0 {
				usd = pr.spot
			} else if spot {
				// A Spot pool without a Spot price is priced at the
				// pay-as-you-go rate, its ceiling, and says so.
				pr.source += " (pay-as-you-go: no Spot price in the catalog)"
			}
			pool.USDPerHour = round(usd*float64(n), 2)
			pool.PriceSource = pr.source
			pool.PriceEstimated = pr.estimated
			o.cost = pool.USDPerHour * hours
			o.priced = true
		} else {
			pool.PriceSource = "not priced"
			pool.Meter = VMMeter(s.Name, region, spot)
		}
		o.pool, o.feasible, o.unitHours = pool, true, float64(n)*hours
		opts = append(opts, o)
	}
	if len(opts) == 0 {
		msg := "no CPU size in the catalog for data preparation"
		if w.SKU != "" {
			msg = fmt.Sprintf("the pinned size %s is not a CPU size in the catalog that data preparation can use", w.SKU)
		}
		if len(skipped) > 0 {
			msg += "; left out: " + strings.Join(skipped, ", ")
		}
		fs.Add(finding.Error, "compute.no-candidate", r.Path, msg)
		return Pool{Workload: w.Name, Kind: w.Kind}
	}
	sort.SliceStable(opts, func(i, j int) bool { return dataPrepLess(opts[i], opts[j]) })
	best := opts[0]
	p := best.pool
	s := best.sku
	p.Searched = len(opts)
	plain := make([]option, len(opts))
	for i := range opts {
		plain[i] = opts[i].option
	}
	p.Alternatives = alternatives(plain, 2, func(a option) string {
		sa := skuOf(c, a.pool.SKU)
		switch {
		case math.IsInf(a.cost, 1) && !math.IsInf(best.cost, 1):
			return fmt.Sprintf("%d × %s give %d vCPUs; not priced, so ranked after every priced size (meter: %s)", a.pool.Nodes, a.pool.SKU, a.pool.Nodes*sa.VCPUs, a.pool.Meter)
		case math.IsInf(a.cost, 1):
			return fmt.Sprintf("%d × %s give %d vCPUs (%d more than the choice); not priced either", a.pool.Nodes, a.pool.SKU, a.pool.Nodes*sa.VCPUs, a.pool.Nodes*sa.VCPUs-best.vcpus)
		}
		return fmt.Sprintf("%d × %s give %d vCPUs; %s more a month", a.pool.Nodes, a.pool.SKU, a.pool.Nodes*sa.VCPUs, units.USD(a.cost-best.cost))
	})
	p.Reason = fmt.Sprintf("%d × %s give %d vCPUs for %d requested", p.Nodes, p.SKU, p.Nodes*s.VCPUs, w.VCPUs)
	rs := []string{fmt.Sprintf("searched %d CPU sizes: general-purpose and memory-optimised sizes; %d InfiniBand HPC sizes left out (data preparation does not use InfiniBand or their memory bandwidth; pin one with sku: to use it)", len(opts), hpc)}
	rs = append(rs, fmt.Sprintf("each node: %d vCPUs, %.0f GiB memory (%.0f GiB per vCPU; %.0f needed), %.0f GiB temporary disk for BlobFuse2's cache, %.1f Gb/s network",
		s.VCPUs, s.MemoryGiB, s.MemoryGiB/float64(s.VCPUs), dataPrepGiBPerVCPU, s.TempDiskGiB, s.NetworkMbps/1000))
	if r.ReadBytes > 0 && hours > 0 {
		rs = append(rs, fmt.Sprintf("reads %s in %s: %.2f Gb/s in all, %.2f Gb/s a node, within the %.0f%% of each node's network left for reads", units.Bytes(int64(r.ReadBytes)), humanHours(hours), readGbps, best.readGbps, dataPrepNetworkShare*100))
	}
	switch {
	case best.priced:
		rs = append(rs, fmt.Sprintf("the cheapest size that meets the vCPUs and the network, %s for %s (%s)", units.USD(best.cost), humanHours(hours), p.PriceSource))
	default:
		rs = append(rs, fmt.Sprintf("not priced: the catalog has no price for %s in %s (meter: %s; `aizone catalog prices fetch` writes it into a catalog overlay); no CPU size is priced, so the fewest vCPUs provisioned (the unit a family's prices scale with) stand in for the lowest cost", p.SKU, region, p.Meter))
	}
	if len(skipped) > 0 {
		rs = append(rs, "left out: "+strings.Join(skipped, ", "))
	}
	if w.Preemptible {
		rs = append(rs, "Spot: data preparation is preemptible and restarts per task")
	}
	im := imageFor(c, s, p.Orchestrator)
	p.setImage(im)
	p.Reasons = append(rs, imageReason(im, s))
	p.Reasons = append(p.Reasons, unpricedMightWin(plain, best.option, r, fs)...)
	if !best.priced {
		fs.Add(finding.Info, "compute.no-price", r.Path, fmt.Sprintf("%s is not priced in the catalog; its cost is not in the total (meter: %s)", p.SKU, p.Meter))
	}
	return p
}

// dataPrepLess ranks data-prep options: priced before unpriced, then the
// lower cost; among unpriced ones (and equal costs), the fewest vCPUs
// provisioned, then the fewest nodes, then the name.
func dataPrepLess(a, b dataPrepOption) bool {
	if a.priced != b.priced {
		return a.priced
	}
	if a.priced && a.cost != b.cost {
		return a.cost < b.cost
	}
	if a.vcpus != b.vcpus {
		return a.vcpus < b.vcpus
	}
	if a.pool.Nodes != b.pool.Nodes {
		return a.pool.Nodes < b.pool.Nodes
	}
	return a.pool.SKU < b.pool.SKU
}

// normalSKU is a size name without case or the Standard_ prefix.
func normalSKU(n string) string { return strings.TrimPrefix(strings.ToLower(n), "standard_") }
