package expr

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/netip"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

type function struct {
	min, max int // max < 0: unbounded
	eval     func(c Context, args []any) (any, error)
	// lazy functions receive unevaluated arguments, so that if() and the
	// logical functions evaluate only the branch they need: policies rely on
	// this to guard an index that would fail, e.g. if(empty(x), '', x[0]).
	lazy func(c Context, args []Node) (any, error)
	// small marks functions whose result is a small object of the
	// engine's own (resourceGroup(), subscription()...): the limits need
	// not walk it on every call.
	small bool
}

func (f *function) arity() string {
	switch {
	case f.max < 0:
		return fmt.Sprintf("at least %d", f.min)
	case f.min == f.max:
		return strconv.Itoa(f.min)
	}
	return fmt.Sprintf("%d to %d", f.min, f.max)
}

// Functions returns the names of the functions the strict parser accepts,
// for documentation and tests.
func Functions() []string {
	m := make(map[string]any, len(functions))
	for k := range functions {
		m[k] = nil
	}
	return SortedKeys(m)
}

var functions map[string]*function

func init() {
	functions = map[string]*function{
		// Policy context.
		"parameters": {min: 1, max: 1, eval: func(c Context, a []any) (any, error) {
			s, err := str(a[0])
			if err != nil {
				return nil, err
			}
			return c.Parameter(s)
		}},
		"field": {min: 1, max: 1, eval: func(c Context, a []any) (any, error) {
			s, err := str(a[0])
			if err != nil {
				return nil, err
			}
			return c.Field(s)
		}},
		"current": {min: 0, max: 1, eval: func(c Context, a []any) (any, error) {
			if len(a) == 0 {
				return c.Current("")
			}
			s, err := str(a[0])
			if err != nil {
				return nil, err
			}
			return c.Current(s)
		}},
		"resourcegroup":  ambient("resourcegroup"),
		"subscription":   ambient("subscription"),
		"requestcontext": ambient("requestcontext"),
		"policy":         ambient("policy"),
		"deployment":     ambient("deployment"),
		"tenant":         ambient("tenant"),
		"environment":    ambient("environment"),
		"utcnow": {min: 0, max: 1, eval: func(c Context, a []any) (any, error) {
			// In a policy rule utcNow() defaults to the ISO 8601 form with
			// seven fractional digits, unlike ARM templates' yyyyMMddTHHmmssZ.
			format := "yyyy-MM-ddTHH:mm:ss.fffffffZ"
			if len(a) == 1 {
				s, err := str(a[0])
				if err != nil {
					return nil, err
				}
				format = s
			}
			return formatTime(c.Now().UTC(), format), nil
		}},

		// Logical.
		"if": {min: 3, max: 3, lazy: func(c Context, a []Node) (any, error) {
			v, err := eval(a[0], c)
			if err != nil {
				return nil, err
			}
			b, err := boolean(v)
			if err != nil {
				return nil, err
			}
			if b {
				return eval(a[1], c)
			}
			return eval(a[2], c)
		}},
		"and": {min: 1, max: -1, lazy: func(c Context, a []Node) (any, error) { return logical(c, a, false) }},
		"or":  {min: 1, max: -1, lazy: func(c Context, a []Node) (any, error) { return logical(c, a, true) }},
		"not": {min: 1, max: 1, eval: func(c Context, a []any) (any, error) {
			b, err := boolean(a[0])
			return !b, err
		}},
		"bool": {min: 1, max: 1, eval: func(c Context, a []any) (any, error) {
			switch x := a[0].(type) {
			case bool:
				return x, nil
			case float64:
				return x != 0, nil
			case string:
				return strings.EqualFold(x, "true"), nil
			}
			return nil, fmt.Errorf("bool: cannot convert %s", TypeName(a[0]))
		}},
		"true":  {min: 0, max: 0, eval: func(Context, []any) (any, error) { return true, nil }},
		"false": {min: 0, max: 0, eval: func(Context, []any) (any, error) { return false, nil }},
		"null":  {min: 0, max: 0, eval: func(Context, []any) (any, error) { return nil, nil }},

		// Comparison.
		"equals":          {min: 2, max: 2, eval: func(c Context, a []any) (any, error) { return Equal(a[0], a[1]), nil }},
		"less":            compare(func(r int) bool { return r < 0 }),
		"lessorequals":    compare(func(r int) bool { return r <= 0 }),
		"greater":         compare(func(r int) bool { return r > 0 }),
		"greaterorequals": compare(func(r int) bool { return r >= 0 }),
		"coalesce": {min: 1, max: -1, lazy: func(c Context, a []Node) (any, error) {
			for _, n := range a {
				v, err := eval(n, c)
				if err != nil {
					return nil, err
				}
				if v != nil {
					return v, nil
				}
			}
			return nil, nil
		}},

		// Strings.
		"concat":  {min: 1, max: -1, eval: concat},
		"tolower": strFn(strings.ToLower),
		"toupper": strFn(strings.ToUpper),
		"trim":    strFn(strings.TrimSpace),
		"replace": {min: 3, max: 3, eval: func(c Context, a []any) (any, error) {
			s, o, n, err := str3(a)
			if err != nil {
				return nil, err
			}
			// Size the result before building it: nested replace()
			// calls grow a string geometrically.
			if k := strings.Count(s, o); k > 0 && tooLong(len(s)+k*(len(n)-len(o))) {
				return nil, stringLimit("replace")
			}
			return strings.ReplaceAll(s, o, n), nil
		}},
		"split": {min: 2, max: 2, eval: split},
		"join": {min: 2, max: 2, eval: func(c Context, a []any) (any, error) {
			arr, err := array(a[0])
			if err != nil {
				return nil, err
			}
			sep, err := str(a[1])
			if err != nil {
				return nil, err
			}
			parts := make([]string, len(arr))
			size := len(sep) * len(arr)
			for i, v := range arr {
				if parts[i], err = toStr("join", v); err != nil {
					return nil, err
				}
				if size += len(parts[i]); tooLong(size) {
					return nil, stringLimit("join")
				}
			}
			return strings.Join(parts, sep), nil
		}},
		"substring": {min: 2, max: 3, eval: substring},
		"indexof": {min: 2, max: 2, eval: func(c Context, a []any) (any, error) {
			s, t, err := str2(a)
			if err != nil {
				return nil, err
			}
			return float64(strings.Index(strings.ToLower(s), strings.ToLower(t))), nil
		}},
		"lastindexof": {min: 2, max: 2, eval: func(c Context, a []any) (any, error) {
			s, t, err := str2(a)
			if err != nil {
				return nil, err
			}
			return float64(strings.LastIndex(strings.ToLower(s), strings.ToLower(t))), nil
		}},
		"startswith": {min: 2, max: 2, eval: func(c Context, a []any) (any, error) {
			s, t, err := str2(a)
			return err == nil && strings.HasPrefix(strings.ToLower(s), strings.ToLower(t)), err
		}},
		"endswith": {min: 2, max: 2, eval: func(c Context, a []any) (any, error) {
			s, t, err := str2(a)
			return err == nil && strings.HasSuffix(strings.ToLower(s), strings.ToLower(t)), err
		}},
		"padleft": {min: 2, max: 3, eval: padLeft},
		"string": {min: 1, max: 1, eval: func(c Context, a []any) (any, error) {
			return toStr("string", a[0])
		}},
		"format":       {min: 1, max: -1, eval: format},
		"base64":       grownStrFn("base64", 4.0/3, func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }),
		"base64tojson": {min: 1, max: 1, eval: base64ToJSON},
		"base64tostring": {min: 1, max: 1, eval: func(c Context, a []any) (any, error) {
			s, err := str(a[0])
			if err != nil {
				return nil, err
			}
			b, err := base64.StdEncoding.DecodeString(s)
			return string(b), err
		}},
		"uri": {min: 2, max: 2, eval: func(c Context, a []any) (any, error) {
			b, r, err := str2(a)
			if err != nil {
				return nil, err
			}
			if tooLong(len(b) + len(r)) {
				return nil, stringLimit("uri")
			}
			if i := strings.LastIndex(b, "/"); i >= 0 && !strings.HasPrefix(r, "/") {
				return b[:i+1] + r, nil
			}
			return strings.TrimSuffix(b, "/") + "/" + strings.TrimPrefix(r, "/"), nil
		}},
		"uricomponent":         grownStrFn("uricomponent", 1, uriEscape),
		"uricomponenttostring": strFn(uriUnescape),
		"guid":                 {min: 1, max: -1, eval: guid},
		"uniquestring":         {min: 1, max: -1, eval: uniqueString},
		"newguid":              {min: 0, max: 0, eval: func(c Context, a []any) (any, error) { return guid(c, []any{c.Now().String()}) }},
		"datauri": grownStrFn("datauri", 4.0/3, func(s string) string {
			return "data:text/plain;charset=utf8;base64," + base64.StdEncoding.EncodeToString([]byte(s))
		}),
		"resourceid":             {min: 2, max: -1, eval: resourceID("resourceid")},
		"subscriptionresourceid": {min: 2, max: -1, eval: resourceID("subscriptionresourceid")},
		"tenantresourceid":       {min: 2, max: -1, eval: resourceID("tenantresourceid")},
		"extensionresourceid":    {min: 3, max: -1, eval: resourceID("extensionresourceid")},

		// Arrays and objects.
		"createarray": {min: 0, max: -1, eval: func(c Context, a []any) (any, error) { return append([]any{}, a...), nil }},
		"array": {min: 1, max: 1, eval: func(c Context, a []any) (any, error) {
			if arr, ok := a[0].([]any); ok {
				return arr, nil
			}
			return []any{a[0]}, nil
		}},
		"createobject": {min: 0, max: -1, eval: func(c Context, a []any) (any, error) {
			if len(a)%2 != 0 {
				return nil, errors.New("createObject: needs key/value pairs")
			}
			m := make(map[string]any, len(a)/2)
			for i := 0; i < len(a); i += 2 {
				k, err := str(a[i])
				if err != nil {
					return nil, err
				}
				m[k] = a[i+1]
			}
			return m, nil
		}},
		"json": {min: 1, max: 1, eval: func(c Context, a []any) (any, error) {
			s, err := str(a[0])
			if err != nil {
				return nil, err
			}
			var v any
			if err := json.Unmarshal([]byte(s), &v); err != nil {
				return nil, fmt.Errorf("json: %w", err)
			}
			return v, nil
		}},
		"length": {min: 1, max: 1, eval: func(c Context, a []any) (any, error) {
			switch x := a[0].(type) {
			case string:
				return float64(len([]rune(x))), nil
			case []any:
				return float64(len(x)), nil
			case map[string]any:
				return float64(len(x)), nil
			case nil:
				return nil, errors.New("length: argument is null")
			}
			return nil, fmt.Errorf("length: cannot take the length of %s", TypeName(a[0]))
		}},
		"empty": {min: 1, max: 1, eval: func(c Context, a []any) (any, error) {
			switch x := a[0].(type) {
			case nil:
				return true, nil
			case string:
				return x == "", nil
			case []any:
				return len(x) == 0, nil
			case map[string]any:
				return len(x) == 0, nil
			}
			return false, nil
		}},
		"contains":     {min: 2, max: 2, eval: containsFn},
		"first":        {min: 1, max: 1, eval: func(c Context, a []any) (any, error) { return endOf(a[0], true) }},
		"last":         {min: 1, max: 1, eval: func(c Context, a []any) (any, error) { return endOf(a[0], false) }},
		"take":         {min: 2, max: 2, eval: func(c Context, a []any) (any, error) { return slice(a, true) }},
		"skip":         {min: 2, max: 2, eval: func(c Context, a []any) (any, error) { return slice(a, false) }},
		"union":        {min: 1, max: -1, eval: union},
		"intersection": {min: 1, max: -1, eval: intersection},
		"min":          {min: 1, max: -1, eval: func(c Context, a []any) (any, error) { return extreme(a, -1) }},
		"max":          {min: 1, max: -1, eval: func(c Context, a []any) (any, error) { return extreme(a, 1) }},
		"range": {min: 2, max: 2, eval: func(c Context, a []any) (any, error) {
			s, n, err := num2(a)
			if err != nil {
				return nil, err
			}
			if n < 0 || n > 10000 {
				return nil, errors.New("range: count out of bounds")
			}
			out := make([]any, int(n))
			for i := range out {
				out[i] = s + float64(i)
			}
			return out, nil
		}},
		"items": {min: 1, max: 1, eval: func(c Context, a []any) (any, error) {
			m, ok := a[0].(map[string]any)
			if !ok {
				return nil, fmt.Errorf("items: argument is %s, not an object", TypeName(a[0]))
			}
			out := make([]any, 0, len(m))
			for _, k := range SortedKeys(m) {
				out = append(out, map[string]any{"key": k, "value": m[k]})
			}
			return out, nil
		}},
		"trygetvalue": {min: 2, max: -1, eval: tryGet},
		"tryget":      {min: 2, max: -1, eval: tryGet},

		// Numbers.
		"int": {min: 1, max: 1, eval: func(c Context, a []any) (any, error) {
			switch x := a[0].(type) {
			case float64:
				return math.Trunc(x), nil
			case string:
				i, err := strconv.ParseInt(strings.TrimSpace(x), 10, 64)
				if err != nil {
					return nil, fmt.Errorf("int: %q is not an integer", x)
				}
				return float64(i), nil
			case bool:
				if x {
					return 1.0, nil
				}
				return 0.0, nil
			}
			return nil, fmt.Errorf("int: cannot convert %s", TypeName(a[0]))
		}},
		"float": {min: 1, max: 1, eval: func(c Context, a []any) (any, error) {
			switch x := a[0].(type) {
			case float64:
				return x, nil
			case string:
				f, err := strconv.ParseFloat(strings.TrimSpace(x), 64)
				if err != nil {
					return nil, fmt.Errorf("float: %q is not a number", x)
				}
				return f, nil
			}
			return nil, fmt.Errorf("float: cannot convert %s", TypeName(a[0]))
		}},
		"add": arith(func(x, y float64) (float64, error) { return x + y, nil }),
		"sub": arith(func(x, y float64) (float64, error) { return x - y, nil }),
		"mul": arith(func(x, y float64) (float64, error) { return x * y, nil }),
		"div": arith(func(x, y float64) (float64, error) {
			if y == 0 {
				return 0, errors.New("div: division by zero")
			}
			return math.Trunc(x / y), nil
		}),
		"mod": arith(func(x, y float64) (float64, error) {
			if y == 0 {
				return 0, errors.New("mod: division by zero")
			}
			return math.Mod(x, y), nil
		}),

		// Dates.
		"datetimeadd": {min: 2, max: 3, eval: dateTimeAdd},
		"adddays": {min: 2, max: 2, eval: func(c Context, a []any) (any, error) {
			s, err := str(a[0])
			if err != nil {
				return nil, err
			}
			n, err := number(a[1])
			if err != nil {
				return nil, err
			}
			t, err := parseTime(s)
			if err != nil {
				return nil, err
			}
			return t.AddDate(0, 0, int(n)).Format(time.RFC3339), nil
		}},
		"datetimetoepoch": {min: 1, max: 1, eval: func(c Context, a []any) (any, error) {
			s, err := str(a[0])
			if err != nil {
				return nil, err
			}
			t, err := parseTime(s)
			if err != nil {
				return nil, err
			}
			return float64(t.Unix()), nil
		}},
		"datetimefromepoch": {min: 1, max: 1, eval: func(c Context, a []any) (any, error) {
			n, err := number(a[0])
			if err != nil {
				return nil, err
			}
			return time.Unix(int64(n), 0).UTC().Format(time.RFC3339), nil
		}},

		// Networking.
		"iprangecontains": {min: 2, max: 2, eval: ipRangeContains},
	}
	// Template-only functions the strict parser accepts in the policy parts
	// of deployIfNotExists definitions but cannot evaluate offline.
	for _, name := range []string{"reference", "list", "listkeys", "listsecrets", "listaccountsas", "listcallbackurl", "variables", "copyindex", "providers", "pickzones", "managementgroup", "managementgroupresourceid"} {
		n := name
		functions[n] = &function{min: 0, max: -1, eval: func(c Context, a []any) (any, error) {
			return nil, fmt.Errorf("%s() is evaluated by Azure Resource Manager at deployment and cannot be evaluated offline", n)
		}}
	}
}

