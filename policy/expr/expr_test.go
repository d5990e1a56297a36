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
