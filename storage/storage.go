// Package storage decides where a zone's data live: the hot file system that
// keeps the GPUs fed while jobs run, and the Blob account with lifecycle
// rules that tier data down to Cool, Cold and Archive and delete it at
// retention. A pure engine: zone, catalog and compute pools in, decisions
// with reasons out.
//
// First version: the hot tier is sized from capacity (hot datasets plus
// retained checkpoints) and bandwidth (training read rate and checkpoint
// bursts); the Blob account gets one lifecycle rule per data entry.
package storage

import (
	"fmt"
	"hash/fnv"
	"math"
	"sort"
	"strings"

	"github.com/aizone/aizone/catalog"
	"github.com/aizone/aizone/compute"
	"github.com/aizone/aizone/finding"
	"github.com/aizone/aizone/lifecycle"
	"github.com/aizone/aizone/spec"
	"github.com/aizone/aizone/units"
)

// Sizing assumptions, stated once.
const (
	// A checkpoint must be written within this stall so that checkpointing
	// costs the job little (five minutes per interval).
	checkpointStallSeconds = 300
	// Checkpoints kept on the hot tier per training job (latest, previous,
	// and one being written).
	hotCheckpoints = 3
	// Bytes a checkpoint holds per parameter: bf16 weights plus fp32 master
	// weights, momentum and variance.
	checkpointBytesPerParam = 14.0
	// Local NVMe is used only up to this fraction of its size.
	localNVMeFill = 0.8
)

// Result is the storage part of a plan.
type Result struct {
	HotTier HotTier     `json:"hot_tier"`
	Account BlobAccount `json:"blob_account"`
}

// HotTier is the file system jobs read from and checkpoint to.
type HotTier struct {
	Kind            string  `json:"kind"` // lustre, local-nvme, none
	SKU             string  `json:"sku,omitempty"`
	CapacityTiB     float64 `json:"capacity_tib"`
	ThroughputMBps  float64 `json:"throughput_mbps"`
	RequiredTiB     float64 `json:"required_tib"`
	RequiredMBps    float64 `json:"required_mbps"`
	SubnetPrefix    int     `json:"subnet_prefix,omitempty"`
	BlobIntegration bool    `json:"blob_integration"`
	USDPerMonth     float64 `json:"usd_per_month"` // 0 when the catalog has no price
	Reason          string  `json:"reason"`
	RunnerUp        string  `json:"runner_up,omitempty"`
	Source          string  `json:"source,omitempty"`
}

// BlobAccount is the zone's Blob storage.
type BlobAccount struct {
	Name       string           `json:"name"`
	SKU        string           `json:"sku"`
	Kind       string           `json:"kind"`
	AccessTier string           `json:"access_tier"`
	Containers []Container      `json:"containers"`
	Policy     lifecycle.Policy `json:"lifecycle_policy"`
	Reason     string           `json:"reason"`
}

// Container holds one data entry.
type Container struct {
	Name       string           `json:"name"`
	Data       string           `json:"data"`
	Bytes      units.Bytes      `json:"bytes"`
	HotDays    int              `json:"hot_days"`
	RetainDays int              `json:"retain_days"`
	Schedule   []lifecycle.Step `json:"schedule"`
}

// AccountName derives a storage account name: 3–24 lowercase letters and
// digits, globally unique, so a short stable hash of zone and region follows
// the zone name.
func AccountName(zone, region string) string {
	h := fnv.New32a()
	h.Write([]byte(zone + "/" + region))
	base := strings.ReplaceAll(zone, "-", "")
	if len(base) > 14 {
		base = base[:14]
	}
	return fmt.Sprintf("st%s%06x", base, h.Sum32()&0xffffff)
}

// Plan sizes the hot tier and the Blob account.
func Plan(z *spec.Zone, c *catalog.Catalog, pools []compute.Pool) (Result, finding.List) {
	var fs finding.List
	res := Result{HotTier: hotTier(z, c, pools, &fs), Account: blobAccount(z)}
	return res, fs
}

func blobAccount(z *spec.Zone) BlobAccount {
	acct := BlobAccount{
		Name: AccountName(z.Name, z.Region), SKU: "Standard_LRS", Kind: "StorageV2", AccessTier: "Hot",
		Containers: []Container{},
		Reason: "StorageV2 with LRS: Archive needs LRS, GRS or RA-GRS, and AI data can be re-created or re-copied, " +
			"so zone redundancy is not worth its price; Hot by default, lifecycle rules tier data down",
	}
	var items []lifecycle.Item
	for _, d := range z.Data {
		it := lifecycle.Item{Name: d.Name, Prefix: d.Name + "/", HotDays: int(d.HotFor.Days()), RetainDays: int(d.RetainFor.Days()),
			Archive: d.Kind != spec.DataCheckpoints}
		items = append(items, it)
		acct.Containers = append(acct.Containers, Container{Name: d.Name, Data: d.Kind, Bytes: d.Size,
			HotDays: it.HotDays, RetainDays: it.RetainDays, Schedule: lifecycle.Schedule(it)})
	}
	acct.Policy = lifecycle.Generate(items)
	return acct
}

// checkpointBytes is the size of one full checkpoint of a training pool.
func checkpointBytes(z *spec.Zone, c *catalog.Catalog, p compute.Pool) float64 {
	for i := range z.Workloads {
		w := &z.Workloads[i]
		if w.Name != p.Workload || w.Kind != spec.KindTraining {
			continue
		}
		a, err := compute.ResolveModel(w.Model, c)
		if err != nil {
			return 0
		}
		if w.Method == "lora" {
			// Adapters and their optimizer state only.
			return a.Params * 0.01 * checkpointBytesPerParam
		}
		return a.Params * checkpointBytesPerParam
	}
	return 0
}

