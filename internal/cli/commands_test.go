package cli

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// TestPlanGolden pins the plan of every example in every format, and that
// two runs give byte-identical output.
func TestPlanGolden(t *testing.T) {
	cases := []struct {
		example string
		code    int
	}{
		{"small.yaml", ExitOK},
		{"large.yaml", ExitOK},
		{"infeasible.yaml", ExitFindings},
	}
	for _, tc := range cases {
		for _, format := range []string{formatText, formatJSON, formatMarkdown} {
			t.Run(tc.example+"/"+format, func(t *testing.T) {
				args := []string{"plan", example(tc.example), "--as-of", asOf, "--format", format}
				code, out, errOut := runCLI(t, args...)
				if code != tc.code {
					t.Fatalf("exit %d, want %d; stderr: %s", code, tc.code, errOut)
				}
				_, again, _ := runCLI(t, args...)
				if out != again {
					t.Fatalf("two runs differ:\n%s", firstDiff([]byte(out), []byte(again)))
				}
				ext := map[string]string{formatText: "txt", formatJSON: "json", formatMarkdown: "md"}[format]
				golden(t, "plan-"+strings.TrimSuffix(tc.example, ".yaml")+"."+ext, []byte(out))
			})
		}
	}
}

// TestPlanJSONKeys holds the stable top-level keys other tools rely on.
func TestPlanJSONKeys(t *testing.T) {
	code, out, errOut := runCLI(t, "plan", example("small.yaml"), "--as-of", asOf, "--format", "json")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal([]byte(out), &m); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"zone", "compute", "storage", "network", "governance", "cost", "findings"} {
		if _, ok := m[k]; !ok {
			t.Errorf("plan JSON lacks key %q", k)
		}
	}
}

func TestInfeasibleSaysWhy(t *testing.T) {
	code, out, errOut := runCLI(t, "plan", example("infeasible.yaml"), "--as-of", asOf, "--format", "json")
	if code != ExitFindings {
		t.Fatalf("exit %d, want 1", code)
	}
	if !strings.Contains(errOut, "infeasible") {
		t.Errorf("stderr does not say the plan is infeasible: %q", errOut)
	}
	var p struct {
		Findings []struct{ Code, Severity, Message, Path string }
	}
	if err := json.Unmarshal([]byte(out), &p); err != nil {
		t.Fatal(err)
	}
	var errs int
	for _, f := range p.Findings {
		if f.Severity == "error" {
			errs++
			if f.Message == "" || f.Path == "" {
				t.Errorf("error finding without message or path: %+v", f)
			}
		}
	}
	if errs == 0 {
		t.Error("infeasible plan has no error finding")
	}
}

func TestBuild(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	code, _, errOut := runCLI(t, "build", example("small.yaml"), "--as-of", asOf, "--out", dir)
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, f := range []string{"arm/main.json", "arm/main.parameters.json", "prerequisites.md", "storage/lifecycle-policy.json", "plan.json", "report.md", "report.html", "bicep/main.bicep", "terraform/main.tf", markerFile} {
		data, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			t.Fatalf("build did not write %s: %v", f, err)
		}
		if strings.HasSuffix(f, ".json") && !json.Valid(data) {
			t.Errorf("%s is not valid JSON", f)
		}
	}
	tmpl, _ := os.ReadFile(filepath.Join(dir, "arm/main.json"))
	if !strings.Contains(string(tmpl), "subscriptionDeploymentTemplate.json") {
		t.Error("main.json is not a subscription deployment template")
	}
	golden(t, "build-small-main.json", tmpl)
	pre, _ := os.ReadFile(filepath.Join(dir, "prerequisites.md"))
	for _, w := range []string{"az provider register", "az deployment sub create", "Microsoft.ContainerService", "quota"} {
		if !strings.Contains(string(pre), w) {
			t.Errorf("prerequisites.md lacks %q", w)
		}
	}
	if !strings.Contains(errOut, "az deployment sub create") {
		t.Errorf("build does not print the deployment command: %s", errOut)
	}

	// plan.json is the same document plan --format json prints.
	_, planOut, _ := runCLI(t, "plan", example("small.yaml"), "--as-of", asOf, "--format", "json")
	pj, _ := os.ReadFile(filepath.Join(dir, "plan.json"))
	if !bytes.Equal(bytes.TrimSpace(pj), bytes.TrimSpace([]byte(planOut))) {
		t.Errorf("plan.json differs from plan --format json:\n%s", firstDiff([]byte(planOut), pj))
	}

	// A second build into its own directory is allowed and gives the same bytes.
	code, _, errOut = runCLI(t, "build", example("small.yaml"), "--as-of", asOf, "--out", dir)
	if code != ExitOK {
		t.Fatalf("rebuild into own directory: exit %d: %s", code, errOut)
	}
	again, _ := os.ReadFile(filepath.Join(dir, "arm/main.json"))
	if !bytes.Equal(tmpl, again) {
		t.Error("rebuilding gives a different template")
	}
}

