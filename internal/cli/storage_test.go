package cli

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const storagePolicy = `{"rules": [{"name": "tiering", "type": "Lifecycle", "definition": {"filters": {"blobTypes": ["blockBlob"]},
  "actions": {"baseBlob": {"tierToCool": {"daysAfterModificationGreaterThan": 30}, "tierToArchive": {"daysAfterModificationGreaterThan": 180},
  "delete": {"daysAfterModificationGreaterThan": 730}}, "snapshot": {"delete": {"daysAfterCreationGreaterThan": 90}},
  "version": {"delete": {"daysAfterCreationGreaterThan": 90}}}}}]}`

func writeTemp(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestStorageInventoryGen(t *testing.T) {
	dir := t.TempDir()
	for _, tt := range []struct {
		file, format string
		magic        string
	}{{"a.csv", "", "Name,"}, {"b.parquet", "", "PAR1"}, {"c.out", "parquet", "PAR1"}} {
		out := filepath.Join(dir, tt.file)
		args := []string{"storage", "inventory-gen", "--blobs", "500", "--out", out, "--seed", "4"}
		if tt.format != "" {
			args = append(args, "--format", tt.format)
		}
		code, _, stderr := runCLI(t, args...)
		if code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, stderr)
		}
		data, _ := os.ReadFile(out)
		if !bytes.HasPrefix(data, []byte(tt.magic)) {
			t.Errorf("%s does not start with %q", tt.file, tt.magic)
		}
	}
	// The same seed writes the same file.
	again := filepath.Join(dir, "again.csv")
	runCLI(t, "storage", "inventory-gen", "--blobs", "500", "--out", again, "--seed", "4")
	a, _ := os.ReadFile(filepath.Join(dir, "a.csv"))
	b, _ := os.ReadFile(again)
	if !bytes.Equal(a, b) {
		t.Error("same seed, different inventory")
	}
	for _, bad := range [][]string{{"--blobs", "0", "--out", again}, {"--blobs", "5"}, {"--blobs", "5", "--out", again, "--format", "xml"}} {
		if code, _, _ := runCLI(t, append([]string{"storage", "inventory-gen"}, bad...)...); code != ExitUsage {
			t.Errorf("%v: exit %d, want %d", bad, code, ExitUsage)
		}
	}
}

