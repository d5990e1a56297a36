package alz

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aizone/aizone/internal/shared"
	"github.com/aizone/aizone/policy"
)

var update = flag.Bool("update", false, "rewrite golden files")

func library(t *testing.T) *Library {
	t.Helper()
	l, err := LoadLibrary(shared.Path(t, "corpora", "alz-library", "alz"))
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// TestEffectiveGolden pins the hierarchy and the effective assignments at
// corp and online, computed from the ALZ library.
func TestEffectiveGolden(t *testing.T) {
	l := library(t)
	for _, mg := range []string{"corp", "online"} {
		t.Run(mg, func(t *testing.T) {
			path, err := l.Path("alz", mg)
			if err != nil {
				t.Fatal(err)
			}
			eff, err := l.Effective("alz", mg, Values{"default_location": "eastus"})
			if err != nil {
				t.Fatal(err)
			}
			var b bytes.Buffer
			ids := make([]string, len(path))
			for i, g := range path {
				ids[i] = g.ID + " (" + strings.Join(g.Archetypes, ",") + ")"
			}
			fmt.Fprintf(&b, "path: %s\n", strings.Join(ids, " > "))
			for _, e := range eff {
				kind := "definition"
				if e.Set {
					kind = "set"
				}
				fmt.Fprintf(&b, "%s\t%s\t%s\t%s\t%s", e.ManagementGroup, e.Name, kind, e.EnforcementMode, e.DefinitionID)
				if len(e.Placeholders) > 0 {
					fmt.Fprintf(&b, "\tneeds: %s", strings.Join(e.Placeholders, ","))
				}
				b.WriteString("\n")
			}
			golden(t, "effective-"+mg+".txt", b.Bytes())
			if len(eff) < 50 {
				t.Errorf("only %d effective assignments at %s", len(eff), mg)
			}
			for _, e := range eff {
				if strings.Contains(e.DefinitionID, "placeholder") {
					t.Errorf("%s: definition id still names the placeholder group: %s", e.Name, e.DefinitionID)
				}
			}
		})
	}
}

func TestDefaultValuesResolve(t *testing.T) {
	l := library(t)
	ws := "/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg-mgmt/providers/Microsoft.OperationalInsights/workspaces/law"
	eff, err := l.Effective("alz", "corp", Values{"default_location": "eastus", "log_analytics_workspace_id": ws})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, e := range eff {
		for _, v := range e.Parameters {
			if v == ws {
				found = true
			}
		}
		for _, p := range e.Placeholders {
			if p == "logAnalytics" || p == "logAnalyticsWorkspaceId" {
				t.Errorf("%s: %s still a placeholder after the default was given", e.Name, p)
			}
		}
	}
	if !found {
		t.Error("log_analytics_workspace_id default reached no assignment parameter")
	}
}

func TestPathErrors(t *testing.T) {
	l := library(t)
	if _, err := l.Path("alz", "ai-zone"); err == nil || !strings.Contains(err.Error(), "corp") {
		t.Errorf("unknown management group: %v (want the list of ids)", err)
	}
	if _, err := l.Path("nope", "corp"); err == nil || !strings.Contains(err.Error(), "alz") {
		t.Errorf("unknown architecture: %v", err)
	}
}

// TestOverride builds a small library with an archetype override.
func TestOverride(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("a.alz_architecture_definition.json", `{"name":"mini","management_groups":[
		{"id":"root","parent_id":null,"archetypes":["base"],"display_name":"Root","exists":false},
		{"id":"ai","parent_id":"root","archetypes":["ai_custom"],"display_name":"AI","exists":false}]}`)
	write("base.alz_archetype_definition.json", `{"name":"base","policy_assignments":["A1","A2"]}`)
	write("ai.alz_archetype_override.json", `{"name":"ai_custom","base_archetype":"base","policy_assignments_to_add":["A3"],"policy_assignments_to_remove":["A1"]}`)
	for _, n := range []string{"A1", "A2", "A3"} {
		write(n+".alz_policy_assignment.json", `{"type":"Microsoft.Authorization/policyAssignments","name":"`+n+`","location":"${default_location}",
			"properties":{"displayName":"`+n+`","policyDefinitionId":"/providers/Microsoft.Authorization/policyDefinitions/`+n+`","scope":"/providers/Microsoft.Management/managementGroups/placeholder","parameters":{"where":{"value":"${current_scope_resource_id}"}}}}`)
	}
	l, err := LoadLibrary(dir)
	if err != nil {
		t.Fatal(err)
	}
	eff, err := l.Effective("mini", "ai", nil)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range eff {
		got = append(got, e.ManagementGroup+"/"+e.Name+"="+fmt.Sprint(e.Parameters["where"]))
	}
	want := "root/A1=" + MGScope("root") + " root/A2=" + MGScope("root") + " ai/A2=" + MGScope("ai") + " ai/A3=" + MGScope("ai")
	if strings.Join(got, " ") != want {
		t.Errorf("effective = %v\nwant %s", got, want)
	}
}

func TestLoadErrors(t *testing.T) {
	if _, err := LoadLibrary(t.TempDir()); err == nil || !strings.Contains(err.Error(), "no library files") {
		t.Errorf("empty dir: %v", err)
	}
	if _, err := LoadLibrary(filepath.Join(t.TempDir(), "missing")); err == nil {
		t.Error("missing dir loaded")
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "x.alz_policy_assignment.json"), []byte("{not json"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadLibrary(dir); err == nil || !strings.Contains(err.Error(), "x.alz_policy_assignment.json") {
		t.Errorf("bad JSON error does not name the file: %v", err)
	}
	if _, err := LoadBuiltins(t.TempDir()); err == nil {
		t.Error("empty builtins dir accepted")
	}
}

func TestBuiltins(t *testing.T) {
	b, err := LoadBuiltins(shared.Path(t, "corpora", "azure-policy"))
	if err != nil {
		t.Fatal(err)
	}
	defs, sets := b.Len()
	if defs < 1000 || sets < 50 {
		t.Fatalf("indexed %d definitions and %d sets; expected the whole corpus", defs, sets)
	}
	// Deny-Public-IP-On-NIC's built-in definition.
	d, ok, err := b.Definition("83a86a26-fd1f-447c-b59d-e51f44264114")
	if err != nil || !ok || d.DisplayName == "" {
		t.Fatalf("built-in lookup: %v %v %v", d, ok, err)
	}
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	p := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(p, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("%v (run go test ./alz -update)", err)
	}
	if !bytes.Equal(want, got) {
		t.Errorf("%s differs; run go test ./alz -update and review the diff", p)
	}
}

func TestAll(t *testing.T) {
	l := library(t)
	all, err := l.All("alz", Values{"default_location": "eastus"})
	if err != nil {
		t.Fatal(err)
	}
	corp, _ := l.Effective("alz", "corp", Values{"default_location": "eastus"})
	ids := map[string]bool{}
	for _, e := range all {
		if ids[e.ID] {
			t.Errorf("%s listed twice", e.ID)
		}
		ids[e.ID] = true
	}
	for _, e := range corp {
		if !ids[e.ID] {
			t.Errorf("%s at corp missing from All", e.ID)
		}
	}
	if len(all) <= len(corp) {
		t.Errorf("All has %d assignments, corp alone %d", len(all), len(corp))
	}
	path, err := l.PathIDs("alz", "online")
	if err != nil || strings.Join(path, ">") != "alz>landingzones>online" {
		t.Errorf("PathIDs(online) = %v, %v", path, err)
	}
}

// bindAssignment compiles and binds an effective assignment the way a check
// does: custom definitions from the library, built-ins from the corpus.
func bindAssignment(t *testing.T, l *Library, b *Builtins, e Effective) error {
	t.Helper()
	resolve := func(id string) (*policy.Compiled, error) {
		name := strings.ToLower(id[strings.LastIndex(id, "/")+1:])
		d, ok := l.Definitions[name]
		if !ok {
			var err error
			if d, ok, err = b.Definition(name); err != nil {
				return nil, err
			}
		}
		if !ok {
			return nil, fmt.Errorf("%s not found", id)
		}
		return policy.Compile(d, nil)
	}
	name := strings.ToLower(e.DefinitionID[strings.LastIndex(e.DefinitionID, "/")+1:])
	if !e.Set {
		cp, err := resolve(e.DefinitionID)
		if err != nil {
			return err
		}
		_, err = cp.Bind(e.Parameters)
		return err
	}
	s, ok := l.SetDefinitions[name]
	if !ok {
		var err error
		if s, ok, err = b.SetDefinition(name); err != nil || !ok {
			return fmt.Errorf("set %s: %v", name, err)
		}
	}
	cs, err := policy.CompileSet(s, resolve)
	if err != nil {
		return err
	}
	_, err = cs.Bind(e.Parameters)
	return err
}

// TestLibraryAssignmentsBind binds every assignment in effect at the corp
// landing zones as the library ships them. Enforce-TLS-SSL-Q225 passes
// "deny" to members that allow "Deny" and deploys in Azure: allowed values
// ignore case. Deploy-ASC-Monitoring's set pins version 6 of a built-in the
// corpus has only at version 7, with other parameters: the error says so.
func TestLibraryAssignmentsBind(t *testing.T) {
	l := library(t)
	b, err := LoadBuiltins(shared.Path(t, "corpora", "azure-policy"))
	if err != nil {
		t.Fatal(err)
	}
	eff, err := l.Effective("alz", "corp", Values{"default_location": "eastus"})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, e := range eff {
		err := bindAssignment(t, l, b, e)
		switch e.Name {
		case "Enforce-TLS-SSL-Q225":
			seen[e.Name] = true
			if err != nil {
				t.Errorf("%s: %v", e.Name, err)
			}
		case "Deploy-ASC-Monitoring":
			seen[e.Name] = true
			for _, want := range []string{
				"pins member AllowedHostNetworkingAndPortsInKubernetesCluster (policy definition /providers/Microsoft.Authorization/policyDefinitions/82985f06-dc18-4a48-bc1c-b9f4f0098cfe) to definitionVersion 6.*.*, but the definition available is version 7.0.0",
				"the set passes maxPort, minPort, which version 7.0.0 does not declare",
			} {
				if err == nil || !strings.Contains(err.Error(), want) {
					t.Errorf("%s: error %v\ndoes not say %q", e.Name, err, want)
				}
			}
		default:
			if err != nil && len(e.Placeholders) == 0 {
				t.Errorf("%s: %v", e.Name, err)
			}
		}
	}
	if len(seen) != 2 {
		t.Errorf("the corp landing zones lack an assignment this test is about: saw %v", seen)
	}
}
