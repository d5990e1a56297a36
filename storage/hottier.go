package storage

import (
	"fmt"
	"math"
	"sort"

	"github.com/aizone/aizone/catalog"
	"github.com/aizone/aizone/compute"
	"github.com/aizone/aizone/finding"
	"github.com/aizone/aizone/spec"
	"github.com/aizone/aizone/units"
)

// Azure NetApp Files sizes, from the ARM schema of Microsoft.NetApp
// (../shared/corpora/arm-schemas 2026-05-01): capacity pools come in whole
// TiB; a regular volume holds at most 100 TiB, a large volume 500 TiB.
const (
	netAppRegularVolumeMaxTiB = 100
	netAppLargeVolumeMaxTiB   = 500
)

// checkpointStallFraction is the share of each checkpoint interval a job
// may spend writing its checkpoint: 5%, so that checkpointing costs the
// GPUs at most one part in twenty.
const checkpointStallFraction = 0.05

// maxCheckpointStallSeconds caps the stall for long intervals: five minutes
// of a large GPU pool is already expensive.
const maxCheckpointStallSeconds = 300

// Demand is what the training pools ask of the hot tier, with the formula
// behind each number.
type Demand struct {
	ReadMBps               float64 `json:"read_mbps"`
	CheckpointMBps         float64 `json:"checkpoint_mbps"`
	CheckpointStallSeconds float64 `json:"checkpoint_stall_seconds"`
	// DatasetTiB is the data the training pools read, as listed;
	// WorkingSetTiB is the part of it they read within their run (the hot
	// tier holds that, not the whole corpus: Blob stays the system of
	// record).
	DatasetTiB    float64  `json:"dataset_tib"`
	WorkingSetTiB float64  `json:"working_set_tib"`
	CheckpointTiB float64  `json:"checkpoint_tib"`
	Basis         []string `json:"basis"`
}

// HotOption is one hot-tier design that was sized, chosen or not.
type HotOption struct {
	Kind           string  `json:"kind"` // local-nvme, lustre, netapp
	SKU            string  `json:"sku,omitempty"`
	CapacityTiB    float64 `json:"capacity_tib"`
	ThroughputMBps float64 `json:"throughput_mbps"` // 0: not rated in the catalog
	USDPerMonth    float64 `json:"usd_per_month"`   // 0 with Priced false: unknown
	Priced         bool    `json:"priced"`
	Feasible       bool    `json:"feasible"`
	Note           string  `json:"note"`
	Source         string  `json:"source,omitempty"`
}

func (o HotOption) label() string {
	switch o.Kind {
	case "local-nvme":
		return "local NVMe with BlobFuse2 caching"
	case "lustre":
		return fmt.Sprintf("Azure Managed Lustre %s at %.0f TiB (%.0f MB/s)", o.SKU, o.CapacityTiB, o.ThroughputMBps)
	}
	return fmt.Sprintf("Azure NetApp Files %s, %.0f TiB pool (%.0f MB/s)", o.SKU, o.CapacityTiB, o.ThroughputMBps)
}

// LustreHSM is Managed Lustre's Blob integration: the container imported
// at creation and archived back to, and the separate logging container the
// service requires (ST-AMLFS-PRE). It is fixed at creation (ST-AMLFS).
type LustreHSM struct {
	Container        string `json:"container"`
	LoggingContainer string `json:"logging_container"`
	ImportPrefix     string `json:"import_prefix"`
	Export           string `json:"export"`
}

// lustreLoggingContainer is the container Managed Lustre writes its Blob
// integration logs to; it must differ from the data container.
const lustreLoggingContainer = "lustre-hsm-logs"

