package health

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aizone/aizone/catalog"
)

func TestFor(t *testing.T) {
	c, err := catalog.Default()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		sku          string
		gpus, ib     int
		minBus       float64 // threshold at least
		hasSource    string
		hasThreshold bool
	}{
		{"Standard_ND96isr_H100_v5", 8, 8, 400, "H-AZBENCH", true},
		{"Standard_ND96amsr_A100_v4", 8, 8, 200, "H-AZBENCH", true},
		{"Standard_NC40ads_H100_v5", 1, 0, 0, "", false},
	}
	for _, tt := range tests {
		th, ok := For(c, tt.sku)
		if !ok {
			t.Fatalf("%s: no thresholds", tt.sku)
		}
		if th.GPUs != tt.gpus || th.IBLinks != tt.ib {
			t.Errorf("%s: %+v", tt.sku, th)
		}
		if tt.hasThreshold && (th.NCCLBusGBps < tt.minBus || th.NCCLBusGBps >= th.MeasuredGBps || !strings.Contains(th.Source, tt.hasSource)) {
			t.Errorf("%s: bus threshold %+v", tt.sku, th)
		}
		if !tt.hasThreshold && th.NCCLBusGBps != 0 {
			t.Errorf("%s: a single-GPU size has a bus threshold %+v", tt.sku, th)
		}
	}
	if _, ok := For(c, "Standard_D64ds_v5"); ok {
		t.Error("a CPU size has GPU thresholds")
	}
}

func TestCheck(t *testing.T) {
	th := Thresholds{SKU: "Standard_ND96isr_H100_v5", GPUs: 8, IBLinks: 8, NCCLBusGBps: 431, MeasuredGBps: 478.87}
	tests := []struct {
		name string
		m    Measured
		want int
	}{
		{"healthy", Measured{8, 8, 470}, 0},
		{"slow nvlink", Measured{8, 8, 230}, 1},
		{"lost gpu and link", Measured{7, 7, 470}, 2},
	}
	for _, tt := range tests {
		if got := Check(th, tt.m); len(got) != tt.want {
			t.Errorf("%s: %v", tt.name, got)
		}
	}
}

// TestScript runs the generated script with stand-ins for nvidia-smi, the
// InfiniBand sysfs tree and NCCL's all_reduce_perf: a node below a
// threshold is reported and the script fails.
func TestScript(t *testing.T) {
	if _, err := exec.LookPath("bash"); err != nil {
		t.Fatal("bash is needed to run the health check")
	}
	th := Thresholds{SKU: "Standard_ND96isr_H100_v5", GPUs: 8, IBLinks: 8, NCCLBusGBps: 431, MeasuredGBps: 478.87, Source: "test"}
	tests := []struct {
		name       string
		gpus, ib   int
		busbw      string
		ok         bool
		wantOutput string
	}{
		{"healthy", 8, 8, "470.12", true, "ok nccl busbw 470.12"},
		{"slow all-reduce", 8, 8, "230.50", false, "FAIL nccl busbw 230.50 < 431.0"},
		{"gpu missing", 7, 8, "470.12", false, "FAIL gpus 7 < 8"},
		{"ib link down", 8, 6, "470.12", false, "FAIL infiniband 6 < 8"},
		{"nccl test missing", 8, 8, "", false, "FAIL nccl busbw none"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			var smi strings.Builder
			for i := 0; i < tt.gpus; i++ {
				smi.WriteString("echo 'GPU " + string(rune('0'+i)) + ": NVIDIA H100 80GB HBM3'\n")
			}
			write(t, filepath.Join(dir, "nvidia-smi"), "#!/bin/bash\n"+smi.String())
			perf := "#!/bin/bash\nexit 1\n"
			if tt.busbw != "" {
				perf = "#!/bin/bash\necho '# Avg bus bandwidth    : " + tt.busbw + "'\n"
			}
			write(t, filepath.Join(dir, "all_reduce_perf"), perf)
			for i := 0; i < 8; i++ {
				state := "1: DOWN"
				if i < tt.ib {
					state = "4: ACTIVE"
				}
				p := filepath.Join(dir, "ib", "mlx5_ib"+string(rune('0'+i)), "ports", "1")
				os.MkdirAll(p, 0o755)
				os.WriteFile(filepath.Join(p, "state"), []byte(state+"\n"), 0o644)
			}
			script := filepath.Join(dir, "check.sh")
			write(t, script, Script(th))
			cmd := exec.Command("bash", script)
			cmd.Env = append(os.Environ(), "NVIDIA_SMI="+filepath.Join(dir, "nvidia-smi"), "ALL_REDUCE_PERF="+filepath.Join(dir, "all_reduce_perf"), "IB_SYSFS="+filepath.Join(dir, "ib"))
			out, err := cmd.CombinedOutput()
			if (err == nil) != tt.ok {
				t.Errorf("exit error %v, want ok=%v\n%s", err, tt.ok, out)
			}
			if !strings.Contains(string(out), tt.wantOutput) {
				t.Errorf("output lacks %q:\n%s", tt.wantOutput, out)
			}
		})
	}
}

func write(t *testing.T, p, s string) {
	t.Helper()
	if err := os.WriteFile(p, []byte(s), 0o755); err != nil {
		t.Fatal(err)
	}
}
