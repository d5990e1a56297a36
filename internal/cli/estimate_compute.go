package cli

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/aizone/aizone/catalog"
	"github.com/aizone/aizone/compute"
	"github.com/aizone/aizone/spec"
	"github.com/aizone/aizone/units"
	"github.com/spf13/cobra"
)

// modelFlags are the flags that name a model or spell out its architecture.
type modelFlags struct {
	name                                       string
	params, active                             string
	layers, hidden, ffn, heads, kvHeads, vocab int
}

func addModelFlags(c *cobra.Command) *modelFlags {
	m := &modelFlags{}
	f := c.Flags()
	f.StringVar(&m.name, "model", "", "catalog model, such as llama-3.1-70b (aizone catalog models lists them); or give the architecture:")
	f.StringVar(&m.params, "params", "", `total parameters, such as "70B"`)
	f.StringVar(&m.active, "active-params", "", `parameters active per token, for mixture-of-experts (default --params)`)
	f.IntVar(&m.layers, "layers", 0, "transformer layers")
	f.IntVar(&m.hidden, "hidden", 0, "hidden size")
	f.IntVar(&m.ffn, "ffn", 0, "feed-forward width (default: derived from --params, gated MLP)")
	f.IntVar(&m.heads, "heads", 0, "attention heads")
	f.IntVar(&m.kvHeads, "kv-heads", 0, "key/value heads, for grouped-query attention (default --heads)")
	f.IntVar(&m.vocab, "vocab", 0, "vocabulary size")
	return m
}

// arch resolves the model flags; seq, when given, is the context.
func (m *modelFlags) arch(cat *catalog.Catalog, seq int) (compute.Arch, error) {
	custom := m.params != "" || m.layers != 0 || m.hidden != 0 || m.heads != 0 || m.vocab != 0 || m.kvHeads != 0 || m.ffn != 0 || m.active != ""
	switch {
	case m.name != "" && custom:
		return compute.Arch{}, errors.New("give --model or the architecture flags (--params, --layers, --hidden, --heads, --kv-heads, --vocab), not both")
	case m.name != "":
		cm, ok := cat.Model(m.name)
		if !ok {
			return compute.Arch{}, fmt.Errorf("--model: unknown model %q; one of %s, or give the architecture", m.name, strings.Join(cat.ModelNames(), ", "))
		}
		return compute.FromCatalog(cm), nil
	case !custom:
		return compute.Arch{}, errors.New("give --model NAME, or the architecture with --params, --layers, --hidden, --heads, --kv-heads and --vocab")
	}
	sm := &spec.Model{Layers: m.layers, Hidden: m.hidden, Heads: m.heads, KVHeads: m.kvHeads, Vocab: m.vocab, Context: seq}
	p, err := units.ParseCount(m.params)
	if err != nil {
		return compute.Arch{}, flagErr("--params", err)
	}
	sm.Params = p
	if m.active != "" {
		a, err := units.ParseCount(m.active)
		if err != nil {
			return compute.Arch{}, flagErr("--active-params", err)
		}
		sm.ActiveParams = a
	}
	// The zone file's bounds on an architecture, named by flag.
	if f := spec.CheckArchitecture(sm); f != nil {
		if f.Key == "" {
			return compute.Arch{}, fmt.Errorf("%s: give --params, --layers, --hidden, --heads and --vocab, each positive", f.Msg)
		}
		flag := map[string]string{"params": "--params", "active_params": "--active-params", "layers": "--layers", "hidden": "--hidden",
			"heads": "--heads", "kv_heads": "--kv-heads", "vocab": "--vocab", "context": "--seq"}[f.Key]
		return compute.Arch{}, fmt.Errorf("%s: %s (%s)", flag, f.Msg, f.Hint)
	}
	// Feed-forward widths run from under the hidden size (mixture-of-
	// experts experts) to four times it (GPT-3); sixteen times is no
	// published model.
	if m.ffn < 0 || m.ffn > 16*m.hidden {
		return compute.Arch{}, flagBound("--ffn", m.ffn, fmt.Sprintf("0 (derive it) or 1 to 16 × --hidden (%d)", 16*m.hidden),
			"published feed-forward widths are below four times the hidden size")
	}
	a, err := compute.ResolveModel(sm, cat)
	if err != nil {
		return compute.Arch{}, err
	}
	if m.ffn > 0 {
		a.FFN = m.ffn
		a.Gated = m.ffn != 4*m.hidden
		if err := a.Validate(); err != nil {
			return compute.Arch{}, err
		}
	}
	return a, nil
}

