package compliance

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// nearDuplicateEstate is an export of n resources that are copies of the
// example zones' resources and the generated kinds, each renamed and
// placed in one of a few subscriptions and resource groups, with one or
// two of its settings (or its location or tags) changed among a few
// values: resources agree on most of what the rules read and differ in
// what some rules read and others do not, the case a memo must get right.
func nearDuplicateEstate(t *testing.T, n int, seed uint64) []byte {
	t.Helper()
	var base []map[string]any
	for _, ex := range []string{"large.yaml", "small.yaml"} {
		_, rs := zoneResources(t, ex)
		for _, r := range FromTemplate(rs, "") {
			base = append(base, r.Raw)
		}
	}
	var gen bytes.Buffer
	if err := genEstate(&gen, 8); err != nil {
		t.Fatal(err)
	}
	var kinds []map[string]any
	if err := json.Unmarshal(gen.Bytes(), &kinds); err != nil {
		t.Fatal(err)
	}
	base = append(base, kinds...)
	rng := rand.New(rand.NewPCG(seed, 7))
	out := make([]any, 0, n)
	for i := range n {
		var r map[string]any
		b, _ := json.Marshal(base[rng.IntN(len(base))])
		_ = json.Unmarshal(b, &r)
		sub := fmt.Sprintf("00000000-0000-0000-0000-%012d", rng.IntN(3))
		rg := fmt.Sprintf("rg-%d", rng.IntN(3))
		if id, ok := r["id"].(string); ok {
			id = strings.Replace(id, PlaceholderSubscription, sub, 1)
			if j := strings.Index(id, "/resourceGroups/"); j >= 0 {
				rest := id[j+len("/resourceGroups/"):]
				if k := strings.IndexByte(rest, '/'); k >= 0 {
					id = id[:j] + "/resourceGroups/" + rg + rest[k:]
				}
			}
			r["id"] = fmt.Sprintf("%s-%d", id, i)
		}
		if s, ok := r["name"].(string); ok {
			r["name"] = fmt.Sprintf("%s-%d", s, i)
		}
		r["subscriptionId"] = sub
		for range rng.IntN(3) {
			vary(rng, r)
		}
		out = append(out, r)
	}
	data, err := json.Marshal(out)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// vary changes one setting of a resource to one of a few values: a leaf
// anywhere below properties, the location, or the tags.
func vary(rng *rand.Rand, r map[string]any) {
	switch rng.IntN(6) {
	case 0:
		r["location"] = []string{"eastus", "westeurope", "East US", "global"}[rng.IntN(4)]
		return
	case 1:
		r["tags"] = []any{nil, map[string]any{}, map[string]any{"env": "prod"}, map[string]any{"Env": "dev", "owner": "ai"}}[rng.IntN(4)]
		return
	}
	var leaves []func(any)
	var collect func(v any, set func(any))
	collect = func(v any, set func(any)) {
		switch x := v.(type) {
		case map[string]any:
			keys := make([]string, 0, len(x))
			for k := range x {
				keys = append(keys, k)
			}
			slices.Sort(keys) // the same seed, the same estate
			for _, k := range keys {
				collect(x[k], func(nv any) { x[k] = nv })
			}
		case []any:
			for i := range x {
				collect(x[i], func(nv any) { x[i] = nv })
			}
		default:
			if set != nil {
				leaves = append(leaves, func(any) {
					switch y := v.(type) {
					case bool:
						set(!y)
					case string:
						set([]string{"Enabled", "Disabled", strings.ToUpper(y), "", y + "x"}[rng.IntN(5)])
					case float64:
						set(y + float64(rng.IntN(2)))
					default:
						set("Enabled")
					}
				})
			}
		}
	}
	collect(r["properties"], nil)
	if len(leaves) > 0 {
		leaves[rng.IntN(len(leaves))](nil)
	}
}

// TestAuditMemoKeepsFindings: with the workers' memos the audit gives
// every finding, reason and count it gives evaluating every rule for
// every resource, over estates of near duplicates, at every worker
// count, with findings taken one by one and only counted, with and
// without the memo of whole resources.
func TestAuditMemoKeepsFindings(t *testing.T) {
	e := engineAt(t, "landingzones", "eastus")
	for _, seed := range []uint64{1, 2} {
		data := nearDuplicateEstate(t, 3000, seed)
		open := func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil }
		opt := AuditOptions{DefaultPath: []string{"alz", "landingzones"}}
		plain := opt
		plain.noMemo = true
		want := digestAudit(t, e, open, plain)
		if want.Findings == 0 {
			t.Fatal("no findings: the estate tests nothing")
		}
		wantCounts := countsOnly(t, e, open, plain)
		for _, workers := range []int{1, 2, 7} {
			for _, memo := range []string{"rules", "whole", "bytes"} {
				whole := memo != "rules"
				o := opt
				o.Workers, o.noWhole, o.noRaw = workers, !whole, memo != "bytes"
				if got := digestAudit(t, e, open, o); !reflect.DeepEqual(got, want) {
					t.Errorf("seed %d, %d workers, %s memo: with memos %d findings %v (%s), without %d %v (%s)",
						seed, workers, memo, got.Findings, got.ByEffect, got.SHA256, want.Findings, want.ByEffect, want.SHA256)
				}
				rep, counts := auditCounts(t, e, open, o)
				if counts != wantCounts {
					t.Errorf("seed %d, %d workers, %s memo: counting only, with memos the report is\n%s\nwithout\n%s", seed, workers, memo, counts, wantCounts)
				}
				if rep.memoHits == 0 || rep.memoMisses == 0 {
					t.Errorf("seed %d, %d workers: %d decisions shared, %d evaluated: the memo is not exercised", seed, workers, rep.memoHits, rep.memoMisses)
				}
				if whole != (rep.resourceHits > 0 && rep.resourceMisses > 0) {
					t.Errorf("seed %d, %d workers, whole-resource memo %v: %d resources shared, %d evaluated", seed, workers, whole, rep.resourceHits, rep.resourceMisses)
				}
				if (memo == "bytes") != (rep.rawHits > 0 && rep.rawMisses > 0) {
					t.Errorf("seed %d, %d workers, %s memo: %d resources found by their bytes, %d not", seed, workers, memo, rep.rawHits, rep.rawMisses)
				}
			}
		}
	}
}

