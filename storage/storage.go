// Package storage decides where a zone's data live: the hot file system that
// keeps the GPUs fed while jobs run, and the Blob account with lifecycle
// rules that tier data down to Cool, Cold and Archive and delete it at
// retention. A pure engine: zone, catalog and compute pools in, decisions
// with reasons out.
//
// The hot tier is sized from capacity (hot datasets plus retained
// checkpoints) and bandwidth (training read rate and checkpoint bursts)
// for local NVMe with BlobFuse2, Azure Managed Lustre and Azure NetApp
// Files, and the cheapest that meets both is chosen (hottier.go); the Blob
// account gets one lifecycle rule per data entry.
package storage

import (
	"fmt"

	"github.com/aizone/aizone/catalog"
	"github.com/aizone/aizone/compute"
	"github.com/aizone/aizone/finding"
	"github.com/aizone/aizone/lifecycle"
	"github.com/aizone/aizone/naming"
	"github.com/aizone/aizone/spec"
	"github.com/aizone/aizone/units"
)

// Sizing assumptions, stated once.
const (
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
	Kind           string  `json:"kind"` // lustre, netapp, local-nvme, none
	SKU            string  `json:"sku,omitempty"`
	CapacityTiB    float64 `json:"capacity_tib"`
	ThroughputMBps float64 `json:"throughput_mbps"` // 0 for local-nvme: not rated in the catalog
	RequiredTiB    float64 `json:"required_tib"`
	RequiredMBps   float64 `json:"required_mbps"`
	SubnetPrefix   int     `json:"subnet_prefix,omitempty"`
	// BlobIntegration: the hot tier reads from and writes to Blob itself
	// (BlobFuse2 for local NVMe, HSM for Managed Lustre); NetApp volumes
	// are copied to and from Blob by the jobs.
	BlobIntegration bool    `json:"blob_integration"`
	USDPerMonth     float64 `json:"usd_per_month"` // 0 when the catalog has no price
	Reason          string  `json:"reason"`
	RunnerUp        string  `json:"runner_up,omitempty"`
	Source          string  `json:"source,omitempty"`
	// Demand is what the training pools need, with its formulas.
	Demand *Demand `json:"demand,omitempty"`
	// HSM is Managed Lustre's Blob integration, when it has one.
	HSM *LustreHSM `json:"hsm,omitempty"`
	// Options are every design sized, cheapest first.
	Options []HotOption `json:"options"`
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
	return "st" + naming.Compact(zone, 14) + naming.ZoneHash(zone, region)
}

// Plan sizes the hot tier and the Blob account.
func Plan(z *spec.Zone, c *catalog.Catalog, pools []compute.Pool) (Result, finding.List) {
	var fs finding.List
	res := Result{HotTier: hotTier(z, c, pools, &fs), Account: blobAccount(z, c, pools, &fs)}
	if h := res.HotTier.HSM; h != nil {
		// Managed Lustre logs its Blob integration to a container of its own.
		res.Account.Containers = append(res.Account.Containers, Container{Name: h.LoggingContainer, Data: "logs", Schedule: []lifecycle.Step{}})
	}
	return res, fs
}

func blobAccount(z *spec.Zone, c *catalog.Catalog, pools []compute.Pool, fs *finding.List) BlobAccount {
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
	if it, bytes, ok := defaultCheckpoints(z, c, pools); ok {
		// Training writes checkpoints whether or not the zone file lists
		// them; without a container and a rule they would pile up in Hot.
		items = append(items, it)
		acct.Containers = append(acct.Containers, Container{Name: it.Name, Data: spec.DataCheckpoints, Bytes: units.Bytes(bytes),
			HotDays: it.HotDays, RetainDays: it.RetainDays, Schedule: lifecycle.Schedule(it)})
		fs.Add(finding.Info, "storage.default-checkpoints", "data",
			fmt.Sprintf("no checkpoints listed under data: a %q container is added for the training checkpoints (three kept, %s), hot %d days and deleted after %d", it.Name, units.Bytes(bytes), it.HotDays, it.RetainDays))
	}
	if c, ok := defaultModels(z, pools, acct.Containers); ok {
		// Serving reads its weights from Blob (a private zone cannot pull
		// them from a model hub); without a container the serving pods
		// would have nothing to load.
		acct.Containers = append(acct.Containers, c)
		fs.Add(finding.Info, "storage.default-models", "data",
			fmt.Sprintf("no models listed under data: a %q container is added for the served weights (%s), with no lifecycle rule: weights being served must stay in Hot until the team retires them", c.Name, c.Bytes))
	}
	acct.Policy = lifecycle.Generate(items)
	return acct
}

// defaultModels is the container serving loads weights from, when the
// zone serves a model and lists no models or artifacts for it.
func defaultModels(z *spec.Zone, pools []compute.Pool, have []Container) (Container, bool) {
	for _, d := range z.Data {
		if d.Kind == spec.DataModels {
			return Container{}, false
		}
	}
	var gib float64
	for _, p := range pools {
		if p.Kind == spec.KindInference && p.Inference != nil {
			gib += p.Inference.WeightsGiB
		}
	}
	if gib == 0 {
		return Container{}, false
	}
	name := "models"
	for _, c := range have {
		if c.Name == name {
			name = "serving-models"
		}
	}
	return Container{Name: name, Data: spec.DataModels, Bytes: units.Bytes(gib * (1 << 30)), Schedule: []lifecycle.Step{}}, true
}

// defaultCheckpoints is the checkpoints container a zone with training
// needs when its data lists none: three full checkpoints of each training
// pool, hot for a week, deleted after 90 days (the defaults for
// checkpoints data).
func defaultCheckpoints(z *spec.Zone, c *catalog.Catalog, pools []compute.Pool) (lifecycle.Item, float64, bool) {
	for _, d := range z.Data {
		if d.Kind == spec.DataCheckpoints {
			return lifecycle.Item{}, 0, false
		}
	}
	name := "checkpoints"
	for _, d := range z.Data {
		if d.Name == name {
			name = "training-checkpoints"
		}
	}
	var bytes float64
	training := false
	for _, p := range pools {
		if p.Kind == spec.KindTraining {
			training = true
			bytes += 3 * checkpointBytes(z, c, p)
		}
	}
	if !training {
		return lifecycle.Item{}, 0, false
	}
	return lifecycle.Item{Name: name, Prefix: name + "/", HotDays: 7, RetainDays: 90}, bytes, true
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