func ambient(name string) *function {
	return &function{min: 0, max: 0, small: true, eval: func(c Context, a []any) (any, error) { return c.Ambient(name) }}
}

func logical(c Context, a []Node, isOr bool) (any, error) {
	for _, n := range a {
		v, err := eval(n, c)
		if err != nil {
			return nil, err
		}
		b, err := boolean(v)
		if err != nil {
			return nil, err
		}
		if b == isOr {
			return isOr, nil
		}
	}
	return !isOr, nil
}

func str(v any) (string, error) {
	s, ok := v.(string)
	if !ok {
		return "", fmt.Errorf("expected a String, got %s", TypeName(v))
	}
	return s, nil
}

func str2(a []any) (string, string, error) {
	x, err := str(a[0])
	if err != nil {
		return "", "", err
	}
	y, err := str(a[1])
	return x, y, err
}

func str3(a []any) (string, string, string, error) {
	x, y, err := str2(a)
	if err != nil {
		return "", "", "", err
	}
	z, err := str(a[2])
	return x, y, z, err
}

func number(v any) (float64, error) {
	f, ok := v.(float64)
	if !ok {
		return 0, fmt.Errorf("expected an Integer, got %s", TypeName(v))
	}
	return f, nil
}

func num2(a []any) (float64, float64, error) {
	x, err := number(a[0])
	if err != nil {
		return 0, 0, err
	}
	y, err := number(a[1])
	return x, y, err
}

