// Package spec defines the zone file: the short YAML document in which a
// platform engineer describes an AI landing zone. It loads the file with the
// position of every value, applies defaults in one place, validates what can
// be validated without the catalog, and prints the file's JSON Schema. It
// knows nothing of Azure SKUs.
package spec

import (
	"github.com/aizone/aizone/internal/yamlpos"
	"github.com/aizone/aizone/units"
)

// Zone is one AI landing zone.
type Zone struct {
	Name      string     `yaml:"name,required" json:"name" doc:"Short name of the zone: lowercase letters, digits and hyphens; prefixes every resource name."`
	Region    string     `yaml:"region,required" json:"region" doc:"Primary Azure region name, such as eastus or swedencentral."`
	Regions   []string   `yaml:"regions" json:"regions,omitempty" doc:"Extra regions the planner may place pools in."`
	Placement Placement  `yaml:"placement" json:"placement" doc:"Where the zone sits in the management-group hierarchy."`
	Network   Network    `yaml:"network" json:"network" doc:"Address space and connectivity."`
	Workloads []Workload `yaml:"workloads" json:"workloads" doc:"The AI workloads the zone runs."`
	Data      []Data     `yaml:"data" json:"data,omitempty" doc:"Datasets and artifacts the zone stores."`

	// File and Pos locate values for error messages; they are not part of
	// the zone file.
	File string            `yaml:"-" json:"-"`
	Pos  yamlpos.Positions `yaml:"-" json:"-"`
	// Defaults lists every value the loader filled in, for plan to show.
	Defaults []Default `yaml:"-" json:"-"`
}

// Placement puts the zone in the platform's management-group hierarchy.
type Placement struct {
	ManagementGroup string            `yaml:"management_group" json:"management_group" doc:"Id of the parent management group, such as corp or online (default corp)."`
	Subscriptions   []Subscription    `yaml:"subscriptions" json:"subscriptions" doc:"Subscriptions of the zone: existing ids or names of ones to create."`
	Tags            map[string]string `yaml:"tags" json:"tags,omitempty" doc:"Tags put on every resource group and resource."`
	Guardrails      *bool             `yaml:"guardrails" json:"guardrails" doc:"Emit aizone's AI guardrail policies assigned at the zone's scope (default true)."`
	// LogAnalytics is the platform's central workspace; ALZ deploys one in
	// the management subscription and every landing zone sends to it.
	LogAnalytics string  `yaml:"log_analytics_workspace_id" json:"log_analytics_workspace_id,omitempty" doc:"Resource id of the platform's Log Analytics workspace; every resource that supports diagnostic settings sends its logs and metrics there."`
	Budget       *Budget `yaml:"budget" json:"budget,omitempty" doc:"Monthly budget of the zone's subscription, with alerts at 80% and 100%."`
}

// Budget is the zone subscription's cost budget. Its amount defaults to
// the plan's monthly cost.
type Budget struct {
	AmountUSD     float64  `yaml:"amount_usd" json:"amount_usd,omitempty" doc:"Monthly amount in USD (default: the plan's monthly cost, rounded up to the next 1,000)."`
	ContactEmails []string `yaml:"contact_emails" json:"contact_emails,omitempty" doc:"E-mail addresses that receive the 80% and 100% alerts."`
	ActionGroupID string   `yaml:"action_group_id" json:"action_group_id,omitempty" doc:"Resource id of an existing action group the alerts go to."`
}

// Subscription is an existing subscription (ID) or one to create (Name).
type Subscription struct {
	ID      string `yaml:"id" json:"id,omitempty" doc:"Existing subscription id (a GUID)."`
	Name    string `yaml:"name" json:"name,omitempty" doc:"Display name of a subscription to create (subscription vending)."`
	Purpose string `yaml:"purpose" json:"purpose" enum:"all,training,inference,data" doc:"Which workloads it hosts (default all)."`
}

// Network is the zone's address space and connectivity.
type Network struct {
	AddressSpace []string `yaml:"address_space" json:"address_space" doc:"IPv4 CIDR ranges the zone may use for its VNets."`
	OnPremises   []string `yaml:"on_premises" json:"on_premises,omitempty" doc:"On-premises CIDR ranges the zone must not overlap."`
	Hub          Hub      `yaml:"hub" json:"hub" doc:"The platform hub: an existing VNet, or none."`
	// DNSServers are usually the hub's DNS Private Resolver inbound
	// endpoint or the hub firewall's DNS proxy, so that the zone resolves
	// on-premises names and the platform's privatelink zones.
	DNSServers []string `yaml:"dns_servers" json:"dns_servers,omitempty" doc:"DNS server IPv4 addresses of the zone's VNets (the hub's resolver or firewall DNS proxy); default Azure-provided DNS."`
	// PrivateDNSZones is where an ALZ platform keeps its privatelink
	// zones (one resource group in the connectivity subscription).
	PrivateDNSZones string `yaml:"private_dns_zones" json:"private_dns_zones,omitempty" doc:"Resource id of the resource group that holds the platform's privatelink DNS zones; private endpoints register there and the zone creates none of its own."`
}

