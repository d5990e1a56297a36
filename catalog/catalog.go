// Package catalog holds the facts aizone decides with: GPU VM sizes, GPU
// specifications and measured ceilings, prices, storage and network
// offerings, images and model architectures. The facts come from
// ../shared/reference and are embedded at build time; every entry names its
// source. A user can replace or extend them with a directory of files in the
// same format (--catalog DIR).
package catalog

import (
	"fmt"
	"sort"
	"strings"
)

// Catalog is the loaded set of facts. Build it with Load or Default; it is
// read-only afterwards and safe for concurrent use.
type Catalog struct {
	Sources map[string]Source `yaml:"sources" json:"sources"`
	SKUs    []SKU             `yaml:"skus" json:"skus"`
	GPUs    []GPU             `yaml:"gpus" json:"gpus"`
	Prices  []Price           `yaml:"prices" json:"prices"`
	Models  []Model           `yaml:"models" json:"models"`
	Storage Storage           `yaml:"storage" json:"storage"`
	Network Network           `yaml:"network" json:"network"`
	Images  []Image           `yaml:"images" json:"images"`
	// Services are the prices of the platform, network and storage
	// meters a zone is billed by (firewall hours, private endpoints,
	// NetApp capacity, ...), keyed for the cost engine.
	Services []ServicePrice `yaml:"service_prices" json:"service_prices,omitempty"`
	// Unplaced are prices the reference gives that no planning price may
	// use: no region stated, a size not in the catalog, a rate with no
	// Linux pay-as-you-go beside it. They are kept so that every figure
	// of the reference is in the catalog with the reason it is not used.
	Unplaced []UnplacedPrice `yaml:"unplaced_prices" json:"unplaced_prices,omitempty"`
	// Attention lists measured attention-kernel throughput (kernels.yaml).
	Attention []AttentionKernel `yaml:"attention_kernels" json:"attention_kernels,omitempty"`

	skuByName   map[string]*SKU
	gpuByName   map[string]*GPU
	modelByName map[string]*Model
	prices      map[priceKey]*Price
	services    map[string]*ServicePrice
	// storageOrigin is the file the storage offerings (and their
	// prices) were read from.
	storageOrigin string
}

// Source is where a fact was read.
type Source struct {
	Title string `yaml:"title" json:"title"`
	Ref   string `yaml:"ref" json:"ref"`
	Date  string `yaml:"date" json:"date,omitempty"`
	// Mark grades the source: V read in the named source, S secondary
	// (a capture or quote whose origin is not named), D arithmetic on a
	// V or S figure. Empty for sources of facts other than prices.
	Mark string `yaml:"mark" json:"mark,omitempty"`
}

// SKU is an Azure VM size.
type SKU struct {
	Name        string  `yaml:"name" json:"name"`
	Family      string  `yaml:"family" json:"family"`
	VCPUs       int     `yaml:"vcpus" json:"vcpus"`
	MemoryGiB   float64 `yaml:"memory_gib" json:"memory_gib"`
	GPU         string  `yaml:"gpu" json:"gpu,omitempty"`           // key into GPUs; empty for CPU sizes
	GPUs        float64 `yaml:"gpus" json:"gpus,omitempty"`         // fractional for partitioned GPUs
	GPUMemoryGB float64 `yaml:"gpu_memory_gb" json:"gpu_memory_gb"` // per GPU (or per partition)
	// ScaleUp is the intra-VM GPU interconnect: "nvlink", "infinity-fabric" or "pcie".
	ScaleUp      string  `yaml:"scale_up" json:"scale_up,omitempty"`
	ScaleUpGBps  float64 `yaml:"scale_up_gbps" json:"scale_up_gbps,omitempty"` // per GPU, one direction
	InfiniBand   bool    `yaml:"infiniband" json:"infiniband"`
	IBGbpsPerVM  float64 `yaml:"ib_gbps_per_vm" json:"ib_gbps_per_vm,omitempty"`
	LocalNVMeGiB float64 `yaml:"local_nvme_gib" json:"local_nvme_gib,omitempty"`
	TempDiskGiB  float64 `yaml:"temp_disk_gib" json:"temp_disk_gib,omitempty"`
	NetworkMbps  float64 `yaml:"network_mbps" json:"network_mbps,omitempty"`
	AccelNet     bool    `yaml:"accelerated_networking" json:"accelerated_networking"`
	Confidential bool    `yaml:"confidential" json:"confidential,omitempty"`
	Arch         string  `yaml:"arch" json:"arch,omitempty"` // "x64" (default) or "arm64"
	// Retirement is the date (YYYY-MM-DD) after which the size is not offered.
	Retirement string `yaml:"retirement" json:"retirement,omitempty"`
	Note       string `yaml:"note" json:"note,omitempty"`
	Source     string `yaml:"source" json:"source"`
}

