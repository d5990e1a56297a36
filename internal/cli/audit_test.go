package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aizone/aizone/compliance"
)

const auditSub = "11111111-2222-3333-4444-555555555555"

// auditNIC is an exported NIC with a public IP, which corp denies.
func auditNIC(name string) string {
	return `{"id": "/subscriptions/` + auditSub + `/resourceGroups/rg/providers/Microsoft.Network/networkInterfaces/` + name + `", "name": "` + name + `", "type": "microsoft.network/networkinterfaces", "location": "eastus", "subscriptionId": "` + auditSub + `",
	  "properties": {"ipConfigurations": [{"name": "c", "properties": {"publicIPAddress": {"id": "/subscriptions/` + auditSub + `/resourceGroups/rg/providers/Microsoft.Network/publicIPAddresses/pip"}}}]}}`
}

func writeExport(t *testing.T, body string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "estate.json")
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func runAudit(t *testing.T, path string, extra ...string) (int, string, string) {
	t.Helper()
	args := append([]string{"audit", "--resources", path, "--management-group", "corp"}, governanceArgs(t)...)
	return runCLI(t, append(args, extra...)...)
}

// TestAuditBadExport: an export cut short, followed by more, or with a
// repeated key is bad input (exit 2), located as file:line:col with the
// byte, and nothing is written on stdout.
func TestAuditBadExport(t *testing.T) {
	tests := []struct {
		name, body string
		pos, msg   string
	}{
		{"truncated", `{"data":[`, "1:10", "the export ends before the list of resources is closed"},
		{"truncated in a resource", "{\"data\": [\n" + auditNIC("a")[:60], "2:61", "resource 0: the export ends inside this resource (truncated?)"},
		{"trailing garbage", "[" + auditNIC("a") + "]\ngarbage", "3:1", "more after the export"},
		{"duplicate data", "{\"data\": [" + auditNIC("a") + "],\n \"data\": []}", "3:8", `duplicate key "data"`},
		{"duplicate key in a resource", `[{"id": "x", "type": "t", "id": "y"}]`, "1:27", `resource 0: duplicate key "id"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeExport(t, tt.body)
			for _, format := range []string{"text", "json"} {
				code, out, errOut := runAudit(t, path, "--format", format)
				if code != ExitUsage || out != "" || strings.Count(errOut, "\n") != 1 {
					t.Fatalf("%s: exit %d, stdout %q, stderr %q; want exit 2, nothing on stdout, one line", format, code, out, errOut)
				}
				if want := path + ":" + tt.pos + ": " + tt.msg; !strings.Contains(errOut, want) || !strings.Contains(errOut, "(byte ") {
					t.Errorf("%s: stderr %q lacks %q and the byte", format, errOut, want)
				}
			}
		})
	}
}

// TestAuditRepeatedIDs: a resource exported twice is audited once, and a
// warning says so.
func TestAuditRepeatedIDs(t *testing.T) {
	path := writeExport(t, "["+auditNIC("a")+",\n"+auditNIC("b")+",\n"+auditNIC("a")+"]")
	code, out, errOut := runAudit(t, path, "--format", "json")
	if code != ExitFindings {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var rep struct {
		Findings []map[string]any
		Report   struct {
			Summary      struct{ Resources int }
			ByAssignment map[string]map[string]int
			Duplicates   int
			DuplicateIDs []string `json:"duplicateIds"`
		}
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Report.Summary.Resources != 2 || rep.Report.ByAssignment["Deny-Public-IP-On-NIC"]["deny"] != 2 || rep.Report.Duplicates != 1 ||
		len(rep.Report.DuplicateIDs) != 1 || !strings.HasSuffix(rep.Report.DuplicateIDs[0], "/a") {
		t.Errorf("report %+v", rep.Report)
	}
	if !strings.Contains(errOut, "warning: 1 resource repeats an id") || !strings.Contains(errOut, "Resource Graph") || !strings.Contains(errOut, "networkInterfaces/a") {
		t.Errorf("stderr %q lacks the warning", errOut)
	}
}

// TestAuditFindingsJSON: a finding names its definition by id; the
// definition's display name is written once, in the report, not in each
// of millions of findings.
func TestAuditFindingsJSON(t *testing.T) {
	path := writeExport(t, "["+auditNIC("a")+", "+auditNIC("b")+"]")
	code, out, errOut := runAudit(t, path, "--format", "json")
	if code != ExitFindings {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var rep struct {
		Findings []map[string]any
		Report   struct {
			Definitions map[string]struct{ DefinitionID, Definition, Scope string }
		}
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	if len(rep.Findings) == 0 {
		t.Fatal("no findings")
	}
	for _, f := range rep.Findings {
		key, _ := f["assignment"].(string)
		if ref, _ := f["referenceId"].(string); ref != "" {
			key += "/" + ref
		}
		d := rep.Report.Definitions[key]
		if d.DefinitionID == "" || d.Definition == "" || d.Scope == "" {
			t.Fatalf("finding %v: its policy and scope should be in report.definitions[%q]", f, key)
		}
		// What every finding of the assignment shares is written once.
		for _, repeated := range []string{"definition", "definitionId", "scope", "subscription"} {
			if _, ok := f[repeated]; ok {
				t.Errorf("finding repeats %s: %v", repeated, f)
			}
		}
		for _, r := range f["reasons"].([]any) {
			if s := r.(string); strings.HasPrefix(s, "type is '") || strings.HasPrefix(s, "enforcement mode ") {
				t.Errorf("finding repeats what its fields say: %q", s)
			}
		}
	}
}

// TestAuditSpecialFile: --resources must be a regular file; a FIFO is
// refused at once instead of blocking.
func TestAuditSpecialFile(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no FIFOs")
	}
	fifo := filepath.Join(t.TempDir(), "estate.json")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	done := make(chan int, 1)
	var errOut string
	go func() {
		var code int
		code, _, errOut = runAudit(t, fifo)
		done <- code
	}()
	select {
	case code := <-done:
		if code != ExitUsage || !strings.Contains(errOut, "not a regular file") {
			t.Errorf("exit %d: %s", code, errOut)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("audit of a FIFO still blocked after 20 s")
	}
}

// TestAuditStatusLine: the progress line says resources read per second
// and the time left to read while the first pass runs, then resources
// evaluated per second and the time left.
func TestAuditStatusLine(t *testing.T) {
	var p compliance.Progress
	p.Size.Store(1000)
	a := &auditStatus{p: &p}
	steps := []struct {
		set     func()
		elapsed time.Duration
		want    string
	}{
		{func() { p.Read.Store(5000); p.Bytes.Store(250) }, 2 * time.Second,
			"audit: reading, 5,000 resources (2,500/s), 25% of the file, about 7 s left"},
		{func() { p.Read.Store(20000); p.Total.Store(20000) }, 8 * time.Second,
			"audit: 20,000 resources read, 0 of 20,000 evaluated (0/s)"},
		{func() { p.Evaluated.Store(5000) }, 10 * time.Second,
			"audit: 20,000 resources read, 5,000 of 20,000 evaluated (2,500/s), about 7 s left"},
		{func() { p.Evaluated.Store(5100) }, 10*time.Second + 5*time.Minute,
			"audit: 20,000 resources read, 5,100 of 20,000 evaluated (16/s), about 15 min left"},
	}
	for _, st := range steps {
		st.set()
		if got := a.line(st.elapsed); got != st.want {
			t.Errorf("at %v: %q, want %q", st.elapsed, got, st.want)
		}
	}
}

// fakeTerminal is a writer that says it is a terminal.
type fakeTerminal struct{ bytes.Buffer }

func (*fakeTerminal) Terminal() bool { return true }

// TestStatusLineTerminal: on a terminal the line is redrawn in place on
// every tick and cleared at the end; anywhere else nothing is written.
func TestStatusLineTerminal(t *testing.T) {
	var term fakeTerminal
	ticks := make(chan time.Time)
	n := 0
	stop := statusTicks(&term, ticks, func(time.Duration) string { n++; return fmt.Sprintf("step %d", n) })
	ticks <- time.Now()
	ticks <- time.Now()
	stop()
	if want := "\r\033[K| step 1\r\033[K/ step 2\r\033[K"; term.String() != want {
		t.Errorf("terminal got %q, want %q", term.String(), want)
	}
	var piped bytes.Buffer
	statusLine(&piped, func(time.Duration) string { return "x" })()
	if piped.Len() != 0 {
		t.Errorf("piped output got %q", piped.String())
	}
}

// TestAuditNoProgressWhenPiped: with stderr not a terminal, audit writes
// no status line there.
func TestAuditNoProgressWhenPiped(t *testing.T) {
	path := writeExport(t, "["+auditNIC("a")+"]")
	_, _, errOut := runAudit(t, path)
	if strings.Contains(errOut, "\r") || strings.Contains(errOut, "audit:") {
		t.Errorf("stderr %q has a status line", errOut)
	}
}
