package spec

import (
	"fmt"
	"time"

	"github.com/aizone/aizone/units"
)

// Default values, in one place so that plan can show each one it used.
const (
	DefaultManagementGroup    = "corp"
	DefaultAddressSpace       = "10.64.0.0/16"
	DefaultPrecision          = "bf16"
	DefaultMethod             = "full"
	DefaultObjective          = "cost"
	DefaultPurpose            = "all"
	DefaultOrigin             = "generated"
	DefaultSequenceLength     = 4096
	DefaultBytesPerToken      = 4.0
	DefaultInputTokens        = 1000
	DefaultOutputTokens       = 200
	DefaultDataPrepVCPUs      = 64
	DefaultTrainingDeadline   = units.Duration(30 * 24 * time.Hour)
	DefaultCheckpointInterval = units.Duration(time.Hour)
	DefaultTTFT               = units.Duration(2 * time.Second)
	DefaultTPOT               = units.Duration(100 * time.Millisecond)
	DefaultDataPrepHours      = units.Duration(100 * time.Hour)
)

// DefaultOrchestrator returns the orchestrator a workload kind gets by default:
// Batch pools schedule MPI-style training jobs, AKS serves inference behind
// a load balancer, and data preparation is a Batch job too.
func DefaultOrchestrator(kind string) string {
	if kind == KindInference {
		return "aks"
	}
	return "batch"
}

// ApplyDefaults fills every unset value and records it in z.Defaults.
func ApplyDefaults(z *Zone) {
	set := func(path, value, reason string) {
		z.Defaults = append(z.Defaults, Default{Path: path, Value: value, Reason: reason})
	}
	if z.Placement.ManagementGroup == "" {
		z.Placement.ManagementGroup = DefaultManagementGroup
		set("placement.management_group", DefaultManagementGroup, "AI zones that reach on-premises data are Corp landing zones")
	}
	if len(z.Placement.Subscriptions) == 0 {
		name := z.Name + "-ai"
		z.Placement.Subscriptions = []Subscription{{Name: name}}
		set("placement.subscriptions", name, "one new subscription for the whole zone")
	}
	for i := range z.Placement.Subscriptions {
		if z.Placement.Subscriptions[i].Purpose == "" {
			z.Placement.Subscriptions[i].Purpose = DefaultPurpose
			set(fmt.Sprintf("placement.subscriptions[%d].purpose", i), DefaultPurpose, "holds every kind of workload")
		}
	}
	if z.Placement.Guardrails == nil {
		t := true
		z.Placement.Guardrails = &t
		set("placement.guardrails", "true", "AI guardrail policies are assigned at the zone's scope")
	}
	if len(z.Network.AddressSpace) == 0 {
		z.Network.AddressSpace = []string{DefaultAddressSpace}
		set("network.address_space", DefaultAddressSpace, "none given; replace with a range your IPAM allocates")
	}
	if z.Network.Hub.IsZero() {
		z.Network.Hub.None = true
		set("network.hub", "none", "no platform hub given; the spoke stands alone")
	}
	if z.Network.Hub.VNetID != "" && z.Network.Hub.Gateway == nil {
		t := true
		z.Network.Hub.Gateway = &t
		set("network.hub.gateway", "true", "a platform hub normally carries the ExpressRoute gateway")
	}
	for i := range z.Workloads {
		w := &z.Workloads[i]
		p := fmt.Sprintf("workloads[%d]", i)
		if w.Precision == "" {
			w.Precision = DefaultPrecision
			set(p+".precision", DefaultPrecision, "mixed precision is the norm on current GPUs")
		}
		if w.Orchestrator == "" {
			w.Orchestrator = DefaultOrchestrator(w.Kind)
			set(p+".orchestrator", w.Orchestrator, "default for "+w.Kind)
		}
		if w.Objective == "" {
			w.Objective = DefaultObjective
			set(p+".objective", DefaultObjective, "meet the deadline or latency target at least cost")
		}
		switch w.Kind {
		case KindTraining:
			if w.Method == "" {
				w.Method = DefaultMethod
				set(p+".method", DefaultMethod, "full training unless lora is asked for")
			}
			if w.SequenceLength == 0 {
				w.SequenceLength = DefaultSequenceLength
				set(p+".sequence_length", fmt.Sprint(DefaultSequenceLength), "common pre-training and fine-tuning length")
			}
			if w.Tokens == 0 && w.DatasetSize > 0 {
				if w.Epochs == 0 {
					w.Epochs = 1
					set(p+".epochs", "1", "one pass over the dataset")
				}
				if w.BytesPerToken == 0 {
					w.BytesPerToken = DefaultBytesPerToken
					set(p+".bytes_per_token", fmt.Sprint(DefaultBytesPerToken), "about four bytes of text per token")
				}
			}
			if w.Deadline == 0 {
				w.Deadline = DefaultTrainingDeadline
				set(p+".deadline", DefaultTrainingDeadline.String(), "no deadline given")
			}
			if w.CheckpointInterval == 0 {
				w.CheckpointInterval = DefaultCheckpointInterval
				set(p+".checkpoint_interval", DefaultCheckpointInterval.String(), "hourly checkpoints bound lost work")
			}
		case KindInference:
			if w.InputTokens == 0 {
				w.InputTokens = DefaultInputTokens
				set(p+".input_tokens", fmt.Sprint(DefaultInputTokens), "typical chat prompt")
			}
			if w.OutputTokens == 0 {
				w.OutputTokens = DefaultOutputTokens
				set(p+".output_tokens", fmt.Sprint(DefaultOutputTokens), "typical chat answer")
			}
			if w.Latency.TTFT == 0 {
				w.Latency.TTFT = DefaultTTFT
				set(p+".latency.ttft", DefaultTTFT.String(), "interactive first-token target")
			}
			if w.Latency.TPOT == 0 {
				w.Latency.TPOT = DefaultTPOT
				set(p+".latency.tpot", DefaultTPOT.String(), "ten tokens a second, faster than reading speed")
			}
		case KindDataPrep:
			if w.VCPUs == 0 {
				w.VCPUs = DefaultDataPrepVCPUs
				set(p+".vcpus", fmt.Sprint(DefaultDataPrepVCPUs), "no vcpus given")
			}
			if w.Hours == 0 {
				w.Hours = DefaultDataPrepHours
				set(p+".duration", DefaultDataPrepHours.String(), "monthly running time")
			}
		}
	}
	for i := range z.Data {
		d := &z.Data[i]
		p := fmt.Sprintf("data[%d]", i)
		if d.Kind == "" {
			d.Kind = DataDataset
			set(p+".kind", DataDataset, "data is a dataset unless said otherwise")
		}
		if d.Origin == "" {
			d.Origin = DefaultOrigin
			set(p+".origin", DefaultOrigin, "produced in Azure by the zone's own jobs; nothing to transfer")
		}
		hot, retain := 30*units.Day, 365*units.Day
		if d.Kind == DataCheckpoints {
			// Checkpoints are read back only after a failure or for the
			// final export: keep them hot briefly.
			hot, retain = 7*units.Day, 90*units.Day
		}
		if d.HotFor == 0 {
			d.HotFor = hot
			set(p+".hot_for", hot.String(), "default for "+d.Kind)
		}
		if d.RetainFor == 0 {
			d.RetainFor = retain
			set(p+".retain_for", retain.String(), "default for "+d.Kind)
		}
	}
}
