// Package cost prices a plan from catalog prices: what is paid once
// (training runs, moving data in) and what is paid every month (serving,
// data preparation, storage, network and platform services). It never
// re-decides anything: it multiplies the engines' choices by prices, and
// lists what it could not price with the Retail Prices API meter that
// would price it, so that a total never looks complete when it is not.
//
// The engine reads the plan's decisions, not the resources built from
// them (the pipeline runs plan -> resources); a test in this package
// walks resources.Build for every example and proves that each resource
// type deployed is priced, listed as unpriced with its meter, or listed as
// carrying no charge.
package cost

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/aizone/aizone/catalog"
	"github.com/aizone/aizone/compute"
	"github.com/aizone/aizone/finding"
	"github.com/aizone/aizone/network"
	"github.com/aizone/aizone/storage"
)

// hoursPerMonth is the month Azure's calculator bills by.
const hoursPerMonth = 730.0

// Line kinds.
const (
	Monthly = "monthly"
	OneOff  = "one-off"
)

// Result is the cost part of a plan.
type Result struct {
	// OneOffUSD is what is paid once (training runs, data transfer);
	// MonthlyUSD the run-rate (serving, storage, network, platform
	// services). They are never added together.
	OneOffUSD  float64 `json:"one_off_usd"`
	MonthlyUSD float64 `json:"monthly_usd"`
	// Lines are the priced items; the Lines of each Kind add up to its
	// total.
	Lines        []Line `json:"lines"`
	TrainingRuns []Run  `json:"training_runs"`
	// Unpriced says, one line each, what Missing holds: "item: not
	// priced (meter ...)".
	Unpriced []string `json:"unpriced"`
	// Missing are the items the catalog has no price for, or whose
	// volume the plan does not know, each with the meter that would
	// price it. They are not in the totals.
	Missing []Unpriced `json:"unpriced_items"`
	// NoCharge lists the resource types the zone deploys that carry no
	// charge of their own, and why.
	NoCharge []NoCharge `json:"no_charge"`
	// Prices says where the prices used came from and how old they are.
	Prices   PriceAge `json:"prices"`
	Currency string   `json:"currency"`
}

// Line is one priced item.
type Line struct {
	Item     string `json:"item"`
	Category string `json:"category"` // compute, storage, network, platform
	// Workload is the workload the line serves, "" for shared zone
	// infrastructure; Service is the Azure service billed (Virtual
	// Machines, Azure Firewall, ...) as the Retail Prices API names it.
	// Reports group by both.
	Workload string `json:"workload,omitempty"`
	Service  string `json:"service,omitempty"`
	// Kind is "monthly" or "one-off". USD is the line's amount: a month
	// of it for a monthly line (equal to USDPerMonth), the whole of it
	// for a one-off line (whose USDPerMonth is 0).
	Kind        string  `json:"kind"`
	USD         float64 `json:"usd"`
	USDPerMonth float64 `json:"usd_per_month"`
	Basis       string  `json:"basis"`
	// Meter is the meter the line is priced by ("service: meter").
	Meter string `json:"meter,omitempty"`
	// Types are the ARM resource types the line prices and Count how
	// many resources of them (0 when the line prices usage, not
	// resources).
	Types []string `json:"resource_types,omitempty"`
	Count int      `json:"count,omitempty"`
}

// Unpriced is an item left out of the totals, with the meter that would
// price it.
type Unpriced struct {
	Item     string `json:"item"`
	Workload string `json:"workload,omitempty"`
	Service  string `json:"service"`
	// Meter is the Retail Prices API meter ("service: meter") that would
	// price it; `aizone catalog prices fetch` reads it.
	Meter string `json:"meter"`
	Kind  string `json:"kind"` // monthly or one-off
	Why   string `json:"why"`
	// Types and Count as in Line.
	Types []string `json:"resource_types,omitempty"`
	Count int      `json:"count,omitempty"`
}

// NoCharge is a resource type with no charge of its own.
type NoCharge struct {
	Type string `json:"type"`
	Why  string `json:"why"`
}

// Run is the cost of one training run.
type Run struct {
	Workload string  `json:"workload"`
	Hours    float64 `json:"hours"`
	USD      float64 `json:"usd"`
	Basis    string  `json:"basis"`
}

