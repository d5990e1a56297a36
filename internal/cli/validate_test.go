package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fixture returns the path of an armvalidate test template.
func fixture(name string) string { return filepath.Join("..", "..", "armvalidate", "testdata", name) }

func TestValidate(t *testing.T) {
	cases := []struct {
		args []string
		code int
		want []string // in stdout
	}{
		{[]string{fixture("dependson-cross-deployment.json")}, ExitFindings, []string{
			"resources[3].properties.template.resources[0].dependsOn[0]: ", "(dependson-undeclared)", "1 findings (dependson-undeclared 1)"}},
		{[]string{fixture("identity-unordered.json")}, ExitFindings, []string{"(reference-unordered)", "3 findings"}},
		{[]string{fixture("expressions.json")}, ExitFindings, []string{"(parameter-undeclared)", "(variable-undeclared)", "(expression-parse)"}},
		{[]string{fixture("names.json")}, ExitFindings, []string{"'StAiZoneData01'", "'kv-aizone-training-eastus'", "'gpuh100pool01'", "(name-duplicate)"}},
		{[]string{fixture("role-assignments.json")}, ExitFindings, []string{"(role-assignment-name)", "(nondeterministic-function)"}},
		{[]string{fixture("scope-unknown.json")}, ExitFindings, []string{"\"rg-networking\"", "(scope-unknown)"}},
		{[]string{fixture("child-parent.json")}, ExitFindings, []string{"(child-without-parent-dependency)"}},
		{[]string{fixture("parameters-file.json"), "--parameters", fixture("parameters-file.parameters.json")}, ExitFindings, []string{
			"(parameter-missing-value)", "(parameter-unknown)"}},
		{[]string{fixture("parameters-file.json")}, ExitOK, []string{"no findings"}},
		{[]string{fixture("valid-nested-scopes.json")}, ExitOK, []string{"no findings"}},
		{[]string{fixture("valid-symbolic.json")}, ExitOK, []string{"no findings"}},
		{[]string{fixture("valid-loops-conditions.json")}, ExitOK, []string{"no findings"}},
		{[]string{fixture("valid-comments.json")}, ExitOK, []string{"no findings"}},
	}
	for _, tc := range cases {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			code, out, errOut := runCLI(t, append([]string{"validate"}, tc.args...)...)
			if code != tc.code {
				t.Fatalf("exit %d, want %d; stderr: %s", code, tc.code, errOut)
			}
			for _, w := range tc.want {
				if !strings.Contains(out, w) {
					t.Errorf("stdout lacks %q:\n%s", w, out)
				}
			}
			if code == ExitFindings && !strings.Contains(errOut, "would reject") {
				t.Errorf("stderr does not say ARM would reject the template: %q", errOut)
			}
		})
	}
}

func TestValidateJSON(t *testing.T) {
	code, out, _ := runCLI(t, "validate", fixture("identity-unordered.json"), "--format", "json")
	if code != ExitFindings {
		t.Fatalf("exit %d, want 1", code)
	}
	var r struct {
		Findings []struct{ Rule, Path, Message, Fix string }
		Summary  struct {
			Template string
			Findings int
			Rules    map[string]int
		}
	}
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	if len(r.Findings) != 3 || r.Summary.Findings != 3 || r.Summary.Rules["reference-unordered"] != 3 {
		t.Errorf("unexpected report: %+v", r)
	}
	for _, f := range r.Findings {
		if f.Rule == "" || f.Path == "" || f.Message == "" || f.Fix == "" {
			t.Errorf("incomplete finding %+v", f)
		}
	}
	// No findings: an empty array, not null.
	_, out, _ = runCLI(t, "validate", fixture("valid-symbolic.json"), "--format", "json")
	if !strings.Contains(out, `"findings": []`) {
		t.Errorf("valid template: want an empty findings array:\n%s", out)
	}
}

// TestValidateBadInput: unreadable JSON is bad input (exit 2) and says
// where, as file:line:col.
func TestValidateBadInput(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.json")
	if err := os.WriteFile(bad, []byte("{\n  \"resources\": [\n    {\"type\": \"a/b\",}\n  ]\n}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		args []string
		want string
	}{
		{[]string{bad}, bad + ":3:20: "},
		{[]string{fixture("names.json"), "--parameters", bad}, bad + ":3:20: "},
		{[]string{filepath.Join(dir, "missing.json")}, "read template"},
		{[]string{fixture("names.json"), "--format", "yaml"}, "unknown --format"},
	}
	for _, tc := range cases {
		code, _, errOut := runCLI(t, append([]string{"validate"}, tc.args...)...)
		if code != ExitUsage {
			t.Errorf("%v: exit %d, want 2", tc.args, code)
		}
		if !strings.Contains(errOut, tc.want) {
			t.Errorf("%v: stderr %q lacks %q", tc.args, errOut, tc.want)
		}
	}
}

func TestValidateGolden(t *testing.T) {
	args := []string{"validate", fixture("dependson-cross-deployment.json")}
	_, out, _ := runCLI(t, args...)
	_, again, _ := runCLI(t, args...)
	if out != again {
		t.Fatalf("two runs differ:\n%s", firstDiff([]byte(out), []byte(again)))
	}
	golden(t, "validate-dependson-cross-deployment.txt", []byte(out))
	_, out, _ = runCLI(t, "validate", fixture("names.json"))
	golden(t, "validate-names.txt", []byte(out))
}