// demand sums what the training pools need. Read bandwidth is each pool's
// training tokens per second × the dataset's bytes per token (epochs make
// the run longer, not the reads faster); a checkpoint burst is the weights
// and optimizer states (14 bytes per parameter) written within the allowed
// stall, 5% of the checkpoint interval, at most five minutes.
//
// Capacity is the working set plus three checkpoints per job (latest,
// previous, and one being written). The working set is what the jobs read
// in their run window: each pool's read rate × its run time, split over
// the data it reads in proportion to their sizes, each entry bounded by its
// size (a second epoch reads the same bytes again), summed over pools that
// share it and bounded again. A pool without a run time (no estimate)
// counts its data whole. The rest of the corpus stays in Blob, the system
// of record, until a later run reads it.
func demand(z *spec.Zone, c *catalog.Catalog, training []compute.Pool) Demand {
	var d Demand
	var ckptBytes, readBps, writeBps float64
	// read[i] is the bytes the pools read of z.Data[i] within their runs.
	read := make([]float64, len(z.Data))
	var dataBytes float64
	d.CheckpointStallSeconds = maxCheckpointStallSeconds
	for _, p := range training {
		var w *spec.Workload
		for i := range z.Workloads {
			if z.Workloads[i].Name == p.Workload {
				w = &z.Workloads[i]
			}
		}
		bpt := spec.DefaultBytesPerToken
		stall := float64(maxCheckpointStallSeconds)
		if w != nil {
			if w.BytesPerToken > 0 {
				bpt = w.BytesPerToken
			}
			if iv := w.CheckpointInterval.Seconds(); iv > 0 {
				stall = math.Min(stall, iv*checkpointStallFraction)
			}
		}
		ck := checkpointBytes(z, c, p)
		ckptBytes += hotCheckpoints * ck
		rate := p.Training.TokensPerSecond * bpt
		readBps += rate
		burst := 0.0
		if stall > 0 {
			burst = ck / stall
		}
		writeBps = math.Max(writeBps, burst)
		d.CheckpointStallSeconds = math.Min(d.CheckpointStallSeconds, stall)
		d.Basis = append(d.Basis,
			fmt.Sprintf("%s reads %.0f tokens/s × %.1f bytes/token = %.0f MB/s", p.Workload, p.Training.TokensPerSecond, bpt, rate/1e6),
			fmt.Sprintf("%s writes a %s checkpoint (14 bytes per parameter) within %.0f s = %.0f MB/s", p.Workload, units.Bytes(int64(ck)), stall, burst/1e6))
		// The pool's share of each entry it reads.
		var mine []int
		var total float64
		for i, data := range z.Data {
			if readsData(data, p.Workload) {
				mine = append(mine, i)
				total += float64(data.Size)
			}
		}
		if total == 0 {
			continue
		}
		window := p.Training.Hours * 3600
		inRun := rate * window
		if window <= 0 || p.Training.TokensPerSecond <= 0 {
			inRun = total
		}
		for _, i := range mine {
			read[i] += inRun * float64(z.Data[i].Size) / total
		}
		if window > 0 {
			d.Basis = append(d.Basis, fmt.Sprintf("%s reads %s in its %s run (%.1f MB/s × %.0f h) of the %s it reads",
				p.Workload, units.Bytes(int64(math.Min(inRun, total))), humanHours(p.Training.Hours), rate/1e6, p.Training.Hours, units.Bytes(int64(total))))
		}
	}
	var working float64
	for i, data := range z.Data {
		if read[i] == 0 && !readByAny(data, training) {
			continue
		}
		dataBytes += float64(data.Size)
		working += math.Min(read[i], float64(data.Size))
	}
	d.ReadMBps, d.CheckpointMBps = math.Ceil(readBps/1e6), math.Ceil(writeBps/1e6)
	d.DatasetTiB, d.CheckpointTiB = round1(dataBytes/float64(units.TiB)), round1(ckptBytes/float64(units.TiB))
	d.WorkingSetTiB = round1(working / float64(units.TiB))
	return d
}

// readsData reports whether a training workload reads a data entry: the
// entry names it in used_by, or a dataset names no one (datasets go to
// every training workload by default). Checkpoints are counted apart;
// artifacts and models only when used_by names the workload (a base model
// to fine-tune).
func readsData(d spec.Data, workload string) bool {
	for _, u := range d.UsedBy {
		if u == workload {
			return d.Kind != spec.DataCheckpoints
		}
	}
	return len(d.UsedBy) == 0 && (d.Kind == spec.DataDataset || d.Kind == "")
}

func readByAny(d spec.Data, training []compute.Pool) bool {
	for _, p := range training {
		if readsData(d, p.Workload) {
			return true
		}
	}
	return false
}

// humanHours prints long times in days.
func humanHours(h float64) string {
	if h > 72 {
		return fmt.Sprintf("%.0f days", math.Ceil(h/24))
	}
	return fmt.Sprintf("%.0f h", math.Ceil(h))
}