// Input is the plan's decisions the cost depends on.
type Input struct {
	Region  string
	Compute compute.Result
	Storage storage.Result
	Network network.Result
	// LogAnalytics is true when the zone sends its resources'
	// diagnostics to the platform's workspace.
	LogAnalytics bool
}

// pricer accumulates a result.
type pricer struct {
	c   *catalog.Catalog
	in  Input
	res Result
	age ageTracker
}

// Plan prices the plan's decisions.
func Plan(c *catalog.Catalog, in Input) (Result, finding.List) {
	p := &pricer{c: c, in: in, res: Result{Lines: []Line{}, TrainingRuns: []Run{}, Unpriced: []string{}, Missing: []Unpriced{}, Currency: "USD"}}
	p.compute()
	p.storage()
	p.network()
	p.platform()
	p.res.NoCharge = noCharge()
	for _, l := range p.res.Lines {
		if l.Kind == OneOff {
			p.res.OneOffUSD += l.USD
		} else {
			p.res.MonthlyUSD += l.USDPerMonth
		}
	}
	p.res.OneOffUSD, p.res.MonthlyUSD = round(p.res.OneOffUSD), round(p.res.MonthlyUSD)
	p.res.Prices = p.age.result()
	sort.SliceStable(p.res.Missing, func(i, j int) bool {
		a, b := p.res.Missing[i], p.res.Missing[j]
		if a.Kind != b.Kind {
			return a.Kind == OneOff
		}
		return a.Item < b.Item
	})
	for _, u := range p.res.Missing {
		p.res.Unpriced = append(p.res.Unpriced, u.String())
	}
	var fs finding.List
	if n := len(p.res.Missing); n > 0 {
		fs.Add(finding.Info, "cost.unpriced", "", fmt.Sprintf("%d items have no catalog price or no known volume and are not in the totals; each names the meter that would price it", n))
	}
	return p.res, fs
}

func (p *pricer) monthly(l Line) {
	l.Kind = Monthly
	l.USDPerMonth = round(l.USDPerMonth)
	l.USD = l.USDPerMonth
	p.res.Lines = append(p.res.Lines, l)
}

func (p *pricer) oneOff(l Line) {
	l.Kind = OneOff
	l.USD = round(l.USD)
	l.USDPerMonth = 0
	p.res.Lines = append(p.res.Lines, l)
}

func (p *pricer) unpriced(u Unpriced) { p.res.Missing = append(p.res.Missing, u) }

// String is the item as a report lists it: never a price of $0.
func (u Unpriced) String() string {
	return fmt.Sprintf("%s: not priced (meter %s; %s)", u.Item, u.Meter, u.Why)
}

// VMMeter is the Retail Prices API's meterName of a VM size: the ARM name
// without "Standard_" and underscores (Standard_ND96isr_H100_v5 is
// "ND96isrH100v5"; gpu-vm-prices.md §5).
func VMMeter(sku string) string {
	n := sku
	if len(n) > len("Standard_") && strings.EqualFold(n[:len("Standard_")], "Standard_") {
		n = n[len("Standard_"):]
	}
	return strings.ReplaceAll(n, "_", "")
}

func vmMeter(sku string) string {
	return fmt.Sprintf("Virtual Machines: %s (armSkuName %s, Linux)", VMMeter(sku), sku)
}

// poolTypes are the ARM types a pool's VMs are deployed as.
func poolTypes(orch string) []string {
	switch orch {
	case compute.OrchestratorBatch:
		return []string{"Microsoft.Batch/batchAccounts/pools"}
	case "aks":
		return []string{"Microsoft.ContainerService/managedClusters/agentPools"}
	case "vmss":
		return []string{"Microsoft.Compute/virtualMachineScaleSets"}
	}
	// Slurm nodes are deployed by CycleCloud Workspace for Slurm, not by
	// the zone's template.
	return nil
}

