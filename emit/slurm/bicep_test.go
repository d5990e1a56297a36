package slurm

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/aizone/aizone/internal/shared"
)

// bicepDir is the workspace's bicep directory at the pinned commit.
func bicepDir(t *testing.T) string {
	t.Helper()
	return shared.Path(t, "corpora", "cyclecloud-slurm-workspace", "bicep")
}

// inline makes a one-file template of Bicep source.
func inline(t *testing.T, src string) *bicepTemplate {
	t.Helper()
	f, err := parseBicep("main.bicep", src)
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	tpl := &bicepTemplate{main: f, files: map[string]*bicepFile{"main.bicep": f}}
	for _, n := range sortedKeys(f.types) {
		if err := tpl.walkRefs(f, f.types[n]); err != nil {
			t.Fatalf("resolve: %v", err)
		}
	}
	return tpl
}

// decode reads JSON as the checker sees written parameters.
func decode(t *testing.T, s string) any {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("bad JSON %s: %v", s, err)
	}
	return v
}

// TestParseCorpus reads every Bicep file of the workspace at the pinned
// commit (the parser must understand them all or say where it does not),
// and checks what it reads of mainTemplate.bicep: the parameters, which
// are required, and that each literal default fits its own declared type.
func TestParseCorpus(t *testing.T) {
	dir := bicepDir(t)
	files, err := filepath.Glob(filepath.Join(dir, "*.bicep"))
	if err != nil || len(files) < 20 {
		t.Fatalf("corpus Bicep files: %v (%d)", err, len(files))
	}
	sub, _ := filepath.Glob(filepath.Join(dir, "*", "*.bicep"))
	for _, f := range append(files, sub...) {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := parseBicep(filepath.Base(f), string(src)); err != nil {
			t.Errorf("%v", err)
		}
	}
	tpl, err := loadTemplate(filepath.Join(dir, "mainTemplate.bicep"))
	if err != nil {
		t.Fatal(err)
	}
	var required []string
	for _, n := range tpl.main.paramOrder {
		prm := tpl.main.params[n]
		if prm.required() {
			required = append(required, n)
		}
		if prm.hasDefault && !prm.defLiteral {
			t.Errorf("%s: default is not a literal; the test expects literals in mainTemplate.bicep", n)
		}
		if prm.defLiteral {
			// JSON round trip: the checker reads numbers as json.Number.
			b, _ := json.Marshal(prm.def)
			if errs := tpl.check(tpl.main, prm.typ, decode(t, string(b)), n); len(errs) > 0 {
				t.Errorf("default of %s does not fit its type: %v", n, errors.Join(errs...))
			}
		}
	}
	want := []string{"location", "adminUsername", "adminPassword", "key", "ccVMName", "ccVMSize", "resourceGroup",
		"schedFilesystem", "sharedFilesystem", "network", "storagePrivateDnsZone", "schedulerNode", "loginNodes",
		"htc", "hpc", "gpu", "tags"}
	if strings.Join(required, ",") != strings.Join(want, ",") {
		t.Errorf("required parameters:\n got %v\nwant %v", required, want)
	}
	if n := len(tpl.main.params); n != 34 {
		t.Errorf("%d parameters, want 34", n)
	}
	types := tpl.files["types.bicep"]
	if types == nil || len(types.types) < 50 {
		t.Fatalf("types.bicep not read")
	}
	for _, name := range []string{"entra_t", "schedFilesystem_t", "sharedFilesystem_t", "additionalFilesystem_t", "vnet_t",
		"storagePrivateDnsZone_t", "publicKey_t", "databaseConfig_t", "oodConfig_t", "monitoring_t"} {
		if d := types.types[name].discriminator; d != "type" {
			t.Errorf("%s: discriminator %q, want type", name, d)
		}
	}
	if !tpl.main.params["adminPassword"].typ.cons.secure || !tpl.main.params["databaseAdminPassword"].typ.cons.secure {
		t.Error("the two passwords are not read as @secure()")
	}
	if c := tpl.main.params["ccVMName"].typ.cons; c.minLength == nil || *c.minLength != 1 || c.maxLength == nil || *c.maxLength != 64 {
		t.Errorf("ccVMName length limits not read: %+v", c)
	}
}