func TestStorageSimulate(t *testing.T) {
	dir := t.TempDir()
	inv := filepath.Join(dir, "inv.parquet")
	if code, _, stderr := runCLI(t, "storage", "inventory-gen", "--blobs", "3000", "--out", inv); code != 0 {
		t.Fatal(stderr)
	}
	pol := writeTemp(t, "policy.json", storagePolicy)
	code, stdout, stderr := runCLI(t, "storage", "simulate", "--inventory", inv, "--policy", pol, "--start", "2026-01-01", "--days", "90", "--format", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var res map[string]any
	if err := json.Unmarshal([]byte(stdout), &res); err != nil {
		t.Fatal(err)
	}
	// The keys the issue names.
	for _, k := range []string{"blobs", "bytes", "days", "by_day", "transitions", "deleted", "early_deletion_usd", "operations_usd",
		"storage_usd", "total_usd", "baseline_total_usd", "savings_usd"} {
		if _, ok := res[k]; !ok {
			t.Errorf("JSON lacks %q", k)
		}
	}
	byDay := res["by_day"].([]any)
	if len(byDay) != 90 || res["blobs"].(float64) != 3000 {
		t.Errorf("%d days, %v blobs", len(byDay), res["blobs"])
	}
	day := byDay[0].(map[string]any)
	for _, k := range []string{"day", "bytes_by_tier", "cost_usd"} {
		if _, ok := day[k]; !ok {
			t.Errorf("by_day entry lacks %q", k)
		}
	}
	if !strings.Contains(fmtKeys(res["transitions"]), "hot->cool") {
		t.Errorf("transitions %v", res["transitions"])
	}

	// Text output, same numbers.
	code, stdout, _ = runCLI(t, "storage", "simulate", "--inventory", inv, "--policy", pol, "--start", "2026-01-01", "--days", "90")
	if code != 0 || !strings.Contains(stdout, "savings") || !strings.Contains(stdout, "3,000 blobs") {
		t.Errorf("text output:\n%s", stdout)
	}
}

func fmtKeys(v any) string {
	m, _ := v.(map[string]any)
	var keys []string
	for k := range m {
		keys = append(keys, k)
	}
	return strings.Join(keys, " ")
}

func TestStorageSimulateErrors(t *testing.T) {
	pol := writeTemp(t, "policy.json", storagePolicy)
	badInv := writeTemp(t, "bad.csv", "Name,Creation-Time,Last-Modified,Content-Length,AccessTier\nc/a,2024-01-01T00:00:00Z,2024-01-01T00:00:00Z,-4,Hot\n")
	badPol := writeTemp(t, "bad.json", `{"rules": [{"name": "r", "type": "Lifecycle", "definition": {"filters": {"blobTypes": ["blockBlob"]}, "actions": {"baseBlob": {"tierToArchive": {"daysAfterModificationGreaterThan": 1}}}}}]}`)
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"negative size", []string{"--inventory", badInv, "--policy", pol}, "bad.csv: row 2: column Content-Length: negative size -4"},
		{"no source", []string{"--policy", pol}, "exactly one of --inventory and --container"},
		{"both sources", []string{"--inventory", badInv, "--container", "https://a.blob.core.windows.net/c", "--policy", pol}, "exactly one"},
		{"no policy", []string{"--inventory", badInv}, "--policy is required"},
		{"missing inventory", []string{"--inventory", filepath.Join(t.TempDir(), "nope.csv"), "--policy", pol}, "no such file"},
		{"archive on ZRS", []string{"--inventory", badInv, "--policy", badPol, "--sku", "Standard_ZRS"}, "tierToArchive is not supported with ZRS"},
		{"bad start", []string{"--inventory", badInv, "--policy", pol, "--start", "01/02/2026"}, "invalid --start"},
		{"bad days", []string{"--inventory", badInv, "--policy", pol, "--days", "0"}, "--days must be at least 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := runCLI(t, append([]string{"storage", "simulate"}, tt.args...)...)
			if code != ExitUsage || !strings.Contains(stderr, tt.want) {
				t.Errorf("exit %d, stderr %q; want %d and %q", code, stderr, ExitUsage, tt.want)
			}
		})
	}
}

func TestStorageValidate(t *testing.T) {
	good := writeTemp(t, "good.json", storagePolicy)
	if code, stdout, stderr := runCLI(t, "storage", "validate", good); code != 0 || !strings.Contains(stdout, "valid lifecycle policy with 1 rule") {
		t.Errorf("exit %d\n%s%s", code, stdout, stderr)
	}
	bad := writeTemp(t, "bad.json", "{\"rules\": [{\"name\": \"r\", \"type\": \"Lifecycle\",\n \"definition\": {\"filters\": {\"blobTypes\": [\"blockBlob\"], \"prefixMatch\": [\"/x\"]},\n \"actions\": {\"baseBlob\": {\"delete\": {\"daysAfterModificationGreaterThan\": 1}}}}}]}")
	code, _, stderr := runCLI(t, "storage", "validate", bad)
	if code != ExitUsage || !strings.Contains(stderr, "bad.json:2:73: rules[0].definition.filters.prefixMatch[0]") {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
	// Account-specific checks.
	if code, _, _ := runCLI(t, "storage", "validate", good, "--kind", "StorageV2", "--sku", "Standard_GZRS"); code != ExitUsage {
		t.Errorf("Archive on GZRS: exit %d, want %d", code, ExitUsage)
	}
}
