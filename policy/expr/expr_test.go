package expr

import (
	"errors"
	"strings"
	"testing"
	"time"
)

type ctx struct{}

func (ctx) Parameter(name string) (any, error) {
	if name == "p" {
		return map[string]any{"a": []any{"x", "y"}}, nil
	}
	return nil, errors.New("no parameter")
}
func (ctx) Field(string) (any, error)   { return "f", nil }
func (ctx) Current(string) (any, error) { return nil, errors.New("no count") }
func (ctx) Ambient(string) (any, error) { return map[string]any{"name": "rg"}, nil }
func (ctx) Now() time.Time              { return time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC) }

func TestEval(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want any
	}{
		{"[parameters('p').a[1]]", "y"},
		{"[parameters('p')['a'][0]]", "x"},
		{"[concat('it''s', ' ', field('x'))]", "it's f"},
		{"[utcNow('yyyy-MM-dd')]", "2024-05-06"},
		{"[resourceGroup().name]", "rg"},
		{"[length(split('a,b;c', createArray(',', ';')))]", 3.0},
		{"[if(true(), 1, div(1, 0))]", 1.0},
		{"[-3]", -3.0},
		{"[format('{0}-{1}', 'a', 2)]", "a-2"},
		{"[string(createObject('b', 1, 'a', true()))]", `{"a":true,"b":1}`},
		{"[dateTimeAdd('2024-01-31T00:00:00Z', 'PT36H')]", "2024-02-01T12:00:00Z"},
		{"[ipRangeContains('2001:db8::/32', '2001:db8:1::1')]", true},
		// One line per function the issue lists, in its order, so that a
		// regression names the function.
		{"[equals(toLower('AbC'), 'abc')]", true},
		{"[toUpper('abc')]", "ABC"},
		{"[replace('a-b-c', '-', '.')]", "a.b.c"},
		{"[split('a/b/c', '/')[2]]", "c"},
		{"[first(createArray(1, 2))]", 1.0},
		{"[last('xyz')]", "z"},
		{"[length(createObject('a', 1, 'b', 2))]", 2.0},
		{"[empty('')]", true},
		{"[contains(createArray('a', 'b'), 'b')]", true},
		{"[contains('Hello', 'hello')]", false}, // ARM contains is case-sensitive
		{"[substring('abcdef', 2, 3)]", "cde"},
		{"[indexOf('abcABC', 'C')]", 2.0}, // indexOf ignores case
		{"[lastIndexOf('abcabc', 'b')]", 4.0},
		{"[startsWith('Microsoft.Network', 'microsoft.')]", true},
		{"[endsWith('vm-gpu-01', '-01')]", true},
		{"[take('abcdef', 2)]", "ab"},
		{"[skip(createArray(1, 2, 3), 2)]", []any{3.0}},
		{"[padLeft('7', 3, '0')]", "007"},
		{"[trim('  x  ')]", "x"},
		{"[string(1.5)]", "1.5"},
		{"[string(true())]", "True"},
		{"[int('42')]", 42.0},
		{"[bool('TRUE')]", true},
		{"[json('{\"a\": [1, 2]}').a[1]]", 2.0},
		{"[createObject('k', 'v').k]", "v"},
		{"[union(createArray(1, 2), createArray(2, 3))]", []any{1.0, 2.0, 3.0}},
		{"[intersection(createArray(1, 2, 3), createArray(3, 2))]", []any{2.0, 3.0}},
		{"[min(3, 1, 2)]", 1.0},
		{"[max(createArray(3, 9, 2))]", 9.0},
		{"[add(2, 3)]", 5.0},
		{"[sub(2, 3)]", -1.0},
		{"[mul(2, 3)]", 6.0},
		{"[div(7, 2)]", 3.0},
		{"[mod(7, 2)]", 1.0},
		{"[greater(2, 1)]", true},
		{"[greaterOrEquals('b', 'B')]", true},
		{"[less(1, 2)]", true},
		{"[lessOrEquals(2, 2)]", true},
		{"[coalesce(null(), 'x')]", "x"},
		{"[and(true(), not(false()))]", true},
		{"[or(false(), equals(1, 1))]", true},
		{"[if(equals(1, 2), 'a', 'b')]", "b"},
		{"[utcNow()]", "2024-05-06T07:08:09.0000000Z"}, // the policy form, not ARM's yyyyMMddTHHmmssZ
		{"[dateTimeAdd('2024-01-01T00:00:00Z', '-P1D', 'yyyy-MM-dd')]", "2023-12-31"},
		{"[addDays('2024-02-28T00:00:00Z', 2)]", "2024-03-01T00:00:00Z"},
		{"[ipRangeContains('10.0.0.0/8', '10.1.0.0/16')]", true},
		{"[ipRangeContains('10.0.0.0/16', '10.0.0.0/8')]", false},
		{"[ipRangeContains('192.168.0.1-192.168.0.9', '192.168.0.5')]", true},
		{"[ipRangeContains('192.168.0.0/24', '192.168.0.250-192.168.1.2')]", false},
		{"[ipRangeContains('2001:db8::-2001:db8::3:ffff', '2001:db8::2:1')]", true},
	} {
		n, err := Parse(tc.in)
		if err != nil {
			t.Errorf("%s: %v", tc.in, err)
			continue
		}
		got, err := Eval(n, ctx{})
		if err != nil {
			t.Errorf("%s: %v", tc.in, err)
			continue
		}
		if !Equal(got, tc.want) {
			t.Errorf("%s = %#v, want %#v", tc.in, got, tc.want)
		}
	}
}

