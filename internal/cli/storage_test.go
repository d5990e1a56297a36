package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
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
		{"size at the int64 limit", []string{"--inventory", writeTemp(t, "huge.csv", "Name,Creation-Time,Last-Modified,Content-Length,AccessTier\n"+
			"c/a,2024-01-01T00:00:00Z,2024-01-01T00:00:00Z,9223372036854775807,Hot\nc/b,2024-01-01T00:00:00Z,2024-01-01T00:00:00Z,9223372036854775807,Hot\n"), "--policy", pol},
			"huge.csv: row 2: column Content-Length: size 9223372036854775807 is larger than the largest blob Azure stores, 209715200000000 bytes"},
		{"bad days", []string{"--inventory", badInv, "--policy", pol, "--days", "0"}, `invalid argument "0" for "--days" flag: below the minimum; want 1 to 36,525`},
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

// TestStorageSecretsRedacted: no SAS signature, account key or other
// secret given to a storage command comes back in what it prints, whoever
// wrote the message: aizone, the Azure SDK (which quotes the request URL
// whole on a transport error), the service's error body, or cobra.
func TestStorageSecretsRedacted(t *testing.T) {
	pol := writeTemp(t, "policy.json", storagePolicy)
	const sas = "sv=2021-08-06&se=2030-01-01T00%3A00%3A00Z&sr=c&sp=rl&sig=SIGSECRET%2Bv4lu3%3D"
	// A server that refuses the SAS and, as some proxies and emulators do,
	// quotes the request in its error body.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("x-ms-error-code", "AuthenticationFailed")
		w.WriteHeader(http.StatusForbidden)
		fmt.Fprintf(w, "<?xml version=\"1.0\" encoding=\"utf-8\"?><Error><Code>AuthenticationFailed</Code><Message>Server failed to authenticate the request %s</Message></Error>", r.URL.String())
	}))
	t.Cleanup(srv.Close) // after the parallel subtests, unlike a defer
	// A port nothing listens on: the SDK's transport error quotes the URL.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := l.Addr().String()
	l.Close()
	connStr := "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=KEYSECRETabcdefghijklmno;BlobEndpoint=" + srv.URL + "/devstoreaccount1;"
	tests := []struct {
		name  string
		args  []string
		quiet bool // nothing secret would be quoted anyway
	}{
		{"service error body", []string{"storage", "simulate", "--container", srv.URL + "/devstoreaccount1/c?" + sas, "--policy", pol}, false},
		{"transport error", []string{"storage", "simulate", "--container", "http://" + closed + "/devstoreaccount1/c?" + sas, "--policy", pol}, false},
		{"connection string as the container", []string{"storage", "simulate", "--container", connStr, "--policy", pol}, false},
		{"connection string, service error", []string{"storage", "simulate", "--container", "c", "--connection-string", connStr, "--policy", pol}, true},
		{"positional argument", []string{"storage", "simulate", "https://a.blob.core.windows.net/c?" + sas, "--policy", pol}, false},
		{"unknown subcommand", []string{"storage", "https://a.blob.core.windows.net/c?" + sas}, false},
		{"flag value", []string{"storage", "simulate", "--days", "https://a.blob.core.windows.net/c?" + sas}, false},
		{"policy path", []string{"storage", "simulate", "--inventory", pol, "--policy", "https://a.blob.core.windows.net/c/p.json?" + sas}, false},
		{"validate path", []string{"storage", "validate", "https://a.blob.core.windows.net/c/p.json?" + sas}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel() // the transport error waits out the SDK's retries
			code, stdout, stderr := runCLI(t, tt.args...)
			if code == 0 {
				t.Fatalf("exit 0:\n%s", stdout)
			}
			for _, secret := range []string{"SIGSECRET", "KEYSECRET"} {
				if strings.Contains(stdout+stderr, secret) {
					t.Errorf("exit %d, the output holds %s:\n%s%s", code, secret, stdout, stderr)
				}
			}
			if !tt.quiet && !strings.Contains(stderr, "REDACTED") {
				t.Errorf("exit %d; want the secret shown as REDACTED:\n%s", code, stderr)
			}
		})
	}
}

