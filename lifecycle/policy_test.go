package lifecycle

import (
	"encoding/json"
	"errors"
	"os"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/aizone/aizone/internal/shared"
)

// officialExamples extracts the JSON blocks of section 5 of lifecycle.md,
// the example policies the documentation publishes.
func officialExamples(t *testing.T) []string {
	t.Helper()
	data, err := os.ReadFile(shared.Path(t, "reference", "lifecycle.md"))
	if err != nil {
		t.Fatal(err)
	}
	text := string(data)
	start := strings.Index(text, "## 5. Official example policies")
	end := strings.Index(text, "## 6.")
	if start < 0 || end < start {
		t.Fatal("lifecycle.md: section 5 (official example policies) not found")
	}
	blocks := regexp.MustCompile("(?s)```json\n(.*?)```").FindAllStringSubmatch(text[start:end], -1)
	var out []string
	for _, b := range blocks {
		out = append(out, b[1])
	}
	if len(out) < 7 {
		t.Fatalf("lifecycle.md: found %d example policies, want 7", len(out))
	}
	return out
}

// TestOfficialExamples: every published example loads, validates, and
// survives a round trip through the Go types without change of meaning
// (the re-encoded JSON equals the original as a JSON value).
func TestOfficialExamples(t *testing.T) {
	for i, src := range officialExamples(t) {
		var generic map[string]any
		if err := json.Unmarshal([]byte(src), &generic); err != nil {
			t.Fatalf("example %d is not JSON: %v", i, err)
		}
		if _, single := generic["definition"]; single {
			// One example is a rule on its own; wrap it as the policy it
			// belongs in.
			r, err := ParseRule([]byte(src))
			if err != nil {
				t.Fatalf("example %d: %v", i, err)
			}
			wrapped, _ := json.Marshal(Policy{Rules: []Rule{*r}})
			src = string(wrapped)
			generic = map[string]any{"rules": []any{generic}}
		}
		p, err := Load("example", []byte(src), &Account{Redundancy: "LRS"})
		if err != nil {
			t.Fatalf("example %d does not validate: %v", i, err)
		}
		out, err := json.Marshal(p)
		if err != nil {
			t.Fatal(err)
		}
		var back map[string]any
		if err := json.Unmarshal(out, &back); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(generic, back) {
			t.Errorf("example %d changed in the round trip:\n in: %s\nout: %s", i, src, out)
		}
		p2, err := Parse(out)
		if err != nil {
			t.Fatalf("example %d: re-encoded policy does not parse: %v", i, err)
		}
		if !reflect.DeepEqual(p, p2) {
			t.Errorf("example %d: second decode differs", i)
		}
	}
}