func boolean(v any) (bool, error) {
	switch x := v.(type) {
	case bool:
		return x, nil
	case string:
		if strings.EqualFold(x, "true") {
			return true, nil
		}
		if strings.EqualFold(x, "false") {
			return false, nil
		}
	}
	return false, fmt.Errorf("expected a Boolean, got %s", TypeName(v))
}

func array(v any) ([]any, error) {
	a, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf("expected an Array, got %s", TypeName(v))
	}
	return a, nil
}

// grownStrFn is strFn for a function whose result is at least growth
// times as long as its argument: an argument that long already fails, and
// the function does not build the result.
func grownStrFn(name string, growth float64, f func(string) string) *function {
	return &function{min: 1, max: 1, eval: func(c Context, a []any) (any, error) {
		s, err := str(a[0])
		if err != nil {
			return nil, err
		}
		if tooLong(int(float64(len(s)) * growth)) {
			return nil, stringLimit(name)
		}
		return f(s), nil
	}}
}

// toStr is ToString for function name, which refuses to print an array or
// object whose text would be over the string limit (a value may share
// members, so its text can be far larger than the memory it takes).
func toStr(name string, v any) (string, error) {
	switch v.(type) {
	case []any, map[string]any:
		if tooLong(jsonSize(v, 3*MaxStringLength)) {
			return "", stringLimit(name)
		}
	}
	return ToString(v), nil
}

