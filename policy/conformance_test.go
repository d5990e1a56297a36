package policy

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aizone/aizone/policy/policytest"
	"github.com/goccy/go-yaml"
)

// conformanceCase is one file of testdata/conformance. A case gives either
// a whole definition or just a rule (with optional parameter declarations
// and mode), the assignment's parameter values, the resource under test and
// any related resources, and what must come out.
type conformanceCase struct {
	Doc        string         `yaml:"doc"`
	Definition map[string]any `yaml:"definition"`
	Rule       map[string]any `yaml:"rule"`
	Mode       string         `yaml:"mode"`
	Parameters map[string]any `yaml:"parameters"`
	Params     map[string]any `yaml:"params"`
	Assignment map[string]any `yaml:"assignment"`
	Resource   map[string]any `yaml:"resource"`
	Resources  []any          `yaml:"resources"`
	Now        string         `yaml:"now"`
	// Aliases is an alias table for the case: "reference" for the shared
	// reference table (../shared/reference/policy-aliases), or a map of
	// alias to path (a list of paths for a multi-path alias). Without it
	// the default mapping applies.
	Aliases any `yaml:"aliases"`
	Expect  struct {
		policytest.Expect `yaml:",inline"`
		CompileError      string   `yaml:"compileError"`
		BindError         string   `yaml:"bindError"`
		Related           []string `yaml:"related"`
		Fallback          []string `yaml:"fallbackAliases"`
	} `yaml:"expect"`
}

// TestConformance runs every case in testdata/conformance.
func TestConformance(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "conformance", "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(files)
	if len(files) < 150 {
		t.Errorf("conformance suite has %d cases, want at least 150", len(files))
	}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".yaml")
		t.Run(name, func(t *testing.T) { runCase(t, f) })
	}
}

// caseAliases builds the alias table a case asks for.
func caseAliases(t *testing.T, spec any) AliasTable {
	switch v := spec.(type) {
	case nil:
		return nil
	case string:
		if v != "reference" {
			t.Fatalf("aliases: want \"reference\" or a map, got %q", v)
		}
		return sharedAliases(t)
	case map[string]any:
		tbl := mapTable{}
		for alias, p := range v {
			switch x := p.(type) {
			case string:
				tbl.add(alias, x)
			case []any:
				for _, el := range x {
					tbl.add(alias, fmt.Sprint(el))
				}
			default:
				t.Fatalf("aliases: %s: want a path or a list of paths", alias)
			}
		}
		return tbl
	}
	t.Fatalf("aliases: want \"reference\" or a map, got %T", spec)
	return nil
}

func runCase(t *testing.T, file string) {
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var c conformanceCase
	if err := yaml.UnmarshalWithOptions(data, &c, yaml.Strict()); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	def := c.Definition
	if def == nil {
		if c.Rule == nil {
			t.Fatalf("%s: needs rule or definition", file)
		}
		props := map[string]any{"policyRule": c.Rule, "mode": "All"}
		if c.Mode != "" {
			props["mode"] = c.Mode
		}
		if c.Parameters != nil {
			props["parameters"] = c.Parameters
		}
		def = map[string]any{"name": "case", "properties": props}
	}
	defJSON, _ := json.Marshal(policytest.JSONRoundTrip(t, def))
	d, err := ParseDefinition(defJSON)
	var cp *Compiled
	if err == nil {
		cp, err = Compile(d, caseAliases(t, c.Aliases))
	}
	if c.Expect.CompileError != "" {
		if err == nil {
			t.Fatalf("compiled, want error containing %q", c.Expect.CompileError)
		}
		if !strings.Contains(err.Error(), c.Expect.CompileError) {
			t.Fatalf("error %q, want it to contain %q", err, c.Expect.CompileError)
		}
		return
	}
	if err != nil {
		t.Fatalf("compile: %v", err)
	}
	var params map[string]any
	if c.Params != nil {
		params = policytest.JSONRoundTrip(t, c.Params).(map[string]any)
	}
	b, err := cp.Bind(params)
	if c.Expect.BindError != "" {
		if err == nil || !strings.Contains(err.Error(), c.Expect.BindError) {
			t.Fatalf("bind error %v, want it to contain %q", err, c.Expect.BindError)
		}
		return
	}
	if err != nil {
		t.Fatalf("bind: %v", err)
	}
	if c.Assignment != nil {
		aj, _ := json.Marshal(map[string]any{"properties": policytest.JSONRoundTrip(t, c.Assignment)})
		a, err := ParseAssignment(aj)
		if err != nil {
			t.Fatalf("assignment: %v", err)
		}
		b = b.ForAssignment(a)
	}
	if c.Resource == nil {
		t.Fatal("case needs a resource")
	}
	res := NewResource(policytest.JSONRoundTrip(t, c.Resource).(map[string]any))
	all := []*Resource{res}
	for _, r := range c.Resources {
		all = append(all, NewResource(policytest.JSONRoundTrip(t, r).(map[string]any)))
	}
	env := &Env{Resources: NewResources(all)}
	if c.Now != "" {
		if env.Now, err = time.Parse(time.RFC3339, c.Now); err != nil {
			t.Fatal(err)
		}
	}
	got := b.Evaluate(context.Background(), res, env)
	again := b.Evaluate(context.Background(), res, env)
	if !reflect.DeepEqual(got, again) {
		t.Errorf("evaluation is not deterministic:\n%+v\n%+v", got, again)
	}
	e := c.Expect
	policytest.Check(t, policytest.Outcome{State: string(got.State), Effect: got.Effect, Error: got.Error, Compliant: got.Compliant,
		Reasons: got.Reasons, Operations: got.Operations}, e.Expect)
	if e.Related != nil && !reflect.DeepEqual(got.Related, e.Related) {
		t.Errorf("related %v, want %v", got.Related, e.Related)
	}
	if e.Fallback != nil && (len(got.FallbackAliases) != 0 || len(e.Fallback) != 0) && !reflect.DeepEqual(got.FallbackAliases, e.Fallback) {
		t.Errorf("fallback aliases %v, want %v", got.FallbackAliases, e.Fallback)
	}
}