// hardwareFlags choose the VM size and where its price comes from.
type hardwareFlags struct {
	sku, region, asOf string
}

func addHardwareFlags(c *cobra.Command) *hardwareFlags {
	h := &hardwareFlags{}
	c.Flags().StringVar(&h.sku, "sku", "Standard_ND96isr_H100_v5", "VM size, or a GPU (H100, H200, A100, MI300X, ...) meaning the size that carries it")
	c.Flags().StringVar(&h.region, "region", "eastus", "region whose price the cost uses (another region's, flagged, when the catalog has none there)")
	c.Flags().StringVar(&h.asOf, "as-of", "", "date (YYYY-MM-DD) for the retirement check of suggested sizes (default today, UTC)")
	return h
}

func (h *hardwareFlags) resolve(cat *catalog.Catalog) (*catalog.SKU, *catalog.GPU, error) {
	s, err := compute.ResolveSKU(cat, h.sku)
	if err != nil {
		return nil, nil, fmt.Errorf("--sku: %w", err)
	}
	g, ok := cat.GPUSpec(s.GPU)
	if !ok {
		return nil, nil, fmt.Errorf("--sku: the catalog has no GPU %s for %s", s.GPU, s.Name)
	}
	if !spec.KnownRegion(h.region) {
		return nil, nil, fmt.Errorf("--region: unknown Azure region %q; use a region name such as eastus", h.region)
	}
	if h.asOf == "" {
		h.asOf = time.Now().UTC().Format(time.DateOnly)
	} else if _, err := time.Parse(time.DateOnly, h.asOf); err != nil {
		return nil, nil, fmt.Errorf("invalid --as-of %q: want YYYY-MM-DD", h.asOf)
	}
	return s, g, nil
}

// price is the size's hourly price in the region, and where it comes from.
func (h *hardwareFlags) price(cat *catalog.Catalog, s *catalog.SKU) (usd float64, source string) {
	if p, ok := cat.Price(s.Name, h.region); ok {
		return p.PAYG, p.Source + " " + p.Date
	}
	if all := cat.PricesFor(s.Name); len(all) > 0 {
		return all[0].PAYG, fmt.Sprintf("%s %s (%s price; none for %s)", all[0].Source, all[0].Date, all[0].Region, h.region)
	}
	return 0, "no price in the catalog"
}

func checkPrecision(p string) error {
	switch p {
	case "bf16", "fp16", "fp8":
		return nil
	}
	return fmt.Errorf("--precision: unknown precision %q; use bf16, fp16 or fp8", p)
}

// Bounds of estimate flags that no zone-file key shares; the others use
// the zone file's (spec.MaxTokens, ...). Past them a value is a typo (an
// extra zero, a missing unit), and an answer built on it would mislead.
const (
	// The largest published training runs used 16,384 GPUs (Llama 3.1
	// 405B) and the largest clusters about 100,000.
	maxEstimateGPUs = 1 << 17
	// Llama 3.1 405B's global batch was 2,048 sequences of 8,192 tokens.
	maxGlobalBatch = 1 << 20
	// Ten times the requests in flight of the busiest service the zone
	// file allows (a million requests a second at one second each).
	maxConcurrency = 10_000_000
)

// flagBound is the error for a flag value out of its bounds or against a
// rule: the flag and value, what is expected, and why.
func flagBound(flag string, value any, expected, why string) error {
	return fmt.Errorf("%s %v: expected %s (%s)", flag, value, expected, why)
}

