package spec_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	goyaml "github.com/goccy/go-yaml"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/aizone/aizone/spec"
)

// compileSchema compiles spec.JSONSchema as an editor would see it: printed
// as JSON (which `aizone schema` does) and read back.
func compileSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	raw, err := json.Marshal(spec.JSONSchema())
	if err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	const url = "https://aizone.dev/schemas/zone.json"
	if err := c.AddResource(url, doc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile(url)
	if err != nil {
		t.Fatalf("zone schema does not compile: %v", err)
	}
	return sch
}

// yamlToInstance converts a zone file to the JSON value a YAML language
// server validates.
func yamlToInstance(t *testing.T, src []byte) any {
	t.Helper()
	js, err := goyaml.YAMLToJSON(src)
	if err != nil {
		t.Fatal(err)
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(js))
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestSchemaAcceptsExamples(t *testing.T) {
	sch := compileSchema(t)
	files, err := filepath.Glob(filepath.Join("..", "examples", "*.yaml"))
	if err != nil || len(files) < 3 {
		t.Fatalf("examples: %v, %v", files, err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			src, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			if err := sch.Validate(yamlToInstance(t, src)); err != nil {
				t.Errorf("example does not validate against the zone schema: %v", err)
			}
		})
	}
}

// TestSchemaAgreesWithLoader checks forms the loader accepts or refuses
// that the examples do not show, so that an editor's squiggles match what
// aizone says.
func TestSchemaAgreesWithLoader(t *testing.T) {
	sch := compileSchema(t)
	tests := []struct {
		name  string
		src   string
		valid bool
	}{
		{"minimal", minimal, true},
		{"hub none", withTop("network:", "  hub: none"), true},
		{"explicit model", strings.Replace(minimal, "model: llama-3.1-8b", "model: {params: 8B, layers: 32, hidden: 4096, heads: 32, kv_heads: 8, vocab: 128256}", 1), true},
		{"size in bytes", withTop("data:", "  - {name: corpus, size: 1000000}"), true},
		{"binary size", withTop("data:", "  - {name: corpus, size: 1.5TiB}"), true},
		{"unknown top-level key", withTop("regoin: eastus"), false},
		{"unknown nested key", withWorkload("requets_per_second: 5"), false},
		{"unknown region", strings.Replace(minimal, "region: eastus", "region: eastus4", 1), false},
		{"bad kind", strings.Replace(minimal, "kind: inference", "kind: finetune", 1), false},
		{"missing name", strings.Replace(minimal, "name: demo\n", "", 1), false},
		{"missing data size", withTop("data:", "  - {name: corpus}"), false},
		{"duration without unit", withWorkload("latency: {ttft: 7}"), false},
		{"size with a word", withTop("data:", "  - {name: corpus, size: 2 terabytes}"), false},
		{"negative number", withWorkload("input_tokens: -1"), false},
		{"hub as text", withTop("network:", "  hub: hub-eastus"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := sch.Validate(yamlToInstance(t, []byte(tt.src)))
			if (err == nil) != tt.valid {
				t.Errorf("schema valid = %v, want %v (%v)", err == nil, tt.valid, err)
			}
			_, lerr := spec.Parse("z.yaml", []byte(tt.src))
			if (lerr == nil) != tt.valid {
				t.Errorf("loader valid = %v, want %v (%v)", lerr == nil, tt.valid, lerr)
			}
		})
	}
}

// TestSchemaCoversEveryKey checks that every key the loader accepts has a
// description in the schema, since editors show it on hover.
func TestSchemaCoversEveryKey(t *testing.T) {
	var walk func(path string, s map[string]any)
	walk = func(path string, s map[string]any) {
		for _, alt := range asList(s["oneOf"]) {
			walk(path, alt.(map[string]any))
		}
		if items, ok := s["items"].(map[string]any); ok {
			walk(path+"[]", items)
		}
		props, _ := s["properties"].(map[string]any)
		for k, v := range props {
			ps := v.(map[string]any)
			if d, _ := ps["description"].(string); d == "" {
				t.Errorf("%s.%s has no description", path, k)
			}
			walk(path+"."+k, ps)
		}
	}
	walk("", spec.JSONSchema())
}

func asList(v any) []any {
	l, _ := v.([]any)
	return l
}