// hotTier sizes every hot-tier design for the training pools and picks the
// cheapest that meets bandwidth and capacity. Local NVMe adds nothing to
// the bill; the others are compared by their catalog price, and when the
// catalog has none (Managed Lustre and NetApp prices were not found in the
// reference sources) by provisioned capacity, the unit both bill by.
func hotTier(z *spec.Zone, c *catalog.Catalog, pools []compute.Pool, fs *finding.List) HotTier {
	var training []compute.Pool
	for _, p := range pools {
		if p.Kind == spec.KindTraining && p.Training != nil {
			training = append(training, p)
		}
	}
	if len(training) == 0 {
		return HotTier{Kind: "none", Reason: "no training workload: inference loads weights from Blob at start-up", Options: []HotOption{}}
	}
	d := demand(z, c, training)
	needTiB := d.WorkingSetTiB + d.CheckpointTiB
	// Reads and checkpoint writes do not overlap: a synchronous checkpoint
	// pauses training, so the larger of the two sizes the file system.
	needMBps := math.Max(d.ReadMBps, d.CheckpointMBps)
	ht := HotTier{RequiredTiB: round1(needTiB), RequiredMBps: needMBps, Demand: &d}

	opts := []HotOption{localNVMe(c, training, d)}
	if o := &opts[0]; o.Feasible && training[0].Orchestrator == compute.OrchestratorSlurm {
		// The workspace mounts its additional file system itself, and
		// that is NetApp Files, Managed Lustre or an existing NFS export
		// (additionalFilesystem_t in the CycleCloud Workspace for Slurm's
		// bicep/types.bicep); BlobFuse2 on the nodes' disks would take a
		// cluster-init spec of the team's own.
		o.Feasible = false
		o.Note = "the Slurm workspace mounts NetApp Files or Managed Lustre as its file system itself, and BlobFuse2 on local disks would need a cluster-init spec of its own (additionalFilesystem_t, types.bicep); " + o.Note
	}
	opts = append(opts, lustreOptions(c, needTiB, needMBps)...)
	opts = append(opts, netAppOptions(c, needTiB, needMBps)...)
	sort.SliceStable(opts, func(i, j int) bool { return cheaper(opts[i], opts[j]) })
	ht.Options = opts
	best := opts[0]
	if !best.Feasible {
		fs.Add(finding.Error, "storage.hot-tier-too-large", "data",
			fmt.Sprintf("no hot tier holds %.0f TiB at %.0f MB/s: beyond self-service Managed Lustre and NetApp volume sizes; request a larger file system through support or split the datasets", needTiB, needMBps))
		ht.Kind, ht.Reason = "lustre", "no self-service Managed Lustre or NetApp size is large enough"
		return ht
	}
	ht.Kind, ht.SKU, ht.CapacityTiB, ht.ThroughputMBps, ht.USDPerMonth, ht.Source = best.Kind, best.SKU, best.CapacityTiB, best.ThroughputMBps, best.USDPerMonth, best.Source
	why := "the cheapest option that meets both"
	if best.Kind != "local-nvme" && !best.Priced {
		why = "the smallest provisioned capacity that meets both (the catalog has no price for it, so capacity, the unit it bills by, stands in)"
		fs.Add(finding.Info, "storage.no-price", "data", fmt.Sprintf("the catalog has no %s price; the hot tier was chosen by provisioned capacity and its cost is not in the total", best.Kind))
	}
	ht.Reason = fmt.Sprintf("%s meets %.1f TiB at %.0f MB/s (read %.0f MB/s, checkpoint burst %.0f MB/s) and is %s: %s; %s",
		best.label(), needTiB, needMBps, d.ReadMBps, d.CheckpointMBps, why, best.Note, workingSetReason(d, best.Kind))
	if w := unpricedMightWin(best, opts); w != "" {
		ht.Reason += "; " + w
		fs.Add(finding.Warning, "storage.unpriced-might-win", "data", w)
	}
	// The runner-up is the best design of another kind, which says more
	// than the next size of the same service; failing that, the next option.
	for pass := 0; pass < 2 && ht.RunnerUp == ""; pass++ {
		for _, o := range opts[1:] {
			if o.Feasible && (pass == 1 || o.Kind != best.Kind) {
				ht.RunnerUp = o.label() + ": " + o.Note
				break
			}
		}
	}
	switch best.Kind {
	case "local-nvme":
		ht.BlobIntegration = true // BlobFuse2 mounts the Blob containers
	case "lustre":
		ht.SubnetPrefix = lustreSubnet(c, best.CapacityTiB)
		if hsm := lustreHSM(z); hsm != nil {
			ht.BlobIntegration, ht.HSM = true, hsm
		}
	}
	return ht
}