// checkTP checks a pinned tensor-parallel degree against the rule the
// engine applies: it divides the attention heads (each GPU holds whole
// heads), it fits in one VM (tensor parallelism runs over NVLink), and
// for training it is a power of two dividing the GPUs (the layouts the
// engine searches).
func checkTP(tp int, a compute.Arch, sku *catalog.SKU, training bool, gpus int) error {
	perVM := max(int(sku.GPUs), 1)
	ok, degree := tp >= 1 && tp <= perVM && a.Heads%tp == 0, "a degree"
	if training {
		ok, degree = ok && tp&(tp-1) == 0, "a power of two"
	}
	if !ok {
		return flagBound("--tp", tp, fmt.Sprintf("%s that divides %s's %d attention heads and is at most the %d GPUs of one %s", degree, a.Name, a.Heads, perVM, sku.Name),
			"tensor parallelism splits each layer's heads over GPUs joined by NVLink, inside one VM")
	}
	if training && gpus > 0 && gpus%tp != 0 {
		return flagBound("--tp", tp, fmt.Sprintf("a degree that divides --gpus %d", gpus), "every tensor-parallel group is whole")
	}
	return nil
}

// checkRequestTokens checks a request's tokens: each and together within
// the zone file's bounds, and together within the model's context.
func checkRequestTokens(in, out int, a compute.Arch) error {
	limit, what := spec.MaxRequestTokens, fmt.Sprintf("%d tokens together", spec.MaxRequestTokens)
	why := "a request's prompt and output share the model's context, and the longest served contexts are about a million tokens; as in the zone file"
	if a.Context > 0 && a.Context < limit {
		limit, what = a.Context, fmt.Sprintf("%s's context of %d tokens together", a.Name, a.Context)
		why = "a request's prompt and output must fit the model's context"
	}
	switch {
	case in < 1 || in > spec.MaxRequestTokens:
		return flagBound("--input-tokens", in, fmt.Sprintf("1 to %d", spec.MaxRequestTokens), why)
	case out < 1 || out > spec.MaxRequestTokens:
		return flagBound("--output-tokens", out, fmt.Sprintf("1 to %d", spec.MaxRequestTokens), why)
	case in+out <= limit:
		return nil
	case in >= limit:
		return flagBound("--input-tokens", in, fmt.Sprintf("at most %s with --output-tokens %d", what, out), why)
	}
	return flagBound("--output-tokens", out, fmt.Sprintf("at most %s with --input-tokens %d", what, in), why)
}

// infeasibleResult is what an estimate that cannot work prints.
type infeasibleResult struct {
	Feasible bool              `json:"feasible"`
	Reason   string            `json:"reason"`
	Smallest *compute.Smallest `json:"smallest,omitempty"`
}

// refuse reports an input that cannot work: the reason and the smallest
// configuration that would, on stdout in the chosen format, and exit 1.
func refuse(s *Streams, format, reason string, sm compute.Smallest, found bool) error {
	res := infeasibleResult{Reason: reason}
	msg := reason
	if found {
		res.Smallest = &sm
		msg += "; the smallest configuration that works is " + sm.String()
	} else {
		msg += "; no size in the catalog can"
	}
	// JSON readers get the reason on stdout too; people read stderr.
	if format == formatJSON {
		if err := writeJSON(s.Out, res); err != nil {
			return err
		}
	}
	return findingsErr(errors.New(msg))
}

type trainingOutput struct {
	compute.TrainingEstimate
	Model       string  `json:"model"`
	Precision   string  `json:"precision"`
	Method      string  `json:"method"`
	Region      string  `json:"region"`
	USDPerHour  float64 `json:"usd_per_vm_hour"`
	PriceSource string  `json:"price_source"`
}