// Hub is the platform's connectivity hub, or none.
type Hub struct {
	None         bool     `yaml:"-" json:"none,omitempty"`
	VNetID       string   `yaml:"vnet_id" json:"vnet_id,omitempty" doc:"Resource id of the existing hub VNet."`
	AddressSpace []string `yaml:"address_space" json:"address_space,omitempty" doc:"The hub VNet's address ranges."`
	FirewallIP   string   `yaml:"firewall_ip" json:"firewall_ip,omitempty" doc:"Private IP of the hub firewall; spokes route 0.0.0.0/0 to it."`
	Gateway      *bool    `yaml:"gateway" json:"gateway,omitempty" doc:"Whether the hub has an ExpressRoute or VPN gateway the spoke may use (default true)."`
}

// IsZero reports whether no hub setting was given at all. A hub with any
// setting (even only firewall_ip) is a hub, which must then be complete.
func (h Hub) IsZero() bool {
	return !h.None && h.VNetID == "" && len(h.AddressSpace) == 0 && h.FirewallIP == "" && h.Gateway == nil
}

// FromScalar accepts "none" for a zone without a platform hub.
func (h *Hub) FromScalar(text, kind string) error {
	if kind == "null" || text == "none" {
		*h = Hub{None: true}
		return nil
	}
	return &yamlpos.HintError{Msg: "expected \"none\" or a mapping with vnet_id and address_space", Hint: "write hub: none, or hub: {vnet_id: /subscriptions/.../virtualNetworks/hub, address_space: [10.0.0.0/22]}"}
}

// Workload kinds.
const (
	KindTraining  = "training"
	KindInference = "inference"
	KindDataPrep  = "data-prep"
)

// Workload is one training, inference or data-preparation job.
type Workload struct {
	Name         string  `yaml:"name,required" json:"name" doc:"Workload name: lowercase letters, digits and hyphens."`
	Kind         string  `yaml:"kind,required" json:"kind" enum:"training,inference,data-prep" doc:"training, inference or data-prep (CPU)."`
	Model        *Model  `yaml:"model" json:"model,omitempty" doc:"A catalog model name such as llama-3.1-70b, or its architecture."`
	Precision    string  `yaml:"precision" json:"precision,omitempty" enum:"bf16,fp16,fp8" doc:"Numeric precision (default bf16)."`
	Method       string  `yaml:"method" json:"method,omitempty" enum:"full,lora" doc:"Training method: full or lora (default full)."`
	Orchestrator string  `yaml:"orchestrator" json:"orchestrator,omitempty" enum:"batch,aks,vmss,slurm" doc:"Azure Batch, AKS, a VM scale set or a CycleCloud Slurm partition (default batch for training, aks for inference)."`
	SKU          string  `yaml:"sku" json:"sku,omitempty" doc:"Pin a VM size instead of letting the planner choose."`
	Objective    string  `yaml:"objective" json:"objective,omitempty" enum:"cost,time" doc:"cost: meet the deadline or latency target at least cost (default); time: fastest within budget."`
	BudgetUSD    float64 `yaml:"budget_usd" json:"budget_usd,omitempty" doc:"Budget for the objective time, in USD."`

	// Training.
	Tokens             units.Count    `yaml:"tokens" json:"tokens,omitempty" doc:"Training tokens, such as 2T or 1.5e12."`
	DatasetSize        units.Bytes    `yaml:"dataset_size" json:"dataset_size,omitempty" doc:"Dataset size; with epochs and bytes_per_token instead of tokens."`
	Epochs             float64        `yaml:"epochs" json:"epochs,omitempty" doc:"Passes over the dataset (default 1)."`
	BytesPerToken      float64        `yaml:"bytes_per_token" json:"bytes_per_token,omitempty" doc:"Bytes of dataset per token (default 4, typical for tokenised text)."`
	SequenceLength     int            `yaml:"sequence_length" json:"sequence_length,omitempty" doc:"Training sequence length (default 4096, capped by the model's context)."`
	Deadline           units.Duration `yaml:"deadline" json:"deadline,omitempty" doc:"Wall-clock time the training must finish in, such as 14d."`
	CheckpointInterval units.Duration `yaml:"checkpoint_interval" json:"checkpoint_interval,omitempty" doc:"Time between checkpoints (default 1h)."`
	Preemptible        bool           `yaml:"preemptible" json:"preemptible" doc:"Whether the job tolerates preemption (allows Spot VMs)."`

	// Inference.
	RequestsPerSecond float64 `yaml:"requests_per_second" json:"requests_per_second,omitempty" doc:"Sustained request rate to serve."`
	InputTokens       int     `yaml:"input_tokens" json:"input_tokens,omitempty" doc:"Prompt tokens per request (default 1000)."`
	OutputTokens      int     `yaml:"output_tokens" json:"output_tokens,omitempty" doc:"Generated tokens per request (default 200)."`
	Latency           Latency `yaml:"latency" json:"latency" doc:"Latency targets."`

	// Data preparation.
	VCPUs int            `yaml:"vcpus" json:"vcpus,omitempty" doc:"vCPUs for data preparation."`
	Hours units.Duration `yaml:"duration" json:"duration,omitempty" doc:"How long the data preparation runs per month (default 100h)."`
}