// cheaper orders options: feasible first, then known cost (local NVMe is
// free; catalog prices), then provisioned TiB, then the lower throughput
// tier (over-provisioned bandwidth is paid for).
func cheaper(a, b HotOption) bool {
	if a.Feasible != b.Feasible {
		return a.Feasible
	}
	ak, bk := a.Priced || a.Kind == "local-nvme", b.Priced || b.Kind == "local-nvme"
	if ak != bk {
		return ak
	}
	if ak && a.USDPerMonth != b.USDPerMonth {
		return a.USDPerMonth < b.USDPerMonth
	}
	if a.CapacityTiB != b.CapacityTiB {
		return a.CapacityTiB < b.CapacityTiB
	}
	if a.ThroughputMBps != b.ThroughputMBps {
		return a.ThroughputMBps < b.ThroughputMBps
	}
	return a.Kind+a.SKU < b.Kind+b.SKU
}

// localNVMe: BlobFuse2's block cache streams the dataset from Blob into the
// nodes' local disks (ST-BF2) and checkpoints are written locally and copied
// to Blob. It fits one pool whose every node can hold the whole dataset
// (shuffled epochs may read any shard) and its share of the checkpoints;
// several pools need one shared namespace.
func localNVMe(c *catalog.Catalog, training []compute.Pool, d Demand) HotOption {
	o := HotOption{Kind: "local-nvme", Priced: true, Source: "ST-BF2"}
	if len(training) != 1 {
		o.Note = fmt.Sprintf("%d training pools need one shared namespace, which local disks are not", len(training))
		return o
	}
	p := training[0]
	sku, ok := c.SKU(p.SKU)
	if !ok {
		o.Note = "the pool's VM size is not in the catalog"
		return o
	}
	local := math.Max(sku.LocalNVMeGiB, sku.TempDiskGiB) / 1024 * localNVMeFill
	nodes := math.Max(float64(p.Nodes), 1)
	perNode := d.WorkingSetTiB + d.CheckpointTiB/nodes
	o.CapacityTiB = round1(local)
	if perNode > local {
		o.Note = fmt.Sprintf("each %s node needs %.1f TiB (the working set plus its share of checkpoints) but has %.1f TiB of local disk usable", sku.Name, perNode, local)
		return o
	}
	o.Feasible = true
	o.Note = fmt.Sprintf("each %s node caches the %.1f TiB working set and its share of checkpoints on %.1f TiB of usable local disk, at no extra cost; checkpoints are copied to Blob after they are written", sku.Name, d.WorkingSetTiB, local)
	return o
}

// lustreOptions sizes each Managed Lustre SKU: capacity is the larger of
// the data and the bandwidth divided by the SKU's MB/s per TiB, rounded up
// to the increment and at least the minimum (ST-AMLFS); above the
// self-service maximum the SKU is out.
func lustreOptions(c *catalog.Catalog, needTiB, needMBps float64) []HotOption {
	var out []HotOption
	for _, s := range c.Storage.Lustre {
		tib := math.Max(needTiB, needMBps/s.MBpsPerTiB)
		tib = math.Max(s.MinTiB, math.Ceil(tib/s.IncrementTiB-1e-9)*s.IncrementTiB)
		o := HotOption{Kind: "lustre", SKU: s.Name, CapacityTiB: tib, ThroughputMBps: tib * s.MBpsPerTiB, Source: s.Source,
			USDPerMonth: tib * s.USDPerTiBMonth, Priced: s.USDPerTiBMonth > 0}
		if tib > s.MaxTiB {
			o.Note = fmt.Sprintf("%.0f TiB is above the %.0f TiB self-service maximum", tib, s.MaxTiB)
		} else {
			o.Feasible = true
			o.Note = fmt.Sprintf("%.0f MB/s per TiB, %.0f TiB increments from %.0f TiB; one namespace for every node", s.MBpsPerTiB, s.IncrementTiB, s.MinTiB)
		}
		out = append(out, o)
	}
	return out
}

// netAppOptions sizes a capacity pool per service level: whole TiB, large
// enough for the data and for the bandwidth at the level's MiB/s per TiB
// (auto QoS gives a volume its quota × that rate, ST-ANF), with the data in
// one volume: up to 100 TiB regular, 500 TiB as a large volume.
func netAppOptions(c *catalog.Catalog, needTiB, needMBps float64) []HotOption {
	var out []HotOption
	needMiBps := needMBps * 1e6 / (1 << 20)
	for _, l := range c.Storage.NetApp {
		if l.MiBpsPerTiB <= 0 {
			continue
		}
		tib := math.Max(1, math.Ceil(math.Max(needTiB, needMiBps/l.MiBpsPerTiB)-1e-9))
		o := HotOption{Kind: "netapp", SKU: l.Name, CapacityTiB: tib, ThroughputMBps: math.Floor(tib * l.MiBpsPerTiB * (1 << 20) / 1e6), Source: l.Source,
			USDPerMonth: tib * l.USDPerTiBMonth, Priced: l.USDPerTiBMonth > 0}
		switch {
		case tib > netAppLargeVolumeMaxTiB:
			o.Note = fmt.Sprintf("%.0f TiB is above the %d TiB of a large volume", tib, netAppLargeVolumeMaxTiB)
		case tib > netAppRegularVolumeMaxTiB:
			o.Feasible = true
			o.Note = fmt.Sprintf("%.0f MiB/s per TiB; one large volume (over %d TiB)", l.MiBpsPerTiB, netAppRegularVolumeMaxTiB)
		default:
			o.Feasible = true
			o.Note = fmt.Sprintf("%.0f MiB/s per TiB with auto QoS; one volume", l.MiBpsPerTiB)
		}
		out = append(out, o)
	}
	return out
}