func (p *pricer) compute() {
	aksRegions := map[string]bool{}
	for _, pl := range p.in.Compute.Pools {
		if pl.SKU == "" {
			continue
		}
		if pl.Orchestrator == "aks" {
			aksRegions[pl.Region] = true
		}
		types := poolTypes(pl.Orchestrator)
		count := 0
		if types != nil {
			count = 1
		}
		n := pl.Nodes + pl.SpareNodes
		if pl.USDPerHour == 0 {
			kind, item, why := Monthly, pl.Workload+" pool", fmt.Sprintf("no price for %s in the catalog", pl.SKU)
			if pl.Training != nil {
				kind, item = OneOff, pl.Workload+" training run"
				why = fmt.Sprintf("%d × %s for %.1f h; %s", n, pl.SKU, pl.Training.Hours, why)
			}
			p.unpriced(Unpriced{Item: item, Workload: pl.Workload, Service: "Virtual Machines", Meter: vmMeter(pl.SKU), Kind: kind, Why: why, Types: types, Count: count})
			continue
		}
		p.age.vm(p.c, pl.SKU, pl.Region)
		perVM := pl.USDPerHour / float64(max(n, 1))
		nodes := fmt.Sprintf("%d × %s", pl.Nodes, pl.SKU)
		if pl.SpareNodes > 0 {
			nodes = fmt.Sprintf("(%d + %d spare) × %s", pl.Nodes, pl.SpareNodes, pl.SKU)
		}
		at := fmt.Sprintf("at $%.2f/h (%s)", perVM, pl.PriceSource)
		if pl.Training != nil {
			// The estimate's cost, spares included (compute/spares.go).
			usd := pl.Training.CostUSD
			p.res.TrainingRuns = append(p.res.TrainingRuns, Run{Workload: pl.Workload, Hours: pl.Training.Hours, USD: round(usd),
				Basis: fmt.Sprintf("%s for %.1f h", nodes, pl.Training.Hours)})
			p.oneOff(Line{Item: pl.Workload + " training run", Category: "compute", Workload: pl.Workload, Service: "Virtual Machines",
				USD: usd, Basis: fmt.Sprintf("%s %s × %.1f h", nodes, at, pl.Training.Hours), Meter: vmMeter(pl.SKU), Types: types, Count: count})
			continue
		}
		hours := math.Min(pl.MonthlyHours, hoursPerMonth)
		p.monthly(Line{Item: pl.Workload + " pool", Category: "compute", Workload: pl.Workload, Service: "Virtual Machines",
			USDPerMonth: pl.USDPerHour * hours, Basis: fmt.Sprintf("%s %s × %.0f h a month", nodes, at, hours), Meter: vmMeter(pl.SKU), Types: types, Count: count})
	}
	regions := make([]string, 0, len(aksRegions))
	for r := range aksRegions {
		regions = append(regions, r)
	}
	sort.Strings(regions)
	for _, r := range regions {
		p.aks(r)
	}
	p.batch()
}

// aksSystemPool is the system node pool resources.Build gives every
// cluster: three nodes of this size.
const (
	aksSystemSize  = "Standard_D4ds_v5"
	aksSystemNodes = 3
)

func (p *pricer) aks(region string) {
	types := []string{"Microsoft.ContainerService/managedClusters"}
	if sp, ok := p.service("aks-standard-hour", region); ok {
		p.monthly(Line{Item: "AKS cluster " + region + " (Standard tier)", Category: "platform", Service: sp.Service,
			USDPerMonth: sp.USD * hoursPerMonth, Basis: fmt.Sprintf("1 cluster at $%.2f per cluster-hour %s × 730 h", sp.USD, sp.cite()), Meter: sp.meter(), Types: types, Count: 1})
	} else {
		p.unpriced(Unpriced{Item: "AKS cluster " + region + " (Standard tier)", Service: "Azure Kubernetes Service", Meter: p.meterOf("aks-standard-hour"), Kind: Monthly, Why: "no price in the catalog", Types: types, Count: 1})
	}
	item := fmt.Sprintf("AKS system pool %s (%d × %s)", region, aksSystemNodes, aksSystemSize)
	if pr, ok := p.c.Price(aksSystemSize, region); ok {
		p.age.vm(p.c, aksSystemSize, region)
		p.monthly(Line{Item: item, Category: "platform", Service: "Virtual Machines", USDPerMonth: pr.PAYG * aksSystemNodes * hoursPerMonth,
			Basis: fmt.Sprintf("%d × %s at $%.3f/h (%s %s) × 730 h", aksSystemNodes, aksSystemSize, pr.PAYG, pr.Source, pr.Date), Meter: vmMeter(aksSystemSize)})
	} else {
		p.unpriced(Unpriced{Item: item, Service: "Virtual Machines", Meter: vmMeter(aksSystemSize), Kind: Monthly, Why: "no price for the size in the catalog"})
	}
}