// Latency targets for inference.
type Latency struct {
	TTFT units.Duration `yaml:"ttft" json:"ttft,omitempty" doc:"Time to first token at p50, such as 500ms."`
	TPOT units.Duration `yaml:"tpot" json:"tpot,omitempty" doc:"Time per output token, such as 50ms."`
}

// Model is a catalog model by name, or an explicit architecture.
type Model struct {
	Name         string      `yaml:"name" json:"name,omitempty" doc:"Catalog model name, such as llama-3.1-70b."`
	Params       units.Count `yaml:"params" json:"params,omitempty" doc:"Total parameters, such as 70B."`
	ActiveParams units.Count `yaml:"active_params" json:"active_params,omitempty" doc:"Parameters active per token (mixture-of-experts); default params."`
	Layers       int         `yaml:"layers" json:"layers,omitempty" doc:"Transformer layers."`
	Hidden       int         `yaml:"hidden" json:"hidden,omitempty" doc:"Hidden size."`
	Heads        int         `yaml:"heads" json:"heads,omitempty" doc:"Attention heads."`
	KVHeads      int         `yaml:"kv_heads" json:"kv_heads,omitempty" doc:"Key/value heads (grouped-query attention); default heads."`
	Vocab        int         `yaml:"vocab" json:"vocab,omitempty" doc:"Vocabulary size."`
	Context      int         `yaml:"context" json:"context,omitempty" doc:"Maximum context length."`
}

// FromScalar accepts a catalog model name.
func (m *Model) FromScalar(text, kind string) error {
	if kind != "string" || text == "" {
		return &yamlpos.HintError{Msg: "expected a model name or a mapping of its architecture", Hint: "write model: llama-3.1-8b, or model: {params: 8B, layers: 32, hidden: 4096, heads: 32, kv_heads: 8, vocab: 128256}"}
	}
	*m = Model{Name: text}
	return nil
}

// Data kinds.
const (
	DataDataset     = "dataset"
	DataCheckpoints = "checkpoints"
	DataArtifacts   = "artifacts"
	DataModels      = "models"
)

// Data is a dataset or a class of artifacts kept in the zone.
type Data struct {
	Name           string         `yaml:"name,required" json:"name" doc:"Name; becomes the Blob container and lifecycle prefix."`
	Kind           string         `yaml:"kind" json:"kind" enum:"dataset,checkpoints,artifacts,models" doc:"What it is (default dataset)."`
	Size           units.Bytes    `yaml:"size,required" json:"size" doc:"Size, such as 400TB."`
	Origin         string         `yaml:"origin" json:"origin" doc:"Where it comes from: on-premises, public, generated, or region:<name> (default generated)."`
	HotFor         units.Duration `yaml:"hot_for" json:"hot_for" doc:"How long it stays in the hot tier after it is written (default 30d)."`
	RetainFor      units.Duration `yaml:"retain_for" json:"retain_for" doc:"How long it is kept before deletion (default 365d)."`
	TransferWindow units.Duration `yaml:"transfer_window" json:"transfer_window,omitempty" doc:"Time allowed to bring it into Azure (on-premises or region origins)."`
	UsedBy         []string       `yaml:"used_by" json:"used_by,omitempty" doc:"Workloads that read it (default: every training workload, for datasets)."`
}

// Default records a value the loader filled in.
type Default struct {
	Path   string `json:"path"`
	Value  string `json:"value"`
	Reason string `json:"reason"`
}
