package prerequisites

import (
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/aizone/aizone/catalog"
	"github.com/aizone/aizone/compute"
	"github.com/aizone/aizone/finding"
	"github.com/aizone/aizone/plan"
	"github.com/aizone/aizone/resources"
)

// CodeQuota is the finding code of a quota shortfall.
const CodeQuota = "prerequisites.quota"

// Batch account quota names (properties of the Batch account, shown by
// az batch account show), for pools the Batch service allocates (Q-BATCH).
const (
	BatchDedicatedCores   = "dedicatedCoreQuota"
	BatchLowPriorityCores = "lowPriorityCoreQuota"
)

// Quota is the vCPU quota one region's pools draw on.
type Quota struct {
	Region string `json:"region"`
	// Family is the catalog's VM family ("ND H100 v5"), or what a regional
	// total covers.
	Family string `json:"family"`
	// FamilyQuotaName is the quota's name.value in az vm list-usage
	// ("standardNDSH100v5Family", "cores", "lowPriorityCores"), or the
	// Batch account's quota; empty when not known.
	FamilyQuotaName string `json:"family_quota_name"`
	// VCPUs is what the pools need: nodes × vCPUs of the size, summed.
	VCPUs int  `json:"vcpus"`
	Spot  bool `json:"spot"`
	// Batch rows are the Batch account's own quota, not the subscription's.
	Batch bool     `json:"batch"`
	Pools []string `json:"pools"`
	// Available is limit − current use from the usage given; nil if unknown.
	Available  *int  `json:"available,omitempty"`
	Sufficient *bool `json:"sufficient,omitempty"`
	// LocalName is the quota's localizedValue, from the usage when given.
	LocalName string `json:"local_name,omitempty"`
	Source    string `json:"source,omitempty"`
	Note      string `json:"note,omitempty"`
}

// demand is one pool's draw on quota.
type demand struct {
	pool   string
	region string
	sku    string
	nodes  int
	spot   bool
	batch  bool
}