func (p *pricer) batch() {
	for _, pl := range p.in.Compute.Pools {
		if pl.SKU != "" && pl.Orchestrator == compute.OrchestratorBatch {
			// The account is free (the VMs are priced per pool); said
			// once, under no_charge.
			return
		}
	}
}

func (p *pricer) storage() {
	st := p.in.Storage
	// Blob: the average month over each container's retention, following
	// its lifecycle schedule.
	containers := []string{"Microsoft.Storage/storageAccounts/blobServices/containers"}
	for _, ct := range st.Account.Containers {
		usd, basis := p.containerMonthly(ct)
		p.monthly(Line{Item: "blob " + ct.Name, Category: "storage", Service: "Storage", USDPerMonth: usd, Basis: basis,
			Meter: "Storage: Hot LRS Data Stored (then Cool, Cold, Archive as the lifecycle moves it)", Types: containers, Count: 1})
	}
	if len(st.Account.Containers) > 0 {
		p.unpriced(Unpriced{Item: "Blob operations (reads, writes, tier changes)", Service: "Storage", Meter: "Storage: Hot LRS Write Operations, Hot Read Operations (per 10,000)",
			Kind: Monthly, Why: "the catalog prices them per 10,000 operations, but the plan does not model how many the jobs make"})
	}
	ht := st.HotTier
	switch ht.Kind {
	case "netapp":
		types := []string{"Microsoft.NetApp/netAppAccounts/capacityPools"}
		meter := fmt.Sprintf("Azure NetApp Files: %s Capacity (per GiB-hour)", ht.SKU)
		if ht.USDPerMonth == 0 {
			if usd, basis, ok := p.netAppMeter(ht.SKU, ht.CapacityTiB); ok {
				p.monthly(Line{Item: "hot tier NetApp " + ht.SKU, Category: "storage", Service: "Azure NetApp Files", USDPerMonth: usd, Basis: basis, Meter: meter, Types: types, Count: 1})
				return
			}
		}
		if ht.USDPerMonth > 0 {
			p.age.storage(p.c, "netapp", ht.SKU)
			p.monthly(Line{Item: "hot tier NetApp " + ht.SKU, Category: "storage", Service: "Azure NetApp Files", USDPerMonth: ht.USDPerMonth,
				Basis: fmt.Sprintf("%.0f TiB capacity pool at $%.2f per TiB-month (%s)", ht.CapacityTiB, ht.USDPerMonth/math.Max(ht.CapacityTiB, 1), netAppPriceSource(p.c, ht.SKU)), Meter: meter, Types: types, Count: 1})
		} else {
			p.unpriced(Unpriced{Item: fmt.Sprintf("hot tier NetApp %s %.0f TiB", ht.SKU, ht.CapacityTiB), Service: "Azure NetApp Files", Meter: meter, Kind: Monthly, Why: "no price for the service level in the catalog", Types: types, Count: 1})
		}
	case "lustre":
		types := []string{"Microsoft.StorageCache/amlFilesystems"}
		meter := fmt.Sprintf("Azure Managed Lustre: %s capacity (per TiB-hour)", strings.TrimPrefix(ht.SKU, "AMLFS-"))
		if ht.USDPerMonth > 0 {
			p.age.storage(p.c, "lustre", ht.SKU)
			p.monthly(Line{Item: "hot tier Managed Lustre " + ht.SKU, Category: "storage", Service: "Azure Managed Lustre", USDPerMonth: ht.USDPerMonth,
				Basis: fmt.Sprintf("%.0f TiB", ht.CapacityTiB), Meter: meter, Types: types, Count: 1})
		} else {
			p.unpriced(Unpriced{Item: fmt.Sprintf("hot tier Managed Lustre %s %.0f TiB", ht.SKU, ht.CapacityTiB), Service: "Azure Managed Lustre", Meter: meter, Kind: Monthly,
				Why: "no Managed Lustre price in any stored source (network.md); aizone catalog prices fetch reads it", Types: types, Count: 1})
		}
	}
}

