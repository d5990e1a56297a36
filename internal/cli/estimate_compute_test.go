package cli

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestEstimateTrainingJSON checks every key the training estimate promises.
func TestEstimateTrainingJSON(t *testing.T) {
	tests := []struct {
		name string
		args []string
		sku  string
		gpus int
	}{
		{"catalog model on a GPU name", []string{"--model", "llama-3.1-70b", "--tokens", "2T", "--sku", "H100", "--gpus", "1024"}, "Standard_ND96isr_H100_v5", 1024},
		{"VM size, LoRA", []string{"--model", "llama-3.1-8b", "--tokens", "20B", "--method", "lora", "--sku", "Standard_ND96amsr_A100_v4", "--gpus", "8"}, "Standard_ND96amsr_A100_v4", 8},
		{"explicit architecture, pinned TP", []string{"--params", "13B", "--layers", "40", "--hidden", "5120", "--heads", "40", "--kv-heads", "40",
			"--vocab", "32000", "--seq", "4096", "--tokens", "300B", "--gpus", "64", "--tp", "2"}, "Standard_ND96isr_H100_v5", 64},
		{"fp8 with a global batch", []string{"--model", "gpt-3-175b", "--tokens", "1.2B", "--seq", "2048", "--batch", "2048", "--precision", "fp8", "--gpus", "512"}, "Standard_ND96isr_H100_v5", 512},
		{"long context", []string{"--model", "llama-3.1-70b", "--tokens", "100B", "--seq", "131072", "--batch", "16", "--gpus", "1024"}, "Standard_ND96isr_H100_v5", 1024},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"estimate", "training", "--format", "json", "--as-of", asOf}, tt.args...)
			code, out, errOut := runCLI(t, args...)
			if code != ExitOK {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			var m map[string]any
			if err := json.Unmarshal([]byte(out), &m); err != nil {
				t.Fatalf("not JSON: %v\n%s", err, out)
			}
			for _, k := range []string{"sku", "gpus", "nodes", "layout", "tokens_per_second", "hours", "gpu_hours", "model_tflops_per_gpu", "mfu", "memory_per_gpu_gib", "cost_usd"} {
				if _, ok := m[k]; !ok {
					t.Errorf("key %q missing", k)
				}
			}
			layout, _ := m["layout"].(map[string]any)
			for _, k := range []string{"tp", "cp", "pp", "dp", "zero", "recompute", "micro_batch"} {
				if _, ok := layout[k]; !ok {
					t.Errorf("layout key %q missing", k)
				}
			}
			if m["sku"] != tt.sku || int(m["gpus"].(float64)) != tt.gpus {
				t.Errorf("got %v × %v, want %d × %s", m["gpus"], m["sku"], tt.gpus, tt.sku)
			}
			tp, cp, pp, dp := layout["tp"].(float64), layout["cp"].(float64), layout["pp"].(float64), layout["dp"].(float64)
			if int(tp*cp*pp*dp) != tt.gpus {
				t.Errorf("layout TP%v × CP%v × PP%v × DP%v does not use %d GPUs", tp, cp, pp, dp, tt.gpus)
			}
			if m["hours"].(float64) <= 0 || m["mfu"].(float64) <= 0 || m["mfu"].(float64) >= 1 || m["cost_usd"].(float64) <= 0 {
				t.Errorf("implausible estimate: hours %v, MFU %v, cost %v", m["hours"], m["mfu"], m["cost_usd"])
			}
		})
	}
}

// TestEstimateCheckpointZero: "--checkpoint 0", as the help offers, takes
// the interval that loses least; a bare non-zero number still needs a unit.
func TestEstimateCheckpointZero(t *testing.T) {
	base := []string{"estimate", "training", "--model", "llama-3.1-70b", "--tokens", "2T", "--sku", "H100", "--gpus", "1024", "--format", "json", "--as-of", asOf}
	code, out, errOut := runCLI(t, append(base, "--checkpoint", "0")...)
	if code != ExitOK {
		t.Fatalf("--checkpoint 0: exit %d: %s", code, errOut)
	}
	var e struct {
		Checkpoint float64 `json:"checkpoint_hours"`
		Optimal    float64 `json:"optimal_checkpoint_hours"`
	}
	if err := json.Unmarshal([]byte(out), &e); err != nil {
		t.Fatal(err)
	}
	if e.Checkpoint != e.Optimal || e.Optimal <= 0 {
		t.Errorf("--checkpoint 0 assumed %v h, want the optimal %v h", e.Checkpoint, e.Optimal)
	}
	code, _, errOut = runCLI(t, append(base, "--checkpoint", "2")...)
	if code != ExitUsage || !strings.Contains(errOut, "no unit") {
		t.Errorf("--checkpoint 2: exit %d, %q; want a usage error about the unit", code, errOut)
	}
}