func hotTier(z *spec.Zone, c *catalog.Catalog, pools []compute.Pool, fs *finding.List) HotTier {
	var training []compute.Pool
	for _, p := range pools {
		if p.Kind == spec.KindTraining && p.Training != nil {
			training = append(training, p)
		}
	}
	if len(training) == 0 {
		return HotTier{Kind: "none", Reason: "no training workload: inference loads weights from Blob at start-up"}
	}
	// Capacity: datasets the training jobs read, plus retained checkpoints.
	var dataBytes, ckptBytes, readBps, writeBps float64
	for _, d := range z.Data {
		if d.Kind == spec.DataDataset || d.Kind == spec.DataModels {
			dataBytes += float64(d.Size)
		}
	}
	for _, p := range training {
		ck := checkpointBytes(z, c, p)
		ckptBytes += hotCheckpoints * ck
		writeBps = math.Max(writeBps, ck/checkpointStallSeconds)
		// Text at about four bytes per token; datasets in other formats
		// (images, audio) are read faster, which the zone states as
		// bytes_per_token.
		bpt := spec.DefaultBytesPerToken
		for i := range z.Workloads {
			if z.Workloads[i].Name == p.Workload && z.Workloads[i].BytesPerToken > 0 {
				bpt = z.Workloads[i].BytesPerToken
			}
		}
		readBps += p.Training.TokensPerSecond * bpt
	}
	needTiB := (dataBytes + ckptBytes) / float64(units.TiB)
	needMBps := math.Max(readBps, writeBps) / 1e6
	ht := HotTier{RequiredTiB: round1(needTiB), RequiredMBps: math.Ceil(needMBps), BlobIntegration: len(z.Data) > 0}

	// Local NVMe with BlobFuse2 caching costs nothing extra when one node's
	// disks hold the whole working set and there is one pool.
	if len(training) == 1 {
		sku, ok := c.SKU(training[0].SKU)
		if ok {
			local := math.Max(sku.LocalNVMeGiB, sku.TempDiskGiB) / 1024 * localNVMeFill
			if local >= needTiB {
				ht.Kind = "local-nvme"
				ht.CapacityTiB = round1(local)
				ht.Reason = fmt.Sprintf("the %.1f TiB working set fits on each %s node's local disks (%.1f TiB usable): BlobFuse2 block cache streams the dataset from Blob and checkpoints go to Blob, at no extra cost",
					needTiB, sku.Name, local)
				ht.RunnerUp = "Azure Managed Lustre, needed only when several nodes must share one namespace or the data outgrow local disks"
				return ht
			}
		}
	}
	type option struct {
		sku                 catalog.LustreSKU
		tib, mbps, usdMonth float64
	}
	var opts []option
	for _, s := range c.Storage.Lustre {
		tib := math.Max(needTiB, needMBps/s.MBpsPerTiB)
		tib = math.Max(s.MinTiB, math.Ceil(tib/s.IncrementTiB-1e-9)*s.IncrementTiB)
		if tib > s.MaxTiB {
			continue
		}
		opts = append(opts, option{sku: s, tib: tib, mbps: tib * s.MBpsPerTiB, usdMonth: tib * s.USDPerTiBMonth})
	}
	if len(opts) == 0 {
		fs.Add(finding.Error, "storage.hot-tier-too-large", "data",
			fmt.Sprintf("the hot tier needs %.0f TiB at %.0f MB/s, beyond self-service Managed Lustre sizes; request a larger file system through support or split datasets", needTiB, needMBps))
		ht.Kind = "lustre"
		ht.Reason = "no self-service Managed Lustre size is large enough"
		return ht
	}
	// The catalog has no Managed Lustre prices: the smallest provisioned
	// capacity, then the lower throughput tier, is the cheapest proxy.
	sort.SliceStable(opts, func(i, j int) bool {
		if opts[i].usdMonth != opts[j].usdMonth && opts[i].usdMonth > 0 && opts[j].usdMonth > 0 {
			return opts[i].usdMonth < opts[j].usdMonth
		}
		if opts[i].tib != opts[j].tib {
			return opts[i].tib < opts[j].tib
		}
		return opts[i].sku.MBpsPerTiB < opts[j].sku.MBpsPerTiB
	})
	best := opts[0]
	ht.Kind, ht.SKU, ht.CapacityTiB, ht.ThroughputMBps, ht.USDPerMonth, ht.Source = "lustre", best.sku.Name, best.tib, best.mbps, best.usdMonth, best.sku.Source
	ht.SubnetPrefix = lustreSubnet(c, best.tib)
	ht.Reason = fmt.Sprintf("Azure Managed Lustre %s at %.0f TiB gives %.0f MB/s for %.1f TiB and %.0f MB/s needed (read %.0f MB/s, checkpoint burst %.0f MB/s)",
		best.sku.Name, best.tib, best.mbps, needTiB, needMBps, readBps/1e6, writeBps/1e6)
	if len(opts) > 1 {
		ru := opts[1]
		ht.RunnerUp = fmt.Sprintf("%s at %.0f TiB (%.0f MB/s)", ru.sku.Name, ru.tib, ru.mbps)
	}
	if best.usdMonth == 0 {
		fs.Add(finding.Info, "storage.no-price", "data", "the catalog has no Managed Lustre price; the hot tier's cost is not included")
	}
	return ht
}

func lustreSubnet(c *catalog.Catalog, tib float64) int {
	for _, s := range c.Storage.LustreSubnets {
		if tib <= s.MaxTiB {
			return s.Prefix
		}
	}
	return 22
}

func round1(v float64) float64 { return math.Round(v*10) / 10 }
