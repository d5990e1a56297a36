package compliance

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/aizone/aizone/policy"
)

// checkShape holds a resource's key of bytes to what it stands for: the
// JSON text of what decodePruned decodes, less the top-level id and name,
// which with the type it keeps aside as they are. Equal keys then mean
// equal decoded resources but for id and name, which RawNeeds adds when
// rules read them. It reports whether the scanner took the resource.
func checkShape(t *testing.T, data []byte, root *policy.ReadNode) bool {
	t.Helper()
	var ks keyScanner
	if _, err := ks.scan(data); err != nil {
		return false // the first pass sends it to the strict reader
	}
	var s shapeScanner
	if !s.scan(data, root) {
		return false
	}
	res, err := decodePruned(data, root, 0)
	if err != nil {
		t.Fatalf("the scanner took what decodePruned refuses (%v): %s", err, data)
	}
	var got map[string]any
	if err := json.Unmarshal(s.key, &got); err != nil {
		t.Fatalf("key %s is not JSON: %v", s.key, err)
	}
	want := map[string]any{}
	for k, v := range res.Raw {
		if !strings.EqualFold(k, "id") && !strings.EqualFold(k, "name") {
			want[k] = v
		}
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("key %s decodes to\n%v\nthe resource to\n%v", s.key, got, want)
	}
	if string(s.id) != res.ID() || string(s.typ) != res.Type() {
		t.Fatalf("id %q type %q, the resource's %q %q", s.id, s.typ, res.ID(), res.Type())
	}
	var name string
	for k, v := range res.Raw {
		if strings.EqualFold(k, "name") {
			name, _ = v.(string)
		}
	}
	if utf8.Valid(s.name) && string(s.name) != name {
		t.Fatalf("name %q, the resource's %q", s.name, name)
	}
	return true
}

var shapeSeeds = []string{
	`{"id":"/subscriptions/s/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/st0","name":"st0","type":"Microsoft.Storage/storageAccounts","location":"eastus","kind":"StorageV2","sku":{"name":"Standard_LRS"},"tags":{"env":"prod"},"properties":{"publicNetworkAccess":"Enabled","minimumTlsVersion":"TLS1_2","supportsHttpsTrafficOnly":true,"unread":[1,{"x":1e400}]}}`,
	` { "ID" : "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/networkInterfaces/n" , "Type":"Microsoft.Network/networkInterfaces", "properties": {"ipConfigurations": [ {"name":"c","properties":{"privateIPAddress":"10.0.0.4","x":null}}, 5, "s", [] ]}, "tags": {} } `,
	`{"id":"/x","type":"t","properties":{"a":"caf\u00e9 \"q\"","n":-0.5e-3}}`,
	`{"id":"/x","type":"t","location":1e400}`,
	`{"id":"/x","type":"t","unread":1e400}`,
	`{"id":"/x","type":"t","properties":{"k\u0065y":1}}`,
	`{"id":"/\u0078","type":"t"}`,
	`{"type":"t","name":"n"}`,
	`{"id":"/x","type":5}`,
}

func TestShapeScanner(t *testing.T) {
	root := engineAt(t, "landingzones", "eastus").Reads().Root()
	took := 0
	for _, s := range shapeSeeds {
		for _, r := range []*policy.ReadNode{nil, root} {
			if checkShape(t, []byte(s), r) {
				took++
			}
		}
	}
	if took < 4 {
		t.Errorf("the scanner took %d of the resources: it tests little", took)
	}
	// What it gives up on, each for its reason: numbers decoding
	// refuses, read or not; an escaped key or id; no id; a type that is
	// not a string.
	for _, s := range shapeSeeds[3:] {
		var sc shapeScanner
		if sc.scan([]byte(s), root) {
			t.Errorf("took %s", s)
		}
	}
}

func FuzzShapeScanner(f *testing.F) {
	root := engineAt(f, "landingzones", "eastus").Reads().Root()
	for _, s := range shapeSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkShape(t, data, root)
		checkShape(t, data, nil)
		// Whatever the bytes (an export that changed after the first
		// pass), the scanner ends.
		var s shapeScanner
		s.scan(data, root)
	})
}
