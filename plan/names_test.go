package plan_test

import (
	"strings"
	"testing"

	"github.com/aizone/aizone/armvalidate"
	"github.com/aizone/aizone/catalog"
	"github.com/aizone/aizone/emit/arm"
	"github.com/aizone/aizone/plan"
	"github.com/aizone/aizone/resources"
	"github.com/aizone/aizone/spec"
)

const namesBase = `name: names
region: eastus
placement:
  tags: {costCenter: "1", workload: w, dataClassification: internal}
network:
  address_space: [10.64.0.0/16]
workloads:
`

// TestGeneratedNames: zone-file names whose Azure names would break a
// type's rules or collide are refused at their position (issue 12 item 8).
func TestGeneratedNames(t *testing.T) {
	inf := func(name string) string {
		return "  - {name: " + name + ", kind: inference, model: llama-3.1-8b, requests_per_second: 5}\n"
	}
	train := "  - {name: train, kind: training, model: llama-3.1-8b, tokens: 1B, deadline: 7d}\n"
	tests := []struct {
		name, zone, want string
	}{
		{"aks pools collide", namesBase + inf("chat-1") + inf("chat1"), "both be AKS node pool \"chat1\""},
		{"aks pools collide past 12", namesBase + inf("assistant-prod-a") + inf("assistant-prod-b"), "both be AKS node pool"},
		{"system pool", namesBase + inf("system"), "system pool"},
		{"double hyphen container", namesBase + train + "data:\n  - {name: a--b, size: 1TB}\n", "no consecutive hyphens"},
		{"reserved container", namesBase + train + "data:\n  - {name: lustre-hsm-logs, size: 1TB}\n", "creates itself"},
	}
	c, err := catalog.Default()
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			z, err := spec.Parse("z.yaml", []byte(tt.zone))
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			err = plan.Check(z, c)
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "z.yaml:") {
				t.Fatalf("error %v, want a positioned error containing %q", err, tt.want)
			}
		})
	}
	// Long names fit their types' limits instead of failing to deploy.
	long := strings.Repeat("w", 60)
	z, err := spec.Parse("z.yaml", []byte(namesBase+"  - {name: "+long+", kind: training, model: llama-3.1-8b, tokens: 1B, deadline: 7d, orchestrator: vmss}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if err := plan.Check(z, c); err != nil {
		t.Fatal(err)
	}
	p := plan.Make(z, c, plan.Options{AsOf: "2026-11-27"})
	for _, n := range p.Network.NSGs {
		if len(n.Name) > 80 {
			t.Errorf("NSG name %s has %d characters", n.Name, len(n.Name))
		}
	}
	// And the template deploys: the validator checks every name's rules.
	rs := resources.Build(p)
	params := resources.Parameters(p, rs)
	data, err := arm.Marshal(arm.Template(rs, params))
	if err != nil {
		t.Fatal(err)
	}
	pdata, _ := arm.Marshal(arm.Parameters(params))
	fs, err := armvalidate.ValidateJSON(data, pdata)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fs {
		t.Error(f)
	}
}

// TestRequestBeyondContext: a request longer than its catalog model's
// context is refused by Check at the key that causes it (issue 12 item 7).
func TestRequestBeyondContext(t *testing.T) {
	c, err := catalog.Default()
	if err != nil {
		t.Fatal(err)
	}
	z, err := spec.Parse("z.yaml", []byte(namesBase+"  - {name: chat, kind: inference, model: llama-3.1-8b, requests_per_second: 5, input_tokens: 200000}\n"))
	if err != nil {
		t.Fatal(err)
	}
	err = plan.Check(z, c)
	if err == nil || !strings.HasPrefix(err.Error(), "z.yaml:") || !strings.Contains(err.Error(), "more than the model's context") {
		t.Fatalf("error %v, want a positioned error about the context", err)
	}
}
