package spec_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aizone/aizone/internal/yamlpos"
	"github.com/aizone/aizone/spec"
	"github.com/aizone/aizone/units"
)

// minimal is the smallest valid zone file; line 4 starts the workload.
const minimal = `name: demo
region: eastus
workloads:
  - name: chat
    kind: inference
    model: llama-3.1-8b
    requests_per_second: 5
`

// withWorkload is minimal with extra lines appended to its workload (from
// line 8 on), each indented as a workload key.
func withWorkload(lines ...string) string {
	return minimal + "    " + strings.Join(lines, "\n    ") + "\n"
}

// training is a valid training zone; line 4 starts the workload and extra
// lines are appended from line 8.
func training(lines ...string) string {
	s := "name: demo\nregion: eastus\nworkloads:\n  - name: pretrain\n    kind: training\n    model: llama-3.1-8b\n"
	if len(lines) > 0 {
		s += "    " + strings.Join(lines, "\n    ") + "\n"
	}
	return s
}

// withTop is minimal with top-level lines appended from line 8.
func withTop(lines ...string) string {
	return minimal + strings.Join(lines, "\n") + "\n"
}

func tags(n int) string {
	var b strings.Builder
	b.WriteString("placement:\n  tags:\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "    t%d: v\n", i)
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// TestValidate covers the rules the files in testdata/bad do not.
func TestValidate(t *testing.T) {
	tests := []struct {
		name, src string
		line, col int
		msg       string
	}{
		{"training key on inference", withWorkload("tokens: 1B"), 8, 13, "tokens applies to training workloads, not inference"},
		{"inference key on training", training("tokens: 1B", "latency: {ttft: 1s}"), 8, 5, "latency applies to inference workloads, not training"},
		{"data-prep key on training", training("tokens: 1B", "vcpus: 64"), 8, 12, "vcpus applies to data-prep workloads, not training"},
		{"both name and fields", strings.Replace(minimal, "model: llama-3.1-8b", "model: {name: llama-3.1-8b, params: 8B}", 1), 6, 5, "model has both a name and architecture fields"},
		{"name with context", strings.Replace(minimal, "model: llama-3.1-8b", "model: {name: llama-3.1-8b, context: 8192}", 1), 6, 5, "model has both a name and architecture fields"},
		{"hidden not multiple of heads", strings.Replace(minimal, "model: llama-3.1-8b", "model: {params: 8B, layers: 32, hidden: 4096, heads: 30, vocab: 32000}", 1), 6, 58, "hidden 4096 is not divisible by 30 heads"},
		{"kv heads do not divide heads", strings.Replace(minimal, "model: llama-3.1-8b", "model: {params: 8B, layers: 32, hidden: 4096, heads: 32, kv_heads: 5, vocab: 32000}", 1), 6, 72, "kv_heads 5 does not divide 32 heads"},
		{"active above total", strings.Replace(minimal, "model: llama-3.1-8b", "model: {params: 8B, active_params: 9B, layers: 32, hidden: 4096, heads: 32, vocab: 32000}", 1), 6, 40, "active_params exceeds params"},
		{"negative context", strings.Replace(minimal, "model: llama-3.1-8b", "model: {params: 8B, layers: 32, hidden: 4096, heads: 32, vocab: 32000, context: -1}", 1), 6, 85, "context -1 out of range"},
		{"absurd params", strings.Replace(minimal, "model: llama-3.1-8b", "model: {params: 800T, layers: 32, hidden: 4096, heads: 32, vocab: 32000}", 1), 6, 21, "absurd parameter count 800T"},
		{"absurd hidden", strings.Replace(minimal, "model: llama-3.1-8b", "model: {params: 8B, layers: 32, hidden: 40960000, heads: 32, vocab: 32000}", 1), 6, 45, "hidden 40960000 out of range"},
		{"subscription id and name", withTop("placement:", "  subscriptions:", "    - {id: 11111111-2222-3333-4444-555555555555, name: x}"), 10, 7, "subscription has both id and name"},
		{"subscription neither", withTop("placement:", "  subscriptions:", "    - purpose: training"), 10, 7, "subscription has neither id nor name"},
		{"subscription purpose", withTop("placement:", "  subscriptions:", "    - {name: ai, purpose: serving}"), 10, 27, `unknown purpose "serving"; expected all, training, inference, data`},
		{"subscription name", withTop("placement:", "  subscriptions:", "    - name: a<b"), 10, 13, `invalid subscription name "a<b"`},
		{"management group", withTop("placement:", "  management_group: corp landing zones"), 9, 21, `invalid management group id "corp landing zones"`},
		{"tag name", withTop("placement:", "  tags:", "    a/b: x"), 10, 10, `invalid tag name "a/b"`},
		{"tag value", withTop("placement:", "  tags:", "    a: "+strings.Repeat("v", 300)), 10, 8, `tag "a" value too long`},
		{"too many tags", withTop(tags(51)), 9, 3, "51 tags"},
		{"primary region repeated", withTop("regions: [eastus]"), 8, 11, `region "eastus" repeated`},
		{"extra region repeated", withTop("regions: [westus3, westus3]"), 8, 20, `region "westus3" repeated`},
		{"address space too small", withTop("network:", "  address_space: [10.0.0.0/30]"), 9, 19, "address space 10.0.0.0/30 is /30"},
		{"on-premises invalid", withTop("network:", "  on_premises: [corp]"), 9, 17, `invalid CIDR "corp"`},
		{"firewall IPv6", withTop("network:", "  hub:", "    vnet_id: /subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/hub", "    address_space: [10.100.0.0/22]", "    firewall_ip: 'fd00::4'"), 12, 18, `invalid hub firewall IP "fd00::4"`},
		{"invalid workload name", strings.Replace(minimal, "name: chat", "name: Chat", 1), 4, 11, `invalid workload name "Chat"`},
		{"no requests", strings.Replace(minimal, "requests_per_second: 5", "requests_per_second: 0", 1), 7, 26, `inference workload "chat" needs a positive requests_per_second`},
		{"input tokens", withWorkload("input_tokens: 2000000"), 8, 19, "input_tokens 2000000 out of range"},
		{"negative budget", withWorkload("budget_usd: -5"), 8, 17, "negative budget"},
		{"orchestrator", withWorkload("orchestrator: k8s"), 8, 19, `unknown orchestrator "k8s"; expected batch, aks, vmss, slurm`},
		{"objective", withWorkload("objective: speed"), 8, 16, `unknown objective "speed"`},
		{"data-prep vcpus", "name: demo\nregion: eastus\nworkloads:\n  - name: prep\n    kind: data-prep\n    vcpus: 200000\n", 6, 12, "vcpus 200000 out of range"},
		{"training method", training("tokens: 1B", "method: qlora"), 8, 13, `unknown method "qlora"; expected full, lora`},
		{"tokens too small", training("tokens: 500"), 7, 13, "token count 500 is too small"},
		{"epochs", training("dataset_size: 1TB", "epochs: 5000"), 8, 13, "epochs 5000 out of range"},
		{"bytes per token", training("dataset_size: 1TB", "bytes_per_token: 2e6"), 8, 22, "bytes_per_token 2e+06 out of range"},
		{"absurd dataset", training("dataset_size: 200PB"), 7, 19, "absurd dataset size 200 PB"},
		{"sequence length", training("tokens: 1B", "sequence_length: 8"), 8, 22, "sequence length 8 out of range"},
		{"deadline too short", training("tokens: 1B", "deadline: 30s", "checkpoint_interval: 10s"), 8, 15, "deadline 30s out of range"},
		{"deadline too long", training("tokens: 1B", "deadline: 6y"), 8, 15, "deadline 2190d out of range"},
		{"data name", withTop("data:", "  - {name: Corpus, size: 1TB}"), 9, 12, `invalid data name "Corpus"`},
		{"data name repeated", withTop("data:", "  - {name: corpus, size: 1TB}", "  - {name: corpus, size: 2TB}"), 10, 12, `data name "corpus" repeated`},
		{"data kind", withTop("data:", "  - {name: corpus, size: 1TB, kind: logs}"), 9, 37, `unknown kind "logs"; expected dataset, checkpoints, artifacts, models`},
		{"origin region", withTop("data:", "  - {name: corpus, size: 1TB, origin: 'region:mars'}"), 9, 39, `unknown Azure region "mars"`},
		{"used_by typo", withTop("data:", "  - {name: corpus, size: 1TB, used_by: [chatt]}"), 9, 41, `unknown workload "chatt"`},
		{"workloads null", "name: demo\nregion: eastus\nworkloads: ~\n", 3, 12, "no workloads"},
		{"workloads missing", "name: demo\nregion: eastus\n", 1, 1, "no workloads"},
		{"model null", strings.Replace(minimal, "model: llama-3.1-8b", "model: ~", 1), 4, 5, `inference workload "chat" has no model`},
		{"model not a name", strings.Replace(minimal, "model: llama-3.1-8b", "model: 8", 1), 6, 12, "expected a model name or a mapping of its architecture"},
		{"hub with only a firewall", withTop("network:", "  hub:", "    firewall_ip: 10.100.0.4"), 9, 3, "hub has no vnet_id"},
		{"hub with only ranges", withTop("network:", "  hub: {address_space: [10.100.0.0/22]}"), 9, 3, "hub has no vnet_id"},
		{"model on data-prep", "name: demo\nregion: eastus\nworkloads:\n  - name: prep\n    kind: data-prep\n    model: llama-3.1-8b\n", 6, 12, "model applies to training and inference workloads, not data-prep"},
		{"hub scalar", withTop("network:", "  hub: hub-eastus"), 9, 8, `expected "none" or a mapping with vnet_id and address_space`},
		{"long region is shortened", "name: demo\nregion: " + strings.Repeat("x", 5000) + "\n", 2, 9, `... (5000 characters)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := spec.Parse("z.yaml", []byte(tt.src))
			if err == nil {
				t.Fatalf("no error; want %d:%d %s", tt.line, tt.col, tt.msg)
			}
			checkLocated(t, err, "z.yaml", yamlpos.Pos{Line: tt.line, Col: tt.col}, tt.msg)
		})
	}
}

// TestValid lists zone files that must load: each exercises a form the
// examples do not.
func TestValid(t *testing.T) {
	tests := []struct{ name, src string }{
		{"minimal", minimal},
		{"hub none", withTop("network:", "  hub: none")},
		{"hub null", withTop("network:", "  hub: ~")},
		{"firewall at the fifth address of the hub", withTop("network:", "  hub:", "    vnet_id: /subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg-hub(1)/providers/Microsoft.Network/virtualNetworks/vnet_hub.east-1_", "    address_space: [10.100.0.0/22]", "    firewall_ip: 10.100.0.4")},
		{"YAML directive", "%YAML 1.1\n---\n" + minimal},
		{"text tags", withTop("placement:", "  tags:", "    costCenter: \"4711\"", "    owner: 'NaN'", "    Ünïcode: café ☕", "    empty: \"\"", "    spaces: a b  c")},
		{"subscriptions by id and name", withTop("placement:", "  subscriptions:", "    - id: 11111111-2222-3333-4444-555555555555", "    - id: 11111111-2222-3333-4444-555555555556", "    - name: demo-ai", "    - name: demo-ai-2")},
		{"dataset tokens at the bounds", training("dataset_size: 4KB", "bytes_per_token: 4") + "  - name: big\n    kind: training\n    model: llama-3.1-8b\n    dataset_size: 4PB\n"},
		{"slow service", strings.Replace(minimal, "requests_per_second: 5", "requests_per_second: 0.00002", 1)},
		{"request within an explicit context", strings.Replace(minimal, "model: llama-3.1-8b", "model: {params: 7B, layers: 32, hidden: 4096, heads: 32, vocab: 32000, context: 8192}\n    input_tokens: 8000\n    output_tokens: 192", 1)},
		{"explicit model", strings.Replace(minimal, "model: llama-3.1-8b", "model: {params: 46.7B, active_params: 12.9B, layers: 32, hidden: 4096, heads: 32, kv_heads: 8, vocab: 32000, context: 32768}", 1)},
		{"data-prep needs no model", "name: demo\nregion: eastus\nworkloads:\n  - name: prep\n    kind: data-prep\n"},
		{"region origin", withTop("data:", "  - {name: corpus, size: 1TB, origin: 'region:westeurope'}")},
		{"dataset size instead of tokens", training("dataset_size: 4TB", "epochs: 2")},
		{"byte-order mark", "\ufeff" + minimal},
		{"CRLF line ends", strings.ReplaceAll(minimal, "\n", "\r\n")},
		{"anchors and aliases", "name: demo\nregion: eastus\nworkloads:\n  - name: chat\n    kind: inference\n    model: &m llama-3.1-8b\n    requests_per_second: 5\n  - name: chat-2\n    kind: inference\n    model: *m\n    requests_per_second: 1\n"},
		{"scalar used as a list", withTop("regions: westus3")},
		{"thousands separators", withTop("data:", "  - {name: corpus, size: '1,500GB'}")},
		{"fifty tags", withTop(tags(50))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := spec.Parse("z.yaml", []byte(tt.src)); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestDefaults(t *testing.T) {
	// What minimal, with no optional key, gets.
	z, err := spec.Parse("z.yaml", []byte(minimal))
	if err != nil {
		t.Fatal(err)
	}
	w := z.Workloads[0]
	if w.Precision != spec.DefaultPrecision || w.Orchestrator != "aks" || w.Objective != spec.DefaultObjective ||
		w.InputTokens != spec.DefaultInputTokens || w.OutputTokens != spec.DefaultOutputTokens ||
		w.Latency.TTFT != spec.DefaultTTFT || w.Latency.TPOT != spec.DefaultTPOT {
		t.Errorf("inference defaults not applied: %+v", w)
	}
	if z.Placement.ManagementGroup != "corp" || len(z.Placement.Subscriptions) != 1 || z.Placement.Subscriptions[0].Name != "demo-ai" ||
		z.Placement.Subscriptions[0].Purpose != "all" || z.Placement.Guardrails == nil || !*z.Placement.Guardrails {
		t.Errorf("placement defaults not applied: %+v", z.Placement)
	}
	if len(z.Network.AddressSpace) != 1 || z.Network.AddressSpace[0] != spec.DefaultAddressSpace || !z.Network.Hub.None {
		t.Errorf("network defaults not applied: %+v", z.Network)
	}

	tests := []struct {
		name string
		src  string
		want map[string]string // path: value recorded
		not  []string          // paths that must not be recorded
	}{
		{"inference", minimal, map[string]string{
			"placement.management_group": "corp",
			"placement.subscriptions":    "demo-ai",
			"placement.guardrails":       "true",
			"network.address_space":      "10.64.0.0/16",
			"network.hub":                "none",
			"workloads[0].precision":     "bf16",
			"workloads[0].orchestrator":  "aks",
			"workloads[0].input_tokens":  "1000",
			"workloads[0].output_tokens": "200",
			"workloads[0].latency.ttft":  "2s",
			"workloads[0].latency.tpot":  "100ms",
		}, []string{"workloads[0].method", "workloads[0].deadline"}},
		{"training", training("tokens: 1B"), map[string]string{
			"workloads[0].orchestrator":        "batch",
			"workloads[0].method":              "full",
			"workloads[0].sequence_length":     "4096",
			"workloads[0].deadline":            "30d",
			"workloads[0].checkpoint_interval": "1h",
		}, []string{"workloads[0].epochs", "workloads[0].bytes_per_token", "workloads[0].input_tokens"}},
		{"training from dataset size", training("dataset_size: 1TB"), map[string]string{
			"workloads[0].epochs":          "1",
			"workloads[0].bytes_per_token": "4",
		}, nil},
		{"data-prep", "name: demo\nregion: eastus\nworkloads:\n  - name: prep\n    kind: data-prep\n", map[string]string{
			"workloads[0].vcpus":    "64",
			"workloads[0].duration": "100h",
		}, nil},
		{"data", withTop("data:", "  - {name: corpus, size: 1TB}", "  - {name: ckpt, kind: checkpoints, size: 1TB}"), map[string]string{
			"data[0].hot_for":    "30d",
			"data[0].retain_for": "365d",
			"data[1].hot_for":    "7d",
			"data[1].retain_for": "90d",
		}, []string{"data[1].kind"}},
		{"hub gateway", withTop("network:", "  hub:", "    vnet_id: /subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/hub", "    address_space: [10.100.0.0/22]"), map[string]string{
			"network.hub.gateway": "true",
		}, []string{"network.hub"}},
		{"nothing recorded for written values", withTop("placement:", "  management_group: online", "  guardrails: false", "network:", "  address_space: [10.1.0.0/16]", "  hub: none"), nil,
			[]string{"placement.management_group", "placement.guardrails", "network.address_space", "network.hub"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			z, err := spec.Parse("z.yaml", []byte(tt.src))
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]string{}
			for _, d := range z.Defaults {
				if _, dup := got[d.Path]; dup {
					t.Errorf("default %s recorded twice", d.Path)
				}
				if d.Reason == "" {
					t.Errorf("default %s has no reason", d.Path)
				}
				got[d.Path] = d.Value
			}
			for p, v := range tt.want {
				if got[p] != v {
					t.Errorf("default %s = %q, want %q", p, got[p], v)
				}
			}
			for _, p := range tt.not {
				if v, ok := got[p]; ok {
					t.Errorf("default %s = %q recorded, want none", p, v)
				}
			}
			// Applying defaults again changes and records nothing.
			n := len(z.Defaults)
			spec.ApplyDefaults(z)
			if len(z.Defaults) != n {
				t.Errorf("second ApplyDefaults recorded %d more", len(z.Defaults)-n)
			}
		})
	}
}

func TestDefaultValues(t *testing.T) {
	if spec.DefaultTrainingDeadline != 30*units.Day || spec.DefaultCheckpointInterval != units.Duration(time.Hour) {
		t.Errorf("deadline %v, checkpoint %v", spec.DefaultTrainingDeadline, spec.DefaultCheckpointInterval)
	}
	for kind, want := range map[string]string{spec.KindTraining: "batch", spec.KindInference: "aks", spec.KindDataPrep: "batch"} {
		if got := spec.DefaultOrchestrator(kind); got != want {
			t.Errorf("DefaultOrchestrator(%s) = %s, want %s", kind, got, want)
		}
	}
}

func TestParseCIDR(t *testing.T) {
	tests := []struct {
		in, want, err string
	}{
		{"10.64.0.0/16", "10.64.0.0/16", ""},
		{" 10.64.0.0/16 ", "10.64.0.0/16", ""},
		{"10.64.1.0/16", "", "host bits set"},
		{"10.64.0.0/33", "", "invalid CIDR"},
		{"10.64.0.0", "", "invalid CIDR"},
		{"fd00::/48", "", "IPv6 range"},
		{"::ffff:10.0.0.0/104", "", "IPv6 range"},
	}
	for _, tt := range tests {
		p, err := spec.ParseCIDR(tt.in)
		switch {
		case tt.err == "" && (err != nil || p.String() != tt.want):
			t.Errorf("ParseCIDR(%q) = %v, %v; want %s", tt.in, p, err, tt.want)
		case tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)):
			t.Errorf("ParseCIDR(%q) error %v, want %q", tt.in, err, tt.err)
		}
	}
	a, _ := spec.ParseCIDR("10.0.0.0/8")
	b, _ := spec.ParseCIDR("10.64.0.0/16")
	c, _ := spec.ParseCIDR("192.168.0.0/16")
	if !spec.Overlaps(a, b) || spec.Overlaps(b, c) {
		t.Errorf("Overlaps wrong")
	}
}

func TestRegions(t *testing.T) {
	names := spec.RegionNames()
	if len(names) < 50 {
		t.Fatalf("%d regions", len(names))
	}
	for i := 1; i < len(names); i++ {
		if names[i-1] >= names[i] {
			t.Errorf("RegionNames not sorted at %s", names[i])
		}
	}
	for _, r := range []string{"eastus", "swedencentral", "westeurope"} {
		if !spec.KnownRegion(r) {
			t.Errorf("KnownRegion(%s) = false", r)
		}
	}
	for _, r := range []string{"East US", "eastus4", ""} {
		if spec.KnownRegion(r) {
			t.Errorf("KnownRegion(%q) = true", r)
		}
	}
}
