// Package policytest holds what the policy conformance suites share: the
// expectations a case states about one evaluation, and the check of an
// outcome against them. It does not import policy, so that policy's own
// tests can use it.
package policytest

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// Expect is what a conformance case says of one evaluation; unset fields
// are not checked.
type Expect struct {
	Effect     *string  `yaml:"effect"`
	Compliant  *bool    `yaml:"compliant"`
	State      string   `yaml:"state"`
	Reasons    []string `yaml:"reasons"` // each must be part of some reason
	Operations []any    `yaml:"operations"`
	Error      string   `yaml:"error"` // part of the evaluation error
}

// Outcome is the part of an evaluation result a case can state.
type Outcome struct {
	State, Effect, Error string
	Compliant            bool
	Reasons              []string
	Operations           any
}

func (o Outcome) String() string {
	return fmt.Sprintf("result: state=%s effect=%q compliant=%v reasons=%q error=%q ops=%v", o.State, o.Effect, o.Compliant, o.Reasons, o.Error, o.Operations)
}

// Check reports every way got differs from e.
func Check(t testing.TB, got Outcome, e Expect) {
	t.Helper()
	if e.Effect != nil && got.Effect != *e.Effect {
		t.Errorf("effect %q, want %q\n%s", got.Effect, *e.Effect, got)
	}
	if e.Compliant != nil && got.Compliant != *e.Compliant {
		t.Errorf("compliant %v, want %v\n%s", got.Compliant, *e.Compliant, got)
	}
	if e.State != "" && got.State != e.State {
		t.Errorf("state %q, want %q\n%s", got.State, e.State, got)
	}
	for _, want := range e.Reasons {
		found := false
		for _, r := range got.Reasons {
			found = found || strings.Contains(r, want)
		}
		if !found {
			t.Errorf("no reason contains %q\n%s", want, got)
		}
	}
	if e.Error != "" && !strings.Contains(got.Error, e.Error) {
		t.Errorf("error %q, want it to contain %q", got.Error, e.Error)
	}
	if e.Operations != nil {
		want := JSONRoundTrip(t, e.Operations)
		ops := JSONRoundTrip(t, got.Operations)
		if ops == nil {
			ops = []any{}
		}
		if !reflect.DeepEqual(ops, want) {
			t.Errorf("operations %v, want %v", ops, want)
		}
	}
}

// JSONRoundTrip turns case data decoded from YAML into what a JSON decoder
// would have produced (float64 numbers, map[string]any objects), which is
// what the engine is given in production.
func JSONRoundTrip(t testing.TB, v any) any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("case data is not JSON-compatible: %v", err)
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}