func newEstimateTrainingCmd(s *Streams) *cobra.Command {
	c := &cobra.Command{
		Use:   "training (--model NAME | --params N --layers N --hidden N --heads N --kv-heads N --vocab N) --tokens N [--sku SIZE|GPU] [--gpus N]",
		Short: "Estimate one training run: layout, time, GPU-hours, MFU, memory and cost",
		Long: `Training estimates one run of a model on --gpus GPUs of one VM size. It
searches the parallelism layouts (tensor parallel inside a VM over NVLink,
pipeline and data parallel across VMs, ZeRO stage, activation recompute,
micro-batch), keeps those that fit in GPU memory and reports the fastest:
tokens per second, hours, GPU-hours, model TFLOP/s per GPU, MFU, memory per
GPU and cost, with the reasons for the layout. The hours include expected
node interruptions at the --checkpoint interval.

aizone plan uses the same engine for the zone's training workloads; the
model behind it and its calibration against published runs are described
in docs/estimate.md.

Without --gpus, the estimate uses the fewest VMs the model fits on, with
all their GPUs.

Exit status: 0 when the run fits, 1 when it cannot (too few GPUs, no
InfiniBand across VMs, ...; the smallest configuration that works is
given), 2 for bad input.`,
		Example: "  aizone estimate training --model llama-3.1-70b --tokens 2T --sku H100 --gpus 1024\n" +
			"  aizone estimate training --model llama-3.1-8b --tokens 20B --method lora --sku Standard_ND96amsr_A100_v4 --gpus 8 --format json\n" +
			"  aizone estimate training --params 13B --layers 40 --hidden 5120 --heads 40 --kv-heads 40 --vocab 32000 --seq 4096 --tokens 300B --gpus 64",
		Args: cobra.NoArgs,
	}
	format := addFormatFlag(c, formatText, formatJSON)
	model := addModelFlags(c)
	hwf := addHardwareFlags(c)
	tokens := c.Flags().String("tokens", "", `training tokens, such as "2T" or "20B" (required)`)
	seq := c.Flags().Int("seq", spec.DefaultSequenceLength, "sequence length (capped by the model's context)")
	gpus := c.Flags().Int("gpus", 0, "GPUs (whole VMs beyond one); default all the GPUs of the fewest VMs the model fits on")
	precision := c.Flags().String("precision", spec.DefaultPrecision, "bf16, fp16 or fp8")
	method := c.Flags().String("method", spec.DefaultMethod, "full or lora")
	tp := c.Flags().Int("tp", 0, "tensor-parallel degree (default: searched)")
	batch := c.Flags().Int("batch", 0, "global batch in sequences (default 4M tokens, at least one sequence per 8 GPUs)")
	checkpoint := c.Flags().String("checkpoint", spec.DefaultCheckpointInterval.String(), `checkpoint interval, such as "1h" or "30m"; "0" for the interval that loses least`)
	spot := c.Flags().Bool("spot", false, "run on Spot VMs: evictions add restarts to the time")
	recompute := c.Flags().String("recompute", "auto", "activation recompute: auto (the fewest layers that fit), selective (never whole layers) or full (every layer, for frameworks without selective recompute)")
	_ = c.MarkFlagRequired("tokens")
	c.RunE = func(cmd *cobra.Command, _ []string) error {
		if err := checkFormat(*format, formatText, formatJSON); err != nil {
			return err
		}
		cat, err := loadCatalog(cmd)
		if err != nil {
			return err
		}
		if *seq < spec.MinSequenceLength || *seq > spec.MaxSequenceLength {
			return usageErr(flagBound("--seq", *seq, "16 to 2,097,152 tokens", "the zone file's sequence_length bound; the longest published training sequences are 131,072 tokens"))
		}
		arch, err := model.arch(cat, *seq)
		if err != nil {
			return usageErr(err)
		}
		if arch.Context > 0 && *seq > arch.Context {
			*seq = arch.Context
		}
		sku, gpu, err := hwf.resolve(cat)
		if err != nil {
			return usageErr(err)
		}
		n, err := units.ParseCount(*tokens)
		if err != nil {
			return usageErr(flagErr("--tokens", err))
		}
		if !(n >= spec.MinTokens && n <= spec.MaxTokens) {
			return usageErr(flagBound("--tokens", float64(n), "1,000 to 10^15 (1000T) tokens", "the zone file's bound: the largest published pre-training runs use about 15T tokens; check the suffix"))
		}
		if err := checkPrecision(*precision); err != nil {
			return usageErr(err)
		}
		if *method != "full" && *method != "lora" {
			return usageErr(fmt.Errorf("--method: unknown method %q; use full or lora", *method))
		}
		if !gpu.Supports(*precision) {
			return usageErr(fmt.Errorf("--precision: %s does not run %s natively", gpu.Name, *precision))
		}
		switch {
		case *gpus < 0 || *gpus > maxEstimateGPUs:
			return usageErr(flagBound("--gpus", *gpus, "0 (the fewest VMs that fit) to 131,072", "more than any training job has run on: the largest published used 16,384 GPUs"))
		case *batch < 0 || *batch > maxGlobalBatch:
			return usageErr(flagBound("--batch", *batch, "0 (the default) to 1,048,576 sequences", "published global batches are a few thousand sequences"))
		case *batch > 0 && float64(*batch)*float64(*seq) > float64(n):
			return usageErr(flagBound("--batch", *batch, fmt.Sprintf("a step of --batch × --seq %d tokens at most the run's --tokens %.4g", *seq, float64(n)),
				fmt.Sprintf("one step would train on %d tokens, more than the whole run", *batch**seq)))
		case *tp != 0:
			if err := checkTP(*tp, arch, sku, true, *gpus); err != nil {
				return usageErr(err)
			}
		}
		var ckpt units.Duration
		// "0" asks for the interval that loses least; every other value
		// needs a unit, as in the zone file.
		if strings.TrimSpace(*checkpoint) != "0" {
			if ckpt, err = units.ParseDuration(*checkpoint); err != nil {
				return usageErr(flagErr("--checkpoint", err))
			}
			if ckpt < units.Duration(time.Minute) || ckpt > 5*365*units.Day {
				return usageErr(flagBound("--checkpoint", *checkpoint, `one minute to five years, or "0" for the interval that loses least`,
					"writing a checkpoint takes seconds to minutes, and the zone file's deadline is at most five years"))
			}
		}
		rc := *recompute
		switch rc {
		case "auto":
			rc = ""
		case compute.RecomputeSelective, compute.RecomputeFull:
		default:
			return usageErr(fmt.Errorf("--recompute: unknown policy %q; use auto, selective or full", *recompute))
		}
		usd, source := hwf.price(cat, sku)
		in := compute.TrainingInput{Recompute: rc, Arch: arch, Tokens: float64(n), Precision: *precision, Method: *method, SeqLen: *seq,
			GlobalBatch: *batch, SKU: sku, GPU: gpu, GPUs: *gpus, TP: *tp, USDPerVMHour: usd, CheckpointHours: ckpt.Hours(), Spot: *spot}
		if in.GPUs == 0 {
			sm, ok := compute.SmallestTraining(cat, in, hwf.asOf)
			if !ok || sm.SKU != sku.Name {
				return refuse(s, *format, fmt.Sprintf("%s does not fit on any number of %s", arch.Name, sku.Name), sm, ok)
			}
			// A VM is paid for whole: a model that fits in part of one
			// uses all of its GPUs.
			in.GPUs = max(sm.GPUs, int(sku.GPUs))
		}
		est, err := compute.EstimateTraining(in)
		if err != nil {
			var ie *compute.InfeasibleError
			if !errors.As(err, &ie) {
				return usageErr(err)
			}
			sm, ok := compute.SmallestTraining(cat, in, hwf.asOf)
			return refuse(s, *format, ie.Reason, sm, ok)
		}
		out := trainingOutput{TrainingEstimate: est, Model: arch.Name, Precision: *precision, Method: *method, Region: hwf.region, USDPerHour: usd, PriceSource: source}
		if *format == formatJSON {
			return writeJSON(s.Out, out)
		}
		return writeTraining(s.Out, out)
	}
	return c
}