// IsGPU reports whether the size carries a GPU.
func (s *SKU) IsGPU() bool { return s.GPU != "" && s.GPUs > 0 }

// GPUMemoryTotalGB is the GPU memory of the whole VM.
func (s *SKU) GPUMemoryTotalGB() float64 { return s.GPUs * s.GPUMemoryGB }

// Retired reports whether the size is past its retirement on date (YYYY-MM-DD).
func (s *SKU) Retired(date string) bool { return s.Retirement != "" && s.Retirement <= date }

// GPU is a GPU model's peak and measured performance.
type GPU struct {
	Name       string  `yaml:"name" json:"name"`
	Vendor     string  `yaml:"vendor" json:"vendor"`
	BF16TFLOPS float64 `yaml:"bf16_tflops" json:"bf16_tflops"` // dense peak
	FP8TFLOPS  float64 `yaml:"fp8_tflops" json:"fp8_tflops,omitempty"`
	HBMGB      float64 `yaml:"hbm_gb" json:"hbm_gb"`
	HBMTBps    float64 `yaml:"hbm_tbps" json:"hbm_tbps"`
	NVLinkGBps float64 `yaml:"nvlink_gbps" json:"nvlink_gbps,omitempty"`
	TDPWatts   float64 `yaml:"tdp_watts" json:"tdp_watts,omitempty"`
	// Precisions lists the training/inference precisions the GPU runs
	// natively; empty means bf16 and fp16, plus fp8 when fp8_tflops is set.
	Precisions []string `yaml:"precisions" json:"precisions,omitempty"`
	// Measured achievable ceilings on Azure VMs (AI benchmarking guide).
	GEMMTFLOPS      float64 `yaml:"gemm_tflops" json:"gemm_tflops,omitempty"`
	GEMMDtype       string  `yaml:"gemm_dtype" json:"gemm_dtype,omitempty"`
	HBMMeasuredTBps float64 `yaml:"hbm_measured_tbps" json:"hbm_measured_tbps,omitempty"`
	NCCLBusGBps     float64 `yaml:"nccl_bus_gbps" json:"nccl_bus_gbps,omitempty"` // in-node all-reduce, large messages
	FlashAttnTFLOPS float64 `yaml:"flash_attn_tflops" json:"flash_attn_tflops,omitempty"`
	// HostLinkGBps is the measured host-to-device copy bandwidth
	// (nvbandwidth), which activation offload and checkpoint copies use.
	HostLinkGBps   float64 `yaml:"host_link_gbps" json:"host_link_gbps,omitempty"`
	MeasuredSource string  `yaml:"measured_source" json:"measured_source,omitempty"`
	// ScaleUpDomainGPUs is how many GPUs share one NVLink (or Infinity
	// Fabric) domain: 72 for a GB200 NVL72 rack, which spans 18 VMs; 0
	// means the GPUs of one VM.
	ScaleUpDomainGPUs int    `yaml:"scale_up_domain_gpus" json:"scale_up_domain_gpus,omitempty"`
	DomainSource      string `yaml:"domain_source" json:"domain_source,omitempty"`
	// AttentionStack names the attention kernels a current training and
	// serving stack runs on this GPU, by the names in attention_kernels;
	// the fastest of them with a measured table is used.
	AttentionStack []string `yaml:"attention_stack" json:"attention_stack,omitempty"`
	// Generation is the architecture (ampere, hopper, blackwell, cdna3):
	// what FP8 training keeps in memory depends on it.
	Generation string `yaml:"generation" json:"generation,omitempty"`
	Source     string `yaml:"source" json:"source"`
}