// countsOnly is the report of an audit that only counts findings.
func countsOnly(t *testing.T, e *Engine, open Opener, opt AuditOptions) string {
	_, s := auditCounts(t, e, open, opt)
	return s
}

func auditCounts(t *testing.T, e *Engine, open Opener, opt AuditOptions) (*AuditReport, string) {
	t.Helper()
	rep, err := Audit(t.Context(), e, open, opt)
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	return rep, string(b)
}

// TestAuditMemoWithRelated: *IfNotExists rules whose lookups find nothing
// are shared between resources that read alike, and must not be once a
// resource of the related type is known. Here a third of the storage
// accounts have an approved private endpoint connection (what "Storage
// accounts should use private link" looks for) and a sixth a rejected
// one; the findings with the memos must be those without.
func TestAuditMemoWithRelated(t *testing.T) {
	e := engineAt(t, "landingzones", "eastus")
	// Alike but for their names, in one resource group, so that the
	// memos share what they can.
	var estate []map[string]any
	for n := range 3000 {
		id := fmt.Sprintf("/subscriptions/%s/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/st%d", PlaceholderSubscription, n)
		estate = append(estate, map[string]any{
			"id": id, "name": fmt.Sprintf("st%d", n), "type": "Microsoft.Storage/storageAccounts",
			"location": "eastus", "kind": "StorageV2", "sku": map[string]any{"name": "Standard_LRS"},
			"properties": map[string]any{"publicNetworkAccess": "Disabled", "minimumTlsVersion": "TLS1_2"},
		})
		status := ""
		switch n % 6 {
		case 0, 2:
			status = "Approved"
		case 4:
			status = "Rejected"
		default:
			continue
		}
		estate = append(estate, map[string]any{
			"id":   id + "/privateEndpointConnections/pe",
			"name": fmt.Sprintf("st%d/pe", n),
			"type": "Microsoft.Storage/storageAccounts/privateEndpointConnections",
			"properties": map[string]any{
				"privateLinkServiceConnectionState": map[string]any{"status": status},
			},
		})
	}
	want, _ := memoAgrees(t, e, exportOf(t, estate), AuditOptions{DefaultPath: []string{"alz", "landingzones"}}, true)
	if want.Related == 0 {
		t.Fatal("no related resource held: the estate tests nothing")
	}
}

// exportOf is an export of the resources in estate.
func exportOf(t *testing.T, estate any) Opener {
	t.Helper()
	data, err := json.Marshal(estate)
	if err != nil {
		t.Fatal(err)
	}
	return func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil }
}

// memoAgrees audits open with the memos at 1 and 2 workers and fails the
// test unless the counts (and, with findings, every finding with its
// reasons) are those without any memo. It returns the digest without
// memos and the reports with them.
func memoAgrees(t *testing.T, e *Engine, open Opener, opt AuditOptions, findings bool) (auditDigest, []*AuditReport) {
	t.Helper()
	plain := opt
	plain.noMemo = true
	var want auditDigest
	if findings {
		want = digestAudit(t, e, open, plain)
	}
	wantCounts := countsOnly(t, e, open, plain)
	var reps []*AuditReport
	for _, workers := range []int{1, 2} {
		o := opt
		o.Workers = workers
		if got := digestAudit(t, e, open, o); findings && !reflect.DeepEqual(got, want) {
			t.Errorf("%d workers: with memos %d findings %v (%s), without %d %v (%s)", workers, got.Findings, got.ByEffect, got.SHA256, want.Findings, want.ByEffect, want.SHA256)
		}
		rep, counts := auditCounts(t, e, open, o)
		if counts != wantCounts {
			t.Errorf("%d workers, counting only: with memos\n%s\nwithout\n%s", workers, counts, wantCounts)
		}
		reps = append(reps, rep)
	}
	return want, reps
}

// TestAuditMemoVaried: over an estate that repeats itself little (unique
// tags, random settings, 200 subscriptions), the memos give every finding
// evaluating each rule would; the generator gives the same bytes twice.
func TestAuditMemoVaried(t *testing.T) {
	var a, b bytes.Buffer
	if err := GenerateVariedEstate(&a, 4000); err != nil {
		t.Fatal(err)
	}
	if err := GenerateVariedEstate(&b, 4000); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Fatal("the varied estate differs from one run to the next")
	}
	data := a.Bytes()
	open := func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil }
	want, reps := memoAgrees(t, engineAt(t, "landingzones", "eastus"), open, AuditOptions{}, true)
	if want.Resources != 4200 || want.Findings == 0 {
		t.Fatalf("%d resources, %d findings: the estate tests little", want.Resources, want.Findings)
	}
	for k, rep := range reps {
		if rep.rawHits == 0 || rep.rawMisses == 0 {
			t.Errorf("%d workers: %d found by bytes, %d not: the memo of bytes is not exercised", k+1, rep.rawHits, rep.rawMisses)
		}
	}
}