func strFn(f func(string) string) *function {
	return &function{min: 1, max: 1, eval: func(c Context, a []any) (any, error) {
		s, err := str(a[0])
		if err != nil {
			return nil, err
		}
		return f(s), nil
	}}
}

func arith(f func(x, y float64) (float64, error)) *function {
	return &function{min: 2, max: 2, eval: func(c Context, a []any) (any, error) {
		x, y, err := num2(a)
		if err != nil {
			return nil, err
		}
		return f(x, y)
	}}
}

// Compare orders two values of the same kind: numbers numerically, strings
// ordinally ignoring case. It reports an error for other pairs.
func Compare(a, b any) (int, error) {
	switch x := a.(type) {
	case float64:
		if y, ok := b.(float64); ok {
			switch {
			case x < y:
				return -1, nil
			case x > y:
				return 1, nil
			}
			return 0, nil
		}
	case string:
		if y, ok := b.(string); ok {
			return strings.Compare(strings.ToLower(x), strings.ToLower(y)), nil
		}
	}
	return 0, fmt.Errorf("cannot compare %s with %s", TypeName(a), TypeName(b))
}

func compare(ok func(int) bool) *function {
	return &function{min: 2, max: 2, eval: func(c Context, a []any) (any, error) {
		r, err := Compare(a[0], a[1])
		if err != nil {
			return nil, err
		}
		return ok(r), nil
	}}
}

