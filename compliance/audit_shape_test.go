package compliance

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/aizone/aizone/alz"
	"github.com/aizone/aizone/policy"
)

// checkShape holds a resource's key of bytes to what it stands for: the
// JSON text of what decodePruned decodes with the group's read set, less
// the top-level id and name, which with the type it keeps aside as they
// are. Equal keys then mean equal values of everything the group reads,
// but for id and name, which RawNeeds adds when rules read them. global
// is the read set of every assignment, group one within it. It reports
// whether the scanner took the resource.
func checkShape(t *testing.T, data []byte, global, group *policy.ReadNode) bool {
	t.Helper()
	var ks keyScanner
	if _, err := ks.scan(data); err != nil {
		return false // the first pass sends it to the strict reader
	}
	var s shapeScanner
	if !s.head(data) {
		return false
	}
	key, ok := s.keyFor(global, policy.RawNeeds{On: true, Reads: group})
	if !ok {
		return false
	}
	res, err := decodePruned(data, global, 0)
	if err != nil {
		t.Fatalf("the scanner took what decodePruned refuses (%v): %s", err, data)
	}
	sub, err := decodePruned(data, group, 0)
	if err != nil {
		t.Fatalf("decodePruned refuses with the group's reads what it takes with all (%v): %s", err, data)
	}
	var got map[string]any
	if err := json.Unmarshal(key, &got); err != nil {
		t.Fatalf("key %s is not JSON: %v", key, err)
	}
	want := map[string]any{}
	var name string
	for k, v := range sub.Raw {
		switch {
		case strings.EqualFold(k, "id"):
		case strings.EqualFold(k, "name"):
			name, _ = v.(string)
		default:
			want[k] = v
		}
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("key %s decodes to\n%v\nthe resource to\n%v", key, got, want)
	}
	if string(s.id) != res.ID() || string(s.typ) != res.Type() {
		t.Fatalf("id %q type %q, the resource's %q %q", s.id, s.typ, res.ID(), res.Type())
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
	global := engineAt(t, "landingzones", "eastus").Reads().Root()
	group := smallEngine(t, map[string]string{
		"pna": `{"if": {"allOf": [{"field": "type", "equals": "Microsoft.Storage/storageAccounts"}, {"field": "Microsoft.Storage/storageAccounts/publicNetworkAccess", "equals": "Enabled"}]}, "then": {"effect": "audit"}}`,
	}).Reads().Root()
	took := 0
	for _, s := range shapeSeeds {
		for _, sets := range [][2]*policy.ReadNode{{nil, nil}, {global, global}, {nil, group}, {global, group}} {
			if checkShape(t, []byte(s), sets[0], sets[1]) {
				took++
			}
		}
	}
	if took < 8 {
		t.Errorf("the scanner took %d of the resources: it tests little", took)
	}
	// What it gives up on, each for its reason: numbers decoding
	// refuses, read or not; an escaped key or id; no id; a type that is
	// not a string.
	for _, s := range shapeSeeds[3:] {
		var sc shapeScanner
		if sc.head([]byte(s)) {
			if _, ok := sc.keyFor(global, policy.RawNeeds{On: true, Reads: global}); ok {
				t.Errorf("took %s", s)
			}
		}
	}
}

func FuzzShapeScanner(f *testing.F) {
	global := engineAt(f, "landingzones", "eastus").Reads().Root()
	for _, s := range shapeSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkShape(t, data, global, global)
		checkShape(t, data, nil, global)
		checkShape(t, data, nil, nil)
		// Whatever the bytes (an export that changed after the first
		// pass), the scanner ends.
		var s shapeScanner
		if s.head(data) {
			s.keyFor(global, policy.RawNeeds{On: true, Reads: global})
		}
	})
}

// smallEngine is an engine of the given rules (name: policyRule), each
// assigned at the management group mg.
func smallEngine(tb testing.TB, rules map[string]string) *Engine {
	tb.Helper()
	src := &Source{Extra: map[string]*policy.Definition{}}
	var effs []alz.Effective
	names := make([]string, 0, len(rules))
	for name := range rules {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		id := "/providers/Microsoft.Management/managementGroups/mg/providers/Microsoft.Authorization/policyDefinitions/" + name
		d, err := policy.ParseDefinition([]byte(`{"name": "` + name + `", "properties": {"displayName": "` + name + `", "policyRule": ` + rules[name] + `}}`))
		if err != nil {
			tb.Fatal(err)
		}
		src.Extra[strings.ToLower(id)] = d
		effs = append(effs, alz.Effective{Name: name, ManagementGroup: "mg", ID: alz.MGScope("mg") + "/providers/Microsoft.Authorization/policyAssignments/" + name,
			Scope: alz.MGScope("mg"), DefinitionID: id, EnforcementMode: "Default"})
	}
	e := New(src, effs)
	if len(e.Problems()) > 0 {
		tb.Fatalf("problems: %v", e.Problems())
	}
	return e
}