// AttentionKernel is one attention kernel's measured throughput on some
// GPUs at one precision, as a function of sequence length.
type AttentionKernel struct {
	Kernel string   `yaml:"kernel" json:"kernel"` // cudnn, flash-attention-2, flash-attention-3
	GPUs   []string `yaml:"gpus" json:"gpus"`
	Dtype  string   `yaml:"dtype" json:"dtype"` // bf16 (also fp16) or fp8
	// HeadDim and Causal describe the benchmark's shape.
	HeadDim int  `yaml:"head_dim" json:"head_dim"`
	Causal  bool `yaml:"causal" json:"causal"`
	// Seq lists sequence lengths, ascending; ForwardTFLOPS and
	// BackwardTFLOPS (optional) the rates at each, counted as the
	// benchmarks count (causal forward 2·s²·heads·head_dim a sequence,
	// backward 2.5 times that).
	Seq            []int     `yaml:"seq" json:"seq"`
	ForwardTFLOPS  []float64 `yaml:"forward_tflops" json:"forward_tflops"`
	BackwardTFLOPS []float64 `yaml:"backward_tflops" json:"backward_tflops,omitempty"`
	// BackwardRatio stands in for a missing backward table: backward rate
	// over forward rate, measured for the same kernel elsewhere.
	BackwardRatio float64 `yaml:"backward_ratio" json:"backward_ratio,omitempty"`
	Note          string  `yaml:"note" json:"note,omitempty"`
	Source        string  `yaml:"source" json:"source"`
}

// AttentionKernels returns the measured tables of one kernel on a GPU at a
// precision ("fp16" reads the bf16 tables: the kernels run both at one rate).
func (c *Catalog) AttentionKernels(gpu, kernel, dtype string) []*AttentionKernel {
	if dtype == "fp16" {
		dtype = "bf16"
	}
	var out []*AttentionKernel
	for i := range c.Attention {
		k := &c.Attention[i]
		if k.Kernel != kernel || k.Dtype != dtype {
			continue
		}
		for _, g := range k.GPUs {
			if strings.EqualFold(g, gpu) {
				out = append(out, k)
				break
			}
		}
	}
	return out
}

// Supports reports whether the GPU runs precision natively.
func (g *GPU) Supports(precision string) bool {
	if len(g.Precisions) > 0 {
		for _, p := range g.Precisions {
			if p == precision {
				return true
			}
		}
		return false
	}
	if precision == "fp8" {
		return g.FP8TFLOPS > 0
	}
	return true
}

// PeakTFLOPS returns the dense peak for a precision ("bf16", "fp16", "fp8");
// without FP8 units the GPU runs FP8 models at BF16 rate.
func (g *GPU) PeakTFLOPS(precision string) float64 {
	if precision == "fp8" && g.FP8TFLOPS > 0 {
		return g.FP8TFLOPS
	}
	return g.BF16TFLOPS
}

