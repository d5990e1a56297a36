package policy

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aizone/aizone/policy/expr"
)

// TestMalformedDefinitions checks that every kind of broken definition is
// reported with the file, the line and column, and the JSON path of the
// offending element, so that a user can go straight to it.
func TestMalformedDefinitions(t *testing.T) {
	for _, tc := range []struct {
		name string
		doc  string
		// want are substrings of the error: the position (of the key of
		// the offending member, or of the object that lacks one) and path.
		want []string
		is   error // an error the message must wrap, when there is one
	}{
		{
			name: "bad JSON: missing comma",
			doc: `{
  "properties": {
    "mode": "All",
    "policyRule": {
      "if": {"field": "type" "equals": "x"},
      "then": {"effect": "deny"}
    }
  }
}`,
			want: []string{":5:30: ", "properties.policyRule.if: invalid JSON"},
		},
		{
			name: "bad JSON: truncated",
			doc:  "{\n  \"properties\": {\n    \"policyRule\": {\n      \"if\": [",
			want: []string{":4:14: ", "properties.policyRule.if[0]: invalid JSON", "unexpected end"},
		},
		{
			name: "bad JSON: trailing data",
			doc:  "{\"policyRule\": {\"if\": {\"field\": \"type\", \"equals\": \"x\"}, \"then\": {\"effect\": \"deny\"}}}\n}",
			want: []string{":2:1: ", "data after the top-level value"},
		},
		{
			name: "unknown operator",
			doc: `{
  "properties": {
    "policyRule": {
      "if": {
        "allOf": [
          {"field": "type", "equals": "Microsoft.Storage/storageAccounts"},
          {"field": "location", "equalz": "westeurope"}
        ]
      },
      "then": {"effect": "audit"}
    }
  }
}`,
			want: []string{":7:33: ", "properties.policyRule.if.allOf[1].equalz: unknown operator \"equalz\""},
		},
		{
			name: "wrong function arity",
			doc: `{
  "policyRule": {
    "if": {"value": "[toLower(field('name'), 'x')]", "equals": "a"},
    "then": {"effect": "deny"}
  }
}`,
			want: []string{":3:12: ", "policyRule.if.value: ", "wrong number of arguments"},
			is:   expr.ErrArity,
		},
		{
			name: "unbalanced expression",
			doc: `{
  "properties": {
    "policyRule": {
      "if": {"field": "name", "like": "[concat(resourceGroup().name, '*']"},
      "then": {"effect": "deny"}
    }
  }
}`,
			want: []string{":4:31: ", "properties.policyRule.if.like: ", "missing ')'"},
		},
		{
			name: "unknown function",
			doc:  `{"policyRule": {"if": {"value": "[nosuch(1)]", "equals": 1}, "then": {"effect": "deny"}}}`,
			want: []string{":1:24: ", "policyRule.if.value: ", "unknown function"},
			is:   expr.ErrUnknownFunction,
		},
		{
			name: "unknown effect",
			doc:  `{"properties": {"policyRule": {"if": {"field": "type", "equals": "x"}, "then": {"effect": "block"}}}}`,
			want: []string{":1:81: ", "properties.policyRule.then.effect: unknown effect \"block\""},
		},
		{
			name: "missing then",
			doc:  "{\"properties\": {\n  \"policyRule\": {\"if\": {\"field\": \"type\", \"equals\": \"x\"}}}}",
			want: []string{":2:3: ", "properties.policyRule.then: missing"},
		},
		{
			name: "bad alias path",
			doc:  `{"policyRule": {"if": {"field": "Microsoft.Storage/storageAccounts/a..b", "equals": "x"}, "then": {"effect": "deny"}}}`,
			want: []string{":1:24: ", "policyRule.if.field: ", "empty segment"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			file := filepath.Join(t.TempDir(), "def.json")
			if err := os.WriteFile(file, []byte(tc.doc), 0o600); err != nil {
				t.Fatal(err)
			}
			d, err := LoadDefinition(file)
			if err == nil {
				_, err = Compile(d, nil)
			}
			if err == nil {
				t.Fatal("no error")
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, file+":") {
				t.Errorf("error does not start with the file name:\n%s", msg)
			}
			for _, w := range tc.want {
				if !strings.Contains(msg, w) {
					t.Errorf("error lacks %q:\n%s", w, msg)
				}
			}
			var pe *Error
			if !errors.As(err, &pe) || pe.File != file || pe.Line == 0 {
				t.Errorf("want a located *Error, got %#v", err)
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("error does not wrap %v: %s", tc.is, msg)
			}
		})
	}
}

// TestMalformedSetsAndAssignments covers the other document kinds.
func TestMalformedSetsAndAssignments(t *testing.T) {
	dir := t.TempDir()
	write := func(name, doc string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(doc), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	set := write("set.json", `{
  "properties": {
    "parameters": {"effect": {"type": "String", "defaultValue": "Audit"}},
    "policyDefinitions": [
      {"policyDefinitionId": "/providers/Microsoft.Authorization/policyDefinitions/a",
       "parameters": {"effect": {"value": "[parameters('effect']"}}}
    ]
  }
}`)
	s, err := LoadSetDefinition(set)
	if err == nil {
		err = s.Check()
	}
	if err == nil || !strings.Contains(err.Error(), set+":6:") || !strings.Contains(err.Error(), "properties.policyDefinitions[0].parameters.effect.value") {
		t.Errorf("set: %v", err)
	}
	asg := write("asg.json", "{\n  \"properties\": {\"policyDefinitionId\": \"x\", \"enforcementMode\": \"Sometimes\"}\n}")
	if _, err := LoadAssignment(asg); err == nil || !strings.Contains(err.Error(), asg+":2:") || !strings.Contains(err.Error(), "properties.enforcementMode") {
		t.Errorf("assignment: %v", err)
	}
}

// TestWalkJSONPaths checks the path and position bookkeeping that error
// messages rely on.
func TestWalkJSONPaths(t *testing.T) {
	doc := []byte("{\"a\": [1, {\"b\": true}], \"\": null,\n \"c\": {}}")
	var got []string
	if _, _, err := walkJSON(doc, func(p string, off int) bool {
		l, c := lineCol(doc, off)
		got = append(got, p+"@"+itoa(l)+":"+itoa(c))
		return true
	}); err != nil {
		t.Fatal(err)
	}
	want := "@1:1 a@1:2 a[0]@1:8 a[1]@1:11 a[1].b@1:12 ''@1:25 c@2:2"
	if strings.Join(got, " ") != want {
		t.Errorf("got  %s\nwant %s", strings.Join(got, " "), want)
	}
	for _, bad := range []string{"", "{", "[1,", `{"a" 1}`, `{"a": tru}`, "1 2", `{"a":1}}`} {
		if _, _, err := walkJSON([]byte(bad), func(string, int) bool { return true }); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

func itoa(i int) string {
	const digits = "0123456789"
	if i < 10 {
		return digits[i : i+1]
	}
	return itoa(i/10) + digits[i%10:i%10+1]
}