func TestBuildRefusesForeignDir(t *testing.T) {
	dir := t.TempDir()
	mine := filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(mine, []byte("keep me"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, errOut := runCLI(t, "build", example("small.yaml"), "--as-of", asOf, "--out", dir)
	if code != ExitUsage {
		t.Fatalf("exit %d, want 2; stderr %s", code, errOut)
	}
	if !strings.Contains(errOut, "--force") {
		t.Errorf("refusal does not mention --force: %q", errOut)
	}
	if _, err := os.Stat(filepath.Join(dir, "arm")); err == nil {
		t.Error("build wrote into a foreign directory it refused")
	}
	code, _, errOut = runCLI(t, "build", example("small.yaml"), "--as-of", asOf, "--out", dir, "--force")
	if code != ExitOK {
		t.Fatalf("--force: exit %d: %s", code, errOut)
	}
	if data, _ := os.ReadFile(mine); string(data) != "keep me" {
		t.Error("--force lost the user's own file")
	}
}

func TestBuildErrors(t *testing.T) {
	cases := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"infeasible", []string{"build", example("infeasible.yaml"), "--as-of", asOf, "--out", "OUT"}, ExitFindings, "infeasible"},
		{"no out", []string{"build", example("small.yaml")}, ExitUsage, "out"},
		{"missing file", []string{"build", "nope.yaml", "--out", "OUT"}, ExitUsage, "nope.yaml"},
		{"bad as-of", []string{"build", example("small.yaml"), "--as-of", "yesterday", "--out", "OUT"}, ExitUsage, "YYYY-MM-DD"},
		{"two zones", []string{"build", example("small.yaml"), example("large.yaml"), "--out", "OUT"}, ExitUsage, "arg"},
		{"empty out", []string{"build", example("small.yaml"), "--as-of", asOf, "--out", ""}, ExitUsage, "output directory is empty"},
		{"guardrail tag missing", []string{"build", "NOTAG", "--as-of", asOf, "--out", "OUT"}, ExitFindings, "no dataClassification tag"},
		{"usage unreadable", []string{"build", example("small.yaml"), "--as-of", asOf, "--out", "OUT", "--usage", "nope.json"}, ExitUsage, "nope.json"},
		{"library without builtins", []string{"build", example("small.yaml"), "--as-of", asOf, "--out", "OUT", "--library", "."}, ExitUsage, "builtins"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "out")
			for i, a := range tc.args {
				switch a {
				case "OUT":
					tc.args[i] = out
				case "NOTAG":
					// small.yaml without the tag the guardrails require
					// on every resource group.
					data, err := os.ReadFile(example("small.yaml"))
					if err != nil {
						t.Fatal(err)
					}
					var kept []string
					for _, l := range strings.Split(string(data), "\n") {
						if !strings.Contains(l, "dataClassification") {
							kept = append(kept, l)
						}
					}
					tc.args[i] = filepath.Join(t.TempDir(), "notag.yaml")
					if err := os.WriteFile(tc.args[i], []byte(strings.Join(kept, "\n")), 0o644); err != nil {
						t.Fatal(err)
					}
				}
			}
			code, _, errOut := runCLI(t, tc.args...)
			if code != tc.code {
				t.Fatalf("exit %d, want %d; stderr %s", code, tc.code, errOut)
			}
			if !strings.Contains(errOut, tc.want) {
				t.Errorf("stderr %q lacks %q", errOut, tc.want)
			}
			if _, err := os.Stat(out); err == nil {
				t.Error("a failed build wrote output")
			}
		})
	}
}

