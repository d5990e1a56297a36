package armexpr

import (
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	for _, tc := range []struct{ in, err string }{
		{"resourceId('rg', 'Microsoft.Network/virtualNetworks', 'v')", ""},
		{"reference(resourceId('rg', 'T/x', 'n'), '2024-11-30', 'full').identity.principalId", ""},
		{"split(parameters('p'), '/')[2]", ""},
		{"concat('it''s', -1)", ""},
		{"parameters('p'", "expected , or )"},
		{"x", "is not a function call"},
		{"'open", "unterminated string"},
		{"f() g()", "unexpected"},
		{strings.Repeat("f(", 200) + strings.Repeat(")", 200), "nested more than"},
	} {
		n, err := Parse(tc.in)
		switch {
		case tc.err == "" && err != nil:
			t.Errorf("%s: %v", tc.in, err)
		case tc.err == "" && n.Src() != tc.in:
			t.Errorf("%s: source %q", tc.in, n.Src())
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("%s: error %v, want %q", tc.in, err, tc.err)
		}
	}
	n, _ := Parse("reference(resourceId('rg', 'T/x', 'n'), 'v').a[0]")
	ix, ok := n.(*Index)
	if !ok || ix.X.(*Prop).Name != "a" || ix.X.(*Prop).X.(*Call).Name != "reference" {
		t.Errorf("wrong tree %#v", n)
	}
}

func TestClassify(t *testing.T) {
	for in, want := range map[string][3]any{
		"plain":  {"plain", "", false},
		"[f()]":  {"", "f()", true},
		"[[x]":   {"[x]", "", false},
		"[x":     {"[x", "", false},
		"[[not]": {"[not]", "", false},
	} {
		lit, expr, isExpr := Classify(in)
		if lit != want[0] || expr != want[1] || isExpr != want[2] {
			t.Errorf("Classify(%q) = %q %q %v", in, lit, expr, isExpr)
		}
		if !isExpr && Literal(lit) != in && strings.HasSuffix(in, "]") {
			t.Errorf("Literal(%q) = %q, want %q", lit, Literal(lit), in)
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add("guid(resourceId('a', 'b/c', 'd'), 'x')[0].y")
	f.Fuzz(func(t *testing.T, s string) {
		n, err := Parse(s)
		if err == nil && n.Src() != strings.TrimLeft(strings.TrimRight(s, " \t\r\n"), " \t\r\n") {
			t.Errorf("source %q of %q", n.Src(), s)
		}
	})
}

func TestResolve(t *testing.T) {
	const vnet = "Microsoft.Network/virtualNetworks"
	byKey := map[string]string{
		Key("rg", vnet, "v"): "vnet",
		Key("", "Microsoft.Resources/resourceGroups", "rg"): "group",
	}
	ext := map[string]string{
		Key("[resourceId('rg', 'T/x', 'n')]", "Microsoft.Insights/diagnosticSettings", "d"):             "diag",
		Key("[resourceId('rg', 'T/x', 'n')]", "Microsoft.Authorization/roleAssignments", "[guid('a')]"): "grant",
	}
	for _, tc := range []struct{ in, want, err string }{
		{"resourceId('rg', '" + vnet + "', 'v')", "vnet", ""},
		{"resourceId('rg', '" + vnet + "/subnets', 'v', 's')", "vnet", ""},
		{"subscriptionResourceId('Microsoft.Resources/resourceGroups', 'rg')", "group", ""},
		{"extensionResourceId(resourceId('rg', 'T/x', 'n'), 'Microsoft.Insights/diagnosticSettings', 'd')", "diag", ""},
		{"extensionResourceId(resourceId('rg', 'T/x', 'n'), 'Microsoft.Authorization/roleAssignments', guid('a'))", "grant", ""},
		{"resourceId('rg', '" + vnet + "', 'other')", "", "names no resource of the module"},
		{"resourceId(parameters('rg'), '" + vnet + "', 'v')", "", "names no resource of the module"},
		{"resourceId('rg', '" + vnet + "/subnets', 'w', 's')", "", "names no resource of the module"},
		{"'rg'", "", "is not a resource id"},
	} {
		n, err := Parse(tc.in)
		if err != nil {
			t.Fatal(err)
		}
		got, err := Resolve(n, byKey, ext, "the module")
		switch {
		case tc.err == "" && (err != nil || got != tc.want):
			t.Errorf("%s: %q %v, want %q", tc.in, got, err, tc.want)
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("%s: error %v, want %q", tc.in, err, tc.err)
		}
	}
}

func TestLiterals(t *testing.T) {
	n, _ := Parse("f('a', g(), 'b')")
	lits, all := Literals(n.(*Call).Args)
	if strings.Join(lits, ",") != "a,b" || all {
		t.Errorf("Literals = %q %v", lits, all)
	}
	n, _ = Parse("f('a', 'b')")
	if _, all := Literals(n.(*Call).Args); !all {
		t.Error("all literals not reported")
	}
}