// TestEstimateInferenceJSON checks every key the inference estimate promises.
func TestEstimateInferenceJSON(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		replicas int
		batch    int // 0 = any
	}{
		{"rate and targets", []string{"--model", "llama-3.1-8b", "--sku", "H100", "--precision", "fp8", "--input-tokens", "1000", "--output-tokens", "200", "--rate", "50", "--tpot", "50ms", "--ttft", "1s"}, 0, 0},
		{"fixed batch on a VM size", []string{"--model", "llama-3.1-70b", "--sku", "Standard_ND96isr_H100_v5", "--tp", "4", "--batch", "32"}, 1, 32},
		{"concurrency", []string{"--model", "llama-3.1-8b", "--sku", "H100", "--concurrency", "4000", "--input-tokens", "2000", "--output-tokens", "500"}, 0, 0},
		{"explicit architecture", []string{"--params", "8B", "--layers", "32", "--hidden", "4096", "--heads", "32", "--kv-heads", "8", "--vocab", "128256", "--sku", "A100"}, 1, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"estimate", "inference", "--format", "json", "--as-of", asOf}, tt.args...)
			code, out, errOut := runCLI(t, args...)
			if code != ExitOK {
				t.Fatalf("exit %d: %s\n%s", code, errOut, out)
			}
			var m map[string]any
			if err := json.Unmarshal([]byte(out), &m); err != nil {
				t.Fatalf("not JSON: %v\n%s", err, out)
			}
			for _, k := range []string{"sku", "gpus", "tp", "batch", "weights_gib", "kv_cache_gib", "ttft_ms", "tpot_ms", "output_tokens_per_second", "requests_per_second", "replicas", "usd_per_million_tokens"} {
				if _, ok := m[k]; !ok {
					t.Errorf("key %q missing", k)
				}
			}
			if tt.replicas > 0 && int(m["replicas"].(float64)) != tt.replicas {
				t.Errorf("replicas %v, want %d", m["replicas"], tt.replicas)
			}
			if tt.batch > 0 && int(m["batch"].(float64)) != tt.batch {
				t.Errorf("batch %v, want %d", m["batch"], tt.batch)
			}
			if m["tpot_ms"].(float64) <= 0 || m["output_tokens_per_second"].(float64) <= 0 || m["usd_per_million_tokens"].(float64) <= 0 {
				t.Errorf("implausible estimate: %v", m)
			}
			if strings.Contains(tt.name, "rate") && m["replicas"].(float64)*m["requests_per_second"].(float64) < 50 {
				t.Errorf("%v replicas at %v req/s do not serve 50 req/s", m["replicas"], m["requests_per_second"])
			}
		})
	}
}

// TestEstimateInfeasible: inputs that cannot work exit 1 with the reason and
// the smallest configuration that would.
func TestEstimateInfeasible(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		reason   string
		smallest string
	}{
		{"model larger than the GPUs", []string{"training", "--model", "llama-3.1-405b", "--tokens", "1T", "--sku", "H100", "--gpus", "8"}, "does not fit", "Standard_ND96isr_H100_v5"},
		{"no InfiniBand across VMs", []string{"training", "--model", "llama-3.1-8b", "--tokens", "1B", "--sku", "Standard_NC96ads_A100_v4", "--gpus", "16"}, "no InfiniBand", "Standard_NC96ads_A100_v4"},
		{"no room without recompute", []string{"training", "--model", "llama-3.1-70b", "--tokens", "1T", "--sku", "H100", "--gpus", "16", "--seq", "8192", "--recompute", "selective"}, "selective recompute", "Standard_ND96isr_H100_v5"},
		{"part of a VM across VMs", []string{"training", "--model", "llama-3.1-8b", "--tokens", "1B", "--sku", "H100", "--gpus", "12"}, "whole", "GPUs"},
		{"weights do not fit the TP degree", []string{"inference", "--model", "llama-3.1-70b", "--sku", "H100", "--tp", "1"}, "do not fit", "tensor parallel 2"},
		{"batch larger than the KV cache", []string{"inference", "--model", "llama-3.1-8b", "--sku", "H100", "--tp", "1", "--batch", "5000", "--input-tokens", "8000"}, "does not fit", "tensor parallel 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"estimate"}, tt.args...)
			code, out, errOut := runCLI(t, append(args, "--as-of", asOf)...)
			if code != ExitFindings {
				t.Fatalf("exit %d, want %d: %s%s", code, ExitFindings, out, errOut)
			}
			if !strings.Contains(errOut, tt.reason) || !strings.Contains(errOut, "smallest configuration that works") || !strings.Contains(errOut, tt.smallest) {
				t.Errorf("stderr lacks the reason %q or the smallest configuration %q:\n%s", tt.reason, tt.smallest, errOut)
			}
			code, out, _ = runCLI(t, append(args, "--as-of", asOf, "--format", "json")...)
			var m struct {
				Feasible bool
				Reason   string
				Smallest *struct {
					SKU  string
					GPUs int
				}
			}
			if err := json.Unmarshal([]byte(out), &m); err != nil || code != ExitFindings || m.Feasible || m.Reason == "" || m.Smallest == nil || m.Smallest.GPUs < 1 {
				t.Errorf("JSON refusal: exit %d, %+v, %v\n%s", code, m, err, out)
			}
		})
	}
}