func concat(c Context, a []any) (any, error) {
	if _, ok := a[0].([]any); ok {
		n := 0
		for _, v := range a {
			if x, ok := v.([]any); ok {
				n += len(x)
			} else {
				n++
			}
		}
		if n >= MaxNodes {
			return nil, &LimitError{Func: "concat", What: "nodes", Limit: MaxNodes}
		}
		var out []any
		for _, v := range a {
			switch x := v.(type) {
			case []any:
				out = append(out, x...)
			case nil:
			default:
				out = append(out, x)
			}
		}
		if out == nil {
			out = []any{}
		}
		return out, nil
	}
	parts := make([]string, len(a))
	size := 0
	for i, v := range a {
		if _, ok := v.([]any); ok {
			return nil, errors.New("concat: cannot mix strings and arrays")
		}
		var err error
		if parts[i], err = toStr("concat", v); err != nil {
			return nil, err
		}
		if size += len(parts[i]); tooLong(size) {
			return nil, stringLimit("concat")
		}
	}
	return strings.Join(parts, ""), nil
}

func split(c Context, a []any) (any, error) {
	s, err := str(a[0])
	if err != nil {
		return nil, err
	}
	var seps []string
	switch x := a[1].(type) {
	case string:
		seps = []string{x}
	case []any:
		for _, v := range x {
			t, err := str(v)
			if err != nil {
				return nil, err
			}
			seps = append(seps, t)
		}
	default:
		return nil, fmt.Errorf("split: delimiter must be a String or an Array, got %s", TypeName(a[1]))
	}
	// Count the parts first: the result's nodes are limited.
	n := 1
	for _, sep := range seps {
		if sep != "" {
			n += strings.Count(s, sep)
		}
	}
	if n >= MaxNodes {
		return nil, &LimitError{Func: "split", What: "nodes", Limit: MaxNodes}
	}
	parts := []string{s}
	for _, sep := range seps {
		if sep == "" {
			continue
		}
		var next []string
		for _, p := range parts {
			next = append(next, strings.Split(p, sep)...)
		}
		parts = next
	}
	out := make([]any, len(parts))
	for i, p := range parts {
		out[i] = p
	}
	return out, nil
}

func substring(c Context, a []any) (any, error) {
	s, err := str(a[0])
	if err != nil {
		return nil, err
	}
	start, err := number(a[1])
	if err != nil {
		return nil, err
	}
	r := []rune(s)
	n := float64(len(r)) - start
	if len(a) == 3 {
		if n, err = number(a[2]); err != nil {
			return nil, err
		}
	}
	if start < 0 || n < 0 || start+n > float64(len(r)) {
		return nil, fmt.Errorf("substring: start %v and length %v are out of range for a string of length %d", start, n, len(r))
	}
	return string(r[int(start) : int(start)+int(n)]), nil
}

func padLeft(c Context, a []any) (any, error) {
	s, err := toStr("padleft", a[0])
	if err != nil {
		return nil, err
	}
	n, err := number(a[1])
	if err != nil {
		return nil, err
	}
	pad := " "
	if len(a) == 3 {
		if pad, err = str(a[2]); err != nil {
			return nil, err
		}
		if len([]rune(pad)) != 1 {
			return nil, errors.New("padLeft: the padding must be a single character")
		}
	}
	if n > MaxStringLength {
		return nil, stringLimit("padleft")
	}
	if k := int(n) - utf8.RuneCountInString(s); k > 0 {
		s = strings.Repeat(pad, k) + s
	}
	return s, nil
}

func containsFn(c Context, a []any) (any, error) {
	switch x := a[0].(type) {
	case string:
		return strings.Contains(x, ToString(a[1])), nil
	case []any:
		for _, v := range x {
			if Equal(v, a[1]) {
				return true, nil
			}
		}
		return false, nil
	case map[string]any:
		k, err := str(a[1])
		if err != nil {
			return nil, err
		}
		_, err = member(x, k)
		return err == nil, nil
	case nil:
		return false, nil
	}
	return nil, fmt.Errorf("contains: cannot search %s", TypeName(a[0]))
}