// TestParseErrors: what the parser does not understand fails with the
// file and position, never silently.
func TestParseErrors(t *testing.T) {
	cases := []struct{ name, src, want string }{
		{"unknown decorator", "@batchSize(2)\nparam a string\n", "main.bicep:1:2: unsupported decorator @batchSize"},
		{"unknown statement", "param a string\nprovider foo\n", "main.bicep:2:1: unsupported declaration \"provider\""},
		{"unterminated string", "param a string = 'abc\n", "main.bicep:1:18: unterminated string"},
		{"any type", "param a any\n", "main.bicep:1:9: unsupported type \"any\""},
		{"dangling decorator", "param a string\n@secure()\n", "decorator @secure is not followed by a declaration"},
		{"property syntax", "type t = {\n  a string\n}\n", "main.bicep:2:5: expected \":\", found \"string\""},
		{"two properties on a line", "type t = { a: string b: int }\n", "expected a new line, a comma or } after property a"},
		{"duplicate property", "type t = {\n  a: string\n  a: int\n}\n", "property a declared twice"},
		{"decimal", "param a int = 1.5\n", "unsupported number literal"},
		{"import renaming", "import {a as b} from './x.bicep'\n", "import renaming"},
		{"stray character", "param a string = #x\n", "unexpected character '#'"},
		{"discriminator on object", "@discriminator('type')\ntype t = { type: 'a' }\n", "@discriminator on something other than a union type"},
		{"unbalanced", "var a = [1, 2)\n", "unbalanced \")\""},
		{"unclosed", "var a = {\n  b: 1\n", "unclosed \"{\""},
		{"duplicate param", "param a string\nparam a int\n", "parameter a declared twice"},
		{"text after type", "param a string int\n", "expected the end of the line"},
		{"expression in a decorator", "@description('a ${b}')\nparam a string\n", "main.bicep:1:14: @description takes literal arguments"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := parseBicep("main.bicep", c.src)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("got %v, want an error containing %q", err, c.want)
			}
		})
	}
}

// TestParseForms: the forms the workspace's files use, read as meant.
func TestParseForms(t *testing.T) {
	src := `targetScope = 'subscription' // a comment
/* a block
   comment */
import * as types from './types.bicep'
@description('''
multi-line
''')
@minLength(3)
@maxLength(5)
param a string = 'x${y}z'
@allowed([
  'p'
  'q'
])
param b string = 'p'
@minValue(-2)
param c int = -1
param d types.x_t?
param e string[]? // nullable array
@secure() param f string
var g = cond
  ? 1
  : {
      h: 2
    }
output o string = 'done'
type u = '1' | '2' |
  '3'
@sealed()
type s = {
  @description('a property')
  'quoted-name': string
  *: int
  nested: {
    x: bool?
  }
}
`
	f, err := parseBicep("main.bicep", src)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(f.paramOrder, ","); got != "a,b,c,d,e,f" {
		t.Fatalf("params %s", got)
	}
	a := f.params["a"]
	if !a.hasDefault || a.defLiteral || a.typ.cons.description != "multi-line\n" || *a.typ.cons.minLength != 3 || *a.typ.cons.maxLength != 5 {
		t.Errorf("a: %+v %+v", a, a.typ.cons)
	}
	if b := f.params["b"]; b.def != "p" || len(b.typ.cons.allowed) != 2 {
		t.Errorf("b: %+v", b)
	}
	if c := f.params["c"]; c.def != int64(-1) || *c.typ.cons.minValue != -2 {
		t.Errorf("c: %+v", c)
	}
	if d := f.params["d"]; d.typ.kind != kRef || d.typ.ref != "types.x_t" || !d.typ.nullable || d.required() {
		t.Errorf("d: %+v", d.typ)
	}
	if e := f.params["e"]; e.typ.kind != kArray || e.typ.elem.kind != kString || !e.typ.nullable {
		t.Errorf("e: %+v", e.typ)
	}
	if !f.params["f"].typ.cons.secure || !f.params["f"].required() {
		t.Errorf("f: %+v", f.params["f"])
	}
	if u := f.types["u"]; u.kind != kUnion || len(u.members) != 3 {
		t.Errorf("u: %+v", u)
	}
	s := f.types["s"]
	if len(s.props) != 2 || s.props[0].name != "quoted-name" || s.additional == nil || s.additional.kind != kInt {
		t.Fatalf("s: %+v", s)
	}
	if x := s.props[1].typ.props[0]; x.name != "x" || !x.typ.nullable || x.typ.kind != kBool {
		t.Errorf("s.nested.x: %+v", x.typ)
	}
	if len(f.imports) != 1 || f.imports[0].alias != "types" || f.imports[0].path != "./types.bicep" {
		t.Errorf("imports: %+v", f.imports)
	}
}