// TestInvalidPolicies: each documented rule, broken once, is reported with
// the JSON path of the problem (and the line of the offending value).
func TestInvalidPolicies(t *testing.T) {
	// rule builds a one-rule policy around a definition fragment.
	rule := func(def string) string {
		return `{"rules": [{"name": "r", "type": "Lifecycle", "definition": ` + def + `}]}`
	}
	base := func(actions string) string {
		return rule(`{"filters": {"blobTypes": ["blockBlob"]}, "actions": {"baseBlob": ` + actions + `}}`)
	}
	many := func(n int, item string) string {
		s := make([]string, n)
		for i := range s {
			s[i] = strings.ReplaceAll(item, "N", string(rune('a'+i%26))+strings.Repeat("x", i/26))
		}
		return strings.Join(s, ",")
	}
	tests := []struct {
		name, policy, path, msg string
		acct                    *Account
	}{
		{"not json", `{"rules": [`, "", "ends early", nil},
		{"trailing data", `{"rules": []} {}`, "", "unexpected data", nil},
		{"duplicate key", `{"rules": [], "rules": []}`, "", "duplicate key", nil},
		{"no rules", `{"rules": []}`, "rules", "at least one rule", nil},
		{"rules missing", `{}`, "rules", "missing required field", nil},
		{"unknown top field", `{"rules": [], "rule": 1}`, "rule", "unknown field", nil},
		{"too many rules", `{"rules": [` + many(101, `{"name": "N", "type": "Lifecycle", "definition": {"filters": {"blobTypes": ["blockBlob"]}, "actions": {"baseBlob": {"delete": {"daysAfterModificationGreaterThan": 1}}}}}`) + `]}`, "rules", "at most 100", nil},
		{"empty name", `{"rules": [{"name": "", "type": "Lifecycle", "definition": {"filters": {"blobTypes": ["blockBlob"]}, "actions": {"baseBlob": {"delete": {"daysAfterModificationGreaterThan": 1}}}}}]}`, "rules[0].name", "needs a name", nil},
		{"long name", `{"rules": [{"name": "` + strings.Repeat("a", 257) + `", "type": "Lifecycle", "definition": {"filters": {"blobTypes": ["blockBlob"]}, "actions": {"baseBlob": {"delete": {"daysAfterModificationGreaterThan": 1}}}}}]}`, "rules[0].name", "257 characters", nil},
		{"duplicate names", `{"rules": [` +
			`{"name": "same", "type": "Lifecycle", "definition": {"filters": {"blobTypes": ["blockBlob"]}, "actions": {"baseBlob": {"delete": {"daysAfterModificationGreaterThan": 1}}}}},` +
			`{"name": "same", "type": "Lifecycle", "definition": {"filters": {"blobTypes": ["blockBlob"]}, "actions": {"baseBlob": {"delete": {"daysAfterModificationGreaterThan": 1}}}}}]}`, "rules[1].name", "duplicate rule name", nil},
		{"wrong type", `{"rules": [{"name": "r", "type": "Inventory", "definition": {"filters": {"blobTypes": ["blockBlob"]}, "actions": {"baseBlob": {"delete": {"daysAfterModificationGreaterThan": 1}}}}}]}`, "rules[0].type", `"Inventory"`, nil},
		{"enabled not bool", `{"rules": [{"name": "r", "enabled": "yes", "type": "Lifecycle", "definition": {}}]}`, "rules[0].enabled", "expected true or false", nil},
		{"no filters", rule(`{"actions": {"baseBlob": {"delete": {"daysAfterModificationGreaterThan": 1}}}}`), "rules[0].definition.filters", "blobTypes are required", nil},
		{"no blob types", rule(`{"filters": {"blobTypes": []}, "actions": {"baseBlob": {"delete": {"daysAfterModificationGreaterThan": 1}}}}`), "rules[0].definition.filters.blobTypes", "at least one blob type", nil},
		{"bad blob type", rule(`{"filters": {"blobTypes": ["blockBlob", "BlockBlob"]}, "actions": {"baseBlob": {"delete": {"daysAfterModificationGreaterThan": 1}}}}`), "rules[0].definition.filters.blobTypes[1]", "unknown blob type", nil},
		{"page blob", rule(`{"filters": {"blobTypes": ["pageBlob"]}, "actions": {"baseBlob": {"delete": {"daysAfterModificationGreaterThan": 1}}}}`), "rules[0].definition.filters.blobTypes[0]", "page blobs are not supported", nil},
		{"append tiering", rule(`{"filters": {"blobTypes": ["appendBlob"]}, "actions": {"baseBlob": {"tierToCool": {"daysAfterModificationGreaterThan": 1}}}}`), "rules[0].definition.actions.baseBlob.tierToCool", "not supported with appendBlob", nil},
		{"too many prefixes", rule(`{"filters": {"blobTypes": ["blockBlob"], "prefixMatch": [` + many(11, `"cNN/"`) + `]}, "actions": {"baseBlob": {"delete": {"daysAfterModificationGreaterThan": 1}}}}`), "rules[0].definition.filters.prefixMatch", "at most 10", nil},
		{"empty prefix", rule(`{"filters": {"blobTypes": ["blockBlob"], "prefixMatch": ["ok/", ""]}, "actions": {"baseBlob": {"delete": {"daysAfterModificationGreaterThan": 1}}}}`), "rules[0].definition.filters.prefixMatch[1]", "empty prefix", nil},
		{"prefix slash", rule(`{"filters": {"blobTypes": ["blockBlob"], "prefixMatch": ["/data"]}, "actions": {"baseBlob": {"delete": {"daysAfterModificationGreaterThan": 1}}}}`), "rules[0].definition.filters.prefixMatch[0]", "starts with a slash", nil},
		{"prefix wildcard container", rule(`{"filters": {"blobTypes": ["blockBlob"], "prefixMatch": ["data*"]}, "actions": {"baseBlob": {"delete": {"daysAfterModificationGreaterThan": 1}}}}`), "rules[0].definition.filters.prefixMatch[0]", "does not start with a container name", nil},
		{"prefix upper case container", rule(`{"filters": {"blobTypes": ["blockBlob"], "prefixMatch": ["Data/x"]}, "actions": {"baseBlob": {"delete": {"daysAfterModificationGreaterThan": 1}}}}`), "rules[0].definition.filters.prefixMatch[0]", "does not start with a container name", nil},
		{"prefix short container", rule(`{"filters": {"blobTypes": ["blockBlob"], "prefixMatch": ["ab/x"]}, "actions": {"baseBlob": {"delete": {"daysAfterModificationGreaterThan": 1}}}}`), "rules[0].definition.filters.prefixMatch[0]", "not a valid name", nil},
		{"too many tags", rule(`{"filters": {"blobTypes": ["blockBlob"], "blobIndexMatch": [` + many(11, `{"name": "N", "op": "==", "value": "v"}`) + `]}, "actions": {"baseBlob": {"delete": {"daysAfterModificationGreaterThan": 1}}}}`), "rules[0].definition.filters.blobIndexMatch", "at most 10", nil},
		{"tag name empty", rule(`{"filters": {"blobTypes": ["blockBlob"], "blobIndexMatch": [{"name": "", "op": "==", "value": "v"}]}, "actions": {"baseBlob": {"delete": {"daysAfterModificationGreaterThan": 1}}}}`), "rules[0].definition.filters.blobIndexMatch[0].name", "tag name is empty", nil},
		{"tag name long", rule(`{"filters": {"blobTypes": ["blockBlob"], "blobIndexMatch": [{"name": "` + strings.Repeat("k", 129) + `", "op": "==", "value": "v"}]}, "actions": {"baseBlob": {"delete": {"daysAfterModificationGreaterThan": 1}}}}`), "rules[0].definition.filters.blobIndexMatch[0].name", "129 characters", nil},
		{"tag op", rule(`{"filters": {"blobTypes": ["blockBlob"], "blobIndexMatch": [{"name": "k", "op": "!=", "value": "v"}]}, "actions": {"baseBlob": {"delete": {"daysAfterModificationGreaterThan": 1}}}}`), "rules[0].definition.filters.blobIndexMatch[0].op", "not supported", nil},
		{"tag value long", rule(`{"filters": {"blobTypes": ["blockBlob"], "blobIndexMatch": [{"name": "k", "op": "==", "value": "` + strings.Repeat("v", 257) + `"}]}, "actions": {"baseBlob": {"delete": {"daysAfterModificationGreaterThan": 1}}}}`), "rules[0].definition.filters.blobIndexMatch[0].value", "257 characters", nil},
		{"tag missing op", rule(`{"filters": {"blobTypes": ["blockBlob"], "blobIndexMatch": [{"name": "k", "value": "v"}]}, "actions": {"baseBlob": {"delete": {"daysAfterModificationGreaterThan": 1}}}}`), "rules[0].definition.filters.blobIndexMatch[0].op", "missing required field", nil},
		{"no actions", rule(`{"filters": {"blobTypes": ["blockBlob"]}, "actions": {}}`), "rules[0].definition.actions", "at least one action", nil},
		{"empty base actions", base(`{}`), "rules[0].definition.actions.baseBlob", "no action", nil},
		{"no condition", base(`{"delete": {}}`), "rules[0].definition.actions.baseBlob.delete", "no run condition", nil},
		{"two clocks", base(`{"delete": {"daysAfterModificationGreaterThan": 1, "daysAfterCreationGreaterThan": 2}}`), "rules[0].definition.actions.baseBlob.delete", "mutually exclusive", nil},
		{"negative days", base(`{"delete": {"daysAfterModificationGreaterThan": -1}}`), "rules[0].definition.actions.baseBlob.delete.daysAfterModificationGreaterThan", "negative", nil},
		{"fractional days", base(`{"delete": {"daysAfterModificationGreaterThan": 1.5}}`), "rules[0].definition.actions.baseBlob.delete.daysAfterModificationGreaterThan", "not an integer", nil},
		{"string days", base(`{"delete": {"daysAfterModificationGreaterThan": "30"}}`), "rules[0].definition.actions.baseBlob.delete.daysAfterModificationGreaterThan", "expected a number", nil},
		{"misspelt condition", base(`{"delete": {"daysAfterModificationGreaterthan": 30}}`), "rules[0].definition.actions.baseBlob.delete.daysAfterModificationGreaterthan", "unknown field", nil},
		{"unknown action", base(`{"tierToWarm": {"daysAfterModificationGreaterThan": 30}}`), "rules[0].definition.actions.baseBlob.tierToWarm", "unknown field", nil},
		{"tier change not archive", base(`{"tierToCool": {"daysAfterModificationGreaterThan": 30, "daysAfterLastTierChangeGreaterThan": 7}}`), "rules[0].definition.actions.baseBlob.tierToCool.daysAfterLastTierChangeGreaterThan", "applies only to tierToArchive", nil},
		{"tier change without modification", base(`{"tierToArchive": {"daysAfterCreationGreaterThan": 30, "daysAfterLastTierChangeGreaterThan": 7}}`), "rules[0].definition.actions.baseBlob.tierToArchive.daysAfterLastTierChangeGreaterThan", "needs daysAfterModificationGreaterThan", nil},
		{"auto hot without access", base(`{"enableAutoTierToHotFromCool": true, "tierToCool": {"daysAfterModificationGreaterThan": 30}}`), "rules[0].definition.actions.baseBlob.enableAutoTierToHotFromCool", "last-access tierToCool", nil},
		{"auto hot on version", rule(`{"filters": {"blobTypes": ["blockBlob"]}, "actions": {"version": {"enableAutoTierToHotFromCool": true, "delete": {"daysAfterCreationGreaterThan": 1}}}}`), "rules[0].definition.actions.version.enableAutoTierToHotFromCool", "unknown field", nil},
		{"version without creation", rule(`{"filters": {"blobTypes": ["blockBlob"]}, "actions": {"version": {"delete": {"daysAfterModificationGreaterThan": 1}}}}`), "rules[0].definition.actions.version.delete", "daysAfterCreationGreaterThan is required", nil},
		{"snapshot last access", rule(`{"filters": {"blobTypes": ["blockBlob"]}, "actions": {"snapshot": {"delete": {"daysAfterCreationGreaterThan": 1, "daysAfterLastAccessTimeGreaterThan": 1}}}}`), "rules[0].definition.actions.snapshot.delete.daysAfterLastAccessTimeGreaterThan", "not allowed for snapshot", nil},
		{"tier to hot standard", base(`{"tierToHot": {"daysAfterModificationGreaterThan": 1}}`), "rules[0].definition.actions.baseBlob.tierToHot", "not supported in this account", &Account{}},
		{"premium tiering", base(`{"tierToCool": {"daysAfterModificationGreaterThan": 1}}`), "rules[0].definition.actions.baseBlob.tierToCool", "premium block blob", &Account{Premium: true}},
		{"zrs archive", base(`{"tierToArchive": {"daysAfterModificationGreaterThan": 1}}`), "rules[0].definition.actions.baseBlob.tierToArchive", "not supported with ZRS", &Account{Redundancy: "ZRS"}},
		{"wrapped policy path", `{"properties": {"policy": {"rules": [{"name": "r", "type": "Lifecycle", "definition": {"filters": {"blobTypes": ["blockBlob"]}, "actions": {"baseBlob": {"delete": {"daysAfterModificationGreaterThan": -3}}}}}]}}}`, "properties.policy.rules[0].definition.actions.baseBlob.delete.daysAfterModificationGreaterThan", "negative", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load("p.json", []byte(tt.policy), tt.acct)
			if err == nil {
				t.Fatalf("accepted; want an error at %q", tt.path)
			}
			var es Errors
			var e *Error
			switch {
			case errors.As(err, &es):
				e = es[0]
				for _, x := range es {
					if x.Path == tt.path {
						e = x
						break
					}
				}
			case errors.As(err, &e):
			default:
				t.Fatalf("error %T %v is not located", err, err)
			}
			if e.Path != tt.path || !strings.Contains(e.Error(), tt.msg) {
				t.Errorf("got %v\nwant path %q and message containing %q", err, tt.path, tt.msg)
			}
			if e.File != "p.json" || e.Line == 0 {
				t.Errorf("error has no file position: %v", e)
			}
		})
	}
}

