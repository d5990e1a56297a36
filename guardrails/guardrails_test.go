package guardrails_test

import (
	"encoding/json"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/aizone/aizone/catalog"
	"github.com/aizone/aizone/compute"
	"github.com/aizone/aizone/guardrails"
	"github.com/aizone/aizone/policy"
	"github.com/aizone/aizone/spec"
)

func mustLoad(t *testing.T) *guardrails.Set {
	t.Helper()
	set, err := guardrails.Load()
	if err != nil {
		t.Fatal(err)
	}
	return set
}

// TestLoad checks the shape every guardrail promises and that Load shares
// one parsed set.
func TestLoad(t *testing.T) {
	set := mustLoad(t)
	again := mustLoad(t)
	if set != again {
		t.Error("Load parsed the embedded files twice")
	}
	if len(set.Guardrails) < 8 {
		t.Errorf("%d guardrails, want the full set", len(set.Guardrails))
	}
	if !sort.SliceIsSorted(set.Guardrails, func(i, j int) bool { return set.Guardrails[i].Name < set.Guardrails[j].Name }) {
		t.Error("guardrails are not sorted by name")
	}
	for _, g := range set.Guardrails {
		d := g.Definition
		// Azure's limits on a definition's texts and name.
		if d.DisplayName == "" || len(d.DisplayName) > 128 {
			t.Errorf("%s: display name of %d characters, want 1 to 128", g.Name, len(d.DisplayName))
		}
		if d.Description == "" || len(d.Description) > 512 {
			t.Errorf("%s: description of %d characters, want 1 to 512", g.Name, len(d.Description))
		}
		if len(g.Name) > 64 || !strings.HasPrefix(g.Name, "aizone-") {
			t.Errorf("%s: names are aizone-… and at most 64 characters", g.Name)
		}
		if d.PolicyType != "Custom" {
			t.Errorf("%s: policyType %q, want Custom", g.Name, d.PolicyType)
		}
		if d.Metadata["category"] != "AI landing zone" {
			t.Errorf("%s: metadata.category %v", g.Name, d.Metadata["category"])
		}
		if !contains(g.Effects(), g.DefaultEffect()) || !contains(g.Effects(), "Disabled") {
			t.Errorf("%s: effects %v, default %q", g.Name, g.Effects(), g.DefaultEffect())
		}
		var raw map[string]any
		if err := json.Unmarshal(g.JSON, &raw); err != nil || raw["type"] != "Microsoft.Authorization/policyDefinitions" {
			t.Errorf("%s: embedded JSON is not a policy definition resource: %v", g.Name, err)
		}
	}
	if got := set.Guardrail("AIZONE-ALLOWED-GPU-SIZES"); got == nil {
		t.Error("Guardrail lookup is case-sensitive")
	}
	if set.Guardrail("no-such-guardrail") != nil {
		t.Error("Guardrail found a name that is not embedded")
	}
}

func contains(list []string, s string) bool {
	for _, e := range list {
		if e == s {
			return true
		}
	}
	return false
}

