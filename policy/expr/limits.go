package expr

import (
	"errors"
	"fmt"
	"unicode/utf8"
)

// Azure Policy documents the limits its expression engine enforces
// ("Policy rule limits" in the policy rule structure reference). Those on
// an expression's text are enforced when a definition is created or
// assigned, so Parse reports them; those on values are enforced while a
// rule is evaluated, and a rule that exceeds one fails to evaluate, which
// Azure treats as a deny. Enforcing them here keeps the engine's work per
// evaluation bounded: without them a one-kilobyte definition nesting
// replace() thirty deep builds a gigabyte string.
const (
	// MaxExpressionLength is the most characters an expression string
	// ("[...]") in a policy rule may have.
	MaxExpressionLength = 81920
	// MaxTemplateExpressionLength is the most characters an expression in
	// an ARM template may have: the deployment template a
	// deployIfNotExists rule embeds is deployed as one.
	MaxTemplateExpressionLength = 24576
	// MaxNesting is the deepest functions may be nested,
	// f(g(h(...))); an index, x[...], counts as a level too.
	MaxNesting = 64
	// MaxArguments is the most arguments a function call may have.
	MaxArguments = 128
	// MaxStringLength is the longest string, in characters (UTF-16 code
	// units, as .NET counts them), a function may return.
	MaxStringLength = 131072
	// MaxNodes is the most nodes an array or object given to or returned
	// by a function may have: every value counts one, and every member of
	// an object one more, as in the JSON token tree Azure evaluates.
	MaxNodes = 32768
	// MaxObjectDepth is the deepest an array or object given to or
	// returned by a function may nest.
	MaxObjectDepth = 128
)

// ErrLimit is wrapped by every error that reports an Azure Policy limit.
var ErrLimit = errors.New("over an Azure Policy limit")

// LimitError reports a value a function returns that is over one of the
// evaluation limits (or would be: functions that can grow a value check
// before they build it).
type LimitError struct {
	// Func is the function, in lower case as Call.Name.
	Func string
	// What is "string", "nodes" or "depth".
	What  string
	Limit int
}

func (e *LimitError) Error() string {
	switch e.What {
	case "string":
		return fmt.Sprintf("%s() would return a string longer than %d characters, the most Azure Policy lets a function return", e.Func, e.Limit)
	case "nodes":
		return fmt.Sprintf("%s() would return an array or object of more than %d nodes, the most Azure Policy lets a function take or return", e.Func, e.Limit)
	}
	return fmt.Sprintf("%s() would return an array or object nested more than %d deep, the most Azure Policy lets a function take or return", e.Func, e.Limit)
}

// Unwrap lets errors.Is find ErrLimit.
func (e *LimitError) Unwrap() error { return ErrLimit }

// checkResult enforces the evaluation limits on what function name
// returned. Scalars cost nothing; arrays and objects are walked until a
// limit is passed, so the check never costs more than the limit.
func checkResult(name string, v any) error {
	switch x := v.(type) {
	case nil, bool, float64:
		return nil
	case string:
		if len(x) > MaxStringLength && utf16Len(x) > MaxStringLength {
			return &LimitError{Func: name, What: "string", Limit: MaxStringLength}
		}
		return nil
	}
	m := meter{}
	if !m.walk(v, 0) {
		if m.deep {
			return &LimitError{Func: name, What: "depth", Limit: MaxObjectDepth}
		}
		return &LimitError{Func: name, What: "nodes", Limit: MaxNodes}
	}
	return nil
}

// meter counts the nodes of a value and its depth, and stops at the first
// limit passed.
type meter struct {
	nodes int
	deep  bool
}

func (m *meter) walk(v any, depth int) bool {
	m.nodes++
	if m.nodes > MaxNodes {
		return false
	}
	switch x := v.(type) {
	case []any:
		if depth >= MaxObjectDepth {
			m.deep = true
			return false
		}
		for _, e := range x {
			if !m.walk(e, depth+1) {
				return false
			}
		}
	case map[string]any:
		if depth >= MaxObjectDepth {
			m.deep = true
			return false
		}
		for _, e := range x {
			m.nodes++ // the member itself
			if !m.walk(e, depth+1) {
				return false
			}
		}
	}
	return true
}

// utf16Len is the length of s as .NET counts it: code units of UTF-16.
func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		if r >= 0x10000 && r <= utf8.MaxRune {
			n += 2
		} else {
			n++
		}
	}
	return n
}

// tooLong reports that a string of n bytes is certainly over
// MaxStringLength: a UTF-16 code unit takes at most three bytes of UTF-8.
// Functions that grow strings call it with the size they would build, so
// that they never build a string far over the limit; what they do build is
// checked exactly by checkResult.
func tooLong(n int) bool { return n > 3*MaxStringLength }

// stringLimit is the error of a function whose result would be too long.
func stringLimit(name string) error {
	return &LimitError{Func: name, What: "string", Limit: MaxStringLength}
}

// jsonSize is a lower bound of the length of v written as JSON, stopping
// as soon as it passes limit: string() and the functions that print arrays
// and objects ask it before they marshal a value that could be large.
func jsonSize(v any, limit int) int {
	n := 0
	var walk func(v any) bool
	walk = func(v any) bool {
		switch x := v.(type) {
		case nil:
			n += 4
		case bool:
			n += 4
		case float64:
			n++
		case string:
			n += len(x) + 2
		case []any:
			n += 2
			for _, e := range x {
				if !walk(e) {
					return false
				}
				n++
			}
		case map[string]any:
			n += 2
			for k, e := range x {
				n += len(k) + 3
				if !walk(e) {
					return false
				}
				n++
			}
		}
		return n <= limit
	}
	walk(v)
	return n
}