// TestStorageFlagBounds: every numeric flag of the storage commands is
// bounded; a value outside (or beyond int64) is exit 2 at once, with the
// flag, the bound and the reason, never a panic or a huge allocation.
func TestStorageFlagBounds(t *testing.T) {
	dir := t.TempDir()
	inv := filepath.Join(dir, "inv.csv")
	if code, _, stderr := runCLI(t, "storage", "inventory-gen", "--blobs", "50", "--out", inv); code != 0 {
		t.Fatal(stderr)
	}
	pol := writeTemp(t, "policy.json", storagePolicy)
	prices := writeTemp(t, "prices.yaml", "blob_tiers:\n- {name: hot, usd_per_gb_month: 0.02}\n- {name: cool, usd_per_gb_month: 0.01, minimum_days: 30}\n"+
		"- {name: cold, usd_per_gb_month: 0.004, minimum_days: 90}\n- {name: archive, usd_per_gb_month: 0.001, minimum_days: 99999}\n")
	sim := []string{"storage", "simulate", "--inventory", inv, "--policy", pol, "--start", "2026-01-01"}
	gen := []string{"storage", "inventory-gen", "--out", filepath.Join(dir, "gen.csv")}
	tests := []struct {
		name string
		args []string
		want []string
	}{
		{"days beyond int64", append(sim, "--days", "99999999999999999999"), []string{`"--days"`, "above the maximum of 36,525", "a hundred years"}},
		{"days 9999999999999", append(sim, "--days", "9999999999999"), []string{`"--days"`, "above the maximum of 36,525", "memory"}},
		{"days 2^31", append(sim, "--days", "2147483648"), []string{`"--days"`, "above the maximum of 36,525"}},
		{"days ten million", append(sim, "--days", "10000000"), []string{`"--days"`, "above the maximum of 36,525"}},
		{"days negative", append(sim, "--days", "-1"), []string{`"--days"`, "below the minimum; want 1 to 36,525"}},
		{"days not a number", append(sim, "--days", "1e3"), []string{`"--days"`, "not a whole number; want 1 to 36,525"}},
		{"workers negative", append(sim, "--workers", "-1"), []string{`"--workers"`, "want 0 to 64"}},
		{"workers huge", append(sim, "--workers", "100000"), []string{`"--workers"`, "above the maximum of 64", "one reader feeds the workers"}},
		{"batch rows negative", append(sim, "--batch-rows", "-1"), []string{`"--batch-rows"`, "want 0 to 65,536"}},
		{"batch rows huge", append(sim, "--batch-rows", "1000000000"), []string{`"--batch-rows"`, "above the maximum of 65,536", "in memory"}},
		{"price list minimum days", append(sim, "--prices", prices), []string{"minimum_days is 99999; want 0 to 3650", "180 days"}},
		{"blobs zero", append(gen, "--blobs", "0"), []string{`"--blobs"`, "want 1 to 1,000,000,000"}},
		{"blobs negative", append(gen, "--blobs", "-5"), []string{`"--blobs"`, "want 1 to 1,000,000,000"}},
		{"blobs too many", append(gen, "--blobs", "1000000001"), []string{`"--blobs"`, "above the maximum of 1,000,000,000", "140 GB"}},
		{"blobs beyond int64", append(gen, "--blobs", "99999999999999999999"), []string{`"--blobs"`, "above the maximum"}},
		{"blobs missing", gen, []string{"--blobs is required"}},
		{"as-of too early", append(gen, "--blobs", "5", "--as-of", "1970-01-02"), []string{"--as-of 1970-01-02 is before 2000-01-01"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := runCLI(t, tt.args...)
			if code != ExitUsage {
				t.Errorf("exit %d, want %d: %s", code, ExitUsage, stderr)
			}
			for _, w := range tt.want {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr %q does not say %q", stderr, w)
				}
			}
		})
	}
	// The bounds themselves are accepted.
	for _, args := range [][]string{append(sim, "--days", "36525", "--workers", "1", "--batch-rows", "65536"),
		append(sim, "--days", "1", "--workers", "64", "--batch-rows", "1"), append(sim, "--days", "1", "--workers", "0", "--batch-rows", "0")} {
		if code, _, stderr := runCLI(t, args...); code != 0 {
			t.Errorf("%v: exit %d: %s", args[len(args)-6:], code, stderr)
		}
	}
}