func TestEstimateComputeUsage(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no model", []string{"training", "--tokens", "1T"}, "--model"},
		{"model and architecture", []string{"training", "--model", "llama-3.1-8b", "--params", "8B", "--tokens", "1T"}, "not both"},
		{"unknown model", []string{"inference", "--model", "llama-9"}, "unknown model"},
		{"unknown size", []string{"inference", "--model", "llama-3.1-8b", "--sku", "Z999"}, "unknown VM size or GPU"},
		{"bad tokens", []string{"training", "--model", "llama-3.1-8b", "--tokens", "lots"}, "--tokens"},
		{"missing tokens", []string{"training", "--model", "llama-3.1-8b"}, "tokens"},
		{"bad precision", []string{"training", "--model", "llama-3.1-8b", "--tokens", "1B", "--precision", "int4"}, "--precision"},
		{"fp8 on a GPU without it", []string{"inference", "--model", "llama-3.1-8b", "--sku", "A100", "--precision", "fp8"}, "does not run fp8"},
		{"bad method", []string{"training", "--model", "llama-3.1-8b", "--tokens", "1B", "--method", "qlora"}, "--method"},
		{"bad recompute", []string{"training", "--model", "llama-3.1-8b", "--tokens", "1B", "--recompute", "some"}, "--recompute"},
		{"bad latency", []string{"inference", "--model", "llama-3.1-8b", "--tpot", "fast"}, "--tpot"},
		{"batch and concurrency", []string{"inference", "--model", "llama-3.1-8b", "--batch", "8", "--concurrency", "8"}, "not both"},
		{"inconsistent architecture", []string{"training", "--params", "8B", "--layers", "32", "--hidden", "4100", "--heads", "32", "--vocab", "32000", "--tokens", "1B"}, "multiple"},
		{"bad format", []string{"training", "--model", "llama-3.1-8b", "--tokens", "1B", "--format", "yaml"}, "--format"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, errOut := runCLI(t, append([]string{"estimate"}, tt.args...)...)
			if code != ExitUsage || !strings.Contains(errOut, tt.want) {
				t.Errorf("exit %d, stderr %q; want exit %d mentioning %q", code, errOut, ExitUsage, tt.want)
			}
		})
	}
}

// TestEstimateText: the text forms name the layout, the time and the cost.
func TestEstimateText(t *testing.T) {
	code, out, errOut := runCLI(t, "estimate", "training", "--model", "llama-3.1-70b", "--tokens", "2T", "--sku", "H100", "--gpus", "1024", "--as-of", asOf)
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{"Layout", "TP", "GPU-hours", "MFU", "Cost", "$"} {
		if !strings.Contains(out, want) {
			t.Errorf("training text lacks %q:\n%s", want, out)
		}
	}
	code, out, errOut = runCLI(t, "estimate", "inference", "--model", "llama-3.1-8b", "--sku", "H100", "--precision", "fp8", "--rate", "100", "--as-of", asOf)
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{"TTFT", "TPOT", "replica", "per million output tokens"} {
		if !strings.Contains(out, want) {
			t.Errorf("inference text lacks %q:\n%s", want, out)
		}
	}
}

// TestEstimateMatchesPlan: an estimate and a plan call the same engine, so
// the plan's training pool and the estimate for the same inputs agree.
func TestEstimateMatchesPlan(t *testing.T) {
	code, out, errOut := runCLI(t, "plan", example("large.yaml"), "--as-of", asOf, "--format", "json")
	if code != ExitOK {
		t.Fatalf("plan: exit %d: %s", code, errOut)
	}
	var p struct {
		Compute struct {
			Pools []struct {
				Workload string
				SKU      string
				Region   string
				GPUs     float64
				Training *struct {
					Hours           float64
					TokensPerSecond float64 `json:"tokens_per_second"`
				}
			}
		}
	}
	if err := json.Unmarshal([]byte(out), &p); err != nil {
		t.Fatal(err)
	}
	pool := p.Compute.Pools[0]
	if pool.Training == nil {
		t.Fatalf("first pool of large.yaml is not training: %+v", pool)
	}
	code, out, errOut = runCLI(t, "estimate", "training", "--model", "llama-3.1-70b", "--tokens", "2T", "--seq", "8192", "--checkpoint", "1h",
		"--sku", pool.SKU, "--gpus", strings.TrimSuffix(strings.TrimSuffix(jsonNumber(pool.GPUs), ".0"), ".00"), "--region", pool.Region, "--format", "json", "--as-of", asOf)
	if code != ExitOK {
		t.Fatalf("estimate: exit %d: %s", code, errOut)
	}
	var e struct {
		Hours           float64
		TokensPerSecond float64 `json:"tokens_per_second"`
	}
	if err := json.Unmarshal([]byte(out), &e); err != nil {
		t.Fatal(err)
	}
	if e.Hours != pool.Training.Hours || e.TokensPerSecond != pool.Training.TokensPerSecond {
		t.Errorf("estimate %.2f h at %.0f tok/s, plan %.2f h at %.0f tok/s", e.Hours, e.TokensPerSecond, pool.Training.Hours, pool.Training.TokensPerSecond)
	}
}

func jsonNumber(f float64) string {
	b, _ := json.Marshal(f)
	return string(b)
}
