package policy

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/aizone/aizone/policy/expr"
)

type op int

const (
	opEquals op = iota
	opNotEquals
	opLike
	opNotLike
	opMatch
	opNotMatch
	opMatchInsensitively
	opNotMatchInsensitively
	opContains
	opNotContains
	opIn
	opNotIn
	opContainsKey
	opNotContainsKey
	opLess
	opLessOrEquals
	opGreater
	opGreaterOrEquals
	opExists
)

var opNames = map[string]op{
	"equals":                opEquals,
	"notequals":             opNotEquals,
	"like":                  opLike,
	"notlike":               opNotLike,
	"match":                 opMatch,
	"notmatch":              opNotMatch,
	"matchinsensitively":    opMatchInsensitively,
	"notmatchinsensitively": opNotMatchInsensitively,
	"contains":              opContains,
	"notcontains":           opNotContains,
	"in":                    opIn,
	"notin":                 opNotIn,
	"containskey":           opContainsKey,
	"notcontainskey":        opNotContainsKey,
	"less":                  opLess,
	"lessorequals":          opLessOrEquals,
	"greater":               opGreater,
	"greaterorequals":       opGreaterOrEquals,
	"exists":                opExists,
}

var opDisplay = [...]string{"equals", "notEquals", "like", "notLike", "match", "notMatch", "matchInsensitively", "notMatchInsensitively", "contains", "notContains", "in", "notIn", "containsKey", "notContainsKey", "less", "lessOrEquals", "greater", "greaterOrEquals", "exists"}

func (o op) String() string { return opDisplay[o] }

// negation is the operator that holds exactly when o does not; exists is
// its own negation with the operand inverted.
var negation = [...]op{
	opEquals: opNotEquals, opNotEquals: opEquals,
	opLike: opNotLike, opNotLike: opLike,
	opMatch: opNotMatch, opNotMatch: opMatch,
	opMatchInsensitively: opNotMatchInsensitively, opNotMatchInsensitively: opMatchInsensitively,
	opContains: opNotContains, opNotContains: opContains,
	opIn: opNotIn, opNotIn: opIn,
	opContainsKey: opNotContainsKey, opNotContainsKey: opContainsKey,
	opLess: opGreaterOrEquals, opGreaterOrEquals: opLess,
	opLessOrEquals: opGreater, opGreater: opLessOrEquals,
	opExists: opExists,
}

// apply evaluates "v <o> x" for one value v. Missing and null are the same
// to every operator: Azure does not distinguish a property set to null from
// an absent one.
func apply(o op, v, x any) (bool, error) {
	switch o {
	case opEquals:
		return looseEqual(v, x), nil
	case opNotEquals:
		return !looseEqual(v, x), nil
	case opLike, opNotLike:
		p, ok := scalarString(x)
		if !ok {
			return false, fmt.Errorf("%s needs a string pattern, got %s", o, jsonType(x))
		}
		// A missing value matches no pattern, not even "*": built-ins test
		// absence with "notLike": "*" (Network interfaces should not have
		// public IPs).
		s, ok := scalarString(v)
		r := ok && v != nil && like(s, p)
		return r == (o == opLike), nil
	case opMatch, opNotMatch, opMatchInsensitively, opNotMatchInsensitively:
		p, ok := scalarString(x)
		if !ok {
			return false, fmt.Errorf("%s needs a string pattern, got %s", o, jsonType(x))
		}
		s, ok := scalarString(v)
		fold := o == opMatchInsensitively || o == opNotMatchInsensitively
		r := ok && v != nil && match(s, p, fold)
		return r == (o == opMatch || o == opMatchInsensitively), nil
	case opContains, opNotContains:
		r := contains(v, x)
		return r == (o == opContains), nil
	case opIn, opNotIn:
		arr, ok := x.([]any)
		if !ok {
			return false, fmt.Errorf("%s needs an array, got %s", o, jsonType(x))
		}
		r := false
		for _, el := range arr {
			if looseEqual(v, el) {
				r = true
				break
			}
		}
		return r == (o == opIn), nil
	case opContainsKey, opNotContainsKey:
		k, ok := scalarString(x)
		if !ok {
			return false, fmt.Errorf("%s needs a string key, got %s", o, jsonType(x))
		}
		r := false
		if m, ok := v.(map[string]any); ok {
			_, r = lookupCI(m, k)
		}
		return r == (o == opContainsKey), nil
	case opLess, opLessOrEquals, opGreater, opGreaterOrEquals:
		if v == nil {
			// Nothing to compare: a missing value is neither less nor
			// greater than anything.
			return false, nil
		}
		c, err := order(v, x)
		if err != nil {
			return false, fmt.Errorf("%s: %w", o, err)
		}
		switch o {
		case opLess:
			return c < 0, nil
		case opLessOrEquals:
			return c <= 0, nil
		case opGreater:
			return c > 0, nil
		}
		return c >= 0, nil
	case opExists:
		want, err := toBool(x)
		if err != nil {
			return false, fmt.Errorf("exists needs true or false: %w", err)
		}
		return (v != nil) == want, nil
	}
	return false, fmt.Errorf("unknown operator %d", o)
}