// demands lists what every pool of the plan draws, plus the AKS system
// pools the cluster resources carry inline. Batch pools draw on the Batch
// account only when the account allocates them itself (BatchService, the
// default); in user subscription mode they are the subscription's VMs.
func demands(p *plan.Plan, rs []resources.Resource) []demand {
	userSub := false
	for _, r := range rs {
		if r.Type == "Microsoft.Batch/batchAccounts" && strings.EqualFold(str(r.Properties["poolAllocationMode"]), "UserSubscription") {
			userSub = true
		}
	}
	var out []demand
	for _, pl := range p.Compute.Pools {
		if pl.SKU == "" || pl.Nodes <= 0 {
			continue
		}
		out = append(out, demand{pool: pl.Workload, region: pl.Region, sku: pl.SKU, nodes: pl.Nodes + pl.SpareNodes,
			spot: pl.Priority == "spot", batch: pl.Orchestrator == compute.OrchestratorBatch && !userSub})
	}
	for _, r := range rs {
		if r.Type != "Microsoft.ContainerService/managedClusters" {
			continue
		}
		profiles, _ := r.Properties["agentPoolProfiles"].([]any)
		for _, x := range profiles {
			prof, _ := x.(map[string]any)
			// Only the system pools: user pools are the plan's pools
			// (separate agentPools resources), counted above.
			if !strings.EqualFold(str(prof["mode"]), "System") {
				continue
			}
			n := num(prof["count"])
			if n <= 0 || str(prof["vmSize"]) == "" {
				continue
			}
			out = append(out, demand{pool: fmt.Sprintf("AKS system pool %s/%s", r.Name, str(prof["name"])), region: r.Location,
				sku: str(prof["vmSize"]), nodes: n, spot: strings.EqualFold(str(prof["scaleSetPriority"]), "Spot")})
		}
	}
	return out
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

func num(v any) int {
	switch n := v.(type) {
	case int:
		return n
	case int64:
		return int(n)
	case float64:
		return int(math.Round(n))
	case json.Number:
		i, _ := n.Int64()
		return int(i)
	}
	return 0
}

type quotaKind int

// Row order inside a region: the families, then the regional totals.
const (
	kindFamily quotaKind = iota
	kindTotal
	kindLowPriority
)

type rowKey struct {
	batch  bool
	region string
	kind   quotaKind
	family string
}

// quotas sums the demands into rows: per region, regular VMs by family and
// in the regional total; Spot VMs in the region's low-priority pool; Batch
// pools in the Batch account's quotas, separately.
func quotas(ds []demand, c *catalog.Catalog) []Quota {
	rows := map[rowKey]*Quota{}
	add := func(k rowKey, q Quota, vcpus int, pool string) {
		r, ok := rows[k]
		if !ok {
			r = &q
			rows[k] = r
		}
		r.VCPUs += vcpus
		if !contains(r.Pools, pool) {
			r.Pools = append(r.Pools, pool)
		}
	}
	for _, d := range ds {
		region := strings.ToLower(d.region)
		s, ok := c.SKU(d.sku)
		if !ok {
			// No vCPU count: a row that says so, rather than a wrong sum.
			add(rowKey{d.batch, region, kindFamily, d.sku}, Quota{Region: region, Family: d.sku, Spot: d.spot, Batch: d.batch,
				Note: d.sku + " is not in the catalog: its vCPUs and quota family are not known; check az vm list-skus --location " + region + " --size " + d.sku}, 0, d.pool)
			continue
		}
		vcpus := d.nodes * s.VCPUs
		name, source, known := QuotaName(s.Family)
		note := ""
		if !known || unconfirmedSizes[strings.ToLower(s.Name)] {
			name, source = "", ""
			note = fmt.Sprintf("family quota name not known for %s (%s); check az vm list-usage --location %s and az vm list-skus --location %s --size %s (its family)", s.Name, s.Family, region, region, s.Name)
		}
		fam := s.Family
		if note != "" {
			fam = s.Family + " (" + s.Name + ")"
		}
		switch {
		case d.batch && d.spot:
			add(rowKey{true, region, kindLowPriority, ""}, Quota{Region: region, Family: "all families (Spot/low-priority)", FamilyQuotaName: BatchLowPriorityCores,
				Spot: true, Batch: true, Source: "Q-BATCH"}, vcpus, d.pool)
		case d.batch:
			add(rowKey{true, region, kindFamily, fam}, Quota{Region: region, Family: fam, FamilyQuotaName: name, Batch: true, Source: joinKeys(source, "Q-BATCH"), Note: note}, vcpus, d.pool)
			add(rowKey{true, region, kindTotal, ""}, Quota{Region: region, Family: "all families (dedicated)", FamilyQuotaName: BatchDedicatedCores, Batch: true, Source: "Q-BATCH"}, vcpus, d.pool)
		case d.spot:
			// Spot draws on the region's one Spot pool, whatever the
			// family, and not on the family's quota (Q-SPOT).
			add(rowKey{false, region, kindLowPriority, ""}, Quota{Region: region, Family: "all families (Spot)", FamilyQuotaName: QuotaLowPriority, Spot: true, Source: "Q-SPOT"}, vcpus, d.pool)
		default:
			add(rowKey{false, region, kindFamily, fam}, Quota{Region: region, Family: fam, FamilyQuotaName: name, Source: source, Note: note}, vcpus, d.pool)
			add(rowKey{false, region, kindTotal, ""}, Quota{Region: region, Family: "all families (regular)", FamilyQuotaName: QuotaCores, Source: "Q-VCPU"}, vcpus, d.pool)
		}
	}
	keys := make([]rowKey, 0, len(rows))
	for k := range rows {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		a, b := keys[i], keys[j]
		if a.batch != b.batch {
			return !a.batch // the subscription's quotas first
		}
		if a.region != b.region {
			return a.region < b.region
		}
		if a.kind != b.kind {
			return a.kind < b.kind
		}
		ka := strings.ToLower(rows[a].FamilyQuotaName + "\x00" + a.family)
		kb := strings.ToLower(rows[b].FamilyQuotaName + "\x00" + b.family)
		if ka != kb {
			return ka < kb
		}
		return a.family < b.family
	})
	out := make([]Quota, 0, len(keys))
	for _, k := range keys {
		q := *rows[k]
		sort.Strings(q.Pools)
		out = append(out, q)
	}
	return out
}

