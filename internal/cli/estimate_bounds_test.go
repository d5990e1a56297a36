package cli

import (
	"encoding/json"
	"math"
	"strings"
	"testing"
)

// TestEstimateFlagBounds: a flag value past its bounds, or against a rule,
// is bad input (exit 2) with one line that names the flag, the bound or
// rule, and why; never an answer built on it.
func TestEstimateFlagBounds(t *testing.T) {
	arch := []string{"--params", "8B", "--layers", "32", "--hidden", "4096", "--heads", "32", "--kv-heads", "8", "--vocab", "128256"}
	tests := []struct {
		name string
		args []string
		want []string // substrings of stderr
	}{
		{"rate too large", []string{"inference", "--model", "llama-3.1-8b", "--rate", "1e308"}, []string{"--rate 1e+308", "1,000,000 requests a second"}},
		{"rate NaN", []string{"inference", "--model", "llama-3.1-8b", "--rate", "NaN"}, []string{"--rate NaN", "1,000,000"}},
		{"rate infinite", []string{"inference", "--model", "llama-3.1-8b", "--rate", "Inf"}, []string{"--rate +Inf", "1,000,000"}},
		{"rate overflowing replicas", []string{"inference", "--model", "llama-3.1-8b", "--rate", "1e20"}, []string{"--rate 1e+20", "1,000,000"}},
		{"rate tiny", []string{"inference", "--model", "llama-3.1-8b", "--rate", "1e-310"}, []string{"--rate 1e-310", "0.00001"}},
		{"input beyond the context", []string{"inference", "--model", "llama-3.1-8b", "--input-tokens", "200000"}, []string{"--input-tokens 200000", "context of 131072"}},
		{"output beyond the context", []string{"inference", "--model", "llama-3.1-8b", "--input-tokens", "131000", "--output-tokens", "100"}, []string{"--output-tokens 100", "context of 131072"}},
		{"request tokens together", []string{"inference", "--model", "llama-3.1-8b", "--input-tokens", "1048576", "--output-tokens", "1048576"}, []string{"--input-tokens 1048576", "1048576"}},
		{"input tokens too many", append([]string{"inference", "--input-tokens", "2000000"}, arch...), []string{"--input-tokens 2000000", "1048576"}},
		{"inference tp not dividing heads", []string{"inference", "--model", "llama-3.1-8b", "--tp", "3"}, []string{"--tp 3", "divide", "32 attention heads", "8 GPUs"}},
		{"inference tp past the VM", []string{"inference", "--model", "llama-3.1-8b", "--tp", "16"}, []string{"--tp 16", "8 GPUs"}},
		{"concurrency", []string{"inference", "--model", "llama-3.1-8b", "--concurrency", "2000000000"}, []string{"--concurrency 2000000000", "10,000,000"}},
		{"training tp not a power of two", []string{"training", "--model", "llama-3.1-8b", "--tokens", "1T", "--tp", "3"}, []string{"--tp 3", "power of two", "32 attention heads", "8 GPUs"}},
		{"training tp past the VM", []string{"training", "--model", "llama-3.1-8b", "--tokens", "1T", "--gpus", "16", "--tp", "16"}, []string{"--tp 16", "NVLink"}},
		{"training tp past the GPUs", []string{"training", "--model", "llama-3.1-8b", "--tokens", "1T", "--gpus", "2", "--tp", "4"}, []string{"--tp 4", "--gpus 2"}},
		{"gpus", []string{"training", "--model", "llama-3.1-8b", "--tokens", "1T", "--gpus", "1000000000"}, []string{"--gpus 1000000000", "131,072"}},
		{"tokens", []string{"training", "--model", "llama-3.1-8b", "--tokens", "1e30"}, []string{"--tokens 1e+30", "10^15"}},
		{"tokens too few", []string{"training", "--model", "llama-3.1-8b", "--tokens", "10"}, []string{"--tokens 10", "1,000"}},
		{"sequence", []string{"training", "--model", "llama-3.1-8b", "--tokens", "1T", "--seq", "100000000"}, []string{"--seq 100000000", "2,097,152"}},
		{"batch", []string{"training", "--model", "llama-3.1-8b", "--tokens", "1T", "--batch", "1000000000"}, []string{"--batch 1000000000", "1,048,576"}},
		{"a step past the run", []string{"training", "--model", "llama-3.1-8b", "--tokens", "1M", "--batch", "1024"}, []string{"--batch 1024", "--seq 4096", "--tokens"}},
		{"checkpoint", []string{"training", "--model", "llama-3.1-8b", "--tokens", "1T", "--checkpoint", "1ns"}, []string{"--checkpoint 1ns", "one minute"}},
		{"ffn negative", append([]string{"training", "--tokens", "1T", "--ffn", "-1"}, arch...), []string{"--ffn -1", "16 × --hidden"}},
		{"ffn too wide", append([]string{"inference", "--ffn", "100000"}, arch...), []string{"--ffn 100000", "65536"}},
		{"layers", []string{"inference", "--layers", "100000", "--params", "8B", "--hidden", "4096", "--heads", "32", "--vocab", "128256"}, []string{"--layers", "100000", "10000"}},
		{"params", []string{"inference", "--params", "1e20", "--layers", "32", "--hidden", "4096", "--heads", "32", "--vocab", "128256"}, []string{"--params", "100T"}},
		{"negative layers", []string{"inference", "--params", "8B", "--layers", "-32", "--hidden", "4096", "--heads", "32", "--vocab", "128256"}, []string{"--params, --layers, --hidden, --heads and --vocab"}},
		{"transfer size", []string{"transfer", "--size", "9EB", "--bandwidth", "10Gbps"}, []string{"--size 9EB", "100 PB"}},
		{"transfer bandwidth", []string{"transfer", "--size", "400TB", "--bandwidth", "1e30Gbps"}, []string{"--bandwidth 1e30Gbps", "1 Tbps"}},
		{"transfer bandwidth tiny", []string{"transfer", "--size", "400TB", "--bandwidth", "1bps"}, []string{"--bandwidth 1bps", "1 Mbps"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"estimate"}, tt.args...)
			if tt.args[0] != "transfer" {
				args = append(args, "--as-of", asOf)
			}
			code, out, errOut := runCLI(t, args...)
			if code != ExitUsage {
				t.Fatalf("exit %d, want %d: %s%s", code, ExitUsage, out, errOut)
			}
			if out != "" || strings.Count(errOut, "\n") != 1 {
				t.Errorf("want nothing on stdout and one line on stderr: %q, %q", out, errOut)
			}
			for _, w := range tt.want {
				if !strings.Contains(errOut, w) {
					t.Errorf("stderr %q lacks %q", errOut, w)
				}
			}
		})
	}
}

// TestEstimateAtBounds: values at the bounds still give an answer.
func TestEstimateAtBounds(t *testing.T) {
	for _, args := range [][]string{
		{"inference", "--model", "llama-3.1-8b", "--rate", "1000000", "--format", "json"},
		{"inference", "--model", "llama-3.1-8b", "--rate", "0.00001", "--format", "json"},
		{"inference", "--model", "llama-3.1-8b", "--input-tokens", "130000", "--output-tokens", "1072", "--format", "json"},
		{"training", "--model", "llama-3.1-8b", "--tokens", "1T", "--tp", "8", "--gpus", "16", "--format", "json"},
	} {
		code, out, errOut := runCLI(t, append(append([]string{"estimate"}, args...), "--as-of", asOf)...)
		if code != ExitOK && code != ExitFindings {
			t.Errorf("%v: exit %d: %s", args, code, errOut)
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(out), &m); err != nil {
			t.Errorf("%v: %v\n%s", args, err, out)
		}
		if r, ok := m["replicas"].(float64); ok && (r < 1 || r > 1e9 || math.IsNaN(r)) {
			t.Errorf("%v: %v replicas", args, r)
		}
	}
}