// netAppMeter prices a capacity pool from the service meters: the level's
// GiB-month figure, else its GiB-hour figure over 730 hours.
func (p *pricer) netAppMeter(level string, tib float64) (float64, string, bool) {
	lv := strings.ToLower(level)
	gib := tib * 1024
	if sp, ok := p.service("netapp-"+lv+"-gib-month", p.in.Region); ok {
		return gib * sp.USD, fmt.Sprintf("%.0f TiB capacity pool = %.0f GiB at $%g per GiB-month %s", tib, gib, sp.USD, sp.cite()), true
	}
	if sp, ok := p.service("netapp-"+lv+"-gib-hour", p.in.Region); ok {
		return gib * sp.USD * hoursPerMonth, fmt.Sprintf("%.0f TiB capacity pool = %.0f GiB at $%g per GiB-hour %s × 730 h", tib, gib, sp.USD, sp.cite()), true
	}
	return 0, "", false
}

func netAppPriceSource(c *catalog.Catalog, level string) string {
	for _, l := range c.Storage.NetApp {
		if strings.EqualFold(l.Name, level) && l.PriceSource != "" {
			return citeSource(c, l.PriceSource, "", "")
		}
	}
	return "catalog"
}

// containerMonthly is a container's Blob capacity a month. With a delete
// step, the average month over its retention, following its schedule.
// Without one (serving weights, a file system's logs) the data is kept
// until the team retires it, so every month it holds its bytes in the
// tier its last rule leaves it in (Hot with no rule): averaging over zero
// days of retention would price it at nothing.
func (p *pricer) containerMonthly(ct storage.Container) (float64, string) {
	// Blob capacity is billed per GB of 2^30 bytes, as the simulation counts it.
	gb := float64(ct.Bytes) / (1 << 30)
	tierAt := func(name string) float64 {
		if t, ok := p.c.BlobTier(name); ok {
			p.age.blob(p.c, t)
			return t.USDPerGBMonth
		}
		return 0
	}
	// Walk the schedule: days in each tier until deletion.
	day, tier, total, deleted := 0, "hot", 0.0, false
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
		case "delete":
			deleted = true
		}
		if deleted {
			break
		}
	}
	if !deleted {
		how := "no lifecycle rule deletes it"
		if len(ct.Schedule) > 0 {
			how = "its lifecycle rule tiers it down but never deletes it"
		}
		return gb * tierAt(tier), fmt.Sprintf("%.1f GiB in %s every month: %s, so it is kept until retired", gb, strings.ToUpper(tier[:1])+tier[1:], how)
	}
	months := float64(max(ct.RetainDays, 1)) / 30.4
	avg := gb * total / 30.4 / months
	return avg, fmt.Sprintf("%.0f GiB averaged over %d days of retention following the lifecycle schedule", gb, ct.RetainDays)
}