// Price is the hourly price of a size in a region.
type Price struct {
	SKU    string   `yaml:"sku" json:"sku"`
	Region string   `yaml:"region" json:"region"`
	PAYG   float64  `yaml:"payg_usd_per_hour" json:"payg_usd_per_hour"`
	Spot   *float64 `yaml:"spot_usd_per_hour" json:"spot_usd_per_hour,omitempty"`
	Date   string   `yaml:"date" json:"date"`
	Source string   `yaml:"source" json:"source"`
	// SpotSource names the source of the spot price when it differs.
	SpotSource string `yaml:"spot_source" json:"spot_source,omitempty"`
	// Mark overrides the source's mark for this figure (D when the
	// price is arithmetic on the source's number).
	Mark string `yaml:"mark" json:"mark,omitempty"`
	// Why says how the figure was chosen when sources disagree.
	Why string `yaml:"why" json:"why,omitempty"`
	// LowPriority is the Linux Low Priority rate (Azure Batch's
	// preemptible VMs).
	LowPriority       *float64 `yaml:"low_priority_usd_per_hour" json:"low_priority_usd_per_hour,omitempty"`
	LowPrioritySource string   `yaml:"low_priority_source" json:"low_priority_source,omitempty"`
	// Windows is the Windows pay-as-you-go rate. aizone plans Linux
	// pools and never prices with it; it is kept so that a Windows
	// figure of the reference is recorded as such, not taken for Linux.
	Windows       *float64 `yaml:"windows_usd_per_hour" json:"windows_usd_per_hour,omitempty"`
	WindowsSource string   `yaml:"windows_source" json:"windows_source,omitempty"`
	// Reservations are reserved-instance prices: the whole term's price
	// as the Retail Prices API gives it, and that price per hour of the
	// term (365 × 24 hours a year).
	Reservations []Reservation `yaml:"reservations" json:"reservations,omitempty"`
	// Rejected are figures for the same size and region (or none) that
	// lost to this one, with why.
	Rejected []RejectedPrice `yaml:"rejected" json:"rejected,omitempty"`

	origin string // the file the entry was read from
}

// Reservation is a reserved-instance price of a size in a region.
type Reservation struct {
	Term       string  `yaml:"term" json:"term"` // "1y", "3y", "5y"
	TermUSD    float64 `yaml:"term_usd" json:"term_usd"`
	USDPerHour float64 `yaml:"usd_per_hour" json:"usd_per_hour"` // TermUSD / term hours (mark D)
	Date       string  `yaml:"date" json:"date"`
	Source     string  `yaml:"source" json:"source"`
}

// RejectedPrice is a figure a source gives that another was preferred to.
type RejectedPrice struct {
	USDPerHour float64 `yaml:"usd_per_hour" json:"usd_per_hour"`
	Region     string  `yaml:"region" json:"region,omitempty"` // "" when the source states none
	Date       string  `yaml:"date" json:"date"`
	Source     string  `yaml:"source" json:"source"`
	Why        string  `yaml:"why" json:"why"`
}

// extraSources are the source keys of the entry's other rates.
func (p *Price) extraSources() []string {
	out := []string{p.SpotSource, p.LowPrioritySource, p.WindowsSource}
	for _, r := range p.Reservations {
		out = append(out, r.Source)
	}
	for _, r := range p.Rejected {
		out = append(out, r.Source)
	}
	return out
}

// Embedded reports whether the price came from the embedded catalog
// rather than a user's --catalog directory.
func (p *Price) Embedded() bool { return isEmbedded(p.origin) }

// Origin is the file the price was read from.
func (p *Price) Origin() string { return p.origin }

// UnplacedPrice is a price the reference gives that planning cannot use.
type UnplacedPrice struct {
	SKU        string  `yaml:"sku" json:"sku"`
	Region     string  `yaml:"region" json:"region"` // "unstated" when the source gives none
	Kind       string  `yaml:"kind" json:"kind"`     // payg, windows, low-priority, windows-low-priority
	USDPerHour float64 `yaml:"usd_per_hour" json:"usd_per_hour"`
	Date       string  `yaml:"date" json:"date"`
	Source     string  `yaml:"source" json:"source"`
	Mark       string  `yaml:"mark" json:"mark,omitempty"`
	Why        string  `yaml:"why" json:"why"`
}