func TestCatalog(t *testing.T) {
	for _, noun := range []string{"skus", "gpus", "models", "prices", "storage", "network", "images", "sources"} {
		for _, format := range []string{formatText, formatJSON, formatMarkdown} {
			t.Run(noun+"/"+format, func(t *testing.T) {
				code, out, errOut := runCLI(t, "catalog", noun, "--format", format)
				if code != ExitOK {
					t.Fatalf("exit %d: %s", code, errOut)
				}
				if strings.TrimSpace(out) == "" {
					t.Fatal("no output")
				}
				if format == formatJSON && !json.Valid([]byte(out)) {
					t.Error("not valid JSON")
				}
			})
		}
	}
	code, _, errOut := runCLI(t, "catalog", "skus", "--format", "yaml")
	if code != ExitUsage || !strings.Contains(errOut, "--format") {
		t.Errorf("bad format: exit %d, stderr %q", code, errOut)
	}
}

func TestSchemaCompiles(t *testing.T) {
	code, out, errOut := runCLI(t, "schema")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	doc, err := jsonschema.UnmarshalJSON(strings.NewReader(out))
	if err != nil {
		t.Fatalf("schema is not JSON: %v", err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("zone.json", doc); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Compile("zone.json"); err != nil {
		t.Fatalf("schema does not compile: %v", err)
	}
}

func TestVersion(t *testing.T) {
	code, out, _ := runCLI(t, "version")
	if code != ExitOK || !strings.HasPrefix(out, "aizone ") {
		t.Errorf("version: exit %d, output %q", code, out)
	}
}

func TestUsageErrors(t *testing.T) {
	cases := [][]string{
		{"plan"},
		{"plan", example("small.yaml"), "--format", "html"},
		{"frobnicate"},
		{"plan", example("small.yaml"), "--no-such-flag"},
	}
	for _, args := range cases {
		code, _, errOut := runCLI(t, args...)
		if code != ExitUsage {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
		if strings.Contains(errOut, "goroutine") || strings.Count(strings.TrimSpace(errOut), "\n") > 0 {
			t.Errorf("%v: error is not one clean line: %q", args, errOut)
		}
	}
	// What cobra itself refuses points at the command's help.
	for args, want := range map[string]string{
		"check " + example("small.yaml"):                    "see aizone check --help",
		"audit --library x --builtins y":                    "see aizone audit --help",
		"plan " + example("small.yaml") + " --no-such-flag": "see aizone plan --help",
	} {
		code, _, errOut := runCLI(t, strings.Fields(args)...)
		if code != ExitUsage || !strings.Contains(errOut, want) {
			t.Errorf("%s: exit %d, %q; want exit 2 and %q", args, code, errOut, want)
		}
	}
}

// TestSpaceTooSmall: an address space too small for the zone is bad input
// (exit 2) at the address space's position, naming what needs the room.
func TestSpaceTooSmall(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tiny.yaml")
	zone := "name: tiny-zone\nregion: eastus\nnetwork:\n  address_space: [10.9.0.0/28]\nworkloads:\n  - name: chat\n    kind: inference\n    model: llama-3.1-70b\n    requests_per_second: 50\n"
	if err := os.WriteFile(path, []byte(zone), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, errOut := runCLI(t, "plan", path, "--as-of", asOf)
	if code != ExitUsage {
		t.Fatalf("exit %d, want 2: %s", code, errOut)
	}
	for _, want := range []string{"tiny.yaml:4:3:", "10.9.0.0/28", "snet-chat", "hint:"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q: %s", want, errOut)
		}
	}
}

// TestBuildQuota: with --usage a shortfall is a finding (exit 1) that
// prerequisites.md shows; the files are written, for the quota request.
func TestBuildQuota(t *testing.T) {
	usage := filepath.Join(t.TempDir(), "usage-eastus.json")
	short := `[
  {"currentValue": 0, "limit": 8, "name": {"value": "StandardNCadsH100v5Family", "localizedValue": "Standard NCADS H100 v5 Family vCPUs"}, "unit": "Count"},
  {"currentValue": 10, "limit": 100, "name": {"value": "cores", "localizedValue": "Total Regional vCPUs"}, "unit": "Count"}
]`
	if err := os.WriteFile(usage, []byte(short), 0o644); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "out")
	code, _, errOut := runCLI(t, "build", example("small.yaml"), "--as-of", asOf, "--out", dir, "--usage", usage)
	if code != ExitFindings || !strings.Contains(errOut, "quota") {
		t.Fatalf("exit %d, want 1 naming the quota; stderr %s", code, errOut)
	}
	pre, err := os.ReadFile(filepath.Join(dir, "prerequisites.md"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(pre), "StandardNCadsH100v5Family") || !strings.Contains(string(pre), "✘") {
		t.Errorf("prerequisites.md does not show the shortfall:\n%s", pre)
	}
}