func endOf(v any, first bool) (any, error) {
	switch x := v.(type) {
	case string:
		r := []rune(x)
		if len(r) == 0 {
			return "", nil
		}
		if first {
			return string(r[0]), nil
		}
		return string(r[len(r)-1]), nil
	case []any:
		if len(x) == 0 {
			return nil, nil
		}
		if first {
			return x[0], nil
		}
		return x[len(x)-1], nil
	}
	return nil, fmt.Errorf("expected a String or an Array, got %s", TypeName(v))
}

func slice(a []any, take bool) (any, error) {
	n, err := number(a[1])
	if err != nil {
		return nil, err
	}
	switch x := a[0].(type) {
	case string:
		r := []rune(x)
		k := clamp(int(n), len(r))
		if take {
			return string(r[:k]), nil
		}
		return string(r[k:]), nil
	case []any:
		k := clamp(int(n), len(x))
		if take {
			return append([]any{}, x[:k]...), nil
		}
		return append([]any{}, x[k:]...), nil
	}
	return nil, fmt.Errorf("expected a String or an Array, got %s", TypeName(a[0]))
}

func clamp(k, n int) int {
	if k < 0 {
		return 0
	}
	if k > n {
		return n
	}
	return k
}

func union(c Context, a []any) (any, error) {
	if _, ok := a[0].(map[string]any); ok {
		out := map[string]any{}
		for _, v := range a {
			m, ok := v.(map[string]any)
			if !ok {
				return nil, fmt.Errorf("union: cannot mix Object and %s", TypeName(v))
			}
			for k, x := range m {
				out[k] = x
			}
		}
		return out, nil
	}
	var out []any
	var seen valueSet
	for _, v := range a {
		arr, err := array(v)
		if err != nil {
			return nil, fmt.Errorf("union: %w", err)
		}
		for _, x := range arr {
			if seen.add(x) {
				out = append(out, x)
			}
		}
	}
	if out == nil {
		out = []any{}
	}
	return out, nil
}

// valueSet holds values for the set functions: scalars in a map, so that
// union and intersection of long arrays take linear time, and arrays and
// objects in a list compared with Equal.
type valueSet struct {
	scalars    map[any]struct{}
	composites []any
}

// scalarKey is v as a map key, for the values Equal compares as Go does.
func scalarKey(v any) (any, bool) {
	switch v.(type) {
	case nil, bool, float64, string:
		return v, true
	}
	return nil, false
}

// add adds x and reports whether it was not there yet.
func (s *valueSet) add(x any) bool {
	if s.has(x) {
		return false
	}
	if k, ok := scalarKey(x); ok {
		if s.scalars == nil {
			s.scalars = map[any]struct{}{}
		}
		s.scalars[k] = struct{}{}
	} else {
		s.composites = append(s.composites, x)
	}
	return true
}

func (s *valueSet) has(x any) bool {
	if k, ok := scalarKey(x); ok {
		_, found := s.scalars[k]
		return found
	}
	return containsEqual(s.composites, x)
}

func intersection(c Context, a []any) (any, error) {
	if first, ok := a[0].(map[string]any); ok {
		out := map[string]any{}
		for k, x := range first {
			keep := true
			for _, v := range a[1:] {
				m, ok := v.(map[string]any)
				if !ok {
					return nil, fmt.Errorf("intersection: cannot mix Object and %s", TypeName(v))
				}
				y, err := member(m, k)
				if err != nil || !Equal(x, y) {
					keep = false
				}
			}
			if keep {
				out[k] = x
			}
		}
		return out, nil
	}
	first, err := array(a[0])
	if err != nil {
		return nil, fmt.Errorf("intersection: %w", err)
	}
	others := make([]valueSet, len(a)-1)
	for i, v := range a[1:] {
		arr, err := array(v)
		if err != nil {
			return nil, fmt.Errorf("intersection: %w", err)
		}
		for _, x := range arr {
			others[i].add(x)
		}
	}
	out := []any{}
	var seen valueSet
	for _, x := range first {
		keep := seen.add(x)
		for i := range others {
			if !others[i].has(x) {
				keep = false
			}
		}
		if keep {
			out = append(out, x)
		}
	}
	return out, nil
}

func containsEqual(arr []any, x any) bool {
	for _, y := range arr {
		if Equal(x, y) {
			return true
		}
	}
	return false
}

func extreme(a []any, sign int) (any, error) {
	vals := a
	if len(a) == 1 {
		if arr, ok := a[0].([]any); ok {
			vals = arr
		}
	}
	if len(vals) == 0 {
		return nil, errors.New("min/max of an empty array")
	}
	best, err := number(vals[0])
	if err != nil {
		return nil, err
	}
	for _, v := range vals[1:] {
		f, err := number(v)
		if err != nil {
			return nil, err
		}
		if (sign < 0 && f < best) || (sign > 0 && f > best) {
			best = f
		}
	}
	return best, nil
}

func tryGet(c Context, a []any) (any, error) {
	v := a[0]
	for _, k := range a[1:] {
		switch x := v.(type) {
		case map[string]any:
			s, ok := k.(string)
			if !ok {
				return nil, nil
			}
			nv, err := member(x, s)
			if err != nil {
				return nil, nil
			}
			v = nv
		case []any:
			f, ok := k.(float64)
			if !ok || int(f) < 0 || int(f) >= len(x) {
				return nil, nil
			}
			v = x[int(f)]
		default:
			return nil, nil
		}
	}
	return v, nil
}