// ServicePrice is one meter of an Azure service, as the Retail Prices API
// names it (serviceName, meterName), with its price per unit.
type ServicePrice struct {
	Key     string `yaml:"key" json:"key"`
	Service string `yaml:"service" json:"service"` // the API's serviceName
	Product string `yaml:"product" json:"product,omitempty"`
	Meter   string `yaml:"meter" json:"meter"` // the API's meterName
	// Unit is what USD is per: "hour", "GB", "GiB-hour", "GB-month",
	// "month", "10K operations", "1M queries", "day".
	Unit string  `yaml:"unit" json:"unit"`
	USD  float64 `yaml:"usd" json:"usd"`
	// NoCharge marks a meter that is free (USD 0 by rule, not unknown).
	NoCharge bool   `yaml:"no_charge" json:"no_charge,omitempty"`
	Region   string `yaml:"region" json:"region,omitempty"` // where the figure was read; "" for a global meter
	Date     string `yaml:"date" json:"date"`
	Source   string `yaml:"source" json:"source"`
	Mark     string `yaml:"mark" json:"mark,omitempty"`
	Note     string `yaml:"note" json:"note,omitempty"`

	origin string
}

// Embedded reports whether the price came from the embedded catalog.
func (s *ServicePrice) Embedded() bool { return isEmbedded(s.origin) }

// Origin is the file the price was read from.
func (s *ServicePrice) Origin() string { return s.origin }

// embeddedPrefix starts the names of the embedded catalog's files.
const embeddedPrefix = "catalog/data/"

func isEmbedded(origin string) bool { return origin == "" || strings.HasPrefix(origin, embeddedPrefix) }

// ServiceIn returns the price of the meter with key in region: the
// region's own figure, else the meter's global one (region ""), else the
// figure of the first region the catalog has for it, whose Region then
// says where it was read. region "" asks for any figure.
func (c *Catalog) ServiceIn(key, region string) (*ServicePrice, bool) {
	if s, ok := c.services[key+"@"+strings.ToLower(region)]; ok {
		return s, true
	}
	if s, ok := c.services[key+"@"]; ok {
		return s, true
	}
	var best *ServicePrice
	for i := range c.Services {
		s := &c.Services[i]
		if s.Key == key && (best == nil || s.Region < best.Region) {
			best = s
		}
	}
	return best, best != nil
}

// StorageEmbedded reports whether the storage offerings and their prices
// are the embedded ones.
func (c *Catalog) StorageEmbedded() bool { return isEmbedded(c.storageOrigin) }

// MarkOf is a price's mark: its own when it has one, else its source's.
func (c *Catalog) MarkOf(sourceKey, own string) string {
	if own != "" {
		return own
	}
	return c.Sources[sourceKey].Mark
}

type priceKey struct{ sku, region string }

// Model is a published model architecture.
type Model struct {
	Name         string  `yaml:"name" json:"name"`
	Family       string  `yaml:"family" json:"family"`
	Params       float64 `yaml:"params" json:"params"`
	ActiveParams float64 `yaml:"active_params" json:"active_params,omitempty"` // mixture-of-experts
	Layers       int     `yaml:"layers" json:"layers"`
	Hidden       int     `yaml:"hidden" json:"hidden"`
	FFN          int     `yaml:"ffn" json:"ffn,omitempty"`
	Heads        int     `yaml:"heads" json:"heads"`
	KVHeads      int     `yaml:"kv_heads" json:"kv_heads"`
	// KVDim overrides 2·kv_heads·head_dim as the KV-cache elements per token
	// per layer, for compressed attention such as DeepSeek's MLA.
	KVDim   int    `yaml:"kv_dim" json:"kv_dim,omitempty"`
	Vocab   int    `yaml:"vocab" json:"vocab"`
	Context int    `yaml:"context" json:"context"`
	Experts int    `yaml:"experts" json:"experts,omitempty"`
	Source  string `yaml:"source" json:"source"`
}

