package compliance

import (
	"bytes"
	"encoding/json"
	"io"
	"testing"
)

// TestAuditCountsMatchFindings: an audit that only counts (no Findings
// function: no findings built, no reasons written, counts kept by index)
// reports the same summary and counts as one that takes every finding,
// and those counts are the findings', at every worker count.
func TestAuditCountsMatchFindings(t *testing.T) {
	e := engineAt(t, "landingzones", "eastus")
	data := nearDuplicateEstate(t, 2000, 3)
	open := func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil }
	for _, workers := range []int{1, 2, 7} {
		var fs []Finding
		withF := AuditOptions{DefaultPath: []string{"alz", "landingzones"}, Workers: workers,
			Findings: func(f Finding) error { fs = append(fs, f); return nil }}
		full, err := Audit(t.Context(), e, open, withF)
		if err != nil {
			t.Fatal(err)
		}
		if len(fs) == 0 {
			t.Fatal("no findings: the estate tests nothing")
		}
		// The counts a reader of the findings would make.
		bySub, byAsg, byEffect := map[string]map[string]int{}, map[string]map[string]int{}, map[string]int{}
		for _, f := range fs {
			if bySub[f.Subscription] == nil {
				bySub[f.Subscription] = map[string]int{}
			}
			bySub[f.Subscription][f.Effect]++
			if byAsg[f.Assignment] == nil {
				byAsg[f.Assignment] = map[string]int{}
			}
			byAsg[f.Assignment][f.Effect]++
			byEffect[f.Effect]++
		}
		fromFindings := mustJSON(t, []any{len(fs), byEffect, bySub, byAsg})
		if got := mustJSON(t, []any{full.Summary.Findings, full.Summary.ByEffect, full.BySubscription, full.ByAssignment}); got != fromFindings {
			t.Errorf("%d workers: the report's counts\n%s\nthe findings'\n%s", workers, got, fromFindings)
		}
		countOpt := withF
		countOpt.Findings = nil
		counted, err := Audit(t.Context(), e, open, countOpt)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := mustJSON(t, counted), mustJSON(t, full); got != want {
			t.Errorf("%d workers: counting only, the report is\n%s\ntaking findings\n%s", workers, got, want)
		}
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