// TestEvalErrors: functions that fail make the evaluation fail (Azure
// treats that as a deny); they must return an error, never a value.
func TestEvalErrors(t *testing.T) {
	for _, in := range []string{
		"[ipRangeContains('10.0.0.0/8', '2001:db8::1')]", // mixed families
		"[ipRangeContains('', '10.0.0.1')]",
		"[ipRangeContains('10.0.0.9-10.0.0.1', '10.0.0.5')]", // reversed range
		"[substring('ab', 1, 5)]",
		"[div(1, 0)]",
		"[int('x')]",
		"[length(null())]",
		"[parameters('nope')]",
		"[createArray(1)[3]]",
		"[current()]",
		"[dateTimeAdd('2024-01-01T00:00:00Z', 'P1Q')]",
	} {
		n, err := Parse(in)
		if err != nil {
			t.Errorf("%s: %v", in, err)
			continue
		}
		if v, err := Eval(n, ctx{}); err == nil {
			t.Errorf("%s = %#v, want an error", in, v)
		}
	}
}

func TestParseErrors(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want error
	}{
		{"[nope()]", ErrUnknownFunction},
		{"[toLower('a', 'b')]", ErrArity},
		{"[concat('a'", nil},
		{"[concat('a' 'b')]", nil},
		{"['unterminated]", nil},
		{"[concat('a'))]", nil},
		{"[bare]", nil},
	} {
		_, err := Parse(tc.in)
		if err == nil {
			t.Errorf("%s: parsed, want an error", tc.in)
			continue
		}
		if tc.want != nil && !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", tc.in, err, tc.want)
		}
	}
	if IsExpression("[[x]") || !IsExpression("[x()]") || Unescape("[[x]") != "[x]" {
		t.Error("escaping rule broken")
	}
}

// FuzzExpression parses and evaluates arbitrary expression text: errors are
// fine, panics are not.
func FuzzExpression(f *testing.F) {
	for _, s := range []string{
		"[concat('a', parameters('p').a[0])]", "[if(equals(1, 1), 'a', 'b')]", "[split('a/b', '/')[1]]",
		"[union(createObject('a', 1), json('{\"b\": 2}'))]", "[substring('abc', 1, 5)]", "[padLeft('1', 99999999, '0')]",
		"[dateTimeAdd(utcNow(), 'P1Y2M3DT4H5M6S')]", "[ipRangeContains('10.0.0.0/8', '10.1.2.3')]", "[[x]", "[range(0, 3)]",
		"[take(createArray(1,2,3), -1)]", "[mod(5, 0)]", "[int('x')]", "[format('{0}{5}', 1)]", "[items(createObject('a', 1))]",
		"[padLeft('1', 131072, '0')]", "[split(replace(padLeft('', 70000, 'a'), 'a', ','), ',')]", "[union(range(0, 10000), range(5000, 10000))]",
		"[string(json('[[[[[[[[[[1]]]]]]]]]]'))]", "[guid(createArray(createArray(1), createObject('a', 'b')))]",
		"[length(field('missing'))]", "[toLower(field('missing'))]", "[split(field('missing'), '/')]",
	} {
		f.Add(s)
	}
	// The outside campaign's definition (issue 12, item 10): replace()
	// nested 30 deep, each call doubling the string.
	e := "'ab'"
	for range 30 {
		e = "replace(" + e + ", 'a', 'aa')"
	}
	f.Add("[" + e + "]")
	f.Fuzz(func(t *testing.T, s string) {
		n, err := Parse(s)
		if err != nil {
			return
		}
		_ = n.String()
		_, _ = Eval(n, ctx{})
	})
}