var formatPlaceholder = regexp.MustCompile(`\{(\d+)(:[^}]*)?\}`)

func format(c Context, a []any) (any, error) {
	f, err := str(a[0])
	if err != nil {
		return nil, err
	}
	// Print each argument once and size the result before building it:
	// a format string may repeat a placeholder many times.
	args := make([]string, len(a)-1)
	for i, v := range a[1:] {
		if args[i], err = toStr("format", v); err != nil {
			return nil, err
		}
	}
	var b strings.Builder
	for pass := 0; pass < 2; pass++ {
		size, last := 0, 0
		for _, m := range formatPlaceholder.FindAllStringSubmatchIndex(f, -1) {
			i, _ := strconv.Atoi(f[m[2]:m[3]])
			if i >= len(args) {
				return nil, fmt.Errorf("format: placeholder {%d} has no argument", i)
			}
			size += m[0] - last + len(args[i])
			if pass == 1 {
				b.WriteString(f[last:m[0]])
				b.WriteString(args[i])
			}
			last = m[1]
		}
		size += len(f) - last
		if pass == 0 {
			if tooLong(size) {
				return nil, stringLimit("format")
			}
			b.Grow(size)
		} else {
			b.WriteString(f[last:])
		}
	}
	return b.String(), nil
}

func base64ToJSON(c Context, a []any) (any, error) {
	s, err := str(a[0])
	if err != nil {
		return nil, err
	}
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return nil, err
	}
	var v any
	err = json.Unmarshal(b, &v)
	return v, err
}