// TestCheckValues checks values against declared types.
func TestCheckValues(t *testing.T) {
	tpl := inline(t, `
type zone_t = '1' | '2' | '3'
type a_t = {
  type: 'a'
  n: int
  zones: zone_t[]?
}
type b_t = {
  type: 'b'
  s: string
}
@discriminator('type')
type ab_t = a_t | b_t
type bag_t = {
  *: string
}
type pair_t = {
  left: string
  right: bool?
}
@allowed(['x', 'y'])
param choice string
@minLength(2)
param list array
param ab ab_t
param bag bag_t
param pair pair_t
param zones zone_t[]
@maxValue(10)
param small int
`)
	cases := []struct {
		param, value string
		want         string // substring of the error; "" for none
	}{
		{"choice", `"x"`, ""},
		{"choice", `"z"`, `"z" is not an allowed value`},
		{"choice", `3`, "not an allowed value"},
		{"list", `[1, "a"]`, ""},
		{"list", `[1]`, "length 1 is below the minimum 2"},
		{"list", `{}`, "want an array, got an object"},
		{"ab", `{"type": "a", "n": 3}`, ""},
		{"ab", `{"type": "a", "n": 3, "zones": ["1", "3"]}`, ""},
		{"ab", `{"type": "a", "n": 3, "zones": ["4"]}`, `ab.zones[0]: "4" is not one of "1", "2", "3"`},
		{"ab", `{"type": "a", "n": "3"}`, "ab.n: want an integer, got a string"},
		{"ab", `{"type": "a", "n": 3.5}`, "ab.n: want an integer, got a number"},
		{"ab", `{"type": "a"}`, "ab.n: required property missing"},
		{"ab", `{"type": "b", "s": "x"}`, ""},
		{"ab", `{"type": "b", "s": "x", "n": 1}`, "ab.n: not a property of the type"},
		{"ab", `{"type": "c"}`, `type "c" is not one of "a", "b"`},
		{"ab", `{"s": "x"}`, `type null is not one of "a", "b"`},
		{"ab", `"a"`, "want an object, got a string"},
		{"bag", `{"k": "v", "l": "w"}`, ""},
		{"bag", `{"k": 1}`, "bag.k: want a string, got a number"},
		{"pair", `{"left": "l"}`, ""},
		{"pair", `{"left": "l", "right": null}`, ""},
		{"pair", `{"left": null}`, "pair.left: null, but the type"},
		{"pair", `{"left": "l", "right": "yes"}`, "pair.right: want a boolean"},
		{"zones", `["1", "2"]`, ""},
		{"zones", `[1]`, `zones[0]: 1 is not one of "1", "2", "3"`},
		{"small", `10`, ""},
		{"small", `11`, "11 is above the maximum 10"},
	}
	for _, c := range cases {
		t.Run(c.param+" "+c.value, func(t *testing.T) {
			prm := tpl.main.params[c.param]
			errs := tpl.check(tpl.main, prm.typ, decode(t, c.value), c.param)
			err := errors.Join(errs...)
			switch {
			case c.want == "" && err != nil:
				t.Errorf("unexpected error: %v", err)
			case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
				t.Errorf("got %v, want an error containing %q", err, c.want)
			}
		})
	}
}

// TestCheckParameters: the parameters file as a whole: unknown names,
// missing required ones, and entries that are not {"value": v}.
func TestCheckParameters(t *testing.T) {
	tpl := inline(t, "param req string\nparam opt int = 1\nparam nul string?\n")
	cases := []struct {
		params string
		want   []string
	}{
		{`{"req": {"value": "x"}}`, nil},
		{`{"req": {"value": "x"}, "opt": {"value": 2}, "nul": {"value": null}}`, nil},
		{`{}`, []string{"parameter req: required (no default, not nullable) but missing"}},
		{`{"req": {"value": "x"}, "other": {"value": 1}}`, []string{"parameter other: not declared by main.bicep"}},
		{`{"req": {"reference": {}}}`, []string{`parameter req: entry must be exactly {"value": ...}`}},
		{`{"req": {"value": "x", "extra": 1}}`, []string{`parameter req: entry must be exactly {"value": ...}`}},
		{`{"req": "x"}`, []string{"parameter req: entry is not an object"}},
	}
	for _, c := range cases {
		t.Run(c.params, func(t *testing.T) {
			params := decode(t, c.params).(map[string]any)
			var got []string
			for _, e := range tpl.checkParameters(params) {
				got = append(got, e.Error())
			}
			sort.Strings(got)
			if strings.Join(got, "\n") != strings.Join(c.want, "\n") {
				t.Errorf("got %q, want %q", got, c.want)
			}
		})
	}
}

// TestResolveErrors: a reference to an undeclared type fails when the
// template is loaded.
func TestResolveErrors(t *testing.T) {
	dir := t.TempDir()
	write := func(name, src string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("types.bicep", "type a_t = {\n  b: b_t\n}\n")
	write("main.bicep", "import * as types from './types.bicep'\nparam p types.a_t\n")
	if _, err := loadTemplate(filepath.Join(dir, "main.bicep")); err == nil || !strings.Contains(err.Error(), "types.bicep:2:6: unknown type b_t") {
		t.Errorf("got %v, want the unknown type b_t at types.bicep:2:6", err)
	}
	write("types.bicep", "type a_t = string\n")
	write("main.bicep", "import * as types from './types.bicep'\nparam p types.c_t\n")
	if _, err := loadTemplate(filepath.Join(dir, "main.bicep")); err == nil || !strings.Contains(err.Error(), "type types.c_t is not declared in types.bicep") {
		t.Errorf("got %v", err)
	}
	write("main.bicep", "import {a_t} from './types.bicep'\nparam p a_t\nparam q d_t\n")
	if _, err := loadTemplate(filepath.Join(dir, "main.bicep")); err == nil || !strings.Contains(err.Error(), "main.bicep:3:9: unknown type d_t") {
		t.Errorf("got %v", err)
	}
	write("main.bicep", "import {a_t} from './missing.bicep'\n")
	if _, err := loadTemplate(filepath.Join(dir, "main.bicep")); err == nil {
		t.Error("a missing import loaded")
	}
}