// TestErrorPosition: the line and column point at the offending value.
func TestErrorPosition(t *testing.T) {
	src := "{\n  \"rules\": [\n    {\n      \"name\": \"r\",\n      \"type\": \"Lifecycle\",\n      \"definition\": {\n        \"filters\": {\"blobTypes\": [\"blockBlob\"]},\n        \"actions\": {\"baseBlob\": {\"delete\": {\"daysAfterModificationGreaterThan\": -1}}}\n      }\n    }\n  ]\n}\n"
	_, err := Load("p.json", []byte(src), nil)
	want := "p.json:8:81: rules[0].definition.actions.baseBlob.delete.daysAfterModificationGreaterThan: -1 is negative"
	if err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Errorf("got %v\nwant %s...", err, want)
	}
}

// TestGeneratedPoliciesValidate: the generator's output passes validation
// for the account the plan creates.
func TestGeneratedPoliciesValidate(t *testing.T) {
	items := []Item{
		{Name: "web-corpus", Prefix: "web-corpus/", HotDays: 30, RetainDays: 730, Archive: true},
		{Name: "checkpoints", Prefix: "checkpoints/", HotDays: 7, RetainDays: 90},
		{Name: "short", Prefix: "short/", HotDays: 3, RetainDays: 10, Archive: true},
		{Name: "logs", Prefix: "logs/", HotDays: 0, RetainDays: 365, Archive: true},
	}
	p := Generate(items)
	if errs := Validate(&p, &Account{Redundancy: "LRS"}); len(errs) > 0 {
		t.Fatal(errs)
	}
	data, _ := json.Marshal(p)
	if _, err := Load("generated", data, &Account{Redundancy: "LRS"}); err != nil {
		t.Fatal(err)
	}
}

