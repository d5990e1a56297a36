package guardrails_test

import (
	"context"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/aizone/aizone/policy/policytest"
	"github.com/goccy/go-yaml"

	"github.com/aizone/aizone/guardrails"
	"github.com/aizone/aizone/internal/shared"
	"github.com/aizone/aizone/policy"
)

// conformanceCase is one file of testdata/conformance: the shape of the
// policy engine's own suite (policy/testdata/conformance), with the
// definition named by guardrail instead of written inline, and the
// resource groups' properties (tags) that resourceGroup() reads.
type conformanceCase struct {
	Doc       string `yaml:"doc"`
	Guardrail string `yaml:"guardrail"`
	// Params are the definition's parameter values; parameters with a
	// default may be left out.
	Params         map[string]any            `yaml:"params"`
	Resource       map[string]any            `yaml:"resource"`
	Resources      []any                     `yaml:"resources"`
	ResourceGroups map[string]map[string]any `yaml:"resourceGroups"`
	Expect         policytest.Expect         `yaml:"expect"`
}

// aliasTable is the reference alias table (Get-AzPolicyAlias output), so
// that the cases run with the paths Azure resolves, not only with the
// engine's default mapping.
var (
	aliasOnce sync.Once
	aliases   policy.AliasTable
	aliasErr  error
)

func referenceAliases(t *testing.T) policy.AliasTable {
	t.Helper()
	p := shared.Path(t, "reference", "policy-aliases", "policy-aliases.csv.gz")
	aliasOnce.Do(func() {
		f, err := os.Open(p)
		if err != nil {
			aliasErr = err
			return
		}
		defer f.Close()
		aliases, aliasErr = policy.LoadAliasesCSV(f)
	})
	if aliasErr != nil {
		t.Fatal(aliasErr)
	}
	return aliases
}

func conformanceFiles(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", "conformance", "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(files)
	return files
}

func loadCase(t *testing.T, file string) conformanceCase {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var c conformanceCase
	if err := yaml.UnmarshalWithOptions(data, &c, yaml.Strict()); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	return c
}

// TestConformance runs every case twice: with the engine's default alias
// mapping (what aizone uses without an alias table) and with the
// reference alias table. Both must give the expected outcome.
func TestConformance(t *testing.T) {
	set, err := guardrails.Load()
	if err != nil {
		t.Fatal(err)
	}
	tables := []struct {
		name string
		get  func(*testing.T) policy.AliasTable
	}{
		{"default-aliases", func(*testing.T) policy.AliasTable { return nil }},
		{"reference-aliases", referenceAliases},
	}
	for _, f := range conformanceFiles(t) {
		name := strings.TrimSuffix(filepath.Base(f), ".yaml")
		c := loadCase(t, f)
		for _, tb := range tables {
			t.Run(name+"/"+tb.name, func(t *testing.T) {
				g := set.Guardrail(c.Guardrail)
				if g == nil {
					t.Fatalf("no guardrail %q", c.Guardrail)
				}
				cp, err := policy.Compile(g.Definition, tb.get(t))
				if err != nil {
					t.Fatal(err)
				}
				runCase(t, cp, c)
			})
		}
	}
}

// TestConformanceCoverage requires a compliant and a non-compliant case for
// every guardrail, and one for each resource type a guardrail names.
func TestConformanceCoverage(t *testing.T) {
	set, err := guardrails.Load()
	if err != nil {
		t.Fatal(err)
	}
	type key struct{ guardrail, typ string }
	outcomes := map[string]map[bool]int{}
	byType := map[key]map[bool]int{}
	for _, f := range conformanceFiles(t) {
		c := loadCase(t, f)
		if c.Expect.Compliant == nil {
			t.Errorf("%s: expect.compliant is required", f)
			continue
		}
		g := strings.ToLower(c.Guardrail)
		if outcomes[g] == nil {
			outcomes[g] = map[bool]int{}
		}
		outcomes[g][*c.Expect.Compliant]++
		typ, _ := c.Resource["type"].(string)
		k := key{g, strings.ToLower(typ)}
		if byType[k] == nil {
			byType[k] = map[bool]int{}
		}
		byType[k][*c.Expect.Compliant]++
	}
	for _, g := range set.Guardrails {
		o := outcomes[strings.ToLower(g.Name)]
		if o[true] == 0 || o[false] == 0 {
			t.Errorf("%s: %d compliant and %d non-compliant cases, want at least one of each", g.Name, o[true], o[false])
		}
		for _, typ := range typesNamed(g.Definition.Rule) {
			o := byType[key{strings.ToLower(g.Name), strings.ToLower(typ)}]
			if o[true] == 0 || o[false] == 0 {
				t.Errorf("%s: resource type %s has %d compliant and %d non-compliant cases, want at least one of each", g.Name, typ, o[true], o[false])
			}
		}
	}
}

// typesNamed lists the resource types a rule's "if" selects with
// {"field": "type", "equals": ...}.
func typesNamed(rule map[string]any) []string {
	seen := map[string]bool{}
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			if f, _ := x["field"].(string); strings.EqualFold(f, "type") {
				if s, ok := x["equals"].(string); ok {
					seen[s] = true
				}
			}
			for _, e := range x {
				walk(e)
			}
		case []any:
			for _, e := range x {
				walk(e)
			}
		}
	}
	walk(rule["if"])
	out := make([]string, 0, len(seen))
	for s := range seen {
		out = append(out, s)
	}
	sort.Strings(out)
	return out
}

func runCase(t *testing.T, cp *policy.Compiled, c conformanceCase) {
	t.Helper()
	var params map[string]any
	if c.Params != nil {
		params = policytest.JSONRoundTrip(t, c.Params).(map[string]any)
	}
	b, err := cp.Bind(params)
	if err != nil {
		t.Fatalf("bind: %v", err)
	}
	if c.Resource == nil {
		t.Fatal("case needs a resource")
	}
	res := policy.NewResource(policytest.JSONRoundTrip(t, c.Resource).(map[string]any))
	all := []*policy.Resource{res}
	for _, r := range c.Resources {
		all = append(all, policy.NewResource(policytest.JSONRoundTrip(t, r).(map[string]any)))
	}
	env := &policy.Env{Resources: policy.NewResources(all)}
	if c.ResourceGroups != nil {
		env.ResourceGroups = map[string]map[string]any{}
		for name, props := range c.ResourceGroups {
			env.ResourceGroups[strings.ToLower(name)] = policytest.JSONRoundTrip(t, props).(map[string]any)
		}
	}
	got := b.Evaluate(context.Background(), res, env)
	out := policytest.Outcome{State: string(got.State), Effect: got.Effect, Error: got.Error, Compliant: got.Compliant,
		Reasons: got.Reasons, Operations: got.Operations}
	if got.Error != "" {
		t.Errorf("evaluation failed: %s", out)
	}
	policytest.Check(t, out, c.Expect)
}
