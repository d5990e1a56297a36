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

	"github.com/aizone/aizone/policy"
)

// variedEstate is an export of n resources built from the resources the
// example zones deploy (every type aizone writes, with the properties
// the platform's policies read) and the generated kinds, each copy
// renamed, with keys in other cases, settings flipped and unrelated
// properties added, so that what the pruning keeps and drops varies.
func variedEstate(t *testing.T, n int, seed uint64) []byte {
	t.Helper()
	var base []map[string]any
	for _, ex := range []string{"large.yaml", "vmss-finetune.yaml", "small.yaml"} {
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
	rng := rand.New(rand.NewPCG(seed, 1))
	out := make([]any, 0, n)
	for i := range n {
		var r map[string]any
		b, _ := json.Marshal(base[i%len(base)])
		_ = json.Unmarshal(b, &r)
		for _, k := range []string{"id", "name"} {
			if s, ok := r[k].(string); ok {
				r[k] = s + fmt.Sprint(i)
			}
		}
		r["subscriptionId"] = fmt.Sprintf("00000000-0000-0000-0000-%012d", i%5)
		if id, ok := r["id"].(string); ok {
			r["id"] = strings.Replace(id, PlaceholderSubscription, r["subscriptionId"].(string), 1)
		}
		mutate(rng, r, 0)
		out = append(out, r)
	}
	data, err := json.Marshal(out)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// mutate changes a resource the way estates differ: keys in other cases,
// flipped switches and strings, unrelated properties.
func mutate(rng *rand.Rand, v any, depth int) {
	m, ok := v.(map[string]any)
	if !ok {
		if a, ok := v.([]any); ok {
			for _, el := range a {
				mutate(rng, el, depth+1)
			}
		}
		return
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	// Sorted, so that the same seed gives the same estate.
	slices.Sort(keys)
	for _, k := range keys {
		el := m[k]
		switch x := el.(type) {
		case bool:
			if rng.IntN(4) == 0 {
				m[k] = !x
			}
		case string:
			switch rng.IntN(8) {
			case 0:
				m[k] = strings.ToUpper(x)
			case 1:
				if x == "Enabled" {
					m[k] = "Disabled"
				} else if x == "Disabled" {
					m[k] = "Enabled"
				}
			}
		default:
			mutate(rng, el, depth+1)
		}
		if depth > 0 && k != "id" && k != "type" && k != "name" && rng.IntN(5) == 0 {
			delete(m, k)
			m[strings.ToUpper(k[:1])+k[1:]] = el
		}
	}
	if rng.IntN(3) == 0 {
		m[fmt.Sprintf("unread%d", rng.IntN(100))] = map[string]any{"a": []any{1.5, "x", nil, map[string]any{"b": true}}}
	}
}

// TestAuditPruningKeepsFindings: decoding only the properties the
// assignments read gives every finding, reason and count that decoding
// everything gives, over varied estates, at every worker count.
func TestAuditPruningKeepsFindings(t *testing.T) {
	e := engineAt(t, "landingzones", "eastus")
	if e.Reads().Root() == nil {
		t.Fatal("the ALZ assignments read everything: nothing is pruned, so this test tests nothing")
	}
	for _, seed := range []uint64{1, 2, 3} {
		data := variedEstate(t, 1500, seed)
		open := func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil }
		opt := AuditOptions{DefaultPath: []string{"alz", "landingzones"}}
		full := opt
		full.fullDecode = true
		want := digestAudit(t, e, open, full)
		if want.Findings == 0 {
			t.Fatal("no findings: the estate tests nothing")
		}
		for _, workers := range []int{1, 2, 7} {
			o := opt
			o.Workers = workers
			got := digestAudit(t, e, open, o)
			if !reflect.DeepEqual(got, want) {
				t.Errorf("seed %d, %d workers: pruned decoding gives %d findings %v (%s), full decoding %d %v (%s)",
					seed, workers, got.Findings, got.ByEffect, got.SHA256, want.Findings, want.ByEffect, want.SHA256)
			}
		}
	}
}

// TestAuditDeterministicWorkers: the same findings, in the same order,
// and the same report, whatever the number of workers.
func TestAuditDeterministicWorkers(t *testing.T) {
	e := engineAt(t, "corp", "eastus")
	var estate bytes.Buffer
	if err := genEstate(&estate, 3000); err != nil {
		t.Fatal(err)
	}
	open := openString(estate.String())
	var first []byte
	for _, workers := range []int{1, 2, 3, 8} {
		var lines bytes.Buffer
		rep, err := Audit(t.Context(), e, open, AuditOptions{Workers: workers, Findings: func(f Finding) error {
			b, _ := json.Marshal(f)
			lines.Write(b)
			lines.WriteByte('\n')
			return nil
		}})
		if err != nil {
			t.Fatal(err)
		}
		r, _ := json.Marshal(rep)
		lines.Write(r)
		if first == nil {
			first = lines.Bytes()
			continue
		}
		if !bytes.Equal(lines.Bytes(), first) {
			t.Errorf("%d workers: output differs from 1 worker's", workers)
		}
	}
}

// prunedMatches checks that pruned is full less what n does not read:
// every property n reads has the same value, every other one is absent.
func prunedMatches(full, pruned any, n *policy.ReadNode, path string) error {
	if n == nil || n.Whole() {
		if !reflect.DeepEqual(full, pruned) {
			return fmt.Errorf("%s: %v, want %v", path, pruned, full)
		}
		return nil
	}
	switch f := full.(type) {
	case map[string]any:
		p, ok := pruned.(map[string]any)
		if !ok {
			return fmt.Errorf("%s: %T, want an object", path, pruned)
		}
		for k, v := range f {
			kid := n.Child(k)
			pv, has := p[k]
			if kid == nil {
				if has {
					return fmt.Errorf("%s.%s kept, but nothing reads it", path, k)
				}
				continue
			}
			if !has {
				return fmt.Errorf("%s.%s dropped, but it is read", path, k)
			}
			if err := prunedMatches(v, pv, kid, path+"."+k); err != nil {
				return err
			}
		}
		if len(p) > len(f) {
			return fmt.Errorf("%s: more keys than the export", path)
		}
	case []any:
		p, ok := pruned.([]any)
		if !ok || len(p) != len(f) {
			return fmt.Errorf("%s: %v, want %d members", path, pruned, len(f))
		}
		for i := range f {
			if err := prunedMatches(f[i], p[i], n, fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
	default:
		if !reflect.DeepEqual(full, pruned) {
			return fmt.Errorf("%s: %v, want %v", path, pruned, full)
		}
	}
	return nil
}

// FuzzDecodePruned: for any resource, the pruning decoder gives what
// encoding/json gives with the unread properties left out (or, with no
// read set, exactly what it gives), and the same error when it fails.
func FuzzDecodePruned(f *testing.F) {
	e := engineAt(f, "landingzones", "eastus")
	root := e.Reads().Root()
	for _, s := range []string{
		`{"id": "x", "type": "Microsoft.Storage/storageAccounts", "properties": {"publicNetworkAccess": "Enabled", "unread": [1, 2, {"a": null}]}}`,
		`{"ID": "x", "Type": "t", "Properties": {"NetworkAcls": {"defaultAction": "Allow", "ipRules": [{"value": "1.2.3.4"}]}}, "sku": {"name": "Standard_LRS"}}`,
		`{"name": "caf\u00e9 \"q\" \ud83d\ude00", "tags": {"a.b": "1e3"}, "x": 1e400}`,
		`{"properties": {"k": -0.0e-10, "s": "\u212a", "\u212aey": true}}`,
		`{"a": "\xff"}`,
		`{"a": 1}trailing`,
		`[1, 2]`,
		`{}`,
		`{"properties": {"ipConfigurations": [{"properties": {"publicIPAddress": {"id": "p"}}}, 5, "s", null]}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		full, ferr := decodeResource(data, 0)
		for _, n := range []*policy.ReadNode{nil, root} {
			got, err := decodePruned(data, n, 0)
			if err != nil && (ferr == nil || err.Error() != ferr.Error()) {
				t.Fatalf("error %v, encoding/json's %v", err, ferr)
			}
			// Pruned, a resource is decoded only after the first pass
			// found it valid JSON, and the properties it skips are not
			// decoded at all (a number beyond float64 there is no error).
			if ferr != nil && n == nil && err == nil {
				t.Fatalf("decoded what encoding/json refuses (%v)", ferr)
			}
			if err != nil || ferr != nil {
				continue
			}
			if err := prunedMatches(full, got.Raw, n, ""); err != nil {
				t.Fatal(err)
			}
		}
	})
}

// FuzzSplitter: whatever the bytes, the splitter either hands out the
// elements encoding/json finds, byte for byte, or defers to the strict
// reader; it never accepts what is not one export.
func FuzzSplitter(f *testing.F) {
	for _, s := range []string{
		`[{"a": 1}, {"b": "]}"}, 3, "x", null, []]`,
		`{"count": 2, "data": [{"id": "a\"]"}, {"id": "b"}], "skip_token": null}`,
		`{"data": [], "data": []}`,
		`{"d\u0061ta": [{}]}`,
		"\ufeff[]",
		`[{"a": 1},]`,
		`[{"a": 1}`,
		`[] x`,
		`  [ ]  `,
		`{"data": [1 2]}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var got [][]byte
		s := &splitter{r: bytes.NewReader(data)}
		err := s.split(t.Context(), func(elem []byte, i int) error {
			if i != len(got) {
				t.Fatalf("element %d after %d", i, len(got))
			}
			got = append(got, elem)
			return nil
		})
		if err != nil {
			if err != errSlowPath {
				t.Fatalf("error %v", err)
			}
			return
		}
		for _, el := range got {
			if !json.Valid(el) {
				// The workers check elements; the outer structure must
				// still have been right.
				return
			}
		}
		if !json.Valid(data) {
			t.Fatalf("split %q, which is not one JSON value", data)
		}
		var want []json.RawMessage
		if json.Unmarshal(data, &want) != nil {
			var obj map[string]json.RawMessage
			if err := json.Unmarshal(data, &obj); err != nil || json.Unmarshal(obj["data"], &want) != nil {
				t.Fatalf("split %q, neither an array nor an object with data", data)
			}
		}
		if len(want) != len(got) {
			t.Fatalf("%d elements, encoding/json finds %d", len(got), len(want))
		}
		for i := range want {
			if !bytes.Equal(bytes.TrimSpace(want[i]), got[i]) {
				t.Fatalf("element %d %q, want %q", i, got[i], want[i])
			}
		}
	})
}
