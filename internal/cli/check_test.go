package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aizone/aizone/internal/shared"
)

func governanceArgs(t *testing.T) []string {
	return []string{
		"--library", shared.Path(t, "corpora", "alz-library", "alz"),
		"--builtins", shared.Path(t, "corpora", "azure-policy"),
		"--aliases", shared.Path(t, "reference", "policy-aliases", "policy-aliases.csv.gz"),
	}
}

func TestCheckExamples(t *testing.T) {
	files, err := filepath.Glob("../../examples/*.yaml")
	if err != nil || len(files) < 5 {
		t.Fatalf("examples: %v %v", files, err)
	}
	for _, f := range files {
		ex := filepath.Base(f)
		if ex == "infeasible.yaml" {
			continue // build refuses it; nothing is deployed
		}
		t.Run(ex, func(t *testing.T) {
			args := append([]string{"check", example(ex), "--as-of", asOf, "--format", "json"}, governanceArgs(t)...)
			code, out, errOut := runCLI(t, args...)
			if code != ExitOK {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			var rep struct {
				Summary struct {
					Resources, Assignments int
					ByEffect               map[string]int
				}
				Findings []struct{ Effect, Assignment string }
			}
			if err := json.Unmarshal([]byte(out), &rep); err != nil {
				t.Fatal(err)
			}
			if rep.Summary.Resources == 0 || rep.Summary.Assignments < 50 {
				t.Errorf("checked %d resources against %d assignments", rep.Summary.Resources, rep.Summary.Assignments)
			}
			_, again, _ := runCLI(t, args...)
			if again != out {
				t.Error("check output differs between runs")
			}
			code, text, _ := runCLI(t, append([]string{"check", example(ex), "--as-of", asOf}, governanceArgs(t)...)...)
			if code != ExitOK || !strings.Contains(text, "Summary:") || !strings.Contains(text, "alz → landingzones → ") {
				t.Errorf("text output lacks the summary or the inheritance path:\n%s", text)
			}
		})
	}
}

func TestCheckErrors(t *testing.T) {
	g := governanceArgs(t)
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"no library", []string{"check", example("small.yaml"), "--builtins", g[3]}, "library"},
		{"bad library", []string{"check", example("small.yaml"), "--library", t.TempDir(), "--builtins", g[3]}, "no library files"},
		{"unknown group", append([]string{"check", example("small.yaml"), "--management-group", "ai"}, g...), "corp"},
		{"bad default", append([]string{"check", example("small.yaml"), "--default", "novalue"}, g...), "NAME=VALUE"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, _, errOut := runCLI(t, tc.args...)
			if code != ExitUsage || !strings.Contains(errOut, tc.want) {
				t.Errorf("exit %d, stderr %q; want 2 and %q", code, errOut, tc.want)
			}
		})
	}
}

func TestAudit(t *testing.T) {
	dir := t.TempDir()
	export := filepath.Join(dir, "estate.json")
	sub := "11111111-2222-3333-4444-555555555555"
	body := `{"count": 3, "data": [
	 {"id": "/subscriptions/` + sub + `", "type": "microsoft.resources/subscriptions", "subscriptionId": "` + sub + `", "properties": {"managementGroupAncestorsChain": [{"name": "corp"}, {"name": "landingzones"}, {"name": "alz"}]}},
	 {"id": "/subscriptions/` + sub + `/resourceGroups/rg/providers/Microsoft.Network/networkInterfaces/nic1", "name": "nic1", "type": "microsoft.network/networkinterfaces", "location": "eastus", "subscriptionId": "` + sub + `",
	  "properties": {"ipConfigurations": [{"name": "c", "properties": {"publicIPAddress": {"id": "/subscriptions/` + sub + `/resourceGroups/rg/providers/Microsoft.Network/publicIPAddresses/pip"}}}]}},
	 {"id": "/subscriptions/` + sub + `/resourceGroups/rg/providers/Microsoft.Network/networkInterfaces/nic2", "name": "nic2", "type": "microsoft.network/networkinterfaces", "location": "eastus", "subscriptionId": "` + sub + `",
	  "properties": {"ipConfigurations": [{"name": "c", "properties": {"privateIPAddress": "10.0.0.4"}}]}}
	]}`
	if err := os.WriteFile(export, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	args := append([]string{"audit", "--resources", export, "--format", "json"}, governanceArgs(t)...)
	code, out, errOut := runCLI(t, args...)
	if code != ExitFindings {
		t.Fatalf("exit %d (want 1: a public IP on a NIC under corp is denied): %s", code, errOut)
	}
	var rep struct {
		Findings []struct{ Resource, Assignment, Effect string }
		Report   struct {
			BySubscription map[string]map[string]int
			ByAssignment   map[string]map[string]int
		}
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("audit JSON: %v\n%s", err, out)
	}
	found := false
	for _, f := range rep.Findings {
		if strings.HasSuffix(f.Resource, "/nic1") && f.Assignment == "Deny-Public-IP-On-NIC" && f.Effect == "deny" {
			found = true
		}
		if strings.HasSuffix(f.Resource, "/nic2") && f.Assignment == "Deny-Public-IP-On-NIC" {
			t.Error("private NIC denied")
		}
	}
	if !found {
		t.Errorf("public NIC not denied: %+v", rep.Findings)
	}
	if rep.Report.BySubscription[sub]["deny"] == 0 || rep.Report.ByAssignment["Deny-Public-IP-On-NIC"]["deny"] != 1 {
		t.Errorf("aggregates wrong: %+v", rep.Report)
	}
	code, text, _ := runCLI(t, append([]string{"audit", "--resources", export}, governanceArgs(t)...)...)
	if code != ExitFindings || !strings.Contains(text, "By assignment") {
		t.Errorf("text audit: exit %d\n%s", code, text)
	}
	bad := filepath.Join(dir, "bad.json")
	_ = os.WriteFile(bad, []byte(`{"count": 1}`), 0o644)
	code, _, errOut = runCLI(t, append([]string{"audit", "--resources", bad}, governanceArgs(t)...)...)
	if code != ExitUsage || !strings.Contains(errOut, "data") {
		t.Errorf("bad export: exit %d, %q", code, errOut)
	}
}