// TestLimits: every documented evaluation limit fails the function that
// passes it, with an error naming the function and the limit, and values
// just under a limit evaluate.
func TestLimits(t *testing.T) {
	big := "parameters('big')" // two of them make the limit
	for _, tc := range []struct {
		in   string
		fn   string // "" when the expression must evaluate
		what string
	}{
		{"[concat(" + big + ", " + big + ")]", "", ""},
		{"[concat(" + big + ", " + big + ", 'a')]", "concat", "131072 characters"},
		{"[replace(" + big + ", 'a', 'aaaa')]", "replace", "131072 characters"},
		{"[join(createArray(" + big + ", " + big + "), '')]", "", ""},
		{"[join(createArray(" + big + ", " + big + "), ',')]", "join", "131072 characters"},
		{"[format('{0}{0}{0}', " + big + ")]", "format", "131072 characters"},
		{"[padLeft('x', 131073, '0')]", "padleft", "131072 characters"},
		{"[padLeft('x', 131072, '0')]", "", ""},
		{"[base64(" + big + ")]", "", ""},
		{"[base64(concat(" + big + ", " + big + "))]", "base64", "131072 characters"},
		{"[string(createArray(" + big + ", " + big + "))]", "string", "131072 characters"},
		{"[uriComponent(replace(" + big + ", 'a', '/'))]", "uricomponent", "131072 characters"},
		{"[length(range(0, 10000))]", "", ""},
		{"[length(concat(range(0, 10000), range(0, 10000), range(0, 10000), range(0, 2767)))]", "", ""},
		{"[concat(range(0, 10000), range(0, 10000), range(0, 10000), range(0, 2768))]", "concat", "32768 nodes"},
		{"[split(" + strings.Repeat("',,,,,,,,', ", 1) + "',')]", "", ""},
		{"[split(replace(" + big + ", 'a', ','), ',')]", "split", "32768 nodes"},
		{"[json(concat(" + "'" + strings.Repeat("[", 128) + "', '" + strings.Repeat("]", 128) + "'))]", "", ""},
		{"[json(concat(" + "'" + strings.Repeat("[", 129) + "', '" + strings.Repeat("]", 129) + "'))]", "json", "nested more than 128 deep"},
		{"[parameters('p')]", "", ""},
		{"[length(parameters('wide'))]", "parameters", "32768 nodes"},
		{"[guid(string(parameters('p')))]", "", ""},
	} {
		n, err := Parse(tc.in)
		if err != nil {
			t.Errorf("%.60s: %v", tc.in, err)
			continue
		}
		_, err = Eval(n, limitCtx{})
		if tc.fn == "" {
			if err != nil {
				t.Errorf("%.60s: %v", tc.in, err)
			}
			continue
		}
		var le *LimitError
		if !errors.As(err, &le) || !errors.Is(err, ErrLimit) || le.Func != tc.fn || !strings.Contains(err.Error(), tc.what) || !strings.Contains(err.Error(), tc.fn+"()") {
			t.Errorf("%.60s: error %v, want %s() over the limit of %s", tc.in, err, tc.fn, tc.what)
		}
	}
}

// limitCtx has a parameter too wide for a function to return.
type limitCtx struct{ ctx }

func (limitCtx) Parameter(name string) (any, error) {
	switch name {
	case "wide":
		return make([]any, MaxNodes), nil
	case "big":
		return strings.Repeat("a", MaxStringLength/2), nil
	}
	return ctx{}.Parameter(name)
}

// TestParseLimits: the limits on an expression's text.
func TestParseLimits(t *testing.T) {
	nest := func(k int) string {
		e := "'x'"
		for range k {
			e = "toLower(" + e + ")"
		}
		return "[" + e + "]"
	}
	args := func(k int) string { return "[concat(" + strings.Repeat("'a', ", k-1) + "'a')]" }
	lit := func(k int) string { return "['" + strings.Repeat("a", k-4) + "']" }
	for _, tc := range []struct {
		in       string
		template bool
		ok       bool
	}{
		{nest(MaxNesting), false, true},
		{nest(MaxNesting + 1), false, false},
		{args(MaxArguments), false, true},
		{args(MaxArguments + 1), false, false},
		{lit(MaxExpressionLength), false, true},
		{lit(MaxExpressionLength + 1), false, false},
		{lit(MaxTemplateExpressionLength), true, true},
		{lit(MaxTemplateExpressionLength + 1), true, false},
	} {
		parse := Parse
		if tc.template {
			parse = ParseTemplate
		}
		_, err := parse(tc.in)
		if tc.ok != (err == nil) || (err != nil && !errors.Is(err, ErrLimit)) {
			t.Errorf("%.40s... (%d characters): %v", tc.in, len(tc.in), err)
		}
	}
}