func uriEscape(s string) string {
	var b strings.Builder
	for _, c := range []byte(s) {
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("-_.~", c) >= 0 {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

func uriUnescape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) {
			if v, err := strconv.ParseUint(s[i+1:i+3], 16, 8); err == nil {
				b.WriteByte(byte(v))
				i += 2
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// guid and uniqueString are deterministic hashes of their arguments. They do
// not reproduce Azure's exact values (which are not documented), only their
// shape and determinism, which is what policy evaluation needs.
func guid(c Context, a []any) (any, error) {
	h, err := hashArgs("guid", a)
	if err != nil {
		return nil, err
	}
	return fmt.Sprintf("%x-%x-%x-%x-%x", h[0:4], h[4:6], h[6:8], h[8:10], h[10:16]), nil
}

func uniqueString(c Context, a []any) (any, error) {
	h, err := hashArgs("uniquestring", a)
	if err != nil {
		return nil, err
	}
	const alphabet = "abcdefghijklmnopqrstuvwxyz234567"
	v := binary.BigEndian.Uint64(h[:8])
	out := make([]byte, 13)
	for i := range out {
		out[i] = alphabet[v&31]
		v >>= 5
	}
	return string(out), nil
}

func hashArgs(name string, a []any) ([]byte, error) {
	h := sha256.New()
	for _, v := range a {
		s, err := toStr(name, v)
		if err != nil {
			return nil, err
		}
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	return h.Sum(nil), nil
}

func resourceID(kind string) func(c Context, a []any) (any, error) {
	return func(c Context, a []any) (any, error) {
		parts := make([]string, len(a))
		for i, v := range a {
			s, err := str(v)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", kind, err)
			}
			parts[i] = s
		}
		prefix := ""
		switch kind {
		case "extensionresourceid":
			prefix, parts = parts[0], parts[1:]
		case "tenantresourceid":
		default:
			sub, rg := "", ""
			// Optional leading subscription id and resource group name come
			// before the first argument that looks like a resource type.
			i := 0
			for i < len(parts) && !strings.Contains(parts[i], "/") {
				i++
			}
			lead := parts[:i]
			parts = parts[i:]
			if s, err := c.Ambient("subscription"); err == nil {
				if m, ok := s.(map[string]any); ok {
					sub, _ = m["subscriptionId"].(string)
				}
			}
			if kind == "resourceid" {
				if r, err := c.Ambient("resourcegroup"); err == nil {
					if m, ok := r.(map[string]any); ok {
						rg, _ = m["name"].(string)
					}
				}
			}
			switch len(lead) {
			case 1:
				if kind == "resourceid" {
					rg = lead[0]
				} else {
					sub = lead[0]
				}
			case 2:
				sub, rg = lead[0], lead[1]
			}
			prefix = "/subscriptions/" + sub
			if kind == "resourceid" && !strings.EqualFold(firstOr(parts), "Microsoft.Resources/resourceGroups") {
				prefix += "/resourceGroups/" + rg
			}
		}
		if len(parts) == 0 {
			return nil, fmt.Errorf("%s: missing resource type", kind)
		}
		typ := strings.Split(parts[0], "/")
		names := parts[1:]
		if len(typ)-1 != len(names) {
			return nil, fmt.Errorf("%s: type %s needs %d names, got %d", kind, parts[0], len(typ)-1, len(names))
		}
		var b strings.Builder
		b.WriteString(prefix)
		b.WriteString("/providers/")
		b.WriteString(typ[0])
		for i, n := range names {
			b.WriteString("/" + typ[i+1] + "/" + n)
		}
		return b.String(), nil
	}
}

func firstOr(s []string) string {
	if len(s) == 0 {
		return ""
	}
	return s[0]
}

func parseTime(s string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02", "20060102T150405Z"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not a date-time", s)
}

var durationPart = regexp.MustCompile(`^(-)?P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$`)

func dateTimeAdd(c Context, a []any) (any, error) {
	base, dur, err := str2(a)
	if err != nil {
		return nil, err
	}
	t, err := parseTime(base)
	if err != nil {
		return nil, err
	}
	m := durationPart.FindStringSubmatch(dur)
	if m == nil || dur == "P" || dur == "-P" {
		return nil, fmt.Errorf("dateTimeAdd: %q is not an ISO 8601 duration", dur)
	}
	sign := 1
	if m[1] == "-" {
		sign = -1
	}
	n := func(i int) int { v, _ := strconv.Atoi(m[i]); return v * sign }
	t = t.AddDate(n(2), n(3), n(4)*7+n(5))
	t = t.Add(time.Duration(n(6))*time.Hour + time.Duration(n(7))*time.Minute)
	if m[8] != "" {
		f, _ := strconv.ParseFloat(m[8], 64)
		t = t.Add(time.Duration(float64(sign) * f * float64(time.Second)))
	}
	if len(a) == 3 {
		f, err := str(a[2])
		if err != nil {
			return nil, err
		}
		return formatTime(t, f), nil
	}
	return t.Format("2006-01-02T15:04:05Z"), nil
}

// formatTime understands the .NET format strings policies use with utcNow
// and dateTimeAdd: the standard "u", "d", "s", "o" and custom patterns.
func formatTime(t time.Time, f string) string {
	switch f {
	case "u":
		return t.Format("2006-01-02 15:04:05Z")
	case "s":
		return t.Format("2006-01-02T15:04:05")
	case "o", "O":
		return t.Format("2006-01-02T15:04:05.0000000Z")
	case "d":
		return t.Format("1/2/2006")
	}
	return t.Format(dotNetLayout.Replace(f))
}

// dotNetLayout turns a .NET date format into Go's layout; built once, as
// utcNow() runs for every resource some definitions are evaluated against.
var dotNetLayout = strings.NewReplacer("yyyy", "2006", "yy", "06", "MM", "01", "dd", "02", "HH", "15", "mm", "04", "ss", "05", "fffffff", "0000000", "fff", "000")

func ipRangeContains(c Context, a []any) (any, error) {
	rng, target, err := str2(a)
	if err != nil {
		return nil, err
	}
	outer, err := parseRange(rng)
	if err != nil {
		return nil, err
	}
	inner, err := parseRange(target)
	if err != nil {
		return nil, err
	}
	// Azure fails the evaluation rather than answering false when the
	// families differ: the question has no meaning.
	if outer.lo.Is4() != inner.lo.Is4() {
		return nil, fmt.Errorf("ipRangeContains: %q and %q are different IP families", rng, target)
	}
	return outer.lo.Compare(inner.lo) <= 0 && inner.hi.Compare(outer.hi) <= 0, nil
}

// ipRange is an inclusive range of addresses of one family.
type ipRange struct{ lo, hi netip.Addr }

// parseRange reads the three forms ipRangeContains accepts: an address, a
// CIDR prefix, or "first-last".
func parseRange(s string) (ipRange, error) {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return ipRange{}, errors.New("ipRangeContains: empty IP range")
	case strings.Contains(s, "/"):
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return ipRange{}, fmt.Errorf("ipRangeContains: %q is not a valid IP range", s)
		}
		p = p.Masked()
		return ipRange{lo: p.Addr(), hi: lastAddr(p)}, nil
	case strings.Contains(s, "-"):
		from, to, _ := strings.Cut(s, "-")
		lo, err1 := netip.ParseAddr(strings.TrimSpace(from))
		hi, err2 := netip.ParseAddr(strings.TrimSpace(to))
		if err1 != nil || err2 != nil || lo.Is4() != hi.Is4() || hi.Less(lo) {
			return ipRange{}, fmt.Errorf("ipRangeContains: %q is not a valid IP range", s)
		}
		return ipRange{lo: lo.Unmap(), hi: hi.Unmap()}, nil
	}
	addr, err := netip.ParseAddr(s)
	if err != nil {
		return ipRange{}, fmt.Errorf("ipRangeContains: %q is not a valid IP address", s)
	}
	addr = addr.Unmap()
	return ipRange{lo: addr, hi: addr}, nil
}

// lastAddr is the highest address of a masked prefix.
func lastAddr(p netip.Prefix) netip.Addr {
	b := p.Addr().AsSlice()
	for i := p.Bits(); i < len(b)*8; i++ {
		b[i/8] |= 0x80 >> (i % 8)
	}
	a, _ := netip.AddrFromSlice(b)
	return a
}