// FuzzIntFlag: any text given to a bounded flag is either a number within
// the bounds or an error naming them; never a panic.
func FuzzIntFlag(f *testing.F) {
	for _, s := range []string{"365", "0", "-1", "36525", "36526", "9999999999999", "2147483648", "99999999999999999999", "-99999999999999999999", "0x10", "1_000", "", " 5", "1e3"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v := 7
		fl := &intFlag{v: &v, min: 1, max: 36525, why: "test"}
		if err := fl.Set(s); err != nil {
			if v != 7 || !strings.Contains(err.Error(), "36,525") {
				t.Fatalf("Set(%q): %v, value %d", s, err, v)
			}
			return
		}
		if v < 1 || v > 36525 {
			t.Fatalf("Set(%q) accepted %d", s, v)
		}
	})
}

// TestStorageRefusesFIFO: a FIFO (or anything but a regular file) where
// a storage command reads or writes a file is refused at once, instead of
// blocking until something opens the other end.
func TestStorageRefusesFIFO(t *testing.T) {
	if _, err := exec.LookPath("mkfifo"); err != nil {
		t.Skip("no mkfifo")
	}
	dir := t.TempDir()
	fifo := func(name string) string {
		p := filepath.Join(dir, name)
		if out, err := exec.Command("mkfifo", p).CombinedOutput(); err != nil {
			t.Fatalf("mkfifo: %v %s", err, out)
		}
		// Should the command block on it after all, open the other end
		// when the test ends so that it can finish.
		t.Cleanup(func() {
			if f, err := os.OpenFile(p, os.O_RDWR, 0); err == nil {
				f.Close()
			}
		})
		return p
	}
	pol := writeTemp(t, "policy.json", storagePolicy)
	inv := filepath.Join(dir, "inv.csv")
	if code, _, stderr := runCLI(t, "storage", "inventory-gen", "--blobs", "20", "--out", inv); code != 0 {
		t.Fatal(stderr)
	}
	reportDir := filepath.Join(dir, "report")
	os.Mkdir(reportDir, 0o755)
	os.WriteFile(filepath.Join(reportDir, "a.csv"), []byte("Name,Creation-Time,Last-Modified,Content-Length,AccessTier\n"), 0o644)
	os.Rename(fifo("b.csv"), filepath.Join(reportDir, "b.csv"))
	tests := []struct {
		name string
		args []string
	}{
		{"inventory", []string{"storage", "simulate", "--inventory", fifo("inv-fifo.csv"), "--policy", pol}},
		{"inventory without an extension", []string{"storage", "simulate", "--inventory", fifo("inv-fifo"), "--policy", pol}},
		{"report directory", []string{"storage", "simulate", "--inventory", reportDir, "--policy", pol}},
		{"policy", []string{"storage", "simulate", "--inventory", inv, "--policy", fifo("policy-fifo.json")}},
		{"prices", []string{"storage", "simulate", "--inventory", inv, "--policy", pol, "--prices", fifo("prices-fifo.yaml")}},
		{"validate", []string{"storage", "validate", fifo("validate-fifo.json")}},
		{"inventory-gen output", []string{"storage", "inventory-gen", "--blobs", "5", "--out", fifo("out-fifo.csv")}},
		{"inventory-gen output directory", []string{"storage", "inventory-gen", "--blobs", "5", "--out", dir}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			type result struct {
				code   int
				stderr string
			}
			done := make(chan result, 1)
			go func() {
				code, _, stderr := runCLI(t, tt.args...)
				done <- result{code, stderr}
			}()
			select {
			case r := <-done:
				if r.code != ExitUsage || !strings.Contains(r.stderr, "not a regular file") {
					t.Errorf("exit %d, stderr %q; want %d and \"not a regular file\"", r.code, r.stderr, ExitUsage)
				}
			case <-time.After(10 * time.Second):
				t.Errorf("still blocked after 10 s")
			}
		})
	}
}