// lustreHSM links Managed Lustre to the first dataset container: its
// contents are imported when the file system is created (Blob integration
// is configurable only then, ST-AMLFS), and results are archived back to it.
func lustreHSM(z *spec.Zone) *LustreHSM {
	for _, d := range z.Data {
		if d.Kind == spec.DataDataset {
			return &LustreHSM{Container: d.Name, LoggingContainer: lustreLoggingContainer, ImportPrefix: "/",
				Export: fmt.Sprintf("archive new files (checkpoints, outputs) back to %s with lfs hsm_archive or an export job; Lustre keeps the namespace while Blob keeps the bytes", d.Name)}
		}
	}
	return nil
}

// lustreSubnet is the recommended subnet prefix for a capacity
// (ST-AMLFS-PRE); past the largest documented row (400 TiB) one more bit per
// doubling, as the table grows.
func lustreSubnet(c *catalog.Catalog, tib float64) int {
	rows := c.Storage.LustreSubnets
	for _, s := range rows {
		if tib <= s.MaxTiB {
			return s.Prefix
		}
	}
	if len(rows) == 0 {
		return 0
	}
	last := rows[len(rows)-1]
	prefix, max := last.Prefix, last.MaxTiB
	for tib > max && prefix > 16 {
		prefix--
		max *= 2
	}
	return prefix
}

func round1(v float64) float64 { return math.Round(v*10) / 10 }

// workingSetReason says why the hot tier holds the working set and not
// the whole corpus, and how the rest reaches the jobs.
func workingSetReason(d Demand, kind string) string {
	r := fmt.Sprintf("sized to the working set, %.1f TiB the jobs read in their run window, plus %.1f TiB of checkpoints (three a job), not to the %.1f TiB of data they may read: Blob stays the system of record",
		d.WorkingSetTiB, d.CheckpointTiB, d.DatasetTiB)
	if d.WorkingSetTiB >= d.DatasetTiB {
		r = fmt.Sprintf("sized to the %.1f TiB of data the jobs read (all of it within their runs) plus %.1f TiB of checkpoints (three a job); Blob stays the system of record", d.DatasetTiB, d.CheckpointTiB)
	}
	switch kind {
	case "lustre":
		return r + "; Managed Lustre's Blob integration imports the namespace and fetches a file's bytes when a job first reads it, so the rest stays in Blob"
	case "netapp":
		return r + "; NetApp Files has no Blob integration, so the jobs copy the part they read next into the volume before a run and their outputs back to Blob after it"
	case "local-nvme":
		return r + "; BlobFuse2 fetches blocks from Blob as the jobs read them"
	}
	return r
}

// unpricedMightWin says which hot-tier option the catalog does not price
// could have cost less than a priced choice: the one that would win at
// the highest price per TiB-month (the choice's monthly cost over its
// capacity). A free choice (local disks) cannot be beaten.
func unpricedMightWin(best HotOption, opts []HotOption) string {
	if !best.Priced || best.Kind == "local-nvme" || best.USDPerMonth <= 0 {
		return ""
	}
	var win *HotOption
	for i := range opts {
		o := &opts[i]
		if !o.Feasible || o.Priced || o.Kind == "local-nvme" || o.CapacityTiB <= 0 {
			continue
		}
		if win == nil || o.CapacityTiB < win.CapacityTiB {
			win = o
		}
	}
	if win == nil {
		return ""
	}
	return fmt.Sprintf("%s is not priced in the catalog and might have cost less: below $%.2f per TiB-month it would cost less than the choice's %s a month (add its price with aizone catalog prices fetch and --catalog)",
		win.label(), best.USDPerMonth/win.CapacityTiB, units.USD(best.USDPerMonth))
}