func FuzzLoad(f *testing.F) {
	f.Add([]byte(`{"rules": [{"name": "r", "type": "Lifecycle", "definition": {"filters": {"blobTypes": ["blockBlob"], "prefixMatch": ["c/"]}, "actions": {"baseBlob": {"tierToCool": {"daysAfterModificationGreaterThan": 30}}}}}]}`))
	f.Add([]byte(`{"policy": {"rules": [{"name": "v", "type": "Lifecycle", "definition": {"filters": {"blobTypes": ["blockBlob"]}, "actions": {"version": {"delete": {"daysAfterCreationGreaterThan": 1}}}}}]}}`))
	f.Add([]byte(`{"rules": [{"name": "a", "definition": {"actions": {"baseBlob": {"enableAutoTierToHotFromCool": true}}}}]}`))
	f.Add([]byte(`[1, 2, {"a": null}]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := Load("fuzz.json", data, nil)
		if err != nil {
			if err.Error() == "" {
				t.Fatal("empty error message")
			}
			return
		}
		// A policy that loads must round-trip and load again.
		out, err := json.Marshal(p)
		if err != nil {
			t.Fatal(err)
		}
		p2, err := Load("again.json", out, nil)
		if err != nil {
			t.Fatalf("re-encoded policy rejected: %v\n%s", err, out)
		}
		if !reflect.DeepEqual(p, p2) {
			t.Fatalf("round trip changed the policy:\n%s", out)
		}
		// And evaluation never panics.
		e := NewEngine(p, Account{AccessTracking: true, AccessTrackingSince: 1})
		b := Blob{Name: "c/x", Created: 1e9, Modified: 1e9}
		e.Evaluate(&b, 2e9)
		e.Changes(&b, 1e9, nil)
	})
}