// TestInitiativeEffects checks that each effect parameter of the initiative
// offers exactly what its members accept, with the same default, so that
// an assignment can never pass an effect a member rejects.
func TestInitiativeEffects(t *testing.T) {
	set := mustLoad(t)
	params := set.Initiative.Parameters
	for _, m := range set.Members {
		g := set.Guardrail(m.Guardrail)
		if m.EffectParameter == "" {
			t.Errorf("%s: the initiative does not expose its effect", m.ReferenceID)
			continue
		}
		p := params[strings.ToLower(m.EffectParameter)]
		var allowed []string
		for _, v := range p.AllowedValues {
			allowed = append(allowed, v.(string))
		}
		if !reflect.DeepEqual(allowed, g.Effects()) {
			t.Errorf("%s: initiative parameter %s allows %v, the definition %v", m.ReferenceID, m.EffectParameter, allowed, g.Effects())
		}
		if p.DefaultValue != g.DefaultEffect() {
			t.Errorf("%s: initiative default %v, definition default %s", m.ReferenceID, p.DefaultValue, g.DefaultEffect())
		}
	}
	sums := set.Summaries(map[string]any{"gpuSizesEffect": "Audit", "costCenterTagName": "CostCentre"})
	if len(sums) != len(set.Members) {
		t.Fatalf("%d summaries for %d members", len(sums), len(set.Members))
	}
	for _, s := range sums {
		switch s.Reference {
		case "AllowedGpuSizes":
			if s.Effect != "Audit" {
				t.Errorf("AllowedGpuSizes: effect %q under gpuSizesEffect=Audit", s.Effect)
			}
		case "RequireCostCenterTag", "InheritCostCenterTag":
			if !strings.HasSuffix(s.DisplayName, ": CostCentre") {
				t.Errorf("%s: display name %q does not name the tag", s.Reference, s.DisplayName)
			}
		case "StorageLifecyclePolicy":
			if s.Effect != "AuditIfNotExists" {
				t.Errorf("StorageLifecyclePolicy: effect %q, want the default", s.Effect)
			}
		}
	}
}

var aliasPattern = regexp.MustCompile(`Microsoft\.[A-Za-z]+/[A-Za-z0-9/]+(?:/[A-Za-z0-9.\[\]*]+)`)

// TestAliasesExist checks every alias the guardrails use against the
// reference alias table (Get-AzPolicyAlias): Azure rejects a definition
// that names an unknown alias, which would fail the whole deployment.
func TestAliasesExist(t *testing.T) {
	set := mustLoad(t)
	known := referenceAliases(t)
	used := 0
	for _, g := range set.Guardrails {
		for _, a := range aliasesIn(g.Definition.Rule) {
			used++
			if _, ok := known.Lookup(a); !ok {
				t.Errorf("%s: alias %s is not in the reference alias table", g.Name, a)
			}
		}
	}
	if used < 40 {
		t.Errorf("only %d aliases found: the extraction is broken", used)
	}
}

// aliasesIn lists the aliases a rule names: field values and the arguments
// of field() and current() in expressions. Resource types ("type" equals
// ...) are not aliases.
func aliasesIn(rule map[string]any) []string {
	var out []string
	fn := regexp.MustCompile(`(?:field|current)\('([^']+)'\)`)
	var walk func(key string, v any)
	walk = func(key string, v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, e := range x {
				walk(k, e)
			}
		case []any:
			for _, e := range x {
				walk(key, e)
			}
		case string:
			if key == "field" && aliasPattern.MatchString(x) && !strings.HasPrefix(x, "[") {
				out = append(out, x)
			}
			for _, m := range fn.FindAllStringSubmatch(x, -1) {
				if strings.Contains(m[1], "/") {
					out = append(out, m[1])
				}
			}
		}
	}
	walk("", rule)
	return out
}

// TestSizeFamilies pins the size patterns the guardrails match to the
// catalog: every GPU size is an N-series size, no CPU size is, and every
// InfiniBand CPU size is an H-series size.
func TestSizeFamilies(t *testing.T) {
	c, err := catalog.Default()
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range c.SKUs {
		switch {
		case s.IsGPU() && !guardrails.IsGPUSize(s.Name):
			t.Errorf("%s is a GPU size the guardrails would not govern", s.Name)
		case !s.IsGPU() && guardrails.IsGPUSize(s.Name):
			t.Errorf("%s is a CPU size the GPU guardrails would govern", s.Name)
		case !s.IsGPU() && s.InfiniBand && !guardrails.IsHPCSize(s.Name):
			t.Errorf("%s is an InfiniBand CPU size outside Standard_H*", s.Name)
		}
	}
	for _, tc := range []struct {
		size     string
		gpu, hpc bool
	}{
		{"Standard_ND96isr_H100_v5", true, false},
		{"standard_nc4as_t4_v3", true, false},
		{"Standard_HB176rs_v4", false, true},
		{"Standard_D4ds_v5", false, false},
		{"Standard_N", true, false},
		{"", false, false},
	} {
		if got := guardrails.IsGPUSize(tc.size); got != tc.gpu {
			t.Errorf("IsGPUSize(%q) = %v", tc.size, got)
		}
		if got := guardrails.IsHPCSize(tc.size); got != tc.hpc {
			t.Errorf("IsHPCSize(%q) = %v", tc.size, got)
		}
	}
}