// Active returns the parameters used per token.
func (m *Model) Active() float64 {
	if m.ActiveParams > 0 {
		return m.ActiveParams
	}
	return m.Params
}

// KVElemsPerToken is the KV-cache elements one token adds across all layers.
func (m *Model) KVElemsPerToken() float64 {
	if m.KVDim > 0 {
		return float64(m.KVDim * m.Layers)
	}
	kv := m.KVHeads
	if kv == 0 {
		kv = m.Heads
	}
	return float64(2 * m.Layers * kv * (m.Hidden / m.Heads))
}

// Storage offerings.
type Storage struct {
	Lustre        []LustreSKU    `yaml:"lustre" json:"lustre"`
	LustreSubnets []LustreSubnet `yaml:"lustre_subnets" json:"lustre_subnets"`
	NetApp        []NetAppLevel  `yaml:"netapp" json:"netapp"`
	BlobTiers     []BlobTier     `yaml:"blob_tiers" json:"blob_tiers"`
}

// LustreSKU is an Azure Managed Lustre throughput tier.
type LustreSKU struct {
	Name           string  `yaml:"name" json:"name"`
	MBpsPerTiB     float64 `yaml:"mbps_per_tib" json:"mbps_per_tib"`
	MinTiB         float64 `yaml:"min_tib" json:"min_tib"`
	MaxTiB         float64 `yaml:"max_tib" json:"max_tib"`
	IncrementTiB   float64 `yaml:"increment_tib" json:"increment_tib"`
	USDPerTiBMonth float64 `yaml:"usd_per_tib_month" json:"usd_per_tib_month,omitempty"` // 0 = unknown
	Source         string  `yaml:"source" json:"source"`
	PriceSource    string  `yaml:"price_source" json:"price_source,omitempty"`
}

// LustreSubnet is the recommended subnet size for a capacity range.
type LustreSubnet struct {
	MaxTiB float64 `yaml:"max_tib" json:"max_tib"`
	Prefix int     `yaml:"prefix" json:"prefix"`
	Source string  `yaml:"source" json:"source"`
}

// NetAppLevel is an Azure NetApp Files service level.
type NetAppLevel struct {
	Name           string  `yaml:"name" json:"name"`
	MiBpsPerTiB    float64 `yaml:"mibps_per_tib" json:"mibps_per_tib"`
	USDPerTiBMonth float64 `yaml:"usd_per_tib_month" json:"usd_per_tib_month,omitempty"` // 0 = unknown
	Source         string  `yaml:"source" json:"source"`
	PriceSource    string  `yaml:"price_source" json:"price_source,omitempty"`
}

// BlobTier is a Blob access tier with its prices.
type BlobTier struct {
	Name           string  `yaml:"name" json:"name"`
	USDPerGBMonth  float64 `yaml:"usd_per_gb_month" json:"usd_per_gb_month"`
	WritePer10K    float64 `yaml:"write_usd_per_10k" json:"write_usd_per_10k"`
	ReadPer10K     float64 `yaml:"read_usd_per_10k" json:"read_usd_per_10k"`
	RetrievalPerGB float64 `yaml:"retrieval_usd_per_gb" json:"retrieval_usd_per_gb"`
	MinimumDays    int     `yaml:"minimum_days" json:"minimum_days"`
	Source         string  `yaml:"source" json:"source"`
	PriceSource    string  `yaml:"price_source" json:"price_source"`
}

// Network offerings.
type Network struct {
	Circuits []Circuit `yaml:"expressroute_circuits" json:"expressroute_circuits"`
	Gateways []Gateway `yaml:"expressroute_gateways" json:"expressroute_gateways"`
}