func writeTraining(w io.Writer, o trainingOutput) error {
	var b strings.Builder
	e := o.TrainingEstimate
	l := e.Layout
	fmt.Fprintf(&b, "Run        %s, %.4g tokens of %d, %s %s, on %d × %s (%d GPUs)\n", o.Model, e.Tokens, e.SeqLen, o.Precision, o.Method, e.Nodes, e.SKU, e.GPUs)
	fmt.Fprintf(&b, "Layout     %s; global batch %d sequences\n", l.String(), e.GlobalBatch)
	fmt.Fprintf(&b, "Why        %s\n", l.Why)
	cp := ""
	if e.Layout.CP > 1 {
		cp = fmt.Sprintf(", context-parallel %.3f", e.Step.CPComm)
	}
	fmt.Fprintf(&b, "Step       %.3f s: compute %.3f, tensor-parallel %.3f%s, pipeline %.3f, bubble %.3f, data-parallel exposed %.3f, optimizer %.3f\n",
		e.Step.Total, e.Step.Compute, e.Step.TPComm, cp, e.Step.PPComm, e.Step.Bubble, e.Step.DPExposed, e.Step.Optimizer)
	fmt.Fprintf(&b, "Speed      %.0f tokens/s, %.1f model TFLOP/s a GPU, MFU %.1f%%\n", e.TokensPerSecond, e.ModelTFLOPSPerGPU, e.MFU*100)
	fmt.Fprintf(&b, "Memory     %.1f GiB a GPU of %.1f usable (model state %.1f, activations %.1f, buffers %.1f)\n",
		e.MemoryPerGPUGiB, e.Memory.UsableGiB, e.Memory.ModelStateGiB, e.Memory.ActivationsGiB, e.Memory.BuffersGiB)
	fmt.Fprintf(&b, "Time       %.1f h (%.0f GPU-hours); goodput %.1f%% with %.1f expected interruptions, checkpoints every %.0f min (best: %.0f min)\n",
		e.Hours, e.GPUHours, e.Goodput*100, e.Interruptions, e.CheckpointHours*60, e.OptimalCheckpointHours*60)
	if o.USDPerHour > 0 {
		fmt.Fprintf(&b, "Cost       $%.0f at $%.2f a VM-hour in %s (%s)\n", e.CostUSD, o.USDPerHour, o.Region, o.PriceSource)
	} else {
		fmt.Fprintf(&b, "Cost       unknown: %s\n", o.PriceSource)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

type inferenceOutput struct {
	compute.InferenceEstimate
	Model       string  `json:"model"`
	Precision   string  `json:"precision"`
	InputTokens int     `json:"input_tokens"`
	OutputTok   int     `json:"output_tokens"`
	Region      string  `json:"region"`
	USDPerHour  float64 `json:"usd_per_vm_hour"`
	PriceSource string  `json:"price_source"`
}

func newEstimateInferenceCmd(s *Streams) *cobra.Command {
	c := &cobra.Command{
		Use:   "inference (--model NAME | --params N --layers N --hidden N --heads N --kv-heads N --vocab N) [--sku SIZE|GPU] [--tp N] [--batch N | --concurrency N | --rate R]",
		Short: "Estimate a served model: memory, largest batch, TTFT, TPOT, throughput, replicas and cost per million tokens",
		Long: `Inference estimates one replica of a model served on --tp GPUs of one VM
size: weights and KV cache in GPU memory, the largest batch that fits,
prefill time, decode step time (weights and KV-cache bytes over HBM
bandwidth at small batch, FLOPs at large batch, plus tensor-parallel
all-reduces), time to first token, time per output token with continuous
batching, output tokens and requests per second, and the replicas and cost
per million output tokens.

The batch is --batch when given; otherwise the largest that fits memory and
meets --ttft and --tpot (--concurrency caps it at the requests in flight).
--rate sets the replicas for a request rate; --concurrency the replicas for
that many requests in flight.

Exit status: 0 when the model fits (and meets the latency targets), 1 when
it cannot (the smallest configuration that fits is given), 2 for bad input.`,
		Example: "  aizone estimate inference --model llama-3.1-8b --sku H100 --precision fp8 --input-tokens 1000 --output-tokens 200 --rate 50\n" +
			"  aizone estimate inference --model llama-3.1-70b --sku H100 --tp 4 --batch 32 --format json\n" +
			"  aizone estimate inference --model llama-3.1-405b --sku MI300X --precision fp8 --concurrency 64 --tpot 50ms",
		Args: cobra.NoArgs,
	}
	format := addFormatFlag(c, formatText, formatJSON)
	model := addModelFlags(c)
	hwf := addHardwareFlags(c)
	precision := c.Flags().String("precision", spec.DefaultPrecision, "weights (and KV cache) precision: bf16, fp16 or fp8")
	tp := c.Flags().Int("tp", 0, "tensor-parallel degree (default: the smallest that fits)")
	batch := c.Flags().Int("batch", 0, "sequences decoded together by one replica (default: the largest that fits and meets the targets)")
	concurrency := c.Flags().Int("concurrency", 0, "requests in flight across all replicas")
	in := c.Flags().Int("input-tokens", spec.DefaultInputTokens, "prompt tokens per request")
	out := c.Flags().Int("output-tokens", spec.DefaultOutputTokens, "generated tokens per request")
	rate := c.Flags().Float64("rate", 0, "requests per second to serve (sets the replicas)")
	ttft := c.Flags().String("ttft", "", `time-to-first-token target, such as "500ms"`)
	tpot := c.Flags().String("tpot", "", `time-per-output-token target, such as "50ms"`)
	c.RunE = func(cmd *cobra.Command, _ []string) error {
		if err := checkFormat(*format, formatText, formatJSON); err != nil {
			return err
		}
		cat, err := loadCatalog(cmd)
		if err != nil {
			return err
		}
		arch, err := model.arch(cat, 0)
		if err != nil {
			return usageErr(err)
		}
		sku, gpu, err := hwf.resolve(cat)
		if err != nil {
			return usageErr(err)
		}
		if err := checkPrecision(*precision); err != nil {
			return usageErr(err)
		}
		if !gpu.Supports(*precision) {
			return usageErr(fmt.Errorf("--precision: %s does not run %s natively", gpu.Name, *precision))
		}
		if err := checkRequestTokens(*in, *out, arch); err != nil {
			return usageErr(err)
		}
		switch {
		case !(*rate == 0 || *rate >= spec.MinRequestsPerSecond && *rate <= spec.MaxRequestsPerSecond):
			// NaN and the infinities fail every comparison.
			return usageErr(flagBound("--rate", *rate, "0 (one replica) or 0.00001 to 1,000,000 requests a second",
				"the zone file's bound on requests_per_second: no service needs more, and less is under one request a day"))
		case *batch < 0 || *batch > maxGlobalBatch:
			return usageErr(flagBound("--batch", *batch, "0 (the largest that fits) to 1,048,576 sequences", "a replica's KV cache holds a few thousand sequences at most"))
		case *concurrency < 0 || *concurrency > maxConcurrency:
			return usageErr(flagBound("--concurrency", *concurrency, "0 to 10,000,000 requests in flight", "ten times the busiest service the zone file allows"))
		case *batch > 0 && *concurrency > 0:
			return usageErr(errors.New("give --batch or --concurrency, not both"))
		case *tp != 0:
			if err := checkTP(*tp, arch, sku, false, 0); err != nil {
				return usageErr(err)
			}
		}
		var ttftS, tpotS float64
		for _, f := range []struct {
			name string
			v    string
			to   *float64
		}{{"--ttft", *ttft, &ttftS}, {"--tpot", *tpot, &tpotS}} {
			if f.v == "" {
				continue
			}
			d, err := units.ParseDuration(f.v)
			if err != nil {
				return usageErr(flagErr(f.name, err))
			}
			*f.to = d.Seconds()
		}
		usd, source := hwf.price(cat, sku)
		input := compute.InferenceInput{Arch: arch, Precision: *precision, SKU: sku, GPU: gpu, TP: *tp, InputTokens: *in, OutputTokens: *out,
			Batch: *batch, Concurrency: *concurrency, TPOTTarget: tpotS, TTFTTarget: ttftS, RateTarget: *rate, USDPerVMHour: usd}
		if input.TP == 0 {
			sm, ok := compute.SmallestInference(cat, input, hwf.asOf)
			if !ok || sm.SKU != sku.Name {
				return refuse(s, *format, fmt.Sprintf("%s in %s does not fit on %s at any tensor-parallel degree", arch.Name, *precision, sku.Name), sm, ok)
			}
			input.TP = sm.TP
		}
		est, err := compute.EstimateInference(input)
		if err != nil {
			var ie *compute.InfeasibleError
			if !errors.As(err, &ie) {
				return usageErr(err)
			}
			probe := input
			probe.TP = 0
			sm, ok := compute.SmallestInference(cat, probe, hwf.asOf)
			return refuse(s, *format, ie.Reason, sm, ok)
		}
		o := inferenceOutput{InferenceEstimate: est, Model: arch.Name, Precision: *precision, InputTokens: *in, OutputTok: *out, Region: hwf.region, USDPerHour: usd, PriceSource: source}
		if *format == formatJSON {
			err = writeJSON(s.Out, o)
		} else {
			err = writeInference(s.Out, o)
		}
		if err != nil {
			return err
		}
		if !est.MeetsLatency {
			return findingsErr(fmt.Errorf("no batch meets the latency targets on %d × %s: even at batch %d, TTFT is %.0f ms and TPOT %.1f ms", est.TP, est.SKU, est.Batch, est.TTFTms, est.TPOTms))
		}
		return nil
	}
	return c
}

func writeInference(w io.Writer, o inferenceOutput) error {
	var b strings.Builder
	e := o.InferenceEstimate
	fmt.Fprintf(&b, "Replica    %s in %s on %d GPU(s) of %s (tensor parallel %d), %d in / %d out tokens\n", o.Model, o.Precision, e.TP, e.SKU, e.TP, o.InputTokens, o.OutputTok)
	fmt.Fprintf(&b, "Memory     weights %.1f GiB, KV cache %.1f GiB for batch %d (%.0f KiB a token; at most %d sequences fit)\n",
		e.WeightsGiB, e.KVCacheGiB, e.Batch, e.KVBytesPerToken/1024, e.MaxBatch)
	fmt.Fprintf(&b, "Latency    TTFT %.1f ms (prefill %.1f ms), TPOT %.2f ms (decode step %.2f ms, %s-bound)\n", e.TTFTms, e.PrefillMs, e.TPOTms, e.DecodeStepMs, e.DecodeBound)
	fmt.Fprintf(&b, "Throughput %.0f output tokens/s, %.3f requests/s a replica\n", e.OutputTokensPerSecond, e.RequestsPerSecond)
	fmt.Fprintf(&b, "Fleet      %d replica(s), %d GPUs\n", e.Replicas, e.GPUs)
	if o.USDPerHour > 0 {
		fmt.Fprintf(&b, "Cost       $%.3f per million output tokens at $%.2f a VM-hour in %s (%s)\n", e.USDPerMillionTokens, o.USDPerHour, o.Region, o.PriceSource)
	} else {
		fmt.Fprintf(&b, "Cost       unknown: %s\n", o.PriceSource)
	}
	_, err := io.WriteString(w, b.String())
	return err
}
