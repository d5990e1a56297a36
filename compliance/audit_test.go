package compliance

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func openString(s string) Opener {
	return func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader(s)), nil }
}

// TestAuditStrictExport: an export that is not exactly one JSON array of
// resources, or one object with one "data" array, is refused with where
// it goes wrong; nothing is audited from half a file.
func TestAuditStrictExport(t *testing.T) {
	e := engineAt(t, "corp", "eastus")
	nic := `{"id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/networkInterfaces/n", "type": "Microsoft.Network/networkInterfaces", "name": "n"}`
	cases := []struct {
		name, body string
		want       []string
	}{
		{"truncated object export", `{"data":[`, []string{"ends before", "byte 9", "1:10"}},
		{"truncated after an element", `{"data":[` + nic, []string{"ends before", "truncated"}},
		{"truncated inside an element", "[\n" + nic[:40], []string{"byte 42", "2:41"}},
		{"truncated array", `[` + nic + `,`, []string{"ends before"}},
		{"object not closed", `{"data":[]`, []string{"ends before"}},
		{"trailing garbage", `[` + nic + `] xyz`, []string{"after the export", "byte"}},
		{"second value", "{\"data\":[]}\n{\"data\":[]}", []string{"after the export", "2:1"}},
		{"duplicate data", `{"data":[` + nic + `], "count": 1, "data": []}`, []string{`duplicate key "data"`}},
		{"duplicate data before", `{"data":[], "data":[` + nic + `]}`, []string{`duplicate key "data"`}},
		{"duplicate key in a resource", "[\n" + nic + ",\n" + `{"id": "x", "type": "t", "properties": {"a": 1, "a": 2}}]`, []string{`duplicate key "a"`, "resource 1", "3:49"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Audit(context.Background(), e, openString(tc.body), AuditOptions{})
			if err == nil {
				t.Fatal("bad export accepted")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
	// What stays valid: keys around "data", whitespace after the export.
	for _, body := range []string{
		`{"count": 1, "data": [` + nic + `], "skip_token": null, "total_records": 1}` + "\n\n",
		"[" + nic + "]  \r\n",
		`{"data": []}`,
	} {
		rep, err := Audit(context.Background(), e, openString(body), AuditOptions{})
		if err != nil {
			t.Errorf("%s: %v", body, err)
		} else if n := strings.Count(body, `"id"`); rep.Summary.Resources != n {
			t.Errorf("%s: %d resources, want %d", body, rep.Summary.Resources, n)
		}
	}
}

// TestAuditDuplicateIDs: Resource Graph returns each resource once (ids
// are unique, and compared without regard to case, as ARM compares
// them); a repeated id, as overlapping pages concatenated give, is
// evaluated once, at its first occurrence, and reported.
func TestAuditDuplicateIDs(t *testing.T) {
	e := engineAt(t, "corp", "eastus")
	var estate bytes.Buffer
	if err := genEstate(&estate, 40); err != nil {
		t.Fatal(err)
	}
	once := estate.String()
	var elems []json.RawMessage
	if err := json.Unmarshal(estate.Bytes(), &elems); err != nil {
		t.Fatal(err)
	}
	// vm6 three times more, once with its id in upper case; st0 once more.
	vm6 := string(elems[6])
	upper := strings.Replace(vm6, "/subscriptions/", "/SUBSCRIPTIONS/", 1)
	twice := once[:len(once)-1] + "," + upper + "," + string(elems[0]) + "," + vm6 + "," + vm6 + "]"
	run := func(body string) (*AuditReport, []Finding) {
		var got []Finding
		rep, err := Audit(context.Background(), e, openString(body), AuditOptions{Findings: func(f Finding) error { got = append(got, f); return nil }})
		if err != nil {
			t.Fatal(err)
		}
		return rep, got
	}
	want, wantF := run(once)
	rep, gotF := run(twice)
	if rep.Summary.Resources != want.Summary.Resources || rep.Summary.Findings != want.Summary.Findings || len(gotF) != len(wantF) {
		t.Errorf("with repeats: %d resources, %d findings; without: %d, %d", rep.Summary.Resources, rep.Summary.Findings, want.Summary.Resources, want.Summary.Findings)
	}
	if fmt.Sprint(rep.BySubscription) != fmt.Sprint(want.BySubscription) {
		t.Errorf("by subscription %v, want %v", rep.BySubscription, want.BySubscription)
	}
	if rep.Duplicates != 4 || len(rep.DuplicateIDs) != 2 || !strings.HasSuffix(rep.DuplicateIDs[0], "/vm6") || !strings.HasSuffix(rep.DuplicateIDs[1], "/st0") {
		t.Errorf("duplicates %d %v, want 4 repeats of 2 ids, vm6 then st0", rep.Duplicates, rep.DuplicateIDs)
	}
	if want.Duplicates != 0 || want.DuplicateIDs != nil {
		t.Errorf("an export without repeats reports %d %v", want.Duplicates, want.DuplicateIDs)
	}
}

// TestAuditFileErrorPosition: errors in a file export give the line and
// column as well as the byte.
func TestAuditFileErrorPosition(t *testing.T) {
	e := engineAt(t, "corp", "eastus")
	path := filepath.Join(t.TempDir(), "estate.json")
	if err := os.WriteFile(path, []byte("{\"data\": [\n  {\"id\": \"a\", \"type\": \"t\"},\n  {\"id\": \"b\", \"type\": \"t\",}\n]}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := Audit(context.Background(), e, FileOpener(path), AuditOptions{})
	if err == nil || !strings.Contains(err.Error(), "3:27") || !strings.Contains(err.Error(), "resource 1") {
		t.Errorf("error %v, want it at 3:27 in resource 1", err)
	}
}

// FuzzAuditExport feeds Audit arbitrary exports, starting from the shapes
// of issue 12. Whatever the bytes, Audit does not panic; it accepts only
// exactly one valid JSON value of the two shapes (json.Valid is the
// oracle), reports an *ExportError within the input, and counts every
// element once: as a resource or as a repeat of an earlier id.
func FuzzAuditExport(f *testing.F) {
	e := engineAt(f, "corp", "eastus")
	var estate bytes.Buffer
	if err := genEstate(&estate, 6); err != nil {
		f.Fatal(err)
	}
	nic := `{"id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/networkInterfaces/n", "type": "Microsoft.Network/networkInterfaces", "name": "n"}`
	for _, s := range []string{
		estate.String(),
		`{"count": 1, "data": [` + nic + `], "skip_token": null}`,
		`{"data":[`,
		`[` + nic + `] xyz`,
		`{"data":[]}{"data":[]}`,
		`{"data":[` + nic + `], "data": []}`,
		`[` + nic + `,` + nic + `]`,
		`[` + strings.ToUpper(nic) + `,` + nic + `]`,
		`[{"id": "x", "type": "t", "properties": {"a": 1, "A": 2}}]`,
		`[{"i\u0064": "x", "id": "y"}]`,
		`[{"id": 1}, 5]`,
		`[[], "x", null]`,
		"\ufeff[]",
		`[]`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		open := func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil }
		rep, err := Audit(context.Background(), e, open, AuditOptions{})
		if err != nil {
			var ee *ExportError
			if errors.As(err, &ee) && (ee.Offset < 0 || ee.Offset > int64(len(data)) || ee.Line < 1 || ee.Col < 1) {
				t.Fatalf("error outside the input of %d bytes: %+v", len(data), ee)
			}
			return
		}
		if !json.Valid(data) {
			t.Fatalf("accepted an export that is not one JSON value: %q", data)
		}
		var elems []json.RawMessage
		if json.Unmarshal(data, &elems) != nil {
			var obj struct{ Data []json.RawMessage }
			if err := json.Unmarshal(data, &obj); err != nil {
				t.Fatalf("accepted neither an array nor an object with data: %q", data)
			}
			elems = obj.Data
		}
		if rep.Summary.Resources+rep.Duplicates != len(elems) {
			t.Fatalf("%d resources and %d repeats of %d elements", rep.Summary.Resources, rep.Duplicates, len(elems))
		}
	})
}
