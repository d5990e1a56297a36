// Package health is the node health check a GPU node passes before a job
// lands on it: the GPUs the size has, its InfiniBand links up, and NCCL's
// in-node all-reduce bus bandwidth near what the size measures on Azure.
// Thresholds come from the catalog with their sources; the check itself
// is a shell script the orchestrators run at node start (a Batch start
// task that must succeed, cloud-init on scale sets), so a failing node
// takes no work.
package health

import (
	"fmt"
	"math"
	"strings"

	"github.com/aizone/aizone/catalog"
)

// BusFraction is the share of the catalog's measured NCCL bus bandwidth a
// node must reach: the measurement is a healthy node's, and a node more
// than 10% below it has a degraded NVLink, NVSwitch or GPU (the Azure
// benchmarking guide's figures are medians of healthy VMs).
const BusFraction = 0.9

// Thresholds are what a node of one size must show.
type Thresholds struct {
	SKU  string `json:"sku"`
	GPUs int    `json:"gpus"`
	// IBLinks is the InfiniBand ports that must be active (0: no IB).
	IBLinks int `json:"ib_links"`
	// NCCLBusGBps is the least in-node all-reduce bus bandwidth (GB/s,
	// large messages); 0 when the catalog has no measurement.
	NCCLBusGBps float64 `json:"nccl_bus_gbps"`
	// MeasuredGBps is the catalog's figure it is derived from.
	MeasuredGBps float64 `json:"measured_gbps,omitempty"`
	Source       string  `json:"source"`
}

// For returns the thresholds of a VM size, false when the size is not in
// the catalog or has no GPU.
func For(c *catalog.Catalog, sku string) (Thresholds, bool) {
	s, ok := c.SKU(sku)
	if !ok || !s.IsGPU() {
		return Thresholds{}, false
	}
	t := Thresholds{SKU: s.Name, GPUs: int(math.Round(s.GPUs)), Source: s.Source}
	if s.InfiniBand {
		// Azure's ND sizes give every GPU its own InfiniBand adapter (8 ×
		// 200 Gb/s HDR on A100, 8 × 400 Gb/s NDR on H100, H200, MI300X;
		// 4 × 400 on GB200), so a node has one active port per GPU.
		t.IBLinks = t.GPUs
	}
	if g, ok := c.GPUSpec(s.GPU); ok && g.NCCLBusGBps > 0 && t.GPUs > 1 {
		t.MeasuredGBps = g.NCCLBusGBps
		t.NCCLBusGBps = math.Floor(g.NCCLBusGBps*BusFraction*10) / 10
		t.Source += "; NCCL bus bandwidth " + g.MeasuredSource
	}
	return t, true
}

// Measured is what a node reported.
type Measured struct {
	GPUs        int
	IBActive    int
	NCCLBusGBps float64
}

// Check lists what a node falls short in; empty when it is healthy.
func Check(t Thresholds, m Measured) []string {
	var out []string
	if m.GPUs < t.GPUs {
		out = append(out, fmt.Sprintf("%d GPUs visible, %s has %d", m.GPUs, t.SKU, t.GPUs))
	}
	if m.IBActive < t.IBLinks {
		out = append(out, fmt.Sprintf("%d InfiniBand links active, %s has %d", m.IBActive, t.SKU, t.IBLinks))
	}
	if t.NCCLBusGBps > 0 && m.NCCLBusGBps < t.NCCLBusGBps {
		out = append(out, fmt.Sprintf("NCCL all-reduce bus bandwidth %.1f GB/s, below %.1f GB/s (%.0f%% of the %.1f GB/s measured on %s)",
			m.NCCLBusGBps, t.NCCLBusGBps, BusFraction*100, t.MeasuredGBps, t.SKU))
	}
	return out
}

// ScriptPath is where orchestrators install the script on a node.
const ScriptPath = "/opt/aizone/node-health.sh"

// Script is the health check as a bash script for one size. It prints one
// line per check and exits 1 when one fails, so that a Batch start task
// (waitForSuccess) keeps the node from tasks and cloud-init marks it.
// The tools' locations can be overridden (NVIDIA_SMI, IB_SYSFS,
// ALL_REDUCE_PERF), which the tests use to run it on this machine.
func Script(t Thresholds) string {
	var b strings.Builder
	b.WriteString(`#!/bin/bash
# aizone node health check for ` + t.SKU + ` (thresholds: ` + t.Source + `)
set -u
NVIDIA_SMI=${NVIDIA_SMI:-nvidia-smi}
IB_SYSFS=${IB_SYSFS:-/sys/class/infiniband}
ALL_REDUCE_PERF=${ALL_REDUCE_PERF:-/opt/nccl-tests/build/all_reduce_perf}
fail=0
report() { echo "aizone-health: $1"; }
`)
	fmt.Fprintf(&b, "want_gpus=%d\nwant_ib=%d\nwant_busbw=%.1f\n", t.GPUs, t.IBLinks, t.NCCLBusGBps)
	b.WriteString(`gpus=$("$NVIDIA_SMI" -L 2>/dev/null | grep -c '^GPU ')
if [ "$gpus" -lt "$want_gpus" ]; then report "FAIL gpus $gpus < $want_gpus"; fail=1; else report "ok gpus $gpus"; fi
if [ "$want_ib" -gt 0 ]; then
  ib=$(cat "$IB_SYSFS"/*/ports/*/state 2>/dev/null | grep -c ACTIVE)
  if [ "$ib" -lt "$want_ib" ]; then report "FAIL infiniband $ib < $want_ib active"; fail=1; else report "ok infiniband $ib"; fi
fi
if [ "$want_gpus" -gt 1 ] && [ "$want_busbw" != "0.0" ]; then
  busbw=$("$ALL_REDUCE_PERF" -b 8G -e 8G -f 2 -g "$want_gpus" 2>/dev/null | awk '/Avg bus bandwidth/ {print $NF}')
  if [ -z "$busbw" ] || awk -v m="$busbw" -v w="$want_busbw" 'BEGIN {exit !(m < w)}'; then
    report "FAIL nccl busbw ${busbw:-none} < $want_busbw GB/s"; fail=1
  else
    report "ok nccl busbw $busbw"
  fi
fi
if [ "$fail" -ne 0 ]; then
  mkdir -p /var/run/aizone 2>/dev/null && touch /var/run/aizone/unhealthy 2>/dev/null
  exit 1
fi
exit 0
`)
	return b.String()
}