func joinKeys(keys ...string) string {
	var out []string
	for _, k := range keys {
		if k != "" {
			out = append(out, k)
		}
	}
	return strings.Join(out, ", ")
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// checkUsage fills Available and Sufficient from the usage of each row's
// region and returns a finding for every shortfall. Batch rows are the
// Batch account's quota, which az vm list-usage does not show.
func checkUsage(qs []Quota, usage map[string]Usage, subscriptionID string) finding.List {
	var fs finding.List
	byRegion := map[string]Usage{}
	for k, u := range usage {
		r := strings.ToLower(u.Region)
		if r == "" {
			r = strings.ToLower(k)
		}
		byRegion[r] = u
	}
	for i := range qs {
		q := &qs[i]
		if q.Batch || q.FamilyQuotaName == "" {
			continue
		}
		u, ok := byRegion[q.Region]
		if !ok {
			continue
		}
		it, ok := u.Item(q.FamilyQuotaName)
		if !ok {
			q.Note = joinNotes(q.Note, fmt.Sprintf("%s is not in the usage given for %s: the subscription may not offer the family there; check az vm list-usage --location %s", q.FamilyQuotaName, q.Region, q.Region))
			continue
		}
		avail := clampInt(it.Available())
		ok = int64(q.VCPUs) <= it.Available()
		q.Available, q.Sufficient = &avail, &ok
		q.LocalName = it.LocalName
		if ok {
			continue
		}
		need := it.Current + int64(q.VCPUs)
		rtype := "dedicated"
		if q.FamilyQuotaName == QuotaLowPriority {
			rtype = "lowPriority"
		}
		sub := subscriptionID
		if sub == "" {
			sub = "SUBSCRIPTION_ID"
		}
		fs.Add(finding.Error, CodeQuota, "", fmt.Sprintf(
			"%s: %s needs %d vCPUs for %s but %d are available (limit %d, %d in use); request a limit of at least %d on the portal's Quotas page (Compute), or: az quota create --resource-name %s --scope /subscriptions/%s/providers/Microsoft.Compute/locations/%s --limit-object value=%d limit-object-type=LimitValue --resource-type %s",
			q.Region, quotaLabel(*q), q.VCPUs, strings.Join(q.Pools, ", "), it.Available(), it.Limit, it.Current, need,
			shellQuote(it.Name), sub, q.Region, need, rtype))
	}
	fs.Sort()
	return fs
}

func quotaLabel(q Quota) string {
	if q.LocalName != "" && !strings.EqualFold(q.LocalName, q.FamilyQuotaName) {
		return fmt.Sprintf("%s (%s)", q.FamilyQuotaName, q.LocalName)
	}
	return q.FamilyQuotaName
}

func joinNotes(a, b string) string {
	if a == "" {
		return b
	}
	return a + "; " + b
}

func clampInt(v int64) int {
	if v > math.MaxInt32 {
		return math.MaxInt32
	}
	if v < math.MinInt32 {
		return math.MinInt32
	}
	return int(v)
}

// shellQuote quotes a word for a POSIX shell when it needs it (a few
// family names contain spaces).
func shellQuote(s string) string {
	if s != "" && !strings.ContainsAny(s, " \t\n'\"\\$`!*?[]{}()<>|&;#~") {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