// Circuit is an ExpressRoute circuit bandwidth.
type Circuit struct {
	Mbps   float64 `yaml:"mbps" json:"mbps"`
	Direct bool    `yaml:"direct" json:"direct,omitempty"` // ExpressRoute Direct port
	Source string  `yaml:"source" json:"source"`
}

// Gateway is an ExpressRoute virtual network gateway SKU.
type Gateway struct {
	Name           string  `yaml:"name" json:"name"`
	Mbps           float64 `yaml:"mbps" json:"mbps"`
	FastPath       bool    `yaml:"fastpath" json:"fastpath"`
	MaxConnections int     `yaml:"max_connections" json:"max_connections"`
	ScaleUnits     int     `yaml:"scale_units" json:"scale_units,omitempty"` // ErGwScale: units for this row
	Source         string  `yaml:"source" json:"source"`
}

// Image is a curated marketplace image.
type Image struct {
	Name   string `yaml:"name" json:"name"`
	URN    string `yaml:"urn" json:"urn"`
	Stack  string `yaml:"stack" json:"stack"` // nvidia, nvidia-v100, amd, cpu
	Arch   string `yaml:"arch" json:"arch,omitempty"`
	Driver string `yaml:"driver" json:"driver,omitempty"`
	CUDA   string `yaml:"cuda" json:"cuda,omitempty"`
	Source string `yaml:"source" json:"source"`
}

// SKU returns the named VM size (case-insensitive, "Standard_" optional).
func (c *Catalog) SKU(name string) (*SKU, bool) {
	s, ok := c.skuByName[normSKU(name)]
	return s, ok
}

func normSKU(name string) string {
	n := strings.ToLower(name)
	if !strings.HasPrefix(n, "standard_") {
		n = "standard_" + n
	}
	return n
}

// GPUSpec returns the named GPU.
func (c *Catalog) GPUSpec(name string) (*GPU, bool) {
	g, ok := c.gpuByName[strings.ToLower(name)]
	return g, ok
}

// Model returns the named model architecture.
func (c *Catalog) Model(name string) (*Model, bool) {
	m, ok := c.modelByName[strings.ToLower(name)]
	return m, ok
}

// ModelNames lists the model names, sorted.
func (c *Catalog) ModelNames() []string {
	out := make([]string, 0, len(c.Models))
	for _, m := range c.Models {
		out = append(out, m.Name)
	}
	sort.Strings(out)
	return out
}

// SKUNames lists the VM size names, sorted.
func (c *Catalog) SKUNames() []string {
	out := make([]string, 0, len(c.SKUs))
	for _, s := range c.SKUs {
		out = append(out, s.Name)
	}
	sort.Strings(out)
	return out
}

// Price returns the price of sku in region.
func (c *Catalog) Price(sku, region string) (*Price, bool) {
	p, ok := c.prices[priceKey{normSKU(sku), strings.ToLower(region)}]
	return p, ok
}

// PricesFor lists every region's price for sku, cheapest first.
func (c *Catalog) PricesFor(sku string) []*Price {
	var out []*Price
	n := normSKU(sku)
	for i := range c.Prices {
		if normSKU(c.Prices[i].SKU) == n {
			out = append(out, &c.Prices[i])
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].PAYG != out[j].PAYG {
			return out[i].PAYG < out[j].PAYG
		}
		return out[i].Region < out[j].Region
	})
	return out
}

// BlobTier returns the named tier (hot, cool, cold, archive).
func (c *Catalog) BlobTier(name string) (*BlobTier, bool) {
	for i := range c.Storage.BlobTiers {
		if strings.EqualFold(c.Storage.BlobTiers[i].Name, name) {
			return &c.Storage.BlobTiers[i], true
		}
	}
	return nil, false
}

// SourceOf describes a source key for reports ("S-NDH100: ...").
func (c *Catalog) SourceOf(key string) string {
	s, ok := c.Sources[key]
	if !ok {
		return key
	}
	return fmt.Sprintf("%s: %s", key, s.Title)
}