// looseEqual is equality as conditions see it: strings ignore case, and a
// scalar compares with the string form of another scalar, so that
// "equals": "false" matches a boolean false and "equals": "5" matches 5.
// A missing value equals the empty string (policies test "equals": "" to
// mean "not set").
func looseEqual(a, b any) bool {
	switch x := a.(type) {
	case nil:
		if b == nil {
			return true
		}
		s, ok := b.(string)
		return ok && s == ""
	case string:
		switch y := b.(type) {
		case string:
			return strings.EqualFold(x, y)
		case nil:
			return x == ""
		case bool, float64:
			ys, _ := scalarString(y)
			return strings.EqualFold(x, ys)
		}
		return false
	case bool:
		switch y := b.(type) {
		case bool:
			return x == y
		case string:
			return strings.EqualFold(y, strconv.FormatBool(x))
		}
		return false
	case float64:
		switch y := b.(type) {
		case float64:
			return x == y
		case string:
			f, err := strconv.ParseFloat(strings.TrimSpace(y), 64)
			return err == nil && f == x
		}
		return false
	case []any, map[string]any:
		eq, _ := equalContainers(a, b, looseEqual)
		return eq
	}
	return false
}

// equalContainers compares arrays element by element and objects key by
// key (keys without regard to case, as ARM compares property names) with
// eq; handled is false when a is neither, for eq's own scalar rules.
func equalContainers(a, b any, eq func(x, y any) bool) (equal, handled bool) {
	switch x := a.(type) {
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false, true
		}
		for i := range x {
			if !eq(x[i], y[i]) {
				return false, true
			}
		}
		return true, true
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false, true
		}
		for k, xv := range x {
			yv, found := lookupCI(y, k)
			if !found || !eq(xv, yv) {
				return false, true
			}
		}
		return true, true
	}
	return false, false
}

// scalarString gives the string form of a scalar; nil is "" so that string
// operators treat a missing value as empty.
func scalarString(v any) (string, bool) {
	switch x := v.(type) {
	case nil:
		return "", true
	case string:
		return x, true
	case bool:
		return strconv.FormatBool(x), true
	case float64:
		return expr.FormatNumber(x), true
	}
	return "", false
}

func contains(v, x any) bool {
	switch y := v.(type) {
	case string:
		s, ok := scalarString(x)
		return ok && strings.Contains(strings.ToLower(y), strings.ToLower(s))
	case []any:
		for _, el := range y {
			if looseEqual(el, x) {
				return true
			}
		}
		return false
	case map[string]any:
		// An object contains a value when one of its values equals it.
		for _, el := range y {
			if looseEqual(el, x) {
				return true
			}
		}
		return false
	case bool, float64:
		s, _ := scalarString(y)
		t, ok := scalarString(x)
		return ok && strings.Contains(strings.ToLower(s), strings.ToLower(t))
	}
	return false
}

// order compares for less/greater: numbers numerically (a numeric string
// counts as a number when the other side is one), strings ignoring case.
// Any other mix is a type error, as in Azure.
func order(a, b any) (int, error) {
	if af, ok := a.(float64); ok {
		if bs, ok := b.(string); ok {
			if f, err := strconv.ParseFloat(strings.TrimSpace(bs), 64); err == nil {
				b = f
			}
		}
		_ = af
	}
	if bf, ok := b.(float64); ok {
		if as, ok := a.(string); ok {
			if f, err := strconv.ParseFloat(strings.TrimSpace(as), 64); err == nil {
				a = f
			}
		}
		_ = bf
	}
	return expr.Compare(a, b)
}

func toBool(v any) (bool, error) {
	switch x := v.(type) {
	case bool:
		return x, nil
	case string:
		switch strings.ToLower(x) {
		case "true":
			return true, nil
		case "false":
			return false, nil
		}
	}
	return false, fmt.Errorf("got %s", fmtVal(v))
}

