package expr

import (
	"errors"
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
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := Parse(s)
		if err != nil {
			return
		}
		_ = n.String()
		_, _ = Eval(n, ctx{})
	})
}