func (p *pricer) network() {
	n := p.in.Network
	region := p.in.Region
	// Private endpoints: an hourly fee each.
	if k := len(n.PrivateEndpoints) + len(n.ComputeEndpoints); k > 0 {
		p.perResource("private endpoints", "network", "private-endpoint-hour", region, k, hoursPerMonth, "endpoint-hours", []string{"Microsoft.Network/privateEndpoints"})
	}
	if k := len(n.PrivateDNSZones); k > 0 {
		p.perResource("private DNS zones", "network", "private-dns-zone-month", region, k, 1, "zone-month (first 25)", []string{"Microsoft.Network/privateDnsZones"})
		p.unpriced(Unpriced{Item: "private DNS queries", Service: "Azure DNS", Meter: p.meterOf("private-dns-queries"), Kind: Monthly, Why: p.usageWhy("private-dns-queries", region)})
	}
	pips := 0
	for _, ng := range n.NATGateways {
		if ng.PublicIP != "" {
			pips++
		}
	}
	if len(n.NATGateways) > 0 {
		p.perResource("NAT gateways", "network", "nat-gateway-hour", region, len(n.NATGateways), hoursPerMonth, "gateway-hours", []string{"Microsoft.Network/natGateways"})
		p.unpriced(Unpriced{Item: "NAT gateway data processed", Service: "NAT Gateway", Meter: p.meterOf("nat-gateway-gb"), Kind: Monthly, Why: p.usageWhy("nat-gateway-gb", region)})
	}
	if h := n.Hub; h != nil {
		if h.GatewayName != "" {
			pips++
			p.unpriced(Unpriced{Item: fmt.Sprintf("ExpressRoute gateway %s (%s)", h.GatewayName, h.Gateway), Service: "ExpressRoute", Meter: "ExpressRoute: " + h.Gateway + " gateway (per hour)", Kind: Monthly,
				Why: "no ExpressRoute gateway price in any stored source (network.md); aizone catalog prices fetch reads it", Types: []string{"Microsoft.Network/virtualNetworkGateways"}, Count: 1})
		}
		if h.Firewall != "" {
			pips++
			tier := strings.ToLower(h.FirewallTier)
			if tier == "" {
				tier = "standard"
			}
			p.perResource("Azure Firewall "+h.FirewallTier, "network", "firewall-"+tier+"-hour", region, 1, hoursPerMonth, "deployment-hours", []string{"Microsoft.Network/azureFirewalls"})
			p.unpriced(Unpriced{Item: "Azure Firewall data processed", Service: "Azure Firewall", Meter: p.meterOf("firewall-" + tier + "-gb"), Kind: Monthly, Why: p.usageWhy("firewall-"+tier+"-gb", region)})
		}
		if h.Bastion {
			pips++
			p.unpriced(Unpriced{Item: "Azure Bastion (Standard)", Service: "Azure Bastion", Meter: "Azure Bastion: Standard Gateway (per hour)", Kind: Monthly,
				Why: "no Bastion price in any stored source", Types: []string{"Microsoft.Network/bastionHosts"}, Count: 1})
		}
	}
	if pips > 0 {
		p.perResource("Standard public IPs", "network", "public-ip-standard-hour", region, pips, hoursPerMonth, "IP-hours", []string{"Microsoft.Network/publicIPAddresses"})
	}
	if len(n.Peerings) > 0 {
		p.unpriced(Unpriced{Item: "VNet peering traffic (steady state)", Service: "Virtual Network", Meter: p.meterOf("vnet-peering-intra-egress-gb") + "; " + p.meterOf("vnet-peering-intra-ingress-gb"), Kind: Monthly,
			Why: p.usageWhy("vnet-peering-intra-egress-gb", region) + "; moving on-premises data in is priced as one-off", Types: []string{"Microsoft.Network/virtualNetworks/virtualNetworkPeerings"}, Count: len(n.Peerings)})
	}
	p.transfers()
}