// TestStorageSimulateBatchRows: the answer does not depend on how the
// inventory is cut into batches or how many workers read it.
func TestStorageSimulateBatchRows(t *testing.T) {
	dir := t.TempDir()
	pol := writeTemp(t, "policy.json", `{"rules": [{"name": "p", "type": "Lifecycle", "definition": {"filters": {"blobTypes": ["blockBlob"],
		"prefixMatch": ["datasets/corpus-000/shard-00000", "logs/node-0000", "models/"]},
		"actions": {"baseBlob": {"tierToCool": {"daysAfterModificationGreaterThan": 30}, "delete": {"daysAfterModificationGreaterThan": 400}}}}}]}`)
	for _, file := range []string{"inv.csv", "inv.parquet"} {
		inv := filepath.Join(dir, file)
		if code, _, stderr := runCLI(t, "storage", "inventory-gen", "--blobs", "6000", "--out", inv); code != 0 {
			t.Fatal(stderr)
		}
		var first string
		for _, opt := range [][]string{{"--workers", "1", "--batch-rows", "65536"}, {"--workers", "3", "--batch-rows", "1"},
			{"--workers", "2", "--batch-rows", "13"}, {"--workers", "4", "--batch-rows", "500"}, {"--workers", "2"}} {
			args := append([]string{"storage", "simulate", "--inventory", inv, "--policy", pol, "--start", "2026-01-01", "--days", "500", "--format", "json"}, opt...)
			code, stdout, stderr := runCLI(t, args...)
			if code != 0 {
				t.Fatalf("%v: exit %d: %s", opt, code, stderr)
			}
			if first == "" {
				first = stdout
			} else if stdout != first {
				t.Errorf("%s %v: a different answer from one worker and one batch", file, opt)
			}
		}
	}
}

// TestStorageAccountFlags: an account kind or SKU Azure does not offer is
// bad input (issue 12 item 19), named with the choices.
func TestStorageAccountFlags(t *testing.T) {
	policy := filepath.Join(t.TempDir(), "policy.json")
	if err := os.WriteFile(policy, []byte(`{"rules":[{"enabled":true,"name":"r","type":"Lifecycle","definition":{"filters":{"blobTypes":["blockBlob"]},"actions":{"baseBlob":{"delete":{"daysAfterModificationGreaterThan":30}}}}}]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"storage", "validate", policy, "--kind", "nonsense"}, ExitUsage, `--kind "nonsense"`},
		{[]string{"storage", "validate", policy, "--sku", "Standard_LRZ"}, ExitUsage, "did you mean Standard_LRS"},
		{[]string{"storage", "validate", policy, "--kind", "StorageV2", "--sku", "standard_zrs"}, ExitOK, ""},
		{[]string{"storage", "simulate", "--inventory", policy, "--policy", policy, "--sku", "nonsense"}, ExitUsage, `--sku "nonsense"`},
	} {
		code, _, errOut := runCLI(t, tc.args...)
		if code != tc.code || !strings.Contains(errOut, tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want %d and %q", tc.args, code, errOut, tc.code, tc.want)
		}
	}
}
