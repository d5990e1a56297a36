package expr

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Context supplies what an expression can ask of the world. Values are the
// shapes encoding/json produces: nil, bool, float64, string, []any and
// map[string]any.
type Context interface {
	// Parameter returns the value of a policy parameter.
	Parameter(name string) (any, error)
	// Field returns the value of a field or alias of the resource being
	// evaluated (an array for aliases with [*]).
	Field(name string) (any, error)
	// Current returns the current member of a count; name is the count's
	// alias or value name, or "" for the innermost count.
	Current(name string) (any, error)
	// Ambient returns the value of a context function without arguments:
	// "resourcegroup", "subscription", "requestcontext", "policy",
	// "deployment", "tenant", "environment".
	Ambient(name string) (any, error)
	// Now is the evaluation time, for utcNow.
	Now() time.Time
}

// EvalError is an error raised while evaluating an expression.
type EvalError struct {
	Expr string
	Err  error
}

func (e *EvalError) Error() string { return fmt.Sprintf("evaluating %s: %v", e.Expr, e.Err) }
func (e *EvalError) Unwrap() error { return e.Err }

// Eval evaluates n in c.
func Eval(n Node, c Context) (v any, err error) {
	v, err = eval(n, c)
	if err != nil {
		var ee *EvalError
		if !errors.As(err, &ee) {
			err = &EvalError{Expr: "[" + n.String() + "]", Err: err}
		}
	}
	return v, err
}

func eval(n Node, c Context) (any, error) {
	switch x := n.(type) {
	case *Lit:
		return x.V, nil
	case *Call:
		f := x.fn
		if f == nil {
			return nil, fmt.Errorf("%w %q", ErrUnknownFunction, x.Name)
		}
		if len(x.Args) < f.min || (f.max >= 0 && len(x.Args) > f.max) {
			return nil, fmt.Errorf("%s: %w: got %d, want %s", x.Name, ErrArity, len(x.Args), f.arity())
		}
		if f.lazy != nil {
			// if(), coalesce() and the logical functions return one of
			// their arguments, which the functions that made it checked.
			return f.lazy(c, x.Args)
		}
		args := make([]any, len(x.Args))
		for i, a := range x.Args {
			v, err := eval(a, c)
			if err != nil {
				return nil, err
			}
			args[i] = v
		}
		v, err := f.eval(c, args)
		if err != nil {
			return nil, err
		}
		// Checking what every function returns also checks what every
		// function is given: an argument is a literal, a function's result
		// or a part of one. The context functions' own small objects are
		// not walked: that would cost more than it could find.
		if !f.small {
			if err := checkResult(x.Name, v); err != nil {
				return nil, err
			}
		}
		return v, nil
	case *Prop:
		v, err := eval(x.X, c)
		if err != nil {
			return nil, err
		}
		return property(v, x.Name)
	case *Index:
		v, err := eval(x.X, c)
		if err != nil {
			return nil, err
		}
		i, err := eval(x.I, c)
		if err != nil {
			return nil, err
		}
		if s, ok := i.(string); ok {
			return property(v, s)
		}
		f, ok := i.(float64)
		if !ok {
			return nil, fmt.Errorf("index must be a number or a string, got %s", TypeName(i))
		}
		arr, ok := v.([]any)
		if !ok {
			return nil, fmt.Errorf("cannot index %s with a number", TypeName(v))
		}
		k := int(f)
		if k < 0 || k >= len(arr) {
			return nil, fmt.Errorf("index %d out of range (length %d)", k, len(arr))
		}
		return arr[k], nil
	}
	return nil, fmt.Errorf("unknown node %T", n)
}

// property reads a property for the . and [] accessors. A key missing from
// an object reads as null: policies rely on it, e.g. the built-in that
// inherits a tag from the resource group compares
// resourceGroup().tags[parameters('tagName')] with "" to detect a group
// without the tag. Reading a property of anything but an object fails.
func property(v any, name string) (any, error) {
	if _, ok := v.(map[string]any); ok {
		if x, err := member(v, name); err == nil {
			return x, nil
		}
		return nil, nil
	}
	return member(v, name)
}

// member looks up a property case-insensitively, as ARM does.
func member(v any, name string) (any, error) {
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("cannot read property %q of %s", name, TypeName(v))
	}
	if x, ok := m[name]; ok {
		return x, nil
	}
	for k, x := range m {
		if strings.EqualFold(k, name) {
			return x, nil
		}
	}
	return nil, fmt.Errorf("property %q does not exist", name)
}

// TypeName names a value's type the way ARM messages do.
func TypeName(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "Boolean"
	case float64:
		return "Integer"
	case string:
		return "String"
	case []any:
		return "Array"
	case map[string]any:
		return "Object"
	}
	return fmt.Sprintf("%T", v)
}

// ToString converts a value to its string form as the string() function
// does: scalars print plainly, arrays and objects as compact JSON.
func ToString(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case bool:
		if x {
			return "True"
		}
		return "False"
	case float64:
		return FormatNumber(x)
	default:
		b, err := json.Marshal(x)
		if err != nil {
			return fmt.Sprint(x)
		}
		return string(b)
	}
}

// FormatNumber prints integral numbers without a decimal point.
func FormatNumber(f float64) string {
	if f == math.Trunc(f) && math.Abs(f) < 1e15 {
		return strconv.FormatInt(int64(f), 10)
	}
	return strconv.FormatFloat(f, 'g', -1, 64)
}

// Equal is deep equality as the equals() function sees it: strings are
// compared ordinally, numbers numerically, objects by keys case-insensitively.
func Equal(a, b any) bool {
	switch x := a.(type) {
	case nil:
		return b == nil
	case string:
		y, ok := b.(string)
		return ok && x == y
	case float64:
		y, ok := b.(float64)
		return ok && x == y
	case bool:
		y, ok := b.(bool)
		return ok && x == y
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !Equal(x[i], y[i]) {
				return false
			}
		}
		return true
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k, xv := range x {
			yv, err := member(y, k)
			if err != nil || !Equal(xv, yv) {
				return false
			}
		}
		return true
	}
	return false
}

// SortedKeys returns an object's keys in a stable order, so that anything
// built by iterating an object is deterministic.
func SortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