// transfers prices moving each on-premises dataset in, once: ExpressRoute
// carries inbound data free (network.md, V); the data then crosses the
// hub-spoke peering (billed on each side) and the storage account's
// private endpoint.
func (p *pricer) transfers() {
	n := p.in.Network
	for _, t := range n.Transfers {
		if t.Bytes <= 0 {
			continue
		}
		gb := float64(t.Bytes) / 1e9
		name := t.Data
		if name == "" {
			name = "data"
		}
		var parts []string
		usd := 0.0
		ok := true
		for _, k := range []string{"vnet-peering-intra-egress-gb", "vnet-peering-intra-ingress-gb", "private-endpoint-ingress-gb"} {
			sp, found := p.service(k, p.in.Region)
			if !found {
				ok = false
				break
			}
			usd += gb * sp.USD
			parts = append(parts, fmt.Sprintf("%s $%g/GB %s", sp.Meter, sp.USD, sp.cite()))
		}
		if !ok || len(n.Peerings) == 0 {
			p.unpriced(Unpriced{Item: "move " + name + " in", Workload: "", Service: "Virtual Network", Meter: p.meterOf("vnet-peering-intra-ingress-gb"), Kind: OneOff, Why: "no peering or private endpoint data price in the catalog"})
			continue
		}
		p.oneOff(Line{Item: "move " + name + " in over ExpressRoute", Category: "network", Service: "Virtual Network", USD: usd,
			Basis: fmt.Sprintf("%.0f GB once: ExpressRoute inbound data is free; through the hub peering and the storage private endpoint: %s", gb, strings.Join(parts, ", ")),
			Meter: "Virtual Network: Intra-Region Ingress/Egress, Standard Data Processed - Ingress"})
		if er := n.ExpressRoute; er != nil && er.Circuit != "" {
			p.unpriced(Unpriced{Item: "ExpressRoute circuit " + er.Circuit + " (the platform's)", Service: "ExpressRoute", Meter: fmt.Sprintf("ExpressRoute: %s circuit, %s (per month)", er.Circuit, firstNonEmpty(er.SKU, "Standard")), Kind: Monthly,
				Why: "no circuit price in any stored source (network.md); the platform's circuit, not deployed by this zone"})
		}
	}
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

func (p *pricer) platform() {
	for _, pe := range p.in.Network.ComputeEndpoints {
		switch pe.TargetType {
		case "Microsoft.KeyVault/vaults":
			p.unpriced(Unpriced{Item: "Key Vault " + pe.Target + " operations", Service: "Key Vault", Meter: p.meterOf("key-vault-operations"), Kind: Monthly,
				Why: "Key Vault (Standard) has no fixed fee; its operations have no price in any stored source and their number is not modeled", Types: []string{pe.TargetType}, Count: 1})
		case "Microsoft.ContainerRegistry/registries":
			p.unpriced(Unpriced{Item: "Container Registry " + pe.Target + " (Premium)", Service: "Container Registry", Meter: p.meterOf("acr-premium-day"), Kind: Monthly,
				Why: "no Container Registry price in any stored source", Types: []string{pe.TargetType}, Count: 1})
		}
	}
	if p.in.LogAnalytics {
		p.unpriced(Unpriced{Item: "diagnostics ingested by the platform's Log Analytics workspace", Service: "Log Analytics", Meter: p.meterOf("log-analytics-ingestion-gb"), Kind: Monthly,
			Why: "billed to the platform's workspace by volume, which the plan does not model", Types: []string{"Microsoft.Insights/diagnosticSettings"}})
	}
}

// perResource adds a line for k resources billed per unit of a service
// meter, units of it each a month.
func (p *pricer) perResource(item, category, key, region string, k int, units float64, unitName string, types []string) {
	sp, ok := p.service(key, region)
	if !ok {
		p.unpriced(Unpriced{Item: fmt.Sprintf("%s (%d)", item, k), Service: p.serviceOf(key), Meter: p.meterOf(key), Kind: Monthly, Why: "no price in the catalog", Types: types, Count: k})
		return
	}
	basis := fmt.Sprintf("%d × $%g per %s %s", k, sp.USD, strings.TrimSuffix(unitName, "s"), sp.cite())
	if units != 1 {
		basis = fmt.Sprintf("%d × %.0f %s at $%g %s", k, units, unitName, sp.USD, sp.cite())
	}
	p.monthly(Line{Item: fmt.Sprintf("%s (%d)", item, k), Category: category, Service: sp.Service, USDPerMonth: float64(k) * units * sp.USD, Basis: basis, Meter: sp.meter(), Types: types, Count: k})
}

// usageWhy says why a usage meter is left out: the plan knows no volume;
// the unit price is given when the catalog has it.
func (p *pricer) usageWhy(key, region string) string {
	if sp, ok := p.service(key, region); ok {
		return fmt.Sprintf("$%g per %s %s, but the plan does not model the volume", sp.USD, sp.Unit, sp.cite())
	}
	return "no price in the catalog, and the plan does not model the volume"
}

// svc is a service price found for a region.
type svc struct {
	*catalog.ServicePrice
	c      *catalog.Catalog
	region string // the zone's region
}

func (s svc) meter() string { return s.Service + ": " + s.Meter }

func (s svc) cite() string {
	where := ""
	if s.Region != "" && s.Region != s.region {
		where = s.Region + " price"
	}
	return "(" + citeSource(s.c, s.Source, s.Date, where) + ")"
}

func citeSource(c *catalog.Catalog, src, date, where string) string {
	parts := []string{src}
	if m := c.MarkOf(src, ""); m != "" {
		parts = append(parts, m)
	}
	if date != "" {
		parts = append(parts, date)
	}
	if where != "" {
		parts = append(parts, where)
	}
	return strings.Join(parts, " ")
}

// service returns the price of a meter in region: the region's own, else
// the meter's global figure, else the first region the catalog has.
func (p *pricer) service(key, region string) (svc, bool) {
	sp, ok := p.c.ServiceIn(key, region)
	if !ok || (sp.USD == 0 && !sp.NoCharge) {
		return svc{}, false
	}
	p.age.service(sp)
	return svc{ServicePrice: sp, c: p.c, region: region}, true
}

func (p *pricer) meterOf(key string) string {
	if sp, ok := p.c.ServiceIn(key, ""); ok {
		return sp.Service + ": " + sp.Meter
	}
	return key
}

func (p *pricer) serviceOf(key string) string {
	if sp, ok := p.c.ServiceIn(key, ""); ok {
		return sp.Service
	}
	return ""
}

func round(v float64) float64 { return math.Round(v*100) / 100 }