func TestRequiredTags(t *testing.T) {
	for _, tc := range []struct {
		name string
		tags map[string]string
		want []guardrails.RequiredTag
	}{
		{"none", nil, []guardrails.RequiredTag{
			{Parameter: "costCenterTagName", Name: "costCenter"},
			{Parameter: "workloadTagName", Name: "workload"},
			{Parameter: "dataClassificationTagName", Name: "dataClassification"},
		}},
		{"zone spellings", map[string]string{"Cost-Centre": "42", "Workload": "chat", "data_classification": "internal"}, []guardrails.RequiredTag{
			{Parameter: "costCenterTagName", Name: "Cost-Centre", InZone: true},
			{Parameter: "workloadTagName", Name: "Workload", InZone: true},
			{Parameter: "dataClassificationTagName", Name: "data_classification", InZone: true},
		}},
		{"empty value does not count", map[string]string{"costCenter": " ", "classification": "public"}, []guardrails.RequiredTag{
			{Parameter: "costCenterTagName", Name: "costCenter"},
			{Parameter: "workloadTagName", Name: "workload"},
			{Parameter: "dataClassificationTagName", Name: "classification", InZone: true},
		}},
		{"preferred spelling wins", map[string]string{"costcode": "1", "costCenter": "2"}, []guardrails.RequiredTag{
			{Parameter: "costCenterTagName", Name: "costCenter", InZone: true},
			{Parameter: "workloadTagName", Name: "workload"},
			{Parameter: "dataClassificationTagName", Name: "dataClassification"},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := guardrails.RequiredTags(tc.tags); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

func TestParameters(t *testing.T) {
	pools := []compute.Pool{
		{Workload: "train", SKU: "Standard_ND96isr_H100_v5"},
		{Workload: "serve", SKU: "Standard_NC40ads_H100_v5"},
		{Workload: "serve2", SKU: "Standard_NC40ads_H100_v5"},
		{Workload: "prep", SKU: "Standard_HB176rs_v4"},
		{Workload: "none", SKU: ""},
	}
	zone := &spec.Zone{
		Workloads: []spec.Workload{{Name: "pinned", SKU: "Standard_NC24ads_A100_v4"}, {Name: "cpu", SKU: "Standard_D16ds_v5"}},
		Placement: spec.Placement{Tags: map[string]string{"CostCenter": "42", "workload": "chat"}},
	}
	for _, tc := range []struct {
		name string
		in   guardrails.Inputs
		want map[string]any
	}{
		{"plan and zone", guardrails.Inputs{Zone: zone, Pools: pools, GPUSubnets: []string{"snet-train", "snet-serve", "snet-train"}, StorageSubnets: []string{"snet-lustre", ""}},
			map[string]any{
				"allowedGpuSizes":           []any{"Standard_NC24ads_A100_v4", "Standard_NC40ads_H100_v5", "Standard_ND96isr_H100_v5"},
				"gpuSubnetNames":            []any{"snet-serve", "snet-train"},
				"storageSubnetNames":        []any{"snet-lustre"},
				"costCenterTagName":         "CostCenter",
				"workloadTagName":           "workload",
				"dataClassificationTagName": "dataClassification",
			}},
		{"nothing planned", guardrails.Inputs{},
			map[string]any{
				"allowedGpuSizes":    []any{},
				"gpuSubnetNames":     []any{},
				"storageSubnetNames": []any{},
				"costCenterTagName":  "costCenter",
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := guardrails.Parameters(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			for k, want := range tc.want {
				if !reflect.DeepEqual(got[k], want) {
					t.Errorf("%s = %#v, want %#v", k, got[k], want)
				}
			}
			// Every initiative parameter has a value, effects at their
			// defaults, so the assignment shows every knob.
			set := mustLoad(t)
			for _, p := range set.Initiative.Parameters {
				if _, ok := got[p.Name]; !ok {
					t.Errorf("no value for %s", p.Name)
				}
			}
			if got["spotEffect"] != "Deny" || got["preemptionTagName"] != guardrails.PreemptionTag {
				t.Errorf("defaults not written out: spotEffect=%v preemptionTagName=%v", got["spotEffect"], got["preemptionTagName"])
			}
			// The values bind: types and allowed values check out.
			cs, err := set.Compile(nil)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := cs.Bind(got); err != nil {
				t.Errorf("parameters do not bind: %v", err)
			}
		})
	}
	// The defaults are copied, not shared with the loaded set.
	a, _ := guardrails.Parameters(guardrails.Inputs{})
	a["preemptionTagValues"].([]any)[0] = "changed"
	b, _ := guardrails.Parameters(guardrails.Inputs{})
	if b["preemptionTagValues"].([]any)[0] != guardrails.PreemptionTagValue {
		t.Error("Parameters returns the set's own default arrays")
	}
}

// TestInitiativeRequiresGPUList checks that an assignment must say which
// GPU sizes it allows: there is no default that would silently allow all
// or none.
func TestInitiativeRequiresGPUList(t *testing.T) {
	cs, err := mustLoad(t).Compile(nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cs.Bind(map[string]any{}); err == nil {
		t.Error("the initiative binds without allowedGpuSizes")
	}
}

// TestAt checks the ids the guardrails have once deployed at a scope, and
// that the initiative compiles against the definitions at that scope.
func TestAt(t *testing.T) {
	set := mustLoad(t)
	for _, scope := range []string{
		"/subscriptions/22222222-2222-2222-2222-222222222222",
		"/providers/Microsoft.Management/managementGroups/corp/",
	} {
		t.Run(scope, func(t *testing.T) {
			defs, init, err := set.At(scope)
			if err != nil {
				t.Fatal(err)
			}
			base := strings.TrimRight(scope, "/")
			if init.ID != base+"/providers/Microsoft.Authorization/policySetDefinitions/aizone-ai-guardrails" {
				t.Errorf("initiative id %s", init.ID)
			}
			if len(defs) != len(set.Guardrails) {
				t.Errorf("%d definitions at %s, want %d", len(defs), scope, len(set.Guardrails))
			}
			for _, m := range init.Members {
				if !strings.HasPrefix(m.DefinitionID, base+"/providers/Microsoft.Authorization/policyDefinitions/") {
					t.Errorf("%s: member id %s is not at the scope", m.ReferenceID, m.DefinitionID)
				}
				d := defs[strings.ToLower(m.DefinitionID)]
				if d == nil || d.ID != m.DefinitionID {
					t.Errorf("%s: no definition for %s", m.ReferenceID, m.DefinitionID)
				}
			}
			cs, err := policy.CompileSet(init, func(id string) (*policy.Compiled, error) {
				return policy.Compile(defs[strings.ToLower(id)], nil)
			})
			if err != nil {
				t.Fatal(err)
			}
			if len(cs.Set.Members) != len(set.Members) {
				t.Errorf("%d members compiled", len(cs.Set.Members))
			}
		})
	}
	// The shared set keeps its placeholder ids.
	if !strings.HasPrefix(set.Initiative.Members[0].DefinitionID, guardrails.PlaceholderScope+"/") {
		t.Errorf("At changed the shared initiative: %s", set.Initiative.Members[0].DefinitionID)
	}
	if set.Guardrails[0].Definition.ID != guardrails.DefinitionID(guardrails.PlaceholderScope, set.Guardrails[0].Name) {
		t.Errorf("At changed a shared definition: %s", set.Guardrails[0].Definition.ID)
	}
}
