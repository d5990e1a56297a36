package cli

import (
	"encoding/json"
	"strings"
	"testing"
)

// FuzzEstimateFlags runs the estimate commands with arbitrary flag values,
// starting from the values of issue 12. Whatever they are, an estimate
// exits 0 with a finite answer, 1 with a refusal that says why, or 2 with
// one line on stderr and nothing on stdout; it never panics, hangs on a
// huge count, or answers with NaN, infinity or a wrapped count.
func FuzzEstimateFlags(f *testing.F) {
	for _, s := range []struct {
		cmd        uint8
		a, b, c, d string
	}{
		{0, "1e308", "0", "1000", "200"},
		{0, "NaN", "0", "1000", "200"},
		{0, "Inf", "0", "1000", "200"},
		{0, "1e20", "0", "1000", "200"},
		{0, "1e-310", "3", "200000", "200"},
		{0, "50", "1", "1048576", "1048576"},
		{0, "1000000", "8", "131000", "72"},
		{1, "1T", "0", "3", "4096"},
		{1, "1e30", "1000000000", "0", "4096"},
		{1, "20B", "16", "8", "100000000"},
		{1, "1e3", "131072", "1", "16"},
		{2, "-1", "4096", "32", "32"},
		{2, "14336", "4096", "32", "32"},
		{2, "100000", "1048577", "0", "100000"},
		{3, "400TB", "10Gbps", "14d", "0.8"},
		{3, "9EB", "1bps", "1ns", "NaN"},
		{3, "1B", "1e30Gbps", "100y", "Inf"},
		{4, "8", "0", "500ms", "50ms"},
		{4, "1000000000", "0", "1ns", "0s"},
		{4, "0", "2000000000", "", "1h"},
	} {
		f.Add(s.cmd, s.a, s.b, s.c, s.d)
	}
	arch := []string{"--params=8B", "--vocab=32000", "--tokens=1T"}
	f.Fuzz(func(t *testing.T, cmd uint8, a, b, c, d string) {
		var args []string
		switch cmd % 5 {
		case 0:
			args = []string{"inference", "--model=llama-3.1-8b", "--rate=" + a, "--tp=" + b, "--input-tokens=" + c, "--output-tokens=" + d}
		case 1:
			args = []string{"training", "--model=llama-3.1-8b", "--tokens=" + a, "--gpus=" + b, "--tp=" + c, "--seq=" + d}
		case 2:
			args = append([]string{"training", "--ffn=" + a, "--hidden=" + b, "--heads=" + c, "--layers=" + d}, arch...)
		case 3:
			args = []string{"transfer", "--size=" + a, "--bandwidth=" + b, "--window=" + c, "--efficiency=" + d}
		case 4:
			args = []string{"inference", "--model=llama-3.1-8b", "--batch=" + a, "--concurrency=" + b, "--ttft=" + c, "--tpot=" + d}
		}
		args = append([]string{"estimate"}, args...)
		if cmd%5 != 3 {
			args = append(args, "--as-of="+asOf)
		}
		code, out, errOut := runCLI(t, append(args, "--format=json")...)
		switch code {
		case ExitUsage:
			if out != "" || strings.Count(errOut, "\n") != 1 || !strings.HasPrefix(errOut, "aizone: ") {
				t.Fatalf("%q: bad input must give one line on stderr and nothing on stdout: %q, %q", args, out, errOut)
			}
		case ExitOK, ExitFindings:
			var m map[string]any
			if err := json.Unmarshal([]byte(out), &m); err != nil {
				t.Fatalf("%q: exit %d with output that is not JSON: %v\n%s%s", args, code, err, out, errOut)
			}
			for _, key := range []string{"replicas", "gpus", "nodes"} {
				if v, ok := m[key].(float64); ok && (v < 0 || v > 1e15) {
					t.Fatalf("%q: %s %v", args, key, v)
				}
			}
			if code == ExitFindings && errOut == "" {
				t.Fatalf("%q: exit 1 without saying why", args)
			}
		default:
			t.Fatalf("%q: exit %d: %s%s", args, code, out, errOut)
		}
	})
}