// like matches a pattern where * is any run of characters, ignoring case.
func like(s, p string) bool {
	if isASCII(s) && isASCII(p) {
		return likeASCII(s, p)
	}
	return likeLower(strings.ToLower(s), strings.ToLower(p))
}

// likeLower is like on text already in lower case.
func likeLower(s, p string) bool {
	if !strings.Contains(p, "*") {
		return s == p
	}
	parts := strings.Split(p, "*")
	if !strings.HasPrefix(s, parts[0]) {
		return false
	}
	s = s[len(parts[0]):]
	last := parts[len(parts)-1]
	for _, mid := range parts[1 : len(parts)-1] {
		i := strings.Index(s, mid)
		if i < 0 {
			return false
		}
		s = s[i+len(mid):]
	}
	return len(s) >= len(last) && strings.HasSuffix(s, last)
}

// likeASCII is like for ASCII text, without the lower-case copies: it runs
// for every resource an audit evaluates against a type or name pattern.
func likeASCII(s, p string) bool {
	star := strings.IndexByte(p, '*')
	if star < 0 {
		return strings.EqualFold(s, p)
	}
	if len(s) < star || !strings.EqualFold(s[:star], p[:star]) {
		return false
	}
	s, p = s[star:], p[star+1:]
	for {
		star = strings.IndexByte(p, '*')
		if star < 0 {
			// The last part must end the text.
			return len(s) >= len(p) && strings.EqualFold(s[len(s)-len(p):], p)
		}
		i := indexFoldASCII(s, p[:star])
		if i < 0 {
			return false
		}
		s, p = s[i+star:], p[star+1:]
	}
}

// indexFoldASCII is strings.Index ignoring ASCII case.
func indexFoldASCII(s, sub string) int {
	for i := 0; i+len(sub) <= len(s); i++ {
		if strings.EqualFold(s[i:i+len(sub)], sub) {
			return i
		}
	}
	return -1
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// match implements match/notMatch patterns: # is a digit, ? a letter, . any
// character, anything else itself; the whole value must match.
func match(s, p string, fold bool) bool {
	sr, pr := []rune(s), []rune(p)
	if len(sr) != len(pr) {
		return false
	}
	for i, c := range pr {
		r := sr[i]
		switch c {
		case '#':
			if r < '0' || r > '9' {
				return false
			}
		case '?':
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
				return false
			}
		case '.':
		default:
			if fold {
				if !strings.EqualFold(string(r), string(c)) {
					return false
				}
			} else if r != c {
				return false
			}
		}
	}
	return true
}

// fmtVal renders a value for a reason: strings quoted, missing as "missing".
func fmtVal(v any) string {
	switch x := v.(type) {
	case nil:
		return "missing"
	case string:
		return "'" + x + "'"
	case float64:
		return expr.FormatNumber(x)
	case bool:
		return strconv.FormatBool(x)
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	if len(b) > 200 {
		return string(b[:197]) + "..."
	}
	return string(b)
}

// phrase describes "o x" as an expectation, for reasons.
func phrase(o op, x any) string {
	switch o {
	case opEquals:
		return fmtVal(x)
	case opNotEquals:
		return "not " + fmtVal(x)
	case opLike:
		return "like " + fmtVal(x)
	case opNotLike:
		return "not like " + fmtVal(x)
	case opMatch, opMatchInsensitively:
		return "matching " + fmtVal(x)
	case opNotMatch, opNotMatchInsensitively:
		return "not matching " + fmtVal(x)
	case opContains:
		return "containing " + fmtVal(x)
	case opNotContains:
		return "not containing " + fmtVal(x)
	case opIn:
		return "one of " + fmtVal(x)
	case opNotIn:
		return "none of " + fmtVal(x)
	case opContainsKey:
		return "with key " + fmtVal(x)
	case opNotContainsKey:
		return "without key " + fmtVal(x)
	case opLess:
		return "less than " + fmtVal(x)
	case opLessOrEquals:
		return "at most " + fmtVal(x)
	case opGreater:
		return "greater than " + fmtVal(x)
	case opGreaterOrEquals:
		return "at least " + fmtVal(x)
	case opExists:
		if b, _ := toBool(x); b {
			return "to exist"
		}
		return "to be missing"
	}
	return o.String() + " " + fmtVal(x)
}

// invert returns the condition "not (o x)" as an operator and operand.
func invert(o op, x any) (op, any) {
	if o == opExists {
		b, _ := toBool(x)
		return opExists, !b
	}
	return negation[o], x
}
